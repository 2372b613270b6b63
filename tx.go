package cachee

import (
	"context"
	"errors"
	"fmt"

	"github.com/cachee/cachee/engine"
)

// Transactions in go-redis's shape: TxPipelined queues commands and runs them
// as MULTI/EXEC, atomically with respect to every other caller (socket
// clients included); Watch runs a function with keys WATCHed, so that a
// transaction it commits fails with ErrTxFailed if anyone changed them.

// ErrTxFailed is returned when EXEC found a WATCHed key changed: nothing ran,
// and the caller usually retries.
var ErrTxFailed = errors.New("cachee: transaction failed")

// Pipe collects the commands of a transaction.
type Pipe struct {
	cmds [][]any
}

// Do queues a command; its reply is in TxPipelined's result at the same index.
func (p *Pipe) Do(args ...any) { p.cmds = append(p.cmds, args) }

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
	var p Pipe
	if err := fn(&p); err != nil {
		return nil, err
	}
	if len(p.cmds) == 0 {
		return nil, nil
	}
	c := db.get()
	defer db.put(c)
	return c.transaction(ctx, db.e, p.cmds)
}

// transaction runs MULTI, cmds and EXEC on the session as consecutive Exec
// calls (the dispatcher's own queueing and checks), with every argument in
// one buffer and every reply in one capture: one round of the in-process
// overhead instead of one per command.
func (c *conn) transaction(ctx context.Context, e *engine.Engine, cmds [][]any) ([]Value, error) {
	c.buf, c.offs = c.buf[:0], c.offs[:0]
	ends := make([]int, 0, len(cmds)) // index in c.offs after each command
	for _, args := range cmds {
		for _, a := range args {
			c.offs = append(c.offs, len(c.buf))
			var err error
			if c.buf, err = appendArg(c.buf, a); err != nil {
				return nil, err
			}
		}
		ends = append(ends, len(c.offs))
	}
	c.argv = c.argv[:0]
	for i, off := range c.offs {
		end := len(c.buf)
		if i+1 < len(c.offs) {
			end = c.offs[i+1]
		}
		c.argv = append(c.argv, c.buf[off:end:end])
	}
	c.w.Reset()
	c.ctx = ctx
	defer func() { c.ctx = nil }()
	e.Exec(c.s, multiArgv, c.w)
	from := 0
	for _, to := range ends {
		e.Exec(c.s, c.argv[from:to], c.w)
		from = to
	}
	e.Exec(c.s, execArgv, c.w)
	r := c.w.Replies()
	if len(r) != len(cmds)+2 {
		return nil, fmt.Errorf("cachee: transaction got %d replies for %d commands", len(r), len(cmds))
	}
	// MULTI refused (nested) or a command refused while queueing: nothing ran.
	for _, q := range r[:len(r)-1] {
		if _, err := toValue(q); err != nil {
			return nil, err
		}
	}
	v, err := toValue(r[len(r)-1])
	switch {
	case errors.Is(err, Nil):
		return nil, ErrTxFailed
	case err != nil:
		return nil, err
	}
	out := make([]Value, len(v.r.Elems))
	var first error
	for i, r := range v.r.Elems {
		var rerr error
		out[i], rerr = toValue(r)
		if rerr != nil && rerr != Nil && first == nil {
			first = rerr
		}
	}
	return out, first
}

var (
	multiArgv = [][]byte{[]byte("MULTI")}
	execArgv  = [][]byte{[]byte("EXEC")}
)
