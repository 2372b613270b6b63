package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Tests of the sorted-set order index (ztree) on its own: random operations
// against a sorted slice, with the structure's invariants checked as it
// grows, shrinks and deepens.

// treeModel is the naive order index: items in Redis's order, and the
// nodes the tree holds, by member.
type treeModel struct {
	items []zitem
	nodes map[string]*znode
}

func (m *treeModel) pos(it zitem) int {
	return sort.Search(len(m.items), func(i int) bool { return !zless(m.items[i], it) })
}

func (m *treeModel) insert(tr *ztree, member string, score float64) {
	n := newZnode(member, zhash(member))
	n.score = score
	m.nodes[member] = n
	it := zitem{score, n.member}
	m.items = slices.Insert(m.items, m.pos(it), it)
	tr.insert(score, n)
}

func (m *treeModel) delete(tr *ztree, member string) {
	n := m.nodes[member]
	delete(m.nodes, member)
	m.items = slices.Delete(m.items, m.pos(zitem{n.score, member}), m.pos(zitem{n.score, member})+1)
	tr.delete(n.score, n)
}

func (m *treeModel) rescore(tr *ztree, member string, score float64) {
	n := m.nodes[member]
	i := m.pos(zitem{n.score, member})
	m.items = slices.Delete(m.items, i, i+1)
	tr.rescore(n.score, n, score)
	n.score = score
	it := zitem{score, member}
	m.items = slices.Insert(m.items, m.pos(it), it)
}

// deleteAt removes position i from both and checks the tree returned the
// item the model holds there.
func (m *treeModel) deleteAt(t *testing.T, tr *ztree, i int) {
	t.Helper()
	want := m.items[i]
	score, n := tr.deleteAt(i)
	if !sameItem(zitem{score, n.member}, want) || m.nodes[want.member] != n {
		t.Fatalf("deleteAt(%d) = %v %q, want %v", i, score, n.member, want)
	}
	delete(m.nodes, want.member)
	m.items = slices.Delete(m.items, i, i+1)
}

// zcmp compares the item (s, n) with (score, member) in Redis's order.
func zcmp(s float64, n *znode, score float64, member string) int {
	switch {
	case s < score:
		return -1
	case s > score:
		return 1
	}
	return strings.Compare(n.member, member)
}

// sameItem compares scores bit for bit, so -0 and 0 differ.
func sameItem(a, b zitem) bool {
	return math.Float64bits(a.score) == math.Float64bits(b.score) && a.member == b.member
}

// treeScores are the scores the random tests draw from: many ties, both
// zeros, both infinities.
var treeScores = []float64{math.Inf(-1), -1e300, -3, -0.5, math.Copysign(0, -1), 0, 0, 1, 1, 1, 2.5, 1e15, math.Inf(1)}

// treeMember draws members that share long prefixes and differ in late
// bytes (inline and out-of-node members alike), or are empty or
// differ only by a trailing NUL or 0xff.
func treeMember(rng *rand.Rand) string {
	switch rng.IntN(4) {
	case 0:
		return strings.Repeat("p", 30) + fmt.Sprint(rng.IntN(3000))
	case 1:
		return "m" + fmt.Sprint(rng.IntN(20000))
	case 2:
		return []string{"", "a", "a\x00", "a\xff", "\xff", "ab"}[rng.IntN(6)]
	}
	return strings.Repeat("q", 22) + string(rune('a'+rng.IntN(26))) + string(rune('a'+rng.IntN(26)))
}

