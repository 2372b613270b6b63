package cachee

import (
	"context"
	"time"
)

// Typed methods for the list commands. LPush, RPush, LPop and RPop call the
// engine's list operations directly (the code their handlers run); the rest
// go through Do.

// ListEnd names an end of a list for LMove.
type ListEnd uint8

const (
	// Left is the head: where LPUSH adds and LPOP takes, index 0.
	Left ListEnd = iota
	// Right is the tail: where RPUSH adds and RPOP takes, index -1.
	Right
)

// String is the keyword LMOVE and BLMOVE take for the end: LEFT or RIGHT.
func (e ListEnd) String() string {
	if e == Left {
		return "LEFT"
	}
	return "RIGHT"
}

// LPush inserts values at the head one after the other, so the last one ends
// up first, creating the list if needed, and returns its new length. The
// strings are kept without a copy.
func (db *DB) LPush(ctx context.Context, key string, values ...string) (int64, error) {
	c := db.get()
	n, err := db.e.LPush(c.s, key, values)
	db.put(c)
	return n, errorOf(err)
}

// RPush appends values at the tail, creating the list if needed, and returns
// its new length.
func (db *DB) RPush(ctx context.Context, key string, values ...string) (int64, error) {
	c := db.get()
	n, err := db.e.RPush(c.s, key, values)
	db.put(c)
	return n, errorOf(err)
}

// LPop removes and returns the first element, Nil if the key does not exist
// (an emptied list is deleted). It does not allocate.
func (db *DB) LPop(ctx context.Context, key string) (string, error) {
	c := db.get()
	v, found, err := db.e.LPop(c.s, key)
	db.put(c)
	return popResult(v, found, err)
}

// RPop removes and returns the last element, Nil if the key does not exist.
func (db *DB) RPop(ctx context.Context, key string) (string, error) {
	c := db.get()
	v, found, err := db.e.RPop(c.s, key)
	db.put(c)
	return popResult(v, found, err)
}

func popResult(v string, found bool, err string) (string, error) {
	switch {
	case err != "":
		return "", redisError(err)
	case !found:
		return "", Nil
	}
	return v, nil
}

// errorOf turns an engine error text ("" for none) into an error.
func errorOf(msg string) error {
	if msg == "" {
		return nil
	}
	return redisError(msg)
}

// LPopCount removes and returns up to count elements from the head, Nil if
// the key does not exist; a count of 0 returns an empty slice and removes
// nothing.
func (db *DB) LPopCount(ctx context.Context, key string, count int) ([]string, error) {
	v, err := db.Do(ctx, "LPOP", key, count)
	if err != nil {
		return nil, err
	}
	return stringsOf(v), nil
}

// LLen returns the length of the list, 0 if the key does not exist.
func (db *DB) LLen(ctx context.Context, key string) (int64, error) {
	return intOf(db.doStrs(ctx, nil, "LLEN", key))
}

// LRange returns the elements from start to stop inclusive; negative indexes
// count from the tail (-1 is the last) and out-of-range ones are clamped.
func (db *DB) LRange(ctx context.Context, key string, start, stop int64) ([]string, error) {
	v, err := db.Do(ctx, "LRANGE", key, start, stop)
	if err != nil {
		return nil, err
	}
	return stringsOf(v), nil
}

// LIndex returns the element at index (negative from the tail), Nil when the
// index is out of range or the key does not exist.
func (db *DB) LIndex(ctx context.Context, key string, index int64) (string, error) {
	v, err := db.Do(ctx, "LINDEX", key, index)
	return v.String(), err
}

// LRem removes elements equal to value and returns how many: the first count
// from the head if count > 0, the last -count from the tail if count < 0, all
// of them if count is 0.
func (db *DB) LRem(ctx context.Context, key string, count int64, value string) (int64, error) {
	return db.intCmd(ctx, "LREM", key, count, value)
}

// LTrim keeps only the elements from start to stop inclusive (indexes as in
// LRange), deleting the key if none remain.
func (db *DB) LTrim(ctx context.Context, key string, start, stop int64) error {
	_, err := db.Do(ctx, "LTRIM", key, start, stop)
	return err
}

// LMove atomically pops an element from the from end of src, pushes it at the
// to end of dst and returns it; Nil if src does not exist. src and dst may be
// the same list (a rotation).
func (db *DB) LMove(ctx context.Context, src, dst string, from, to ListEnd) (string, error) {
	v, err := db.Do(ctx, "LMOVE", src, dst, from, to)
	return v.String(), err
}

func stringsOf(v Value) []string {
	out := make([]string, len(v.r.Elems))
	for i, e := range v.r.Elems {
		out[i] = e.Str
	}
	return out
}

// BLPop pops the head of the first non-empty list among keys, waiting up to
// timeout (0: until ctx ends) for one to be pushed, by anyone, in-process or
// over a socket. It returns the key and the element, Nil on timeout, or
// ctx's error when ctx ends first.
func (db *DB) BLPop(ctx context.Context, timeout time.Duration, keys ...string) ([]string, error) {
	return db.blockingPop(ctx, "BLPOP", timeout, keys)
}

// BRPop is BLPop taking from the tails.
func (db *DB) BRPop(ctx context.Context, timeout time.Duration, keys ...string) ([]string, error) {
	return db.blockingPop(ctx, "BRPOP", timeout, keys)
}

func (db *DB) blockingPop(ctx context.Context, cmd string, timeout time.Duration, keys []string) ([]string, error) {
	args := make([]any, 0, len(keys)+2)
	args = append(args, cmd)
	for _, k := range keys {
		args = append(args, k)
	}
	return db.stringsCmd(ctx, append(args, timeout.Seconds())...)
}

// BLMove is LMove waiting up to timeout (0: until ctx ends) for src to have
// an element; Nil on timeout.
func (db *DB) BLMove(ctx context.Context, src, dst string, from, to ListEnd, timeout time.Duration) (string, error) {
	v, err := db.Do(ctx, "BLMOVE", src, dst, from, to, timeout.Seconds())
	return v.String(), err
}
