// Package engine is cachee's data engine: databases and the sharded keyspace,
// value types, expiry, sessions, the command table and the single dispatcher,
// Exec, that every caller goes through (socket server, in-process client,
// scripts).
//
// The engine knows nothing of sockets or RESP bytes. Handlers write replies to
// a ReplyWriter; the server's writer turns them into RESP2/RESP3, the Capture
// writer into Reply values.
//
// Command metadata (arity, flags, key positions, ACL categories, COMMAND INFO
// and DOCS) comes from Redis's own specification, captured into
// engine/internal/cmdspec; each family file (cmd_<family>.go) binds handlers to
// those names. Keys are spread over shards by a seeded hash; a command locks
// the shards of its keys in index order, so every command is atomic. GET
// alone may read without the lock, when a seqlock check shows that no write
// came between its loads (optimistic.go).
//
// Access control is Redis 7.0's ACL (acl.go, acl_check.go, cmd_acl.go,
// aclfile.go): every session runs as a user, and the dispatcher checks the
// user's rules before running a command, unless the user may run every
// command on every key and channel (the default user, unless changed), which
// costs one flag test.
package engine
