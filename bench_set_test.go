package cachee_test

import (
	"context"
	"testing"
)

// In-process set benchmarks: go test -run '^$' -bench Set -benchmem .

// BenchmarkSAdd adds members that are mostly present already (a 1024-member
// working set), the common steady state of a set used for deduplication.
func BenchmarkSAdd(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	members := benchKeys(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.SAdd(ctx, "set", members[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSAddNew adds a new member every time (the member strings are made
// beforehand, so what is measured is the insert: map growth and the slots).
func BenchmarkSAddNew(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	members := benchKeys(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.SAdd(ctx, "set", members[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSIsMember(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	members := benchKeys(1024)
	db.SAdd(ctx, "set", members[:512]...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.SIsMember(ctx, "set", members[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
}

// The same two commands through Do, for comparison with the typed path.
func BenchmarkDoSAdd(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	members := benchKeys(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "SADD", "set", members[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoSIsMember(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	members := benchKeys(1024)
	db.SAdd(ctx, "set", members[:512]...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "SISMEMBER", "set", members[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSPop pops from a big set and adds the member back, so the set
// keeps its size: the cost must not depend on it.
func BenchmarkSPop(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	db.SAdd(ctx, "set", benchKeys(100000)...)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := db.SPop(ctx, "set")
		if err != nil {
			b.Fatal(err)
		}
		db.SAdd(ctx, "set", v)
	}
}
