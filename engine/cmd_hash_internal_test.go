package engine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Internal tests of the hash family for what the differential tests cannot
// pin down: encodings at the thresholds, TTLs on the test clock, the
// invariants of hashObj under random operations, HSCAN's guarantee while the
// hash changes between calls, and HRANDFIELD's distribution.

func TestHashEncodingThresholds(t *testing.T) {
	h := newHarness(t)
	fill := func(key string, n int) {
		args := []string{"hset", key}
		for i := 1; i <= n; i++ {
			args = append(args, fmt.Sprintf("f%d", i), "v")
		}
		h.do(args...)
	}
	fill("a", 512)
	h.script(
		"object encoding a", "$listpack",
		"hset a f512 w", ":0", // an update at the limit does not convert
		"object encoding a", "$listpack",
		"hsetnx a f1 w", ":0",
		"hset a f513 v", ":1",
		"object encoding a", "$hashtable",
		"hdel a f513 f512 f511", ":3", // one way: never back to listpack
		"object encoding a", "$hashtable",
	)
	long := strings.Repeat("z", 64)
	h.script(
		"hset b f "+long, ":1",
		"object encoding b", "$listpack",
		"hset b "+long+" v", ":1",
		"object encoding b", "$listpack",
		"hset b g "+long+"z", ":1",
		"object encoding b", "$hashtable",
		// HSETNX converts only when it writes.
		"hset c f v", ":1",
		"hsetnx c f "+long+"z", ":0",
		"object encoding c", "$listpack",
		"hsetnx c g "+long+"z", ":1",
		"object encoding c", "$hashtable",
	)
	// CONFIG SET takes effect at the next write, including an update.
	h.script(
		"hset d a 1 b 2 c 3", ":3",
		"config set hash-max-listpack-entries 2", "+OK",
		"hget d a", "$1",
		"object encoding d", "$listpack",
		"hset d a 9", ":0",
		"object encoding d", "$hashtable",
		"hset e a 1 b 2", ":2",
		"object encoding e", "$listpack",
		"hincrby e c 1", ":1",
		"object encoding e", "$hashtable",
		"config set hash-max-listpack-entries 0", "+OK",
		"hset f a 1", ":1",
		"object encoding f", "$hashtable",
		"config set hash-max-listpack-entries 512", "+OK",
		"config set hash-max-listpack-value 3", "+OK",
		"hset g n 999", ":1",
		"hincrby g n 0", ":999",
		"object encoding g", "$listpack",
		"hincrby g n 1", ":1000", // the new value is 4 bytes long
		"object encoding g", "$hashtable",
		"hincrbyfloat i n 1.5", "$1.5",
		"object encoding i", "$listpack",
		"hincrbyfloat i n 0.25", "$1.75",
		"object encoding i", "$hashtable",
		"hincrby j abcd 1", ":1",
		"object encoding j", "$hashtable",
		"config set hash-max-ziplist-value 0", "+OK",
		`hset k "" ""`, ":1",
		"object encoding k", "$listpack",
		"hset k a \"\"", ":1",
		"object encoding k", "$hashtable",
		"config set hash-max-listpack-value 64", "+OK",
	)
	// COPY keeps the encoding.
	h.script("copy a a2", ":1", "object encoding a2", "$hashtable", "copy c c2", ":1")
}

func TestHashTTLSurvivesWrites(t *testing.T) {
	h := newHarness(t)
	h.script(
		"hset h a 1 b 2 c 3", ":3",
		"pexpire h 10000", ":1",
	)
	steps := [][2]string{
		{"hset h d 4", ":1"},
		{"hdel h a", ":1"},
		{"hsetnx h e 5", ":1"},
		{"hmset h f 6", "+OK"},
		{"hincrby h b 10", ":12"},
		{"hincrbyfloat h c 0.5", "$3.5"},
	}
	for i, s := range steps {
		h.clock.advance(1000 * time.Millisecond)
		h.check(s[0], s[1])
		h.check("pttl h", fmt.Sprintf(":%d", 10000-1000*(i+1)))
	}
	h.clock.advance(4000 * time.Millisecond)
	h.script("pttl h", ":0", "hlen h", ":5")
	h.clock.advance(1 * time.Millisecond)
	h.script(
		"hlen h", ":0",
		"hget h b", "_",
		"exists h", ":0",
		// A hash created after expiry starts without a TTL.
		"hset h x 1", ":1",
		"pttl h", ":-1",
	)
	// Emptying the hash deletes the key and its TTL.
	h.script(
		"expire h 100", ":1",
		"hdel h x", ":1",
		"exists h", ":0",
		"hset h x 1", ":1",
		"ttl h", ":-1",
	)
}

