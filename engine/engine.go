package engine

import (
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config holds an engine's settings. The zero value works: every zero field
// takes Redis's default when New is called.
type Config struct {
	// Databases is the number of logical databases SELECT can address (Redis: 16).
	Databases int
	// Shards is the number of independently locked keyspace shards, rounded up
	// to a power of two (default: 4 per core, 8 to 256). More shards let more
	// cores write at once; fewer make commands that lock every shard (scripts,
	// KEYS, SCAN, FLUSHALL) cheaper.
	Shards int
	// RequirePass, when set, makes every session AUTH before other commands:
	// it is the default user's only password, as Redis's requirepass
	// (CONFIG SET requirepass changes it; "" makes the user nopass).
	RequirePass string
	// ACLFile is the file of ACL users ("user <name> <rules>" lines, Redis's
	// format) that ACL LOAD reads and ACL SAVE writes. The engine does not
	// read it by itself: call LoadACLFile at start, as the server does.
	ACLFile string
	// ACLLogMaxLen is how many entries ACL LOG keeps (acllog-max-len,
	// default 128).
	ACLLogMaxLen int
	// ACLPubsubDefault is the channel permission of new users and selectors
	// (acl-pubsub-default): "resetchannels" (the default, none) or
	// "allchannels". New panics on another value.
	ACLPubsubDefault string
	// ProtoMaxBulkLen caps the size of one string argument and of strings built
	// by APPEND/SETRANGE (Redis proto-max-bulk-len, default 512 MB).
	ProtoMaxBulkLen int64
	// MaxClients caps the number of connected socket clients (default 10000).
	MaxClients int
	// ClientLimit, when set, is asked how many clients the process can serve
	// if maxclients becomes n; it may raise the open-file limit to make room,
	// as Redis's adjustOpenFilesLimit does. CONFIG SET maxclients refuses a
	// larger value than it returns. The server package provides one
	// (server.FileLimitClients); in-process use needs none.
	ClientLimit func(n int) int
	// Timeout closes socket clients idle for this many seconds (0 = never).
	// Subscribed clients and clients blocked in BLPOP and the like are never
	// idle, as in Redis.
	Timeout int
	// ClientQueryBufferLimit is client-query-buffer-limit: a socket client
	// whose pending request (the argument being received and what follows
	// it) exceeds this many bytes is disconnected without a reply. Default 1
	// GB; CONFIG SET applies to connected clients at once.
	ClientQueryBufferLimit int64
	// TCPKeepAlive is tcp-keepalive: the seconds of silence after which the
	// server probes a TCP client (then every third of it, three times) to
	// detect dead peers. Zero at New takes Redis's default 300; negative
	// turns probing off, as CONFIG SET tcp-keepalive 0 does. It applies to
	// connections accepted afterwards.
	TCPKeepAlive int
	// Hz is how many times a second the active expire cycle runs (default 10).
	Hz int
	// Now is the clock; tests inject one to move time without sleeping.
	Now func() time.Time
	// Port and Bind are reported by CONFIG GET and INFO; the server fills them.
	Port int
	Bind string

	// NotifyKeyspaceEvents enables keyspace notifications with Redis's class
	// letters (notify-keyspace-events, e.g. "KEA"); "" disables them. New
	// panics on a letter Redis does not know.
	NotifyKeyspaceEvents string
	notify               notifyClass

	// Encoding thresholds: the sizes past which Redis converts a small
	// aggregate to its big encoding, and so what OBJECT ENCODING reports
	// (the data structures themselves do not change). Zero takes Redis's
	// default; CONFIG SET may set any value Redis accepts, zero included.
	HashMaxListpackEntries int // hash-max-listpack-entries (512)
	HashMaxListpackValue   int // hash-max-listpack-value (64)
	SetMaxIntsetEntries    int // set-max-intset-entries (512)
	ZSetMaxListpackEntries int // zset-max-listpack-entries (128)
	ZSetMaxListpackValue   int // zset-max-listpack-value (64)

	// BusyReplyThreshold is busy-reply-threshold (alias lua-time-limit) in
	// milliseconds: once a script has run this long, other callers get a
	// BUSY error instead of waiting for it. Zero takes Redis's default,
	// 5000; CONFIG SET 0 turns BUSY replies off.
	BusyReplyThreshold int64

	// OutputBufferLimits is client-output-buffer-limit per client class; the
	// zero value takes Redis's defaults (normal unlimited, replica 256mb
	// 64mb 60, pubsub 32mb 8mb 60). A subscriber whose pending messages pass
	// the hard limit, or stay over the soft one for SoftSeconds, is
	// disconnected, so a slow reader cannot stall publishers or grow memory.
	OutputBufferLimits [3]BufferLimit

	// Logger receives warnings (clients disconnected for their limits,
	// contained panics); nil discards them.
	Logger *slog.Logger

	// MaxMemory bounds the dataset in bytes by cachee's accounting (an
	// estimate of the Go heap its keys and values use); 0 is no limit. Past
	// it, keys are evicted by MaxMemoryPolicy before each command, and under
	// noeviction (or with nothing the policy may evict) commands that add
	// data get -OOM while reads keep working.
	MaxMemory int64
	// MaxMemoryPolicy is one of Redis's eight policies ("" is noeviction):
	// noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru,
	// volatile-lfu, volatile-random, volatile-ttl. New panics on another name.
	MaxMemoryPolicy string
	policy          evictPolicy
	// MaxMemorySamples is how many keys each eviction round samples (5).
	MaxMemorySamples int
	// MaxMemoryEvictionTenacity bounds the time one command may spend
	// evicting, 0..100 (10; 100 is unbounded), as Redis's.
	MaxMemoryEvictionTenacity int
	// LFULogFactor and LFUDecayTime tune the LFU counter as Redis's
	// lfu-log-factor (10) and lfu-decay-time (1 minute).
	LFULogFactor, LFUDecayTime int
}

// Client classes of client-output-buffer-limit, in Redis's order.
const (
	ClientNormal = iota
	ClientReplica
	ClientPubSub
)

// BufferLimit is one class of client-output-buffer-limit; zero disables a limit.
type BufferLimit struct {
	Hard, Soft  int64 // bytes
	SoftSeconds int64
}

func (c *Config) setDefaults() {
	if c.Databases <= 0 {
		c.Databases = 16
	}
	if c.Shards <= 0 {
		c.Shards = min(max(4*runtime.GOMAXPROCS(0), 8), 256)
	}
	n := 1
	for n < c.Shards {
		n <<= 1
	}
	c.Shards = n
	if c.ProtoMaxBulkLen <= 0 {
		c.ProtoMaxBulkLen = 512 << 20
	}
	if c.MaxClients <= 0 {
		c.MaxClients = 10000
	}
	if c.ClientQueryBufferLimit <= 0 {
		c.ClientQueryBufferLimit = 1 << 30
	}
	switch {
	case c.TCPKeepAlive == 0:
		c.TCPKeepAlive = 300
	case c.TCPKeepAlive < 0:
		c.TCPKeepAlive = 0
	}
	if c.Hz <= 0 {
		c.Hz = 10
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for _, d := range []struct {
		v   *int
		def int
	}{
		{&c.HashMaxListpackEntries, 512}, {&c.HashMaxListpackValue, 64}, {&c.SetMaxIntsetEntries, 512},
		{&c.ZSetMaxListpackEntries, 128}, {&c.ZSetMaxListpackValue, 64},
	} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, d := range []struct {
		v   *int
		def int
	}{{&c.MaxMemorySamples, 5}, {&c.MaxMemoryEvictionTenacity, 10}, {&c.LFULogFactor, 10}, {&c.LFUDecayTime, 1}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.MaxMemoryPolicy == "" {
		c.MaxMemoryPolicy = "noeviction"
	}
	p, ok := parsePolicy(c.MaxMemoryPolicy)
	if !ok {
		panic("cachee: maxmemory-policy " + c.MaxMemoryPolicy + ": " + errPolicy)
	}
	c.policy = p
	if c.BusyReplyThreshold == 0 {
		c.BusyReplyThreshold = 5000
	}
	if c.OutputBufferLimits == [3]BufferLimit{} {
		c.OutputBufferLimits = [3]BufferLimit{{}, {256 << 20, 64 << 20, 60}, {32 << 20, 8 << 20, 60}}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ACLLogMaxLen == 0 {
		c.ACLLogMaxLen = 128
	}
	if c.ACLPubsubDefault == "" {
		c.ACLPubsubDefault = "resetchannels"
	}
	if c.ACLPubsubDefault != "resetchannels" && c.ACLPubsubDefault != "allchannels" {
		panic("cachee: acl-pubsub-default " + c.ACLPubsubDefault + ": " + errPubsubDefault)
	}
	f, ok := parseNotifyClasses(c.NotifyKeyspaceEvents)
	if !ok {
		panic("cachee: notify-keyspace-events " + c.NotifyKeyspaceEvents + ": " + errNotifyClass)
	}
	c.notify = f
}

// Engine is one independent Redis-compatible data store: its keyspace, command
// table, sessions and background expiry. Many goroutines may call Exec at once,
// each with its own Session.
type Engine struct {
	// cfg is the current settings, an immutable snapshot: CONFIG SET (under
	// cfgMu) stores a new one, so hot paths read settings without locking.
	cfg   atomic.Pointer[Config]
	cfgMu sync.Mutex
	now   func() time.Time // cfg.Now, which never changes

	ks       *keyspace
	table    *table
	multi    *Command // MULTI and EXEC, which ExecTx runs without looking them up
	exec     *Command
	typed    typedCmds // the commands of the typed operations (api.go)
	started  time.Time
	runID    string
	clients  clientRegistry
	pubsub   pubsub
	watching atomic.Int64 // WATCHed keys over all sessions (multi.go)
	blocking blocking     // clients waiting in blocking commands (blocking.go)
	evict    evictor      // eviction under maxmemory (evict.go)
	memTotal atomic.Int64 // dataset bytes by our accounting (memory.go)
	memQ     atomic.Int64 // the batching quantum of memTotal
	memPeak  atomic.Int64
	acl      aclState // users and the ACL log (acl.go)
	stats    stats
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	// shutdown is called by SHUTDOWN; the server sets it.
	hooksMu       sync.Mutex
	shutdownHooks []*func()
	// scripting is the attached interpreter and script the running script
	// (script_api.go).
	scripting atomic.Pointer[Scripting]
	script    scriptState
	// coarse is the clock in unix ms as of the last expire-cycle tick, for
	// times that only need a tick's precision (idle times, OBJECT IDLETIME).
	// realClock says cfg.Now is time.Now; with an injected clock coarse is
	// not used, so tests that move time see it at once.
	coarse    atomic.Int64
	realClock bool
	// wall is the real clock's last reading (nil with an injected clock):
	// nowMs adds the monotonic time elapsed since, one clock read (~29 ns
	// on this VM) where time.Now takes two (~51 ns). Every expire-cycle
	// tick takes a new reading, so nowMs follows a stepped wall clock (or a
	// suspended machine) within one tick.
	wall atomic.Pointer[wallReading]
}

// wallReading is a time.Now (with its monotonic reading) and its unix ns.
type wallReading struct {
	t  time.Time
	ns int64
}

// New creates an engine and starts its active expire cycle; Close stops it.
func New(cfg Config) *Engine {
	realClock := cfg.Now == nil
	cfg.setDefaults()
	e := &Engine{
		now:     cfg.Now,
		ks:      newKeyspace(cfg.Shards, cfg.Databases),
		started: cfg.Now(),
		runID:   newRunID(),
		stop:    make(chan struct{}),

		realClock: realClock,
	}
	e.cfg.Store(&cfg)
	e.memQ.Store(e.memQuantum(&cfg))
	e.tick()
	e.acl.init(cfg.RequirePass)
	e.table = newTable()
	e.multi, e.exec = e.table.Lookup(argvMulti[0]), e.table.Lookup(argvExec[0])
	e.typed.init(e.table)
	e.clients.init()
	e.pubsub.init()
	e.blocking.init()
	e.wg.Add(1)
	go e.expireLoop()
	return e
}

// Close stops the background work. Sessions must not call Exec afterwards.
func (e *Engine) Close() {
	e.stopOnce.Do(func() { close(e.stop) })
	e.wg.Wait()
}

// Config returns a copy of the current settings.
func (e *Engine) Config() Config { return *e.cfg.Load() }

// Settings returns the current settings without copying them: a snapshot
// the caller must not modify. CONFIG SET replaces the snapshot rather than
// changing it, so a server can tell whether settings changed by comparing
// the pointer with one it kept (one atomic load per command).
func (e *Engine) Settings() *Config { return e.cfg.Load() }

// log is the engine's logger.
func (e *Engine) log() *slog.Logger { return e.conf().Logger }

// conf is the current settings snapshot; callers must not modify it.
func (e *Engine) conf() *Config { return e.cfg.Load() }

// AddShutdownHook registers fn to run on SHUTDOWN (a server stops); every
// server serving the engine registers one. The returned function removes it.
func (e *Engine) AddShutdownHook(fn func()) (remove func()) {
	e.hooksMu.Lock()
	defer e.hooksMu.Unlock()
	h := &fn
	e.shutdownHooks = append(e.shutdownHooks, h)
	return func() {
		e.hooksMu.Lock()
		defer e.hooksMu.Unlock()
		for i, o := range e.shutdownHooks {
			if o == h {
				e.shutdownHooks = append(e.shutdownHooks[:i], e.shutdownHooks[i+1:]...)
				return
			}
		}
	}
}

// hooks returns the registered SHUTDOWN hooks.
func (e *Engine) hooks() []*func() {
	e.hooksMu.Lock()
	defer e.hooksMu.Unlock()
	return append([]*func(){}, e.shutdownHooks...)
}

// nowMs is the clock in unix ms, exact to the millisecond.
func (e *Engine) nowMs() int64 {
	if w := e.wall.Load(); w != nil {
		return (w.ns + int64(time.Since(w.t))) / int64(time.Millisecond)
	}
	return e.now().UnixMilli()
}

// tick takes a new wall-clock reading and sets the coarse clock from it.
func (e *Engine) tick() {
	if e.realClock {
		t := time.Now()
		e.wall.Store(&wallReading{t, t.UnixNano()})
	}
	e.coarse.Store(e.nowMs())
}

// coarseMs is the clock within one expire-cycle tick (100 ms at the default
// hz), read without a system call; exact when the clock is injected.
func (e *Engine) coarseMs() int64 {
	if e.realClock {
		return e.coarse.Load()
	}
	return e.nowMs()
}

// lruClock is the coarse clock in seconds, the unit of an entry's access time
// (Redis's LRU clock also has a one-second resolution).
func (e *Engine) lruClock() uint32 { return uint32(e.coarseMs() / 1000) }

// expireLoop is Redis's active expire cycle: each tick samples keys with a TTL
// in every database of every shard and deletes the expired ones, repeating on a
// shard while more than a quarter of its sample had expired, within a time
// budget, so memory is reclaimed for keys that nobody reads.
func (e *Engine) expireLoop() {
	defer e.wg.Done()
	hz := e.conf().Hz
	t := time.NewTicker(time.Second / time.Duration(hz))
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.tick()
			e.activeExpireCycle(time.Second / time.Duration(hz) / 4)
			// Evictions a command left unfinished for lack of time go on
			// here, as Redis's eviction timer does.
			e.performEvictions()
			if n := e.conf().Hz; n != hz { // CONFIG SET hz
				hz = n
				t.Reset(time.Second / time.Duration(hz))
			}
		}
	}
}

const expireSample = 20

func (e *Engine) activeExpireCycle(budget time.Duration) {
	deadline := time.Now().Add(budget)
	now := e.nowMs()
	for i := range e.ks.shards {
		sh := &e.ks.shards[i]
		sh.lock()
		for db := range sh.dbs {
			d := &sh.dbs[db]
			for len(d.ttl) > 0 {
				expired := 0
				n := min(expireSample, len(d.ttl))
				for j := 0; j < n && len(d.ttl) > 0; j++ {
					en := d.ttl[randIntN(len(d.ttl))]
					if en.at < now {
						e.expireEntry(nil, sh, d, en.e, db)
						expired++
					}
				}
				if expired*4 <= n || time.Now().After(deadline) {
					break
				}
			}
		}
		sh.unlock()
		if time.Now().After(deadline) {
			return
		}
	}
}
