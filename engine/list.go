package engine

// list is the value of a list key: a double-ended queue of strings in a ring
// buffer whose capacity is a power of two. Pushes and pops at either end are
// O(1) amortised, index access (LINDEX, LSET) is O(1), and inserting or
// removing in the middle moves the shorter side. The buffer doubles when full
// and halves while three quarters empty, so a list that shrinks gives its
// memory back.
//
// Elements are Go strings the list owns: they are never modified, so a popped
// element can be handed to a caller without a copy.
type list struct {
	buf  []string // len(buf) is 0 or a power of two
	head int      // index in buf of element 0
	n    int
	memAcct
}

// The ends of a list, as Redis's LIST_HEAD and LIST_TAIL: LEFT is the head.
const (
	listHead = iota
	listTail
)

// listMinCap is the capacity of a list's first buffer.
const listMinCap = 4

// newList returns an empty list whose first buffer is allocated with it, so
// creating a list key costs one allocation, not two.
func newList() *list {
	p := new(struct {
		l     list
		first [listMinCap]string
	})
	p.l.buf = p.first[:]
	return &p.l
}

func (l *list) len() int { return l.n }

// slot maps element i (0 <= i < n) to its index in buf.
func (l *list) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// at returns element i; i must be in [0, n).
func (l *list) at(i int) string { return l.buf[l.slot(i)] }

// set replaces element i; i must be in [0, n).
func (l *list) set(i int, v string) { l.buf[l.slot(i)] = v }

// replace is LSET: set, keeping the byte count.
func (l *list) replace(i int, v string) {
	l.bytes += int64(len(v) - len(l.at(i)))
	l.set(i, v)
}

// resize moves the elements, in order, to a buffer of capacity c >= n.
func (l *list) resize(c int) {
	buf := make([]string, c)
	if l.n > 0 {
		k := copy(buf, l.buf[l.head:min(l.head+l.n, len(l.buf))])
		copy(buf[k:], l.buf[:l.n-k])
	}
	l.buf, l.head = buf, 0
}

// grow makes room for one more element.
func (l *list) grow() {
	if l.n == len(l.buf) {
		l.resize(max(listMinCap, 2*len(l.buf)))
	}
}

// shrink halves the buffer, as many times as needed, while it is at most a
// quarter full.
func (l *list) shrink() {
	c := len(l.buf)
	for c > listMinCap && l.n <= c/4 {
		c /= 2
	}
	if c != len(l.buf) {
		l.resize(c)
	}
}

func (l *list) pushBack(v string) {
	l.bytes += int64(len(v))
	l.grow()
	l.buf[l.slot(l.n)] = v
	l.n++
}

func (l *list) pushFront(v string) {
	l.bytes += int64(len(v))
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
}

// push adds v at the head (listHead) or the tail (listTail).
func (l *list) push(v string, where int) {
	if where == listHead {
		l.pushFront(v)
	} else {
		l.pushBack(v)
	}
}

// pop removes and returns the element at the head or the tail; the list must
// not be empty.
func (l *list) pop(where int) string {
	i := l.slot(0)
	if where == listTail {
		i = l.slot(l.n - 1)
	} else {
		l.head = (l.head + 1) & (len(l.buf) - 1)
	}
	v := l.buf[i]
	l.bytes -= int64(len(v))
	l.buf[i] = "" // let the collector have it
	l.n--
	l.shrink()
	return v
}

// insert puts v before element i (0 <= i <= n), moving the shorter side.
func (l *list) insert(i int, v string) {
	l.grow()
	if i < l.n-i {
		l.head = (l.head - 1) & (len(l.buf) - 1)
		for j := 0; j < i; j++ {
			l.set(j, l.at(j+1))
		}
	} else {
		for j := l.n; j > i; j-- {
			l.buf[l.slot(j)] = l.at(j - 1)
		}
	}
	l.n++
	l.bytes += int64(len(v))
	l.set(i, v)
}

// removeRange deletes count elements starting at start (a valid range),
// closing the gap from the shorter side.
func (l *list) removeRange(start, count int) {
	if count <= 0 {
		return
	}
	end := start + count
	for j := start; j < end; j++ {
		l.bytes -= int64(len(l.at(j)))
	}
	if start < l.n-end {
		for j := start - 1; j >= 0; j-- {
			l.set(j+count, l.at(j))
		}
		for j := 0; j < count; j++ {
			l.set(j, "")
		}
		l.head = l.slot(count)
	} else {
		for j := end; j < l.n; j++ {
			l.set(j-count, l.at(j))
		}
		for j := l.n - count; j < l.n; j++ {
			l.set(j, "")
		}
	}
	l.n -= count
	l.shrink()
}

// removeEqual deletes elements equal to v, at most limit of them (0: all),
// scanning from the head, or from the tail when fromTail is set, in one pass.
// It returns how many it removed.
func (l *list) removeEqual(v string, limit int, fromTail bool) int {
	removed := 0
	if !fromTail {
		w := 0
		for r := 0; r < l.n; r++ {
			x := l.at(r)
			if x == v && (limit == 0 || removed < limit) {
				removed++
				continue
			}
			l.set(w, x)
			w++
		}
		for j := w; j < l.n; j++ {
			l.set(j, "")
		}
	} else {
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			x := l.at(r)
			if x == v && (limit == 0 || removed < limit) {
				removed++
				continue
			}
			l.set(w, x)
			w--
		}
		for j := 0; j <= w; j++ {
			l.set(j, "")
		}
		l.head = l.slot(removed)
	}
	l.n -= removed
	l.bytes -= int64(removed * len(v))
	l.shrink()
	return removed
}

// index returns the position of the first element equal to v, or -1.
func (l *list) index(v string) int {
	for i := 0; i < l.n; i++ {
		if l.at(i) == v {
			return i
		}
	}
	return -1
}

// clone implements object.
func (l *list) clone() any {
	c := *l
	c.memAcct = memAcct{bytes: l.bytes}
	c.resize(max(listMinCap, len(l.buf)))
	return &c
}

// memUsage implements object: the ring of string headers and the elements.
func (l *list) memUsage() int64 {
	return 48 + int64(len(l.buf))*16 + int64(l.n)*stringAlloc + l.bytes
}

// encoding implements object: Redis 7.0 stores every list as a quicklist.
func (l *list) encoding() string { return "quicklist" }
