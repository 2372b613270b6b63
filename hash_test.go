package cachee_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee"
)

func TestTypedHashMethods(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	if _, err := db.HGet(ctx, "h", "f"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("HGet on missing key: %v, want Nil", err)
	}
	if n, err := db.HSet(ctx, "h", "a", "1", "b", "2", "a", "3"); n != 2 || err != nil {
		t.Fatalf("HSet = %d, %v; want 2 new fields", n, err)
	}
	if n, _ := db.HSet(ctx, "h", "b", "20", "c", "30"); n != 1 {
		t.Fatalf("HSet with one update and one new field = %d, want 1", n)
	}
	if v, err := db.HGet(ctx, "h", "a"); v != "3" || err != nil {
		t.Fatalf("HGet = %q, %v", v, err)
	}
	if _, err := db.HGet(ctx, "h", "zz"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("HGet missing field: %v, want Nil", err)
	}
	vals, err := db.HMGet(ctx, "h", "c", "nope", "b")
	if err != nil || len(vals) != 3 || vals[0].String() != "30" || !vals[1].IsNil() || vals[2].String() != "20" {
		t.Fatalf("HMGet = %v, %v", vals, err)
	}
	all, err := db.HGetAll(ctx, "h")
	if want := map[string]string{"a": "3", "b": "20", "c": "30"}; err != nil || !reflect.DeepEqual(all, want) {
		t.Fatalf("HGetAll = %v, %v", all, err)
	}
	if keys, _ := db.HKeys(ctx, "h"); !reflect.DeepEqual(keys, []string{"a", "b", "c"}) {
		t.Fatalf("HKeys = %q, want insertion order", keys)
	}
	if vals, _ := db.HVals(ctx, "h"); !reflect.DeepEqual(vals, []string{"3", "20", "30"}) {
		t.Fatalf("HVals = %q", vals)
	}
	if ok, _ := db.HExists(ctx, "h", "b"); !ok {
		t.Fatal("HExists(b) = false")
	}
	if ok, _ := db.HExists(ctx, "h", "zz"); ok {
		t.Fatal("HExists(zz) = true")
	}
	if n, _ := db.HLen(ctx, "h"); n != 3 {
		t.Fatalf("HLen = %d", n)
	}
	if n, err := db.HIncrBy(ctx, "h", "a", 39); n != 42 || err != nil {
		t.Fatalf("HIncrBy = %d, %v", n, err)
	}
	if f, err := db.HIncrByFloat(ctx, "h", "a", 0.5); f != 42.5 || err != nil {
		t.Fatalf("HIncrByFloat = %v, %v", f, err)
	}
	if v, _ := db.HGet(ctx, "h", "a"); v != "42.5" {
		t.Fatalf("stored float = %q", v)
	}
	if n, _ := db.HDel(ctx, "h", "a", "a", "zz"); n != 1 {
		t.Fatalf("HDel = %d, want 1", n)
	}
	if n, _ := db.HDel(ctx, "h", "b", "c"); n != 2 {
		t.Fatalf("HDel = %d, want 2", n)
	}
	if n, _ := db.Exists(ctx, "h"); n != 0 {
		t.Fatal("hash still exists after its last field was deleted")
	}
	if all, err := db.HGetAll(ctx, "h"); len(all) != 0 || err != nil {
		t.Fatalf("HGetAll on missing key = %v, %v", all, err)
	}
	if keys, err := db.HKeys(ctx, "h"); len(keys) != 0 || err != nil {
		t.Fatalf("HKeys on missing key = %v, %v", keys, err)
	}
}

