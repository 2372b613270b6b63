package engine

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Blocking operations (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP).
//
// A blocking command that finds nothing to pop registers a waiter on each of
// its keys (c.block) and returns without a reply; Exec then waits in the
// caller's goroutine. A write that creates a list or sorted set under a key
// someone waits on marks the key ready (addDB calls signalReady). Before the
// writing command releases its shard locks, unlockShards serves the key's
// waiters in FIFO order by running their pop on the key, in the writer's
// goroutine, with the reply captured for the waiter: so, as in Redis, the
// pushed elements reach the waiters before any other command can see them
// (RPUSH then LLEN from the pusher finds the list already drained). Serving
// is repeated for keys that serving makes ready (BLMOVE into a waited key).
//
// When serving would need a shard the writer does not hold (BLMOVE's
// destination) and that shard is busy, the waiter is woken to re-run its
// command in its own goroutine instead, which keeps the lock order.
//
// A waiter ends when served, at its timeout, on CLIENT UNBLOCK, when its
// client is killed or disconnects, or when an in-process caller's context
// ends; in every case it leaves no trace in the registry. Inside MULTI/EXEC
// and scripts blocking commands do not block (c.noBlock).

// blocking is the registry of waiters: for each (db, key), its waiters in
// arrival order. mu is a leaf lock: nothing else is locked while holding it.
type blocking struct {
	mu   sync.Mutex
	cond *sync.Cond // signalled when a claimed waiter is released
	keys map[watchKey][]*waiter
	// bySession finds a session's waiter (CLIENT UNBLOCK, kills, CLIENT
	// LIST) without scanning every key's queue.
	bySession map[*Session]*waiter
	count     atomic.Int64 // registered waiters, for the fast path of signalReady
}

func (b *blocking) init() {
	b.keys = map[watchKey][]*waiter{}
	b.bySession = map[*Session]*waiter{}
	b.cond = sync.NewCond(&b.mu)
}

// Waiter states, changed under blocking.mu.
const (
	waitWaiting = iota // in the queues
	waitServing        // claimed by a writer that is running its pop
	waitDone           // resolved: served, timed out, retried or cancelled
)

// How a waiter was resolved.
const (
	endServed    = iota + 1
	endTimeout   // the timeout passed, or CLIENT UNBLOCK ... TIMEOUT
	endUnblocked // CLIENT UNBLOCK ... ERROR
	endRetry     // re-run the command in the waiter's goroutine
	endCancelled // killed, disconnected, context ended: no reply
)

// waiter is one blocked command.
type waiter struct {
	s    *Session
	db   int
	cmd  *Command
	keys []string
	// typ is the type a ready key must hold to be served; other types are
	// ignored and the waiter keeps waiting, as in Redis 7.0.
	typ valueType
	// serve pops from the ready key, writing the command's reply to c.w; it
	// returns false when there was nothing to pop. extra names keys it may
	// write besides the ready one (BLMOVE's destination).
	serve func(c *Ctx, key []byte) bool
	extra [][]byte
	// timeoutReply writes the reply for a timeout (a null array, or a null).
	timeoutReply func(w ReplyWriter)
	deadline     time.Time // zero: wait forever

	state int
	end   int
	reply *Capture
	// before is how many of a socket session's queued messages precede
	// the served reply (serveOne).
	before int
	done   chan struct{} // closed when state becomes waitDone
}

// noBlock reports whether blocking commands must answer at once: inside
// EXEC and scripts, as in Redis.
func (c *Ctx) noBlock() bool { return c.s.inExec || c.s.inScript }

