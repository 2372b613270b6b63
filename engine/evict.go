package engine

import (
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Eviction under maxmemory, as Redis's performEvictions: before a command
// runs, while the dataset is over maxmemory, keys are evicted by the policy;
// if nothing can be evicted (noeviction, or no key the policy may take) a
// command flagged denyoom is refused with -OOM and everything else runs.
//
// The LRU, LFU and TTL policies approximate the ideal victim as Redis does:
// each round samples maxmemory-samples keys (from one random shard, which is
// a uniform sample of the keyspace) into a pool of the 16 best candidates
// seen so far, then evicts the best one that still exists. Sampling keeps the
// cost per eviction constant whatever the number of keys.

// evictPoolSize is Redis's EVPOOL_SIZE.
const evictPoolSize = 16

type evictCand struct {
	score uint64
	db    int
	key   string
}

// evictor is the engine's eviction state; mu serialises evictions and is
// taken before any shard lock.
type evictor struct {
	mu   sync.Mutex
	pool []evictCand // ascending score: the best candidate is last
	// evicted counts keys evicted (INFO evicted_keys).
	evicted atomic.Int64
}

// evictionTimeLimit is how long one call may evict (Redis's
// evictionTimeLimitUs: 50 us per tenacity point up to 10, then growing
// exponentially; 100 means no limit).
func evictionTimeLimit(tenacity int) time.Duration {
	switch {
	case tenacity <= 10:
		return time.Duration(50*tenacity) * time.Microsecond
	case tenacity < 100:
		d := 500.0
		for i := 10; i < tenacity; i++ {
			d *= 1.15
		}
		return time.Duration(d) * time.Microsecond
	}
	return time.Duration(1<<62 - 1)
}

// performEvictions evicts until the dataset fits maxmemory and reports false
// when it cannot (so denyoom commands must be refused). It must be called
// holding no shard lock. Like Redis, it gives up after its time budget with
// memory still over the limit but some evicted, and lets the command run.
func (e *Engine) performEvictions() bool {
	cfg := e.conf()
	if cfg.MaxMemory == 0 || !e.overMaxmemory(cfg.MaxMemory) {
		return true
	}
	if cfg.policy == policyNoEviction {
		return false
	}
	ev := &e.evict
	ev.mu.Lock()
	defer ev.mu.Unlock()
	deadline := time.Now().Add(evictionTimeLimit(cfg.MaxMemoryEvictionTenacity))
	for n := 0; e.overMaxmemory(cfg.MaxMemory); n++ {
		if !e.evictOne(cfg) {
			return false
		}
		if n%16 == 15 && time.Now().After(deadline) {
			return true
		}
	}
	return true
}

// evictOne evicts one key chosen by the policy; false if there is none.
func (e *Engine) evictOne(cfg *Config) bool {
	ks := e.ks
	if cfg.policy == policyAllkeysRandom || cfg.policy == policyVolatileRandom {
		start := rand.IntN(len(ks.shards))
		for i := range ks.shards {
			sh := &ks.shards[(start+i)%len(ks.shards)]
			sh.lock()
			for db := range sh.dbs {
				d := &sh.dbs[db]
				var victim *entry
				switch {
				case cfg.policy.volatile() && len(d.ttl) > 0:
					victim = d.ttl[rand.IntN(len(d.ttl))].e
				case !cfg.policy.volatile() && d.count > 0:
					victim = d.random()
				}
				if victim != nil {
					e.evictEntry(sh, d, victim, db)
					sh.unlock()
					return true
				}
			}
			sh.unlock()
		}
		return false
	}
	ev := &e.evict
	// Sample one random shard per round; a few rounds if the shards met
	// first are empty.
	for round := 0; round < 8 && len(ev.pool) < evictPoolSize; round++ {
		e.populatePool(cfg, &ks.shards[rand.IntN(len(ks.shards))])
	}
	if len(ev.pool) == 0 {
		// Small keyspaces: look at every shard before giving up.
		for i := range ks.shards {
			e.populatePool(cfg, &ks.shards[i])
		}
	}
	for len(ev.pool) > 0 {
		c := ev.pool[len(ev.pool)-1]
		ev.pool = ev.pool[:len(ev.pool)-1]
		h := ks.hash(unsafeBytes(c.key))
		sh := &ks.shards[ks.shardOf(h)]
		sh.lock()
		d := &sh.dbs[c.db]
		if en := d.find(h, unsafeBytes(c.key)); en != nil && (!cfg.policy.volatile() || en.ttlIdx >= 0) {
			e.evictEntry(sh, d, en, c.db)
			sh.unlock()
			return true
		}
		sh.unlock()
	}
	return false
}

// populatePool samples keys of shard sh (every database) into the pool.
func (e *Engine) populatePool(cfg *Config, sh *shard) {
	sh.lock()
	defer sh.unlock()
	for db := range sh.dbs {
		d := &sh.dbs[db]
		for range cfg.MaxMemorySamples {
			var en *entry
			switch {
			case cfg.policy.volatile() && len(d.ttl) > 0:
				en = d.ttl[rand.IntN(len(d.ttl))].e
			case !cfg.policy.volatile() && d.count > 0:
				en = d.random()
			}
			if en == nil {
				break
			}
			e.poolInsert(evictCand{score: e.evictScore(cfg.policy, en, d.expireOf(en)), db: db, key: en.key()})
		}
	}
}

// poolInsert keeps the evictPoolSize best candidates, without duplicates.
func (e *Engine) poolInsert(c evictCand) {
	ev := &e.evict
	for i, o := range ev.pool {
		if o.db == c.db && o.key == c.key {
			ev.pool = append(ev.pool[:i], ev.pool[i+1:]...)
			break
		}
	}
	if len(ev.pool) == evictPoolSize && c.score <= ev.pool[0].score {
		return
	}
	i := sort.Search(len(ev.pool), func(i int) bool { return ev.pool[i].score > c.score })
	ev.pool = append(ev.pool, evictCand{})
	copy(ev.pool[i+1:], ev.pool[i:])
	ev.pool[i] = c
	if len(ev.pool) > evictPoolSize {
		ev.pool = ev.pool[1:]
	}
}

// evictEntry deletes en from database db of shard sh (locked) as Redis's
// eviction does: WATCHers signalled and an "evicted" event.
func (e *Engine) evictEntry(sh *shard, d *dict, en *entry, db int) {
	d.remove(en)
	e.account(sh, d, -en.counted())
	en.flags |= flagGone
	e.evict.evicted.Add(1)
	key := en.keyBytes()
	e.touchWatched(key, db)
	e.notifyDB(nil, notifyEvicted, "evicted", key, db)
}
