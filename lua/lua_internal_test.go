package lua

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
)

// Tests of what Redis cannot show: the embedder's limits, state reuse and
// containment of interpreter failures. They run in-process through Exec.

type harness struct {
	t *testing.T
	e *engine.Engine
	s *engine.Session
}

func newHarness(t *testing.T, cfg engine.Config, o Options) *harness {
	e := engine.New(cfg)
	t.Cleanup(e.Close)
	Attach(e, o)
	return &harness{t: t, e: e, s: e.NewSession(engine.ConnInfo{}, false)}
}

// do runs a command on the harness's session and returns its reply.
func (h *harness) do(args ...string) engine.Reply {
	return doOn(h.e, h.s, args...)
}

func doOn(e *engine.Engine, s *engine.Session, args ...string) engine.Reply {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	w := engine.NewCapture(2)
	e.Exec(s, argv, w)
	if len(w.Replies()) != 1 {
		panic("no single reply")
	}
	return w.Replies()[0]
}

func (h *harness) eval(src string, rest ...string) engine.Reply {
	return h.do(append([]string{"EVAL", src, "0"}, rest...)...)
}

func TestMaxRunTimeAbortsScriptsThatDidNotWrite(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{MaxRunTime: 150 * time.Millisecond, CheckInterval: 5 * time.Millisecond})
	start := time.Now()
	r := h.eval("while true do end")
	if r.Kind != engine.KindError || !strings.HasPrefix(r.Str, "ERR Script aborted after running 150 ms without writing") ||
		!strings.HasSuffix(r.Str, "script: "+sha1Hex("while true do end")+", on @user_script:1.") {
		t.Fatalf("reply %v %q", r.Kind, r.Str)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	// A pcall inside the script cannot swallow the abort.
	r = h.eval("while true do pcall(function() while true do end end) end")
	if r.Kind != engine.KindError || !strings.Contains(r.Str, "maximum script run time") {
		t.Fatalf("pcall loop: %q", r.Str)
	}
	// Coroutines are stopped too.
	r = h.eval("local co = coroutine.wrap(function() while true do end end) co()")
	if r.Kind != engine.KindError || !strings.Contains(r.Str, "maximum script run time") {
		t.Fatalf("coroutine loop: %q", r.Str)
	}
	if r := h.eval("return 'alive'"); r.Str != "alive" {
		t.Fatalf("next script: %v", r)
	}
}

// A script that wrote is not aborted by the run-time bound (that would leave
// half its writes): it runs to its end, here a bounded loop.
func TestMaxRunTimeSparesScriptsThatWrote(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{MaxRunTime: 20 * time.Millisecond, CheckInterval: 5 * time.Millisecond})
	r := h.eval("redis.call('set', 'k', 'v') local t0 = redis.call('time') local n = 0 " +
		"while true do n = n + 1 local t = redis.call('time') if (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 100000 then break end end return 'finished'")
	if r.Str != "finished" {
		t.Fatalf("reply %v %q", r.Kind, r.Str)
	}
}

func TestMaxMemory(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{MaxMemory: 32 << 20, CheckInterval: 2 * time.Millisecond})
	r := h.eval("return string.rep('x', 1e9)")
	if r.Kind != engine.KindError || !strings.HasPrefix(r.Str, "ERR user_script:1: not enough memory") {
		t.Fatalf("string.rep: %q", r.Str)
	}
	r = h.eval("return #string.rep('ab', 1000)")
	if r.Int != 2000 {
		t.Fatalf("small string.rep: %v", r)
	}
	// Growth the interpreter cannot see coming is stopped by the watchdog.
	for _, src := range []string{
		"local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('y', 1024) .. i end",
		"local s = 'x' while true do s = s .. s end",
	} {
		r = h.eval(src)
		if r.Kind != engine.KindError || !strings.Contains(r.Str, "maximum script memory") {
			t.Fatalf("%s: %v %q", src, r.Kind, r.Str)
		}
	}
	if r := h.eval("return 'alive'"); r.Str != "alive" {
		t.Fatalf("next script: %v", r)
	}
}

