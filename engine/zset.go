package engine

import (
	"hash/maphash"
	"math"
	"sort"
	"strings"
	"unsafe"
)

// zset is a sorted set value. Two structures hold the same members, as in
// Redis: dict maps a member to its score (O(1) ZSCORE, and a cursor for
// ZSCAN that survives growth and mutation), and tree orders (score, member)
// pairs in a B+tree whose inner pages count their items, giving O(log n)
// rank and O(log n) access by position (ZRANK, ZRANGE, ZRANDMEMBER); see
// ztree.
//
// big records Redis's encoding: a set starts as "listpack" and becomes
// "skiplist", one way, when a write takes it past zset-max-listpack-entries
// members or adds a member longer than zset-max-listpack-value. The
// structures are the same either way; only OBJECT ENCODING, ZSCAN's paging
// and -0 scores (see listpackScore) depend on it.
type zset struct {
	tree    ztree
	dict    zdict
	big     bool
	memAcct // bytes: the members' nodes (memberCost)
}

// memberCost is what a member's node takes: one 64-byte allocation with a
// short member inside, or a node and the member's own allocation.
func memberCost(m string) int64 {
	if len(m) > inlineMember || len(m) == 0 {
		return 48 + int64(allocSize(len(m)))
	}
	return 64
}

// memUsage implements accounted: the nodes, the hash table's buckets and the
// tree: a small set's lone leaf as allocated, else 16-byte items in pages
// about 70% full.
func (z *zset) memUsage() int64 {
	n := int64(unsafe.Sizeof(*z)) + z.bytes + int64(len(z.dict.buckets))*8
	if r := z.tree.root; r != nil && r.kids == nil {
		return n + 80 + 16*int64(len(r.scores))
	}
	return n + int64(z.dict.count)*16*10/7
}

// zitem is one member as the ordered index holds it.
type zitem struct {
	score  float64
	member string
}

// zless is Redis's order: by score, then by member bytes. -0 and 0 are equal
// scores; NaN is never stored.
func zless(a, b zitem) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.member < b.member
}

func newZset() *zset { return &zset{} }

// zlimits are the listpack thresholds in force when a write happens.
type zlimits struct{ entries, value int }

func (c *Ctx) zlimits() zlimits {
	cf := c.e.conf()
	return zlimits{entries: cf.ZSetMaxListpackEntries, value: cf.ZSetMaxListpackValue}
}

// listpackScore is the score a listpack-encoded set keeps: Redis 7.0 stores
// integral scores as integers in a listpack, so -0 reads back as 0 there
// (the skiplist encoding keeps -0).
func listpackScore(s float64) float64 {
	if s == 0 {
		return 0
	}
	return s
}

func (z *zset) len() int { return z.dict.count }

func (z *zset) encoding() string {
	if z.big {
		return "skiplist"
	}
	return "listpack"
}

// clone copies the set for COPY, members included (they live in the nodes
// of the set that made them, see newZnode).
func (z *zset) clone() any {
	c := newZset()
	c.big = z.big
	c.dict.grow(z.len())
	z.walk(0, z.len(), false, c.appendSorted)
	return c
}

// appendSorted adds a copy of a member that sorts after every present one
// (a bulk load: appends fill the tree's leaves completely).
func (z *zset) appendSorted(it zitem) {
	n := newZnode(it.member, zhash(it.member))
	n.score = it.score
	z.dict.insert(n)
	z.tree.insert(it.score, n)
	z.bytes += memberCost(it.member)
}

// score returns member's score.
func (z *zset) score(member string) (float64, bool) {
	if n := z.dict.find(zhash(member), member); n != nil {
		return n.score, true
	}
	return 0, false
}

// zaddFlags are ZADD's input options (Redis's ZADD_IN_*).
type zaddFlags uint8

const (
	zaddNX zaddFlags = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddIncr
)

// zaddOut is what adding one element did (Redis's ZADD_OUT_* flags).
type zaddOut uint8

const (
	zaddNop     zaddOut = iota // skipped by NX, XX, GT or LT
	zaddAdded                  // a new member
	zaddUpdated                // an existing member got a new score
	zaddSame                   // processed, but the score did not change
	zaddNaN                    // INCR produced NaN; nothing changed
)

