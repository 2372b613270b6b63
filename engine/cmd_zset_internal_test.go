package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Table-driven and property tests for sorted sets: what the differential
// tests cannot pin down (the clock, random operations against a model, ZSCAN
// while the set changes, sampling, inputs of other families) and the
// internals behind them (the order index itself has its own model test in
// zset_tree_test.go).

func TestZsetEncodingThresholds(t *testing.T) {
	h := newHarness(t)
	h.script(
		"config set zset-max-listpack-entries 3", "+OK",
		"config set zset-max-listpack-value 4", "+OK",
	)
	for _, tc := range []struct{ line, want string }{
		{"zadd a 1 x 2 y 3 z", ":3"},
		{"object encoding a", "$listpack"},
		{"zadd a 4 x", ":0"}, // an update never converts
		{"zincrby a 1 y", ",3"},
		{"object encoding a", "$listpack"},
		{"zadd a 4 w", ":1"}, // a fourth member does
		{"object encoding a", "$skiplist"},
		{"zrem a w x", ":2"}, // and it never converts back
		{"object encoding a", "$skiplist"},
		{"zadd b 1 abcd", ":1"},
		{"object encoding b", "$listpack"},
		{"zadd b 1 abcde", ":1"},
		{"object encoding b", "$skiplist"},
		{"zadd c 1 abcde", ":1"},
		{"object encoding c", "$skiplist"},
		{"zadd d incr 1 abcde", ",1"},
		{"object encoding d", "$skiplist"},
		// Computed results take the encoding their final size calls for.
		{"zunionstore u 1 a", ":2"},
		{"object encoding u", "$listpack"},
		{"zunionstore u 2 a b", ":4"},
		{"object encoding u", "$skiplist"},
		{"zinterstore u 2 b b", ":2"},
		{"object encoding u", "$skiplist"},
		{"zdiffstore u 2 a b", ":2"},
		{"object encoding u", "$listpack"},
		{"zrangestore r u 0 -1", ":2"},
		{"object encoding r", "$listpack"},
		{"zrangestore r b 0 -1", ":2"},
		{"object encoding r", "$skiplist"},
		{"copy a a2", ":1"},
		{"object encoding a2", "$skiplist"},
		{"copy r r2", ":1"},
		{"object encoding r2", "$skiplist"},
		{"copy u u2", ":1"},
		{"object encoding u2", "$listpack"},
	} {
		h.check(tc.line, tc.want)
	}
}

func TestZsetKeepsTTL(t *testing.T) {
	h := newHarness(t)
	h.script(
		"zadd z 1 a 2 b 3 c 4 d 5 e 6 f", ":6",
		"pexpire z 10000", ":1",
		"zadd z 7 g", ":1",
		"zincrby z 1 a", ",2",
		"zrem z g", ":1",
		"zpopmin z", "*[$a, ,2]",
		"zmpop 1 z max", "*[$z, *[*[$f, ,6]]]",
		"zremrangebyrank z 0 0", ":1",
		"zremrangebyscore z 5 5", ":1",
		"zadd z 5 x 6 y", ":2", // lex order agrees with score order
		"zremrangebylex z [x [x", ":1",
		"pttl z", ":10000",
		"zrangestore z z 0 -1", ":3", // a store replaces the value and its TTL
		"pttl z", ":-1",
		"pexpire z 500", ":1",
		"copy z z2", ":1",
		"pttl z2", ":500",
	)
	h.clock.advance(500 * time.Millisecond)
	h.script("zcard z", ":3")
	h.clock.advance(time.Millisecond)
	h.script("zcard z", ":0", "zscore z c", "_", "exists z z2", ":0")
}

// zmodel is the naive sorted set the random test compares against: a slice
// kept in Redis's order.
type zmodel []zitem

func (m *zmodel) find(member string) int {
	for i, it := range *m {
		if it.member == member {
			return i
		}
	}
	return -1
}

func (m *zmodel) set(member string, score float64) {
	if i := m.find(member); i >= 0 {
		*m = slices.Delete(*m, i, i+1)
	}
	*m = append(*m, zitem{score, member})
	sort.Slice(*m, func(i, j int) bool { return zless((*m)[i], (*m)[j]) })
}

func (m *zmodel) remove(member string) bool {
	if i := m.find(member); i >= 0 {
		*m = slices.Delete(*m, i, i+1)
		return true
	}
	return false
}

func fmtScored(items []zitem) string {
	parts := make([]string, 0, 2*len(items))
	for _, it := range items {
		parts = append(parts, "$"+it.member, ","+string(formatDouble(nil, it.score)))
	}
	return "*[" + strings.Join(parts, ", ") + "]"
}

