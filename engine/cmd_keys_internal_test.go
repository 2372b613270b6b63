package engine

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// Table-driven tests that run commands through Exec with a Capture writer and
// an injected clock, for what a differential test cannot pin down: expiry at
// exact instants, the active expire cycle, and values of types cachee has no
// command for yet (WRONGTYPE). Expected replies follow Redis 7.0's source
// and documentation.

// testClock is an engine clock that moves only when told to.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// harness is an engine on a test clock with one RESP2 session.
type harness struct {
	t     *testing.T
	e     *Engine
	s     *Session
	clock *testClock
}

// t0 is the test clock's start, a whole second (unix ms).
const t0 int64 = 1_700_000_000_000

func newHarness(t *testing.T) *harness {
	t.Helper()
	clk := &testClock{now: time.UnixMilli(t0)}
	e := New(Config{Now: clk.Now})
	// Stop the background expire cycle at once: these tests run it
	// themselves (activeExpireCycle) so that expiry is deterministic. Exec
	// does not depend on the loop.
	e.Close()
	return &harness{t: t, e: e, s: e.NewSession(ConnInfo{}, false), clock: clk}
}

// nowMs is the harness clock in unix ms.
func (h *harness) nowMs() int64 { return h.clock.Now().UnixMilli() }

// execArgs runs one command on session s and returns its captured reply.
func execArgs(e *Engine, s *Session, args ...string) Reply {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	w := NewCapture(s.Proto())
	e.Exec(s, argv, w)
	if r := w.Replies(); len(r) == 1 {
		return r[0]
	}
	return Reply{Kind: KindError, Str: fmt.Sprintf("%q: %d replies, want 1", args, len(w.Replies()))}
}

// reply runs one command and returns its captured reply.
func (h *harness) reply(args ...string) Reply { return execArgs(h.e, h.s, args...) }

// do runs one command and returns its reply rendered by render.
func (h *harness) do(args ...string) string { return render(h.reply(args...)) }

// check runs a command given as one line (split on spaces, "" for an empty
// argument) and compares its
// rendered reply.
func (h *harness) check(line, want string) {
	h.t.Helper()
	if got := h.do(splitArgs(line)...); got != want {
		h.t.Errorf("%s: got %s, want %s", line, got, want)
	}
}

// script runs pairs of (command line, expected reply).
func (h *harness) script(pairs ...string) {
	h.t.Helper()
	if len(pairs)%2 != 0 {
		h.t.Fatal("script needs command/reply pairs")
	}
	for i := 0; i < len(pairs); i += 2 {
		h.check(pairs[i], pairs[i+1])
	}
}

// addTyped replaces key with a one-element value of type typ in the
// session's database, made by that family's own command.
func (h *harness) addTyped(key string, typ valueType) {
	h.t.Helper()
	h.do("del", key)
	cmd := map[valueType][]string{
		typeString: {"set", key, "x"},
		typeList:   {"rpush", key, "x"},
		typeHash:   {"hset", key, "f", "v"},
		typeSet:    {"sadd", key, "member"},
		typeZSet:   {"zadd", key, "1", "m"},
	}[typ]
	h.do(cmd...)
}

// dictCount is the number of entries in database db, expired or not (what
// DBSIZE reports: Redis counts keys that expired but were not yet deleted).
func (h *harness) dictCount(db int) int {
	h.e.ks.lockAll()
	defer h.e.ks.unlockAll()
	n := 0
	for i := range h.e.ks.shards {
		n += h.e.ks.shards[i].dbs[db].count
	}
	return n
}

// expiredStat sums the shards' expired-keys counters (INFO expired_keys).
func (h *harness) expiredStat() int64 {
	h.e.ks.lockAll()
	defer h.e.ks.unlockAll()
	var n int64
	for i := range h.e.ks.shards {
		n += h.e.ks.shards[i].expired
	}
	return n
}

