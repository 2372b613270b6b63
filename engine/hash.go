package engine

import (
	"hash/maphash"
	"sort"
	"unsafe"
)

// hashObj is a hash value (held by a typeHash entry).
//
// Fields live in a dense slice in insertion order: a new field goes to the
// end, an update changes its value in place, a deletion keeps the order of
// the rest. That is the order of Redis's listpack, so HGETALL, HKEYS and
// HVALS on a small hash answer exactly as Redis does. Once the hash has more
// than hashSmall fields an index (fieldIndex: field -> position) sits beside
// the slice; below that a linear scan is as fast and the index's memory is
// saved.
//
// Every entry carries an insertion id, never reused, ascending along the
// slice. HSCAN's cursor is "the next id to visit", found by binary search, so
// an element present for the whole scan is returned exactly once whatever is
// added or removed meanwhile.
//
// Deleting from an indexed hash leaves a tombstone, so that the positions in
// the index stay valid; the slice is compacted (in order) when tombstones
// outnumber live entries. A random position is therefore live with
// probability >= 1/2 and HRANDFIELD samples in O(1) expected time.
type hashObj struct {
	ents   []hashEntry
	index  *fieldIndex // nil while the hash is small; then ents has no tombstones
	dead   int         // tombstones in ents
	nextID uint64
	big    bool // Redis would have converted it to a hashtable (OBJECT ENCODING)
	memAcct
}

// hashEntry is one field. Strings are immutable, so values handed to a
// ReplyWriter or an in-process caller stay valid after the hash changes.
type hashEntry struct {
	field, value string
	id           uint64 // insertion id; deadBit marks a tombstone
}

const (
	// hashSmall is the size up to which a hash has no index.
	hashSmall = 8
	deadBit   = 1 << 63
)

func (en *hashEntry) live() bool  { return en.id&deadBit == 0 }
func (en *hashEntry) key() uint64 { return en.id &^ deadBit }

func newHash() *hashObj { return &hashObj{} }

// length is the number of fields (HLEN).
func (h *hashObj) length() int { return len(h.ents) - h.dead }

// find returns the position of field in ents, or -1. field may be a borrowed
// view: it is not retained.
func (h *hashObj) find(field string) int {
	if h.index != nil {
		_, pos := h.index.lookup(h.ents, field)
		return pos
	}
	for i := range h.ents {
		if h.ents[i].field == field {
			return i
		}
	}
	return -1
}

// get returns field's value.
func (h *hashObj) get(field string) (string, bool) {
	if i := h.find(field); i >= 0 {
		return h.ents[i].value, true
	}
	return "", false
}

// set stores value under field and reports whether the field is new. value
// is retained. field is borrowed and copied when it is added, unless keep
// says it may be retained as it is (a view of a Go string).
func (h *hashObj) set(field []byte, value string, keep bool) bool {
	f := unsafeString(field)
	if i := h.find(f); i >= 0 {
		h.bytes += int64(len(value) - len(h.ents[i].value))
		h.ents[i].value = value
		return false
	}
	if !keep {
		f = string(field)
	}
	h.add(f, value)
	return true
}

// add appends a field that is not present. Both strings are retained.
func (h *hashObj) add(field, value string) {
	h.grow(1)
	h.nextID++
	h.ents = append(h.ents, hashEntry{field: field, value: value, id: h.nextID})
	h.bytes += int64(len(field) + len(value))
	if h.index != nil {
		h.index.insert(h.index.hash(field), len(h.ents)-1)
	} else if len(h.ents) > hashSmall {
		h.reindex()
	}
}

// grow makes room for n more entries. Capacity grows by a quarter rather than
// append's doubling, so a hash wastes little memory on spare slots.
func (h *hashObj) grow(n int) {
	need := len(h.ents) + n
	if need <= cap(h.ents) {
		return
	}
	ents := make([]hashEntry, len(h.ents), max(need, cap(h.ents)+cap(h.ents)/4))
	copy(ents, h.ents)
	h.ents = ents
}

