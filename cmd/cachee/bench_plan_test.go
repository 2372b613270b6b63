package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// argvs renders one batch of n requests of w's first group as strings.
func argvs(t *testing.T, w *workload, n int) [][]string {
	t.Helper()
	gen := newGenerator(w, &w.groups[0], 7, n)
	gen.batch(n)
	var out [][]string
	for _, argv := range gen.cmds {
		var cmd []string
		for _, a := range argv {
			cmd = append(cmd, string(a))
		}
		out = append(out, cmd)
	}
	return out
}

var twelveDigits = regexp.MustCompile(`^\d{12}$`)

func TestRandIntSubstitutionIsPerOccurrenceBelowKeyspace(t *testing.T) {
	w := customWorkload([]string{"SET", "k:__rand_int__:__rand_int__", "v"}, 1000, nil)
	cmds := argvs(t, w, 200)
	if len(cmds) != 200 {
		t.Fatalf("%d commands, want 200", len(cmds))
	}
	differ := 0
	for _, c := range cmds {
		parts := strings.Split(c[1], ":")
		if len(parts) != 3 || parts[0] != "k" {
			t.Fatalf("key %q: want k:<12 digits>:<12 digits>", c[1])
		}
		for _, p := range parts[1:] {
			if !twelveDigits.MatchString(p) {
				t.Fatalf("key %q: %q is not 12 digits", c[1], p)
			}
			if n, _ := strconv.Atoi(p); n >= 1000 {
				t.Fatalf("key %q: %d is outside -r 1000", c[1], n)
			}
		}
		if parts[1] != parts[2] {
			differ++
		}
		if c[2] != "v" {
			t.Fatalf("literal argument changed: %q", c[2])
		}
	}
	// redis-benchmark draws each occurrence anew: equal pairs are rare.
	if differ < 150 {
		t.Fatalf("only %d of 200 keys had two different numbers: occurrences are not independent", differ)
	}
}

func TestRandIntStaysLiteralWithoutKeyspace(t *testing.T) {
	w := customWorkload([]string{"INCR", "counter:__rand_int__"}, 0, nil)
	for _, c := range argvs(t, w, 5) {
		if c[1] != "counter:__rand_int__" {
			t.Fatalf("without -r the key must stay literal, got %q", c[1])
		}
	}
}

func TestSameRandSharesOneNumberPerRequest(t *testing.T) {
	w := scenario(t, "ratelimit", 50)
	cmds := argvs(t, w, 100)
	if len(cmds) != 200 {
		t.Fatalf("%d commands for 100 ratelimit requests, want 200 (INCR + EXPIRE)", len(cmds))
	}
	seen := map[string]bool{}
	for i := 0; i < len(cmds); i += 2 {
		incr, expire := cmds[i], cmds[i+1]
		if incr[0] != "INCR" || expire[0] != "EXPIRE" || expire[2] != "60" {
			t.Fatalf("request %d = %v %v, want INCR key, EXPIRE key 60", i/2, incr, expire)
		}
		if incr[1] != expire[1] {
			t.Fatalf("INCR %s but EXPIRE %s: a request must touch one key", incr[1], expire[1])
		}
		seen[incr[1]] = true
	}
	if len(seen) < 20 {
		t.Fatalf("only %d distinct keys in 100 requests over 50: not random", len(seen))
	}
}

func TestDataPlaceholderAndDataSize(t *testing.T) {
	data := benchData(10, 1)
	if len(data) != 10 || strings.Trim(string(data), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		t.Fatalf("benchData(10) = %q, want 10 letters", data)
	}
	w := customWorkload([]string{"SET", "x", "<__data__>"}, 0, data)
	if got := argvs(t, w, 1)[0][2]; got != "<"+string(data)+">" {
		t.Fatalf("__data__ rendered as %q", got)
	}
	set := testByName(t, "set").build(0, data)
	if got := argvs(t, set, 1)[0]; !slices.Equal(got, []string{"SET", "key:__rand_int__", string(data)}) {
		t.Fatalf("SET test sends %q", got)
	}
}

func testByName(t *testing.T, name string) testDef {
	t.Helper()
	for _, d := range benchTests {
		if d.name == name {
			return d
		}
	}
	t.Fatalf("no test %q", name)
	return testDef{}
}

