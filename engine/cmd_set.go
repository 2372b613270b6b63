package engine

import (
	"math"
	"slices"
	"strconv"
)

var setCommands = []cmdDef{
	{name: "sadd", handler: cmdSadd},
	{name: "srem", handler: cmdSrem},
	{name: "sismember", handler: cmdSismember},
	{name: "smismember", handler: cmdSmismember},
	{name: "smembers", handler: cmdSmembers},
	{name: "scard", handler: cmdScard},
	{name: "spop", handler: cmdSpop},
	{name: "srandmember", handler: cmdSrandmember},
	{name: "smove", handler: cmdSmove},
	{name: "sinter", handler: cmdSinter},
	{name: "sintercard", handler: cmdSintercard},
	{name: "sinterstore", handler: cmdSinterstore},
	{name: "sunion", handler: cmdSunion},
	{name: "sunionstore", handler: cmdSunionstore},
	{name: "sdiff", handler: cmdSdiff},
	{name: "sdiffstore", handler: cmdSdiffstore},
	{name: "sscan", handler: cmdSscan},
}

// Errors only the set commands reply.
const ()

// readSet looks key up for a command that reads it: e is nil when the key is
// missing, and ok is false after a WRONGTYPE reply.
func (c *Ctx) readSet(key []byte) (e *entry, s *setValue, ok bool) {
	e, ok = c.lookupReadType(key, typeSet)
	if e == nil {
		return nil, nil, ok
	}
	return e, e.setVal(), true
}

// writeSet is readSet for a command about to modify the set.
func (c *Ctx) writeSet(key []byte) (e *entry, s *setValue, ok bool) {
	e, ok = c.lookupWriteType(key, typeSet)
	if e == nil {
		return nil, nil, ok
	}
	return e, e.setVal(), true
}

// setForAdd returns key's set, creating an empty one when the key is missing,
// or the WRONGTYPE error text. The new key exists from here on, so the caller
// must add at least one member.
func (c *Ctx) setForAdd(key []byte) (*setValue, string) {
	e := c.lookupWrite(key)
	switch {
	case e == nil:
		e = c.add(key, typeSet)
		e.hold(newSet(0))
	case e.typ != typeSet:
		return nil, ErrWrongType
	}
	return e.setVal(), ""
}

// replySet writes s's members as a set (RESP2: an array) in the order Redis
// would iterate them.
func (c *Ctx) replySet(s *setValue) {
	if s.intset {
		c.replyMembers(s.members(nil), true)
		return
	}
	c.w.Set(s.len())
	for m := range s.all() {
		c.w.BulkString(m)
	}
}

// replyMembers writes ms as a set reply, or as an array when asSet is false.
func (c *Ctx) replyMembers(ms []string, asSet bool) {
	if asSet {
		c.w.Set(len(ms))
	} else {
		c.w.Array(len(ms))
	}
	for _, m := range ms {
		c.w.BulkString(m)
	}
}

// SADD key member [member ...]
func cmdSadd(c *Ctx) {
	key := c.argv[1]
	s, err := c.setForAdd(key)
	if err != "" {
		c.w.Error(err)
		return
	}
	n, maxIntset := 0, c.maxIntset()
	for _, m := range c.argv[2:] {
		if s.add(m, maxIntset) {
			n++
		}
	}
	if n > 0 {
		c.keyChanged(key, notifySet, "sadd")
	}
	c.w.Int(int64(n))
}

// SREM key member [member ...]
func cmdSrem(c *Ctx) {
	key := c.argv[1]
	e, s, ok := c.writeSet(key)
	if !ok {
		return
	}
	if e == nil {
		c.w.Int(0)
		return
	}
	n := 0
	for _, m := range c.argv[2:] {
		if s.remove(unsafeString(m)) {
			n++
			if s.len() == 0 {
				break
			}
		}
	}
	c.removed(e, n, notifySet, "srem", s.len() == 0)
}

// SISMEMBER key member
func cmdSismember(c *Ctx) {
	e, s, ok := c.readSet(c.argv[1])
	switch {
	case !ok:
	case e != nil && s.has(unsafeString(c.argv[2])):
		c.w.Int(1)
	default:
		c.w.Int(0)
	}
}