// add is Redis's zsetAdd: it inserts member or updates its score under ZADD's
// options and returns the resulting score. member may be borrowed (an argv
// view): it is copied when inserted.
func (z *zset) add(member string, score float64, f zaddFlags, lim zlimits) (float64, zaddOut) {
	h := zhash(member)
	if n := z.dict.find(h, member); n != nil {
		if f&zaddNX != 0 {
			return 0, zaddNop
		}
		cur := n.score
		if f&zaddIncr != 0 {
			if score += cur; math.IsNaN(score) {
				return 0, zaddNaN
			}
		}
		if (f&zaddLT != 0 && score >= cur) || (f&zaddGT != 0 && score <= cur) {
			return 0, zaddNop
		}
		if score == cur {
			return score, zaddSame
		}
		z.setScore(n, score)
		return score, zaddUpdated
	}
	if f&zaddXX != 0 {
		return 0, zaddNop
	}
	if !z.big && (z.len()+1 > lim.entries || len(member) > lim.value) {
		z.big = true
	}
	z.insert(h, member, score)
	return score, zaddAdded
}

// insert adds a member that is not present, copying it.
func (z *zset) insert(h uint64, member string, score float64) {
	if !z.big {
		score = listpackScore(score)
	}
	n := newZnode(member, h)
	n.score = score
	z.dict.insert(n)
	z.tree.insert(score, n)
	z.bytes += memberCost(member)
}

// inlineMember is the longest member stored inside its node.
const inlineMember = 24

// newZnode allocates a node for a copy of member. A short member's bytes
// share the node's allocation, so a lookup, which reads both, touches one
// object instead of two scattered ones (at 100 000 members each is a cache
// miss). The bytes are written once, here, and never modified.
func newZnode(member string, h uint64) *znode {
	if len(member) > inlineMember || len(member) == 0 {
		return &znode{member: strings.Clone(member), hash: h}
	}
	x := new(struct {
		znode
		buf [inlineMember]byte
	})
	copy(x.buf[:], member)
	x.member, x.hash = unsafe.String(&x.buf[0], len(member)), h
	return &x.znode
}

// setScore moves member n to a new score.
func (z *zset) setScore(n *znode, score float64) {
	if !z.big {
		score = listpackScore(score)
	}
	z.tree.rescore(n.score, n, score)
	n.score = score
}

// remove deletes member and reports whether it was there.
func (z *zset) remove(member string) bool {
	n := z.dict.remove(zhash(member), member)
	if n == nil {
		return false
	}
	z.tree.delete(n.score, n)
	z.bytes -= memberCost(n.member)
	return true
}

// removeRange deletes the members at positions [from, to) and returns how
// many it removed.
func (z *zset) removeRange(from, to int) int {
	count := max(to-from, 0)
	for range count {
		_, n := z.tree.deleteAt(from)
		z.dict.remove(n.hash, n.member)
		z.bytes -= memberCost(n.member)
	}
	return count
}

// pop removes and returns the lowest member, or the highest.
func (z *zset) pop(highest bool) zitem {
	i := 0
	if highest {
		i = z.len() - 1
	}
	score, n := z.tree.deleteAt(i)
	z.dict.remove(n.hash, n.member)
	z.bytes -= memberCost(n.member)
	return zitem{score, n.member}
}

// rank is member's 0-based position in ascending order.
func (z *zset) rank(member string) (int, bool) {
	n := z.dict.find(zhash(member), member)
	if n == nil {
		return 0, false
	}
	return z.tree.rank(n.score, n.member), true
}

// at returns the member at position i (0 <= i < len).
func (z *zset) at(i int) zitem { return z.tree.at(i) }

// each calls fn on the members at positions from, from+1... (from, from-1...
// when reverse) until fn returns false or the set ends: O(log n) to start,
// then O(1) per member.
func (z *zset) each(from int, reverse bool, fn func(zitem) bool) {
	c := z.tree.cursor(from, reverse)
	for it, ok := c.next(); ok; it, ok = c.next() {
		if !fn(it) {
			return
		}
	}
}

// walk calls fn on count members from position from, walking down when
// reverse.
func (z *zset) walk(from, count int, reverse bool, fn func(zitem)) {
	c := z.tree.cursor(from, reverse)
	for ; count > 0; count-- {
		it, ok := c.next()
		if !ok {
			return
		}
		fn(it)
	}
}