func TestTestsMatchRedisBenchmark(t *testing.T) {
	data := []byte("xyz")
	want := map[string][]string{
		"ping":       {"PING"},
		"set":        {"SET", "key:000000000000", "xyz"},
		"get":        {"GET", "key:000000000000"},
		"incr":       {"INCR", "counter:000000000000"},
		"lpush":      {"LPUSH", "mylist", "xyz"},
		"rpop":       {"RPOP", "mylist"},
		"sadd":       {"SADD", "myset", "element:000000000000"},
		"hset":       {"HSET", "myhash", "element:000000000000", "xyz"},
		"spop":       {"SPOP", "myset"},
		"zadd":       {"ZADD", "myzset", "000000000000", "element:000000000000"},
		"zpopmin":    {"ZPOPMIN", "myzset"},
		"lrange_100": {"LRANGE", "mylist", "0", "99"},
		"lrange_500": {"LRANGE", "mylist", "0", "499"},
		"evalsha":    {"EVALSHA", scriptSHA(evalshaScript), "1", "key:000000000000", "xyz"},
	}
	for name, argv := range want {
		w := testByName(t, name).build(1, data) // -r 1: every number is 0
		if got := argvs(t, w, 1)[0]; !slices.Equal(got, argv) {
			t.Errorf("-t %s sends %q, want %q", name, got, argv)
		}
	}
	mset := argvs(t, testByName(t, "mset").build(1, data), 1)[0]
	if len(mset) != 21 || mset[0] != "MSET" {
		t.Errorf("MSET sends %d args %q, want MSET and 10 pairs", len(mset), mset)
	}
	if z := argvs(t, testByName(t, "zadd").build(0, data), 1)[0]; z[2] != "0" {
		t.Errorf("without -r ZADD's score is %q, want 0 as redis-benchmark", z[2])
	}
	lr := testByName(t, "lrange_600").build(0, data)
	if len(lr.setup) != 1 || lr.setup[0][0] != "LPUSH" || len(lr.setup[0]) != 602 {
		t.Errorf("LRANGE setup = %d commands, want one LPUSH of 600 values", len(lr.setup))
	}
	ev := testByName(t, "evalsha").build(0, data)
	if len(ev.setup) != 1 || !slices.Equal(ev.setup[0], []string{"SCRIPT", "LOAD", evalshaScript}) {
		t.Errorf("evalsha setup = %q", ev.setup)
	}
}

func TestSelectTests(t *testing.T) {
	names := func(ds []testDef) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.name)
		}
		return out
	}
	all, err := selectTests("")
	if err != nil || len(all) != len(benchTests) {
		t.Fatalf("no -t: %d tests, %v", len(all), err)
	}
	got, err := selectTests("GET, set,lrange,set")
	if err != nil {
		t.Fatal(err)
	}
	// Default order, each once, the lrange alias expanded.
	want := []string{"set", "get", "lrange_100", "lrange_300", "lrange_500", "lrange_600"}
	if !slices.Equal(names(got), want) {
		t.Fatalf("selectTests = %v, want %v", names(got), want)
	}
	if _, err := selectTests("set,nosuch"); err == nil || !strings.Contains(err.Error(), `unknown test "nosuch"`) {
		t.Fatalf("unknown test: err = %v", err)
	}
	if _, err := selectTests(" , "); err == nil {
		t.Fatal("an empty list after commas must be an error")
	}
}

func scenario(t *testing.T, name string, keyspace uint64) *workload {
	t.Helper()
	s, err := findScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	return s.build(keyspace, []byte("dd"))
}

