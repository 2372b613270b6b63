package engine

// ztree is a sorted set's order index: a counted B+tree of (score, member)
// items in Redis's order (score, then member bytes). Leaves hold the items
// and are chained both ways for range walks; an inner page holds, for each
// child, the child's lowest item and how many items lie below it. Rank,
// access by position and bounded counts are one descent, O(log n), as with
// the spans of Redis's skiplist, but a descent touches a few cache lines a
// level where a skiplist touches a node a step (see docs/architecture.md,
// "Sorted sets", for the measurements).
//
// An item is a score and the member's dict node (see znode): the score is
// kept beside the pointer so that comparisons read the node, for its member
// bytes, only when scores tie.
//
// Invariants (checkTree in the tests verifies them): keys ascend within a
// page and along the leaf chain; each inner key is exactly its child's
// lowest item and each count its child's item total; every page but the
// root holds at least zminFill keys, except the last leaf, where appends
// start afresh (see split); an inner root has two children or more.
type ztree struct {
	root        *zpage // nil when empty
	first, last *zpage // the ends of the leaf chain
	count       int
}

const (
	// zfanout is the keys per page: a full page is 80 bytes of header and
	// 58 16-byte items in one allocation, 1008 bytes, inside Go's 1024-byte
	// size class (benchmarks chose about this size; see
	// docs/architecture.md, "Sorted sets").
	zfanout = 58
	// zsmall is the capacity of the first leaf of a set: small sets (the
	// common case, Redis keeps them in a listpack) do not pay for a full
	// page; the leaf doubles up to zfanout before the tree splits.
	zsmall   = 4
	zminFill = zfanout / 2
	// zmaxDepth bounds the inner levels: below the root each inner page
	// has at least zminFill children, so 16 levels index more items than
	// memory holds.
	zmaxDepth = 16
)

// zpage is a leaf or, when kids is set, an inner page. Key i is item i of
// a leaf, or the lowest item under child i of an inner page.
type zpage struct {
	n int
	// scores and nodes have the page's capacity as length: zfanout, or
	// less for a small set's only leaf.
	scores     []float64
	nodes      []*znode
	prev, next *zpage // the leaf chain
	kids       *zkids
}

// newPage allocates a page for capacity keys, with its key arrays in the
// same allocation.
func newPage(capacity int) *zpage {
	if capacity == zfanout {
		b := new(struct {
			p zpage
			s [zfanout]float64
			n [zfanout]*znode
		})
		b.p.scores, b.p.nodes = b.s[:], b.n[:]
		return &b.p
	}
	return &zpage{scores: make([]float64, capacity), nodes: make([]*znode, capacity)}
}

// grow gives a small leaf twice its capacity, up to zfanout.
func (x *zpage) grow() {
	g := newPage(min(2*len(x.scores), zfanout))
	copy(g.scores, x.scores[:x.n])
	copy(g.nodes, x.nodes[:x.n])
	x.scores, x.nodes = g.scores, g.nodes
}

// zkids are an inner page's children and the items each holds.
type zkids struct {
	counts [zfanout]int
	pages  [zfanout]*zpage
}

// zpath is the way down to one position of a leaf: the child taken at
// each inner page, from the root.
type zpath struct {
	steps [zmaxDepth]zstep
	depth int
	leaf  *zpage
	pos   int
}

type zstep struct {
	x *zpage
	i int
}

