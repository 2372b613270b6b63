package engine

import (
	"iter"
	"math/rand/v2"
	"slices"
	"unsafe"
)

// setValue is a Redis set. Members live in a map (member -> position in
// slots) for O(1) membership, and in slots, a dense slice in insertion order,
// for O(1) random sampling (SPOP, SRANDMEMBER) and for SSCAN.
//
// Every member gets an id when it is added, from a counter that never goes
// back, and slots stay in increasing id order: a removal leaves a hole (the
// slot keeps its id with deadBit set) and compaction, once holes outnumber
// members, squeezes the holes out without reordering. An SSCAN cursor is "the
// next id to visit", so a member present for the whole iteration is returned
// exactly once however the set grows, shrinks or compacts in between.
//
// intset records what OBJECT ENCODING reports: Redis keeps a set as an intset
// while every member is an integer (string2ll) and the count is at most
// set-max-intset-entries, and converts it to a hash table for good on the
// first add that breaks either rule.
type setValue struct {
	pos    map[string]int
	slots  []setSlot
	holes  int
	lastID uint64
	intset bool
	memAcct
}

type setSlot struct {
	id     uint64 // deadBit marks a hole
	member string
}

// compactMin is the slot count below which holes are left alone.
const compactMin = 16

func newSet(hint int) *setValue {
	return &setValue{pos: make(map[string]int, hint), slots: make([]setSlot, 0, hint), intset: true}
}

func (s *setValue) len() int { return len(s.pos) }

func (s *setValue) has(m string) bool {
	_, ok := s.pos[m]
	return ok
}

// add inserts a copy of m; maxIntset is set-max-intset-entries.
func (s *setValue) add(m []byte, maxIntset int) bool {
	if _, ok := s.pos[string(m)]; ok {
		return false
	}
	s.insert(string(m), maxIntset)
	return true
}

// addString is add for a member the caller will never modify (a Go string).
func (s *setValue) addString(m string, maxIntset int) bool {
	if _, ok := s.pos[m]; ok {
		return false
	}
	s.insert(m, maxIntset)
	return true
}

func (s *setValue) insert(m string, maxIntset int) {
	s.lastID++
	s.pos[m] = len(s.slots)
	s.slots = append(s.slots, setSlot{id: s.lastID, member: m})
	s.bytes += int64(len(m))
	if s.intset {
		if _, isInt := parseInt(unsafeBytes(m)); !isInt || len(s.pos) > maxIntset {
			s.intset = false
		}
	}
}

// remove deletes m; m is not retained, so it may alias a command argument.
func (s *setValue) remove(m string) bool {
	i, ok := s.pos[m]
	if !ok {
		return false
	}
	s.removeAt(i)
	return true
}

// removeAt removes the member in slot i, which must be live.
func (s *setValue) removeAt(i int) {
	sl := &s.slots[i]
	s.bytes -= int64(len(sl.member))
	delete(s.pos, sl.member)
	sl.id |= deadBit
	sl.member = ""
	s.holes++
	// Holes at the end cost nothing to drop; elsewhere compact once they
	// outnumber members, which keeps random sampling at two probes expected
	// and compaction's cost amortized over the removals that caused it.
	for n := len(s.slots); n > 0 && s.slots[n-1].id&deadBit != 0; n-- {
		s.slots = s.slots[:n-1]
		s.holes--
	}
	if s.holes > len(s.pos) && len(s.slots) >= compactMin {
		s.compact()
	}
}

func (s *setValue) compact() {
	j := 0
	for _, sl := range s.slots {
		if sl.id&deadBit != 0 {
			continue
		}
		s.slots[j] = sl
		s.pos[sl.member] = j
		j++
	}
	clear(s.slots[j:])
	s.slots = s.slots[:j]
	s.holes = 0
	if cap(s.slots) > 64 && j < cap(s.slots)/4 {
		s.slots = slices.Clip(s.slots)
	}
}

// randomSlot returns the slot of a uniformly chosen member of a non-empty set.
func (s *setValue) randomSlot() int {
	for {
		i := rand.IntN(len(s.slots))
		if s.slots[i].id&deadBit == 0 {
			return i
		}
	}
}

