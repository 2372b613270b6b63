package cachee_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T) (*cachee.DB, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	db, err := cachee.Open(cachee.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clk
}

func TestTypedStringAndKeyMethods(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	if _, err := db.Get(ctx, "k"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("Get missing: %v, want Nil", err)
	}
	if err := db.Set(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get(ctx, "k"); v != "v1" || err != nil {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := db.Set(ctx, "k", "v2", cachee.SetOptions{NX: true}); !errors.Is(err, cachee.Nil) {
		t.Fatalf("SET NX on existing key: %v, want Nil", err)
	}
	if err := db.Set(ctx, "k", "v3", cachee.SetOptions{XX: true, TTL: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := db.TTL(ctx, "k"); ttl != 1500*time.Millisecond {
		t.Fatalf("TTL = %v, want 1.5s", ttl)
	}
	clk.Add(2 * time.Second)
	if _, err := db.Get(ctx, "k"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("Get after expiry: %v, want Nil", err)
	}
	if ttl, _ := db.TTL(ctx, "k"); ttl != -2 {
		t.Fatalf("TTL of missing key = %v, want -2", ttl)
	}
	if err := db.MSet(ctx, "a", "1", "b", "x"); err != nil {
		t.Fatal(err)
	}
	vals, err := db.MGet(ctx, "a", "nope", "b")
	if err != nil || len(vals) != 3 || vals[0].String() != "1" || !vals[1].IsNil() || vals[2].String() != "x" {
		t.Fatalf("MGet = %v, %v", vals, err)
	}
	if _, err := db.Incr(ctx, "b"); err == nil || err.(*cachee.Error).Prefix != "ERR" {
		t.Fatalf("Incr on non-integer: %v, want ERR", err)
	}
	if n, _ := db.IncrBy(ctx, "a", 41); n != 42 {
		t.Fatalf("IncrBy = %d, want 42", n)
	}
	if f, err := db.IncrByFloat(ctx, "a", 0.5); f != 42.5 || err != nil {
		t.Fatalf("IncrByFloat = %v, %v", f, err)
	}
	if n, _ := db.Append(ctx, "b", "yz"); n != 3 {
		t.Fatalf("Append = %d", n)
	}
	if n, _ := db.Exists(ctx, "a", "b", "a", "zz"); n != 3 {
		t.Fatalf("Exists = %d, want 3", n)
	}
	if typ, _ := db.Type(ctx, "a"); typ != "string" {
		t.Fatalf("Type = %q", typ)
	}
	if err := db.Rename(ctx, "a", "c"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.Expire(ctx, "c", time.Minute); !ok {
		t.Fatal("Expire on existing key returned false")
	}
	if ok, _ := db.Persist(ctx, "c"); !ok {
		t.Fatal("Persist returned false")
	}
	if v, _ := db.GetDel(ctx, "c"); v != "42.5" {
		t.Fatalf("GetDel = %q", v)
	}
	if n, _ := db.DBSize(ctx); n != 1 {
		t.Fatalf("DBSize = %d, want 1", n)
	}
	if n, _ := db.Del(ctx, "b", "b"); n != 1 {
		t.Fatalf("Del = %d, want 1", n)
	}
	if _, err := db.Do(ctx, "NOSUCH"); err == nil || err.(*cachee.Error).Prefix != "ERR" {
		t.Fatalf("unknown command: %v", err)
	}
}

// The returned string must survive later writes to the key: stored bytes are
// shared, and never modified in place once read.
func TestGetResultIsStable(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	db.Set(ctx, "k", "hello")
	v, _ := db.Get(ctx, "k")
	db.Do(ctx, "APPEND", "k", " world")
	db.Do(ctx, "SETRANGE", "k", "0", "J")
	db.Set(ctx, "k", "other")
	if v != "hello" {
		t.Fatalf("value changed under the caller: %q", v)
	}
	// INCR rewrites its counter in place only while nobody has read it.
	for i := 0; i < 3; i++ {
		db.Incr(ctx, "n")
	}
	n3, _ := db.Get(ctx, "n")
	db.Incr(ctx, "n")
	got, _ := db.Do(ctx, "GET", "n")
	db.Incr(ctx, "n")
	if n3 != "3" || got.String() != "4" {
		t.Fatalf("counter read as %q and %q under later INCRs, want 3 and 4", n3, got.String())
	}
	if v, _ := db.Get(ctx, "n"); v != "5" {
		t.Fatalf("counter = %q, want 5", v)
	}
}

// A realistic flow: a fixed-window rate limiter and a read-through cache,
// hammered by many goroutines sharing one DB.
func TestConcurrentRateLimiterAndCache(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	const workers, calls, limit = 8, 500, 1000
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				n, err := db.Incr(ctx, "rl:user")
				if err != nil {
					t.Error(err)
					return
				}
				if n == 1 {
					db.Expire(ctx, "rl:user", time.Minute)
				}
				if n <= limit {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
				key := "cache:" + string(rune('a'+i%10))
				if _, err := db.Get(ctx, key); errors.Is(err, cachee.Nil) {
					db.Set(ctx, key, "computed", cachee.SetOptions{TTL: time.Second})
				}
			}
		}()
	}
	wg.Wait()
	if allowed != limit {
		t.Fatalf("allowed %d requests, want exactly %d (lost or duplicated INCRs)", allowed, limit)
	}
	if n, _ := db.Get(ctx, "rl:user"); n != "4000" {
		t.Fatalf("counter = %s, want 4000", n)
	}
	if ttl, _ := db.TTL(ctx, "rl:user"); ttl <= 0 {
		t.Fatalf("counter lost its TTL: %v", ttl)
	}
}

func TestConnKeepsSessionState(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	c := db.Conn()
	defer c.Close()
	if _, err := c.Do(ctx, "SELECT", 3); err != nil {
		t.Fatal(err)
	}
	c.Do(ctx, "SET", "k", "in-db-3")
	if _, err := db.Get(ctx, "k"); !errors.Is(err, cachee.Nil) {
		t.Fatal("key written in db 3 is visible in db 0")
	}
	v, err := c.Do(ctx, "GET", "k")
	if err != nil || v.String() != "in-db-3" {
		t.Fatalf("GET on Conn = %v, %v", v, err)
	}
	ctxDone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Do(ctxDone, "PING"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with cancelled context: %v", err)
	}
}

// TestExpireTyped pins the typed Expire: a TTL with millisecond precision,
// false for a missing key, and a non-positive ttl deleting the key as
// PEXPIRE does.
func TestExpireTyped(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	db.Set(ctx, "k", "v")
	if ok, err := db.Expire(ctx, "k", 1500*time.Millisecond); !ok || err != nil {
		t.Fatalf("Expire = %v, %v", ok, err)
	}
	if ttl, _ := db.TTL(ctx, "k"); ttl != 1500*time.Millisecond {
		t.Fatalf("TTL = %v, want 1.5s", ttl)
	}
	clk.Add(1500 * time.Millisecond)
	if n, _ := db.Exists(ctx, "k"); n != 1 {
		t.Fatal("key gone at its expiry's millisecond")
	}
	clk.Add(time.Millisecond)
	if n, _ := db.Exists(ctx, "k"); n != 0 {
		t.Fatal("key alive a millisecond after its expiry")
	}
	if ok, _ := db.Expire(ctx, "missing", time.Minute); ok {
		t.Fatal("Expire on a missing key returned true")
	}
	db.Set(ctx, "k", "v")
	if ok, _ := db.Expire(ctx, "k", 0); !ok {
		t.Fatal("Expire(0) on an existing key returned false")
	}
	if n, _ := db.Exists(ctx, "k"); n != 0 {
		t.Fatal("Expire(0) left the key")
	}
}