// render prints a reply compactly: +status, -error, :int, $bulk, _ (null),
// *[a, b] arrays, %[k: v] maps.
func render(r Reply) string {
	switch r.Kind {
	case KindStatus:
		return "+" + r.Str
	case KindError:
		return "-" + r.Str
	case KindInt:
		return fmt.Sprintf(":%d", r.Int)
	case KindBulk:
		return "$" + r.Str
	case KindNull:
		return "_"
	case KindDouble:
		return "," + r.Str
	case KindArray, KindSet:
		parts := make([]string, len(r.Elems))
		for i, e := range r.Elems {
			parts[i] = render(e)
		}
		return "*[" + strings.Join(parts, ", ") + "]"
	case KindMap:
		parts := make([]string, 0, len(r.Elems)/2)
		for i := 0; i+1 < len(r.Elems); i += 2 {
			parts = append(parts, render(r.Elems[i])+": "+render(r.Elems[i+1]))
		}
		return "%[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("?%v", r)
}

const wrongType = "-" + ErrWrongType

func TestExpireFamilyClock(t *testing.T) {
	h := newHarness(t)
	h.script(
		"set k v", "+OK",
		"expire k 100", ":1",
		"pttl k", ":100000",
		"ttl k", ":100",
		"pexpiretime k", fmt.Sprintf(":%d", t0+100000),
		"expiretime k", fmt.Sprintf(":%d", t0/1000+100),
	)
	h.clock.advance(30400 * time.Millisecond)
	h.script(
		"pttl k", ":69600",
		"ttl k", ":70", // (69600+500)/1000: TTL rounds to the nearest second
		"pexpiretime k", fmt.Sprintf(":%d", t0+100000),
	)
	h.clock.advance(69599 * time.Millisecond)
	h.script("pttl k", ":1", "ttl k", ":0", "get k", "$v")
	h.clock.advance(2 * time.Millisecond)
	h.script("pttl k", ":-2", "ttl k", ":-2", "get k", "_", "exists k", ":0")

	// TTL rounding of the remaining milliseconds.
	h.script(
		"psetex r 1499 v", "+OK", "ttl r", ":1",
		"psetex r 1500 v", "+OK", "ttl r", ":2",
		"psetex r 499 v", "+OK", "ttl r", ":0",
		"psetex r 500 v", "+OK", "ttl r", ":1",
	)
	now := h.nowMs()
	h.script(
		fmt.Sprintf("pexpireat r %d", now+1499), ":1",
		"expiretime r", fmt.Sprintf(":%d", (now+1499+500)/1000),
	)
}

func TestExpireInThePastDeletes(t *testing.T) {
	h := newHarness(t)
	sec := t0 / 1000
	for _, c := range []string{
		fmt.Sprintf("expireat k %d", sec-1),
		fmt.Sprintf("expireat k %d", sec), // now counts as past (checkAlreadyExpired: when <= now)
		fmt.Sprintf("pexpireat k %d", t0),
		fmt.Sprintf("pexpireat k %d", t0-1),
		"expire k 0",
		"expire k -10",
		"pexpire k 0",
		"pexpireat k 1",
		"expireat k -1",
	} {
		h.check("set k v", "+OK")
		h.check("set other v", "+OK")
		before := h.dictCount(0)
		h.check(c, ":1")
		if got := h.dictCount(0); got != before-1 {
			t.Errorf("%s: %d keys in the dict afterwards, want %d (the key deleted)", c, got, before-1)
		}
		h.check("exists k", ":0")
	}
	// Not yet expired: one millisecond ahead.
	h.script(
		"set k v", "+OK",
		fmt.Sprintf("pexpireat k %d", t0+1), ":1",
		"pttl k", ":1",
		"pexpire k 1", ":1",
		"pttl k", ":1",
	)
	// Past times with conditions: the condition is checked first.
	h.script(
		"set k v", "+OK",
		"expire k -1 xx", ":0", // no TTL: XX fails, the key stays
		"exists k", ":1",
		"expire k -1 gt", ":0",
		"exists k", ":1",
		"expire k -1 lt", ":1", // no TTL counts as infinite: LT succeeds and deletes
		"exists k", ":0",
		"expire k -1", ":0", // missing key
	)
}

func TestExpireConditions(t *testing.T) {
	h := newHarness(t)
	h.script(
		"set k v", "+OK",
		"expire k 10 gt", ":0",
		"expire k 10 xx", ":0",
		"ttl k", ":-1",
		"expire k 100 nx", ":1",
		"expire k 200 nx", ":0",
		"pttl k", ":100000",
		"expire k 100 gt", ":0", // equal is not greater
		"expire k 101 gt", ":1",
		"expire k 101 lt", ":0", // equal is not less
		"expire k 50 lt", ":1",
		"pttl k", ":50000",
		"pexpire k 50001 xx gt", ":1",
		"pexpire k 50000 xx lt", ":1",
		"pttl k", ":50000",
		"persist k", ":1",
		"expire k 10 lt", ":1",
		"pttl k", ":10000",
		"expire k 10 nx xx", "-"+ErrExpireNXOptions,
		"expire k 10 gt lt", "-"+ErrExpireGTLT,
		"expire k 10 bogus", "-ERR Unsupported option bogus",
		"expire missing 10 nx", ":0",
	)
}

func TestActiveExpireCycle(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 300; i++ {
		h.check(fmt.Sprintf("set ttl:%d v px %d", i, 10+i%5), "+OK")
	}
	for i := 0; i < 20; i++ {
		h.check(fmt.Sprintf("set keep:%d v", i), "+OK")
	}
	h.check("select 3", "+OK")
	for i := 0; i < 50; i++ {
		h.check(fmt.Sprintf("set db3:%d v px 5", i), "+OK")
	}
	h.check("select 0", "+OK")

	// Nothing has expired yet: the cycle removes nothing.
	h.e.activeExpireCycle(time.Hour)
	if n := h.dictCount(0); n != 320 {
		t.Fatalf("before expiry: %d keys, want 320", n)
	}
	h.clock.advance(20 * time.Millisecond)
	// Expired keys stay in the dict (and in DBSIZE) until something removes them.
	h.check("dbsize", ":320")
	if n := h.dictCount(3); n != 50 {
		t.Fatalf("db 3 before the cycle: %d keys, want 50", n)
	}
	h.e.activeExpireCycle(time.Hour)
	if n := h.dictCount(0); n != 20 {
		t.Errorf("after the cycle: %d keys in db 0, want 20", n)
	}
	if n := h.dictCount(3); n != 0 {
		t.Errorf("after the cycle: %d keys in db 3, want 0", n)
	}
	if n := h.expiredStat(); n != 350 {
		t.Errorf("expired counter %d, want 350", n)
	}
	h.check("dbsize", ":20")
	h.check("get keep:7", "$v")

	// Keys whose TTL is in the future are never removed by the cycle.
	for i := 0; i < 100; i++ {
		h.check(fmt.Sprintf("set later:%d v ex 1000", i), "+OK")
	}
	for i := 0; i < 5; i++ {
		h.e.activeExpireCycle(time.Hour)
	}
	if n := h.dictCount(0); n != 120 {
		t.Errorf("future TTLs: %d keys, want 120", n)
	}
}

func TestLazyExpiryKeyCommands(t *testing.T) {
	h := newHarness(t)
	setup := func() {
		h.t.Helper()
		h.check("flushall", "+OK")
		h.check("set gone v px 10", "+OK")
		h.check("set live v", "+OK")
		h.clock.advance(20 * time.Millisecond)
	}
	setup()
	// KEYS skips expired keys without deleting them (Redis 7.0 keysCommand).
	h.check("keys *", "*[$live]")
	h.check("dbsize", ":2")
	for i := 0; i < 20; i++ {
		h.check("randomkey", "$live")
	}
	h.check("exists gone live", ":1")
	h.check("dbsize", ":1")

	for _, tc := range []struct{ cmd, want string }{
		{"exists gone", ":0"},
		{"type gone", "+none"},
		{"ttl gone", ":-2"},
		{"pttl gone", ":-2"},
		{"expiretime gone", ":-2"},
		{"pexpiretime gone", ":-2"},
		{"persist gone", ":0"},
		{"expire gone 100", ":0"},
		{"touch gone", ":0"},
		{"del gone", ":0"},
		{"unlink gone", ":0"},
		{"rename gone x", "-" + ErrNoSuchKey},
		{"renamenx gone x", "-" + ErrNoSuchKey},
		{"move gone 1", ":0"},
		{"copy gone x", ":0"},
		{"object encoding gone", "_"},
		{"object idletime gone", "_"},
		// an expired destination is a missing one
		{"renamenx live gone", ":1"},
		{"copy live gone", ":1"},
		{"rename live gone", "+OK"},
	} {
		setup()
		h.check(tc.cmd, tc.want)
		if strings.HasPrefix(tc.cmd, "r") && strings.HasSuffix(tc.cmd, "live gone") {
			// RENAME/RENAMENX moved live onto the expired name.
			h.script("get gone", "$v", "exists live", ":0")
			continue
		}
		if strings.HasSuffix(tc.cmd, "live gone") { // COPY
			h.script("get gone", "$v", "exists live", ":1")
			continue
		}
		h.check("exists live", ":1")
		// The expired key has been reclaimed or is invisible: it never comes back.
		h.check("keys gone", "*[]")
		h.check("get gone", "_")
	}
	setup()
	h.check("select 1", "+OK")
	h.check("set live other", "+OK")
	h.check("set gone2 v px 1", "+OK")
	h.clock.advance(2 * time.Millisecond)
	h.check("select 0", "+OK")
	h.check("move live 1", ":0") // live exists in db 1
	h.check("set gone2 v", "+OK")
	h.check("move gone2 1", ":1") // db 1's gone2 expired: a missing target
}

func TestIdletimeClock(t *testing.T) {
	h := newHarness(t)
	h.check("set k v", "+OK")
	h.check("set w v", "+OK")
	h.clock.advance(10 * time.Second)
	h.script(
		"object idletime k", ":10",
		// These do not touch the key (LOOKUP_NOTOUCH in Redis).
		"exists k", ":1",
		"type k", "+string",
		"ttl k", ":-1",
		"object encoding k", "$embstr",
		"object idletime k", ":10",
		"get k", "$v",
		"object idletime k", ":0",
		"expire w 100", ":1", // a write lookup touches
		"object idletime w", ":0",
	)
	h.clock.advance(5 * time.Second)
	h.script(
		"rename w w2", "+OK",
		"object idletime w2", ":0",
		"copy k k2", ":1",
		"object idletime k2", ":0",
	)
}

func TestKeysOnOtherTypes(t *testing.T) {
	h := newHarness(t)
	h.addTyped("l", typeList)
	h.addTyped("h", typeHash)
	h.script(
		"type l", "+list",
		"type h", "+hash",
		"exists l h x", ":2",
		"expire l 100", ":1",
		"ttl l", ":100",
		"rename l l2", "+OK",
		"type l2", "+list",
		"ttl l2", ":100",
		"copy l2 l3", ":1",
		"type l3", "+list",
		"move l3 1", ":1",
		"select 1", "+OK",
		"type l3", "+list",
		"select 0", "+OK",
		"keys l*", "*[$l2]",
		"del l2 h", ":2",
		"dbsize", ":0",
	)
}

func TestObjectRefcountSharedIntegers(t *testing.T) {
	h := newHarness(t)
	shared := fmt.Sprintf(":%d", math.MaxInt32)
	h.script(
		"set a 0", "+OK", "object refcount a", shared,
		"set a 9999", "+OK", "object refcount a", shared,
		"set a 10000", "+OK", "object refcount a", ":1",
		"set a -1", "+OK", "object refcount a", ":1",
		"incrbyfloat f 5", "$5", "object refcount f", ":1",
		"object encoding f", "$embstr",
		"incr f", ":6", "object encoding f", "$int", "object refcount f", shared,
	)
}

func TestGlobMatch(t *testing.T) {
	// Expected results follow Redis's stringmatchlen (util.c).
	for _, tc := range []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		{"*", "", false, false}, // the empty string matches only the empty pattern
		{"", "", false, true},
		{"", "a", false, false},
		{"**", "", false, false},
		{"*", "abc", false, true},
		{"a*", "a", false, true},
		{"a*c", "abbbc", false, true},
		{"a*c", "abbbcd", false, false},
		{"a*b*c", "aXbXc", false, true},
		{"?", "", false, false},
		{"?", "a", false, true},
		{"??", "a", false, false},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-c]llo", "hbllo", false, true},
		{"h[c-a]llo", "hbllo", false, true}, // reversed ranges are swapped
		{"h[a-]llo", "h]llo", false, false}, // "a-]" is the range ']'..'a' and the class runs on
		{"[", "a", false, false},
		{"[^", "a", false, true}, // unterminated negated class matches any byte
		{"[abc", "b", false, true},
		{"a\\*", "a*", false, true},
		{"a\\*", "ab", false, false},
		{"a\\", "a\\", false, true}, // a trailing backslash is literal
		{"[\\]]", "]", false, true},
		{"[\\-a]", "-", false, true},
		{"HELLO", "hello", true, true},
		{"H[A-Z]LLO", "hello", true, true},
		{"h[E]llo", "HELLO", true, true},
		{"h[\\E]llo", "hello", true, false}, // escaped class bytes compare exactly
		{"h[\\e]llo", "hello", true, true},
		{"h\\Ello", "hello", true, true}, // an escaped byte outside a class folds
		{"*a*a*a*a*a*a*a*b", strings.Repeat("a", 40), false, false},
	} {
		if got := globMatch([]byte(tc.pat), tc.s, tc.nocase); got != tc.want {
			t.Errorf("globMatch(%q, %q, nocase=%v) = %v, want %v", tc.pat, tc.s, tc.nocase, got, tc.want)
		}
	}
}