// fitListpack gives a freshly computed set (ZUNIONSTORE and friends) the
// encoding Redis chooses for a result: listpack when it is within both
// thresholds, with -0 scores read back as 0 as a listpack does.
func (z *zset) fitListpack(lim zlimits) {
	if z.len() > lim.entries {
		return
	}
	neg := false
	for n := range z.dict.all() {
		if len(n.member) > lim.value {
			return
		}
		neg = neg || (n.score == 0 && math.Signbit(n.score))
	}
	z.big = false
	if neg {
		for n := range z.dict.all() {
			if n.score == 0 {
				z.setScore(n, 0)
			}
		}
	}
}

// zsetOf builds a set from distinct members, in the skiplist encoding
// (callers may then fitListpack).
func zsetOf(items []zitem) *zset {
	sort.Slice(items, func(i, j int) bool { return zless(items[i], items[j]) })
	z := newZset()
	z.big = true
	z.dict.grow(len(items))
	for _, it := range items {
		z.appendSorted(it)
	}
	return z
}

// zdict maps members to their nodes: chained buckets indexed by the top bits
// of a seeded hash, so a bucket is a range of hash values and "the next hash
// to visit" is a ZSCAN cursor that stays valid while the table grows and
// shrinks (see scan).
type zdict struct {
	buckets []*znode
	shift   uint // 64 - log2(len(buckets))
	count   int
}

// znode is one member with its score.
type znode struct {
	member string
	score  float64
	hash   uint64
	next   *znode
}

// zseed keys member hashes, so clients cannot choose members that collide.
var zseed = maphash.MakeSeed()

func zhash(m string) uint64 { return maphash.String(zseed, m) }

const zdictMinSize = 4

func (d *zdict) find(h uint64, m string) *znode {
	if d.count == 0 {
		return nil
	}
	for n := d.buckets[h>>d.shift]; n != nil; n = n.next {
		if n.hash == h && n.member == m {
			return n
		}
	}
	return nil
}

// grow sizes the table for n members ahead of bulk inserts.
func (d *zdict) grow(n int) {
	size := zdictMinSize
	for size < n {
		size *= 2
	}
	if size > len(d.buckets) {
		d.resize(size)
	}
}

// insert adds n, whose member must not be present.
func (d *zdict) insert(n *znode) {
	if d.count >= len(d.buckets) {
		d.resize(max(zdictMinSize, 2*len(d.buckets)))
	}
	i := n.hash >> d.shift
	n.next = d.buckets[i]
	d.buckets[i] = n
	d.count++
}

// remove unlinks and returns member m's node, or nil.
func (d *zdict) remove(h uint64, m string) *znode {
	if d.count == 0 {
		return nil
	}
	for p := &d.buckets[h>>d.shift]; *p != nil; p = &(*p).next {
		if n := *p; n.hash == h && n.member == m {
			*p, n.next = n.next, nil
			d.count--
			if d.count == 0 {
				d.buckets = nil
			} else if len(d.buckets) > zdictMinSize && d.count < len(d.buckets)/8 {
				d.resize(len(d.buckets) / 2)
			}
			return n
		}
	}
	return nil
}

func (d *zdict) resize(size int) {
	old := d.buckets
	d.buckets = make([]*znode, size)
	d.shift = 64
	for s := size; s > 1; s >>= 1 {
		d.shift--
	}
	for _, n := range old {
		for n != nil {
			next := n.next
			i := n.hash >> d.shift
			n.next = d.buckets[i]
			d.buckets[i] = n
			n = next
		}
	}
}

// scan calls fn for every member of the bucket holding hash prefix cursor
// and returns the prefix of the next bucket, or 0 when the table is done.
// Buckets are ranges of hash values, so after a resize the cursor still
// points at the first hash not yet visited: a member present for a whole
// iteration is returned at least once (a shrink may repeat some).
func (d *zdict) scan(cursor uint64, fn func(*znode)) uint64 {
	if d.count == 0 {
		return 0
	}
	i := cursor >> d.shift
	for n := d.buckets[i]; n != nil; n = n.next {
		fn(n)
	}
	if i++; i == uint64(len(d.buckets)) {
		return 0
	}
	return i << d.shift
}

// all ranges over every node; the table must not change meanwhile.
func (d *zdict) all() func(yield func(*znode) bool) {
	return func(yield func(*znode) bool) {
		for _, n := range d.buckets {
			for ; n != nil; n = n.next {
				if !yield(n) {
					return
				}
			}
		}
	}
}