// timeoutArg parses a blocking command's timeout in seconds as Redis's
// getTimeoutFromObjectOrReply: a float (strtold syntax), rounded up to whole
// milliseconds, 0 meaning forever. It replies the error itself.
func (c *Ctx) timeoutArg(i int) (time.Duration, bool) {
	f, ok := parseFloat(c.argv[i])
	if !ok {
		// strtold's long double reaches far beyond a float64: a timeout
		// too large for a float64 is still refused below (as negative),
		// one too small still waits a millisecond.
		ld, isLD := parseLongDouble(c.argv[i])
		if !isLD {
			c.w.Error("ERR timeout is not a float or out of range")
			return 0, false
		}
		switch sign := ld.Sign(); {
		case sign == 0:
			f = 0
		case ld.MantExp(nil) > 0:
			f = math.Inf(sign)
		default:
			f = math.Copysign(math.SmallestNonzeroFloat64, float64(sign))
		}
	}
	ms := math.Ceil(f * 1000)
	if ms < 0 || ms >= math.MaxInt64 { // C's cast of an overflow is negative
		c.w.Error(ErrTimeoutNegative)
		return 0, false
	}
	if int64(ms) > math.MaxInt64-c.nowMs() {
		c.w.Error("ERR timeout is out of range")
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}

// block makes the running command wait on keys (see the file comment). The
// handler has found every key empty and must not have written a reply.
func (c *Ctx) block(keys [][]byte, timeout time.Duration, typ valueType, extra [][]byte,
	serve func(c *Ctx, key []byte) bool, timeoutReply func(w ReplyWriter)) {
	w := &waiter{s: c.s, db: c.db, cmd: c.cmd, typ: typ, serve: serve, timeoutReply: timeoutReply,
		done: make(chan struct{})}
	for _, k := range keys {
		w.keys = append(w.keys, string(k))
	}
	for _, k := range extra {
		w.extra = append(w.extra, append([]byte(nil), k...))
	}
	if timeout > 0 {
		w.deadline = c.e.now().Add(timeout)
	}
	b := &c.e.blocking
	b.mu.Lock()
	for _, k := range w.keys {
		wk := watchKey{db: w.db, key: k}
		b.keys[wk] = append(b.keys[wk], w)
	}
	b.bySession[w.s] = w
	b.mu.Unlock()
	b.count.Add(1)
	c.s.blocked = w
}

// readyKey is a key a command made ready for its waiters, with the type it
// was given: only the waiters for that type are served from it, as Redis
// serves a list's waiters and a sorted set's separately.
type readyKey struct {
	db  int
	key string
	typ valueType
}

// signalReady records that key in database db now holds a value of type typ,
// which waiters pop from. Only keys someone waits on are recorded.
func (c *Ctx) signalReady(key []byte, db int, typ valueType) {
	b := &c.e.blocking
	if b.count.Load() == 0 {
		return
	}
	b.mu.Lock()
	_, ok := b.keys[watchKey{db: db, key: string(key)}]
	b.mu.Unlock()
	if ok {
		c.runner().ready = append(c.runner().ready, readyKey{db: db, key: string(key), typ: typ})
	}
}

// signalReadyInDB marks ready every key of database db that waiters wait on
// and that now holds a list or sorted set (SWAPDB: Redis's
// scanDatabaseForReadyKeys). Every shard must be locked.
func (c *Ctx) signalReadyInDB(db int) {
	b := &c.e.blocking
	if b.count.Load() == 0 {
		return
	}
	b.mu.Lock()
	var keys []string
	for wk := range b.keys {
		if wk.db == db {
			keys = append(keys, wk.key)
		}
	}
	b.mu.Unlock()
	for _, k := range keys {
		if en := c.lookupDB(unsafeBytes(k), db); en != nil && (en.typ == typeList || en.typ == typeZSet) {
			c.runner().ready = append(c.runner().ready, readyKey{db: db, key: k, typ: en.typ})
		}
	}
}

// runner is the session whose command holds the shard locks: the one that
// serves keys made ready, also while a waiter's pop runs on its behalf.
func (c *Ctx) runner() *Session {
	if c.serving != nil {
		return c.serving
	}
	return c.s
}

// serveReady serves the waiters of every key s's command made ready, in
// order, while s holds locks (nil: every shard).
func (e *Engine) serveReady(s *Session, locks []int) {
	for i := 0; i < len(s.ready); i++ {
		rk := s.ready[i]
		for {
			w := e.blocking.claim(rk)
			if w == nil {
				break
			}
			extra, ok := e.lockExtra(locks, unsafeBytes(rk.key), w.extra)
			if !ok {
				e.blocking.resolve(w, endRetry, nil)
				continue
			}
			served, reply := e.serveOne(s, w, rk)
			e.unlockExtra(extra)
			if !served {
				e.blocking.release(w)
				break
			}
			e.blocking.resolve(w, endServed, reply)
		}
	}
	clear(s.ready)
	s.ready = s.ready[:0]
}

// serveOne runs w's pop on the ready key, on behalf of runner, capturing the
// reply in w's protocol.
//
// For a socket client (a RESP3 subscriber may block) it also keeps Redis's
// order of the client's output: the messages queued before the pop go out
// before the reply, the later ones after it (holdMessages records the
// point), and the events of the pop itself right after the reply: while the
// pop runs the capture stands in as the session's output, where deliver
// writes the session's own messages (its goroutine is parked until the
// waiter is resolved, so nothing else uses s.out meanwhile).
func (e *Engine) serveOne(runner *Session, w *waiter, rk readyKey) (served bool, _ *Capture) {
	reply := NewCapture(w.s.Proto())
	c := runner.pushCtx()
	depth := runner.depth
	defer func() {
		if r := recover(); r != nil {
			runner.depth = depth
			e.log().Error("serving a blocked client panicked", "cmd", w.cmd.Name, "key", rk.key, "panic", r)
			served = false
		}
		*c = Ctx{e: e, s: runner} // the runner's own again, holding nothing
		runner.popCtx()
	}()
	// The pop is a command of w's session run in the runner's next Ctx,
	// which the deferred call gives back to the runner.
	*c = Ctx{e: e, s: w.s, w: reply, cmd: w.cmd, db: rk.db, serving: runner}
	key := unsafeBytes(rk.key)
	if en := c.lookupWrite(key); en == nil || en.typ != w.typ {
		return false, nil
	}
	out, direct := w.s.out, w.s.pushDirect()
	if direct {
		w.before = w.s.holdMessages()
		w.s.out = reply
	}
	served = w.serve(c, key)
	w.s.out = out
	c.reconcileWritten()
	if !served {
		if direct {
			w.s.releaseMessages(0)
		}
		return false, nil
	}
	w.s.stats.cmds.Add(1)
	return true, reply
}

// lockExtra takes, without waiting, the shards of the ready key and of the
// waiter's other keys that locks does not hold; it returns those it took, or
// false (holding none) if one was busy. The ready key's shard is not held
// when serving made the key ready: a BLMOVE served into it, under a shard
// lockExtra took for that serving only.
func (e *Engine) lockExtra(locks []int, key []byte, keys [][]byte) ([]int, bool) {
	if locks == nil {
		return nil, true
	}
	took, ok := e.tryLockFor(locks, nil, key)
	for _, k := range keys {
		if !ok {
			break
		}
		took, ok = e.tryLockFor(locks, took, k)
	}
	if !ok {
		e.unlockExtra(took)
		return nil, false
	}
	return took, true
}

// tryLockFor adds key's shard to took, locked, unless locks or took holds
// it already; false when the shard is busy.
func (e *Engine) tryLockFor(locks, took []int, key []byte) ([]int, bool) {
	i := e.ks.shardOf(e.ks.hash(key))
	if containsInt(locks, i) || containsInt(took, i) {
		return took, true
	}
	if !e.ks.shards[i].tryLock() {
		return took, false
	}
	return append(took, i), true
}

func (e *Engine) unlockExtra(took []int) {
	for _, i := range took {
		e.ks.shards[i].unlock()
	}
}

func containsInt(l []int, v int) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// claim returns the first waiting waiter on rk for its type, marked as being
// served.
func (b *blocking) claim(rk readyKey) *waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, w := range b.keys[watchKey{db: rk.db, key: rk.key}] {
		if w.state == waitWaiting && w.typ == rk.typ {
			w.state = waitServing
			return w
		}
	}
	return nil
}

