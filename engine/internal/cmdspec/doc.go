// Package cmdspec is cachee's single source of command metadata: arity, flags,
// legacy first/last/step key positions, ACL categories, tips, key specs,
// subcommands and the COMMAND DOCS data of every Redis 7.0 command.
//
// # Where the data comes from
//
// commands.json is GENERATED; do not edit it by hand. The generator in ./gen
// starts a real redis-server (from PATH) on a free loopback port with
// persistence off, sends HELLO 3, COMMAND INFO and COMMAND DOCS, and writes
// the reply trees with their RESP3 types kept, one command per line, sorted by
// name, together with the server version. To regenerate (with the Redis
// version cachee targets installed), run from the module root:
//
//	go generate ./engine/internal/cmdspec
//
// (or `go run ./engine/internal/cmdspec/gen`), then run this package's tests,
// which compare everything against a live server again.
//
// Reply trees are encoded as typed JSON: integer → number; simple string →
// "+text"; bulk string → "$text"; null → null; array → [...]; set →
// {"~":[...]}; map → {"%":[k1,v1,k2,v2,...]} with the pairs in Redis's order.
//
// Two things in the file are not verbatim replies:
//
//   - Subcommands are sorted by name. Redis lists them in the iteration order
//     of a dict whose hash seed is random per process, so no order is "the"
//     order; sorting keeps regenerated files diffable.
//   - "hidden_flags" records flags Redis has but COMMAND INFO never prints
//     (may_replicate on EVAL, EVALSHA, FCALL, PFCOUNT, PUBLISH, SPUBLISH;
//     protected on DEBUG and MODULE LOAD/LOADEX/UNLOAD). They come from a small
//     table in the generator and are verified by the tests against the server's
//     behaviour (CLIENT PAUSE WRITE blocks may_replicate commands; protected
//     commands are refused by default). Sentinel and OnlySentinel are never set.
//
// # Use
//
// The JSON is embedded and parsed once, on first use; the result is immutable
// and shared, so Specs and their slices must be treated as read-only. Lookup
// and LookupArgv find commands, All lists them, WriteInfo and WriteDocs render
// COMMAND INFO / COMMAND DOCS entries byte for byte as Redis 7.0 does (through
// a Writer, so RESP2 clients get what Redis gives them: sets as arrays, maps as
// flat arrays), and KeyPositions / GetKeys extract keys exactly as Redis 7.0's
// COMMAND GETKEYS does, including the cases where Redis abandons the key specs
// for a command's getkeys procedure (see KeyPositions).
package cmdspec
