package engine

import (
	"math"
	"strconv"
)

// Helpers of the SCAN family (HSCAN here; SSCAN, ZSCAN and SCAN can share them).

// parseScanCursor parses a cursor as Redis's parseScanCursorOrReply does with
// C's strtoul in base 10: a leading space is refused, a sign is accepted ("-1"
// wraps to 2^64-1), the empty string is 0, anything after the digits or a
// value beyond 64 bits is refused. strtoul sees the argument as a C string,
// so it ends at the first NUL byte.
func parseScanCursor(b []byte) (uint64, bool) {
	for i, ch := range b {
		if ch == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) == 0 {
		return 0, true
	}
	if isSpace(b[0]) {
		return 0, false
	}
	neg := b[0] == '-'
	if b[0] == '+' || b[0] == '-' {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var v uint64
	for _, ch := range b {
		if !isDigit(ch) {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOptions parses SCAN-family options from argv[from:] as Redis's
// scanGenericCommand does: MATCH pattern and COUNT count (>= 1, default 10),
// any number of times, the last one winning. A nil pattern (or "*") matches
// everything. It replies the error itself and returns ok false.
func (c *Ctx) scanOptions(from int) (pattern []byte, count int, ok bool) {
	pattern, count, _, ok = c.scanArgs(from, false)
	return pattern, count, ok
}

// scanArgs is scanOptions that also accepts SCAN's TYPE type when withType.
func (c *Ctx) scanArgs(from int, withType bool) (pattern []byte, count int, typ []byte, ok bool) {
	count = 10
	for i := from; i < len(c.argv); i += 2 {
		hasArg := i+1 < len(c.argv)
		switch {
		case hasArg && eqFold(c.argv[i], "count"):
			n, ok := c.intArg(i + 1)
			if !ok {
				return nil, 0, nil, false
			}
			if n < 1 {
				c.w.Error(ErrSyntax)
				return nil, 0, nil, false
			}
			count = int(min(n, 1<<30))
		case hasArg && eqFold(c.argv[i], "match"):
			pattern = c.argv[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		case hasArg && withType && eqFold(c.argv[i], "type"):
			typ = c.argv[i+1]
		default:
			c.w.Error(ErrSyntax)
			return nil, 0, nil, false
		}
	}
	return pattern, count, typ, true
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// The cursor names a shard (its low bits, the shard mask) and the next
// bucket hash prefix to visit in that shard's dict (the high bits): shards
// are visited in order, each from prefix 0 up, so every key present for the
// whole iteration is returned at least once whatever the tables do between
// calls (dict.scan). Empty shards are skipped, so a small database answers
// in one call.
func cmdScan(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[1])
	if !ok {
		c.w.Error(ErrInvalidCursor)
		return
	}
	pattern, count, typ, ok := c.scanArgs(2, true)
	if !ok {
		return
	}
	ks := c.e.ks
	si, pos := int(cursor&ks.mask), cursor&^ks.mask
	var keys []string
	var bucket []*entry
	for visits := 0; si < len(ks.shards) && len(keys) < count && visits < count*10; {
		sh := &ks.shards[si]
		d := &sh.dbs[c.db]
		if d.count == 0 {
			si, pos = si+1, 0
			continue
		}
		bucket = bucket[:0]
		pos = d.scan(pos, func(e *entry) { bucket = append(bucket, e) })
		visits++
		for _, e := range bucket {
			switch {
			case c.expiredIn(d, e):
				c.e.expireEntry(c.s, sh, d, e, c.db)
			case typ != nil && !eqFold(typ, e.typ.String()):
			case pattern != nil && !globMatch(pattern, e.key(), false):
			default:
				keys = append(keys, e.key())
			}
		}
		if pos == 0 {
			si++
		}
	}
	next := uint64(0)
	if si < len(ks.shards) {
		next = pos | uint64(si)
	}
	c.scanReplyHead(next, len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

// scanReplyHead writes the start of a SCAN-family reply: the next cursor as a
// bulk string and the header of the n-element array that follows (a flat
// array in RESP3 too, as Redis replies).
func (c *Ctx) scanReplyHead(next uint64, n int) {
	var buf [20]byte
	c.w.Array(2)
	c.w.Bulk(strconv.AppendUint(buf[:0], next, 10))
	c.w.Array(n)
}

// emptyScan is the reply to a SCAN-family command on a missing key.
func (c *Ctx) emptyScan() { c.scanReplyHead(0, 0) }
