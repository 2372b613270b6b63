package engine

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// exactMem recomputes every dict's bytes from scratch: what the accounting
// must equal after every command.
func (e *Engine) exactMem() (sum, counted int64) {
	e.ks.lockAll()
	defer e.ks.unlockAll()
	for i := range e.ks.shards {
		sh := &e.ks.shards[i]
		for db := range sh.dbs {
			d := &sh.dbs[db]
			counted += d.mem
			d.each(func(en *entry) {
				sum += entrySize + en.kvSize()
				if a, ok := en.value().(accounted); ok {
					sum += a.memUsage()
				}
			})
		}
	}
	return sum, counted
}

// flushMem publishes every shard's pending bytes to the total.
func (e *Engine) flushMem() {
	e.ks.lockAll()
	defer e.ks.unlockAll()
	for i := range e.ks.shards {
		e.memTotal.Add(e.ks.shards[i].memPending.Swap(0))
	}
}

// TestMemoryAccountingIsExact runs random commands of every family and
// checks after each that the accounting equals a recount of every value.
func TestMemoryAccountingIsExact(t *testing.T) {
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(3, 4))
	k := func() string { return "k" + strconv.Itoa(rng.IntN(12)) }
	v := func() string { return string(make([]byte, rng.IntN(80))) }
	n := func() string { return strconv.Itoa(rng.IntN(20)) }
	cmds := []func() []string{
		func() []string { return []string{"set", k(), v()} },
		func() []string { return []string{"append", k(), v()} },
		func() []string { return []string{"incr", k()} },
		func() []string { return []string{"incrbyfloat", k(), "1.5"} },
		func() []string { return []string{"setrange", k(), n(), v()} },
		func() []string { return []string{"del", k()} },
		func() []string { return []string{"rename", k(), k()} },
		func() []string { return []string{"copy", k(), k(), "replace"} },
		func() []string { return []string{"move", k(), "1"} },
		func() []string { return []string{"expire", k(), "0"} },
		func() []string { return []string{"hset", k(), n(), v(), n(), v()} },
		func() []string { return []string{"hdel", k(), n()} },
		func() []string { return []string{"hincrby", k(), n(), "3"} },
		func() []string { return []string{"sadd", k(), n(), v()} },
		func() []string { return []string{"srem", k(), n()} },
		func() []string { return []string{"spop", k(), "2"} },
		func() []string { return []string{"sunionstore", k(), k(), k()} },
		func() []string { return []string{"sinterstore", k(), k(), k()} },
		func() []string { return []string{"rpush", k(), v(), v()} },
		func() []string { return []string{"lpush", k(), n()} },
		func() []string { return []string{"lpop", k(), "3"} },
		func() []string { return []string{"lset", k(), "0", v()} },
		func() []string { return []string{"linsert", k(), "before", n(), v()} },
		func() []string { return []string{"lrem", k(), "0", n()} },
		func() []string { return []string{"ltrim", k(), "1", "-2"} },
		func() []string { return []string{"lmove", k(), k(), "left", "right"} },
		func() []string { return []string{"zadd", k(), n(), v()} },
		func() []string { return []string{"zrem", k(), v()} },
		func() []string { return []string{"zunionstore", k(), "2", k(), k()} },
		func() []string { return []string{"flushdb"} },
	}
	for i := 0; i < 5000; i++ {
		args := cmds[rng.IntN(len(cmds))]()
		if args[0] == "flushdb" && rng.IntN(20) != 0 {
			continue
		}
		h.reply(args...)
		if sum, counted := h.e.exactMem(); sum != counted {
			t.Fatalf("after %q: accounted %d, recount %d", args, counted, sum)
		}
	}
	sum, _ := h.e.exactMem()
	h.e.flushMem()
	if got := h.e.usedMemory(); got != sum {
		t.Errorf("engine total %d, recount %d", got, sum)
	}
}

