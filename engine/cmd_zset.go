package engine

import (
	"errors"
	"iter"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
)

var zsetCommands = []cmdDef{
	{name: "zadd", handler: cmdZadd},
	{name: "zincrby", handler: cmdZincrby},
	{name: "zscore", handler: cmdZscore},
	{name: "zmscore", handler: cmdZmscore},
	{name: "zcard", handler: cmdZcard},
	{name: "zcount", handler: cmdZcount},
	{name: "zlexcount", handler: cmdZlexcount},
	{name: "zrank", handler: cmdZrank},
	{name: "zrevrank", handler: cmdZrevrank},
	{name: "zrange", handler: cmdZrange},
	{name: "zrangebyscore", handler: cmdZrangebyscore},
	{name: "zrevrangebyscore", handler: cmdZrevrangebyscore},
	{name: "zrangebylex", handler: cmdZrangebylex},
	{name: "zrevrangebylex", handler: cmdZrevrangebylex},
	{name: "zrevrange", handler: cmdZrevrange},
	{name: "zrangestore", handler: cmdZrangestore},
	{name: "zrem", handler: cmdZrem},
	{name: "zremrangebyrank", handler: cmdZremrangebyrank},
	{name: "zremrangebyscore", handler: cmdZremrangebyscore},
	{name: "zremrangebylex", handler: cmdZremrangebylex},
	{name: "zpopmin", handler: cmdZpopmin},
	{name: "zpopmax", handler: cmdZpopmax},
	{name: "zmpop", handler: cmdZmpop},
	{name: "bzpopmin", handler: cmdBzpopmin},
	{name: "bzpopmax", handler: cmdBzpopmax},
	{name: "bzmpop", handler: cmdBzmpop},
	{name: "zrandmember", handler: cmdZrandmember},
	{name: "zunion", handler: cmdZunion},
	{name: "zunionstore", handler: cmdZunionstore},
	{name: "zinter", handler: cmdZinter},
	{name: "zinterstore", handler: cmdZinterstore},
	{name: "zintercard", handler: cmdZintercard},
	{name: "zdiff", handler: cmdZdiff},
	{name: "zdiffstore", handler: cmdZdiffstore},
	{name: "zscan", handler: cmdZscan},
}

// Errors only the sorted-set commands reply, as t_zset.c words them.
const (
	errZaddNaN         = "ERR resulting score is not a number (NaN)"
	errZaddXXNX        = "ERR XX and NX options at the same time are not compatible"
	errZaddGTLTNX      = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZaddIncrPair    = "ERR INCR option supports a single increment-element pair"
	errMinMaxNotFloat  = "ERR min or max is not a float"
	errMinMaxNotLex    = "ERR min or max not valid string range item"
	errLimitNeedsBy    = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errWithscoresByLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errWeightNotFloat  = "ERR weight value is not a float"
)