// TestZsetMatchesModel applies random writes to a sorted set and to a sorted
// slice, and after each one compares ranks, positional ranges, counts and
// score ranges. The set crosses the listpack limit, so both encodings are
// covered.
func TestZsetMatchesModel(t *testing.T) {
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(1, 2))
	scores := []float64{math.Inf(-1), -2.5, 0, 1, 1, 1, 3, 7.25, 1e9, math.Inf(1)}
	var m zmodel
	member := func() string { return "m" + strconv.Itoa(rng.IntN(400)) }
	for step := range 3000 {
		switch op := rng.IntN(10); {
		case op < 5:
			mb, s := member(), scores[rng.IntN(len(scores))]
			if s == 1 {
				s = float64(rng.IntN(50)) / 4
			}
			h.do("zadd", "z", strconv.FormatFloat(s, 'g', -1, 64), mb)
			m.set(mb, s)
		case op < 7:
			mb := member()
			want := ":0"
			if m.remove(mb) {
				want = ":1"
			}
			h.check("zrem z "+mb, want)
		case op == 7 && len(m) > 0:
			lo := rng.IntN(len(m))
			hi := lo + rng.IntN(5)
			h.check(fmt.Sprintf("zremrangebyrank z %d %d", lo, hi), fmt.Sprintf(":%d", min(hi, len(m)-1)-lo+1))
			m = slices.Delete(m, lo, min(hi+1, len(m)))
		case op == 8 && len(m) > 0:
			it := m[len(m)-1]
			h.check("zpopmax z", fmtScored([]zitem{it}))
			m = m[:len(m)-1]
		default:
			mb := member()
			i := m.find(mb)
			cur := 0.0
			if i >= 0 {
				cur = m[i].score
			}
			if math.IsInf(cur, 0) {
				continue // inf - inf would be NaN: ZINCRBY refuses it
			}
			h.do("zincrby", "z", "0.5", mb)
			m.set(mb, cur+0.5)
		}
		if step%25 == 0 || step > 2950 {
			checkAgainstModel(t, h, m, rng)
		}
	}
}

func checkAgainstModel(t *testing.T, h *harness, m zmodel, rng *rand.Rand) {
	t.Helper()
	h.check("zcard z", fmt.Sprintf(":%d", len(m)))
	if len(m) == 0 {
		h.check("zrange z 0 -1 withscores", "*[]")
		return
	}
	h.check("zrange z 0 -1 withscores", fmtScored(m))
	for range 5 {
		i := rng.IntN(len(m))
		h.check("zrank z "+m[i].member, fmt.Sprintf(":%d", i))
		h.check("zrevrank z "+m[i].member, fmt.Sprintf(":%d", len(m)-1-i))
		j := min(i+rng.IntN(10), len(m)-1)
		h.check(fmt.Sprintf("zrange z %d %d withscores", i, j), fmtScored(m[i:j+1]))
		rev := slices.Clone(m[len(m)-1-j : len(m)-i])
		slices.Reverse(rev)
		h.check(fmt.Sprintf("zrevrange z %d %d withscores", i, j), fmtScored(rev))

		lo, hi := m[rng.IntN(len(m))].score, m[rng.IntN(len(m))].score
		var in []zitem
		for _, it := range m {
			if it.score > lo && it.score <= hi {
				in = append(in, it)
			}
		}
		min, max := "("+strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64)
		h.check("zcount z "+min+" "+max, fmt.Sprintf(":%d", len(in)))
		h.check("zrangebyscore z "+min+" "+max+" withscores limit 1 3", fmtScored(in[clampInt(1, len(in)):clampInt(4, len(in))]))
	}
}

func clampInt(v, n int) int { return max(0, min(v, n)) }

