package cachee_test

import (
	"context"
	"strconv"
	"testing"
)

// In-process hash benchmarks (go test -run '^$' -bench Hash -benchmem .):
// the typed HSet/HGet (engine data operations) beside the same commands
// through Do, on a hash of 16 fields (indexed) and one of 4 (linear scan).

func benchHash(b *testing.B, fields int) []string {
	names := make([]string, fields)
	for i := range names {
		names[i] = "field:" + strconv.Itoa(i)
	}
	return names
}

func BenchmarkHSet(b *testing.B) {
	for _, n := range []int{4, 16} {
		b.Run(strconv.Itoa(n)+"fields", func(b *testing.B) {
			db := benchDB(b)
			ctx := context.Background()
			fields := benchHash(b, n)
			b.ReportAllocs()
			b.ResetTimer()
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
			db := benchDB(b)
			ctx := context.Background()
			fields := benchHash(b, n)
			for _, f := range fields {
				db.HSet(ctx, "user:1", f, "value-of-sixteen")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.HGet(ctx, "user:1", fields[i%n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHSetNewFields adds fresh fields to growing hashes (1024 keys,
// so each grows to b.N/1024 fields): the insert path, index growth included.
func BenchmarkHSetNewFields(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	keys := benchKeys(1024)
	fields := benchHash(b, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.HSet(ctx, keys[i&1023], fields[(i>>10)&(1<<16-1)], "v")
	}
}

func BenchmarkDoHSet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	fields := benchHash(b, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Do(ctx, "HSET", "user:1", fields[i&15], "value-of-sixteen")
	}
}

func BenchmarkDoHGet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	fields := benchHash(b, 16)
	for _, f := range fields {
		db.HSet(ctx, "user:1", f, "value-of-sixteen")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Do(ctx, "HGET", "user:1", fields[i&15])
	}
}

func BenchmarkHGetAll(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	fields := benchHash(b, 16)
	for _, f := range fields {
		db.HSet(ctx, "user:1", f, "value-of-sixteen")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.HGetAll(ctx, "user:1"); err != nil {
			b.Fatal(err)
		}
	}
}

// Parallel HGET/HSET mix over many small hashes: the sharded keyspace should
// scale across both cores.
func BenchmarkParallelHGetHSet(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	keys := benchKeys(1 << 14)
	fields := benchHash(b, 8)
	for _, k := range keys {
		db.HSet(ctx, k, fields[0], "v", fields[1], "v")
	}
	b.ReportAllocs()
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