// TestExpiryBoundary: Redis keeps a key alive at the very millisecond of its
// expiry (keyIsExpired: now > when; the active cycle: now > t) and only
// deletes it one millisecond later.
func TestExpiryBoundary(t *testing.T) {
	h := newHarness(t)
	h.check("set k v px 100", "+OK")
	h.clock.advance(100 * time.Millisecond)
	// KEYS filters expired keys itself (cmd_keys.go) and follows Redis.
	h.check("keys k", "*[$k]")
	h.check("pttl k", ":0")
	h.script("get k", "$v", "ttl k", ":0")
	h.e.activeExpireCycle(time.Hour)
	h.check("exists k", ":1")
	h.clock.advance(time.Millisecond)
	h.script("get k", "_")
}

// TestRealClockFollowsWall checks the real clock's one-read path against
// time.Now, and that a tick resynchronises it after the wall clock moved
// (here: a reading taken an hour off).
func TestRealClockFollowsWall(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	check := func() {
		t.Helper()
		before := time.Now().UnixMilli()
		got := e.nowMs()
		after := time.Now().UnixMilli()
		if got < before || got > after {
			t.Fatalf("nowMs = %d, outside [%d, %d]", got, before, after)
		}
	}
	for range 1000 {
		check()
	}
	now := time.Now()
	e.wall.Store(&wallReading{now, now.Add(-time.Hour).UnixNano()})
	if d := time.Now().UnixMilli() - e.nowMs(); d < 3599_000 {
		t.Fatalf("a reading an hour off gives nowMs %d ms behind", d)
	}
	e.tick()
	check()
}
