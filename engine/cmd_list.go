package engine

var listCommands = []cmdDef{
	{name: "lpush", handler: cmdLpush},
	{name: "rpush", handler: cmdRpush},
	{name: "lpushx", handler: cmdLpushx},
	{name: "rpushx", handler: cmdRpushx},
	{name: "lpop", handler: cmdLpop},
	{name: "rpop", handler: cmdRpop},
	{name: "llen", handler: cmdLlen},
	{name: "lrange", handler: cmdLrange},
	{name: "lindex", handler: cmdLindex},
	{name: "lset", handler: cmdLset},
	{name: "linsert", handler: cmdLinsert},
	{name: "lrem", handler: cmdLrem},
	{name: "ltrim", handler: cmdLtrim},
	{name: "lpos", handler: cmdLpos},
	{name: "lmove", handler: cmdLmove},
	{name: "rpoplpush", handler: cmdRpoplpush},
	{name: "lmpop", handler: cmdLmpop},
	{name: "blpop", handler: cmdBlpop},
	{name: "brpop", handler: cmdBrpop},
	{name: "blmove", handler: cmdBlmove},
	{name: "brpoplpush", handler: cmdBrpoplpush},
	{name: "blmpop", handler: cmdBlmpop},
}

// Errors only the list commands reply.
const (
	errIndexRange = "ERR index out of range"
	errLposRank   = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLposCount  = "ERR COUNT can't be negative"
	errLposMaxlen = "ERR MAXLEN can't be negative"
)

// The keyspace events of pushes and pops, by end (listHead, listTail).
var (
	pushEvents = [2]string{"lpush", "rpush"}
	popEvents  = [2]string{"lpop", "rpop"}
)

// missingReply is what a command replies for a missing key: the shared
// object Redis passes to lookupKeyReadOrReply/lookupKeyWriteOrReply.
type missingReply uint8

const (
	missingZero  missingReply = iota // :0
	missingNull                      // nil
	missingEmpty                     // an empty array
	missingOK                        // +OK
	missingNoKey                     // ERR no such key
)

// listOrReply looks key up for a read (counting a hit or miss) or a write
// and returns its entry and list. When it is missing it writes the missing
// reply, and when it holds another type WRONGTYPE, and returns nil.
func (c *Ctx) listOrReply(key []byte, write bool, missing missingReply) (*entry, *list) {
	var e *entry
	if write {
		e = c.lookupWrite(key)
	} else {
		e = c.lookupRead(key)
	}
	switch {
	case e == nil:
		switch missing {
		case missingZero:
			c.w.Int(0)
		case missingNull:
			c.w.Null()
		case missingEmpty:
			c.w.Array(0)
		case missingOK:
			c.w.Status("OK")
		case missingNoKey:
			c.w.Error(ErrNoSuchKey)
		}
		return nil, nil
	case e.typ != typeList:
		c.w.Error(ErrWrongType)
		return nil, nil
	}
	return e, e.listVal()
}

// LPUSH key element [element ...]
func cmdLpush(c *Ctx) { c.pushGeneric(listHead, false) }

// RPUSH key element [element ...]
func cmdRpush(c *Ctx) { c.pushGeneric(listTail, false) }

// LPUSHX key element [element ...]
func cmdLpushx(c *Ctx) { c.pushGeneric(listHead, true) }

// RPUSHX key element [element ...]
func cmdRpushx(c *Ctx) { c.pushGeneric(listTail, true) }

func (c *Ctx) pushGeneric(where int, xx bool) {
	c.eventsAfterReply()
	n, err := listPush(c, c.argv[1], c.argv[2:], where, xx)
	if err != "" {
		c.w.Error(err)
		return
	}
	c.w.Int(n)
}

// listPush is the data operation of LPUSH and friends: it pushes vals one by
// one at where, creating the list unless xx (LPUSHX/RPUSHX) is set, and
// returns the new length or a Redis error text. Byte slices (arguments) are
// copied; strings are immutable and stored as they are.
func listPush[T string | []byte](c *Ctx, key []byte, vals []T, where int, xx bool) (int64, string) {
	e := c.lookupWrite(key)
	switch {
	case e == nil && xx:
		return 0, ""
	case e == nil:
		e = c.add(key, typeList)
		e.hold(newList())
	case e.typ != typeList:
		return 0, ErrWrongType
	}
	l := e.listVal()
	for _, v := range vals {
		l.push(string(v), where)
	}
	c.keyChanged(key, notifyList, pushEvents[where])
	return int64(l.len()), ""
}

