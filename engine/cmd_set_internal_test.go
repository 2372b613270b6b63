package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Internal tests of the set commands (harness in cmd_keys_internal_test.go):
// encodings at their thresholds, TTLs, the SSCAN guarantee under mutation,
// and the random commands' distinctness and distribution. Expected encodings
// follow Redis 7.0's t_set.c (checked against redis-server 7.0.15).

// intsArgs is "prefix from ... to" with the integers spelled out.
func intsArgs(prefix string, from, to int) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := from; i <= to; i++ {
		b.WriteString(" " + strconv.Itoa(i))
	}
	return b.String()
}

func TestSetEncodingThresholds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		max   int // set-max-intset-entries
		lines []string
		want  string
	}{
		{"at the limit", 4, []string{"sadd s 1 2 3 4"}, "intset"},
		{"one past", 4, []string{"sadd s 1 2 3 4 5"}, "hashtable"},
		{"past then back", 4, []string{"sadd s 1 2 3 4 5", "srem s 5"}, "hashtable"},
		{"duplicate at the limit", 4, []string{"sadd s 1 2 3 4", "sadd s 4 3"}, "intset"},
		{"zero limit", 0, []string{"sadd s 1"}, "hashtable"},
		{"non-integer", 512, []string{"sadd s 1 x"}, "hashtable"},
		{"non-integer removed", 512, []string{"sadd s 1 x", "srem s x"}, "hashtable"},
		{"int64 bounds", 512, []string{"sadd s -9223372036854775808 9223372036854775807"}, "intset"},
		{"past int64", 512, []string{"sadd s 9223372036854775808"}, "hashtable"},
		{"leading zero", 512, []string{"sadd s 007"}, "hashtable"},
		{"limit lowered later", 4, []string{"config set set-max-intset-entries 512", "sadd s 1 2 3 4 5 6", "config set set-max-intset-entries 4", "srem s 6"}, "intset"},
		{"limit lowered, next add converts", 4, []string{"config set set-max-intset-entries 512", "sadd s 1 2 3 4 5 6", "config set set-max-intset-entries 4", "sadd s 7"}, "hashtable"},
		{"sinterstore at the limit", 4, []string{"sadd a 1 2 3 4 5", "sadd b 1 2 3 4 x", "sinterstore s a b"}, "intset"},
		{"sunionstore past the limit", 4, []string{"sadd a 1 2 3", "sadd b 3 4 5", "sunionstore s a b"}, "hashtable"},
		{"sunionstore of a hashtable of ints", 4, []string{"sadd a 1 x", "srem a x", "sunionstore s a"}, "intset"},
		{"sdiffstore, algorithm 1", 4, []string{"sadd a 1 2 3 4 5", "sadd b 5", "sdiffstore s a b"}, "intset"},
		{"sdiffstore, algorithm 2", 4, []string{"sadd a 1 2 3 4 5", "sadd b 5", "sadd c 6", "sadd d 7", "sdiffstore s a b c d"}, "hashtable"},
		{"smove into an intset", 4, []string{"sadd a x 1", "sadd s 2", "smove a s x"}, "hashtable"},
		{"smove creates an intset", 4, []string{"sadd a x 1", "smove a s 1"}, "intset"},
		{"spop rebuilds", 4, []string{"sadd s " + intsArgs("", 1, 10)[1:], "spop s 9"}, "intset"},
		{"spop keeps", 4, []string{"sadd s 1 2 3 4 5 6", "spop s 1"}, "hashtable"},
		{"spop pops one by one", 4, []string{"sadd s " + intsArgs("", 1, 10)[1:], "spop s 8"}, "hashtable"},
		{"copy keeps", 4, []string{"sadd a 1 2 3", "copy a s"}, "intset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.check("config set set-max-intset-entries "+strconv.Itoa(tc.max), "+OK")
			for _, l := range tc.lines {
				if r := h.do(splitArgs(l)...); strings.HasPrefix(r, "-") {
					t.Fatalf("%s: %s", l, r)
				}
			}
			h.check("object encoding s", "$"+tc.want)
		})
	}
}

func TestSetDefaultIntsetLimit(t *testing.T) {
	h := newHarness(t)
	h.script(
		intsArgs("sadd s", 1, 512), ":512",
		"object encoding s", "$intset",
		"sadd s 513", ":1",
		"object encoding s", "$hashtable",
	)
}