// release puts a claimed waiter back: its key had nothing left to pop.
func (b *blocking) release(w *waiter) {
	b.mu.Lock()
	w.state = waitWaiting
	b.cond.Broadcast()
	b.mu.Unlock()
}

// resolve ends w (waiting or claimed by the caller) with end, unless it has
// ended already; it removes w from every queue and wakes its goroutine.
// A waiter claimed by another goroutine is waited for.
func (b *blocking) resolve(w *waiter, end int, reply *Capture) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.resolveLocked(w, end, reply)
}

func (b *blocking) resolveLocked(w *waiter, end int, reply *Capture) bool {
	if w.state == waitDone {
		return false
	}
	w.state, w.end, w.reply = waitDone, end, reply
	for _, k := range w.keys {
		wk := watchKey{db: w.db, key: k}
		q := b.keys[wk]
		for i, o := range q {
			if o == w {
				q = append(q[:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(b.keys, wk)
		} else {
			b.keys[wk] = q
		}
	}
	delete(b.bySession, w.s)
	b.count.Add(-1)
	close(w.done)
	b.cond.Broadcast()
	return true
}

// cancel ends w from outside its goroutine (timeout, CLIENT UNBLOCK, kill),
// waiting for a writer that is serving it to finish first. It reports whether
// this call ended it.
func (b *blocking) cancel(w *waiter, end int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for w.state == waitServing {
		b.cond.Wait()
	}
	return b.resolveLocked(w, end, nil)
}

// waiterOf returns s's waiter, or nil when s is not blocked.
func (b *blocking) waiterOf(s *Session) *waiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bySession[s]
}

// cancelWait ends s's blocking wait, if any, with no reply (kill). Safe from
// any goroutine.
func (e *Engine) cancelWait(s *Session, _ *Capture) {
	if w := e.blocking.waiterOf(s); w != nil {
		e.blocking.cancel(w, endCancelled)
	}
}

// unblock is CLIENT UNBLOCK: it ends s's wait as a timeout or with the
// UNBLOCKED error, and reports whether s was blocked.
func (e *Engine) unblock(s *Session, withError bool) bool {
	b := &e.blocking
	found := b.waiterOf(s)
	if found == nil {
		return false
	}
	end := endTimeout
	if withError {
		end = endUnblocked
	}
	return b.cancel(found, end)
}

// SetBlockHook registers what the session's owner does while a command
// waits: hook is called when the wait starts and returns a channel closed if
// the wait must end without a reply (the client disconnected, the caller's
// context ended) and a function called when the wait ends.
func (s *Session) SetBlockHook(hook func() (cancel <-chan struct{}, stop func())) {
	s.blockHook = hook
}

// waitBlocked waits for s's blocked command to end and writes its reply: the
// captured pop, the timeout reply, the UNBLOCKED error, or nothing when
// cancelled. A waiter woken to retry runs its command again.
func (e *Engine) waitBlocked(s *Session, argv [][]byte, w ReplyWriter) {
	for s.blocked != nil {
		wt := s.blocked
		var cancel <-chan struct{}
		stop := func() {}
		if s.blockHook != nil {
			cancel, stop = s.blockHook()
		}
		var timer *time.Timer
		var expired <-chan time.Time
		if !wt.deadline.IsZero() {
			timer = time.NewTimer(wt.deadline.Sub(e.now()))
			expired = timer.C
		}
		select {
		case <-wt.done:
		case <-expired:
			e.blocking.cancel(wt, endTimeout)
		case <-cancel:
			e.blocking.cancel(wt, endCancelled)
		}
		if timer != nil {
			timer.Stop()
		}
		stop()
		<-wt.done
		s.blocked = nil
		switch wt.end {
		case endServed:
			if s.pushDirect() {
				for _, m := range s.releaseMessages(wt.before) {
					WriteMessage(unwrapDiscard(w), &m)
				}
			}
			for i := range wt.reply.Replies() {
				WriteReply(w, &wt.reply.Replies()[i])
			}
		case endTimeout:
			wt.timeoutReply(w)
		case endUnblocked:
			w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
		case endRetry:
			e.dispatch(s, argv, w)
		}
	}
}

// BlockedClients is the number of clients waiting in blocking commands (INFO).
func (e *Engine) BlockedClients() int { return int(e.blocking.count.Load()) }

// Blocked reports whether the session is waiting in a blocking command.
func (s *Session) Blocked() bool { return s.blocked != nil }

// isBlocked is Blocked for other goroutines (CLIENT LIST's b flag).
func (e *Engine) isBlocked(s *Session) bool { return e.blocking.waiterOf(s) != nil }