// LPOP key [count]
func cmdLpop(c *Ctx) { c.popGeneric(listHead) }

// RPOP key [count]
func cmdRpop(c *Ctx) { c.popGeneric(listTail) }

func (c *Ctx) popGeneric(where int) {
	if len(c.argv) > 3 {
		c.w.Error(errWrongArgs(c.cmd.Name))
		return
	}
	if len(c.argv) == 2 {
		if !c.listPopReply(c.argv[1], where, 1, popOne) {
			c.w.Null()
		}
		return
	}
	count, ok := c.minArg(2, 0, ErrNotPositive)
	if !ok {
		return
	}
	if !c.listPopReply(c.argv[1], where, count, popCount) {
		c.w.NullArray()
	}
}

// minArg parses argument i as an integer of at least lo, replying msg for
// anything else, a non-integer included (Redis's getRangeLongFromObjectOrReply
// with a message).
func (c *Ctx) minArg(i int, lo int64, msg string) (int64, bool) {
	n, ok := parseInt(c.argv[i])
	if !ok || n < lo {
		c.w.Error(msg)
		return 0, false
	}
	return n, true
}

// popReply is the shape of the reply listPopReply writes.
type popReply uint8

const (
	popOne          popReply = iota // LPOP key: the element
	popCount                        // LPOP key count: an array of up to count elements
	popOneWithKey                   // BLPOP: [key, element]
	popCountWithKey                 // LMPOP, BLMPOP: [key, [up to count elements]]
)

// listPopReply pops from the head or the tail of the list at key and writes
// the reply of the command that asked (see popReply), then publishes the
// "lpop"/"rpop" event and deletes the emptied list, as Redis's
// listElementsRemoved. It returns false, having written nothing, when key
// does not exist, so a caller can try the next key or block; a key of
// another type gets WRONGTYPE. count (popCount, popCountWithKey) is at
// least 0; with 0 the reply is an empty array and nothing is popped. The
// key's shard must be locked.
func (c *Ctx) listPopReply(key []byte, where int, count int64, reply popReply) bool {
	e, ok := c.lookupWriteType(key, typeList)
	if !ok {
		return true
	}
	if e == nil {
		return false
	}
	l := e.listVal()
	switch reply {
	case popOne:
		c.w.Bulk(unsafeBytes(l.pop(where)))
	case popOneWithKey:
		c.w.Array(2)
		c.w.Bulk(key)
		c.w.Bulk(unsafeBytes(l.pop(where)))
	default:
		if count == 0 {
			c.w.Array(0)
			return true
		}
		if reply == popCountWithKey {
			c.w.Array(2)
			c.w.Bulk(key)
		}
		n := int(min(count, int64(l.len())))
		c.w.Array(n)
		for range n {
			c.w.Bulk(unsafeBytes(l.pop(where)))
		}
	}
	c.listPopped(e, key, where)
	return true
}

// listPop is the data operation of LPOP key without a count: the element,
// whether the key existed, and a Redis error text (WRONGTYPE) or "".
func (c *Ctx) listPop(key []byte, where int) (string, bool, string) {
	e := c.lookupWrite(key)
	switch {
	case e == nil:
		return "", false, ""
	case e.typ != typeList:
		return "", false, ErrWrongType
	}
	v := e.listVal().pop(where)
	c.listPopped(e, key, where)
	return v, true, ""
}

// listPopped publishes a pop from e (at key) and deletes the list if it is
// now empty.
func (c *Ctx) listPopped(e *entry, key []byte, where int) {
	c.keyChanged(key, notifyList, popEvents[where])
	if e.listVal().len() == 0 {
		c.deleteEmpty(e)
	}
}

// LLEN key
func cmdLlen(c *Ctx) {
	if _, l := c.listOrReply(c.argv[1], false, missingZero); l != nil {
		c.w.Int(int64(l.len()))
	}
}