// TestSetTTLSurvives checks that writes that modify a set in place keep its
// TTL (SPOP's keep-the-rest strategy too, which rebuilds the value, as
// Redis's dbOverwrite keeps the expiry), that the STORE commands drop the
// destination's (Redis's setKey), and that an expired set is gone for every
// command.
func TestSetTTLSurvives(t *testing.T) {
	h := newHarness(t)
	h.script(
		intsArgs("sadd s", 1, 20), ":20",
		"pexpire s 10000", ":1",
		"sadd s x", ":1", // converts the encoding in place
		"object encoding s", "$hashtable",
		"srem s 1", ":1",
		"sadd d 100", ":1",
		"smove s d 2", ":1",
		"smove d s 100", ":1",
		"pttl s", ":10000",
	)
	h.do("spop", "s")
	h.do("spop", "s", "2")  // one by one
	h.do("spop", "s", "15") // 17 members: keep 2 and rebuild
	h.script("scard s", ":2", "pttl s", ":10000")
	h.checkSetInvariants("s")
	h.clock.advance(9999 * time.Millisecond)
	h.script("pttl s", ":1", "scard s", ":2")
	h.clock.advance(2 * time.Millisecond)
	h.script(
		"scard s", ":0",
		"smembers s", "*[]",
		"sismember s x", ":0",
		"spop s", "_",
		"sscan s 0", "*[$0, *[]]",
		"sadd s a", ":1",
		"pttl s", ":-1",
	)
	h.script(
		"sadd a 1 2", ":2",
		"set d v px 5000", "+OK",
		"sunionstore d a", ":2",
		"pttl d", ":-1",
		"pexpire d 5000", ":1",
		"sinterstore d a", ":2",
		"pttl d", ":-1",
		"pexpire d 5000", ":1",
		"sdiffstore d a nokey", ":2",
		"pttl d", ":-1",
		"pexpire a 10", ":1",
		"set e v px 10", "+OK",
	)
	h.clock.advance(11 * time.Millisecond)
	h.script(
		"sunion a d", "*[$1, $2]",
		"sinter a d", "*[]",
		"sunionstore e a", ":0",
		"exists e", ":0",
		"sunionstore e d", ":2",
		"pttl e", ":-1",
	)
}

// TestSetSscanUnderMutation is a property test of SSCAN's guarantee: every
// member present from the first call to the last is returned, however the set
// grows, shrinks (compacting its slots) and changes between calls. cachee
// also never returns a member twice in one iteration.
func TestSetSscanUnderMutation(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		h := newHarness(t)
		next := 0
		newMember := func() string { next++; return "m" + strconv.Itoa(next) }
		present := map[string]bool{}
		for range 50 + rng.IntN(500) {
			m := newMember()
			h.do("sadd", "s", m)
			present[m] = true
		}
		stable := map[string]bool{}
		for m := range present {
			stable[m] = true
		}
		seen := map[string]bool{}
		count := strconv.Itoa(1 + rng.IntN(40))
		cursor := "0"
		for calls := 0; ; calls++ {
			if calls > 100000 {
				t.Fatalf("seed %d: SSCAN does not end", seed)
			}
			r := h.reply("sscan", "s", cursor, "count", count)
			cursor = r.Elems[0].Str
			for _, m := range r.Elems[1].Elems {
				if seen[m.Str] {
					t.Errorf("seed %d: %s returned twice", seed, m.Str)
				}
				seen[m.Str] = true
				if !present[m.Str] {
					t.Errorf("seed %d: %s returned but not a member", seed, m.Str)
				}
			}
			if cursor == "0" {
				break
			}
			// Mutate: a burst of adds (growth), of removals (shrinking and
			// compaction), or a mix.
			switch rng.IntN(3) {
			case 0:
				for range rng.IntN(120) {
					m := newMember()
					h.do("sadd", "s", m)
					present[m] = true
				}
			case 1:
				for m := range present {
					if rng.IntN(3) == 0 && len(present) > 1 {
						h.do("srem", "s", m)
						delete(present, m)
						delete(stable, m)
					}
				}
			default:
				for range rng.IntN(40) {
					if rng.IntN(2) == 0 {
						m := newMember()
						h.do("sadd", "s", m)
						present[m] = true
					} else if r := h.reply("spop", "s"); r.Kind == KindBulk {
						delete(present, r.Str)
						delete(stable, r.Str)
					}
				}
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Errorf("seed %d: %s was a member throughout but never returned", seed, m)
			}
		}
		h.checkSetInvariants("s")
	}
}

