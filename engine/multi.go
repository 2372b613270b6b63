package engine

import (
	"strings"
	"sync"
	"unsafe"
)

// Transactions: MULTI queues commands, EXEC runs them atomically, WATCH makes
// EXEC conditional on keys nobody touched.
//
// EXEC locks the shards of every queued command's keys and every WATCHed key
// (all shards when one command spans the keyspace) in the global order, then
// runs the queue with no other caller in between, exactly as a single command.

var multiCommands = []cmdDef{
	{name: "multi", handler: cmdMulti, opts: txControl},
	{name: "exec", handler: cmdExec, opts: txControl | isExec | oomExempt},
	{name: "discard", handler: cmdDiscard, opts: txControl | oomExempt},
	{name: "watch", handler: cmdWatch, opts: txControl},
	{name: "unwatch", handler: cmdUnwatch},
}

const (
	errMultiNested  = "ERR MULTI calls can not be nested"
	errExecNoMulti  = "ERR EXEC without MULTI"
	errDiscardMulti = "ERR DISCARD without MULTI"
	errWatchInMulti = "ERR WATCH inside MULTI is not allowed"
	errNoMulti      = "ERR Command not allowed inside a transaction"
	// ErrExecAbort is EXEC's reply when a command was refused while queueing.
	ErrExecAbort = "EXECABORT Transaction discarded because of previous errors."
)

// execAbort is the reply to an EXEC that the dispatcher itself refuses (wrong
// arity, NOAUTH...): Redis's execCommandAbort, which quotes the refusal
// without its "ERR " prefix.
func execAbort(reason string) string {
	return "EXECABORT Transaction discarded because of: " + strings.TrimPrefix(reason, "ERR ")
}

// multiState is a session's open transaction. Its buffers are reused by
// later transactions (multiPool), so queueing allocates nothing once they
// have grown.
type multiState struct {
	queue []queuedCmd
	// aborted: a command was refused while queueing, so EXEC fails
	// (Redis's CLIENT_DIRTY_EXEC).
	aborted bool
	// args and argvs hold the queued commands' arguments: queueCommand
	// copies each argv into them (the caller reuses its buffers). A queued
	// argv keeps pointing into the array it was copied to when they grow.
	args  []byte
	argvs [][]byte
	locks []int // EXEC's lock set
}

var multiPool = sync.Pool{New: func() any { return new(multiState) }}

// newMulti returns an empty transaction with the buffers of an old one.
func newMulti() *multiState {
	m := multiPool.Get().(*multiState)
	m.queue, m.args, m.argvs, m.locks, m.aborted = m.queue[:0], m.args[:0], m.argvs[:0], m.locks[:0], false
	return m
}

// endMulti closes the session's transaction, if any, recycling its buffers
// unless a big transaction grew them (the pool would keep them alive).
func (s *Session) endMulti() {
	m := s.multi
	if m == nil {
		return
	}
	s.multi = nil
	if cap(m.args) <= 64<<10 && cap(m.queue) <= 1024 {
		// ExecTx queues its caller's argvs: the pool must not keep them.
		clear(m.queue)
		clear(m.argvs)
		multiPool.Put(m)
	}
}

type queuedCmd struct {
	cmd  *Command
	argv [][]byte
	hint keyHint // its first key's hash, from EXEC's lock set
}

// appendQueued appends a queued command to q field by field (see grow).
func appendQueued(q []queuedCmd, cmd *Command, argv [][]byte) []queuedCmd {
	q, c := grow(q)
	c.cmd, c.argv, c.hint = cmd, argv, keyHint{}
	return q
}

// watchKey names a key in a database.
type watchKey struct {
	db  int
	key string
}

// watchedKey is one key a session WATCHes. expired records that the key had
// already expired (but was not yet deleted) when WATCH ran, as Redis 7.0
// does, so that its deletion later is not a change.
type watchedKey struct {
	watchKey
	expired bool
}

// watchers is a shard's registry of WATCHed keys. It has its own lock, taken
// after the shard's, because a write touches it while holding the shard lock
// and UNWATCH/disconnects remove from it without one.
type watchers struct {
	mu sync.Mutex
	m  map[watchKey][]*Session
}

// queueCommand appends a copy of argv (the caller reuses its buffers) to the
// session's transaction.
func (s *Session) queueCommand(cmd *Command, argv [][]byte) {
	m := s.multi
	n := 0
	for _, a := range argv {
		n += len(a)
	}
	if cap(m.args)-len(m.args) < n {
		m.args = make([]byte, 0, max(2*cap(m.args), n, 256))
	}
	first := len(m.argvs)
	for _, a := range argv {
		m.args = append(m.args, a...)
		m.argvs = append(m.argvs, m.args[len(m.args)-len(a):len(m.args):len(m.args)])
	}
	m.queue = appendQueued(m.queue, cmd, m.argvs[first:len(m.argvs):len(m.argvs)])
}