// listRange clamps the inclusive range start..end of a list of n elements,
// negative indexes counting from the tail, as Redis's LRANGE and LTRIM do;
// empty reports a range with no element.
func listRange(n, start, end int64) (from, to int64, empty bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, 0, true
	}
	return start, min(end, n-1), false
}

// rangeArgs parses LRANGE's and LTRIM's start and stop.
func (c *Ctx) rangeArgs() (start, end int64, ok bool) {
	if start, ok = c.intArg(2); ok {
		end, ok = c.intArg(3)
	}
	return start, end, ok
}

// LRANGE key start stop
func cmdLrange(c *Ctx) {
	start, end, ok := c.rangeArgs()
	if !ok {
		return
	}
	_, l := c.listOrReply(c.argv[1], false, missingEmpty)
	if l == nil {
		return
	}
	from, to, empty := listRange(int64(l.len()), start, end)
	if empty {
		c.w.Array(0)
		return
	}
	c.w.Array(int(to - from + 1))
	for i := int(from); i <= int(to); i++ {
		c.w.Bulk(unsafeBytes(l.at(i)))
	}
}

// listIndex turns a LINDEX/LSET index (negative from the tail) into a
// position; ok is false when it falls outside the list.
func listIndex(l *list, i int64) (int, bool) {
	n := int64(l.len())
	if i < 0 {
		i += n
	}
	return int(i), i >= 0 && i < n
}

// LINDEX key index
func cmdLindex(c *Ctx) {
	_, l := c.listOrReply(c.argv[1], false, missingNull)
	if l == nil {
		return
	}
	i, ok := c.intArg(2)
	if !ok {
		return
	}
	if pos, ok := listIndex(l, i); ok {
		c.w.Bulk(unsafeBytes(l.at(pos)))
	} else {
		c.w.Null()
	}
}

// LSET key index element
func cmdLset(c *Ctx) {
	key := c.argv[1]
	_, l := c.listOrReply(key, true, missingNoKey)
	if l == nil {
		return
	}
	i, ok := c.intArg(2)
	if !ok {
		return
	}
	pos, ok := listIndex(l, i)
	if !ok {
		c.w.Error(errIndexRange)
		return
	}
	l.replace(pos, string(c.argv[3]))
	c.w.Status("OK")
	c.keyChanged(key, notifyList, "lset")
}

// LINSERT key <BEFORE | AFTER> pivot element
func cmdLinsert(c *Ctx) {
	var after bool
	switch {
	case eqFold(c.argv[2], "after"):
		after = true
	case eqFold(c.argv[2], "before"):
	default:
		c.w.Error(ErrSyntax)
		return
	}
	key := c.argv[1]
	_, l := c.listOrReply(key, true, missingZero)
	if l == nil {
		return
	}
	i := l.index(unsafeString(c.argv[3]))
	if i < 0 {
		c.w.Int(-1)
		return
	}
	if after {
		i++
	}
	l.insert(i, string(c.argv[4]))
	c.keyChanged(key, notifyList, "linsert")
	c.w.Int(int64(l.len()))
}

// LREM key count element
func cmdLrem(c *Ctx) {
	count, ok := c.intArg(2)
	if !ok {
		return
	}
	key := c.argv[1]
	e, l := c.listOrReply(key, true, missingZero)
	if l == nil {
		return
	}
	limit := uint64(count) // |count| without overflow: LREM k -2^63 x removes all
	if count < 0 {
		limit = -limit
	}
	if limit > uint64(l.len()) {
		limit = 0
	}
	removed := l.removeEqual(unsafeString(c.argv[3]), int(limit), count < 0)
	if removed > 0 {
		c.keyChanged(key, notifyList, "lrem")
	}
	if l.len() == 0 {
		c.deleteEmpty(e)
	}
	c.w.Int(int64(removed))
}