func TestScenarioDefinitions(t *testing.T) {
	t.Run("session", func(t *testing.T) {
		w := scenario(t, "session", 30)
		if len(w.setup) != 30 {
			t.Fatalf("%d sessions loaded, want the key space (30)", len(w.setup))
		}
		if s := w.setup[7]; s[0] != "HSET" || s[1] != "bench:session:000000000007" || len(s) != 22 {
			t.Fatalf("setup[7] = %q, want HSET of ten fields on session 7", s)
		}
		cmds := argvs(t, w, 10)
		var hget, hset int
		for _, c := range cmds {
			switch c[0] {
			case "HGET":
				hget++
			case "HSET":
				hset++
				if len(c) != 22 {
					t.Fatalf("HSET with %d args, want 10 field/value pairs", len(c))
				}
			}
		}
		if hget != 8 || hset != 2 {
			t.Fatalf("10 requests = %d HGET + %d HSET, want 8 + 2", hget, hset)
		}
	})
	t.Run("leaderboard", func(t *testing.T) {
		w := scenario(t, "leaderboard", 2500)
		members := 0
		for _, s := range w.setup[1:] {
			if s[0] != "ZADD" || s[1] != "bench:lb" {
				t.Fatalf("setup %q", s[:2])
			}
			members += (len(s) - 2) / 2
		}
		if w.setup[0][0] != "DEL" || members != 2500 {
			t.Fatalf("setup: DEL then %d members, want 2500", members)
		}
		var zadd, zrange int
		for _, c := range argvs(t, w, 20) {
			switch {
			case c[0] == "ZADD" && strings.HasPrefix(c[3], "m:"):
				zadd++
			case slices.Equal(c, []string{"ZRANGE", "bench:lb", "0", "49", "REV", "WITHSCORES"}):
				zrange++
			default:
				t.Fatalf("unexpected command %q", c)
			}
		}
		if zadd != 18 || zrange != 2 {
			t.Fatalf("20 requests = %d ZADD + %d ZRANGE, want 18 + 2", zadd, zrange)
		}
		if s, _ := findScenario("leaderboard"); s.keyspace != 100_000 {
			t.Fatalf("leaderboard default members = %d, want 100000", s.keyspace)
		}
	})
	t.Run("queue", func(t *testing.T) {
		w := scenario(t, "queue", 0)
		if len(w.groups) != 2 || w.groups[0].name != "producers" || w.groups[1].name != "workers" {
			t.Fatalf("queue groups = %+v", w.groups)
		}
		gen := newGenerator(w, &w.groups[1], 1, 1)
		gen.batch(1)
		if got := string(gen.cmds[0][0]) + " " + string(gen.cmds[0][1]); got != "BRPOP bench:queue" {
			t.Fatalf("worker sends %q", got)
		}
		if p := argvs(t, w, 1)[0]; !slices.Equal(p, []string{"LPUSH", "bench:queue", "dd"}) {
			t.Fatalf("producer sends %q", p)
		}
	})
	t.Run("scoring", func(t *testing.T) {
		w := scenario(t, "scoring", 10)
		if !slices.ContainsFunc(w.setup, func(c []string) bool { return slices.Equal(c, []string{"SCRIPT", "LOAD", scoringScript}) }) {
			t.Fatal("scoring does not load its script")
		}
		if got := len(w.setup); got != 12 {
			t.Fatalf("%d setup commands, want DEL + SCRIPT LOAD + 10 items", got)
		}
		c := argvs(t, w, 1)[0]
		if c[0] != "EVALSHA" || c[1] != scriptSHA(scoringScript) || c[2] != "2" || c[4] != "bench:trending" {
			t.Fatalf("scoring sends %q", c)
		}
		if !strings.HasSuffix(c[3], ":"+c[5]) {
			t.Fatalf("item key %s and member %s must be the same item", c[3], c[5])
		}
		if strings.Count(scoringScript, "HGET") != 2 || strings.Count(scoringScript, "ZADD") != 1 {
			t.Fatal("the scoring script is 2 HGET + ZADD")
		}
	})
	if _, err := findScenario("nope"); err == nil || !strings.Contains(err.Error(), "known: ratelimit") {
		t.Fatalf("unknown scenario: %v", err)
	}
}

func TestScriptSHAMatchesRedis(t *testing.T) {
	// SCRIPT LOAD "return 1" in Redis.
	if got := scriptSHA("return 1"); got != "e0e1f9fabfc9d4800c877a703b823ac0578ff8db" {
		t.Fatalf("scriptSHA = %s", got)
	}
}

func TestPadded(t *testing.T) {
	for n, want := range map[uint64]string{0: "000000000000", 42: "000000000042", 999999999999: "999999999999"} {
		if got := padded(n); got != want {
			t.Errorf("padded(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestGeneratorReusesBuffers(t *testing.T) {
	w := testByName(t, "mset").build(100000, []byte("abc"))
	gen := newGenerator(w, &w.groups[0], 3, 16)
	gen.batch(16)
	allocs := testing.AllocsPerRun(100, func() { gen.batch(16) })
	if allocs != 0 {
		t.Fatalf("batch allocates %.1f times per call, want 0 in steady state", allocs)
	}
}
