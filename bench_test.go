package cachee_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/cachee/cachee"
)

// In-process benchmarks; docs/performance.md records the numbers and the
// command that produced them: go test -run '^$' -bench . -benchmem .

func benchDB(b *testing.B) *cachee.DB {
	db, err := cachee.Open(cachee.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func BenchmarkGetHit(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	db.Set(ctx, "key:1", "value-of-sixteen")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Get(ctx, "key:1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetHitTTL is GetHit on a key with a TTL, as a cache's: the read
// also checks the expiry.
func BenchmarkGetHitTTL(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	db.Set(ctx, "key:1", "value-of-sixteen", cachee.SetOptions{TTL: time.Hour})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Get(ctx, "key:1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	keys := benchKeys(1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Set(ctx, keys[i&1023], "value-of-sixteen")
	}
}

func BenchmarkIncr(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := db.Incr(ctx, "counter"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoGet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	db.Set(ctx, "key:1", "value-of-sixteen")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "GET", "key:1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoSet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	keys := benchKeys(1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Do(ctx, "SET", keys[i&1023], "value-of-sixteen")
	}
}

func BenchmarkDoIncr(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		db.Do(ctx, "INCR", "counter")
	}
}

// Parallel GET/SET mix over many keys: the sharded keyspace should scale
// across both cores.
func BenchmarkParallelGetSet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	keys := benchKeys(1 << 16)
	for _, k := range keys {
		db.Set(ctx, k, "v")
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			k := keys[i&(1<<16-1)]
			if i%10 == 0 {
				db.Set(ctx, k, "v2")
			} else {
				db.Get(ctx, k)
			}
			i += 7
		}
	})
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	return keys
}
