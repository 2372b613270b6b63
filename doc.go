// Package cachee is an embeddable, Redis-compatible in-memory data store.
//
// Open returns a DB whose methods run Redis commands as direct function calls
// on native Go data structures: no socket, no serialisation. Do runs any
// command by name; typed methods (Get, Set, Incr, Expire...) cover the common
// ones. The same engine can be served to ordinary Redis clients with
// `cachee serve` or the server package.
package cachee