// TestZtreeMatchesModel runs random inserts, deletes (by item, by position,
// at both ends), score changes (in place or moving), rank and position lookups, bounded counts
// and walks in both directions against the model, through phases that grow
// the tree to three levels, empty it, and fill it in ascending and
// descending order; the invariants are checked all along.
func TestZtreeMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	var tr ztree
	m := &treeModel{nodes: map[string]*znode{}}
	randomScore := func() float64 {
		if rng.IntN(3) == 0 {
			return float64(rng.IntN(100))
		}
		return treeScores[rng.IntN(len(treeScores))]
	}
	pick := func() string {
		i := rng.IntN(len(m.items))
		return m.items[i].member
	}
	step := 0
	run := func(ops, target int) {
		for range ops {
			step++
			inserts := 3
			if len(m.items) < target {
				inserts = 12
			}
			switch op := rng.IntN(20); {
			case op < inserts:
				if mb := treeMember(rng); m.nodes[mb] == nil {
					m.insert(&tr, mb, randomScore())
				}
			case len(m.items) == 0:
			case op < 16:
				switch rng.IntN(6) {
				case 0, 1:
					m.delete(&tr, pick())
				case 2:
					m.deleteAt(t, &tr, rng.IntN(len(m.items)))
				case 3:
					m.deleteAt(t, &tr, 0)
				case 4:
					m.deleteAt(t, &tr, len(m.items)-1)
				default:
					mb := pick()
					score := randomScore()
					if rng.IntN(2) == 0 { // a small step: often in place
						score = m.nodes[mb].score + float64(rng.IntN(5)-2)/4
					}
					m.rescore(&tr, mb, score)
				}
			default:
				checkLookups(t, &tr, m, rng)
			}
			if step%97 == 0 || len(m.items) < 200 {
				checkTree(t, &tr, m.items)
			}
		}
		checkTree(t, &tr, m.items)
	}
	run(3000, 300)   // one leaf, then two levels
	run(15000, 5000) // three levels
	if d := treeDepth(&tr); d < 3 {
		t.Fatalf("depth %d at %d items, want three levels", d, len(m.items))
	}
	run(15000, 0) // shrink: merges, the root collapses
	for len(m.items) > 0 {
		m.deleteAt(t, &tr, 0)
	}
	checkTree(t, &tr, m.items)
	if tr.root != nil || len(m.items) != 0 {
		t.Fatalf("drained tree has root %p, model %d items", tr.root, len(m.items))
	}
	// Ascending appends fill leaves; descending inserts always hit the
	// first leaf; both then drain from the ends.
	for i := range 3000 {
		m.insert(&tr, fmt.Sprintf("a%05d", i), float64(i))
	}
	checkTree(t, &tr, m.items)
	if fill := leafFill(&tr); fill < 0.95 {
		t.Errorf("leaves filled in order are %.0f%% full, want nearly 100%%", 100*fill)
	}
	for i := range 3000 {
		m.insert(&tr, fmt.Sprintf("d%05d", i), -float64(i))
	}
	checkTree(t, &tr, m.items)
	run(5000, 6000)
	for len(m.items) > 0 {
		m.deleteAt(t, &tr, (len(m.items)-1)*rng.IntN(2))
		if len(m.items)%101 == 0 {
			checkTree(t, &tr, m.items)
		}
	}
	checkTree(t, &tr, m.items)
}

// checkLookups compares ranks, positions, bounded counts and walks.
func checkLookups(t *testing.T, tr *ztree, m *treeModel, rng *rand.Rand) {
	t.Helper()
	i := rng.IntN(len(m.items))
	it := m.items[i]
	if r := tr.rank(it.score, it.member); r != i {
		t.Fatalf("rank(%v) = %d, want %d", it, r, i)
	}
	if got := tr.at(i); !sameItem(got, it) {
		t.Fatalf("at(%d) = %v, want %v", i, got, it)
	}
	// An arbitrary bound, present or not: rank and countBefore agree with
	// the model's insertion point.
	b := zitem{treeScores[rng.IntN(len(treeScores))], treeMember(rng)}
	want := m.pos(b)
	if r := tr.rank(b.score, b.member); r != want {
		t.Fatalf("rank(%v) = %d, want %d", b, r, want)
	}
	if r := tr.countBefore(func(s float64, n *znode) bool { return zcmp(s, n, b.score, b.member) < 0 }); r != want {
		t.Fatalf("countBefore(< %v) = %d, want %d", b, r, want)
	}
	upTo := sort.Search(len(m.items), func(i int) bool { return m.items[i].score > b.score })
	if r := tr.countBefore(func(s float64, _ *znode) bool { return s <= b.score }); r != upTo {
		t.Fatalf("countBefore(score <= %v) = %d, want %d", b.score, r, upTo)
	}
	// Walks of a few items from i, both ways, through the whole set at
	// times.
	k := rng.IntN(80)
	if rng.IntN(20) == 0 {
		k = len(m.items) + 1
	}
	for _, reverse := range []bool{false, true} {
		var got []zitem
		c := tr.cursor(i, reverse)
		for it, ok := c.next(); ok && len(got) < k; it, ok = c.next() {
			got = append(got, it)
		}
		var exp []zitem
		if reverse {
			for j := i; j >= 0 && len(exp) < k; j-- {
				exp = append(exp, m.items[j])
			}
		} else {
			exp = m.items[i:min(i+k, len(m.items))]
		}
		if !slices.EqualFunc(got, exp, sameItem) {
			t.Fatalf("cursor(%d, reverse=%v) for %d = %v, want %v", i, reverse, k, got, exp)
		}
		for _, from := range []int{-1, len(m.items)} {
			if c := tr.cursor(from, reverse); c != (zcursor{}) {
				t.Fatalf("cursor(%d) of %d items is not done", from, len(m.items))
			}
		}
	}
}