// checkHash verifies hashObj's invariants against a model map.
func checkHash(t *testing.T, h *hashObj, model map[string]string) {
	t.Helper()
	if h.length() != len(model) {
		t.Fatalf("length %d, model %d", h.length(), len(model))
	}
	dead := 0
	var last uint64
	for i := range h.ents {
		en := &h.ents[i]
		if en.key() <= last {
			t.Fatalf("ids not ascending at %d: %d after %d", i, en.key(), last)
		}
		last = en.key()
		if !en.live() {
			dead++
			continue
		}
		if v, ok := model[en.field]; !ok || v != en.value {
			t.Fatalf("entry %q=%q, model %q (present %v)", en.field, en.value, v, ok)
		}
		if h.index != nil {
			if _, pos := h.index.lookup(h.ents, en.field); pos != i {
				t.Fatalf("index gives %q at %d, it is at %d", en.field, pos, i)
			}
		}
	}
	switch {
	case dead != h.dead:
		t.Fatalf("dead %d, counted %d", h.dead, dead)
	case h.dead*2 > len(h.ents):
		t.Fatalf("%d tombstones in %d entries", h.dead, len(h.ents))
	case h.index == nil && (h.dead != 0 || len(h.ents) > hashSmall):
		t.Fatalf("no index with %d entries, %d dead", len(h.ents), h.dead)
	case h.index != nil && h.index.count != len(model):
		t.Fatalf("index has %d fields, model %d", h.index.count, len(model))
	case h.index != nil && h.index.count > len(h.index.slots)/4*3:
		t.Fatalf("index of %d slots holds %d fields", len(h.index.slots), h.index.count)
	case len(h.ents) > 0 && h.ents[len(h.ents)-1].id&deadBit != 0:
		t.Fatal("trailing tombstone")
	}
	for f, v := range model {
		if got, ok := h.get(f); !ok || got != v {
			t.Fatalf("get(%q) = %q, %v; model %q", f, got, ok, v)
		}
	}
}

func TestHashObjInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, span := range []int{4, 12, 40, 3000} {
		h := newHash()
		model := map[string]string{}
		for op := 0; op < 20000; op++ {
			f := strconv.Itoa(rng.IntN(span))
			switch r := rng.IntN(10); {
			case r < 5:
				v := strconv.Itoa(op)
				_, had := model[f]
				if added := h.set([]byte(f), v, false); added == had {
					t.Fatalf("set(%q) added=%v, model had it: %v", f, added, had)
				}
				model[f] = v
			default:
				_, had := model[f]
				if h.del(f) != had {
					t.Fatalf("del(%q) != %v", f, had)
				}
				delete(model, f)
			}
			if op%97 == 0 || span < 50 {
				checkHash(t, h, model)
			}
			if op%1000 == 0 {
				c := h.clone().(*hashObj)
				checkHash(t, c, model)
				c.set([]byte("clone-only"), "x", false)
				if _, ok := h.get("clone-only"); ok {
					t.Fatal("clone shares its fields with the original")
				}
			}
		}
		checkHash(t, h, model)
	}
}

// TestHashScanGuaranteeUnderMutation is a property test: while an HSCAN
// iteration runs, random fields are added, updated and deleted between the
// calls, growing and shrinking the hash (compactions included). Every field
// present for the whole iteration must be returned, and exactly once;
// returned fields must have existed at some point; the cursor must end at 0.
func TestHashScanGuaranteeUnderMutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for round := 0; round < 30; round++ {
		h := newHarness(t)
		size := 600 + rng.IntN(3000)
		span := size * 2
		present := map[string]bool{}
		args := []string{"hset", "h"}
		for i := 0; i < size; i++ {
			f := strconv.Itoa(rng.IntN(span))
			args = append(args, f, "v")
			present[f] = true
		}
		h.do(args...)
		if h.do("object", "encoding", "h") != "$hashtable" {
			t.Fatal("setup: not a hashtable")
		}
		// always: present at the start and never deleted (so far).
		always := map[string]bool{}
		ever := map[string]bool{}
		for f := range present {
			always[f], ever[f] = true, true
		}
		seen := map[string]int{}
		cursor := "0"
		// Between calls the hash shrinks, stays about the same or grows
		// (with fields beyond the initial range).
		delPercent, newSpan := []int{75, 50, 25}[round%3], span*(1+round%3)
		for calls := 0; ; calls++ {
			if calls > 100000 {
				t.Fatal("HSCAN does not terminate")
			}
			count := []string{"1", "10", "100"}[rng.IntN(3)]
			reply := h.e.capture(h.s, "hscan", "h", cursor, "count", count)
			if len(reply.Elems) != 2 {
				t.Fatalf("reply %s", render(reply))
			}
			for i := 0; i < len(reply.Elems[1].Elems); i += 2 {
				f := reply.Elems[1].Elems[i].Str
				if !ever[f] {
					t.Fatalf("round %d: returned %q, never in the hash", round, f)
				}
				seen[f]++
			}
			cursor = reply.Elems[0].Str
			if cursor == "0" {
				break
			}
			for n := rng.IntN(40); n > 0; n-- {
				f := strconv.Itoa(rng.IntN(newSpan))
				if rng.IntN(100) < delPercent {
					h.do("hdel", "h", f)
					delete(always, f)
				} else {
					h.do("hset", "h", f, "w")
					ever[f] = true
				}
			}
		}
		for f := range always {
			if seen[f] != 1 {
				t.Fatalf("round %d: field %q present throughout returned %d times", round, f, seen[f])
			}
		}
	}
}