// search returns the first position from lo on whose key is after (score,
// member), or not before it unless orEqual. Scores are compared in place;
// members, read through the nodes, only on ties.
func (x *zpage) search(lo int, score float64, member string, orEqual bool) int {
	hi := x.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s := x.scores[m]; s < score || s == score && memberBefore(x.nodes[m].member, member, orEqual) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func memberBefore(a, b string, orEqual bool) bool {
	return a < b || orEqual && a == b
}

// searchBy returns the first position from lo on whose key is not before.
func (x *zpage) searchBy(lo int, before func(float64, *znode) bool) int {
	hi := x.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if before(x.scores[m], x.nodes[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// seek fills p with the way to (score, member), or to where it would go.
// In an inner page it takes the last child whose lowest key is not after
// the bound, or the first child (key 0 is never compared); rank does the
// same, and countBefore takes the last child whose lowest key is before.
func (t *ztree) seek(p *zpath, score float64, member string) {
	x := t.root
	for p.depth = 0; x.kids != nil; p.depth++ {
		i := x.search(1, score, member, true) - 1
		p.steps[p.depth] = zstep{x, i}
		x = x.kids.pages[i]
	}
	p.leaf, p.pos = x, x.search(0, score, member, false)
}

// seekIndex fills p with the way to position i (0 <= i < count). Each page
// counts from the nearer end, so both ends of the set cost one step a page.
func (t *ztree) seekIndex(p *zpath, i int) {
	x, total := t.root, t.count
	for p.depth = 0; x.kids != nil; p.depth++ {
		k := x.kids
		j := 0
		if i < total/2 {
			for ; i >= k.counts[j]; j++ {
				i -= k.counts[j]
			}
		} else {
			after := total - 1 - i
			for j = x.n - 1; after >= k.counts[j]; j-- {
				after -= k.counts[j]
			}
			i = k.counts[j] - 1 - after
		}
		p.steps[p.depth] = zstep{x, j}
		x, total = k.pages[j], k.counts[j]
	}
	p.leaf, p.pos = x, i
}

// countLeft is how many items lie under children 0..i-1 of an inner page
// holding total items, summed from the nearer end.
func (x *zpage) countLeft(i, total int) int {
	n := 0
	if i <= x.n/2 {
		for _, c := range x.kids.counts[:i] {
			n += c
		}
		return n
	}
	for _, c := range x.kids.counts[i:x.n] {
		n += c
	}
	return total - n
}

// rank is how many items sort before (score, member).
func (t *ztree) rank(score float64, member string) int {
	if t.root == nil {
		return 0
	}
	r, x, total := 0, t.root, t.count
	for x.kids != nil {
		i := x.search(1, score, member, true) - 1
		r += x.countLeft(i, total)
		x, total = x.kids.pages[i], x.kids.counts[i]
	}
	return r + x.search(0, score, member, false)
}

// countBefore is how many items satisfy before, a predicate that holds for
// a prefix of the order ("below some bound").
func (t *ztree) countBefore(before func(score float64, n *znode) bool) int {
	if t.root == nil {
		return 0
	}
	r, x, total := 0, t.root, t.count
	for x.kids != nil {
		i := x.searchBy(1, before) - 1
		r += x.countLeft(i, total)
		x, total = x.kids.pages[i], x.kids.counts[i]
	}
	return r + x.searchBy(0, before)
}

// at returns the item at position i (0 <= i < count).
func (t *ztree) at(i int) zitem {
	var p zpath
	t.seekIndex(&p, i)
	return zitem{p.leaf.scores[p.pos], p.leaf.nodes[p.pos].member}
}

// zcursor walks the items from a position up the leaf chain, or down it:
// O(log n) to start, then O(1) an item. The tree must not change while a
// cursor is in use.
type zcursor struct {
	x    *zpage
	i    int
	step int // +1 or -1
}

// cursor starts at position from, walking down when reverse; outside
// 0..count-1 it is already done.
func (t *ztree) cursor(from int, reverse bool) zcursor {
	if from < 0 || from >= t.count {
		return zcursor{}
	}
	var p zpath
	t.seekIndex(&p, from)
	c := zcursor{p.leaf, p.pos, 1}
	if reverse {
		c.step = -1
	}
	return c
}

// next returns the cursor's item and moves on, or false when done.
func (c *zcursor) next() (it zitem, ok bool) {
	if c.x == nil {
		return it, false
	}
	it = zitem{c.x.scores[c.i], c.x.nodes[c.i].member}
	if c.i += c.step; uint(c.i) >= uint(c.x.n) {
		c.turn()
	}
	return it, true
}

// turn moves the cursor to the next leaf in its direction.
func (c *zcursor) turn() {
	if c.step > 0 {
		c.x, c.i = c.x.next, 0
	} else if c.x = c.x.prev; c.x != nil {
		c.i = c.x.n - 1
	}
}

// insert adds n with score, which must not be present.
func (t *ztree) insert(score float64, n *znode) {
	if t.root == nil {
		x := newPage(zsmall)
		t.root, t.first, t.last = x, x, x
	}
	var p zpath
	t.seek(&p, score, n.member)
	for _, s := range p.steps[:p.depth] {
		s.x.kids.counts[s.i]++
	}
	t.count++
	if p.pos == 0 {
		p.setMin(p.depth, score, n)
	}
	t.put(&p, p.depth, p.leaf, p.pos, score, n, nil, 1)
}

// setMin records (score, n) as the new lowest item of the page at depth d
// of p, in the pages above as far as it is their lowest too.
func (p *zpath) setMin(d int, score float64, n *znode) {
	for ; d > 0; d-- {
		s := p.steps[d-1]
		s.x.scores[s.i], s.x.nodes[s.i] = score, n
		if s.i > 0 {
			return
		}
	}
}

// put inserts key (score, n) at position i of page x, at depth d of p,
// with its child and the child's item count when x is inner. A full page
// splits, and the split goes up to the parent as a new child (the counts
// of the way down already include the item being inserted).
func (t *ztree) put(p *zpath, d int, x *zpage, i int, score float64, n *znode, kid *zpage, count int) {
	if x.n == len(x.scores) && x.n < zfanout {
		x.grow() // a small set's only leaf
	}
	for x.n == zfanout {
		r := t.split(x, i == x.n)
		if i < x.n {
			x.insert(i, score, n, kid, count)
		} else {
			r.insert(i-x.n, score, n, kid, count)
		}
		rc := r.total()
		if d == 0 {
			t.root = newPage(zfanout)
			t.root.n = 2
			t.root.kids = &zkids{counts: [zfanout]int{t.count - rc, rc}, pages: [zfanout]*zpage{x, r}}
			t.root.scores[0], t.root.nodes[0] = x.scores[0], x.nodes[0]
			t.root.scores[1], t.root.nodes[1] = r.scores[0], r.nodes[0]
			return
		}
		d--
		s := p.steps[d]
		s.x.kids.counts[s.i] -= rc
		x, i, score, n, kid, count = s.x, s.i+1, r.scores[0], r.nodes[0], r, rc
	}
	x.insert(i, score, n, kid, count)
}

// split moves the upper half of full page x to a new page after it and
// returns it. When the key to insert goes after the last item of the set
// (appending) the new leaf starts empty instead: a set filled in order,
// such as a clone or scores that are timestamps, gets full leaves.
func (t *ztree) split(x *zpage, appending bool) *zpage {
	r := newPage(zfanout)
	half := zfanout / 2
	if x.kids != nil {
		r.kids = new(zkids)
	} else {
		r.prev, r.next = x, x.next
		if x.next != nil {
			x.next.prev = r
		} else {
			if appending {
				half = zfanout
			}
			t.last = r
		}
		x.next = r
	}
	moveKeys(r, 0, x, half, x.n-half)
	r.n = x.n - half
	x.cut(half)
	return r
}

// total is how many items lie under page x.
func (x *zpage) total() int {
	if x.kids == nil {
		return x.n
	}
	n := 0
	for _, c := range x.kids.counts[:x.n] {
		n += c
	}
	return n
}

// moveKeys copies k keys, and children when the pages are inner, from position
// i of src to position j of dst (overlaps allowed). It leaves dst.n alone.
func moveKeys(dst *zpage, j int, src *zpage, i, k int) {
	copy(dst.scores[j:j+k], src.scores[i:i+k])
	copy(dst.nodes[j:j+k], src.nodes[i:i+k])
	if src.kids != nil {
		copy(dst.kids.counts[j:j+k], src.kids.counts[i:i+k])
		copy(dst.kids.pages[j:j+k], src.kids.pages[i:i+k])
	}
}

// cut shrinks x to its first n keys, dropping the references the others
// held so that removed members can be collected.
func (x *zpage) cut(n int) {
	clear(x.nodes[n:x.n])
	if x.kids != nil {
		clear(x.kids.pages[n:x.n])
	}
	x.n = n
}

// insert puts a key (and child) at position i of a page that has room.
func (x *zpage) insert(i int, score float64, n *znode, kid *zpage, count int) {
	moveKeys(x, i+1, x, i, x.n-i)
	x.scores[i], x.nodes[i] = score, n
	if x.kids != nil {
		x.kids.counts[i], x.kids.pages[i] = count, kid
	}
	x.n++
}

// remove deletes the key (and child) at position i.
func (x *zpage) remove(i int) {
	moveKeys(x, i, x, i+1, x.n-i-1)
	x.cut(x.n - 1)
}

// delete removes n, which must be present with score.
func (t *ztree) delete(score float64, n *znode) {
	var p zpath
	t.find(&p, score, n)
	t.removeAt(&p)
}

// find fills p with the way to n, which must be present with score.
func (t *ztree) find(p *zpath, score float64, n *znode) {
	t.seek(p, score, n.member)
	if p.pos == p.leaf.n || p.leaf.nodes[p.pos] != n {
		panic("ztree: no such item")
	}
}

// rescore moves n from score old to score. When n keeps its place between
// its neighbours (a small ZINCRBY, usually) only its score changes, as
// Redis's zslUpdateScore does; else it is removed and inserted again.
func (t *ztree) rescore(old float64, n *znode, score float64) {
	var p zpath
	t.find(&p, old, n)
	x, i := p.leaf, p.pos
	prev, pi := x, i-1
	if pi < 0 {
		prev, pi = x.prev, 0
		if prev != nil {
			pi = prev.n - 1
		}
	}
	next, ni := x, i+1
	if ni == x.n {
		next, ni = x.next, 0
	}
	if (prev == nil || itemBefore(prev, pi, score, n.member)) && (next == nil || !itemBefore(next, ni, score, n.member)) {
		x.scores[i] = score
		if i == 0 {
			p.setMin(p.depth, score, n)
		}
		return
	}
	t.removeAt(&p)
	t.insert(score, n)
}

// itemBefore reports whether item i of leaf x sorts before (score, member).
func itemBefore(x *zpage, i int, score float64, member string) bool {
	s := x.scores[i]
	return s < score || s == score && x.nodes[i].member < member
}

// deleteAt removes and returns the item at position i (0 <= i < count).
func (t *ztree) deleteAt(i int) (float64, *znode) {
	var p zpath
	t.seekIndex(&p, i)
	score, n := p.leaf.scores[p.pos], p.leaf.nodes[p.pos]
	t.removeAt(&p)
	return score, n
}

// removeAt removes the item p leads to, then refills the pages that fell
// below zminFill from a neighbour, or merges them into it, bottom up.
func (t *ztree) removeAt(p *zpath) {
	for _, s := range p.steps[:p.depth] {
		s.x.kids.counts[s.i]--
	}
	t.count--
	x := p.leaf
	x.remove(p.pos)
	if p.pos == 0 && x.n > 0 {
		p.setMin(p.depth, x.scores[0], x.nodes[0])
	}
	for d := p.depth; d > 0 && x.n < zminFill; d-- {
		s := p.steps[d-1]
		t.rebalance(s.x, s.i)
		x = s.x
	}
	switch {
	case t.count == 0:
		*t = ztree{}
	case t.root.kids != nil && t.root.n == 1:
		t.root = t.root.kids.pages[0]
	}
}

// rebalance refills child i of inner page x, which fell below zminFill,
// with its left neighbour (the right one for child 0): the two merge when
// they fit in one page, else they share their keys evenly.
func (t *ztree) rebalance(x *zpage, i int) {
	j := max(i-1, 0)
	a, b := x.kids.pages[j], x.kids.pages[j+1]
	if a.n+b.n <= zfanout {
		moveKeys(a, a.n, b, 0, b.n)
		a.n += b.n
		if b.kids == nil {
			a.next = b.next
			if b.next != nil {
				b.next.prev = a
			} else {
				t.last = a
			}
		}
		x.kids.counts[j] += x.kids.counts[j+1]
		x.remove(j + 1)
		return
	}
	half := (a.n + b.n) / 2
	if a.n < half { // b's first keys go to a's end
		k := half - a.n
		moveKeys(a, a.n, b, 0, k)
		a.n += k
		moveKeys(b, 0, b, k, b.n-k)
		b.cut(b.n - k)
	} else { // a's last keys go to b's front
		k := a.n - half
		moveKeys(b, k, b, 0, b.n)
		moveKeys(b, 0, a, half, k)
		b.n += k
		a.cut(half)
	}
	ac := a.total()
	x.kids.counts[j], x.kids.counts[j+1] = ac, x.kids.counts[j]+x.kids.counts[j+1]-ac
	x.scores[j+1], x.nodes[j+1] = b.scores[0], b.nodes[0]
}