// TestZtreeLexCount checks countBefore with member bounds when all scores
// are equal (ZRANGEBYLEX's premise), with -0 and 0 mixed as equal scores.
func TestZtreeLexCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var tr ztree
	m := &treeModel{nodes: map[string]*znode{}}
	for range 4000 {
		if mb := treeMember(rng); m.nodes[mb] == nil {
			m.insert(&tr, mb, []float64{0, math.Copysign(0, -1)}[rng.IntN(2)])
		}
	}
	checkTree(t, &tr, m.items)
	for range 500 {
		bound := treeMember(rng)
		want := sort.Search(len(m.items), func(i int) bool { return m.items[i].member >= bound })
		if r := tr.countBefore(func(_ float64, n *znode) bool { return n.member < bound }); r != want {
			t.Fatalf("countBefore(member < %q) = %d, want %d", bound, r, want)
		}
	}
}

// TestZtreeDeep builds a four-level tree by appends, then deletes most of
// it at random, so that inner pages split, borrow and merge.
func TestZtreeDeep(t *testing.T) {
	const n = 150_000
	var tr ztree
	nodes := make([]*znode, n)
	for i := range n {
		mb := fmt.Sprintf("k%06d", i)
		nodes[i] = newZnode(mb, zhash(mb))
		nodes[i].score = float64(i / 3)
		tr.insert(nodes[i].score, nodes[i])
	}
	if d := treeDepth(&tr); d < 4 {
		t.Fatalf("depth %d, want a four-level tree", d)
	}
	present := func() []zitem {
		var items []zitem
		for _, x := range nodes {
			if x != nil {
				items = append(items, zitem{x.score, x.member})
			}
		}
		return items
	}
	checkTree(t, &tr, present())
	rng := rand.New(rand.NewPCG(5, 6))
	for i, j := range rng.Perm(n)[:n-500] {
		tr.delete(nodes[j].score, nodes[j])
		nodes[j] = nil
		if i%20000 == 0 {
			checkTree(t, &tr, present())
		}
	}
	checkTree(t, &tr, present())
	if d := treeDepth(&tr); d > 2 {
		t.Errorf("depth %d after shrinking to 500 items, want the root to have collapsed", d)
	}
}

func treeDepth(tr *ztree) int {
	d := 0
	for x := tr.root; x != nil; d++ {
		if x.kids == nil {
			return d + 1
		}
		x = x.kids.pages[0]
	}
	return d
}

// leafFill is the mean fill of the leaves.
func leafFill(tr *ztree) float64 {
	leaves := 0
	for x := tr.first; x != nil; x = x.next {
		leaves++
	}
	return float64(tr.count) / float64(leaves*zfanout)
}