// SMISMEMBER key member [member ...]
func cmdSmismember(c *Ctx) {
	_, s, ok := c.readSet(c.argv[1])
	if !ok {
		return
	}
	c.w.Array(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		if s != nil && s.has(unsafeString(m)) {
			c.w.Int(1)
		} else {
			c.w.Int(0)
		}
	}
}

// SMEMBERS key
func cmdSmembers(c *Ctx) {
	e, s, ok := c.readSet(c.argv[1])
	switch {
	case !ok:
	case e == nil:
		c.w.Set(0)
	default:
		c.replySet(s)
	}
}

// SCARD key
func cmdScard(c *Ctx) {
	e, s, ok := c.readSet(c.argv[1])
	switch {
	case !ok:
	case e == nil:
		c.w.Int(0)
	default:
		c.w.Int(int64(s.len()))
	}
}

// withCount runs counted for the "key count" form of SPOP and SRANDMEMBER
// and refuses more arguments; it reports whether it replied.
func (c *Ctx) withCount(counted func(*Ctx)) bool {
	switch {
	case len(c.argv) == 3:
		counted(c)
	case len(c.argv) > 3:
		c.w.Error(ErrSyntax)
	default:
		return false
	}
	return true
}

// SPOP key [count]
func cmdSpop(c *Ctx) {
	if c.withCount((*Ctx).spopCount) {
		return
	}
	key := c.argv[1]
	e, s, ok := c.writeSet(key)
	switch {
	case !ok:
		return
	case e == nil:
		c.w.Null()
		return
	}
	m := s.pop()
	c.notify(notifySet, "spop", key)
	c.w.BulkString(m)
	if s.len() == 0 {
		c.deleteEmpty(e)
	}
	c.signalModified(key)
}

// spopMoveStrategyMul is Redis's SPOP_MOVE_STRATEGY_MUL: when fewer than
// count/5 members would remain, SPOP picks the ones to keep instead of the
// ones to pop (which rebuilds the set, and so re-decides its encoding).
const spopMoveStrategyMul = 5

// spopCount is SPOP key count, popping distinct members.
func (c *Ctx) spopCount() {
	n, ok := parseInt(c.argv[2])
	if !ok || n < 0 {
		c.w.Error(ErrNotPositive)
		return
	}
	key := c.argv[1]
	e, s, ok := c.writeSet(key)
	switch {
	case !ok:
		return
	case e == nil || n == 0:
		c.w.Set(0)
		return
	}
	c.notify(notifySet, "spop", key)
	count, size := int(n), s.len()
	switch {
	case count >= size:
		// Redis replies with SUNION of the one key, a freshly built set.
		c.replySet(c.unionSets([]*setValue{s}))
		c.deleteEmpty(e)
	case (size-count)*spopMoveStrategyMul > count:
		c.w.Set(count)
		for range count {
			c.w.BulkString(s.pop())
		}
	default:
		keep := newSet(size - count)
		maxIntset := c.maxIntset()
		for _, m := range s.sample(size - count) {
			keep.addString(m, maxIntset)
			s.remove(m)
		}
		c.replySet(s)
		e.hold(keep)
	}
	c.signalModified(key)
}

// SRANDMEMBER key [count]
func cmdSrandmember(c *Ctx) {
	if c.withCount((*Ctx).srandmemberCount) {
		return
	}
	e, s, ok := c.readSet(c.argv[1])
	switch {
	case !ok:
	case e == nil:
		c.w.Null()
	default:
		c.w.BulkString(s.random())
	}
}

// srandmemberCount is SRANDMEMBER key count: distinct members for a positive
// count, independent draws (repeats allowed) for a negative one. Redis 7.0
// replies with an array here, not a set, in RESP3 too.
func (c *Ctx) srandmemberCount() {
	n, ok := c.intArg(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.w.Error(ErrCountRange)
		return
	}
	e, s, ok := c.readSet(c.argv[1])
	switch {
	case !ok:
		return
	case e == nil || n == 0:
		c.w.Array(0)
		return
	}
	switch size := int64(s.len()); {
	case n < 0 || n == 1:
		n = max(n, -n)
		c.w.Array(int(n))
		for range n {
			c.w.BulkString(s.random())
		}
	case n >= size:
		c.replyMembers(s.members(nil), false)
	default:
		c.replyMembers(s.sample(int(n)), false)
	}
}

