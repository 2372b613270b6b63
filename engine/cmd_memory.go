package engine

import (
	"runtime"
	"runtime/debug"
	"strconv"
)

var memoryCommands = []cmdDef{
	{name: "memory|usage", handler: cmdMemoryUsage},
	{name: "memory|stats", handler: cmdMemoryStats, opts: lockAll},
	{name: "memory|doctor", handler: cmdMemoryDoctor},
	{name: "memory|malloc-stats", handler: cmdMemoryMallocStats},
	{name: "memory|purge", handler: cmdMemoryPurge},
	{name: "memory|help", handler: cmdMemoryHelp},
}

// MEMORY USAGE key [SAMPLES count]
//
// The bytes the key costs by cachee's accounting (the estimate maxmemory is
// enforced with). Values are measured exactly, so SAMPLES is accepted and
// has no effect.
func cmdMemoryUsage(c *Ctx) {
	for j := 3; j < len(c.argv); j += 2 {
		if !eqFold(c.argv[j], "samples") || j+1 == len(c.argv) {
			c.w.Error(ErrSyntax)
			return
		}
		n, ok := c.intArg(j + 1)
		if !ok {
			return
		}
		if n < 0 {
			c.w.Error(ErrSyntax)
			return
		}
	}
	e := c.lookupStat(c.argv[2])
	if e == nil {
		c.w.Null()
		return
	}
	n := entrySize + e.kvSize()
	if a, ok := e.value().(accounted); ok {
		n += a.memUsage()
	}
	c.w.Int(n)
}

// memStats is what MEMORY STATS and INFO report.
type memStats struct {
	used, peak, keys int64
	heap, sys        uint64
}

func (e *Engine) memStats() memStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := memStats{used: e.exactMemory(), peak: e.memPeak.Load(), heap: ms.HeapAlloc, sys: ms.Sys}
	s.peak = max(s.peak, s.used)
	return s
}

// MEMORY STATS
func cmdMemoryStats(c *Ctx) {
	st := c.e.memStats()
	var dbs []int
	var keys int64
	for db := range c.e.ks.shards[0].dbs {
		n := 0
		for i := range c.e.ks.shards {
			n += c.e.ks.shards[i].dbs[db].count
		}
		if n > 0 {
			dbs = append(dbs, db)
			keys += int64(n)
		}
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = st.used / keys
	}
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	c.w.Map(27 + len(dbs))
	ints := func(pairs ...any) {
		for i := 0; i < len(pairs); i += 2 {
			c.w.BulkString(pairs[i].(string))
			c.w.Int(pairs[i+1].(int64))
		}
	}
	ints("peak.allocated", st.peak, "total.allocated", st.used, "startup.allocated", int64(0),
		"replication.backlog", int64(0), "clients.slaves", int64(0), "clients.normal", int64(0),
		"cluster.links", int64(0), "aof.buffer", int64(0), "lua.caches", int64(0), "functions.caches", int64(0))
	for _, db := range dbs {
		c.w.BulkString("db." + strconv.Itoa(db))
		c.w.Map(3)
		buckets, ttl := int64(0), int64(0)
		for i := range c.e.ks.shards {
			d := &c.e.ks.shards[i].dbs[db]
			buckets += int64(d.size()) * 8
			ttl += int64(cap(d.ttl)) * 16
		}
		ints("overhead.hashtable.main", buckets, "overhead.hashtable.expires", ttl, "overhead.hashtable.slot-to-keys", int64(0))
	}
	ints("overhead.total", int64(0), "keys.count", keys, "keys.bytes-per-key", perKey, "dataset.bytes", st.used)
	c.w.BulkString("dataset.percentage")
	c.w.Double(100 * ratio(float64(st.used), float64(st.used)))
	c.w.BulkString("peak.percentage")
	c.w.Double(100 * ratio(float64(st.used), float64(st.peak)))
	ints("allocator.allocated", int64(st.heap), "allocator.active", int64(st.heap), "allocator.resident", int64(st.sys))
	c.w.BulkString("allocator-fragmentation.ratio")
	c.w.Double(1)
	ints("allocator-fragmentation.bytes", int64(0))
	c.w.BulkString("allocator-rss.ratio")
	c.w.Double(ratio(float64(st.sys), float64(st.heap)))
	ints("allocator-rss.bytes", int64(st.sys)-int64(st.heap))
	c.w.BulkString("rss-overhead.ratio")
	c.w.Double(1)
	ints("rss-overhead.bytes", int64(0))
	c.w.BulkString("fragmentation")
	c.w.Double(ratio(float64(st.sys), float64(st.used)))
	ints("fragmentation.bytes", int64(st.sys)-st.used)
}

// MEMORY DOCTOR
func cmdMemoryDoctor(c *Ctx) {
	st := c.e.memStats()
	if st.used < 5<<20 {
		c.w.Verbatim("txt", "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
		return
	}
	if max := c.e.conf().MaxMemory; max > 0 && st.used > max {
		c.w.Verbatim("txt", "Sam, I detected a few issues in this Redis instance memory implants:\n\n * High memory usage: the dataset is over maxmemory and keys are being evicted or writes refused; raise maxmemory or choose an eviction policy.\n\nI'm here to keep you safe, Sam. I want to help you.\n")
		return
	}
	c.w.Verbatim("txt", "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n")
}

// MEMORY MALLOC-STATS
func cmdMemoryMallocStats(c *Ctx) {
	c.w.Verbatim("txt", "Stats not supported for the current allocator")
}

// MEMORY PURGE
func cmdMemoryPurge(c *Ctx) {
	debug.FreeOSMemory()
	c.w.Status("OK")
}

// MEMORY HELP
func cmdMemoryHelp(c *Ctx) {
	c.help("MEMORY",
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).")
}
