package cachee

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/cachee/cachee/engine"
)

// Transactions in go-redis's shape: TxPipelined queues commands and runs them
// as MULTI/EXEC, atomically with respect to every other caller (socket
// clients included); Watch runs a function with keys WATCHed, so that a
// transaction it commits fails with ErrTxFailed if anyone changed them.

// ErrTxFailed is returned when EXEC found a WATCHed key changed: nothing ran,
// and the caller usually retries.
var ErrTxFailed = errors.New("cachee: transaction failed")

// Pipe collects the commands of a transaction, encoded as they are queued.
// It is valid only inside the function given to TxPipelined.
type Pipe struct {
	args             // every argument of every command, back to back
	cmds  [][][]byte // each command's arguments, cut from argv
	first int        // where the command being queued starts in argv
	err   error      // the first argument that could not be encoded
	busy  bool       // in use by a TxPipelined call of its conn
}

// Do queues a command; its reply is in TxPipelined's result at the same index.
func (p *Pipe) Do(args ...any) {
	for _, a := range args {
		if err := p.any(a); err != nil && p.err == nil {
			p.err = err
		}
	}
	p.end()
}

// The typed methods queue the command their name says, as Do would, without
// boxing their arguments in interfaces (which allocates for every string that
// is not a constant). Each command's reply is in TxPipelined's result at the
// same index, as Do's.

// Get queues GET key.
func (p *Pipe) Get(key string) { p.keyed("GET", key) }

// Set queues SET key value.
func (p *Pipe) Set(key, value string) { p.keyed("SET", key, value) }

// Incr queues INCR key.
func (p *Pipe) Incr(key string) { p.keyed("INCR", key) }

// IncrBy queues INCRBY key by.
func (p *Pipe) IncrBy(key string, by int64) {
	p.str("INCRBY")
	p.str(key)
	p.int(by)
	p.end()
}

// Expire queues PEXPIRE key with ttl in milliseconds, as DB.Expire runs.
func (p *Pipe) Expire(key string, ttl time.Duration) {
	p.str("PEXPIRE")
	p.str(key)
	p.int(ttl.Milliseconds())
	p.end()
}

// Del queues DEL keys...
func (p *Pipe) Del(keys ...string) {
	p.str("DEL")
	for _, k := range keys {
		p.str(k)
	}
	p.end()
}

// HSet queues HSET key field value [field value ...].
func (p *Pipe) HSet(key string, pairs ...string) { p.keyed("HSET", key, pairs...) }

// HIncrBy queues HINCRBY key field by.
func (p *Pipe) HIncrBy(key, field string, by int64) {
	p.str("HINCRBY")
	p.str(key)
	p.str(field)
	p.int(by)
	p.end()
}

// LPush queues LPUSH key values...
func (p *Pipe) LPush(key string, values ...string) { p.keyed("LPUSH", key, values...) }

// RPush queues RPUSH key values...
func (p *Pipe) RPush(key string, values ...string) { p.keyed("RPUSH", key, values...) }

// SAdd queues SADD key members...
func (p *Pipe) SAdd(key string, members ...string) { p.keyed("SADD", key, members...) }

// ZAdd queues ZADD key score member [score member ...].
func (p *Pipe) ZAdd(key string, members ...Z) {
	p.str("ZADD")
	p.str(key)
	for _, m := range members {
		start := len(p.buf)
		p.buf = strconv.AppendFloat(p.buf, m.Score, 'g', -1, 64)
		p.cut(start)
		p.str(m.Member)
	}
	p.end()
}

// Publish queues PUBLISH channel message.
func (p *Pipe) Publish(channel, message string) { p.keyed("PUBLISH", channel, message) }

// keyed queues the command name with key and the rest of its arguments.
func (p *Pipe) keyed(name, key string, rest ...string) {
	p.str(name)
	p.str(key)
	for _, a := range rest {
		p.str(a)
	}
	p.end()
}

// end closes the command being queued. Like the arguments, a command's
// slice of argv stays valid when argv grows.
func (p *Pipe) end() {
	p.cmds = append(p.cmds, p.argv[p.first:len(p.argv):len(p.argv)])
	p.first = len(p.argv)
}

// TxPipelined runs the commands fn queues as one transaction and returns
// their replies in order. A command that fails at run time (WRONGTYPE, say)
// fails alone, as in Redis: its Value is empty and the first such error is
// returned along with every reply.
func (db *DB) TxPipelined(ctx context.Context, fn func(p *Pipe) error) ([]Value, error) {
	return db.txPipelined(ctx, fn)
}

// Tx is a dedicated session with WATCHed keys, given to Watch's function:
// read with its typed methods or Do, then commit with TxPipelined.
type Tx struct {
	*DB
}

// Watch runs fn with keys WATCHed on a dedicated session. If fn commits with
// tx.TxPipelined and a watched key changed after WATCH, the commit returns
// ErrTxFailed, and so does Watch. The keys are unwatched when fn returns.
func (db *DB) Watch(ctx context.Context, fn func(tx *Tx) error, keys ...string) error {
	c := db.Conn()
	defer c.Close()
	if len(keys) > 0 {
		args := make([]any, 0, 1+len(keys))
		args = append(args, "WATCH")
		for _, k := range keys {
			args = append(args, k)
		}
		if _, err := c.Do(ctx, args...); err != nil {
			return err
		}
	}
	err := fn(&Tx{DB: c.DB})
	if _, uerr := c.Do(ctx, "UNWATCH"); err == nil && uerr != nil {
		err = uerr
	}
	return err
}

func (db *DB) txPipelined(ctx context.Context, fn func(p *Pipe) error) ([]Value, error) {
	c := db.get()
	defer db.put(c)
	// The conn's Pipe keeps its buffers from one transaction to the next;
	// a TxPipelined called from inside fn on the same conn gets its own.
	p := &c.pipe
	if p.busy {
		p = new(Pipe)
	}
	p.reset()
	p.cmds, p.first, p.err, p.busy = p.cmds[:0], 0, nil, true
	defer func() { p.busy = false }()
	if err := fn(p); err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	if len(p.cmds) == 0 {
		return nil, nil
	}
	return c.transaction(ctx, db.e, p)
}

// transaction runs p's commands as one transaction through the engine's
// ExecTx: one reply, EXEC's, in place of MULTI's, every QUEUED and EXEC's.
func (c *conn) transaction(ctx context.Context, e *engine.Engine, p *Pipe) ([]Value, error) {
	c.w.Reset()
	c.ctx = ctx
	e.ExecTx(c.s, p.cmds, c.w)
	c.ctx = nil
	r := c.w.Replies()
	if len(r) != 1 {
		return nil, fmt.Errorf("cachee: transaction got %d replies", len(r))
	}
	v, err := toValue(r[0])
	switch {
	case errors.Is(err, Nil):
		return nil, ErrTxFailed
	case err != nil:
		return nil, err
	}
	// The array EXEC's reply was captured in belongs to this call: its
	// elements become the Values in place (a Value is a Reply), an error's
	// emptied.
	elems := v.r.Elems
	var first error
	for i := range elems {
		if elems[i].Kind == engine.KindError {
			if first == nil {
				first = redisError(elems[i].Str)
			}
			elems[i] = engine.Reply{}
		}
	}
	return unsafe.Slice((*Value)(unsafe.Pointer(unsafe.SliceData(elems))), len(elems)), first
}
