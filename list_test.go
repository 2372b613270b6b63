package cachee_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cachee/cachee"
)

func TestTypedListMethods(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	if _, err := db.LPop(ctx, "l"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("LPop missing: %v, want Nil", err)
	}
	if _, err := db.RPop(ctx, "l"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("RPop missing: %v, want Nil", err)
	}
	if n, err := db.RPush(ctx, "l", "c", "d"); n != 2 || err != nil {
		t.Fatalf("RPush = %d, %v", n, err)
	}
	if n, err := db.LPush(ctx, "l", "b", "a"); n != 4 || err != nil {
		t.Fatalf("LPush = %d, %v", n, err)
	}
	checkRange := func(want ...string) {
		t.Helper()
		got, err := db.LRange(ctx, "l", 0, -1)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("LRange = %q, %v; want %q", got, err, want)
		}
	}
	checkRange("a", "b", "c", "d")
	if n, _ := db.LLen(ctx, "l"); n != 4 {
		t.Fatalf("LLen = %d", n)
	}
	if v, err := db.LIndex(ctx, "l", -1); v != "d" || err != nil {
		t.Fatalf("LIndex -1 = %q, %v", v, err)
	}
	if _, err := db.LIndex(ctx, "l", 4); !errors.Is(err, cachee.Nil) {
		t.Fatalf("LIndex out of range: %v, want Nil", err)
	}
	if v, err := db.LPop(ctx, "l"); v != "a" || err != nil {
		t.Fatalf("LPop = %q, %v", v, err)
	}
	if v, err := db.RPop(ctx, "l"); v != "d" || err != nil {
		t.Fatalf("RPop = %q, %v", v, err)
	}
	if v, err := db.LMove(ctx, "l", "m", cachee.Right, cachee.Left); v != "c" || err != nil {
		t.Fatalf("LMove = %q, %v", v, err)
	}
	if _, err := db.LMove(ctx, "nokey", "m", cachee.Left, cachee.Left); !errors.Is(err, cachee.Nil) {
		t.Fatalf("LMove from missing key: %v, want Nil", err)
	}
	db.RPush(ctx, "l", "x", "b", "x", "x")
	checkRange("b", "x", "b", "x", "x")
	if n, err := db.LRem(ctx, "l", -1, "x"); n != 1 || err != nil {
		t.Fatalf("LRem = %d, %v", n, err)
	}
	checkRange("b", "x", "b", "x")
	if n, _ := db.LRem(ctx, "l", 0, "b"); n != 2 {
		t.Fatalf("LRem all = %d", n)
	}
	if err := db.LTrim(ctx, "l", 1, -1); err != nil {
		t.Fatal(err)
	}
	checkRange("x")
	if got, err := db.LPopCount(ctx, "l", 0); len(got) != 0 || err != nil {
		t.Fatalf("LPopCount 0 = %q, %v", got, err)
	}
	if got, err := db.LPopCount(ctx, "l", 5); !slices.Equal(got, []string{"x"}) || err != nil {
		t.Fatalf("LPopCount = %q, %v", got, err)
	}
	if _, err := db.LPopCount(ctx, "l", 5); !errors.Is(err, cachee.Nil) {
		t.Fatalf("LPopCount on missing key: %v, want Nil", err)
	}
	if n, _ := db.Exists(ctx, "l"); n != 0 {
		t.Fatal("emptied list still exists")
	}
	if _, err := db.LPopCount(ctx, "m", -1); err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Fatalf("LPopCount -1: %v", err)
	}

	// Wrong type: every method returns WRONGTYPE and changes nothing.
	db.Set(ctx, "s", "v")
	var e *cachee.Error
	for name, err := range map[string]error{
		"LPush": second(db.LPush(ctx, "s", "a")),
		"RPush": second(db.RPush(ctx, "s", "a")),
		"LPop":  second(db.LPop(ctx, "s")),
		"RPop":  second(db.RPop(ctx, "s")),
		"LLen":  second(db.LLen(ctx, "s")),
		"LMove": second(db.LMove(ctx, "m", "s", cachee.Left, cachee.Left)),
	} {
		if !errors.As(err, &e) || e.Prefix != "WRONGTYPE" {
			t.Errorf("%s on a string: %v, want WRONGTYPE", name, err)
		}
	}
	if v, _ := db.Get(ctx, "s"); v != "v" {
		t.Fatalf("string changed to %q", v)
	}
	if v, _ := db.LIndex(ctx, "m", 0); v != "c" {
		t.Fatalf("LMove onto a string moved the element: m[0] = %q", v)
	}
}

func second[T any](_ T, err error) error { return err }

// TestTypedListOwnership: Do copies its arguments, and a popped string stays
// intact whatever happens to the list afterwards.
func TestTypedListOwnership(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	buf := []byte("hello")
	db.Do(ctx, "RPUSH", "l", buf)
	buf[0] = 'j'
	db.RPush(ctx, "l", string(buf))
	if v, _ := db.LIndex(ctx, "l", 0); v != "hello" {
		t.Fatalf("element changed with the argument buffer: %q", v)
	}
	a, _ := db.LPop(ctx, "l")
	db.RPush(ctx, "l", "other", "values")
	db.Do(ctx, "LSET", "l", 0, "changed")
	if a != "hello" {
		t.Fatalf("popped %q, want hello", a)
	}
	if got, _ := db.LRange(ctx, "l", 0, -1); !slices.Equal(got, []string{"changed", "other", "values"}) {
		t.Fatalf("LRange = %q", got)
	}
}

// TestTypedListConcurrent: producers and consumers on one list lose and
// duplicate nothing (run with -race).
func TestTypedListConcurrent(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	const producers, each = 4, 2000
	var prod, cons sync.WaitGroup
	for p := 0; p < producers; p++ {
		prod.Add(1)
		go func() {
			defer prod.Done()
			for i := 0; i < each; i++ {
				if _, err := db.LPush(ctx, "q", strconv.Itoa(p)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	counts := make([]map[string]int, 2)
	for c := range counts {
		counts[c] = map[string]int{}
		cons.Add(1)
		go func() {
			defer cons.Done()
			for {
				// Once the producers are done, the first miss means the
				// queue is drained.
				finished := false
				select {
				case <-done:
					finished = true
				default:
				}
				v, err := db.RPop(ctx, "q")
				switch {
				case errors.Is(err, cachee.Nil) && finished:
					return
				case errors.Is(err, cachee.Nil):
					runtime.Gosched()
				case err != nil:
					t.Error(err)
					return
				default:
					counts[c][v]++
				}
			}
		}()
	}
	prod.Wait()
	close(done)
	cons.Wait()
	for p := 0; p < producers; p++ {
		k := strconv.Itoa(p)
		if n := counts[0][k] + counts[1][k]; n != each {
			t.Errorf("producer %d: %d elements popped, want %d", p, n, each)
		}
	}
}