func TestTypedHashErrors(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	db.Set(ctx, "s", "x")
	wrongType := func(name string, err error) {
		t.Helper()
		var e *cachee.Error
		if !errors.As(err, &e) || e.Prefix != "WRONGTYPE" {
			t.Errorf("%s on a string: %v, want WRONGTYPE", name, err)
		}
	}
	_, err := db.HSet(ctx, "s", "f", "v")
	wrongType("HSet", err)
	_, err = db.HGet(ctx, "s", "f")
	wrongType("HGet", err)
	_, err = db.HMGet(ctx, "s", "f")
	wrongType("HMGet", err)
	_, err = db.HGetAll(ctx, "s")
	wrongType("HGetAll", err)
	_, err = db.HDel(ctx, "s", "f")
	wrongType("HDel", err)
	_, err = db.HExists(ctx, "s", "f")
	wrongType("HExists", err)
	_, err = db.HLen(ctx, "s")
	wrongType("HLen", err)
	_, err = db.HIncrBy(ctx, "s", "f", 1)
	wrongType("HIncrBy", err)
	_, err = db.HIncrByFloat(ctx, "s", "f", 1)
	wrongType("HIncrByFloat", err)
	_, err = db.HKeys(ctx, "s")
	wrongType("HKeys", err)
	_, err = db.HVals(ctx, "s")
	wrongType("HVals", err)

	for _, pairs := range [][]string{nil, {"f"}, {"f", "v", "g"}} {
		if _, err := db.HSet(ctx, "h", pairs...); err == nil || err.Error() != "ERR wrong number of arguments for 'hset' command" {
			t.Errorf("HSet(%q): %v", pairs, err)
		}
	}
	if n, _ := db.Exists(ctx, "h"); n != 0 {
		t.Fatal("a refused HSet created the key")
	}
	db.HSet(ctx, "h", "s", "abc", "max", "9223372036854775807")
	if _, err := db.HIncrBy(ctx, "h", "s", 1); err == nil || err.Error() != "ERR hash value is not an integer" {
		t.Errorf("HIncrBy on a non-integer: %v", err)
	}
	if _, err := db.HIncrBy(ctx, "h", "max", 1); err == nil || err.Error() != "ERR increment or decrement would overflow" {
		t.Errorf("HIncrBy overflow: %v", err)
	}
	if _, err := db.HIncrByFloat(ctx, "h", "s", 1); err == nil || err.Error() != "ERR hash value is not a float" {
		t.Errorf("HIncrByFloat on a non-number: %v", err)
	}
	if _, err := db.HIncrByFloat(ctx, "h", "f", math.Inf(1)); err == nil || err.Error() != "ERR value is NaN or Infinity" {
		t.Errorf("HIncrByFloat by +Inf: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.HSet(cancelled, "h", "f", "v"); !errors.Is(err, context.Canceled) {
		t.Errorf("HSet with a cancelled context: %v", err)
	}
	if _, err := db.HGet(cancelled, "h", "s"); !errors.Is(err, context.Canceled) {
		t.Errorf("HGet with a cancelled context: %v", err)
	}
}

// HSet stores the caller's strings without a copy and HGet returns the stored
// string: a value read must survive later writes to its field.
func TestHGetResultIsStable(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	db.HSet(ctx, "h", "f", "hello")
	v, _ := db.HGet(ctx, "h", "f")
	db.HSet(ctx, "h", "f", "other")
	db.Do(ctx, "HSET", "h", "f", "third")
	db.HIncrBy(ctx, "h", "n", 1)
	db.HDel(ctx, "h", "f")
	if v != "hello" {
		t.Fatalf("value changed under the caller: %q", v)
	}
}

func TestTypedHashKeepsTTL(t *testing.T) {
	db, clk := open(t)
	ctx := context.Background()
	db.HSet(ctx, "h", "a", "1", "b", "2")
	db.Expire(ctx, "h", 10*time.Second)
	clk.Add(4 * time.Second)
	db.HSet(ctx, "h", "c", "3")
	db.HDel(ctx, "h", "a")
	db.HIncrBy(ctx, "h", "b", 1)
	if ttl, _ := db.TTL(ctx, "h"); ttl != 6*time.Second {
		t.Fatalf("TTL after writes = %v, want 6s", ttl)
	}
	clk.Add(6*time.Second + time.Millisecond)
	if _, err := db.HGet(ctx, "h", "b"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("HGet after expiry: %v, want Nil", err)
	}
}

// Many goroutines increment fields of shared hashes: no update may be lost,
// and HSet's created counts must add up to the number of fields.
func TestConcurrentHashWriters(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	const workers, calls = 8, 400
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := int64(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				if _, err := db.HIncrBy(ctx, "counters", "f"+strconv.Itoa(i%20), 1); err != nil {
					t.Error(err)
					return
				}
				n, err := db.HSet(ctx, fmt.Sprintf("h%d", i%4), "f"+strconv.Itoa(i), "v")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				created += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	all, _ := db.HGetAll(ctx, "counters")
	for f, v := range all {
		if v != strconv.Itoa(workers*calls/20) {
			t.Errorf("counters[%s] = %s, want %d", f, v, workers*calls/20)
		}
	}
	if len(all) != 20 {
		t.Errorf("%d counters, want 20", len(all))
	}
	if created != calls {
		t.Errorf("HSet created %d fields in total, want %d", created, calls)
	}
}
