package engine

import (
	"math"
	"math/rand/v2"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// Memory accounting: every database dict keeps the bytes its keys and values
// use (dict.mem) by our estimate of their Go heap cost: the entry, the
// key/value allocation, and for aggregates an estimate each value type keeps
// current in O(1) as it changes (memUsage). The engine total that maxmemory
// is checked against (usedMemory) gathers the dicts' changes in batches small
// enough to keep it within 1/64 of maxmemory, so checking it costs one atomic
// load.
//
// Aggregates change inside their handlers, which do not report sizes: the
// dispatcher reconciles, after each command, the entries the command looked
// up for writing or created (Ctx.noteWrite), adding the difference between
// their current estimate and what was last counted (memAcct.acct).

// memAcct is embedded in every aggregate value: bytes is the value's own
// element bytes, kept by its methods; acct is what the accounting last
// counted for the whole value.
type memAcct struct{ bytes, acct int64 }

func (m *memAcct) account() *memAcct { return m }

// accounted is what aggregates implement (memAcct and memUsage).
type accounted interface {
	memUsage() int64
	account() *memAcct
}

// stringAlloc is the average rounding of a string's bytes up to its
// allocation size class, counted once per stored string of an aggregate.
const stringAlloc = 8

// counted is what the accounting counts for e now.
func (e *entry) counted() int64 {
	n := entrySize + e.kvSize()
	if a, ok := e.value().(accounted); ok {
		n += a.account().acct
	}
	return n
}

// account adds delta to database d (in shard sh, locked) and, in batches,
// to the engine total.
func (e *Engine) account(sh *shard, d *dict, delta int64) {
	d.mem += delta
	p := sh.memPending.Add(delta)
	if q := e.memQ.Load(); p > q || p < -q {
		total := e.memTotal.Add(sh.memPending.Swap(0))
		for peak := e.memPeak.Load(); total > peak && !e.memPeak.CompareAndSwap(peak, total); peak = e.memPeak.Load() {
		}
	}
}

// memQuantum is how far a shard's unpublished changes may go before they
// reach the engine total: 1/64 of maxmemory over all shards, between 512
// bytes and 64 KB a shard. It is kept in memQ, set with the settings.
func (e *Engine) memQuantum(c *Config) int64 {
	return min(max(c.MaxMemory/64/int64(len(e.ks.shards)), 512), 64<<10)
}

// flushDict empties database db of shard sh (locked), taking its bytes out
// of the accounting.
func (e *Engine) flushDict(sh *shard, db int) {
	d := &sh.dbs[db]
	e.account(sh, d, -d.mem)
	*d = dict{}
}

// usedMemory is the dataset's bytes by our accounting, within 1/64 of
// maxmemory of the exact sum.
func (e *Engine) usedMemory() int64 { return e.memTotal.Load() }

// exactMemory is usedMemory plus what the shards have not published yet.
func (e *Engine) exactMemory() int64 {
	n := e.memTotal.Load()
	for i := range e.ks.shards {
		n += e.ks.shards[i].memPending.Load()
	}
	return n
}

// overMaxmemory reports whether the dataset exceeds max. Near the limit,
// where the total's batching could hide the answer, it adds the bytes the
// shards have not published yet.
func (e *Engine) overMaxmemory(max int64) bool {
	used := e.usedMemory()
	if used > max {
		return true
	}
	if used+int64(len(e.ks.shards))*e.memQ.Load() <= max {
		return false
	}
	return e.exactMemory() > max
}

// reconcile brings the accounting of e (in database db) up to date with its
// value's estimate.
func (c *Ctx) reconcile(e *entry, db int) {
	a, ok := e.value().(accounted)
	if !ok || e.flags&flagGone != 0 {
		return
	}
	m := a.account()
	if u := a.memUsage(); u != m.acct {
		sh, d := c.slotOf(e, db)
		c.e.account(sh, d, u-m.acct)
		m.acct = u
	}
}

// noteWrite records an entry the command may change, for reconcile after it.
// An entry already recorded is not recorded again.
func (c *Ctx) noteWrite(e *entry, db int) {
	for _, w := range c.written[:min(c.nwritten, len(c.written))] {
		if w.e == e {
			return
		}
	}
	if c.nwritten < len(c.written) {
		c.written[c.nwritten] = writtenEntry{e, db}
	}
	c.nwritten++
}

type writtenEntry struct {
	e  *entry
	db int
}

// forgetWritten drops the entries the command noted, one pointer store each
// (clearing the whole array takes the GC's slower bulk write barrier).
func (c *Ctx) forgetWritten() {
	for i := range min(c.nwritten, len(c.written)) {
		c.written[i].e = nil
	}
}

// reconcileWritten reconciles the entries the command noted; when it noted
// more than Ctx keeps, it reconciles every key of the command instead. A
// typed call (no cmd) changes one key, whose entry noteWrite records once.
func (c *Ctx) reconcileWritten() {
	if c.nwritten <= len(c.written) || c.cmd == nil {
		for _, w := range c.written[:min(c.nwritten, len(c.written))] {
			c.reconcile(w.e, w.db)
		}
		return
	}
	pos, err := c.cmd.Spec.KeyPositions(c.argv, nil)
	if err != nil {
		return
	}
	for _, p := range pos {
		h := c.hash(c.argv[p])
		if _, d := c.slot(h, c.db); d.count > 0 {
			if e := d.find(h, c.argv[p]); e != nil {
				c.reconcile(e, c.db)
			}
		}
	}
}

// Eviction policies (maxmemory-policy), in Redis's order of names.
type evictPolicy uint8

const (
	policyNoEviction evictPolicy = iota
	policyAllkeysLRU
	policyAllkeysLFU
	policyAllkeysRandom
	policyVolatileLRU
	policyVolatileLFU
	policyVolatileRandom
	policyVolatileTTL
)

var policyNames = [...]string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

func (p evictPolicy) String() string { return policyNames[p] }

func (p evictPolicy) lfu() bool      { return p == policyAllkeysLFU || p == policyVolatileLFU }
func (p evictPolicy) volatile() bool { return p >= policyVolatileLRU }

// errPolicy is CONFIG SET's reason for an unknown maxmemory-policy.
const errPolicy = "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"

func parsePolicy(s string) (evictPolicy, bool) {
	for i, n := range policyNames {
		if equalFoldString(s, n) {
			return evictPolicy(i), true
		}
	}
	return 0, false
}

func equalFoldString(a, b string) bool { return len(a) == len(b) && eqFold([]byte(a), b) }

// LFU as Redis's: the access field holds the minute of the last decrement
// (16 bits) and a logarithmic counter (8 bits) that starts at lfuInit.
const lfuInit = 5

func (e *Engine) lfuMinutes() uint32 { return uint32(e.coarseMs()/60000) & 0xffff }

// lfuDecay is the entry's counter after the decay for the minutes elapsed
// since its last access (LFUDecrAndReturn).
func (e *Engine) lfuDecay(en *entry) uint32 {
	ldt, counter := en.access>>8, en.access&0xff
	if t := uint32(e.conf().LFUDecayTime); t > 0 {
		now := e.lfuMinutes()
		elapsed := now - ldt
		if now < ldt {
			elapsed = 0xffff - ldt + now
		}
		if periods := elapsed / t; periods > 0 {
			counter = uint32(max(int64(counter)-int64(periods), 0))
		}
	}
	return counter
}

// lfuIncr is LFULogIncr: the counter grows with probability
// 1/((counter-lfuInit)*lfu-log-factor+1).
func (e *Engine) lfuIncr(counter uint32) uint32 {
	if counter == 255 {
		return 255
	}
	base := max(float64(counter)-lfuInit, 0)
	if rand.Float64() < 1/(base*float64(e.conf().LFULogFactor)+1) {
		counter++
	}
	return counter
}

// initAccess is a new value's access field under the current policy.
func (e *Engine) initAccess() uint32 {
	if e.conf().policy.lfu() {
		return e.lfuMinutes()<<8 | lfuInit
	}
	return e.lruClock()
}

// recordAccess updates an entry's LRU time or LFU counter.
func (e *Engine) recordAccess(en *entry) {
	if e.conf().policy.lfu() {
		en.access = e.lfuMinutes()<<8 | e.lfuIncr(e.lfuDecay(en))
		return
	}
	if now := e.lruClock(); en.access != now { // a read leaves the entry's cache line clean
		en.access = now
	}
}

// evictScore ranks en for eviction under policy p: higher goes first (Redis's
// idle in evictionPoolPopulate: idle time, 255-frequency, or time to expiry
// reversed).
func (e *Engine) evictScore(p evictPolicy, en *entry, expireAt int64) uint64 {
	switch p {
	case policyAllkeysLFU, policyVolatileLFU:
		return 255 - uint64(e.lfuDecay(en))
	case policyVolatileTTL:
		return math.MaxUint64 - uint64(expireAt)
	}
	return uint64(max(int64(e.lruClock())-int64(en.access), 0))
}

// deniedOOM reports whether cmd must be refused while memory is over
// maxmemory and cannot be freed (Redis's processCommand): commands flagged
// denyoom, any command but EXEC, DISCARD, QUIT and RESET inside MULTI (the
// queue itself takes memory), and EXEC of a transaction holding a denyoom
// command.
func (s *Session) deniedOOM(cmd *Command) bool {
	if cmd.Spec.Has(cmdspec.DenyOOM) {
		return true
	}
	if s.multi != nil && cmd.opts&oomExempt == 0 {
		return true
	}
	if cmd.opts&isExec != 0 && s.multi != nil {
		for _, q := range s.multi.queue {
			if q.cmd.Spec.Has(cmdspec.DenyOOM) {
				return true
			}
		}
	}
	return false
}
