package engine

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The optimistic GET is off under the race detector (raceBuild), so these
// tests exercise it only without -race: `make test` runs them both ways.

// optimistic is getOptimistic for key in s's database.
func optimistic(e *Engine, s *Session, key string) (string, bool) {
	return e.getOptimistic(s, []byte(key), e.ks.hash([]byte(key)))
}

// TestOptimisticGet checks when the lock-free GET answers and when it
// leaves the read to the locked path, and that its hits count in INFO as
// the locked path's do.
func TestOptimisticGet(t *testing.T) {
	if raceBuild {
		t.Skip("the optimistic read is off under the race detector; make test runs this test without it")
	}
	e := New(Config{})
	defer e.Close()
	s := e.NewSession(ConnInfo{}, false)
	execArgs(e, s, "set", "k", "value")
	if v, ok := optimistic(e, s, "k"); !ok || v != "value" {
		t.Fatalf("GET k: %q %v, want value true", v, ok)
	}
	// It handed the bytes out: the next SET must not overwrite them.
	h := e.ks.hash([]byte("k"))
	sh := &e.ks.shards[e.ks.shardOf(h)]
	if en := sh.dbs[0].find(h, []byte("k")); en.flags&flagFresh != 0 {
		t.Fatal("the read left flagFresh set")
	}
	if v, ok := optimistic(e, s, "k"); !ok || v != "value" {
		t.Fatalf("a second read: %q %v, want value true", v, ok)
	}
	// GET through Exec takes the same path.
	before := s.stats.hits.Load()
	if r := execArgs(e, s, "get", "k"); render(r) != "$value" {
		t.Fatalf("Exec GET k: %s", render(r))
	}
	if s.stats.hits.Load() != before+1 {
		t.Error("Exec GET of a read value took the lock")
	}
	if got := s.lastCmd.Load().Name; got != "get" {
		t.Errorf("last command after a lock-free GET: %q", got)
	}
	execArgs(e, s, "set", "empty", "")
	e.Get(s, "empty")
	if v, ok := optimistic(e, s, "empty"); !ok || v != "" {
		t.Fatalf("an empty value: %q %v", v, ok)
	}

	for _, tc := range []struct {
		name  string
		setup []string
		key   string
	}{
		{"missing key", nil, "nokey"},
		{"another type", []string{"rpush l a"}, "l"},
		{"a TTL that has passed", []string{"set gone v px 1"}, "gone"},
	} {
		for _, l := range tc.setup {
			execArgs(e, s, strings.Fields(l)...)
		}
		time.Sleep(5 * time.Millisecond) // past gone's TTL
		if got, ok := optimistic(e, s, tc.key); ok {
			t.Errorf("%s: answered %q", tc.name, got)
		}
	}
	if r := execArgs(e, s, "get", "gone"); r.Kind != KindNull {
		t.Errorf("GET of an expired key: %s", render(r))
	}
	for _, tc := range []struct {
		name  string
		setup []string
		key   string
		want  string
	}{
		{"a TTL to come", []string{"set t v ex 100"}, "t", "v"},
		{"another key's TTL removed (its slot moves)", []string{"set t2 v2 ex 100", "set t3 v3 ex 100", "persist t2"}, "t3", "v3"},
		{"another database", []string{"select 1", "set k v1"}, "k", "v1"},
	} {
		for _, l := range tc.setup {
			execArgs(e, s, strings.Fields(l)...)
		}
		if got, ok := optimistic(e, s, tc.key); !ok || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, ok, tc.want)
		}
	}
	execArgs(e, s, "select", "0")

	// A write between the loads and the check of seq: the loads may not
	// belong together, so the read must go to the lock.
	w := e.NewSession(ConnInfo{}, false)
	testHookOptimistic = func() { e.withKey(w, []byte("k"), func(*Ctx) {}) } // locks k's shard
	_, ok := optimistic(e, s, "k")
	testHookOptimistic = nil
	if ok {
		t.Error("answered though the shard was written between its loads and its check")
	}

	// A writer holding the shard: the read must not go ahead.
	sh.lock()
	_, ok = optimistic(e, s, "k")
	sh.unlock()
	if ok {
		t.Error("answered while the shard was locked")
	}

	// An access that must update the LRU time goes to the lock.
	sh.lock()
	en := sh.dbs[0].find(h, []byte("k"))
	en.access--
	sh.unlock()
	if _, ok := optimistic(e, s, "k"); ok {
		t.Error("answered though the read must update the LRU time")
	}
	s.flags.noTouch = true // as OBJECT's lookups, which record no access
	if _, ok := optimistic(e, s, "k"); !ok {
		t.Error("refused a read that records no access")
	}
	s.flags.noTouch = false
	e.Get(s, "k") // updates the time
	execArgs(e, s, "config", "set", "maxmemory-policy", "allkeys-lfu")
	if _, ok := optimistic(e, s, "k"); ok {
		t.Error("answered under an LFU policy, where every read counts")
	}
	execArgs(e, s, "config", "set", "maxmemory-policy", "noeviction")

	// Hits and commands count as the locked path's (RESETSTAT counts itself).
	execArgs(e, s, "config", "resetstat")
	for range 3 {
		if _, found, _ := e.Get(s, "k"); !found {
			t.Fatal("GET k missed")
		}
	}
	info := execArgs(e, s, "info", "stats").Str
	for _, want := range []string{"keyspace_hits:3\r\n", "total_commands_processed:4\r\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO stats after RESETSTAT and 3 lock-free GETs lacks %q", strings.TrimSpace(want))
		}
	}
}

