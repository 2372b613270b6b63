package engine

import (
	"math"
	"slices"
)

// Typed sorted-set operations for the in-process client: the data operations
// of ZADD, ZSCORE, ZRANK and ZRANGE, under the key's shard lock, without argv
// or a reply. Errors are Redis's error texts ("" for none).

// Z is a sorted-set member with its score.
type Z struct {
	Score  float64
	Member string
}

// ZAdd is ZADD key score member... without options: how many members were
// new. A NaN score is refused, as ZADD refuses "nan".
func (e *Engine) ZAdd(s *Session, key string, members []Z) (added int64, err string) {
	for _, m := range members {
		if math.IsNaN(m.Score) {
			return 0, ErrNotFloat
		}
	}
	if err = e.refused(s, e.typed.zadd, key); err != "" {
		return 0, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		var r zaddResult
		r, err = c.zaddOp(unsafeBytes(key), 0, len(members), func(i int) (string, float64) {
			return members[i].Member, members[i].Score
		})
		added = int64(r.added)
	})
	return added, err
}

// ZScore is ZSCORE: member's score and whether key and member exist.
func (e *Engine) ZScore(s *Session, key, member string) (score float64, found bool, err string) {
	if err = e.refused(s, e.typed.zscore, key); err != "" {
		return 0, false, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		var z *zset
		if z, err = c.zsetRead(unsafeBytes(key)); z != nil {
			score, found = z.score(member)
		}
	})
	return score, found, err
}

// ZRank is ZRANK (ZREVRANK when reverse): member's 0-based rank, O(log n).
func (e *Engine) ZRank(s *Session, key, member string, reverse bool) (rank int64, found bool, err string) {
	cmd := e.typed.zrank
	if reverse {
		cmd = e.typed.zrevrank
	}
	if err = e.refused(s, cmd, key); err != "" {
		return 0, false, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		var z *zset
		var r int
		if z, err = c.zsetRead(unsafeBytes(key)); z != nil {
			r, found = z.rankOf(member, reverse)
			rank = int64(r)
		}
	})
	return rank, found, err
}

// ZRange is ZRANGE key start stop [REV] WITHSCORES: the members at those
// ranks (negative ranks count from the end), appended to dst. The member
// strings are the stored ones, which are never modified, so no copy is made.
func (e *Engine) ZRange(s *Session, key string, start, stop int64, reverse bool, dst []Z) ([]Z, string) {
	cmd := e.typed.zrange
	if reverse {
		cmd = e.typed.zrevrange
	}
	err := e.refused(s, cmd, key)
	if err != "" {
		return dst, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		var z *zset
		if z, err = c.zsetRead(unsafeBytes(key)); z == nil {
			return
		}
		lo, hi := z.span(&zbounds{by: byRank, start: start, stop: stop}, reverse)
		from, count := window(lo, hi, 0, -1, reverse)
		dst = slices.Grow(dst, count)
		z.walk(from, count, reverse, func(it zitem) { dst = append(dst, Z{Score: it.score, Member: it.member}) })
	})
	return dst, err
}

// zsetRead is the read lookup of the typed operations: key's sorted set (nil
// when missing, counted as a keyspace miss), or WRONGTYPE's text.
func (c *Ctx) zsetRead(key []byte) (*zset, string) {
	e := c.lookupRead(key)
	switch {
	case e == nil:
		return nil, ""
	case e.typ != typeZSet:
		return nil, ErrWrongType
	}
	return e.zsetVal(), ""
}
