// Package server serves an engine over RESP2/RESP3 on TCP, TLS and Unix
// sockets. It is thin: listeners, one goroutine per connection that reads a
// whole pipeline batch, executes each command through engine.Exec with its
// replies held in memory and writes them once (on Linux, for TCP and Unix
// sockets, all inside one RawConn.Read: step.go), and the limits Redis puts on
// a client: maxclients (with the open-file limit), protected mode, idle
// timeout, tcp-keepalive, client-query-buffer-limit, proto-max-bulk-len and
// client-output-buffer-limit, all following CONFIG SET. Idle connections
// give their buffers back. No command logic lives here.
package server