// checkSetInvariants checks key's setValue: positions agree with slots, ids
// increase, holes are counted and bounded, the encoding flag is honest.
func (h *harness) checkSetInvariants(key string) {
	h.t.Helper()
	h.e.ks.lockAll()
	defer h.e.ks.unlockAll()
	c := &Ctx{e: h.e, s: h.s, db: h.s.DB(), now: h.e.nowMs()}
	e := c.lookup([]byte(key))
	if e == nil {
		return
	}
	s := e.setVal()
	holes, prev := 0, uint64(0)
	for i, sl := range s.slots {
		id := sl.id &^ deadBit
		if id <= prev || id > s.lastID {
			h.t.Fatalf("slot %d: id %d after %d (last %d)", i, id, prev, s.lastID)
		}
		prev = id
		if sl.id&deadBit != 0 {
			holes++
			continue
		}
		if s.pos[sl.member] != i {
			h.t.Fatalf("%q: position %d, slot %d", sl.member, s.pos[sl.member], i)
		}
	}
	if holes != s.holes || len(s.slots)-holes != len(s.pos) {
		h.t.Fatalf("%d holes counted %d; %d slots for %d members", holes, s.holes, len(s.slots), len(s.pos))
	}
	if len(s.slots) > 0 && s.slots[len(s.slots)-1].id&deadBit != 0 {
		h.t.Fatal("trailing hole")
	}
	if s.holes > len(s.pos) && len(s.slots) >= compactMin {
		h.t.Fatalf("%d holes for %d members: not compacted", s.holes, len(s.pos))
	}
}

// TestSetRandomDistribution checks that the random commands are uniform over
// the members (also once removals have left holes in the slots), that
// positive counts are distinct and negative counts may repeat. Bounds are
// loose (over 6 standard deviations) so that the test cannot flake.
func TestSetRandomDistribution(t *testing.T) {
	h := newHarness(t)
	// 40 members remain of 400, most of the slots having been holes at
	// some point; and a hashtable encoding (non-integer members).
	for i := range 400 {
		h.do("sadd", "s", "m"+strconv.Itoa(i))
	}
	for i := range 400 {
		if i%10 != 3 {
			h.do("srem", "s", "m"+strconv.Itoa(i))
		}
	}
	h.checkSetInvariants("s")
	members := h.reply("smembers", "s").Elems
	if len(members) != 40 {
		t.Fatalf("%d members", len(members))
	}

	const draws = 200000
	counts := map[string]int{}
	for _, m := range h.reply("srandmember", "s", strconv.Itoa(-draws)).Elems {
		counts[m.Str]++
	}
	checkUniform(t, "SRANDMEMBER negative", counts, 40, draws)

	counts = map[string]int{}
	for range draws / 10 {
		counts[h.reply("srandmember", "s").Str]++
	}
	checkUniform(t, "SRANDMEMBER", counts, 40, draws/10)

	// Positive counts: distinct members, each member equally likely. Both
	// sampling strategies: rejection (count*3 <= size) and shuffle.
	for _, count := range []int{2, 13, 14, 39} {
		counts = map[string]int{}
		const calls = 5000
		for range calls {
			got := h.reply("srandmember", "s", strconv.Itoa(count)).Elems
			if len(got) != count {
				t.Fatalf("SRANDMEMBER %d: %d members", count, len(got))
			}
			seen := map[string]bool{}
			for _, m := range got {
				if seen[m.Str] {
					t.Fatalf("SRANDMEMBER %d: %s twice", count, m.Str)
				}
				seen[m.Str] = true
				counts[m.Str]++
			}
		}
		checkUniform(t, fmt.Sprintf("SRANDMEMBER %d", count), counts, 40, calls*count)
	}

	// SPOP: pop from a fresh copy of a 40-member set until empty, many
	// times, and count which member came out first.
	first := map[string]int{}
	const rounds = 4000
	for range rounds {
		h.check("copy s t replace", ":1")
		r := h.reply("spop", "t")
		first[r.Str]++
		popped := map[string]bool{r.Str: true}
		for _, m := range h.reply("spop", "t", "25").Elems {
			if popped[m.Str] {
				t.Fatalf("SPOP: %s twice", m.Str)
			}
			popped[m.Str] = true
		}
		for _, m := range h.reply("spop", "t", "100").Elems { // the rest
			if popped[m.Str] {
				t.Fatalf("SPOP: %s twice", m.Str)
			}
			popped[m.Str] = true
		}
		if len(popped) != 40 {
			t.Fatalf("SPOP popped %d of 40", len(popped))
		}
		h.check("exists t", ":0")
	}
	checkUniform(t, "SPOP", first, 40, rounds)
}

// checkUniform requires n distinct outcomes, each within 6 standard
// deviations (and at least 5) of total/n.
func checkUniform(t *testing.T, name string, counts map[string]int, n, total int) {
	t.Helper()
	if len(counts) != n {
		t.Errorf("%s: %d distinct members, want %d", name, len(counts), n)
	}
	p := 1 / float64(n)
	mean := float64(total) * p
	tol := max(6*math.Sqrt(float64(total)*p*(1-p)), 5)
	for m, c := range counts {
		if math.Abs(float64(c)-mean) > tol {
			t.Errorf("%s: %s drawn %d times, expected %.0f ± %.0f", name, m, c, mean, tol)
		}
	}
}

