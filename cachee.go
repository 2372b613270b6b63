package cachee

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/lua"
)

// Options configures an in-process database. The zero value works: 16
// databases, 4 shards per core, no password, the real clock.
type Options struct {
	// Databases is how many logical databases SELECT can address (default 16).
	Databases int
	// Shards is the number of independently locked keyspace partitions
	// (default 4 per core, between 8 and 256, rounded up to a power of two).
	Shards int
	// DB is the database index Do and the typed methods use (default 0).
	DB int
	// Now replaces the clock, to test expiry without sleeping.
	Now func() time.Time
}

// DB is an in-process cachee database. It is safe for concurrent use: each
// call borrows a session from a pool, so per-connection state (SELECT, HELLO,
// CLIENT SETNAME) does not carry from one call to the next; use Conn for that.
type DB struct {
	e     *engine.Engine
	db    int
	pool  *sync.Pool
	owned bool
	// fixed, when set, is the one session every call uses (a Conn, a Tx).
	fixed *conn
	// pipes serves the connections of Dial; shared with the Conns made
	// from this DB.
	pipes *pipeServer
}

// Nil is returned when Redis would reply nil: a missing key for GET, for example.
var Nil = errors.New("cachee: nil")

// Error is a Redis error reply. Prefix is its first word ("ERR", "WRONGTYPE").
type Error struct {
	Prefix string // the error code, for errors.As and switches
	Msg    string // the whole reply text, prefix included
}

// Error returns Msg, Redis's text byte for byte.
func (e *Error) Error() string { return e.Msg }

func redisError(msg string) *Error {
	p, _, _ := strings.Cut(msg, " ")
	return &Error{Prefix: p, Msg: msg}
}

// Open creates an in-process database with its own engine; Close releases it.
func Open(opts Options) (*DB, error) {
	cfg := engine.Config{Databases: opts.Databases, Shards: opts.Shards, Now: opts.Now}
	e := engine.New(cfg)
	lua.Attach(e, lua.Options{})
	if opts.DB < 0 || opts.DB >= e.Config().Databases {
		e.Close()
		return nil, fmt.Errorf("cachee: database %d out of range", opts.DB)
	}
	return newDB(e, opts.DB, true), nil
}

// Wrap returns a DB over an existing engine (shared with a server, say);
// closing it leaves the engine running.
func Wrap(e *engine.Engine, db int) *DB { return newDB(e, db, false) }

func newDB(e *engine.Engine, db int, owned bool) *DB {
	d := &DB{e: e, db: db, owned: owned, pool: &sync.Pool{}, pipes: &pipeServer{}}
	d.pool.New = func() any { return newConn(e) }
	return d
}

// newConn makes a session for in-process calls. A blocking command waits
// until the context of the call that issued it ends.
func newConn(e *engine.Engine) *conn {
	c := &conn{s: e.NewSession(engine.ConnInfo{}, false), w: engine.NewCapture(2)}
	c.s.Trust() // the embedding program needs no password
	c.s.SetBlockHook(func() (<-chan struct{}, func()) { return c.ctx.Done(), func() {} })
	return c
}

// Engine exposes the engine, for serving the same data over a socket.
func (db *DB) Engine() *engine.Engine { return db.e }

// Close ends the connections made by Dial, then stops the engine's
// background work if Open created it.
func (db *DB) Close() error {
	if db.fixed == nil { // not a Conn's or a Tx's view of the DB
		db.pipes.close()
	}
	if db.owned {
		db.e.Close()
	}
	return nil
}

// conn is a session with its argv buffer and capture writer.
type conn struct {
	s    *engine.Session
	w    *engine.Capture
	ctx  context.Context // of the call running, for blocking commands
	args                 // the command being run
	pipe Pipe            // TxPipelined's, reused
}

// args encodes a command's arguments back to back in buf and cuts each one
// out into argv as it is appended. When buf grows, the arguments cut before
// keep pointing into the old array, which is never written again, so they
// stay valid and no second pass over offsets is needed.
type args struct {
	buf  []byte
	argv [][]byte
}

// reset empties a for the next command, keeping its buffers.
func (a *args) reset() { a.buf, a.argv = a.buf[:0], a.argv[:0] }

// cut ends the argument that began at buf[start].
func (a *args) cut(start int) { a.argv = append(a.argv, a.buf[start:len(a.buf):len(a.buf)]) }

// str appends s as an argument.
func (a *args) str(s string) {
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	a.cut(start)
}

// int appends n in decimal as an argument.
func (a *args) int(n int64) {
	start := len(a.buf)
	a.buf = strconv.AppendInt(a.buf, n, 10)
	a.cut(start)
}

// any appends v, rendered by appendArg, as an argument.
func (a *args) any(v any) error {
	start := len(a.buf)
	var err error
	a.buf, err = appendArg(a.buf, v)
	a.cut(start)
	return err
}

