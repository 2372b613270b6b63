package cachee_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee"
)

func TestTypedSetMethods(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	if n, err := db.SAdd(ctx, "s", "b", "a", "b"); n != 2 || err != nil {
		t.Fatalf("SAdd = %d, %v; want 2", n, err)
	}
	if n, err := db.SAdd(ctx, "s", "a", "c"); n != 1 || err != nil {
		t.Fatalf("SAdd = %d, %v; want 1", n, err)
	}
	if is, err := db.SIsMember(ctx, "s", "c"); !is || err != nil {
		t.Fatalf("SIsMember c = %v, %v", is, err)
	}
	if is, err := db.SIsMember(ctx, "s", "z"); is || err != nil {
		t.Fatalf("SIsMember z = %v, %v", is, err)
	}
	if is, err := db.SIsMember(ctx, "missing", "a"); is || err != nil {
		t.Fatalf("SIsMember on a missing key = %v, %v", is, err)
	}
	m, err := db.SMembers(ctx, "s")
	slices.Sort(m)
	if !slices.Equal(m, []string{"a", "b", "c"}) || err != nil {
		t.Fatalf("SMembers = %q, %v", m, err)
	}
	if n, err := db.SCard(ctx, "s"); n != 3 || err != nil {
		t.Fatalf("SCard = %d, %v", n, err)
	}
	if n, err := db.SRem(ctx, "s", "a", "zz"); n != 1 || err != nil {
		t.Fatalf("SRem = %d, %v", n, err)
	}

	// An intset's members come back in numeric order, as from Redis.
	db.SAdd(ctx, "i", "10", "-2", "7")
	if m, _ := db.SMembers(ctx, "i"); !slices.Equal(m, []string{"-2", "7", "10"}) {
		t.Fatalf("SMembers of an intset = %q", m)
	}

	db.SAdd(ctx, "t", "b", "c", "d")
	if m, _ := db.SInter(ctx, "s", "t"); !equalSet(m, "b", "c") {
		t.Fatalf("SInter = %q", m)
	}
	if m, _ := db.SInter(ctx, "s", "missing"); len(m) != 0 {
		t.Fatalf("SInter with a missing key = %q", m)
	}
	if m, _ := db.SUnion(ctx, "s", "t", "missing"); !equalSet(m, "b", "c", "d") {
		t.Fatalf("SUnion = %q", m)
	}
	if m, _ := db.SDiff(ctx, "t", "s"); !equalSet(m, "d") {
		t.Fatalf("SDiff = %q", m)
	}

	// Random members.
	if v, err := db.SRandMember(ctx, "t"); !slices.Contains([]string{"b", "c", "d"}, v) || err != nil {
		t.Fatalf("SRandMember = %q, %v", v, err)
	}
	if m, _ := db.SRandMemberN(ctx, "t", 2); len(m) != 2 || m[0] == m[1] {
		t.Fatalf("SRandMemberN 2 = %q", m)
	}
	if m, _ := db.SRandMemberN(ctx, "t", -7); len(m) != 7 {
		t.Fatalf("SRandMemberN -7 = %q", m)
	}
	if _, err := db.SRandMember(ctx, "missing"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("SRandMember on a missing key: %v, want Nil", err)
	}
	v, err := db.SPop(ctx, "t")
	if !slices.Contains([]string{"b", "c", "d"}, v) || err != nil {
		t.Fatalf("SPop = %q, %v", v, err)
	}
	if is, _ := db.SIsMember(ctx, "t", v); is {
		t.Fatalf("SPop left %q in the set", v)
	}
	if m, _ := db.SPopN(ctx, "t", 10); len(m) != 2 {
		t.Fatalf("SPopN 10 = %q", m)
	}
	if n, _ := db.Exists(ctx, "t"); n != 0 {
		t.Fatal("popping every member should delete the key")
	}
	if _, err := db.SPop(ctx, "t"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("SPop on a missing key: %v, want Nil", err)
	}
	if m, err := db.SPopN(ctx, "t", 3); len(m) != 0 || err != nil {
		t.Fatalf("SPopN on a missing key = %q, %v", m, err)
	}

	// Errors.
	db.Set(ctx, "str", "v")
	var rerr *cachee.Error
	if _, err := db.SAdd(ctx, "str", "a"); !errors.As(err, &rerr) || rerr.Prefix != "WRONGTYPE" {
		t.Fatalf("SAdd on a string: %v", err)
	}
	if _, err := db.SIsMember(ctx, "str", "a"); !errors.As(err, &rerr) || rerr.Prefix != "WRONGTYPE" {
		t.Fatalf("SIsMember on a string: %v", err)
	}
	if _, err := db.SMembers(ctx, "str"); !errors.As(err, &rerr) || rerr.Prefix != "WRONGTYPE" {
		t.Fatalf("SMembers on a string: %v", err)
	}
	if _, err := db.SAdd(ctx, "new"); err == nil || err.Error() != "ERR wrong number of arguments for 'sadd' command" {
		t.Fatalf("SAdd without members: %v", err)
	}
	if n, _ := db.Exists(ctx, "new"); n != 0 {
		t.Fatal("SAdd without members created a key")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.SAdd(cancelled, "s", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("SAdd with a cancelled context: %v", err)
	}

	// TTLs survive SAdd.
	db.Expire(ctx, "s", time.Second)
	db.SAdd(ctx, "s", "new")
	if ttl, _ := db.TTL(ctx, "s"); ttl != time.Second {
		t.Fatalf("TTL after SAdd = %v", ttl)
	}
	clk.Add(2 * time.Second)
	if is, _ := db.SIsMember(ctx, "s", "new"); is {
		t.Fatal("member of an expired set")
	}
}

func equalSet(got []string, want ...string) bool {
	got = slices.Clone(got)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

// TestTypedSetConcurrent adds overlapping members from several goroutines:
// SAdd's counts must add up to the set's size.
func TestTypedSetConcurrent(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := int64(0)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				n, err := db.SAdd(ctx, "s", strconv.Itoa((i*(g+1))%1500), "x")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n, _ := db.SCard(ctx, "s"); n != total {
		t.Fatalf("SCard = %d, SAdd counted %d", n, total)
	}
}