// flagTransaction marks an open transaction as aborted: a command was
// refused while queueing (Redis's flagTransaction).
func (s *Session) flagTransaction() {
	if s.multi != nil {
		s.multi.aborted = true
	}
}

// MULTI
func cmdMulti(c *Ctx) {
	if c.s.multi != nil {
		c.w.Error(errMultiNested)
		return
	}
	c.s.multi = newMulti()
	c.w.Status("OK")
}

// DISCARD
func cmdDiscard(c *Ctx) {
	if c.s.multi == nil {
		c.w.Error(errDiscardMulti)
		return
	}
	c.s.discardTransaction()
	c.w.Status("OK")
}

// discardTransaction drops the queue and every WATCH.
func (s *Session) discardTransaction() {
	s.endMulti()
	s.unwatchAll()
}

// EXEC
func cmdExec(c *Ctx) {
	s := c.s
	if s.multi == nil {
		c.w.Error(errExecNoMulti)
		return
	}
	m := s.multi
	locks := c.e.txLockSet(s, m)
	c.e.lockShards(locks)
	switch {
	case m.aborted:
		c.w.Error(ErrExecAbort)
	case s.dirtyCAS.Load() || c.watchedKeyExpired():
		c.w.NullArray()
	default:
		s.unwatchAll()
		s.multi = nil
		s.inExec = true
		c.w.Array(len(m.queue))
		for _, q := range m.queue {
			if msg := c.e.aclExecRefused(s, q.cmd, q.argv); msg != "" {
				c.w.Error(msg)
				continue
			}
			c.e.call(s, q.cmd, q.argv, c.w, q.hint)
		}
		s.inExec = false
	}
	s.unwatchAll()
	c.e.unlockShards(s, locks)
	// Only now may another transaction reuse m's buffers: locks is one.
	s.multi = m
	s.endMulti()
}

// ExecTx runs cmds as one transaction: what MULTI, the commands and EXEC
// sent in a row do, with one reply instead of len(cmds)+2: EXEC's array of
// the commands' replies (a null array when a WATCHed key changed), or the
// error that stopped the transaction. It is the in-process TxPipelined.
//
// A command refused while queueing (unknown, wrong arity, not permitted...)
// stops the transaction at once: its error is the reply, nothing runs, and
// the transaction and the session's WATCHes are discarded, as EXECABORT
// does. The commands MULTI runs at once instead of queueing (EXEC, WATCH,
// RESET...) are refused. cmds are queued without a copy, so they must not
// change until ExecTx returns.
func (e *Engine) ExecTx(s *Session, cmds [][][]byte, w ReplyWriter) {
	w = s.replyTo(w)
	defer s.replied()
	if !e.allowed(s, e.multi, argvMulti, w) {
		return
	}
	if s.multi != nil {
		w.Error(errMultiNested)
		return
	}
	s.multi = newMulti()
	for _, argv := range cmds {
		if len(argv) == 0 {
			argv = argvEmpty
		}
		cmd := e.admit(s, argv, w)
		if cmd != nil && cmd.opts&txControl != 0 {
			w.Error(errNoMulti)
			cmd = nil
		}
		if cmd == nil {
			s.discardTransaction()
			return
		}
		s.multi.queue = appendQueued(s.multi.queue, cmd, argv)
	}
	if e.allowed(s, e.exec, argvExec, w) {
		e.call(s, e.exec, argvExec, w, keyHint{}) // EXEC has no keys: nothing to lock
	}
}

var (
	argvMulti = [][]byte{[]byte("MULTI")}
	argvExec  = [][]byte{[]byte("EXEC")}
	argvEmpty = [][]byte{{}}
)

// txLockSet is the shards EXEC locks: those of every queued command's keys
// and of every WATCHed key, in index order; nil means every shard.
func (e *Engine) txLockSet(s *Session, m *multiState) []int {
	locks := m.locks[:0]
	defer func() { m.locks = locks }()
	for i := range m.queue {
		q := &m.queue[i]
		if q.cmd.opts&lockAll != 0 {
			return nil
		}
		pos, err := q.cmd.Spec.KeyPositions(q.argv, s.keyPos[:0])
		s.keyPos = pos[:0]
		if err != nil {
			return nil
		}
		for j, p := range pos {
			h := e.ks.hash(q.argv[p])
			if j == 0 && len(q.argv[p]) > 0 {
				q.hint = keyHint{p: unsafe.SliceData(q.argv[p]), n: len(q.argv[p]), h: h}
			}
			locks = insertSorted(locks, e.ks.shardOf(h))
		}
	}
	for _, w := range s.watched {
		locks = insertSorted(locks, e.ks.shardOf(e.ks.hash(unsafeBytes(w.key))))
	}
	if locks == nil {
		locks = []int{} // no keys: lock nothing
	}
	return locks
}

