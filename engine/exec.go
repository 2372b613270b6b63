package engine

import (
	"runtime/debug"
	"unsafe"

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
	// serving is set while a waiter's pop runs on behalf of another
	// session's command (blocking.go): that session holds the locks.
	serving *Session
	// hint is the hash of the command's first key, computed when locking.
	hint keyHint
	// found is the entry the last lookup or insert returned and its key's
	// hash, which the entry keeps only half of: slotOf needs the other half.
	found     *entry
	foundHash uint64
	// written and nwritten are the entries the command may have changed,
	// reconciled with the memory accounting after it (memory.go).
	written  [3]writtenEntry
	nwritten int
	// afterReply: the command's events reach its own session after its
	// reply (eventsAfterReply); until then they wait in selfPush.
	afterReply bool
	selfPush   []Message
}

// reset prepares c for a command: field by field, which is cheaper than
// assigning a whole Ctx (a 216-byte copy with write barriers). Its engine
// and session never change (pushCtx sets them); call clears the pointers a
// command leaves behind when it ends.
func (c *Ctx) reset(argv [][]byte, w ReplyWriter, cmd *Command, hint keyHint) {
	c.argv, c.w, c.cmd, c.db, c.hint = argv, w, cmd, c.s.DB(), hint
	c.now, c.serving, c.found, c.foundHash, c.nwritten, c.afterReply = 0, nil, nil, 0, 0, false
}

// eventsAfterReply makes the keyspace events the command publishes to its
// own session (a RESP3 client subscribed to them) follow the command's
// reply instead of preceding it: Redis 7.0 notifies before replying in most
// commands but after it in some (LPUSH, HSET, ZADD, ZPOPMIN...), and a
// client subscribed to its own keys sees the difference.
func (c *Ctx) eventsAfterReply() { c.afterReply = true }

// keyHint remembers the keyspace hash of one key (by the address and length
// of its bytes), so a command's lookup does not hash the key a second time.
type keyHint struct {
	p *byte
	n int
	h uint64
}