func errAtLeastOneKey(cmd string) string {
	return "ERR at least 1 input key is needed for '" + cmd + "' command"
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
func cmdZadd(c *Ctx) { c.zaddGeneric(0) }

// ZINCRBY key increment member
//
// As in Redis, ZINCRBY is ZADD INCR, options included: "ZINCRBY k nx m"
// reads nx as an option and then finds an odd number of arguments.
func cmdZincrby(c *Ctx) { c.zaddGeneric(zaddIncr) }

// zaddGeneric parses ZADD's options and elements, refusing the combinations
// Redis refuses and every score before touching the key, then applies them.
func (c *Ctx) zaddGeneric(f zaddFlags) {
	c.eventsAfterReply()
	ch := false
	i := 2
opts:
	for ; i < len(c.argv); i++ {
		switch a := c.argv[i]; {
		case eqFold(a, "nx"):
			f |= zaddNX
		case eqFold(a, "xx"):
			f |= zaddXX
		case eqFold(a, "ch"):
			ch = true
		case eqFold(a, "incr"):
			f |= zaddIncr
		case eqFold(a, "gt"):
			f |= zaddGT
		case eqFold(a, "lt"):
			f |= zaddLT
		default:
			break opts
		}
	}
	pairs := c.argv[i:]
	nx, incr := f&zaddNX != 0, f&zaddIncr != 0
	switch {
	case len(pairs) == 0 || len(pairs)%2 != 0:
		c.w.Error(ErrSyntax)
		return
	case nx && f&zaddXX != 0:
		c.w.Error(errZaddXXNX)
		return
	case nx && f&(zaddGT|zaddLT) != 0 || f&zaddGT != 0 && f&zaddLT != 0:
		c.w.Error(errZaddGTLTNX)
		return
	case incr && len(pairs) > 2:
		c.w.Error(errZaddIncrPair)
		return
	}
	for j := 0; j < len(pairs); j += 2 {
		if _, ok := parseFloat(pairs[j]); !ok {
			c.w.Error(ErrNotFloat)
			return
		}
	}
	r, err := c.zaddOp(c.argv[1], f, len(pairs)/2, func(j int) (string, float64) {
		s, _ := parseFloat(pairs[2*j])
		return unsafeString(pairs[2*j+1]), s
	})
	switch {
	case err != "":
		c.w.Error(err)
	case incr && r.processed > 0:
		c.w.Double(r.score)
	case incr:
		c.w.Null()
	case ch:
		c.w.Int(int64(r.added + r.updated))
	default:
		c.w.Int(int64(r.added))
	}
}

// zaddResult is what ZADD did: Redis's added, updated and processed counts
// and the last processed element's score (ZADD INCR's reply).
type zaddResult struct {
	added, updated, processed int
	score                     float64
}

// zaddOp is ZADD's data operation once its arguments are valid (no score is
// NaN): it applies elements elem(0)...elem(n-1) to key's sorted set, creating
// the key unless XX, publishes zadd (zincr with INCR) when something changed,
// and returns Redis's error text or "". Members may be borrowed.
func (c *Ctx) zaddOp(key []byte, f zaddFlags, n int, elem func(int) (string, float64)) (r zaddResult, err string) {
	e := c.lookupWrite(key)
	switch {
	case e != nil && e.typ != typeZSet:
		return r, ErrWrongType
	case e == nil && f&zaddXX != 0:
		return r, ""
	case e == nil:
		e = c.add(key, typeZSet)
		e.hold(newZset())
	}
	z, lim := e.zsetVal(), c.zlimits()
	for i := 0; i < n && err == ""; i++ {
		m, s := elem(i)
		s, out := z.add(m, s, f, lim)
		switch out {
		case zaddNaN:
			err = errZaddNaN
			continue
		case zaddNop:
			continue
		case zaddAdded:
			r.added++
		case zaddUpdated:
			r.updated++
		}
		r.processed++
		r.score = s
	}
	if r.added+r.updated > 0 {
		event := "zadd"
		if f&zaddIncr != 0 {
			event = "zincr"
		}
		c.keyChanged(key, notifyZSet, event)
	}
	return r, err
}

// ZSCORE key member
func cmdZscore(c *Ctx) {
	z, ok := c.zsetReadOrReply(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	c.replyScore(z, c.argv[2])
}

// zsetReadOrReply is lookupReadType for sorted sets: the set (nil when the
// key is missing), or ok false after replying WRONGTYPE.
func (c *Ctx) zsetReadOrReply(key []byte) (z *zset, ok bool) {
	e, ok := c.lookupReadType(key, typeZSet)
	if e == nil {
		return nil, ok
	}
	return e.zsetVal(), true
}

func (c *Ctx) replyScore(z *zset, member []byte) {
	if s, ok := z.score(unsafeString(member)); ok {
		c.w.Double(s)
	} else {
		c.w.Null()
	}
}

// ZMSCORE key member [member ...]
func cmdZmscore(c *Ctx) {
	z, ok := c.zsetReadOrReply(c.argv[1])
	if !ok {
		return
	}
	c.w.Array(len(c.argv) - 2)
	for _, m := range c.argv[2:] {
		if z == nil {
			c.w.Null()
		} else {
			c.replyScore(z, m)
		}
	}
}

// ZCARD key
func cmdZcard(c *Ctx) {
	if z, ok := c.zsetReadOrReply(c.argv[1]); ok {
		c.w.Int(int64(z.size()))
	}
}

// size is len for a set that may be missing (nil).
func (z *zset) size() int {
	if z == nil {
		return 0
	}
	return z.len()
}

// ZCOUNT key min max
func cmdZcount(c *Ctx) { c.zcountGeneric(byScore) }

// ZLEXCOUNT key min max
func cmdZlexcount(c *Ctx) { c.zcountGeneric(byLex) }

func (c *Ctx) zcountGeneric(by zrangeBy) {
	b, ok := c.parseBounds(by, 2, 3)
	if !ok {
		return
	}
	if z, ok := c.zsetReadOrReply(c.argv[1]); ok {
		lo, hi := z.span(&b, false)
		c.w.Int(int64(hi - lo))
	}
}

// ZRANK key member
//
// Redis 7.0's ZRANK takes no WITHSCORE (added in 7.2): the spec's arity of 3
// refuses it.
func cmdZrank(c *Ctx) { c.zrankGeneric(false) }

// ZREVRANK key member
func cmdZrevrank(c *Ctx) { c.zrankGeneric(true) }

func (c *Ctx) zrankGeneric(reverse bool) {
	z, ok := c.zsetReadOrReply(c.argv[1])
	if !ok {
		return
	}
	if r, found := z.rankOf(unsafeString(c.argv[2]), reverse); found {
		c.w.Int(int64(r))
	} else {
		c.w.Null()
	}
}

// rankOf is member's rank from the lowest score, or from the highest when
// reverse; found is false for a missing member or a nil set.
func (z *zset) rankOf(member string, reverse bool) (int, bool) {
	if z == nil {
		return 0, false
	}
	r, ok := z.rank(member)
	if reverse {
		r = z.len() - 1 - r
	}
	return r, ok
}

// zrangeBy is how a range command reads min and max (Redis's zrange_type).
type zrangeBy uint8

const (
	byAuto zrangeBy = iota // ZRANGE: decided by BYSCORE/BYLEX, else by rank
	byRank
	byScore
	byLex
)

// zrangeDir is a range command's direction; dirAuto accepts REV.
type zrangeDir uint8

const (
	dirAuto zrangeDir = iota
	dirForward
	dirReverse
)

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
func cmdZrange(c *Ctx) { c.zrangeGeneric(1, nil, byAuto, dirAuto) }

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
func cmdZrangebyscore(c *Ctx) { c.zrangeGeneric(1, nil, byScore, dirForward) }

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
func cmdZrevrangebyscore(c *Ctx) { c.zrangeGeneric(1, nil, byScore, dirReverse) }

// ZRANGEBYLEX key min max [LIMIT offset count]
func cmdZrangebylex(c *Ctx) { c.zrangeGeneric(1, nil, byLex, dirForward) }

// ZREVRANGEBYLEX key max min [LIMIT offset count]
func cmdZrevrangebylex(c *Ctx) { c.zrangeGeneric(1, nil, byLex, dirReverse) }

// ZREVRANGE key start stop [WITHSCORES]
func cmdZrevrange(c *Ctx) { c.zrangeGeneric(1, nil, byRank, dirReverse) }

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
func cmdZrangestore(c *Ctx) { c.zrangeGeneric(2, c.argv[1], byAuto, dirAuto) }

// zrangeGeneric is every range read (Redis's zrangeGenericCommand): the
// source key is argv[keyIdx], followed by min, max and the options that by and
// dir leave open. dst is ZRANGESTORE's destination, nil for a reply.
func (c *Ctx) zrangeGeneric(keyIdx int, dst []byte, by zrangeBy, dir zrangeDir) {
	withScores := false
	offset, limit := int64(0), int64(-1)
	for j := keyIdx + 3; j < len(c.argv); j++ {
		switch a := c.argv[j]; {
		case dst == nil && eqFold(a, "withscores"):
			withScores = true
		case eqFold(a, "limit") && len(c.argv)-j-1 >= 2:
			var ok bool
			if offset, ok = c.intArg(j + 1); !ok {
				return
			}
			if limit, ok = c.intArg(j + 2); !ok {
				return
			}
			j += 2
		case dir == dirAuto && eqFold(a, "rev"):
			dir = dirReverse
		case by == byAuto && eqFold(a, "bylex"):
			by = byLex
		case by == byAuto && eqFold(a, "byscore"):
			by = byScore
		default:
			c.w.Error(ErrSyntax)
			return
		}
	}
	if by == byAuto {
		by = byRank
	}
	reverse := dir == dirReverse
	switch {
	case limit != -1 && by == byRank: // Redis tests the value: LIMIT 0 -1 passes
		c.w.Error(errLimitNeedsBy)
		return
	case withScores && by == byLex:
		c.w.Error(errWithscoresByLex)
		return
	}
	minIdx, maxIdx := keyIdx+1, keyIdx+2
	if reverse && by != byRank {
		minIdx, maxIdx = maxIdx, minIdx // the REV forms name max first
	}
	b, ok := c.parseBounds(by, minIdx, maxIdx)
	if !ok {
		return
	}
	z, ok := c.zsetReadOrReply(c.argv[keyIdx])
	if !ok {
		return
	}
	if z == nil {
		if dst != nil {
			c.zstore(dst, nil, "")
		} else {
			c.w.Array(0)
		}
		return
	}
	if by == byRank {
		offset = 0 // "LIMIT n -1" passes with ranks, and Redis ignores its offset
	}
	lo, hi := z.span(&b, reverse)
	from, count := window(lo, hi, offset, limit, reverse)
	if dst == nil {
		c.replyRange(z, from, count, reverse, withScores)
		return
	}
	// Redis adds the results one by one to a new set that starts as a
	// skiplist only when a rank range is known to exceed the listpack limit.
	lim := c.zlimits()
	out := newZset()
	out.big = by == byRank && count > lim.entries
	z.walk(from, count, reverse, func(it zitem) { out.add(it.member, it.score, 0, lim) })
	c.zstore(dst, out, "zrangestore")
}

// zbounds is the min and max of a range command, read by rank, score or lex.
type zbounds struct {
	by          zrangeBy
	start, stop int64 // byRank
	score       scoreRange
	lex         lexRange
}

// parseBounds reads argv[minIdx] and argv[maxIdx] as by says, or returns ok
// false after replying Redis's error for that kind.
func (c *Ctx) parseBounds(by zrangeBy, minIdx, maxIdx int) (b zbounds, ok bool) {
	b.by = by
	switch by {
	case byRank:
		if b.start, ok = c.intArg(minIdx); ok {
			b.stop, ok = c.intArg(maxIdx)
		}
	case byScore:
		if b.score, ok = parseScoreRange(c.argv[minIdx], c.argv[maxIdx]); !ok {
			c.w.Error(errMinMaxNotFloat)
		}
	case byLex:
		if b.lex, ok = parseLexRange(c.argv[minIdx], c.argv[maxIdx]); !ok {
			c.w.Error(errMinMaxNotLex)
		}
	}
	return b, ok
}

// span is the positions [lo, hi), in ascending order, of the members within
// b; ranks count from the highest score when reverse (ZREVRANGE). A nil set
// has none.
func (z *zset) span(b *zbounds, reverse bool) (lo, hi int) {
	if z == nil {
		return 0, 0
	}
	switch b.by {
	case byRank:
		n := z.len()
		lo, hi = rankSpan(b.start, b.stop, n)
		if reverse {
			lo, hi = n-hi, n-lo
		}
		return lo, hi
	case byScore:
		return z.scoreSpan(&b.score)
	}
	return z.lexSpan(&b.lex, reverse)
}

// rankSpan turns start and stop (negative counts from the end) into the
// positions [lo, hi) of a set of n members, clamped as Redis clamps them.
func rankSpan(start, stop int64, n int) (lo, hi int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	start = max(start, 0)
	if start > stop || start >= ln {
		return 0, 0
	}
	return int(start), int(min(stop, ln-1)) + 1
}

// window applies LIMIT offset count to the positions [lo, hi), walked down
// from hi-1 when reverse: the first position and how many follow. A negative
// offset selects nothing and a negative count means no limit, as in Redis.
func window(lo, hi int, offset, limit int64, reverse bool) (from, count int) {
	n := int64(hi - lo)
	if offset < 0 || offset >= n {
		return 0, 0
	}
	n -= offset
	if limit >= 0 {
		n = min(n, limit)
	}
	if reverse {
		return hi - 1 - int(offset), int(n)
	}
	return lo + int(offset), int(n)
}

// replyRange replies count members from position from, walking down when
// reverse. WITHSCORES is a flat member, score array in RESP2 and an array of
// [member, score] pairs in RESP3, as Redis 7.0 replies.
func (c *Ctx) replyRange(z *zset, from, count int, reverse, withScores bool) {
	c.replyScoredHeader(count, withScores)
	z.walk(from, count, reverse, func(it zitem) { c.replyScored(it, withScores) })
}

func (c *Ctx) replyScoredHeader(n int, withScores bool) {
	if withScores && c.w.Proto() == 2 {
		n *= 2
	}
	c.w.Array(n)
}

func (c *Ctx) replyScored(it zitem, withScores bool) {
	if withScores && c.w.Proto() == 3 {
		c.w.Array(2)
	}
	c.w.BulkString(it.member)
	if withScores {
		c.w.Double(it.score)
	}
}

// zstore stores a computed set under key as Redis's setKey does for the
// *STORE commands (replacing any value and its TTL), replies its size and
// publishes event. An empty (or nil) result deletes key instead, publishing
// "del" if it existed.
func (c *Ctx) zstore(key []byte, z *zset, event string) {
	e := c.lookupWrite(key)
	if z.size() == 0 {
		c.w.Int(0)
		if e != nil {
			c.remove(e)
			c.keyChanged(key, notifyGeneric, "del")
		}
		return
	}
	if e == nil {
		e = c.add(key, typeZSet)
	} else {
		c.setExpire(e, 0)
	}
	c.setObject(e, z)
	c.w.Int(int64(z.len()))
	c.keyChanged(key, notifyZSet, event)
}

// ZREM key member [member ...]
func cmdZrem(c *Ctx) {
	e := c.zsetWriteOrZero(c.argv[1])
	if e == nil {
		return
	}
	z := e.zsetVal()
	n := 0
	for _, m := range c.argv[2:] {
		if z.remove(unsafeString(m)) {
			n++
		}
		if z.len() == 0 {
			break
		}
	}
	c.removed(e, n, notifyZSet, "zrem", z.len() == 0)
}

// zsetWriteOrZero is lookupWriteType for the removals: key's entry, or nil
// after replying WRONGTYPE, or 0 for a missing key.
func (c *Ctx) zsetWriteOrZero(key []byte) *entry {
	e, ok := c.lookupWriteType(key, typeZSet)
	if ok && e == nil {
		c.w.Int(0)
	}
	return e
}

// ZREMRANGEBYRANK key start stop
func cmdZremrangebyrank(c *Ctx) { c.zremrangeGeneric(byRank, "zremrangebyrank") }

// ZREMRANGEBYSCORE key min max
func cmdZremrangebyscore(c *Ctx) { c.zremrangeGeneric(byScore, "zremrangebyscore") }

// ZREMRANGEBYLEX key min max
func cmdZremrangebylex(c *Ctx) { c.zremrangeGeneric(byLex, "zremrangebylex") }

func (c *Ctx) zremrangeGeneric(by zrangeBy, event string) {
	b, ok := c.parseBounds(by, 2, 3)
	if !ok {
		return
	}
	e := c.zsetWriteOrZero(c.argv[1])
	if e == nil {
		return
	}
	z := e.zsetVal()
	n := z.removeRange(z.span(&b, false))
	c.removed(e, n, notifyZSet, event, z.len() == 0)
}

// ZPOPMIN key [count]
func cmdZpopmin(c *Ctx) { c.zpopCommand(false) }

// ZPOPMAX key [count]
func cmdZpopmax(c *Ctx) { c.zpopCommand(true) }

func (c *Ctx) zpopCommand(highest bool) {
	if len(c.argv) > 3 {
		c.w.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.argv) == 3 {
		n, ok := parseInt(c.argv[2])
		if !ok || n < 0 {
			c.w.Error(ErrNotPositive)
			return
		}
		count = n
	}
	e, ok := c.lookupWriteType(c.argv[1], typeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.w.Array(0)
		return
	}
	c.zpopGeneric(e, c.argv[1], highest, count, false, c.w.Proto() == 3 && count != -1)
}

// zpopGeneric is the pop behind ZPOPMIN, ZPOPMAX and ZMPOP, and the one the
// blocking BZPOPMIN, BZPOPMAX and BZMPOP call, under the key's lock, once a
// key is ready (Redis's genericZpopCommand after its key lookup). e must be a
// live sorted set stored under key.
//
// It pops up to count members with the lowest scores, or the highest; count
// < 0 means no COUNT was given and pops one, count 0 replies an empty array.
// The reply lists member, score... flat, or each pair in its own array when
// nested (RESP3 with COUNT, and always for ZMPOP); emitKey puts key first
// ([key, member, score] for BZPOPMIN, [key, [[member, score]...]] for ZMPOP).
// It publishes zpopmin or zpopmax, then "del" if it emptied the key.
func (c *Ctx) zpopGeneric(e *entry, key []byte, highest bool, count int64, emitKey, nested bool) {
	if count == 0 {
		c.w.Array(0)
		return
	}
	z := e.zsetVal()
	n := int(min(max(count, 1), int64(z.len())))
	switch {
	case emitKey && nested:
		c.w.Array(2)
		c.w.Bulk(key)
		c.w.Array(n)
	case emitKey:
		c.w.Array(2*n + 1)
		c.w.Bulk(key)
	case nested:
		c.w.Array(n)
	default:
		c.w.Array(2 * n)
	}
	for range n {
		it := z.pop(highest)
		if nested {
			c.w.Array(2)
		}
		c.w.BulkString(it.member)
		c.w.Double(it.score)
	}
	event := "zpopmin"
	if highest {
		event = "zpopmax"
	}
	c.keyChanged(key, notifyZSet, event)
	if z.len() == 0 {
		c.deleteEmpty(e)
	}
}

// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
func cmdZmpop(c *Ctx) {
	keys, highest, count, ok := c.parseZmpop(1)
	if !ok {
		return
	}
	for _, k := range keys {
		e := c.lookupWrite(k)
		if e == nil {
			continue
		}
		if e.typ != typeZSet {
			c.w.Error(ErrWrongType)
			return
		}
		c.zpopGeneric(e, k, highest, count, true, true)
		return
	}
	c.w.NullArray()
}

// BZPOPMIN key [key ...] timeout
func cmdBzpopmin(c *Ctx) { c.blockingZpop(c.argv[1:len(c.argv)-1], false, len(c.argv)-1, -1, false) }

// BZPOPMAX key [key ...] timeout
func cmdBzpopmax(c *Ctx) { c.blockingZpop(c.argv[1:len(c.argv)-1], true, len(c.argv)-1, -1, false) }

// BZMPOP timeout numkeys key [key ...] <MIN | MAX> [COUNT count]
func cmdBzmpop(c *Ctx) {
	keys, highest, count, ok := c.parseZmpop(2)
	if ok {
		c.blockingZpop(keys, highest, 1, count, true)
	}
}

// blockingZpop is Redis's blockingGenericZpopCommand: pop from the first
// non-empty sorted set among keys, or block on all of them (blocking.go).
func (c *Ctx) blockingZpop(keys [][]byte, highest bool, timeoutIdx int, count int64, nested bool) {
	timeout, ok := c.timeoutArg(timeoutIdx)
	if !ok {
		return
	}
	pop := func(c *Ctx, key []byte) bool {
		e, ok := c.lookupWriteType(key, typeZSet)
		if ok && e != nil {
			c.zpopGeneric(e, key, highest, count, true, nested)
		}
		return !ok || e != nil
	}
	for _, k := range keys {
		if pop(c, k) {
			return
		}
	}
	if c.noBlock() {
		c.w.NullArray()
		return
	}
	c.block(keys, timeout, typeZSet, nil, pop, writeNullArray)
}

// parseZmpop reads ZMPOP's arguments from numIdx on (BZMPOP's start one
// later): the keys, whether MAX was asked, and COUNT (1 when absent), or ok
// false after replying Redis's error.
func (c *Ctx) parseZmpop(numIdx int) (keys [][]byte, highest bool, count int64, ok bool) {
	numkeys, ok := parseInt(c.argv[numIdx])
	if !ok || numkeys < 1 {
		c.w.Error(ErrNumkeys)
		return nil, false, 0, false
	}
	where := numIdx + 1
	if numkeys >= int64(len(c.argv)-where) {
		c.w.Error(ErrSyntax)
		return nil, false, 0, false
	}
	where += int(numkeys)
	keys = c.argv[numIdx+1 : where]
	switch a := c.argv[where]; {
	case eqFold(a, "max"):
		highest = true
	case !eqFold(a, "min"):
		c.w.Error(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := where + 1; j < len(c.argv); j++ {
		if count != -1 || !eqFold(c.argv[j], "count") || j+1 == len(c.argv) {
			c.w.Error(ErrSyntax)
			return nil, false, 0, false
		}
		j++
		if count, ok = parseInt(c.argv[j]); !ok || count < 1 {
			c.w.Error(ErrCountPositive)
			return nil, false, 0, false
		}
	}
	return keys, highest, max(count, 1), true
}

// ZRANDMEMBER key [count [WITHSCORES]]
func cmdZrandmember(c *Ctx) {
	if len(c.argv) == 2 {
		z, ok := c.zsetReadOrReply(c.argv[1])
		switch {
		case !ok:
		case z == nil:
			c.w.Null()
		default:
			c.w.BulkString(z.at(rand.IntN(z.len())).member)
		}
		return
	}
	n, ok := c.intArg(2)
	if !ok {
		return
	}
	withScores := len(c.argv) == 4
	switch {
	case n == math.MinInt64:
		c.w.Error(ErrCountRange)
	case len(c.argv) > 4 || withScores && !eqFold(c.argv[3], "withscores"):
		c.w.Error(ErrSyntax)
	case withScores && (n < math.MinInt64/2 || n > math.MaxInt64/2):
		c.w.Error(ErrOutOfRange)
	default:
		c.zrandmemberCount(n, withScores)
	}
}

// zrandmemberCount is ZRANDMEMBER with a count: a negative count may repeat
// members, a positive one returns distinct members. Each pick is a random
// position, O(log n), so the cost follows the count, not the set's size.
func (c *Ctx) zrandmemberCount(n int64, withScores bool) {
	z, ok := c.zsetReadOrReply(c.argv[1])
	switch {
	case !ok:
		return
	case z == nil || n == 0:
		c.w.Array(0)
		return
	}
	size := z.len()
	switch {
	case n < 0 || n == 1:
		count := int(-n)
		if n == 1 {
			count = 1
		}
		c.replyScoredHeader(count, withScores)
		for range count {
			c.replyScored(z.at(rand.IntN(size)), withScores)
		}
	case n >= int64(size):
		// The whole set, from the highest score down, in Redis's order.
		c.replyRange(z, size-1, size, true, withScores)
	default:
		// Floyd's algorithm: n distinct uniform positions in O(n) draws.
		count := int(n)
		picked := make(map[int]struct{}, count)
		c.replyScoredHeader(count, withScores)
		for j := size - count; j < size; j++ {
			p := rand.IntN(j + 1)
			if _, dup := picked[p]; dup {
				p = j
			}
			picked[p] = struct{}{}
			c.replyScored(z.at(p), withScores)
		}
	}
}

// zsetOp is the operation of ZUNION, ZINTER and ZDIFF and their variants.
type zsetOp uint8

const (
	opUnion zsetOp = iota
	opInter
	opDiff
)

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
func cmdZunion(c *Ctx) { c.zsetOperation(nil, 1, opUnion, false) }

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
func cmdZunionstore(c *Ctx) { c.zsetOperation(c.argv[1], 2, opUnion, false) }

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
func cmdZinter(c *Ctx) { c.zsetOperation(nil, 1, opInter, false) }

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
func cmdZinterstore(c *Ctx) { c.zsetOperation(c.argv[1], 2, opInter, false) }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdZintercard(c *Ctx) { c.zsetOperation(nil, 1, opInter, true) }

// ZDIFF numkeys key [key ...] [WITHSCORES]
func cmdZdiff(c *Ctx) { c.zsetOperation(nil, 1, opDiff, false) }

// ZDIFFSTORE destination numkeys key [key ...]
func cmdZdiffstore(c *Ctx) { c.zsetOperation(c.argv[1], 2, opDiff, false) }

// aggregate is AGGREGATE's function.
type aggregate uint8

const (
	aggSum aggregate = iota
	aggMin
	aggMax
)

// apply folds val into target as zunionInterAggregate does: a sum that is
// NaN (inf + -inf) becomes 0; MIN and MAX keep target when val is NaN.
func (a aggregate) apply(target, val float64) float64 {
	switch a {
	case aggSum:
		if target += val; math.IsNaN(target) {
			return 0
		}
	case aggMin:
		if val < target {
			return val
		}
	case aggMax:
		if val > target {
			return val
		}
	}
	return target
}

// zsetOperation is Redis's zunionInterDiffGenericCommand: the input keys
// follow argv[numIdx]; dst is the destination of the *STORE variants (nil to
// reply) and cardOnly makes ZINTERCARD. Inputs are looked up before options
// are parsed, so WRONGTYPE wins over a syntax error, as in Redis.
func (c *Ctx) zsetOperation(dst []byte, numIdx int, op zsetOp, cardOnly bool) {
	numkeys, ok := c.intArg(numIdx)
	if !ok {
		return
	}
	if numkeys < 1 {
		c.w.Error(errAtLeastOneKey(c.cmd.Name))
		return
	}
	if numkeys > int64(len(c.argv)-numIdx-1) {
		c.w.Error(ErrSyntax)
		return
	}
	srcs := make([]zsource, numkeys)
	j := numIdx + 1
	for i := range srcs {
		e := c.lookupRead(c.argv[j])
		j++
		srcs[i].weight = 1
		if e == nil {
			continue
		}
		switch e.typ {
		case typeZSet:
			srcs[i].z = e.zsetVal()
		case typeSet:
			srcs[i].set = e.setVal()
		default:
			c.w.Error(ErrWrongType)
			return
		}
		srcs[i].key = e
	}
	agg, withScores, limit := aggSum, false, int64(0)
	for j < len(c.argv) {
		a, left := c.argv[j], len(c.argv)-j
		switch {
		case op != opDiff && !cardOnly && left > len(srcs) && eqFold(a, "weights"):
			for i := range srcs {
				j++
				if srcs[i].weight, ok = parseFloat(c.argv[j]); !ok {
					c.w.Error(errWeightNotFloat)
					return
				}
			}
			j++
		case op != opDiff && !cardOnly && left >= 2 && eqFold(a, "aggregate"):
			switch b := c.argv[j+1]; {
			case eqFold(b, "sum"):
				agg = aggSum
			case eqFold(b, "min"):
				agg = aggMin
			case eqFold(b, "max"):
				agg = aggMax
			default:
				c.w.Error(ErrSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && eqFold(a, "withscores"):
			withScores = true
			j++
		case cardOnly && left >= 2 && eqFold(a, "limit"):
			if limit, ok = parseInt(c.argv[j+1]); !ok || limit < 0 {
				c.w.Error(ErrLimitNegative)
				return
			}
			j += 2
		default:
			c.w.Error(ErrSyntax)
			return
		}
	}
	if op != opDiff {
		// Smallest first, as Redis sorts them (a stable sort: equal sizes
		// keep their order, which decides the order of a float sum).
		sort.SliceStable(srcs, func(a, b int) bool { return srcs[a].len() < srcs[b].len() })
	}
	var items []zitem
	switch op {
	case opUnion:
		items = zunionItems(srcs, agg)
	case opInter:
		var card int64
		items, card = zinterItems(srcs, agg, cardOnly, limit)
		if cardOnly {
			c.w.Int(card)
			return
		}
	case opDiff:
		items = zdiffItems(srcs)
	}
	if dst != nil {
		z := zsetOf(items)
		z.fitListpack(c.zlimits())
		c.zstore(dst, z, [...]string{"zunionstore", "zinterstore", "zdiffstore"}[op])
		return
	}
	sort.Slice(items, func(a, b int) bool { return zless(items[a], items[b]) })
	c.replyScoredHeader(len(items), withScores)
	for _, it := range items {
		c.replyScored(it, withScores)
	}
}

// setMembers is what a set value offers ZUNION, ZINTER and ZDIFF, which
// read a set as a sorted set whose scores are all 1 (Redis accepts both
// types as inputs). The set family's value type implements it; all must
// yield strings that stay valid (stored members), since a *STORE result keeps
// them.
type setMembers interface {
	len() int
	has(member string) bool
	all() iter.Seq[string]
}

// zsource is one input of a set operation: a sorted set, a set (or neither:
// a missing key is empty), with its WEIGHTS factor.
type zsource struct {
	z      *zset
	set    setMembers
	key    *entry // the input's key (nil when missing), to notice one named twice
	weight float64
}

func (s *zsource) len() int {
	switch {
	case s.z != nil:
		return s.z.len()
	case s.set != nil:
		return s.set.len()
	}
	return 0
}

func (s *zsource) sameKey(o *zsource) bool { return s.key != nil && s.key == o.key }

// find returns member's score in the input (1 in a set).
func (s *zsource) find(member string) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(member)
	case s.set != nil:
		return 1, s.set.has(member)
	}
	return 0, false
}

// each calls fn on every member and its unweighted score until fn returns
// false.
func (s *zsource) each(fn func(member string, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.each(0, false, func(it zitem) bool { return fn(it.member, it.score) })
	case s.set != nil:
		for m := range s.set.all() {
			if !fn(m, 1) {
				break
			}
		}
	}
}

// weighted is weight × score, with NaN (0 × inf) read as 0.
func (s *zsource) weighted(score float64) float64 {
	if v := s.weight * score; !math.IsNaN(v) {
		return v
	}
	return 0
}

// zunionItems aggregates every input's members, smallest input first.
func zunionItems(srcs []zsource, agg aggregate) []zitem {
	acc := make(map[string]float64, srcs[len(srcs)-1].len())
	for i := range srcs {
		s := &srcs[i]
		s.each(func(m string, score float64) bool {
			v := s.weighted(score)
			if cur, ok := acc[m]; ok {
				v = agg.apply(cur, v)
			}
			acc[m] = v
			return true
		})
	}
	items := make([]zitem, 0, len(acc))
	for m, s := range acc {
		items = append(items, zitem{s, m})
	}
	return items
}

// zinterItems walks the smallest input and keeps the members every other
// input has; for ZINTERCARD it only counts them, stopping at limit (0: none).
func zinterItems(srcs []zsource, agg aggregate, cardOnly bool, limit int64) ([]zitem, int64) {
	var items []zitem
	var card int64
	first := &srcs[0]
	first.each(func(m string, score float64) bool {
		v := first.weighted(score)
		for j := 1; j < len(srcs); j++ {
			s := &srcs[j]
			other, ok := score, s.sameKey(first)
			if !ok {
				if other, ok = s.find(m); !ok {
					return true
				}
			}
			v = agg.apply(v, other*s.weight)
		}
		if cardOnly {
			card++
			return limit == 0 || card < limit
		}
		items = append(items, zitem{v, m})
		return true
	})
	return items, card
}

// zdiffItems keeps the first input's members that no other input has.
func zdiffItems(srcs []zsource) []zitem {
	var items []zitem
	first := &srcs[0]
	first.each(func(m string, score float64) bool {
		for j := 1; j < len(srcs); j++ {
			if s := &srcs[j]; s.sameKey(first) {
				return false // the same key again: nothing survives
			} else if _, ok := s.find(m); ok {
				return true
			}
		}
		items = append(items, zitem{score, m})
		return true
	})
	return items
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
func cmdZscan(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[2])
	if !ok {
		c.w.Error(ErrInvalidCursor)
		return
	}
	z, ok := c.zsetReadOrReply(c.argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Array(2)
		c.w.BulkString("0")
		c.w.Array(0)
		return
	}
	pattern, n, ok := c.scanOptions(3)
	if !ok {
		return
	}
	count := int64(n)
	var found []zitem
	keep := func(it zitem) {
		if pattern == nil || globMatch(pattern, it.member, false) {
			found = append(found, it)
		}
	}
	if !z.big {
		// A listpack comes back whole, in order, as in Redis.
		z.walk(0, z.len(), false, keep)
		cursor = 0
	} else {
		// COUNT is a hint: visit buckets until that many members were
		// seen, or ten times as many buckets (a sparse table), or the end.
		seen := int64(0)
		for buckets := count * 10; ; {
			cursor = z.dict.scan(cursor, func(n *znode) {
				seen++
				keep(zitem{n.score, n.member})
			})
			if buckets--; cursor == 0 || buckets == 0 || seen >= count {
				break
			}
		}
	}
	c.w.Array(2)
	c.w.BulkString(strconv.FormatUint(cursor, 10))
	c.w.Array(2 * len(found))
	var buf [32]byte
	for _, it := range found {
		c.w.BulkString(it.member)
		c.w.Bulk(formatDouble(buf[:0], it.score))
	}
}

// parseScoreRange reads ZRANGEBYSCORE's min and max as Redis's
// zslParseRange: an optional "(" for an exclusive end, then strtod over the
// rest (see strtod).
func parseScoreRange(min, max []byte) (r scoreRange, ok bool) {
	var okMin, okMax bool
	r.min, r.minex, okMin = parseScoreBound(min)
	r.max, r.maxex, okMax = parseScoreBound(max)
	return r, okMin && okMax
}

func parseScoreBound(b []byte) (f float64, exclusive, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		f, ok = strtod(b[1:])
		return f, true, ok
	}
	f, ok = strtod(b)
	return f, false, ok
}

// strtod is C's strtod required to consume the whole string, as Redis checks
// range bounds: unlike a score argument (parseFloat), leading spaces are
// skipped, overflow gives ±inf, underflow gives 0, and "" reads as 0 (strtod
// converts nothing and stops at the terminating NUL). NaN is refused.
func strtod(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	b = b[i:]
	num, ok := scanFloat(b) // false for all-space input: strtod stops at its start
	switch {
	case !ok:
		return 0, false
	case num.inf && num.neg:
		return math.Inf(-1), true
	case num.inf:
		return math.Inf(1), true
	}
	s := unsafeString(b)
	if num.hex && !num.exp {
		s += "p0" // strconv wants a binary exponent in hexadecimal floats
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false // defensive: scanFloat vetted the syntax
	}
	return f, true
}

// parseLexRange reads ZRANGEBYLEX's min and max (Redis's zslParseLexRange).
func parseLexRange(min, max []byte) (r lexRange, ok bool) {
	var okMin, okMax bool
	r.min, okMin = parseLexBound(min)
	r.max, okMax = parseLexBound(max)
	return r, okMin && okMax
}

// parseLexBound reads "-", "+", "[member" or "(member". The member is a view
// of the argument, valid for the command.
func parseLexBound(b []byte) (lexBound, bool) {
	if len(b) == 0 {
		return lexBound{}, false
	}
	switch b[0] {
	case '-':
		return lexBound{inf: -1, ex: true}, len(b) == 1
	case '+':
		return lexBound{inf: 1, ex: true}, len(b) == 1
	case '(', '[':
		return lexBound{s: unsafeString(b[1:]), ex: b[0] == '('}, true
	}
	return lexBound{}, false
}

// scoreRange is a ZRANGEBYSCORE interval.
type scoreRange struct {
	min, max     float64
	minex, maxex bool
}

func (r *scoreRange) aboveMin(s float64) bool { return s > r.min || s == r.min && !r.minex }

func (r *scoreRange) belowMax(s float64) bool { return s < r.max || s == r.max && !r.maxex }

// scoreSpan is the positions [lo, hi) of the members whose scores are in r.
func (z *zset) scoreSpan(r *scoreRange) (lo, hi int) {
	lo = z.tree.countBefore(func(s float64, _ *znode) bool { return !r.aboveMin(s) })
	hi = z.tree.countBefore(func(s float64, _ *znode) bool { return r.belowMax(s) })
	return lo, max(lo, hi)
}

// lexBound is one end of a ZRANGEBYLEX interval: "-" or "+" (below or above
// every member) or a member, exclusive after "(" and inclusive after "[".
type lexBound struct {
	s   string
	inf int8 // -1 for "-", +1 for "+", 0 for a member
	ex  bool
}

// cmp compares member m with the bound, as Redis's sdscmplex.
func (b *lexBound) cmp(m string) int {
	if b.inf != 0 {
		return -int(b.inf)
	}
	return strings.Compare(m, b.s)
}

// lexRange is a ZRANGEBYLEX interval. Like Redis, it assumes members sorted
// by bytes, which holds when all scores are equal.
type lexRange struct{ min, max lexBound }

func (r *lexRange) aboveMin(m string) bool {
	c := r.min.cmp(m)
	return c > 0 || c == 0 && !r.min.ex
}

func (r *lexRange) belowMax(m string) bool {
	c := r.max.cmp(m)
	return c < 0 || c == 0 && !r.max.ex
}

// empty is Redis's test for a range that holds nothing whatever the set
// (zslIsInLexRange's first check): min above max, or equal with either end
// exclusive.
func (r *lexRange) empty() bool {
	c := compareBounds(&r.min, &r.max)
	return c > 0 || c == 0 && (r.min.ex || r.max.ex)
}

// compareBounds orders two bounds as Redis's sdscmplex: "-" below and "+"
// above every member, and each equal to itself.
func compareBounds(a, b *lexBound) int {
	switch {
	case a.inf != 0 && a.inf == b.inf:
		return 0
	case a.inf == -1 || b.inf == 1:
		return -1
	case a.inf == 1 || b.inf == -1:
		return 1
	}
	return strings.Compare(a.s, b.s)
}

// lexSpan is the positions [lo, hi) of the members in r, found the way
// Redis finds them. That matters when scores differ, so the members are not
// in byte order and "in r" is not a range: the answer is then Redis's.
// Redis first checks the range and the set's last and first members
// (zslIsInLexRange); a listpack-encoded set is then scanned from its start
// (from its end when reverse) for the first member past min (before max),
// the span running on while members stay before max (past min). A set
// Redis keeps in a skiplist is searched by a descent, which we do on the
// tree: on members in byte order all of these agree.
func (z *zset) lexSpan(r *lexRange, reverse bool) (lo, hi int) {
	n := z.len()
	if n == 0 || r.empty() || !r.aboveMin(z.at(n-1).member) || !r.belowMax(z.at(0).member) {
		return 0, 0
	}
	if z.big {
		lo = z.tree.countBefore(func(_ float64, n *znode) bool { return !r.aboveMin(n.member) })
		hi = z.tree.countBefore(func(_ float64, n *znode) bool { return r.belowMax(n.member) })
		return lo, max(lo, hi)
	}
	if reverse {
		i, hi := n-1, -1
		z.each(i, true, func(it zitem) bool {
			switch {
			case hi < 0 && !r.belowMax(it.member):
				i--
				return true
			case !r.aboveMin(it.member):
				return false
			case hi < 0:
				hi = i + 1
			}
			i--
			return true
		})
		if hi < 0 {
			return 0, 0
		}
		return i + 1, hi
	}
	i, lo := 0, -1
	z.each(0, false, func(it zitem) bool {
		switch {
		case lo < 0 && !r.aboveMin(it.member):
			i++
			return true
		case !r.belowMax(it.member):
			return false
		case lo < 0:
			lo = i
		}
		i++
		return true
	})
	if lo < 0 {
		return 0, 0
	}
	return lo, i
}
