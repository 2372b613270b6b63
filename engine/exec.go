package engine

import (
	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// Ctx is what a handler sees: the engine, the calling session, the arguments,
// the reply sink and the command's time. The shards of the command's keys are
// locked for the handler's whole run, so its reads and writes are atomic.
type Ctx struct {
	e    *Engine
	s    *Session
	argv [][]byte
	w    ReplyWriter
	cmd  *Command
	db   int
	now  int64 // unix ms, read on first use by nowMs and then fixed for the command
}

// nowMs is the command's time in unix ms: read from the clock the first time a
// handler needs it and then fixed for the rest of the command, as Redis fixes
// its command time. Commands that never look at a TTL never read the clock
// (time.Now costs ~50 ns on virtual machines).
func (c *Ctx) nowMs() int64 {
	if c.now == 0 {
		c.now = c.e.nowMs()
	}
	return c.now
}

// Exec runs one command for session s and writes its reply to w. It is the
// single entry point for every caller: socket clients, the in-process client
// and scripts. argv[0] is the command name; argv is not retained.
func (e *Engine) Exec(s *Session, argv [][]byte, w ReplyWriter) {
	if len(argv) == 0 {
		return
	}
	// CLIENT REPLY OFF/SKIP silence every reply, rejections included.
	switch s.replyMode {
	case replyOff, replySkip:
		w = discard{w}
	case replySkipNext:
		s.replyMode = replySkip
		w = discard{w}
	}
	e.dispatch(s, argv, w)
	if s.replyMode == replySkip {
		s.replyMode = replyOn
	}
}

func (e *Engine) dispatch(s *Session, argv [][]byte, w ReplyWriter) {
	cmd := e.table.Lookup(argv[0])
	if cmd == nil {
		w.Error(errUnknownCommand(argv))
		return
	}
	if cmd.subs != nil && len(argv) >= 2 {
		sub := lookupIn(cmd.subs, argv[1])
		if sub == nil {
			w.Error(errUnknownSubcommand(argv[1], string(argv[0])))
			return
		}
		cmd = sub
	}
	if a := cmd.Spec.Arity; (a > 0 && len(argv) != a) || len(argv) < -a {
		w.Error(errWrongArgs(cmd.Name))
		return
	}
	if !s.authed && !cmd.Spec.Has(cmdspec.NoAuth) {
		w.Error(ErrNoAuth)
		return
	}
	c := &s.ctx
	*c = Ctx{e: e, s: s, argv: argv, w: w, cmd: cmd, db: s.DB()}
	e.lock(s, cmd, argv)
	cmd.handler(c)
	e.unlock(s)
	s.cmds.Add(1)
	s.last.Store(e.coarseMs())
	s.lastCmd.Store(cmd)
	c.argv, c.w = nil, nil
}

// lock takes the shards of the command's keys in index order (the global
// lock order, so two commands never deadlock), or every shard for commands
// that span the keyspace or whose keys cannot be found.
func (e *Engine) lock(s *Session, cmd *Command, argv [][]byte) {
	s.locks = s.locks[:0]
	if cmd.opts&lockAll == 0 {
		pos, err := cmd.Spec.KeyPositions(argv, s.keyPos[:0])
		s.keyPos = pos[:0]
		if err == nil {
			for _, p := range pos {
				s.locks = insertSorted(s.locks, e.ks.shardOf(e.ks.hash(argv[p])))
			}
			for _, i := range s.locks {
				e.ks.shards[i].mu.Lock()
			}
			return
		}
	}
	s.locks = append(s.locks, -1)
	e.ks.lockAll()
}

func (e *Engine) unlock(s *Session) {
	if len(s.locks) == 1 && s.locks[0] == -1 {
		e.ks.unlockAll()
		return
	}
	for i := len(s.locks) - 1; i >= 0; i-- {
		e.ks.shards[s.locks[i]].mu.Unlock()
	}
}

// insertSorted adds v to the ascending, duplicate-free list l.
func insertSorted(l []int, v int) []int {
	i := len(l)
	for i > 0 && l[i-1] > v {
		i--
	}
	if i > 0 && l[i-1] == v {
		return l
	}
	l = append(l, 0)
	copy(l[i+1:], l[i:])
	l[i] = v
	return l
}

// discard swallows every reply (CLIENT REPLY OFF/SKIP) while keeping the
// session's protocol version visible to handlers.
type discard struct{ ReplyWriter }

func (discard) Status(string)           {}
func (discard) Error(string)            {}
func (discard) Int(int64)               {}
func (discard) Bulk([]byte)             {}
func (discard) BulkString(string)       {}
func (discard) Null()                   {}
func (discard) NullArray()              {}
func (discard) Array(int)               {}
func (discard) Map(int)                 {}
func (discard) Set(int)                 {}
func (discard) Push(int)                {}
func (discard) Double(float64)          {}
func (discard) Bool(bool)               {}
func (discard) Verbatim(string, string) {}