// del removes field and reports whether it was there.
func (h *hashObj) del(field string) bool {
	if h.index == nil {
		i := h.find(field)
		if i < 0 {
			return false
		}
		h.bytes -= int64(len(h.ents[i].field) + len(h.ents[i].value))
		copy(h.ents[i:], h.ents[i+1:])
		h.ents[len(h.ents)-1] = hashEntry{}
		h.ents = h.ents[:len(h.ents)-1]
		return true
	}
	slot, i := h.index.lookup(h.ents, field)
	if i < 0 {
		return false
	}
	h.index.removeAt(slot)
	h.bytes -= int64(len(h.ents[i].field) + len(h.ents[i].value))
	h.ents[i] = hashEntry{id: h.ents[i].id | deadBit}
	h.dead++
	// Trailing tombstones can simply go.
	for n := len(h.ents); n > 0 && !h.ents[n-1].live(); n-- {
		h.ents = h.ents[:n-1]
		h.dead--
	}
	if h.dead*2 > len(h.ents) {
		h.compact()
	}
	return true
}

// compact removes the tombstones, keeping the order and the ids, renumbers
// the index (or drops it when the hash has become small) and gives back
// spare capacity.
func (h *hashObj) compact() {
	renum := make([]int32, len(h.ents))
	live := h.ents[:0]
	for i, en := range h.ents {
		renum[i] = int32(len(live))
		if en.live() {
			live = append(live, en)
		}
	}
	clear(h.ents[len(live):])
	if len(live) < cap(live)/2 {
		live = append(make([]hashEntry, 0, len(live)+len(live)/4), live...)
	}
	h.ents, h.dead = live, 0
	if len(live) <= hashSmall {
		h.index = nil
	} else {
		h.index.renumber(renum, len(live))
	}
}

// reindex builds the index of a hash without tombstones.
func (h *hashObj) reindex() {
	h.index = newFieldIndex(len(h.ents))
	for i := range h.ents {
		h.index.insert(h.index.hash(h.ents[i].field), i)
	}
}

// random returns the position of a uniformly chosen field of a non-empty hash.
func (h *hashObj) random() int {
	for {
		if i := randIntN(len(h.ents)); h.ents[i].live() {
			return i
		}
	}
}

// sample returns count distinct positions of live fields, 0 < count < length:
// one ordered pass (selection sampling) when count is a large part of the
// hash, otherwise random picks with duplicates refused, O(count) expected.
func (h *hashObj) sample(count int) []int {
	out := make([]int, 0, count)
	size := h.length()
	if count*3 > size {
		for i := range h.ents {
			if !h.ents[i].live() {
				continue
			}
			if randIntN(size) < count-len(out) {
				out = append(out, i)
			}
			size--
		}
		return out
	}
	seen := make(map[int]struct{}, count)
	for len(out) < count {
		i := h.random()
		if _, dup := seen[i]; !dup {
			seen[i] = struct{}{}
			out = append(out, i)
		}
	}
	return out
}

// scan visits, from the first entry whose id is >= cursor, up to count
// fields (and at most 10*count entries, tombstones included, as Redis bounds
// its bucket visits). It returns the range of positions visited and the
// cursor to continue from, 0 when the end was reached.
func (h *hashObj) scan(cursor uint64, count int) (from, to int, next uint64) {
	from = sort.Search(len(h.ents), func(i int) bool { return h.ents[i].key() >= cursor })
	budget := count * 10
	if budget/10 != count || budget < 0 {
		budget = len(h.ents)
	}
	to = from
	for n := 0; to < len(h.ents) && n < count && budget > 0; to++ {
		budget--
		if h.ents[to].live() {
			n++
		}
	}
	if to == len(h.ents) {
		return from, to, 0
	}
	return from, to, h.ents[to].key()
}

// clone implements object (COPY): the copy has no tombstones.
func (h *hashObj) clone() any {
	n := &hashObj{ents: make([]hashEntry, 0, h.length()), nextID: h.nextID, big: h.big}
	n.bytes = h.bytes
	for _, en := range h.ents {
		if en.live() {
			n.ents = append(n.ents, en)
		}
	}
	if len(n.ents) > hashSmall {
		n.reindex()
	}
	return n
}