// TestMaxmemoryBoundsTheDataset writes ten times maxmemory of strings,
// hashes, sorted sets, lists and sets under allkeys-lru: the accounting stays within 5% of the limit and
// agrees with the Go heap the dataset really takes.
func TestMaxmemoryBoundsTheDataset(t *testing.T) {
	// The command table (shared by every engine) is loaded before the heap
	// is measured.
	New(Config{}).Close()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	const limit = 2 << 20
	e := New(Config{MaxMemory: limit, MaxMemoryPolicy: "allkeys-lru"})
	defer e.Close()
	s := e.NewSession(ConnInfo{}, false)
	val := string(make([]byte, 100))
	over := int64(0)
	for i := 0; e.evict.evicted.Load() == 0 || i < 10*limit/180; i++ {
		k := "key:" + strconv.Itoa(i)
		switch i % 6 {
		case 0:
			execArgs(e, s, "HSET", k, "a", val, "b", val)
		case 1:
			execArgs(e, s, "ZADD", k, "1", "m1", "2", "m2:"+val[:30], "3", "m3")
		case 2:
			execArgs(e, s, "RPUSH", k, val, "x", "y")
		case 3:
			execArgs(e, s, "SADD", k, "1", "2", val)
		default:
			execArgs(e, s, "SET", k, val)
		}
		if u := e.usedMemory(); u > over {
			over = u
		}
	}
	if over > limit*105/100 {
		t.Errorf("used memory reached %d, more than 5%% over the limit %d", over, limit)
	}
	if ev := e.evict.evicted.Load(); ev == 0 {
		t.Fatal("nothing was evicted")
	}
	e.flushMem()
	used := e.usedMemory()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	heap := int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
	t.Logf("accounted %d, Go heap growth %d (%.2f), %d evicted", used, heap, float64(heap)/float64(used), e.evict.evicted.Load())
	if heap < used*8/10 || heap > used*12/10 {
		t.Errorf("accounting %d is not within 20%% of the heap it takes, %d", used, heap)
	}
}

// TestEvictionPolicies checks that each policy picks its victims: LRU keeps
// the keys used recently, LFU the keys used often, volatile policies only
// take keys with a TTL, volatile-ttl the soonest to expire.
func TestEvictionPolicies(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-ttl", "allkeys-random", "volatile-random"} {
		t.Run(policy, func(t *testing.T) {
			h := newHarness(t)
			h.check("config set maxmemory-policy "+policy, "+OK")
			h.check("config set maxmemory-eviction-tenacity 100", "+OK") // no time limit
			val := string(make([]byte, 200))
			volatile := policy[0] == 'v'
			for i := range 2000 {
				k := "k" + strconv.Itoa(i)
				switch {
				case volatile && i%2 == 0:
					h.reply("set", k, val) // no TTL: never evicted
				case volatile:
					h.reply("set", k, val, "px", strconv.Itoa(1_000_000+i*1000))
				default:
					h.reply("set", k, val)
				}
			}
			h.clock.advance(30 * time.Second)
			// The hot keys: the last 200, read now (and often, for LFU).
			for round := 0; round < 20; round++ {
				for i := 1800; i < 2000; i++ {
					h.reply("get", "k"+strconv.Itoa(i))
				}
			}
			h.e.flushMem()
			used := h.e.usedMemory()
			h.check("config set maxmemory "+strconv.FormatInt(used*3/4, 10), "+OK")
			h.check("set trigger x", "+OK")
			alive := func(from, to, step int) (n int) {
				for i := from; i < to; i += step {
					if h.do("exists", "k"+strconv.Itoa(i)) == ":1" {
						n++
					}
				}
				return n
			}
			evicted := h.e.evict.evicted.Load()
			if evicted < 300 {
				t.Fatalf("only %d keys evicted", evicted)
			}
			switch policy {
			case "allkeys-lru", "allkeys-lfu":
				if hot := alive(1800, 2000, 1); hot < 190 {
					t.Errorf("%d of 200 hot keys survived", hot)
				}
			case "volatile-lru":
				if hot := alive(1801, 2000, 2); hot < 95 {
					t.Errorf("%d of 100 hot volatile keys survived", hot)
				}
			case "volatile-ttl":
				// The latest expiries survive, the soonest go.
				if late, early := alive(1601, 2000, 2), alive(1, 400, 2); late < 190 || early > 20 {
					t.Errorf("volatile-ttl: %d of 200 late-expiring keys alive, %d of 200 early ones", late, early)
				}
			}
			if volatile {
				if n := alive(0, 2000, 2); n != 1000 {
					t.Errorf("%s evicted %d keys without a TTL", policy, 1000-n)
				}
			}
		})
	}
}
