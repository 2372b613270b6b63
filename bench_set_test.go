package cachee_test

import (
	"context"
	"testing"

	"github.com/cachee/cachee"
)

// In-process set benchmarks: go test -run '^$' -bench Set -benchmem .
// SAdd and SIsMember run both through the typed methods (the engine's set
// operations) and through Do (argv, dispatcher, captured reply).

// benchSetOp runs op over a 1024-member working set, of which the set at
// "set" holds the first preload members.
func benchSetOp(b *testing.B, preload int, op func(ctx context.Context, db *cachee.DB, member string) error) {
	db := benchDB(b)
	ctx := context.Background()
	members := benchKeys(1024)
	if preload > 0 {
		db.SAdd(ctx, "set", members[:preload]...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op(ctx, db, members[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSAdd adds members that are mostly present already, the steady
// state of a set used for deduplication.
func BenchmarkSAdd(b *testing.B) {
	b.Run("typed", func(b *testing.B) {
		benchSetOp(b, 0, func(ctx context.Context, db *cachee.DB, m string) error {
			_, err := db.SAdd(ctx, "set", m)
			return err
		})
	})
	b.Run("Do", func(b *testing.B) {
		benchSetOp(b, 0, func(ctx context.Context, db *cachee.DB, m string) error {
			_, err := db.Do(ctx, "SADD", "set", m)
			return err
		})
	})
}

// BenchmarkSIsMember asks for members of which half are in the set.
func BenchmarkSIsMember(b *testing.B) {
	b.Run("typed", func(b *testing.B) {
		benchSetOp(b, 512, func(ctx context.Context, db *cachee.DB, m string) error {
			_, err := db.SIsMember(ctx, "set", m)
			return err
		})
	})
	b.Run("Do", func(b *testing.B) {
		benchSetOp(b, 512, func(ctx context.Context, db *cachee.DB, m string) error {
			_, err := db.Do(ctx, "SISMEMBER", "set", m)
			return err
		})
	})
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

// BenchmarkSPop pops from a 100,000-member set and adds the member back, so
// the set keeps its size: the cost must not depend on it.
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