func (s *setValue) random() string { return s.slots[s.randomSlot()].member }

// pop removes and returns a random member of a non-empty set.
func (s *setValue) pop() string {
	i := s.randomSlot()
	m := s.slots[i].member
	s.removeAt(i)
	return m
}

// all yields the members in insertion order; the set must not change
// during the loop.
func (s *setValue) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, sl := range s.slots {
			if sl.id&deadBit == 0 && !yield(sl.member) {
				return
			}
		}
	}
}

// live appends the members to dst in insertion order.
func (s *setValue) live(dst []string) []string { return slices.AppendSeq(dst, s.all()) }

// members appends the members to dst in Redis's iteration order for the
// encoding: numeric order for an intset, insertion order otherwise (a hash
// table's order is unspecified).
func (s *setValue) members(dst []string) []string {
	start := len(dst)
	dst = s.live(dst)
	if s.intset {
		sortNumeric(dst[start:])
	}
	return dst
}

// sample returns count distinct random members (count < len): a partial
// shuffle of all members when count is a large share of the set, rejection
// sampling otherwise, so the cost is O(count) for small counts.
func (s *setValue) sample(count int) []string {
	out := make([]string, 0, count)
	if count*3 > s.len() {
		all := s.live(nil)
		for i := range count {
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
		}
		return append(out, all[:count]...)
	}
	seen := make(map[int]struct{}, count)
	for len(out) < count {
		i := s.randomSlot()
		if _, dup := seen[i]; !dup {
			seen[i] = struct{}{}
			out = append(out, s.slots[i].member)
		}
	}
	return out
}

// scan appends to dst up to count members, starting at the first member whose
// id is at least cursor, and returns them with the cursor that continues
// after them (0 when the end was reached).
func (s *setValue) scan(cursor uint64, count int, dst []string) ([]string, uint64) {
	i, _ := slices.BinarySearchFunc(s.slots, cursor, func(sl setSlot, c uint64) int {
		switch id := sl.id &^ deadBit; {
		case id < c:
			return -1
		case id > c:
			return 1
		}
		return 0
	})
	for ; i < len(s.slots) && count > 0; i++ {
		if sl := s.slots[i]; sl.id&deadBit == 0 {
			dst = append(dst, sl.member)
			count--
		}
	}
	if i == len(s.slots) {
		return dst, 0
	}
	return dst, s.slots[i].id &^ deadBit
}

func (s *setValue) clone() any {
	c := newSet(s.len())
	c.intset, c.bytes = s.intset, s.bytes
	for m := range s.all() {
		c.lastID++
		c.pos[m] = len(c.slots)
		c.slots = append(c.slots, setSlot{id: c.lastID, member: m})
	}
	return c
}

// memUsage implements object: the map, the slots, and the members' bytes.
func (s *setValue) memUsage() int64 {
	return 64 + mapCost(len(s.pos)) + int64(len(s.pos))*stringAlloc + int64(cap(s.slots))*int64(unsafe.Sizeof(setSlot{})) + s.bytes
}

// mapCost estimates a Go map[string]int of n entries: groups of 8 slots
// (24 bytes each, plus 8 control bytes) filled to 7/8 at most, and on
// average to about 3/4 past the first group.
func mapCost(n int) int64 {
	groups := max(1, (n*4/3+7)/8)
	return 48 + int64(groups)*(8+8*24)
}

func (s *setValue) encoding() string {
	if s.intset {
		return "intset"
	}
	return "hashtable"
}

// sortNumeric sorts integer strings (as parseInt accepts them) by value.
func sortNumeric(ms []string) {
	type num struct {
		n int64
		s string
	}
	nums := make([]num, len(ms))
	for i, m := range ms {
		n, _ := parseInt(unsafeBytes(m))
		nums[i] = num{n, m}
	}
	slices.SortFunc(nums, func(a, b num) int {
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	})
	for i := range nums {
		ms[i] = nums[i].s
	}
}

// maxIntset is set-max-intset-entries as Redis applies it (capped at 2^30 by
// the intset's own limits).
func (c *Ctx) maxIntset() int { return min(c.e.conf().SetMaxIntsetEntries, 1<<30) }