// No global, metatable or library change survives a script (they are all
// refused); KEYS and ARGV are each run's own.
func TestNothingLeaksBetweenScripts(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{})
	for _, src := range []string{
		"x = 1", "rawset(_G, 'x', 1)", "string.upper = nil", "getmetatable('').__index.upper = nil",
		"setmetatable(_G, {})", "table.insert(string, 'x')", "redis.call = nil",
	} {
		if r := h.eval(src); r.Kind != engine.KindError || !strings.Contains(r.Str, errReadonly) {
			t.Fatalf("%s: %v %q", src, r.Kind, r.Str)
		}
	}
	if r := h.eval("return select(2, pcall(function() return x end))"); !strings.Contains(r.Str, "nonexistent global variable 'x'") {
		t.Fatalf("x visible: %v", r)
	}
	if r := h.eval("return string.upper('a')"); r.Str != "A" {
		t.Fatalf("string.upper: %v", r)
	}
	// KEYS and ARGV: changed, grown and given a metatable by one script...
	h.do("EVAL", "KEYS[5] = 'x' KEYS.extra = 1 setmetatable(ARGV, {__index = function() return 'meta' end}) return 1", "2", "a", "b", "c")
	// ...are fresh for the next.
	r := h.do("EVAL", "return {#KEYS, #ARGV, tostring(KEYS.extra), tostring(ARGV[9]), KEYS[1]}", "1", "k")
	got := []string{}
	for _, e := range r.Elems {
		if e.Kind == engine.KindInt {
			got = append(got, strconv.FormatInt(e.Int, 10))
		} else {
			got = append(got, e.Str)
		}
	}
	if strings.Join(got, ",") != "1,0,nil,nil,k" {
		t.Fatalf("KEYS/ARGV after a script changed them: %v", got)
	}
	r = h.do("EVAL", "return {#KEYS, #ARGV, ARGV[1]}", "0", "only")
	if len(r.Elems) != 3 || r.Elems[0].Int != 0 || r.Elems[1].Int != 1 || r.Elems[2].Str != "only" {
		t.Fatalf("shorter KEYS/ARGV: %v", r)
	}
}

// SELECT inside a script does not change the caller's database.
func TestScriptSelectDoesNotLeak(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{})
	h.eval("redis.call('select', 3) redis.call('set', 'k', 'v')")
	if h.s.DB() != 0 {
		t.Fatalf("caller's db is %d", h.s.DB())
	}
	if r := h.do("GET", "k"); r.Kind != engine.KindNull {
		t.Fatalf("GET in db 0: %v", r)
	}
	h.do("SELECT", "3")
	if r := h.do("GET", "k"); r.Str != "v" {
		t.Fatalf("GET in db 3: %v", r)
	}
}

// Scripts are atomic: concurrent increments through scripts and plain
// commands never lose an update, and a script's two reads see no other
// writer in between.
func TestScriptsAreAtomic(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{})
	const workers, rounds = 4, 200
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		s := h.e.NewSession(engine.ConnInfo{}, false)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if w%2 == 0 {
					doOn(h.e, s, "EVAL", "local v = tonumber(redis.call('get', 'n') or 0) redis.call('set', 'n', v + 1) "+
						"local a = redis.call('get', 'n') local b = redis.call('get', 'n') if a ~= b then return 'torn' end return a", "0")
				} else {
					doOn(h.e, s, "INCR", "n")
				}
			}
		}(w)
	}
	wg.Wait()
	if r := h.do("GET", "n"); r.Str != "800" {
		t.Fatalf("n = %q, want 800", r.Str)
	}
}

// A script may touch keys it did not declare, in any shard (Redis allows
// it; BullMQ and Sidekiq rely on it).
func TestUndeclaredKeys(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{})
	r := h.eval("for i = 1, 200 do redis.call('set', 'k' .. i, i) end local s = 0 for i = 1, 200 do s = s + redis.call('get', 'k' .. i) end return s")
	if r.Int != 20100 {
		t.Fatalf("sum = %v", r)
	}
}

// TestFuzzNoPanic throws random byte strings and damaged scripts at the
// interpreter in-process: every one must come back as a reply.
func TestFuzzNoPanic(t *testing.T) {
	h := newHarness(t, engine.Config{}, Options{MaxRunTime: 200 * time.Millisecond})
	r := rand.New(rand.NewPCG(7, 9))
	seeds := []string{
		"return redis.call('set', KEYS[1], ARGV[1])", "local t = {} t[1] = t return t",
		"return cjson.decode(ARGV[1])", "return cmsgpack.unpack(ARGV[1])", "return struct.unpack(ARGV[1], ARGV[1])",
		"return string.format(ARGV[1], 1, 'x')", "return bit.tohex(tonumber(ARGV[1]) or 0)",
		"#!lua flags=no-writes\nreturn 1", "return redis.setresp(3) or redis.call('hgetall', 'h')",
	}
	for i := 0; i < 3000; i++ {
		var src string
		if i%3 == 0 {
			b := make([]byte, r.IntN(40))
			for j := range b {
				b[j] = byte(r.IntN(256))
			}
			src = string(b)
		} else {
			src = seeds[i%len(seeds)]
			b := []byte(src)
			for n := r.IntN(4); n > 0 && len(b) > 0; n-- {
				b[r.IntN(len(b))] = byte(r.IntN(128))
			}
			src = string(b)
		}
		arg := make([]byte, r.IntN(20))
		for j := range arg {
			arg[j] = "{}[]\"%sdxcib0123,:<>!"[r.IntN(21)]
		}
		rep := h.do("EVAL", src, "1", "k", string(arg))
		if rep.Kind == 0 {
			t.Fatalf("no reply for %q", src)
		}
	}
}