// TestSetSpopStrategies covers SPOP's three ways (whole set, pop one by
// one, keep the rest) on intsets and hash tables: the reply and what remains
// partition the set, and an intset's reply is in numeric order when Redis
// walks the set (whole set, keep-the-rest).
func TestSetSpopStrategies(t *testing.T) {
	for _, tc := range []struct {
		size, count int
		ints        bool
		ordered     bool // the reply is sorted numerically
	}{
		{10, 10, true, true},
		{10, 12, true, true},
		{10, 9, true, true},   // keep 1: 1*5 <= 9
		{10, 8, true, false},  // keep 2: 2*5 > 8, pop one by one
		{10, 9, false, false}, // hashtable
		{1000, 990, false, false},
		{1000, 10, false, false},
	} {
		name := fmt.Sprintf("size %d count %d ints %v", tc.size, tc.count, tc.ints)
		h := newHarness(t)
		all := map[string]bool{}
		for i := range tc.size {
			m := strconv.Itoa(i * 7 % 1000)
			if !tc.ints {
				m = "m" + m
			}
			h.do("sadd", "s", m)
			all[m] = true
		}
		h.check("expire s 100", ":1")
		r := h.reply("spop", "s", strconv.Itoa(tc.count))
		if r.Kind != KindSet || len(r.Elems) != min(tc.count, tc.size) {
			t.Fatalf("%s: %s", name, render(r))
		}
		got := map[string]bool{}
		prev := int64(math.MinInt64)
		sorted := true
		for _, m := range r.Elems {
			if !all[m.Str] || got[m.Str] {
				t.Fatalf("%s: %s not a member or repeated", name, m.Str)
			}
			got[m.Str] = true
			if n, err := strconv.ParseInt(m.Str, 10, 64); err == nil {
				sorted = sorted && n > prev
				prev = n
			}
		}
		if tc.ordered && !sorted {
			t.Errorf("%s: reply not in numeric order: %s", name, render(r))
		}
		left := h.reply("smembers", "s").Elems
		for _, m := range left {
			if got[m.Str] {
				t.Errorf("%s: %s popped and left", name, m.Str)
			}
		}
		if len(left)+len(got) != tc.size {
			t.Errorf("%s: %d left + %d popped != %d", name, len(left), len(got), tc.size)
		}
		if len(left) > 0 {
			h.check("ttl s", ":100") // SPOP keeps the TTL, even when it rebuilds the set
			h.checkSetInvariants("s")
		} else {
			h.check("exists s", ":0")
		}
	}
}

// TestSetOnOtherTypes runs the set commands against a list and a hash,
// and the other families' view of a set made by the harness.
func TestSetOnOtherTypes(t *testing.T) {
	h := newHarness(t)
	h.addTyped("l", typeList)
	h.addTyped("s", typeSet)
	h.script(
		"smembers s", "*[$member]",
		"scard s", ":1",
		"object encoding s", "$hashtable",
		"sadd l a", wrongType,
		"srem l a", wrongType,
		"sismember l a", wrongType,
		"smismember l a", wrongType,
		"smembers l", wrongType,
		"scard l", wrongType,
		"spop l", wrongType,
		"spop l 2", wrongType,
		"spop l -2", "-"+ErrNotPositive,
		"srandmember l", wrongType,
		"srandmember l 2", wrongType,
		"srandmember l x", "-"+ErrNotInt,
		"smove l s a", wrongType,
		"smove s l member", wrongType,
		"sinter s l", wrongType,
		"sintercard 2 s l", wrongType,
		"sinterstore d s l", wrongType,
		"sunion s l", wrongType,
		"sunionstore d s l", wrongType,
		"sdiff s l", wrongType,
		"sdiffstore d s l", wrongType,
		"sscan l 0", wrongType,
		"sscan l x", "-"+ErrInvalidCursor,
		"exists d", ":0",
		"type l", "+list",
		"sunionstore l s", ":1",
		"type l", "+set",
		"smove s l member", ":1",
		"exists s", ":0",
	)
}

func TestParseCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"42", 42, true},
		{"+42", 42, true},
		{"0042", 42, true},
		{"-1", math.MaxUint64, true},
		{"-0", 0, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"-18446744073709551615", 1, true},
		{"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"0x1", 0, false},
		{"1.0", 0, false},
		{"--1", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