// capture runs one command and returns its reply value.
func (e *Engine) capture(s *Session, args ...string) Reply {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	w := NewCapture(s.Proto())
	e.Exec(s, argv, w)
	return w.Replies()[0]
}

// TestHrandfieldDistribution checks that HRANDFIELD's picks are spread
// evenly: each field within a factor of 1.5 of its expected frequency, which
// is at least 400 here, so the bounds are more than 6 standard deviations away, for a listpack hash and for a
// big hash with tombstones, and that deleted fields are never picked.
func TestHrandfieldDistribution(t *testing.T) {
	h := newHarness(t)
	h.do("hset", "small", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	args := []string{"hset", "big"}
	for i := 0; i < 1000; i++ {
		args = append(args, "f"+strconv.Itoa(i), "v")
	}
	h.do(args...)
	// Delete 400 fields: tombstones stay (fewer than half), the rest is live.
	for i := 0; i < 1000; i += 5 {
		h.do("hdel", "big", "f"+strconv.Itoa(i), "f"+strconv.Itoa(i+1))
	}
	if hb := h.hash("big"); hb.dead == 0 {
		t.Fatal("setup: expected tombstones")
	}
	for _, tc := range []struct {
		key   string
		count string // "" for the single-field form
		calls int
	}{
		{"small", "", 2000},
		{"small", "-7", 300},
		{"small", "2", 1000},
		{"big", "", 240000},
		{"big", "-100", 2400},
		{"big", "30", 8000}, // random picks without repetition
		{"big", "500", 480}, // selection sampling
	} {
		freq := map[string]int{}
		picks := 0
		for i := 0; i < tc.calls; i++ {
			var fields []Reply
			if tc.count == "" {
				fields = []Reply{h.e.capture(h.s, "hrandfield", tc.key)}
			} else {
				fields = h.e.capture(h.s, "hrandfield", tc.key, tc.count).Elems
				if n, _ := strconv.Atoi(tc.count); n > 0 {
					distinct := map[string]bool{}
					for _, f := range fields {
						distinct[f.Str] = true
					}
					if len(distinct) != n {
						t.Fatalf("hrandfield %s %s: %d distinct of %d", tc.key, tc.count, len(distinct), len(fields))
					}
				}
			}
			for _, f := range fields {
				freq[f.Str]++
				picks++
			}
		}
		live := h.hash(tc.key).length()
		if len(freq) != live {
			t.Errorf("hrandfield %s %s: %d fields picked, %d live", tc.key, tc.count, len(freq), live)
		}
		want := float64(picks) / float64(live)
		for f, n := range freq {
			if _, ok := h.hash(tc.key).get(f); !ok {
				t.Fatalf("picked %q, not in %s", f, tc.key)
			}
			if float64(n) < want/1.5 || float64(n) > want*1.5 {
				t.Errorf("hrandfield %s %s: %q picked %d times, expected about %.0f", tc.key, tc.count, f, n, want)
			}
		}
	}
}

// hash returns key's hash object.
func (h *harness) hash(key string) *hashObj {
	h.e.ks.lockAll()
	defer h.e.ks.unlockAll()
	c := &Ctx{e: h.e, s: h.s, db: h.s.DB(), now: h.e.nowMs()}
	return c.lookup([]byte(key)).hashVal()
}

func TestHashBigValue(t *testing.T) {
	h := newHarness(t)
	const n = 100000
	for i := 0; i < n; i += 1000 {
		args := []string{"hset", "h"}
		for j := i; j < i+1000; j++ {
			args = append(args, "f"+strconv.Itoa(j), strconv.Itoa(j))
		}
		h.do(args...)
	}
	h.script("hlen h", fmt.Sprintf(":%d", n), "hget h f77777", "$77777", "hincrby h f5 5", ":10")
	for i := 0; i < n; i += 1000 {
		args := []string{"hdel", "h"}
		for j := i; j < i+1000; j++ {
			args = append(args, "f"+strconv.Itoa(j))
		}
		h.check(strings.Join(args, " "), ":1000")
		if i == n/2 {
			h.script("hlen h", fmt.Sprintf(":%d", n/2-1000), "hget h f77777", "$77777")
			if hb := h.hash("h"); len(hb.ents) > 2*hb.length() {
				t.Fatalf("%d entries kept for %d fields", len(hb.ents), hb.length())
			}
		}
	}
	h.script("exists h", ":0")
}

func TestHashWrongTypeViaHarness(t *testing.T) {
	h := newHarness(t)
	h.addTyped("l", typeList)
	h.addTyped("h", typeHash)
	for _, cmd := range []string{
		"hset l f v", "hsetnx l f v", "hget l f", "hmget l f", "hmset l f v", "hgetall l",
		"hdel l f", "hexists l f", "hlen l", "hstrlen l f", "hkeys l", "hvals l",
		"hincrby l f 1", "hincrbyfloat l f 1", "hrandfield l", "hrandfield l 1", "hscan l 0",
	} {
		h.check(cmd, wrongType)
	}
	h.script("hgetall h", "%[$f: $v]", "hlen h", ":1", "hdel h f", ":1", "exists h", ":0")
}
