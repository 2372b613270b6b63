package cachee_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/cachee/cachee"
)

func TestTypedZsetMethods(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	n, err := db.ZAdd(ctx, "lb",
		cachee.Z{Score: 30, Member: "carol"}, cachee.Z{Score: 10, Member: "alice"},
		cachee.Z{Score: 20, Member: "bob"}, cachee.Z{Score: 20, Member: "bea"},
		cachee.Z{Score: 10, Member: "alice"}) // a repeat counts once
	if n != 4 || err != nil {
		t.Fatalf("ZAdd = %d, %v; want 4 new", n, err)
	}
	if n, err := db.ZAdd(ctx, "lb", cachee.Z{Score: 40, Member: "alice"}, cachee.Z{Score: 5, Member: "dan"}); n != 1 || err != nil {
		t.Fatalf("ZAdd update+new = %d, %v; want 1", n, err)
	}
	want := []cachee.Z{{Score: 5, Member: "dan"}, {Score: 20, Member: "bea"}, {Score: 20, Member: "bob"}, {Score: 30, Member: "carol"}, {Score: 40, Member: "alice"}}
	for _, tc := range []struct {
		start, stop int64
		rev         bool
		want        []cachee.Z
	}{
		{0, -1, false, want},
		{1, 2, false, want[1:3]},
		{-2, -1, false, want[3:]},
		{-100, 100, false, want},
		{3, 1, false, nil},
		{10, 20, false, nil},
		{0, 1, true, []cachee.Z{want[4], want[3]}},
		{-1, -1, true, want[:1]},
	} {
		get := db.ZRangeWithScores
		if tc.rev {
			get = db.ZRevRangeWithScores
		}
		got, err := get(ctx, "lb", tc.start, tc.stop)
		if err != nil || !reflect.DeepEqual(got, tc.want) && len(got)+len(tc.want) > 0 {
			t.Errorf("range %d %d rev=%v = %v, %v; want %v", tc.start, tc.stop, tc.rev, got, err, tc.want)
		}
	}
	for i, z := range want {
		if r, err := db.ZRank(ctx, "lb", z.Member); r != int64(i) || err != nil {
			t.Errorf("ZRank %s = %d, %v; want %d", z.Member, r, err, i)
		}
		if r, err := db.ZRevRank(ctx, "lb", z.Member); r != int64(len(want)-1-i) || err != nil {
			t.Errorf("ZRevRank %s = %d, %v", z.Member, r, err)
		}
		if s, err := db.ZScore(ctx, "lb", z.Member); s != z.Score || err != nil {
			t.Errorf("ZScore %s = %v, %v", z.Member, s, err)
		}
	}
	if s, err := db.ZIncrBy(ctx, "lb", 2.5, "dan"); s != 7.5 || err != nil {
		t.Fatalf("ZIncrBy = %v, %v", s, err)
	}
	if s, err := db.ZIncrBy(ctx, "lb", math.Inf(1), "eve"); !math.IsInf(s, 1) || err != nil {
		t.Fatalf("ZIncrBy inf = %v, %v", s, err)
	}
	if _, err := db.ZIncrBy(ctx, "lb", math.Inf(-1), "eve"); err == nil || err.Error() != "ERR resulting score is not a number (NaN)" {
		t.Fatalf("ZIncrBy inf-inf: %v", err)
	}
	if n, err := db.ZCard(ctx, "lb"); n != 6 || err != nil {
		t.Fatalf("ZCard = %d, %v", n, err)
	}
	if n, err := db.ZRem(ctx, "lb", "eve", "nobody", "carol"); n != 2 || err != nil {
		t.Fatalf("ZRem = %d, %v", n, err)
	}
	if got, err := db.ZPopMin(ctx, "lb", 2); err != nil || !reflect.DeepEqual(got, []cachee.Z{{Score: 7.5, Member: "dan"}, {Score: 20, Member: "bea"}}) {
		t.Fatalf("ZPopMin = %v, %v", got, err)
	}
	if got, err := db.ZPopMax(ctx, "lb", 5); err != nil || !reflect.DeepEqual(got, []cachee.Z{{Score: 40, Member: "alice"}, {Score: 20, Member: "bob"}}) {
		t.Fatalf("ZPopMax = %v, %v", got, err)
	}
	if n, _ := db.Exists(ctx, "lb"); n != 0 {
		t.Fatal("popping the last members must delete the key")
	}
}

