package engine

import (
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Session is one caller's state: selected database, protocol version, name,
// id and authentication. The socket server keeps one per connection and the
// in-process client one per Conn; a session is used by one goroutine at a time
// (other goroutines only read its reported fields, for CLIENT LIST).
type Session struct {
	e       *Engine
	id      int64
	db      atomic.Int32
	proto   atomic.Int32
	authed  bool
	created int64 // unix ms
	last    atomic.Int64
	lastCmd atomic.Pointer[Command]
	// stats are the counters INFO sums over sessions.
	stats *sessionStats
	// nested counts the commands run inside EXEC or a script (call at
	// depth > 1) until the outer command adds them to stats: one atomic
	// add per command the client sent.
	nested int64

	mu      sync.Mutex // guards the fields below, which CLIENT LIST reads
	name    string
	libName string
	libVer  string
	info    ConnInfo
	flags   sessionFlags
	// user is the ACL user the session runs as; its own goroutine changes
	// it (AUTH, RESET) under mu and reads it without.
	user *aclUser

	replyMode replyMode
	closing   bool // QUIT: the server closes after flushing
	killed    atomic.Bool

	// out is the writer of the command Exec is running, for messages
	// published to the session by its own command (Redis writes them into
	// the client's buffer at once, before the command's reply).
	out ReplyWriter

	// Transactions (multi.go).
	multi    *multiState
	watched  []watchedKey
	dirtyCAS atomic.Bool // a WATCHed key was touched
	inExec   bool        // running EXEC's queue: blocking commands do not block
	inScript bool        // running a script: blocking commands do not block

	// Pub/Sub (pubsub.go).
	subs pubsubSubs
	push pushQueue

	// Blocking operations (blocking.go): keys this command made ready, and
	// the wait Exec enters after a blocking command found nothing.
	ready     []readyKey
	blocked   *waiter
	blockHook func() (<-chan struct{}, func())

	aclKeys aclKeys // the ACL check's key buffers, reused

	ctxs   []*Ctx // per nesting depth, reused (pushCtx)
	depth  int
	keyPos []int
	locks  []int
}

// ConnInfo describes a socket connection for CLIENT LIST / CLIENT INFO; the
// in-process client leaves it empty.
type ConnInfo struct {
	Addr, LAddr string
	FD          int
	// Kill closes the connection (CLIENT KILL); nil for in-process sessions.
	Kill func()
}

type sessionFlags struct {
	noEvict, noTouch bool
}

type replyMode uint8

const (
	replyOn replyMode = iota
	replyOff
	replySkipNext // CLIENT REPLY SKIP: suppress the next command's reply
	replySkip     // suppressing the current command's reply
)

// NewSession creates a session on database 0 speaking RESP2. Registered
// sessions (socket clients) appear in CLIENT LIST until Close.
func (e *Engine) NewSession(info ConnInfo, register bool) *Session {
	s := &Session{e: e, id: e.clients.nextID.Add(1), created: e.nowMs(), info: info}
	s.proto.Store(2)
	s.last.Store(s.created)
	s.setDefaultAuth()
	s.keyPos = make([]int, 0, 16)
	s.locks = make([]int, 0, 16)
	s.stats = new(sessionStats)
	if register {
		e.clients.add(s)
	} else {
		e.clients.addUnlisted(s)
	}
	return s
}

// Close ends the session: its WATCHes, subscriptions and registration go.
func (s *Session) Close() {
	s.unwatchAll()
	s.unsubscribeAll(nil)
	s.e.clients.remove(s)
}

// kill disconnects the session from another goroutine (CLIENT KILL, output
// buffer limits): it leaves the client list at once, as Redis frees it
// synchronously, its connection is closed and a blocking wait is cancelled.
func (s *Session) kill() {
	s.killed.Store(true)
	s.e.clients.remove(s)
	if s.info.Kill != nil {
		s.info.Kill()
	}
	s.e.cancelWait(s, nil)
}

// ID is the unique, increasing client id CLIENT ID reports.
func (s *Session) ID() int64 { return s.id }

// Proto is the RESP version the session negotiated with HELLO (2 or 3).
func (s *Session) Proto() int { return int(s.proto.Load()) }

// DB is the index of the selected database.
func (s *Session) DB() int { return int(s.db.Load()) }

// SetDB selects a database without the SELECT command's checks.
// It stores only a change, as the in-process client sets the database
// before every call.
func (s *Session) SetDB(i int) {
	if s.db.Load() != int32(i) {
		s.db.Store(int32(i))
	}
}

// Closing reports whether the session asked to be closed (QUIT) or was killed;
// the server closes the connection after flushing the pending replies.
func (s *Session) Closing() bool { return s.closing || s.killed.Load() }

// Info is the session's CLIENT LIST line, for the server's log lines about
// a client (Redis prints the same in its warnings).
func (s *Session) Info() string { return s.e.clientLine(s, nil) }

// IdleSince is the engine time in unix milliseconds of the session's last command.
func (s *Session) IdleSince() int64 { return s.last.Load() }

// touch records the time (unix ms) of the session's latest command. It
// stores only a change: an atomic store is a full barrier on amd64, and the
// coarse clock moves once per expire-cycle tick (100 ms by default).
func (s *Session) touch(ms int64) {
	if s.last.Load() != ms {
		s.last.Store(ms)
	}
}

// clientRegistry is the set of registered sessions, for CLIENT LIST/KILL and INFO.
type clientRegistry struct {
	nextID atomic.Int64
	mu     sync.Mutex
	byID   map[int64]*Session
	done   sessionStats // the counters of sessions already closed
	total  atomic.Int64 // connections ever registered
	// unlisted are the counters of sessions that CLIENT LIST does not show
	// (the in-process client's pooled sessions, which are never closed):
	// INFO counts them too, and a session's move to done when the session
	// is garbage collected.
	unlisted map[*sessionStats]struct{}
}

// sessionStats are a session's counters that INFO sums. They are their own
// allocation, so the registry can keep an unlisted session's without
// keeping the session alive, padded to a cache line of their own: two
// sessions' counters sharing one would move it between the cores of two
// goroutines on every command.
type sessionStats struct {
	cmds atomic.Int64 // commands executed
	hits atomic.Int64 // keyspace hits of reads that took no shard lock (optimistic.go)
	_    [48]byte
}

func (st *sessionStats) addTo(n *sessionStats) {
	n.cmds.Add(st.cmds.Load())
	n.hits.Add(st.hits.Load())
}

func (r *clientRegistry) init() {
	r.byID = map[int64]*Session{}
	r.unlisted = map[*sessionStats]struct{}{}
}

func (r *clientRegistry) addUnlisted(s *Session) {
	r.mu.Lock()
	r.unlisted[s.stats] = struct{}{}
	r.mu.Unlock()
	runtime.AddCleanup(s, r.dropUnlisted, s.stats)
}

func (r *clientRegistry) dropUnlisted(st *sessionStats) {
	r.mu.Lock()
	delete(r.unlisted, st)
	st.addTo(&r.done)
	r.mu.Unlock()
}

// sum is the counters of every session, listed or not, closed or not.
func (r *clientRegistry) sum() (cmds, hits int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n sessionStats
	r.done.addTo(&n)
	for _, s := range r.byID {
		s.stats.addTo(&n)
	}
	for st := range r.unlisted {
		st.addTo(&n)
	}
	return n.cmds.Load(), n.hits.Load()
}

func (r *clientRegistry) add(s *Session) {
	r.mu.Lock()
	r.byID[s.id] = s
	r.mu.Unlock()
	r.total.Add(1)
}

func (r *clientRegistry) remove(s *Session) {
	r.mu.Lock()
	if _, ok := r.byID[s.id]; ok {
		delete(r.byID, s.id)
		s.stats.addTo(&r.done)
	}
	r.mu.Unlock()
}

// list returns the registered sessions ordered by id.
func (r *clientRegistry) list() []*Session {
	r.mu.Lock()
	out := make([]*Session, 0, len(r.byID))
	for _, s := range r.byID {
		out = append(out, s)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (r *clientRegistry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

// ClientCount is the number of registered (socket) sessions, for maxclients.
func (e *Engine) ClientCount() int { return e.clients.count() }

func newRunID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RejectedConnection counts a client refused for maxclients (INFO rejected_connections).
func (e *Engine) RejectedConnection() { e.stats.rejectedConns.Add(1) }
