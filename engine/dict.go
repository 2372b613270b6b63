package engine

import (
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// dict is the keyspace hash table of one database within one shard: chained
// buckets, a power-of-two bucket count, and the top half of the hash stored in
// each entry. A bucket is chosen by the hash's top bits (the low bits choose
// the shard), so a dict of up to 2^32 buckets indexes by what entries keep.
//
// We use our own table rather than a Go map for three properties Redis users
// rely on: a SCAN cursor (every key present for the whole iteration is
// returned at least once, across resizes), O(1) random sampling
// for RANDOMKEY and eviction, and a list of keys with a TTL that the active
// expire cycle can sample. Resizes are whole (not incremental as in Redis);
// the keyspace is split over shards, so each pause is a fraction of the data.
type dict struct {
	// tab is the bucket array, nil while the dict is empty. A resize
	// replaces it whole, so a reader without the lock that loads tab once
	// sees a bucket array and a shift that belong together (optimistic.go).
	tab   *buckets
	count int
	// ttl holds every entry with an expiry and the expiry itself (unix ms);
	// entry.ttlIdx is its position, so adding, removing and sampling are O(1).
	ttl []ttlSlot
	// mem is the bytes of this database's keys and values in this shard,
	// by our accounting (memory.go).
	mem int64
}

// buckets is a dict's bucket array: len(b) is a power of two and a bucket's
// index is hash >> shift.
type buckets struct {
	b     []*entry
	shift uint // 64 - log2(len(b))
}

// size is the dict's bucket count.
func (d *dict) size() int {
	if d.tab == nil {
		return 0
	}
	return len(d.tab.b)
}

// ttlSlot is an entry with a TTL and its expiry in unix ms. GET's lock-free
// path loads at atomically, so it comes first and the slot's size is a
// multiple of 8 on 32-bit platforms too: every slot's at is 64-bit aligned,
// as 64-bit atomics there require.
type ttlSlot struct {
	at int64
	_  [8 - unsafe.Sizeof(uintptr(0))]byte // not last: a trailing empty field takes room
	e  *entry
}

const dictMinSize = 4

func (d *dict) find(h uint64, key []byte) *entry {
	if d.count == 0 {
		return nil
	}
	kh, t := keyHash(h), d.tab
	for e := t.b[h>>t.shift]; e != nil; e = e.next {
		if e.hash == kh && e.key() == string(key) {
			return e
		}
	}
	return nil
}

// insert adds e, which must not already be present. The table doubles when
// it would hold more entries than buckets, as Redis's does: a load factor of
// up to 2 saved 4 bytes a key but cost typed GET over 64k keys 10 % in
// chain walking (cache misses on the entries).
func (d *dict) insert(e *entry) {
	if d.count >= d.size() {
		d.resize(max(dictMinSize, d.size()*2))
	}
	t := d.tab
	i := e.dictHash() >> t.shift
	e.next = t.b[i]
	t.b[i] = e
	d.count++
}

// remove unlinks e from the table and the TTL list.
func (d *dict) remove(e *entry) {
	t := d.tab
	for p := &t.b[e.dictHash()>>t.shift]; *p != nil; p = &(*p).next {
		if *p == e {
			*p = e.next
			e.next = nil
			d.count--
			break
		}
	}
	if e.ttlIdx >= 0 {
		d.ttlRemove(e)
	}
	if d.count == 0 {
		d.tab = nil
	} else if d.size() > dictMinSize && d.count < d.size()/4 {
		d.resize(d.size() / 2)
	}
}

func (d *dict) resize(n int) {
	t := &buckets{b: make([]*entry, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	if d.tab != nil {
		for _, e := range d.tab.b {
			for e != nil {
				next := e.next
				i := e.dictHash() >> t.shift
				e.next = t.b[i]
				t.b[i] = e
				e = next
			}
		}
	}
	d.tab = t
}

// expireOf is e's expiry in unix ms, 0 for none.
func (d *dict) expireOf(e *entry) int64 {
	if e.ttlIdx < 0 {
		return 0
	}
	return d.ttl[e.ttlIdx].at
}

// setExpire records a new expiry (0 = none) for e, keeping the TTL list current.
func (d *dict) setExpire(e *entry, at int64) {
	switch {
	case at != 0 && e.ttlIdx >= 0:
		d.ttl[e.ttlIdx].at = at
	case at != 0:
		e.ttlIdx = int32(len(d.ttl))
		d.ttl = append(d.ttl, ttlSlot{at: at, e: e})
	case e.ttlIdx >= 0:
		d.ttlRemove(e)
	}
}

func (d *dict) ttlRemove(e *entry) {
	last := d.ttl[len(d.ttl)-1]
	d.ttl[e.ttlIdx] = last
	last.e.ttlIdx = e.ttlIdx
	d.ttl[len(d.ttl)-1] = ttlSlot{}
	d.ttl = d.ttl[:len(d.ttl)-1]
	e.ttlIdx = -1
	if cap(d.ttl) > 64 && len(d.ttl) < cap(d.ttl)/4 {
		d.ttl = append([]ttlSlot(nil), d.ttl...)
	}
}

// random returns a uniformly chosen bucket's random element, or nil when empty.
// Expected O(1): the load factor is kept between 1/4 and 1.
func (d *dict) random() *entry {
	if d.count == 0 {
		return nil
	}
	for t := d.tab; ; {
		e := t.b[rand.Uint64()>>t.shift]
		if e == nil {
			continue
		}
		n := 0
		for p := e; p != nil; p = p.next {
			n++
		}
		for i := rand.IntN(n); i > 0; i-- {
			e = e.next
		}
		return e
	}
}

// scan calls fn for every entry of the bucket that holds hash prefix c and
// returns the prefix of the next bucket, or 0 when the iteration is complete.
// Because buckets are ranges of hash prefixes, a table that grows or shrinks
// between calls still yields every element present throughout (a shrink may
// repeat some): the cursor is "the next hash to visit".
func (d *dict) scan(c uint64, fn func(*entry)) uint64 {
	if d.count == 0 {
		return 0
	}
	t := d.tab
	i := c >> t.shift
	for e := t.b[i]; e != nil; e = e.next {
		fn(e)
	}
	if i++; i == uint64(len(t.b)) {
		return 0
	}
	return i << t.shift
}

// each calls fn for every entry; fn must not modify the dict.
func (d *dict) each(fn func(*entry)) {
	if d.tab == nil {
		return
	}
	for _, e := range d.tab.b {
		for ; e != nil; e = e.next {
			fn(e)
		}
	}
}