// TestOptimisticGetUnderWrites has readers GET a few keys without the lock
// while writers change them every way that touches what the read looks at:
// new values of other sizes (new bytes) and of the same size (in place, when
// nobody read them), deletes, renames, TTLs set, removed and passed (which
// move other keys' TTL slots), other types, a growing and shrinking table,
// FLUSHDB and SWAPDB. Every value of key kN is "kN:" and a
// run of one digit, so a read that mixed two states (a length from one value
// and bytes from another) shows; and each reader checks that the last values
// it got have not changed since (bytes overwritten in place under it).
func TestOptimisticGetUnderWrites(t *testing.T) {
	e := New(Config{Shards: 2})
	defer e.Close()
	const keys = 8
	// value n of key k: n%32+1 digits, the digit changing every 32.
	value := func(k, n int) string {
		return "k" + strconv.Itoa(k) + ":" + strings.Repeat(strconv.Itoa(n/32%10), 1+n%32)
	}
	check := func(key, v string) error {
		p := key + ":"
		if !strings.HasPrefix(v, p) || len(v) == len(p) || strings.Trim(v[len(p):], v[len(p):len(p)+1]) != "" {
			return fmt.Errorf("GET %s = %q: not a value it ever held", key, v)
		}
		return nil
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	var optimisticHits atomic.Int64
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.NewSession(ConnInfo{}, false)
			var got, copies [8]string
			for i := 0; !stop.Load(); i++ {
				key := "k" + strconv.Itoa((i+r)%keys)
				v, found, err := e.Get(s, key)
				if i%2 == 1 { // every other read through Exec
					switch rep := execArgs(e, s, "get", key); rep.Kind {
					case KindBulk:
						v, found, err = rep.Str, true, ""
					case KindNull:
						v, found, err = "", false, ""
					default:
						v, found, err = "", false, rep.Str
					}
				}
				if err != "" && err != ErrWrongType {
					errs <- fmt.Errorf("GET %s: %s", key, err)
					return
				}
				if found {
					if err := check(key, v); err != nil {
						errs <- err
						return
					}
					got[i%8], copies[i%8] = v, strings.Clone(v)
				}
				for j := range got {
					if got[j] != copies[j] {
						errs <- fmt.Errorf("a value GET returned changed from %q to %q", copies[j], got[j])
						return
					}
				}
			}
			optimisticHits.Add(s.stats.hits.Load())
		}()
	}
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.NewSession(ConnInfo{}, false)
			for n := w; !stop.Load(); n++ {
				k := n % keys
				key := "k" + strconv.Itoa(k)
				switch n % 101 {
				case 0:
					execArgs(e, s, "del", key)
				case 1:
					execArgs(e, s, "rpush", key, "x") // another type
				case 2:
					tmp := "tmp" + strconv.Itoa(w)
					execArgs(e, s, "set", tmp, value(k, n))
					execArgs(e, s, "rename", tmp, key)
				case 3:
					execArgs(e, s, "pexpire", key, "1")
				case 7, 8, 9:
					execArgs(e, s, "expire", key, "1000") // TTL slots come and go
				case 10, 11:
					execArgs(e, s, "persist", key) // moves another key's slot
				case 4:
					for j := range 100 { // grow the table, then shrink it
						execArgs(e, s, "set", "grow"+strconv.Itoa(j), "x")
					}
					for j := range 100 {
						execArgs(e, s, "del", "grow"+strconv.Itoa(j))
					}
				case 5:
					if w == 0 && n%(101*50) == 5 {
						execArgs(e, s, "flushdb")
					}
				case 6:
					if w == 1 && n%(101*50) == 6 {
						execArgs(e, s, "swapdb", "0", "1")
					}
				default:
					execArgs(e, s, "set", key, value(k, n))
					execArgs(e, s, "set", key, value(k, n+32)) // same size, another digit: in place if unread
				}
			}
		}()
	}
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !raceBuild && optimisticHits.Load() == 0 {
		t.Error("no GET was answered without the lock: the test did not exercise the optimistic read")
	}
}
