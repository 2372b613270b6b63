package cachee_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/cachee/cachee"
)

// In-process hash benchmarks (go test -run '^$' -bench 'HSet|HGet|Hash' -benchmem .):
// the typed HSet/HGet/HGetAll (engine data operations) beside the same
// commands through Do, on hashes of 4 fields (found by a linear scan) and 16
// (found through the index).

// hashBench opens a DB whose hash "user:1" holds n fields (when fill is set)
// and returns it with the field names, the timer reset.
func hashBench(b *testing.B, n int, fill bool) (*cachee.DB, []string) {
	db := benchDB(b)
	fields := make([]string, n)
	for i := range fields {
		fields[i] = "field:" + strconv.Itoa(i)
		if fill {
			db.HSet(context.Background(), "user:1", fields[i], "value-of-sixteen")
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	return db, fields
}

func BenchmarkHSet(b *testing.B) {
	for _, n := range []int{4, 16} {
		b.Run(strconv.Itoa(n)+"fields", func(b *testing.B) {
			db, fields := hashBench(b, n, false)
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				if _, err := db.HSet(ctx, "user:1", fields[i%n], "value-of-sixteen"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHGet(b *testing.B) {
	for _, n := range []int{4, 16} {
		b.Run(strconv.Itoa(n)+"fields", func(b *testing.B) {
			db, fields := hashBench(b, n, true)
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				if _, err := db.HGet(ctx, "user:1", fields[i%n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHSetNewFields adds fresh fields to 1024 growing hashes (each ends
// with b.N/1024 fields): the insert path with index growth, and with data
// beyond the CPU caches at large b.N.
func BenchmarkHSetNewFields(b *testing.B) {
	db, fields := hashBench(b, 1<<16, false)
	ctx := context.Background()
	keys := benchKeys(1024)
	for i := 0; i < b.N; i++ {
		db.HSet(ctx, keys[i&1023], fields[(i>>10)&(1<<16-1)], "v")
	}
}

func BenchmarkDoHSet(b *testing.B) {
	db, fields := hashBench(b, 16, false)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		db.Do(ctx, "HSET", "user:1", fields[i&15], "value-of-sixteen")
	}
}

func BenchmarkDoHGet(b *testing.B) {
	db, fields := hashBench(b, 16, true)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		db.Do(ctx, "HGET", "user:1", fields[i&15])
	}
}

func BenchmarkHGetAll(b *testing.B) {
	db, _ := hashBench(b, 16, true)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := db.HGetAll(ctx, "user:1"); err != nil {
			b.Fatal(err)
		}
	}
}

// Parallel HGET/HSET mix (90/10) over many small hashes: the sharded keyspace
// should scale across both cores.
func BenchmarkParallelHGetHSet(b *testing.B) {
	db, fields := hashBench(b, 8, false)
	ctx := context.Background()
	keys := benchKeys(1 << 14)
	for _, k := range keys {
		db.HSet(ctx, k, fields[0], "v", fields[1], "v")
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			k := keys[i&(1<<14-1)]
			if i%10 == 0 {
				db.HSet(ctx, k, fields[i&7], "v2")
			} else {
				db.HGet(ctx, k, fields[i&1])
			}
			i += 7
		}
	})
}
