// Package server serves an engine over RESP2/RESP3 on TCP and Unix sockets.
// It is thin: listeners, one goroutine per connection that reads a whole
// pipeline batch, executes each command through engine.Exec and flushes once,
// protected mode, maxclients, idle timeouts and graceful shutdown. No command
// logic lives here.
package server