// SMOVE source destination member
func cmdSmove(c *Ctx) {
	src, dst, m := c.argv[1], c.argv[2], c.argv[3]
	se, de := c.lookupWrite(src), c.lookupWrite(dst)
	switch {
	case se == nil:
		c.w.Int(0)
		return
	case se.typ != typeSet || (de != nil && de.typ != typeSet):
		c.w.Error(ErrWrongType)
		return
	}
	s := se.setVal()
	if se == de {
		if s.has(unsafeString(m)) {
			c.w.Int(1)
		} else {
			c.w.Int(0)
		}
		return
	}
	if !s.remove(unsafeString(m)) {
		c.w.Int(0)
		return
	}
	c.notify(notifySet, "srem", src)
	if s.len() == 0 {
		c.deleteEmpty(se)
	}
	if de == nil {
		de = c.add(dst, typeSet)
		de.hold(newSet(1))
	}
	c.signalModified(src)
	// Redis signals the destination only when the member was new there.
	if de.setVal().add(m, c.maxIntset()) {
		c.keyChanged(dst, notifySet, "sadd")
	}
	c.w.Int(1)
}

// setsOf looks keys up as the operands of SINTER, SUNION and SDIFF (read
// lookups even for the STORE variants, as Redis does): a missing key is a nil
// set, and ok is false after a WRONGTYPE reply. The same key twice gives the
// same *setValue.
func (c *Ctx) setsOf(keys [][]byte) (sets []*setValue, ok bool) {
	sets = make([]*setValue, len(keys))
	for i, k := range keys {
		if _, sets[i], ok = c.readSet(k); !ok {
			return nil, false
		}
	}
	return sets, true
}

// interSets calls fn for each member common to every set (none may be nil),
// walking the smallest set in insertion order, until fn returns false. It
// returns the set walked.
func interSets(sets []*setValue, fn func(string) bool) *setValue {
	slices.SortStableFunc(sets, func(a, b *setValue) int { return a.len() - b.len() })
	first := sets[0]
next:
	for m := range first.all() {
		for _, o := range sets[1:] {
			if o != first && !o.has(m) {
				continue next
			}
		}
		if !fn(m) {
			break
		}
	}
	return first
}

