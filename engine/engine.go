package engine

import (
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
	// to a power of two (default 64). More shards let more cores write at once.
	Shards int
	// RequirePass, when set, makes every session AUTH before other commands.
	RequirePass string
	// ProtoMaxBulkLen caps the size of one string argument and of strings built
	// by APPEND/SETRANGE (Redis proto-max-bulk-len, default 512 MB).
	ProtoMaxBulkLen int64
	// MaxClients caps the number of connected socket clients (default 10000).
	MaxClients int
	// Timeout closes socket clients idle for this many seconds (0 = never).
	Timeout int
	// Hz is how many times a second the active expire cycle runs (default 10).
	Hz int
	// Now is the clock; tests inject one to move time without sleeping.
	Now func() time.Time
	// Port and Bind are reported by CONFIG GET and INFO; the server fills them.
	Port int
	Bind string
}

func (c *Config) setDefaults() {
	if c.Databases <= 0 {
		c.Databases = 16
	}
	if c.Shards <= 0 {
		c.Shards = 64
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
	if c.Hz <= 0 {
		c.Hz = 10
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Engine is one independent Redis-compatible data store: its keyspace, command
// table, sessions and background expiry. Many goroutines may call Exec at once,
// each with its own Session.
type Engine struct {
	cfgMu sync.RWMutex
	cfg   Config

	ks       *keyspace
	table    *table
	started  time.Time
	runID    string
	clients  clientRegistry
	stats    stats
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	// shutdown is called by SHUTDOWN; the server sets it.
	shutdown atomic.Pointer[func()]
}

// New creates an engine and starts its active expire cycle; Close stops it.
func New(cfg Config) *Engine {
	cfg.setDefaults()
	e := &Engine{
		cfg:     cfg,
		ks:      newKeyspace(cfg.Shards, cfg.Databases),
		started: cfg.Now(),
		runID:   newRunID(),
		stop:    make(chan struct{}),
	}
	e.table = newTable()
	e.clients.init()
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
func (e *Engine) Config() Config {
	e.cfgMu.RLock()
	defer e.cfgMu.RUnlock()
	return e.cfg
}

// SetShutdownHook registers what SHUTDOWN runs (the server closes its listeners).
func (e *Engine) SetShutdownHook(fn func()) { e.shutdown.Store(&fn) }

func (e *Engine) nowMs() int64 { return e.cfg.Now().UnixMilli() }

// expireLoop is Redis's active expire cycle: each tick samples keys with a TTL
// in every database of every shard and deletes the expired ones, repeating on a
// shard while more than a quarter of its sample had expired, within a time
// budget, so memory is reclaimed for keys that nobody reads.
func (e *Engine) expireLoop() {
	defer e.wg.Done()
	t := time.NewTicker(time.Second / time.Duration(e.cfg.Hz))
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.activeExpireCycle(time.Second / time.Duration(e.cfg.Hz) / 4)
		}
	}
}

const expireSample = 20

func (e *Engine) activeExpireCycle(budget time.Duration) {
	deadline := time.Now().Add(budget)
	now := e.nowMs()
	for i := range e.ks.shards {
		sh := &e.ks.shards[i]
		sh.mu.Lock()
		for db := range sh.dbs {
			d := &sh.dbs[db]
			for len(d.ttl) > 0 {
				expired := 0
				n := min(expireSample, len(d.ttl))
				for j := 0; j < n && len(d.ttl) > 0; j++ {
					en := d.ttl[randIntN(len(d.ttl))]
					if en.expireAt <= now {
						d.remove(en)
						sh.expired++
						expired++
					}
				}
				if expired*4 <= n || time.Now().After(deadline) {
					break
				}
			}
		}
		sh.mu.Unlock()
		if time.Now().After(deadline) {
			return
		}
	}
}
