package cmddoc

// notes are the known differences between cachee and Redis 7.0 for
// commands cachee implements, by command name (subcommands as
// "client|list"). Everything not written here behaves as in Redis, as far
// as the differential tests know. A test checks that every key names an
// implemented command.
var notes = map[string]string{
	"client|list": "Every Redis 7.0 field is printed, in Redis's order, followed by `lib-name` and `lib-ver` " +
		"(Redis 7.2's fields, always empty: CLIENT SETINFO is 7.2 and not implemented). Buffer and memory " +
		"fields (`qbuf`, `qbuf-free`, `argv-mem`, `multi-mem`, `rbs`, `rbp`, `obl`, `oll`, `omem`, `tot-mem`) " +
		"are always 0, and `sub`, `psub`, `ssub` and `multi` are always 0, 0, 0 and -1. In-process clients " +
		"connected with the dialer show `addr=inprocess:N laddr=inprocess:0`.",
	"client|info":     "The same line as CLIENT LIST, with the same differences.",
	"client|no-evict": "Accepted and shown in the flags; cachee has no client eviction (maxmemory-clients), so there is nothing to exempt the client from.",
	"command": "Lists only the commands cachee implements; subcommands are sorted by name (Redis lists them " +
		"in a per-process random order).",
	"command|count": "Counts only the commands cachee implements.",
	"command|list":  "Lists only the commands cachee implements; FILTERBY applies to those.",
	"command|info":  "A command cachee does not implement gets a null entry, as an unknown command does in Redis.",
	"command|docs":  "Only implemented commands, each with only its implemented subcommands.",
	"config|get": "Knows only the parameters in the configuration chapter (docs/configuration.md); any other " +
		"name matches nothing, as an unknown name does in Redis.",
	"config|set": "Sets only the parameters in the configuration chapter; any other Redis parameter is " +
		"refused with Redis's error for an unknown option. `save` and `appendonly` take only the values that " +
		"turn persistence off (`\"\"`, `no`); a valid value that asks for snapshots or an AOF is refused " +
		"with why.",
	"info": "Sections Server, Clients, Memory, Stats and Keyspace only. `used_memory` is the dataset by " +
		"cachee's accounting (what maxmemory bounds), `allocator_allocated` the Go heap, `used_memory_rss` the " +
		"memory obtained from the OS, `mem_allocator:go`; `multiplexing_api` is `goroutines`, `avg_ttl` is " +
		"always 0, and fields of features cachee lacks (tracking, replication) are 0.",
	"lastsave": "cachee does not persist: the time the engine started.",
	"shutdown": "SAVE fails with Redis's error for a failed save (there is no persistence); NOSAVE, NOW and FORCE are " +
		"accepted. The in-process API without a server answers with the same error. Every server serving the " +
		"engine stops.",
	"flushall":        "ASYNC frees the data at once, like SYNC.",
	"flushdb":         "ASYNC frees the data at once, like SYNC.",
	"object|idletime": "Counted in whole seconds of the engine's coarse clock, as Redis's LRU clock.",
	"scan": "Cursors are cachee's own numbers (Redis's guarantee holds: every key present for the whole " +
		"iteration is returned at least once); the order of keys and how many a call returns for a COUNT differ.",
	"hscan": "Cursors and element order are cachee's own; small hashes come back whole in one call with cursor 0, as in Redis.",
	"sscan": "Cursors and element order are cachee's own; small sets come back whole in one call with cursor 0, as in Redis.",
	"zscan": "Cursors and element order are cachee's own; small sorted sets come back whole in one call with cursor 0, as in Redis.",
	"keys":  "Keys come back in a different order (Redis does not specify one).",
}