// checkTree verifies the tree's invariants and that it holds exactly want
// (bit for bit, so -0 stays -0), in order.
func checkTree(t *testing.T, tr *ztree, want []zitem) {
	t.Helper()
	if tr.count != len(want) {
		t.Fatalf("count %d, want %d", tr.count, len(want))
	}
	if tr.root == nil {
		if tr.first != nil || tr.last != nil || len(want) > 0 {
			t.Fatalf("empty root with leaves %p %p, %d items", tr.first, tr.last, len(want))
		}
		return
	}
	if tr.root.kids != nil && tr.root.n < 2 {
		t.Fatalf("inner root with %d children", tr.root.n)
	}
	var leaves []*zpage
	var got []zitem
	leafDepth := -1
	var walk func(x *zpage, depth int) int
	walk = func(x *zpage, depth int) int {
		if x != tr.root && x.n < zminFill && (x.kids != nil || x != tr.last || x.n == 0) {
			t.Fatalf("page at depth %d holds %d keys (min %d; last leaf %v)", depth, x.n, zminFill, x == tr.last)
		}
		if x.n > len(x.scores) || len(x.scores) != len(x.nodes) || (x.n == 0 && x != tr.root) ||
			(len(x.scores) < zfanout && (x != tr.root || x.kids != nil)) {
			t.Fatalf("page at depth %d holds %d keys in %d slots (only a lone leaf may be small)", depth, x.n, len(x.scores))
		}
		for i := x.n; i < len(x.scores); i++ {
			if x.nodes[i] != nil || x.kids != nil && x.kids.pages[i] != nil {
				t.Fatalf("page at depth %d keeps a reference in free slot %d", depth, i)
			}
		}
		for i := 1; i < x.n; i++ {
			if zcmp(x.scores[i-1], x.nodes[i-1], x.scores[i], x.nodes[i].member) >= 0 {
				t.Fatalf("keys %d and %d out of order at depth %d", i-1, i, depth)
			}
		}
		if x.kids == nil {
			if leafDepth >= 0 && leafDepth != depth {
				t.Fatalf("leaves at depths %d and %d", leafDepth, depth)
			}
			leafDepth = depth
			leaves = append(leaves, x)
			for i := range x.n {
				got = append(got, zitem{x.scores[i], x.nodes[i].member})
				if x.nodes[i].score != x.scores[i] {
					t.Fatalf("item %q has score %v, its node %v", x.nodes[i].member, x.scores[i], x.nodes[i].score)
				}
			}
			return x.n
		}
		total := 0
		for i := range x.n {
			c := x.kids.pages[i]
			if c == nil {
				t.Fatalf("inner page at depth %d misses child %d", depth, i)
			}
			if x.scores[i] != c.scores[0] || x.nodes[i] != c.nodes[0] {
				t.Fatalf("key %d at depth %d is not its child's lowest item", i, depth)
			}
			if got := walk(c, depth+1); got != x.kids.counts[i] {
				t.Fatalf("count %d at depth %d is %d, child holds %d", i, depth, x.kids.counts[i], got)
			}
			total += x.kids.counts[i]
		}
		return total
	}
	walk(tr.root, 0)
	if !slices.EqualFunc(got, want, sameItem) {
		t.Fatalf("tree holds %v\nwant %v", got, want)
	}
	if tr.first != leaves[0] || tr.last != leaves[len(leaves)-1] || tr.first.prev != nil || tr.last.next != nil {
		t.Fatalf("leaf chain ends are wrong")
	}
	for i := 1; i < len(leaves); i++ {
		if leaves[i-1].next != leaves[i] || leaves[i].prev != leaves[i-1] {
			t.Fatalf("leaf chain broken between leaves %d and %d", i-1, i)
		}
	}
}

// BenchmarkZsetIndex times the order index through the set's own methods,
// on 100 000 members with random scores, without the command layer (the
// root package's Leaderboard benchmarks time the whole command path):
// score updates, ranks, the top 50, 50 from a random position, ZCOUNT.
func BenchmarkZsetIndex(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(1, 1))
	z := newZset()
	lim := zlimits{entries: 128, value: 64}
	members := make([]string, n)
	for i := range members {
		members[i] = "player:" + fmt.Sprint(i)
		z.add(members[i], float64(rng.IntN(1_000_000)), 0, lim)
	}
	picks := make([]int, 1<<16)
	for i := range picks {
		picks[i] = rng.IntN(n)
	}
	b.Run("update", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			j := picks[i&(1<<16-1)]
			z.add(members[j], float64(picks[(i+1)&(1<<16-1)]*10), 0, lim)
		}
	})
	b.Run("rank", func(b *testing.B) {
		for i := range b.N {
			z.rank(members[picks[i&(1<<16-1)]])
		}
	})
	walk := func(b *testing.B, from func(i int) int) {
		for i := range b.N {
			k := 0
			z.walk(from(i), 50, true, func(zitem) { k++ })
		}
	}
	b.Run("top50", func(b *testing.B) { walk(b, func(int) int { return n - 1 }) })
	b.Run("page50", func(b *testing.B) { walk(b, func(i int) int { return picks[i&(1<<16-1)] }) })
	b.Run("count", func(b *testing.B) {
		for i := range b.N {
			lo := float64(picks[i&(1<<16-1)] * 10)
			z.scoreSpan(&scoreRange{min: lo, max: lo + 100_000})
		}
	})
}

// BenchmarkZsetMemory reports the heap a 1M-member sorted set holds per
// member (dict, nodes and order index), members "player:N" as in the
// leaderboard benchmarks, random-ish scores.
func BenchmarkZsetMemory(b *testing.B) {
	const n = 1_000_000
	lim := zlimits{entries: 128, value: 64}
	var perMember float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		z := newZset()
		for i := range n {
			z.add("player:"+strconv.Itoa(i), float64(uint32(i)*2654435761%1_000_000), 0, lim)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perMember = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(z)
	}
	b.ReportMetric(perMember, "B/member")
}