func TestTypedZsetMissingAndErrors(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	if _, err := db.ZScore(ctx, "none", "m"); !errors.Is(err, cachee.Nil) {
		t.Errorf("ZScore on a missing key: %v, want Nil", err)
	}
	if _, err := db.ZRank(ctx, "none", "m"); !errors.Is(err, cachee.Nil) {
		t.Errorf("ZRank on a missing key: %v, want Nil", err)
	}
	db.ZAdd(ctx, "z", cachee.Z{Score: 1, Member: "a"})
	if _, err := db.ZScore(ctx, "z", "other"); !errors.Is(err, cachee.Nil) {
		t.Errorf("ZScore of a missing member: %v, want Nil", err)
	}
	if _, err := db.ZRevRank(ctx, "z", "other"); !errors.Is(err, cachee.Nil) {
		t.Errorf("ZRevRank of a missing member: %v, want Nil", err)
	}
	if zs, err := db.ZRangeWithScores(ctx, "none", 0, -1); len(zs) != 0 || err != nil {
		t.Errorf("ZRangeWithScores on a missing key = %v, %v", zs, err)
	}
	if zs, err := db.ZPopMin(ctx, "none", 3); len(zs) != 0 || err != nil {
		t.Errorf("ZPopMin on a missing key = %v, %v", zs, err)
	}
	if n, err := db.ZAdd(ctx, "z", cachee.Z{Score: 2, Member: "b"}, cachee.Z{Score: math.NaN(), Member: "c"}); n != 0 || err == nil || err.Error() != "ERR value is not a valid float" {
		t.Errorf("ZAdd NaN = %d, %v; want the float error and no change", n, err)
	}
	if n, _ := db.ZCard(ctx, "z"); n != 1 {
		t.Errorf("a refused ZAdd changed the set: %d members", n)
	}
	db.Set(ctx, "s", "v")
	wrong := []func() error{
		func() error { _, err := db.ZAdd(ctx, "s", cachee.Z{Score: 1, Member: "a"}); return err },
		func() error { _, err := db.ZScore(ctx, "s", "a"); return err },
		func() error { _, err := db.ZRank(ctx, "s", "a"); return err },
		func() error { _, err := db.ZRangeWithScores(ctx, "s", 0, -1); return err },
		func() error { _, err := db.ZIncrBy(ctx, "s", 1, "a"); return err },
		func() error { _, err := db.ZCard(ctx, "s"); return err },
		func() error { _, err := db.ZRem(ctx, "s", "a"); return err },
		func() error { _, err := db.ZPopMax(ctx, "s", 1); return err },
	}
	for i, f := range wrong {
		var e *cachee.Error
		if err := f(); !errors.As(err, &e) || e.Prefix != "WRONGTYPE" {
			t.Errorf("method %d on a string: %v, want WRONGTYPE", i, err)
		}
	}
}

// TestTypedZsetMatchesDo checks that the direct engine calls and the command
// path see the same data, including TTLs kept across typed updates.
func TestTypedZsetMatchesDo(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	for i := range 300 {
		db.ZAdd(ctx, "z", cachee.Z{Score: float64(i % 17), Member: fmt.Sprintf("m%03d", i)})
	}
	db.Expire(ctx, "z", time.Minute)
	db.ZAdd(ctx, "z", cachee.Z{Score: -1, Member: "m007"})
	if ttl, _ := db.TTL(ctx, "z"); ttl != time.Minute {
		t.Fatalf("TTL after ZAdd = %v, want it kept", ttl)
	}
	typed, err := db.ZRevRangeWithScores(ctx, "z", 5, 40)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Do(ctx, "ZRANGE", "z", 5, 40, "REV", "WITHSCORES")
	if err != nil {
		t.Fatal(err)
	}
	els := v.Elems()
	if len(els) != 2*len(typed) {
		t.Fatalf("Do returned %d elements for %d typed members", len(els), len(typed))
	}
	for i, z := range typed {
		s, _ := els[2*i+1].Float()
		if els[2*i].String() != z.Member || s != z.Score {
			t.Fatalf("rank %d: typed %v, Do %s %v", i+5, z, els[2*i].String(), s)
		}
		if r, _ := db.ZRevRank(ctx, "z", z.Member); r != int64(i+5) {
			t.Fatalf("ZRevRank %s = %d, want %d", z.Member, r, i+5)
		}
	}
	clk.Add(2 * time.Minute)
	if _, err := db.ZScore(ctx, "z", "m001"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("ZScore after expiry: %v, want Nil", err)
	}
}