// TestZscanGuarantee is a property test of ZSCAN on the hash-table encoding:
// while members are added, removed and rescored between calls, and the
// table grows (even rounds) or shrinks several times (odd rounds), every
// member present for the whole iteration is returned at least once.
func TestZscanGuarantee(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		h := newHarness(t)
		stable := map[string]bool{}
		for i := range 100 {
			m := "s" + strconv.Itoa(i)
			h.do("zadd", "z", "1", m)
			stable[m] = true
		}
		added, removed := 0, 0
		if round%2 == 1 {
			for ; added < 4000; added++ {
				h.do("zadd", "z", "2", "x"+strconv.Itoa(added))
			}
		}
		seen := map[string]bool{}
		cursor := "0"
		for calls := 0; ; calls++ {
			if calls > 10000 {
				t.Fatal("ZSCAN does not terminate")
			}
			r := h.reply("zscan", "z", cursor, "count", strconv.Itoa(1+rng.IntN(20)))
			cursor = r.Elems[0].Str
			for i := 0; i < len(r.Elems[1].Elems); i += 2 {
				seen[r.Elems[1].Elems[i].Str] = true
			}
			if cursor == "0" {
				break
			}
			ops := rng.IntN(40)
			if round%2 == 1 {
				ops = 60 // shrink faster than the scan advances
			}
			for range ops {
				if round%2 == 0 {
					h.do("zadd", "z", strconv.Itoa(rng.IntN(9)), "x"+strconv.Itoa(added))
					added++
				} else if removed < added {
					h.do("zrem", "z", "x"+strconv.Itoa(removed))
					removed++
				}
				h.do("zincrby", "z", "1", "s"+strconv.Itoa(rng.IntN(100)))
			}
		}
		for m := range stable {
			if !seen[m] {
				t.Fatalf("round %d: %s was present throughout but never returned", round, m)
			}
		}
		if round%2 == 1 && removed < 3900 {
			t.Fatalf("round %d removed only %d members: the table did not shrink much", round, removed)
		}
	}
}

// TestZdictScanAcrossResize pins the cursor arithmetic: whatever the step
// at which the table grows 32-fold (or shrinks 4-fold), a scan that continues
// with the old cursor still visits every member that was there throughout.
func TestZdictScanAcrossResize(t *testing.T) {
	node := func(m string) *znode { return &znode{member: m, hash: zhash(m)} }
	for _, grow := range []bool{true, false} {
		for step := 1; step < 40; step++ {
			var d zdict
			for i := range 32 {
				d.insert(node("s" + strconv.Itoa(i)))
			}
			if !grow {
				for i := range 992 {
					d.insert(node("x" + strconv.Itoa(i)))
				}
			}
			seen := map[string]bool{}
			visit := func(n *znode) { seen[n.member] = true }
			cursor := uint64(0)
			for range step {
				if cursor = d.scan(cursor, visit); cursor == 0 {
					break
				}
			}
			for i := range 992 {
				if m := "x" + strconv.Itoa(i); grow {
					d.insert(node(m))
				} else {
					d.remove(zhash(m), m)
				}
			}
			for cursor != 0 {
				cursor = d.scan(cursor, visit)
			}
			for i := range 32 {
				if !seen["s"+strconv.Itoa(i)] {
					t.Fatalf("grow=%v, resized after %d steps: s%d never visited", grow, step, i)
				}
			}
		}
	}
}

// TestZrandmemberDistribution checks that random picks are spread evenly:
// each of 10 members is drawn within 10% of its expected share, for
// repeating picks, distinct picks and single picks, on both encodings.
func TestZrandmemberDistribution(t *testing.T) {
	for _, n := range []int{10, 200} {
		h := newHarness(t)
		for i := range n {
			h.do("zadd", "z", strconv.Itoa(i), "m"+strconv.Itoa(i))
		}
		for _, args := range [][]string{{"-40000"}, {strconv.Itoa(n / 2)}, {}} {
			counts := map[string]int{}
			draws := 0
			for draws < 40000*n/10 {
				r := h.reply(append([]string{"zrandmember", "z"}, args...)...)
				if r.Kind == KindBulk {
					r.Elems = []Reply{r}
				}
				distinct := map[string]bool{}
				for _, e := range r.Elems {
					counts[e.Str]++
					distinct[e.Str] = true
				}
				if len(args) == 1 && !strings.HasPrefix(args[0], "-") && len(distinct) != len(r.Elems) {
					t.Fatalf("zrandmember %v repeated a member: %v", args, render(r))
				}
				draws += len(r.Elems)
			}
			want := float64(draws) / float64(n)
			for i := range n {
				if got := float64(counts["m"+strconv.Itoa(i)]); math.Abs(got-want) > want/10 {
					t.Errorf("n=%d zrandmember %v: m%d drawn %v times, want about %v", n, args, i, got, want)
				}
			}
		}
	}
}

