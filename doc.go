// Package cachee is an embeddable, Redis-compatible in-memory data store.
//
// Open returns a DB whose methods run Redis commands as direct function calls
// on native Go data structures: no socket, no serialisation. Typed methods
// (Get, Set, Incr, HSet, ZAdd, BRPop, Subscribe, Watch...) cover the common
// commands; Do runs any command by name and returns a Value. Redis error
// replies come back as *Error, nil replies as Nil. A DB is safe for
// concurrent use; Conn gives a dedicated session for per-connection state.
//
// Every call goes through the same dispatcher as a socket client's command,
// so behaviour is Redis 7.0's (see the command reference in docs/commands.md
// for the known differences).
//
// # Existing Redis client code
//
// DB.Dialer and DB.DialCtxFn connect go-redis and rueidis to the engine
// through memory, served by the same code as `cachee serve`: code written
// against those clients runs embedded by changing its options only, and
// back on a Redis or Valkey server or cluster the same way.
//
// # Serving and testing
//
// DB.Engine with the server package serves the same data to other processes
// over TCP or a Unix socket. Package cacheetest gives each test an isolated
// engine with a listener and a clock it can move.
package cachee
