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
	// cmds counts the commands executed, for INFO; it is its own
	// allocation so that the registry can keep an unlisted session's count
	// without keeping the session alive.
	cmds *atomic.Int64
	// nested counts the commands run inside EXEC or a script (call at
	// depth > 1) until the outer command adds them to cmds: one atomic
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
	s.cmds = new(atomic.Int64)
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
	nextID   atomic.Int64
	mu       sync.Mutex
	byID     map[int64]*Session
	doneCmds atomic.Int64 // commands of sessions already closed
	total    atomic.Int64 // connections ever registered
	// unlisted are the command counters of sessions that CLIENT LIST does
	// not show (the in-process client's pooled sessions, which are never
	// closed): INFO counts their commands too, and a session's count moves
	// to doneCmds when the session is garbage collected.
	unlisted map[*atomic.Int64]struct{}
}

func (r *clientRegistry) init() {
	r.byID = map[int64]*Session{}
	r.unlisted = map[*atomic.Int64]struct{}{}
}

func (r *clientRegistry) addUnlisted(s *Session) {
	r.mu.Lock()
	r.unlisted[s.cmds] = struct{}{}
	r.mu.Unlock()
	runtime.AddCleanup(s, r.dropUnlisted, s.cmds)
}

func (r *clientRegistry) dropUnlisted(cmds *atomic.Int64) {
	r.mu.Lock()
	delete(r.unlisted, cmds)
	r.doneCmds.Add(cmds.Load())
	r.mu.Unlock()
}

// commands is the number of commands every session, listed or not, has run.
func (r *clientRegistry) commands() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.doneCmds.Load()
	for _, s := range r.byID {
		n += s.cmds.Load()
	}
	for c := range r.unlisted {
		n += c.Load()
	}
	return n
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
		r.doneCmds.Add(s.cmds.Load())
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
