package cachee_test

import (
	"context"
	"testing"
)

// In-process list benchmarks (go test -run '^$' -bench List -benchmem .).

func BenchmarkListLPush(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := db.LPush(ctx, "list", "value-of-sixteen"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListRPop(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	vals := make([]string, 1024)
	for i := range vals {
		vals[i] = "value-of-sixteen"
	}
	for n := 0; n < b.N; n += len(vals) {
		db.RPush(ctx, "list", vals...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.RPop(ctx, "list"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListLPushRPop is a queue in steady state: one push and one pop
// per iteration on a list that keeps its length (16).
func BenchmarkListLPushRPop(b *testing.B) { benchQueue(b, 16) }

// BenchmarkListCreateDrain pushes onto a missing key and pops the list empty
// again: the key is created and deleted every iteration, as a drained queue's is.
func BenchmarkListCreateDrain(b *testing.B) { benchQueue(b, 0) }

func benchQueue(b *testing.B, prefill int) {
	db := benchDB(b)
	ctx := context.Background()
	for i := 0; i < prefill; i++ {
		db.LPush(ctx, "queue", "value-of-sixteen")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.LPush(ctx, "queue", "value-of-sixteen")
		if _, err := db.RPop(ctx, "queue"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListDoLPush(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "LPUSH", "list", "value-of-sixteen"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListDoRPop(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	vals := make([]any, 1024)
	for i := range vals {
		vals[i] = "value-of-sixteen"
	}
	for n := 0; n < b.N; n += len(vals) {
		db.Do(ctx, append([]any{"RPUSH", "list"}, vals...)...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "RPOP", "list"); err != nil {
			b.Fatal(err)
		}
	}
}