// get returns the session for one call: the fixed one, or one from the pool
// on the DB's database.
func (db *DB) get() *conn {
	if db.fixed != nil {
		return db.fixed
	}
	c := db.pool.Get().(*conn)
	c.s.SetDB(db.db)
	return c
}

// put gives back what get returned.
func (db *DB) put(c *conn) {
	if db.fixed == nil {
		db.pool.Put(c)
	}
}

// Do runs any command and returns its reply. Error replies come back as
// *Error and nil replies as Nil.
func (db *DB) Do(ctx context.Context, args ...any) (Value, error) {
	if err := ctx.Err(); err != nil {
		return Value{}, err
	}
	c := db.get()
	defer db.put(c)
	return c.do(ctx, db.e, args)
}

func (c *conn) do(ctx context.Context, e *engine.Engine, args []any) (Value, error) {
	c.reset()
	for _, a := range args {
		if err := c.any(a); err != nil {
			return Value{}, err
		}
	}
	return c.exec(ctx, e)
}

// exec runs the command whose arguments are in c.argv.
func (c *conn) exec(ctx context.Context, e *engine.Engine) (Value, error) {
	c.w.Reset()
	c.ctx = ctx
	e.Exec(c.s, c.argv, c.w)
	c.ctx = nil
	r := c.w.Replies()
	if len(r) == 0 {
		if err := ctx.Err(); err != nil {
			return Value{}, err // a blocking command given up
		}
		return Value{}, nil
	}
	return toValue(r[0])
}

// appendArg renders one argument the way go-redis does: strings and bytes as
// they are, numbers in decimal, booleans as 1/0, durations in whole seconds.
func appendArg(b []byte, a any) ([]byte, error) {
	switch v := a.(type) {
	case string:
		return append(b, v...), nil
	case []byte:
		return append(b, v...), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64), nil
	case bool:
		if v {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case time.Duration:
		return strconv.AppendInt(b, int64(v/time.Second), 10), nil
	case fmt.Stringer:
		return append(b, v.String()...), nil
	}
	return b, fmt.Errorf("cachee: cannot use %T as a command argument", a)
}

// Value is a command's reply. Aggregates hold their elements in Elems (maps as
// key, value, key, value...).
type Value struct {
	r engine.Reply
}

func toValue(r engine.Reply) (Value, error) {
	switch r.Kind {
	case engine.KindError:
		return Value{}, redisError(r.Str)
	case engine.KindNull:
		return Value{r: r}, Nil
	}
	return Value{r: r}, nil
}

// Kind tells which RESP3 type the reply has.
func (v Value) Kind() engine.Kind { return v.r.Kind }

// String returns the text of a bulk, status, verbatim or double reply, or an
// integer in decimal.
func (v Value) String() string {
	if v.r.Kind == engine.KindInt || v.r.Kind == engine.KindBool {
		return strconv.FormatInt(v.r.Int, 10)
	}
	return v.r.Str
}

// Int returns an integer reply, or parses a string reply as Redis would.
func (v Value) Int() (int64, error) {
	switch v.r.Kind {
	case engine.KindInt, engine.KindBool:
		return v.r.Int, nil
	case engine.KindBulk, engine.KindStatus:
		return strconv.ParseInt(v.r.Str, 10, 64)
	}
	return 0, fmt.Errorf("cachee: reply is not an integer")
}

// Float returns a double reply or parses a string reply as a float.
func (v Value) Float() (float64, error) {
	if v.r.Kind == engine.KindDouble {
		return v.r.Float, nil
	}
	return strconv.ParseFloat(v.r.Str, 64)
}

// Elems returns the elements of an array, set, push or map reply.
func (v Value) Elems() []Value {
	out := make([]Value, len(v.r.Elems))
	for i, e := range v.r.Elems {
		out[i] = Value{r: e}
	}
	return out
}

// IsNil reports whether the reply was nil (RESP2's null bulk string and null
// array alike): a missing key's GET, a timed-out BLPOP.
func (v Value) IsNil() bool { return v.r.Kind == engine.KindNull }

// Conn is a dedicated session: SELECT, HELLO and CLIENT SETNAME persist
// across its calls, and every typed method of DB works on it. It must not be
// used by two goroutines at once.
type Conn struct {
	*DB
}

// Conn returns a dedicated session on db's engine; Close releases it.
func (db *DB) Conn() *Conn {
	c := newConn(db.e)
	c.s.SetDB(db.db)
	return &Conn{DB: &DB{e: db.e, db: db.db, fixed: c, pipes: db.pipes}}
}

// Close releases the session (its WATCHes and subscriptions end).
func (c *Conn) Close() error {
	c.fixed.s.Close()
	return nil
}
