package cachee

import (
	"context"
	"strconv"

	"github.com/cachee/cachee/engine"
)

// Typed methods for sorted sets. ZAdd, ZScore, ZRank, ZRevRank and the range
// reads call the engine's data operations directly (no argv, no reply
// values); the rest go through Do. Members are ordered by score, then by
// member bytes, as in Redis.

// Z is a sorted-set member with its score.
type Z = engine.Z

// ZAdd adds members to the sorted set at key (creating it), or moves those
// already present to their new scores, and returns how many were new. A NaN
// score is refused, as Redis refuses "nan"; ±Inf are valid scores.
func (db *DB) ZAdd(ctx context.Context, key string, members ...Z) (int64, error) {
	c := db.get()
	n, err := db.e.ZAdd(c.s, key, members)
	db.put(c)
	return n, errOrNil(err)
}

// ZIncrBy adds increment to member's score (a new member starts from 0) and
// returns the result; an increment that would make NaN (inf plus -inf) is
// refused with Redis's error.
func (db *DB) ZIncrBy(ctx context.Context, key string, increment float64, member string) (float64, error) {
	v, err := db.Do(ctx, "ZINCRBY", key, strconv.FormatFloat(increment, 'g', -1, 64), member)
	if err != nil {
		return 0, err
	}
	return v.Float()
}

// ZScore returns member's score, or Nil when the key or the member does not
// exist.
func (db *DB) ZScore(ctx context.Context, key, member string) (float64, error) {
	c := db.get()
	s, found, err := db.e.ZScore(c.s, key, member)
	db.put(c)
	if err == "" && !found {
		return 0, Nil
	}
	return s, errOrNil(err)
}

// ZRank returns member's 0-based position from the lowest score in O(log n),
// or Nil when the key or the member does not exist.
func (db *DB) ZRank(ctx context.Context, key, member string) (int64, error) {
	return db.zrank(key, member, false)
}

// ZRevRank is ZRank counted from the highest score.
func (db *DB) ZRevRank(ctx context.Context, key, member string) (int64, error) {
	return db.zrank(key, member, true)
}

func (db *DB) zrank(key, member string, reverse bool) (int64, error) {
	c := db.get()
	r, found, err := db.e.ZRank(c.s, key, member, reverse)
	db.put(c)
	if err == "" && !found {
		return 0, Nil
	}
	return r, errOrNil(err)
}

// ZCard returns the number of members (0 for a missing key).
func (db *DB) ZCard(ctx context.Context, key string) (int64, error) {
	return intOf(db.doStrs(ctx, nil, "ZCARD", key))
}

// ZRem removes members and returns how many were present; removing the last
// member deletes the key.
func (db *DB) ZRem(ctx context.Context, key string, members ...string) (int64, error) {
	return intOf(db.doStrs(ctx, members, "ZREM", key))
}

// ZRangeWithScores returns the members ranked start through stop from the
// lowest score. Negative ranks count from the end (-1 is the last member)
// and ranks past either end are clamped, as in ZRANGE; a missing key gives
// an empty slice. It costs O(log n) plus the members returned.
func (db *DB) ZRangeWithScores(ctx context.Context, key string, start, stop int64) ([]Z, error) {
	return db.zrange(key, start, stop, false)
}

// ZRevRangeWithScores is ZRangeWithScores ranked from the highest score.
func (db *DB) ZRevRangeWithScores(ctx context.Context, key string, start, stop int64) ([]Z, error) {
	return db.zrange(key, start, stop, true)
}

func (db *DB) zrange(key string, start, stop int64, reverse bool) ([]Z, error) {
	c := db.get()
	zs, err := db.e.ZRange(c.s, key, start, stop, reverse, nil)
	db.put(c)
	return zs, errOrNil(err)
}

// ZPopMin removes and returns up to count members with the lowest scores,
// lowest first; the key is deleted when it empties.
func (db *DB) ZPopMin(ctx context.Context, key string, count int64) ([]Z, error) {
	return db.zpop(ctx, "ZPOPMIN", key, count)
}

// ZPopMax removes and returns up to count members with the highest scores,
// highest first.
func (db *DB) ZPopMax(ctx context.Context, key string, count int64) ([]Z, error) {
	return db.zpop(ctx, "ZPOPMAX", key, count)
}

func (db *DB) zpop(ctx context.Context, cmd, key string, count int64) ([]Z, error) {
	v, err := db.Do(ctx, cmd, key, count)
	if err != nil {
		return nil, err
	}
	els := v.Elems()
	zs := make([]Z, 0, len(els)/2)
	for i := 0; i+1 < len(els); i += 2 {
		s, err := els[i+1].Float()
		if err != nil {
			return nil, err
		}
		zs = append(zs, Z{Member: els[i].String(), Score: s})
	}
	return zs, nil
}

// errOrNil turns an engine error text into an *Error ("" is no error).
func errOrNil(msg string) error {
	if msg == "" {
		return nil
	}
	return redisError(msg)
}