// LTRIM key start stop
func cmdLtrim(c *Ctx) {
	start, end, ok := c.rangeArgs()
	if !ok {
		return
	}
	key := c.argv[1]
	e, l := c.listOrReply(key, true, missingOK)
	if l == nil {
		return
	}
	from, to, empty := listRange(int64(l.len()), start, end)
	if empty {
		l.removeRange(0, l.len())
	} else {
		l.removeRange(int(to)+1, l.len()-int(to)-1)
		l.removeRange(0, int(from))
	}
	c.keyChanged(key, notifyList, "ltrim")
	if l.len() == 0 {
		c.deleteEmpty(e)
	}
	c.w.Status("OK")
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
func cmdLpos(c *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: no COUNT option
	for j := 3; j < len(c.argv); j++ {
		opt, more := c.argv[j], j+1 < len(c.argv)
		ok := false
		switch {
		case more && eqFold(opt, "rank"):
			j++
			if rank, ok = c.intArg(j); ok && rank == 0 {
				c.w.Error(errLposRank)
				ok = false
			}
		case more && eqFold(opt, "count"):
			j++
			count, ok = c.minArg(j, 0, errLposCount)
		case more && eqFold(opt, "maxlen"):
			j++
			maxlen, ok = c.minArg(j, 0, errLposMaxlen)
		default:
			c.w.Error(ErrSyntax)
		}
		if !ok {
			return
		}
	}
	missing := missingNull
	if count != -1 {
		missing = missingEmpty
	}
	_, l := c.listOrReply(c.argv[1], false, missing)
	if l == nil {
		return
	}
	var buf [16]int
	found := listPositions(l, unsafeString(c.argv[2]), rank, count, maxlen, buf[:0])
	switch {
	case count != -1:
		c.w.Array(len(found))
		for _, i := range found {
			c.w.Int(int64(i))
		}
	case len(found) == 0:
		c.w.Null()
	default:
		c.w.Int(int64(found[0]))
	}
}

// listPositions appends to dst the positions of LPOS's matches of v: from the
// rank-th match on (rank < 0: counting from the tail), at most count of them
// (-1, no COUNT: one; 0: all), looking at no more than maxlen elements (0: all).
// As in Redis, rank = -2^63 stays negative when negated and so means the
// first match from the tail.
func listPositions(l *list, v string, rank, count, maxlen int64, dst []int) []int {
	fromTail := rank < 0
	if fromTail {
		rank = -rank
	}
	n := int64(l.len())
	var matches int64
	for scanned := int64(0); scanned < n && (maxlen == 0 || scanned < maxlen); scanned++ {
		i := scanned
		if fromTail {
			i = n - 1 - scanned
		}
		if l.at(int(i)) != v {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		dst = append(dst, int(i))
		if count == -1 || (count != 0 && matches-rank+1 >= count) {
			break
		}
	}
	return dst
}

// listWhere parses LEFT or RIGHT (any case) at argument i, replying a syntax
// error otherwise.
func (c *Ctx) listWhere(i int) (int, bool) {
	switch {
	case eqFold(c.argv[i], "left"):
		return listHead, true
	case eqFold(c.argv[i], "right"):
		return listTail, true
	}
	c.w.Error(ErrSyntax)
	return 0, false
}

// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
func cmdLmove(c *Ctx) {
	from, ok := c.listWhere(3)
	if !ok {
		return
	}
	to, ok := c.listWhere(4)
	if !ok {
		return
	}
	if !c.lmoveGeneric(c.argv[1], c.argv[2], from, to) {
		c.w.Null()
	}
}

// RPOPLPUSH source destination
func cmdRpoplpush(c *Ctx) {
	if !c.lmoveGeneric(c.argv[1], c.argv[2], listTail, listHead) {
		c.w.Null()
	}
}

// lmoveGeneric pops an element from src's whereFrom end, pushes it at dst's
// whereTo end (creating dst) and replies with it, publishing Redis's events
// in Redis's order: the push on dst, then the pop on src and "del" if src is
// now empty. src and dst may be the same list. It returns false, having
// written nothing, when src does not exist (LMOVE replies nil, BLMOVE
// blocks); WRONGTYPE on either key is replied before anything changes. The
// shards of both keys must be locked.
func (c *Ctx) lmoveGeneric(src, dst []byte, whereFrom, whereTo int) bool {
	se, ok := c.lookupWriteType(src, typeList)
	if !ok {
		return true
	}
	if se == nil {
		return false
	}
	de, ok := c.lookupWriteType(dst, typeList)
	if !ok {
		return true
	}
	v := se.listVal().pop(whereFrom)
	if de == nil {
		de = c.add(dst, typeList)
		de.hold(newList())
	}
	de.listVal().push(v, whereTo)
	c.keyChanged(dst, notifyList, pushEvents[whereTo])
	c.w.Bulk(unsafeBytes(v))
	c.listPopped(se, src, whereFrom)
	return true
}

// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
func cmdLmpop(c *Ctx) {
	keys, where, count, ok := c.lmpopArgs(1)
	if !ok {
		return
	}
	for _, k := range keys {
		if c.listPopReply(k, where, count, popCountWithKey) {
			return
		}
	}
	c.w.NullArray()
}

// lmpopArgs parses LMPOP's arguments from numkeys at argument numkeysIdx
// (BLMPOP's is 2) as Redis's lmpopGenericCommand: the keys, the end to pop
// from and the count (1 without COUNT). ok is false when it replied an error.
func (c *Ctx) lmpopArgs(numkeysIdx int) (keys [][]byte, where int, count int64, ok bool) {
	numkeys, ok := c.minArg(numkeysIdx, 1, ErrNumkeys)
	if !ok {
		return nil, 0, 0, false
	}
	if numkeys >= int64(len(c.argv)-numkeysIdx-1) {
		c.w.Error(ErrSyntax)
		return nil, 0, 0, false
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	if where, ok = c.listWhere(whereIdx); !ok {
		return nil, 0, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(c.argv); j++ {
		if count != -1 || !eqFold(c.argv[j], "count") || j+1 == len(c.argv) {
			c.w.Error(ErrSyntax)
			return nil, 0, 0, false
		}
		j++
		if count, ok = c.minArg(j, 1, ErrCountPositive); !ok {
			return nil, 0, 0, false
		}
	}
	return c.argv[numkeysIdx+1 : whereIdx], where, max(count, 1), true
}

// BLPOP key [key ...] timeout
func cmdBlpop(c *Ctx) {
	c.blockingPop(c.argv[1:len(c.argv)-1], listHead, len(c.argv)-1, 1, popOneWithKey)
}

// BRPOP key [key ...] timeout
func cmdBrpop(c *Ctx) {
	c.blockingPop(c.argv[1:len(c.argv)-1], listTail, len(c.argv)-1, 1, popOneWithKey)
}

// BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
func cmdBlmpop(c *Ctx) {
	keys, where, count, ok := c.lmpopArgs(2)
	if ok {
		c.blockingPop(keys, where, 1, count, popCountWithKey)
	}
}

// blockingPop is Redis's blockingPopGenericCommand: pop from the first
// non-empty list among keys, or block on all of them until one is pushed.
func (c *Ctx) blockingPop(keys [][]byte, where, timeoutIdx int, count int64, reply popReply) {
	timeout, ok := c.timeoutArg(timeoutIdx)
	if !ok {
		return
	}
	for _, k := range keys {
		if c.listPopReply(k, where, count, reply) {
			return
		}
	}
	if c.noBlock() {
		c.w.NullArray()
		return
	}
	c.block(keys, timeout, typeList, nil, func(c *Ctx, key []byte) bool {
		return c.listPopReply(key, where, count, reply)
	}, writeNullArray)
}

// BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout
func cmdBlmove(c *Ctx) {
	from, ok := c.listWhere(3)
	if !ok {
		return
	}
	to, ok := c.listWhere(4)
	if ok {
		c.blockingMove(from, to, 5)
	}
}

// BRPOPLPUSH source destination timeout
func cmdBrpoplpush(c *Ctx) { c.blockingMove(listTail, listHead, 3) }

func (c *Ctx) blockingMove(from, to, timeoutIdx int) {
	timeout, ok := c.timeoutArg(timeoutIdx)
	if !ok || c.lmoveGeneric(c.argv[1], c.argv[2], from, to) {
		return
	}
	if c.noBlock() {
		c.w.Null()
		return
	}
	dst := append([]byte(nil), c.argv[2]...)
	c.block(c.argv[1:2], timeout, typeList, [][]byte{dst}, func(c *Ctx, key []byte) bool {
		return c.lmoveGeneric(key, dst, from, to)
	}, writeNullArray)
}

func writeNullArray(w ReplyWriter) { w.NullArray() }