// SINTER key [key ...]
func cmdSinter(c *Ctx) {
	sets, ok := c.setsOf(c.argv[1:])
	if !ok {
		return
	}
	if slices.Contains(sets, nil) {
		c.w.Set(0)
		return
	}
	var ms []string
	first := interSets(sets, func(m string) bool { ms = append(ms, m); return true })
	if first.intset {
		sortNumeric(ms) // Redis walks the smallest set, in numeric order if an intset
	}
	c.replyMembers(ms, true)
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdSintercard(c *Ctx) {
	numkeys, ok := parseInt(c.argv[1])
	switch {
	case !ok || numkeys < 1:
		c.w.Error(ErrNumkeys)
		return
	case numkeys > int64(len(c.argv)-2):
		c.w.Error(ErrNumkeysArgs)
		return
	}
	end := 2 + int(numkeys)
	limit := int64(0)
	for j := end; j < len(c.argv); j++ {
		if !eqFold(c.argv[j], "limit") || j+1 == len(c.argv) {
			c.w.Error(ErrSyntax)
			return
		}
		j++
		if limit, ok = parseInt(c.argv[j]); !ok || limit < 0 {
			c.w.Error(ErrLimitNegative)
			return
		}
	}
	sets, ok := c.setsOf(c.argv[2:end])
	if !ok {
		return
	}
	n := int64(0)
	if !slices.Contains(sets, nil) {
		interSets(sets, func(string) bool { n++; return limit == 0 || n < limit })
	}
	c.w.Int(n)
}

// SINTERSTORE destination key [key ...]
func cmdSinterstore(c *Ctx) {
	sets, ok := c.setsOf(c.argv[2:])
	if !ok {
		return
	}
	res := newSet(0)
	if !slices.Contains(sets, nil) {
		maxIntset := c.maxIntset()
		interSets(sets, func(m string) bool { res.addString(m, maxIntset); return true })
	}
	c.storeSet(c.argv[1], res, "sinterstore", slices.Contains(sets, nil))
}

// storeSet makes res the value of key for the STORE commands, replacing any
// value (and TTL) it had, and replies with its size; an empty result deletes
// the key instead. The events follow the reply, as in Redis, except for
// SINTERSTORE of a missing set (early), whose "del" comes first.
func (c *Ctx) storeSet(key []byte, res *setValue, event string, early bool) {
	if !early {
		c.eventsAfterReply()
	}
	if res.len() == 0 {
		if e := c.lookup(key); e != nil {
			c.remove(e)
			c.signalModified(key)
			c.notify(notifyGeneric, "del", key)
		}
		c.w.Int(0)
		return
	}
	e := c.lookupWrite(key)
	if e == nil {
		e = c.add(key, typeSet)
	} else {
		e.access = c.e.initAccess()
		c.setExpire(e, 0)
	}
	c.setObject(e, res)
	c.w.Int(int64(res.len()))
	c.keyChanged(key, notifySet, event)
}

// unionSets builds the union of sets (nil ones are empty) as Redis builds its
// result: a new set filled by adds, whose encoding, and so reply order, is
// decided by those adds.
func (c *Ctx) unionSets(sets []*setValue) *setValue {
	res := newSet(0)
	maxIntset := c.maxIntset()
	for _, s := range sets {
		if s == nil {
			continue
		}
		for m := range s.all() {
			res.addString(m, maxIntset)
		}
	}
	return res
}

// diffSets builds the members of sets[0] that are in no other set. It
// follows Redis's choice between its two algorithms, because the choice shows
// in the result's encoding: the second adds all of sets[0] before removing
// the others, so a result that is small only after the removals stays a hash
// table.
func (c *Ctx) diffSets(sets []*setValue) *setValue {
	res := newSet(0)
	first := sets[0]
	if first == nil || slices.Contains(sets[1:], first) {
		return res
	}
	work1, work2 := 0, 0
	for _, s := range sets {
		if s != nil {
			work1 += first.len()
			work2 += s.len()
		}
	}
	maxIntset := c.maxIntset()
	if work1/2 <= work2 {
	next:
		for m := range first.all() {
			for _, o := range sets[1:] {
				if o != nil && o.has(m) {
					continue next
				}
			}
			res.addString(m, maxIntset)
		}
		return res
	}
	for m := range first.all() {
		res.addString(m, maxIntset)
	}
	for _, o := range sets[1:] {
		if o == nil {
			continue
		}
		for m := range o.all() {
			res.remove(m)
		}
		if res.len() == 0 {
			break
		}
	}
	return res
}

// SUNION key [key ...]
func cmdSunion(c *Ctx) { c.sunionDiff((*Ctx).unionSets, "") }

// SUNIONSTORE destination key [key ...]
func cmdSunionstore(c *Ctx) { c.sunionDiff((*Ctx).unionSets, "sunionstore") }

// SDIFF key [key ...]
func cmdSdiff(c *Ctx) { c.sunionDiff((*Ctx).diffSets, "") }

// SDIFFSTORE destination key [key ...]
func cmdSdiffstore(c *Ctx) { c.sunionDiff((*Ctx).diffSets, "sdiffstore") }

// sunionDiff runs op over the sets the command names and replies with the
// result or, for a STORE variant (storeEvent set), stores it in argv[1].
func (c *Ctx) sunionDiff(op func(*Ctx, []*setValue) *setValue, storeEvent string) {
	from := 1
	if storeEvent != "" {
		from = 2
	}
	sets, ok := c.setsOf(c.argv[from:])
	if !ok {
		return
	}
	res := op(c, sets)
	if storeEvent == "" {
		c.replySet(res)
		return
	}
	c.storeSet(c.argv[1], res, storeEvent, false)
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func cmdSscan(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[2])
	if !ok {
		c.w.Error(ErrInvalidCursor)
		return
	}
	e, s, ok := c.readSet(c.argv[1])
	if !ok {
		return
	}
	if e == nil {
		c.w.Array(2)
		c.w.BulkString("0")
		c.w.Array(0)
		return
	}
	pat, count, ok := c.scanOptions(3)
	if !ok {
		return
	}
	var ms []string
	// Like Redis, return a whole intset in one call, whatever the cursor.
	next := uint64(0)
	if s.intset {
		ms = s.members(nil)
	} else {
		ms, next = s.scan(cursor, count, nil)
	}
	if pat != nil {
		ms = slices.DeleteFunc(ms, func(m string) bool { return !globMatch(pat, m, false) })
	}
	var buf [20]byte
	c.w.Array(2)
	c.w.Bulk(strconv.AppendUint(buf[:0], next, 10))
	c.replyMembers(ms, false)
}