// hash is the keyspace hash of key.
func (c *Ctx) hash(key []byte) uint64 {
	if c.hint.p != nil && len(key) == c.hint.n && unsafe.SliceData(key) == c.hint.p {
		return c.hint.h
	}
	return c.e.ks.hash(key)
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
//
// A blocking command (BLPOP...) that finds nothing to pop makes Exec wait,
// in the caller's goroutine, until it is served, times out or is cancelled
// (see blocking.go).
func (e *Engine) Exec(s *Session, argv [][]byte, w ReplyWriter) {
	if len(argv) == 0 {
		return
	}
	w = s.replyTo(w)
	e.dispatch(s, argv, w)
	if s.blocked != nil {
		e.waitBlocked(s, argv, w)
	}
	s.replied()
}

// replyTo is the writer a call's replies go to, and where the session's own
// pushes go while it runs: w, or nothing under CLIENT REPLY OFF/SKIP, which
// silence every reply, rejections included.
func (s *Session) replyTo(w ReplyWriter) ReplyWriter {
	switch s.replyMode {
	case replyOff, replySkip:
		w = discard{w}
	case replySkipNext:
		s.replyMode = replySkip
		w = discard{w}
	}
	s.out = w
	return w
}

// replied ends what replyTo began.
func (s *Session) replied() {
	s.out = nil
	if s.replyMode == replySkip {
		s.replyMode = replyOn
	}
}

// dispatch makes Redis's processCommand checks in its order, then queues the
// command (inside MULTI) or runs it with its shards locked.
func (e *Engine) dispatch(s *Session, argv [][]byte, w ReplyWriter) {
	cmd := e.admit(s, argv, w)
	switch {
	case cmd == nil:
		return
	case s.multi != nil && cmd.opts&txControl == 0:
		s.queueCommand(cmd, argv)
		w.Status("QUEUED")
		return
	}
	locks, hint := e.lockSet(s, cmd, argv)
	if cmd == e.typed.get && e.getExec(s, argv[1], hint, w) {
		return
	}
	e.lockShards(locks)
	e.call(s, cmd, argv, w, hint)
	e.unlockShards(s, locks)
}

// MayBlock reports whether argv names a command that may wait for another
// client (BLPOP, BZPOPMIN...: Redis's "blocking" flag), so that a caller
// which cannot wait where it runs commands can run that one elsewhere.
func (e *Engine) MayBlock(argv [][]byte) bool {
	if len(argv) == 0 || len(argv[0]) == 0 || !e.table.blockingFirst[argv[0][0]] {
		return false // the socket server asks before every command
	}
	cmd := e.table.Lookup(argv[0])
	return cmd != nil && cmd.Spec.Has(cmdspec.Blocking)
}

// admit looks argv's command up and makes processCommand's checks on it, up
// to queueing: it returns the command, or nil when it refused it (and wrote
// the refusal to w).
func (e *Engine) admit(s *Session, argv [][]byte, w ReplyWriter) *Command {
	cmd := e.table.Lookup(argv[0])
	if cmd == nil {
		e.reject(s, nil, w, errUnknownCommand(argv))
		return nil
	}
	if cmd.subs != nil && len(argv) >= 2 {
		sub := lookupIn(cmd.subs, argv[1])
		if sub == nil {
			e.reject(s, nil, w, errUnknownSubcommand(argv[1], string(argv[0])))
			return nil
		}
		cmd = sub
	}
	if !e.allowed(s, cmd, argv, w) {
		return nil
	}
	return cmd
}

// allowed makes admit's checks on a command already looked up.
func (e *Engine) allowed(s *Session, cmd *Command, argv [][]byte, w ReplyWriter) bool {
	switch {
	case !cmd.arityOK(len(argv)):
		e.reject(s, cmd, w, errWrongArgs(cmd.Name))
	case !s.authed && !cmd.Spec.Has(cmdspec.NoAuth) && e.authRequired():
		e.reject(s, cmd, w, ErrNoAuth)
	case s.multi != nil && cmd.Spec.Has(cmdspec.NoMulti):
		e.reject(s, cmd, w, errNoMulti)
	case !s.user.open.Load() && e.aclRefused(s, cmd, argv, w):
	case !e.performEvictions() && s.deniedOOM(cmd):
		e.reject(s, cmd, w, ErrOOM)
	case s.Proto() == 2 && s.subscribed() && cmd.opts&subscribedOK == 0:
		e.reject(s, cmd, w, "ERR Can't execute '"+cmd.Name+
			"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
	case e.scriptRunning() && e.rejectBusy(s, cmd, w):
	default:
		return true
	}
	return false
}

// reject answers a command the dispatcher refuses. Inside MULTI the refusal
// aborts the transaction; a refused EXEC answers EXECABORT and discards the
// transaction and the WATCHes, even outside MULTI (Redis's rejectCommand).
func (e *Engine) reject(s *Session, cmd *Command, w ReplyWriter, msg string) {
	s.flagTransaction()
	if cmd != nil && cmd.opts&isExec != 0 {
		msg = execAbort(msg)
		s.discardTransaction()
	}
	w.Error(msg)
}

// arityOK applies Redis's arity convention: n exactly, or at least -n.
func (c *Command) arityOK(argc int) bool {
	a := c.Spec.Arity
	return (a <= 0 || argc == a) && argc >= -a
}

// call runs cmd's handler with its shards already locked: the last step of
// dispatch, and how EXEC and scripts run the commands they contain.
func (e *Engine) call(s *Session, cmd *Command, argv [][]byte, w ReplyWriter, hint keyHint) {
	c := s.pushCtx()
	depth, mark := s.depth, w.Mark()
	defer func() {
		if r := recover(); r != nil {
			s.depth = depth
			e.contain(s, cmd, argv, w, mark, r)
		}
		c.argv, c.w, c.found = nil, nil, nil // hold nothing alive between commands
		if c.nwritten > 0 {
			c.forgetWritten()
		}
		if c.selfPush != nil {
			clear(c.selfPush)
			c.selfPush = c.selfPush[:0]
		}
		s.popCtx()
	}()
	c.reset(argv, w, cmd, hint)
	cmd.handler(c)
	if c.nwritten > 0 {
		c.reconcileWritten()
	}
	for i := range c.selfPush {
		WriteMessage(s.out, &c.selfPush[i])
	}
	if s.depth > 1 { // a command of EXEC or a script, whose own call does the rest
		s.nested++
		return
	}
	s.stats.cmds.Add(1 + s.nested)
	s.nested = 0
	s.touch(e.coarseMs())
	if s.lastCmd.Load() != cmd { // as in touch: a client mostly repeats its command
		s.lastCmd.Store(cmd)
	}
}

// ErrInternal is the reply to a command that panicked. The panic is
// contained: the command is abandoned, the shard locks are released as usual,
// the argv and stack are logged, and every other caller carries on.
const ErrInternal = "ERR internal error: the command was aborted and logged"

// contain handles a command's panic: what the command had written is
// dropped and the error written in its place. When that cannot be done (part
// of it was sent) a socket client is disconnected after the error.
func (e *Engine) contain(s *Session, cmd *Command, argv [][]byte, w ReplyWriter, mark int64, r any) {
	args := make([]string, 0, min(len(argv), 8))
	for _, a := range argv[:min(len(argv), 8)] {
		args = append(args, string(a[:min(len(a), 64)]))
	}
	e.log().Error("command panicked", "cmd", cmd.Name, "argv", args, "panic", r, "stack", string(debug.Stack()))
	e.stats.panics.Add(1)
	clean := w.Rollback(mark)
	w.Error(ErrInternal)
	if !clean && s.info.Kill != nil {
		s.closing = true
	}
}

// pushCtx returns the session's Ctx for a command starting at the current
// nesting depth (EXEC and scripts run commands inside a command), so handlers
// get a Ctx without an allocation per command.
func (s *Session) pushCtx() *Ctx {
	if s.depth == len(s.ctxs) {
		s.ctxs = append(s.ctxs, &Ctx{e: s.e, s: s})
	}
	c := s.ctxs[s.depth]
	s.depth++
	return c
}

func (s *Session) popCtx() { s.depth-- }

// lockSet is the shards cmd must lock, in index order (the global lock order,
// so two commands never deadlock): those of its keys, none for a command
// without keys, or nil meaning every shard, for commands that span the
// keyspace or whose keys cannot be found.
// The hint is the hash of the first key, for the command's lookups.
func (e *Engine) lockSet(s *Session, cmd *Command, argv [][]byte) ([]int, keyHint) {
	if cmd.opts&lockAll != 0 {
		return nil, keyHint{}
	}
	pos, err := cmd.Spec.KeyPositions(argv, s.keyPos[:0])
	s.keyPos = pos[:0]
	if err != nil {
		return nil, keyHint{}
	}
	locks := s.locks[:0]
	var hint keyHint
	for i, p := range pos {
		h := e.ks.hash(argv[p])
		if i == 0 && len(argv[p]) > 0 {
			hint = keyHint{p: unsafe.SliceData(argv[p]), n: len(argv[p]), h: h}
		}
		locks = insertSorted(locks, e.ks.shardOf(h))
	}
	s.locks = locks
	return locks, hint
}

// lockShards locks a lock set (nil: every shard) in index order.
func (e *Engine) lockShards(locks []int) {
	if locks == nil {
		e.ks.lockAll()
		return
	}
	for _, i := range locks {
		e.ks.shards[i].lock()
	}
}

// unlockShards releases a lock set, first serving the clients blocked on keys
// the command made ready, while the keys are still locked (see blocking.go).
func (e *Engine) unlockShards(s *Session, locks []int) {
	if len(s.ready) > 0 {
		e.serveReady(s, locks)
	}
	if locks == nil {
		e.ks.unlockAll()
		return
	}
	for i := len(locks) - 1; i >= 0; i-- {
		e.ks.shards[locks[i]].unlock()
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
func (discard) Mark() int64             { return 0 }
func (discard) Rollback(int64) bool     { return true }
