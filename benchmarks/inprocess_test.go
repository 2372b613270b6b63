// Package benchmarks holds in-process Go benchmarks of cachee's command
// families through its three entry points, and the scripts comparing cachee
// with redis-server (compare.sh, chart/). Run:
//
//	go test -run '^$' -bench . -benchmem -cpu 1,2 ./benchmarks/
//
// These are the workload benchmarks of issue #6 (64k keys, the ratelimit
// pair, read-mostly scaling) through the typed API, Do and Exec. Each data
// family's own benchmarks, typed and via Do, single and parallel, live beside
// the root package's API (bench_*_test.go there).
package benchmarks_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/engine"
)

const nkeys = 1 << 16

var keys = func() []string {
	k := make([]string, nkeys)
	for i := range k {
		k[i] = "key:" + strconv.Itoa(i)
	}
	return k
}()

func open(b *testing.B) *cachee.DB {
	b.Helper()
	db, err := cachee.Open(cachee.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, k := range keys {
		if err := db.Set(ctx, k, "0123456789"); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// sink is the ReplyWriter `cachee bench --api exec` uses in spirit: it keeps
// nothing, so Exec's cost is the dispatcher and the data structure alone.
type sink struct{ errs int }

func (*sink) Proto() int              { return 2 }
func (*sink) Status(string)           {}
func (s *sink) Error(string)          { s.errs++ }
func (*sink) Int(int64)               {}
func (*sink) Bulk([]byte)             {}
func (*sink) BulkString(string)       {}
func (*sink) Null()                   {}
func (*sink) NullArray()              {}
func (*sink) Array(int)               {}
func (*sink) Map(int)                 {}
func (*sink) Set(int)                 {}
func (*sink) Push(int)                {}
func (*sink) Double(float64)          {}
func (*sink) Bool(bool)               {}
func (*sink) Verbatim(string, string) {}
func (*sink) Mark() int64             { return 0 }
func (*sink) Rollback(int64) bool     { return false }
func (s *sink) check(b *testing.B) {
	b.Helper()
	if s.errs > 0 {
		b.Fatalf("%d error replies", s.errs)
	}
}
func argv(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// execer runs prebuilt argvs through engine.Exec on one session.
type execer struct {
	e *engine.Engine
	s *engine.Session
	w sink
}

func newExecer(db *cachee.DB) *execer {
	e := db.Engine()
	return &execer{e: e, s: e.NewSession(engine.ConnInfo{}, false)}
}

func (x *execer) run(a [][]byte) { x.e.Exec(x.s, a, &x.w) }

// argvs prebuilds one command per key so the loop measures only Exec.
func argvs(f func(key string) [][]byte) [][][]byte {
	out := make([][][]byte, nkeys)
	for i, k := range keys {
		out[i] = f(k)
	}
	return out
}

func BenchmarkGet(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := db.Get(ctx, keys[i&(nkeys-1)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Do", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := db.Do(ctx, "GET", keys[i&(nkeys-1)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Exec", func(b *testing.B) {
		x, cmds := newExecer(db), argvs(func(k string) [][]byte { return argv("GET", k) })
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			x.run(cmds[i&(nkeys-1)])
		}
		x.w.check(b)
	})
}

func BenchmarkSet(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := db.Set(ctx, keys[i&(nkeys-1)], "0123456789"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Do", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := db.Do(ctx, "SET", keys[i&(nkeys-1)], "0123456789"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Exec", func(b *testing.B) {
		x, cmds := newExecer(db), argvs(func(k string) [][]byte { return argv("SET", k, "0123456789") })
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			x.run(cmds[i&(nkeys-1)])
		}
		x.w.check(b)
	})
}

func BenchmarkMSet10(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	pairs := make([]string, 0, 20)
	for i := range 10 {
		pairs = append(pairs, keys[i*997], "0123456789")
	}
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := db.MSet(ctx, pairs...); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Exec", func(b *testing.B) {
		x, cmd := newExecer(db), argv(append([]string{"MSET"}, pairs...)...)
		b.ReportAllocs()
		for b.Loop() {
			x.run(cmd)
		}
		x.w.check(b)
	})
	// Ten keys drawn from the 64k each time, as redis-benchmark's MSET:
	// their lookups miss the caches.
	b.Run("Exec-random", func(b *testing.B) {
		x := newExecer(db)
		cmds := make([][][]byte, 1024)
		for i := range cmds {
			args := []string{"MSET"}
			for j := range 10 {
				args = append(args, keys[(i*7919+j*104729)&(nkeys-1)], "0123456789")
			}
			cmds[i] = argv(args...)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			x.run(cmds[i&1023])
		}
		x.w.check(b)
	})
}

// BenchmarkRateLimit is the ratelimit scenario's request: INCR then EXPIRE
// of a per-user counter (issue #6's target: 300 ns in-process).
func BenchmarkRateLimit(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	b.Run("typed", func(b *testing.B) {
		rl := make([]string, 1024)
		for i := range rl {
			rl[i] = "rl:" + keys[i]
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			k := rl[i&1023]
			if _, err := db.Incr(ctx, k); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Expire(ctx, k, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Exec", func(b *testing.B) {
		x := newExecer(db)
		incr := argvs(func(k string) [][]byte { return argv("INCR", "rl:"+k) })
		expire := argvs(func(k string) [][]byte { return argv("EXPIRE", "rl:"+k, "60") })
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			x.run(incr[i&1023])
			x.run(expire[i&1023])
		}
		x.w.check(b)
	})
}

func BenchmarkPing(b *testing.B) {
	db := open(b)
	x, cmd := newExecer(db), argv("PING")
	b.ReportAllocs()
	for b.Loop() {
		x.run(cmd)
	}
	x.w.check(b)
}

// BenchmarkReadMostlyParallel is 9 GET : 1 SET over 64k keys from every P;
// run with -cpu 1,2: ns/op at -cpu 2 over ns/op at -cpu 1 is the scaling
// (issue #6's target: 2 goroutines >= 1.7x one).
func BenchmarkReadMostlyParallel(b *testing.B) {
	db := open(b)
	ctx := context.Background()
	var seed atomic.Uint64
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(7919))
			for pb.Next() {
				i++
				k := keys[(i*7919)&(nkeys-1)]
				if i%10 == 0 {
					_ = db.Set(ctx, k, "0123456789")
				} else if _, err := db.Get(ctx, k); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("Exec", func(b *testing.B) {
		gets := argvs(func(k string) [][]byte { return argv("GET", k) })
		sets := argvs(func(k string) [][]byte { return argv("SET", k, "0123456789") })
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			x := newExecer(db)
			i := int(seed.Add(7919))
			for pb.Next() {
				i++
				j := (i * 7919) & (nkeys - 1)
				if i%10 == 0 {
					x.run(sets[j])
				} else {
					x.run(gets[j])
				}
			}
			if x.w.errs > 0 {
				b.Errorf("%d error replies", x.w.errs)
			}
		})
	})
}
