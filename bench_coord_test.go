package cachee_test

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/engine"
)

// In-process benchmarks of transactions and pub/sub
// (go test -run '^$' -bench 'MultiExec|Publish' -benchmem .).

// BenchmarkMultiExec3 is MULTI, three commands and EXEC on a dedicated Conn:
// five calls, the three queued and then run under one lock set.
func BenchmarkMultiExec3(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	c := db.Conn()
	defer c.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Do(ctx, "MULTI")
		c.Do(ctx, "SET", "tx:a", "value-of-sixteen")
		c.Do(ctx, "INCR", "tx:n")
		c.Do(ctx, "GET", "tx:a")
		if v, err := c.Do(ctx, "EXEC"); err != nil || v.Kind() != engine.KindArray {
			b.Fatalf("EXEC: %v %v", v, err)
		}
	}
}

// BenchmarkWatchMultiExec is the optimistic-lock round: WATCH, GET, MULTI,
// SET, EXEC, with nobody interfering.
func BenchmarkWatchMultiExec(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	c := db.Conn()
	defer c.Close()
	db.Set(ctx, "tx:k", "1")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Do(ctx, "WATCH", "tx:k")
		c.Do(ctx, "GET", "tx:k")
		c.Do(ctx, "MULTI")
		c.Do(ctx, "SET", "tx:k", "2")
		if v, err := c.Do(ctx, "EXEC"); err != nil || v.IsNil() {
			b.Fatalf("EXEC: %v %v", v, err)
		}
	}
}

// BenchmarkPublish1Subscriber is PUBLISH reaching one in-process subscriber,
// an engine session that a goroutine drains whenever it is woken.
func BenchmarkPublish1Subscriber(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	e := db.Engine()
	sub := e.NewSession(engine.ConnInfo{}, false)
	defer sub.Close()
	wake := make(chan struct{}, 1)
	var received atomic.Int64
	done := make(chan struct{})
	sub.EnablePush(func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}, false)
	go func() {
		var msgs []engine.Message
		for {
			select {
			case <-done:
				return
			case <-wake:
				msgs = sub.TakeMessages(msgs)
				received.Add(int64(len(msgs)))
			}
		}
	}()
	e.Exec(sub, [][]byte{[]byte("SUBSCRIBE"), []byte("news")}, engine.NewCapture(2))
	defer close(done)
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n, err := db.Publish(ctx, "news", "value-of-sixteen"); err != nil || n != 1 {
				b.Fatalf("PUBLISH reached %d subscribers: %v", n, err)
			}
		}
	})
	b.Run("Do", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if n, err := db.Do(ctx, "PUBLISH", "news", "value-of-sixteen"); err != nil {
				b.Fatal(err)
			} else if k, _ := n.Int(); k != 1 {
				b.Fatalf("PUBLISH reached %d subscribers", k)
			}
		}
	})
}

// BenchmarkTxPipelined3 is the same transaction through the one-call API:
// MULTI, three commands and EXEC in one round of the in-process overhead.
func BenchmarkTxPipelined3(b *testing.B) { benchTxPipelined3(b, benchDB(b)) }

// BenchmarkTxPipelined3Loaded is TxPipelined3 on a database holding 1 M
// keys, as a cache does: with a live heap of ~100 MB instead of ~1 MB, the
// GC runs about a hundred times less often.
func BenchmarkTxPipelined3Loaded(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for i := range 1_000_000 {
		if err := db.Set(ctx, "key:"+strconv.Itoa(i), "value-of-sixteen"); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	benchTxPipelined3(b, db)
}

func benchTxPipelined3(b *testing.B, db *cachee.DB) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vals, err := db.TxPipelined(ctx, func(p *cachee.Pipe) error {
			p.Do("SET", "tx:a", "value-of-sixteen")
			p.Do("INCR", "tx:n")
			p.Do("GET", "tx:a")
			return nil
		})
		if err != nil || len(vals) != 3 {
			b.Fatalf("TxPipelined: %v %v", vals, err)
		}
	}
}

// BenchmarkTxPipelined3Typed is TxPipelined3 with the Pipe's typed methods,
// on keys that are not constants (Do boxes each such string: an allocation).
func BenchmarkTxPipelined3Typed(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	keys := []string{"tx:a", "tx:n"}
	b.ReportAllocs()
	for b.Loop() {
		a, n := keys[0], keys[1]
		vals, err := db.TxPipelined(ctx, func(p *cachee.Pipe) error {
			p.Set(a, "value-of-sixteen")
			p.Incr(n)
			p.Get(a)
			return nil
		})
		if err != nil || len(vals) != 3 {
			b.Fatalf("TxPipelined: %v %v", vals, err)
		}
	}
}