// memUsage implements object: the entries, the index and the strings.
func (h *hashObj) memUsage() int64 {
	n := 64 + int64(cap(h.ents))*int64(unsafe.Sizeof(hashEntry{})) + int64(h.length())*2*stringAlloc + h.bytes
	if h.index != nil {
		n += h.index.memUsage()
	}
	return n
}

// encoding implements object.
func (h *hashObj) encoding() string {
	if h.big {
		return "hashtable"
	}
	return "listpack"
}

// checkEntries records the conversion Redis makes when a write leaves a
// listpack hash with more than hash-max-listpack-entries fields.
func (h *hashObj) checkEntries(cfg *Config) {
	if h.length() > cfg.HashMaxListpackEntries {
		h.big = true
	}
}

// checkLen records the conversion Redis makes before writing a field or
// value longer than hash-max-listpack-value (hashTypeTryConversion).
func (h *hashObj) checkLen(cfg *Config, n int) {
	if n > cfg.HashMaxListpackValue {
		h.big = true
	}
}

// fieldIndex maps the fields of a hash to their positions in its entries: an
// open-addressing table with linear probing. A slot holds 32 bits of the
// field's seeded hash in its high half and position+1 in its low half (0 is
// an empty slot). The hash bits pick the home slot and filter comparisons,
// and let the table grow or renumber positions without hashing a field
// again. At 8 bytes a slot and a load between 3/8 and 3/4 it costs 11 to 21
// bytes per field, against about 40 for a Go map.
type fieldIndex struct {
	seed  maphash.Seed // per index, so colliding fields cannot be precomputed
	slots []uint64
	count int
}

const indexMinSlots = 16

func newFieldIndex(n int) *fieldIndex {
	return &fieldIndex{seed: maphash.MakeSeed(), slots: make([]uint64, indexSlots(n))}
}

// indexSlots is the table size for n fields: a power of two at most 3/4 full.
func indexSlots(n int) int {
	size := indexMinSlots
	for size/4*3 < n {
		size *= 2
	}
	return size
}

// memUsage is the index's slots.
func (x *fieldIndex) memUsage() int64 { return 48 + int64(len(x.slots))*8 }

func (x *fieldIndex) hash(field string) uint32 { return uint32(maphash.String(x.seed, field)) }

// lookup returns the slot and position of field, or the empty slot that ends
// its probe sequence and -1.
func (x *fieldIndex) lookup(ents []hashEntry, field string) (slot, pos int) {
	h := x.hash(field)
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return i, -1
		}
		if uint32(s>>32) == h && ents[uint32(s)-1].field == field {
			return i, int(uint32(s)) - 1
		}
	}
}

// insert adds position pos of a field whose hash is h.
func (x *fieldIndex) insert(h uint32, pos int) {
	if x.count >= len(x.slots)/4*3 {
		old := x.slots
		x.slots = make([]uint64, len(old)*2)
		for _, s := range old {
			if s != 0 {
				x.put(s)
			}
		}
	}
	x.put(uint64(h)<<32 | uint64(pos+1))
	x.count++
}

// put stores slot value s in the first free slot from its home.
func (x *fieldIndex) put(s uint64) {
	mask := len(x.slots) - 1
	i := int(uint32(s>>32)) & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

// removeAt empties slot i and shifts back the entries of the probe sequence
// after it that may move, so that no lookup needs tombstones.
func (x *fieldIndex) removeAt(i int) {
	mask := len(x.slots) - 1
	for j := (i + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		home := int(uint32(x.slots[j]>>32)) & mask
		// The entry at j may fill i unless its home lies in (i, j], cyclically.
		between := (i < j && i < home && home <= j) || (j < i && (i < home || home <= j))
		if !between {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = 0
	x.count--
}

// renumber rebuilds the table for n fields after a compaction moved the field
// at position p to renum[p], reusing the stored hash bits.
func (x *fieldIndex) renumber(renum []int32, n int) {
	old := x.slots
	x.slots = make([]uint64, indexSlots(n))
	for _, s := range old {
		if s != 0 {
			x.put(s&^(1<<32-1) | uint64(renum[uint32(s)-1]+1))
		}
	}
}
