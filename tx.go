package cachee

import (
	"context"
	"errors"
	"fmt"
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
	buf  []byte // every argument of every command, back to back
	offs []int  // where each argument starts in buf
	ends []int  // len(offs) after each command
	err  error  // the first argument that could not be encoded
	busy bool   // in use by a TxPipelined call of its conn
}

// Do queues a command; its reply is in TxPipelined's result at the same index.
func (p *Pipe) Do(args ...any) {
	for _, a := range args {
		p.offs = append(p.offs, len(p.buf))
		var err error
		if p.buf, err = appendArg(p.buf, a); err != nil && p.err == nil {
			p.err = err
		}
	}
	p.ends = append(p.ends, len(p.offs))
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
	p.buf, p.offs, p.ends, p.err, p.busy = p.buf[:0], p.offs[:0], p.ends[:0], nil, true
	defer func() { p.busy = false }()
	if err := fn(p); err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err
	}
	if len(p.ends) == 0 {
		return nil, nil
	}
	return c.transaction(ctx, db.e, p)
}

// transaction runs p's commands as one transaction through the engine's
// ExecTx: one reply, EXEC's, in place of MULTI's, every QUEUED and EXEC's.
func (c *conn) transaction(ctx context.Context, e *engine.Engine, p *Pipe) ([]Value, error) {
	c.argv = c.argv[:0]
	for i, off := range p.offs {
		end := len(p.buf)
		if i+1 < len(p.offs) {
			end = p.offs[i+1]
		}
		c.argv = append(c.argv, p.buf[off:end:end])
	}
	c.cmds = c.cmds[:0]
	from := 0
	for _, to := range p.ends {
		c.cmds = append(c.cmds, c.argv[from:to:to])
		from = to
	}
	c.w.Reset()
	c.ctx = ctx
	e.ExecTx(c.s, c.cmds, c.w)
	c.ctx = nil
	clear(c.cmds) // holds nothing of p's between calls
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