// TestZsetOpsReadSets checks that ZUNION, ZINTER and ZDIFF read a set as a
// sorted set whose scores are 1, as Redis does.
func TestZsetOpsReadSets(t *testing.T) {
	h := newHarness(t)
	h.script(
		"sadd s a b c", ":3",
		"zadd z 5 b 7 d", ":2",
		"zunion 2 z s withscores", "*[$a, ,1, $c, ,1, $b, ,6, $d, ,7]",
		"zunion 2 s z weights 2 1 aggregate max withscores", "*[$a, ,2, $c, ,2, $b, ,5, $d, ,7]",
		"zinter 2 z s withscores", "*[$b, ,6]",
		"zinter 2 s s withscores", "*[$a, ,2, $b, ,2, $c, ,2]",
		"zintercard 2 s z", ":1",
		"zdiff 2 s z withscores", "*[$a, ,1, $c, ,1]",
		"zdiffstore d 2 s z", ":2",
		"zrange d 0 -1 withscores", "*[$a, ,1, $c, ,1]",
		"zrange s 0 -1", wrongType,
	)
}

// TestZpopGenericShapes pins the replies zpopGeneric gives the blocking
// commands built on it: BZPOPMIN's [key, member, score] and BZMPOP's
// [key, [[member, score]...]].
func TestZpopGenericShapes(t *testing.T) {
	h := newHarness(t)
	h.script("zadd z 1 a 2 b 3 c", ":3")
	for _, tc := range []struct {
		highest         bool
		count           int64
		emitKey, nested bool
		want            string
	}{
		{false, -1, true, false, "*[$z, $a, ,1]"},
		{true, 5, true, true, "*[$z, *[*[$c, ,3], *[$b, ,2]]]"},
	} {
		w := NewCapture(2)
		h.e.ks.lockAll()
		c := &Ctx{e: h.e, s: h.s, db: h.s.DB(), now: h.e.nowMs(), w: w}
		c.zpopGeneric(c.lookup([]byte("z")), []byte("z"), tc.highest, tc.count, tc.emitKey, tc.nested)
		h.e.ks.unlockAll()
		if got := render(w.Replies()[0]); got != tc.want {
			t.Errorf("zpopGeneric(%+v) = %s, want %s", tc, got, tc.want)
		}
	}
	h.check("exists z", ":0")
}

// TestZsetBigValue exercises a set of 200 000 members: ranks and ranges at
// both ends and in the middle, and a bulk removal.
func TestZsetBigValue(t *testing.T) {
	h := newHarness(t)
	const n = 200_000
	z := newZset()
	lim := zlimits{entries: 128, value: 64}
	for i := range n {
		z.add("m"+strconv.Itoa(i), float64(n-i), 0, lim)
	}
	h.e.ks.lockAll()
	c := &Ctx{e: h.e, s: h.s, db: h.s.DB(), now: h.e.nowMs()}
	c.add([]byte("big"), typeZSet).hold(z)
	h.e.ks.unlockAll()
	h.script(
		"zcard big", fmt.Sprintf(":%d", n),
		"object encoding big", "$skiplist",
		"zrank big m0", fmt.Sprintf(":%d", n-1),
		"zrank big m199999", ":0",
		"zrevrank big m100000", ":100000",
		"zrange big 0 1 withscores", "*[$m199999, ,1, $m199998, ,2]",
		"zrange big 100000 100001", "*[$m99999, $m99998]",
		"zrange big -1 -1 withscores", "*[$m0, ,200000]",
		"zcount big (1000 2000", ":1000",
		"zrangebyscore big 150000 +inf limit 49999 2", "*[$m1, $m0]",
		"zremrangebyrank big 0 149999", ":150000",
		"zcard big", ":50000",
		"zrank big m0", ":49999",
		"zrange big 0 0", "*[$m49999]",
	)
}

// TestZsetCopyIsIndependent checks that COPY and the *STORE commands build
// sets that share nothing mutable with their sources.
func TestZsetCopyIsIndependent(t *testing.T) {
	h := newHarness(t)
	h.do("config", "set", "zset-max-listpack-entries", "2")
	h.script(
		"zadd a 1 x 2 y 3 z 4 a-member-longer-than-24-bytes", ":4",
		"copy a b", ":1",
		"zunionstore u 1 a", ":4",
		"zincrby b 10 x", ",11",
		"zrem b y", ":1",
		"zadd a 0 new", ":1",
		"zrem a z", ":1",
		"zrange a 0 -1 withscores", "*[$new, ,0, $x, ,1, $y, ,2, $a-member-longer-than-24-bytes, ,4]",
		"zrange b 0 -1 withscores", "*[$z, ,3, $a-member-longer-than-24-bytes, ,4, $x, ,11]",
		"zrange u 0 -1 withscores", "*[$x, ,1, $y, ,2, $z, ,3, $a-member-longer-than-24-bytes, ,4]",
		"zrank b x", ":2",
		"zscore u z", ",3",
	)
}