// watchedKeyExpired is Redis 7.0's isWatchedKeyExpired: a WATCHed key that was
// alive at WATCH time has expired since, which counts as a change even before
// anything deletes it.
func (c *Ctx) watchedKeyExpired() bool {
	for _, w := range c.s.watched {
		if w.expired {
			continue
		}
		_, d := c.slot(c.e.ks.hash(unsafeBytes(w.key)), w.db)
		if en := d.find(c.e.ks.hash(unsafeBytes(w.key)), unsafeBytes(w.key)); en != nil && c.expiredIn(d, en) {
			return true
		}
	}
	return false
}

// WATCH key [key ...]
func cmdWatch(c *Ctx) {
	if c.s.multi != nil {
		c.w.Error(errWatchInMulti)
		return
	}
	s := c.s
next:
	for _, k := range c.argv[1:] {
		wk := watchKey{db: c.db, key: string(k)}
		for _, w := range s.watched {
			if w.watchKey == wk {
				continue next
			}
		}
		h := c.e.ks.hash(k)
		sh, d := c.slot(h, c.db)
		en := d.find(h, k)
		s.watched = append(s.watched, watchedKey{watchKey: wk, expired: en != nil && c.expiredIn(d, en)})
		sh.watch.mu.Lock()
		if sh.watch.m == nil {
			sh.watch.m = map[watchKey][]*Session{}
		}
		sh.watch.m[wk] = append(sh.watch.m[wk], s)
		sh.watch.mu.Unlock()
		c.e.watching.Add(1)
	}
	c.w.Status("OK")
}

// UNWATCH
func cmdUnwatch(c *Ctx) {
	c.s.unwatchAll()
	c.w.Status("OK")
}

// unwatchAll forgets every key the session WATCHes and clears its dirty flag.
func (s *Session) unwatchAll() {
	e := s.e
	for _, w := range s.watched {
		sh := &e.ks.shards[e.ks.shardOf(e.ks.hash(unsafeBytes(w.key)))]
		sh.watch.mu.Lock()
		l := sh.watch.m[w.watchKey]
		for i, o := range l {
			if o == s {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(sh.watch.m, w.watchKey)
		} else {
			sh.watch.m[w.watchKey] = l
		}
		sh.watch.mu.Unlock()
		e.watching.Add(-1)
	}
	s.watched = s.watched[:0]
	if s.dirtyCAS.Load() { // a store is a full barrier; it is mostly clear
		s.dirtyCAS.Store(false)
	}
}

// touchWatched marks the transactions WATCHing key in database db dirty
// (Redis's touchWatchedKey). It costs one atomic load while nobody WATCHes.
func (e *Engine) touchWatched(key []byte, db int) {
	if e.watching.Load() == 0 {
		return
	}
	sh := &e.ks.shards[e.ks.shardOf(e.ks.hash(key))]
	sh.watch.mu.Lock()
	for _, s := range sh.watch.m[watchKey{db: db, key: string(key)}] {
		s.dirtyCAS.Store(true)
	}
	sh.watch.mu.Unlock()
}

// touchAllWatchedInDB is Redis's touchAllWatchedKeysInDb for FLUSHDB,
// FLUSHALL and SWAPDB: every WATCHed key of database db that exists there, or
// in database other (SWAPDB's partner, -1 for none), is touched. Every shard
// must be locked.
func (e *Engine) touchAllWatchedInDB(db, other int) {
	if e.watching.Load() == 0 {
		return
	}
	for i := range e.ks.shards {
		sh := &e.ks.shards[i]
		sh.watch.mu.Lock()
		for wk, l := range sh.watch.m {
			if wk.db != db {
				continue
			}
			h := e.ks.hash(unsafeBytes(wk.key))
			exists := sh.dbs[db].find(h, unsafeBytes(wk.key)) != nil
			if !exists && other >= 0 {
				exists = sh.dbs[other].find(h, unsafeBytes(wk.key)) != nil
			}
			if exists {
				for _, s := range l {
					s.dirtyCAS.Store(true)
				}
			}
		}
		sh.watch.mu.Unlock()
	}
}
