package cachee

import (
	"context"
	"time"
)

// Typed methods for the string and key commands. Get, Set without options
// and IncrBy call the engine's data operations directly (the same code their
// handlers run); the rest go through Do.

// Get returns key's value, Nil if the key does not exist, or a WRONGTYPE
// *Error if it holds another type. It does not allocate.
func (db *DB) Get(ctx context.Context, key string) (string, error) {
	c := db.get()
	val, found, err := db.e.Get(c.s, key)
	db.put(c)
	switch {
	case err != "":
		return "", redisError(err)
	case !found:
		return "", Nil
	}
	return val, nil
}

// SetOptions are SET's options. TTL (rounded to milliseconds) and ExpireAt
// are mutually exclusive, as EX/PX and EXAT/PXAT are.
type SetOptions struct {
	TTL      time.Duration // expire this long after the write (PX)
	ExpireAt time.Time     // expire at this time (PXAT)
	NX, XX   bool          // only set if the key does not / does exist
	KeepTTL  bool          // keep the existing expiry
}

// Set stores value under key. With NX or XX it returns Nil when the condition
// was not met.
func (db *DB) Set(ctx context.Context, key, value string, opts ...SetOptions) error {
	if len(opts) == 0 {
		c := db.get()
		err := db.e.Set(c.s, key, value, 0)
		db.put(c)
		if err != "" {
			return redisError(err)
		}
		return nil
	}
	o := opts[0]
	args := []any{"SET", key, value}
	switch {
	case o.TTL > 0:
		args = append(args, "PX", o.TTL.Milliseconds())
	case !o.ExpireAt.IsZero():
		args = append(args, "PXAT", o.ExpireAt.UnixMilli())
	case o.KeepTTL:
		args = append(args, "KEEPTTL")
	}
	if o.NX {
		args = append(args, "NX")
	}
	if o.XX {
		args = append(args, "XX")
	}
	_, err := db.Do(ctx, args...)
	return err
}

// SetNX stores value only if key does not exist and reports whether it did.
func (db *DB) SetNX(ctx context.Context, key, value string) (bool, error) {
	return boolOf(db.doStrs(ctx, nil, "SETNX", key, value))
}

// Incr adds one to the integer stored at key (0 if missing) and returns it.
func (db *DB) Incr(ctx context.Context, key string) (int64, error) { return db.IncrBy(ctx, key, 1) }

// Decr subtracts one from the integer stored at key (0 if missing) and
// returns it.
func (db *DB) Decr(ctx context.Context, key string) (int64, error) { return db.IncrBy(ctx, key, -1) }

// IncrBy adds by to the integer stored at key, refusing overflow as Redis does.
func (db *DB) IncrBy(ctx context.Context, key string, by int64) (int64, error) {
	c := db.get()
	n, err := db.e.IncrBy(c.s, key, by)
	db.put(c)
	if err != "" {
		return 0, redisError(err)
	}
	return n, nil
}

// IncrByFloat adds by to the number stored at key with Redis's long-double
// arithmetic and returns the stored result.
func (db *DB) IncrByFloat(ctx context.Context, key string, by float64) (float64, error) {
	v, err := db.Do(ctx, "INCRBYFLOAT", key, by)
	if err != nil {
		return 0, err
	}
	return v.Float()
}

// Append appends value to key's string and returns the new length.
func (db *DB) Append(ctx context.Context, key, value string) (int64, error) {
	return intOf(db.doStrs(ctx, nil, "APPEND", key, value))
}

// GetDel returns key's value and deletes the key (Nil if missing).
func (db *DB) GetDel(ctx context.Context, key string) (string, error) {
	v, err := db.doStrs(ctx, nil, "GETDEL", key)
	return v.String(), err
}

// MGet returns the values of keys; missing keys (and keys of other types)
// give nil Values.
func (db *DB) MGet(ctx context.Context, keys ...string) ([]Value, error) {
	v, err := db.doStrs(ctx, keys, "MGET")
	if err != nil {
		return nil, err
	}
	return v.Elems(), nil
}

// MSet sets several keys atomically from key, value, key, value...
func (db *DB) MSet(ctx context.Context, pairs ...string) error {
	_, err := db.doStrs(ctx, pairs, "MSET")
	return err
}

// Del removes keys and returns how many existed.
func (db *DB) Del(ctx context.Context, keys ...string) (int64, error) {
	return intOf(db.doStrs(ctx, keys, "DEL"))
}

// Exists returns how many of keys exist (a key named twice counts twice).
func (db *DB) Exists(ctx context.Context, keys ...string) (int64, error) {
	return intOf(db.doStrs(ctx, keys, "EXISTS"))
}

// Expire sets key's time to live (millisecond precision) and reports whether
// the key exists. A non-positive ttl deletes the key.
func (db *DB) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	c := db.get()
	ok, err := db.e.PExpire(c.s, key, ttl.Milliseconds())
	db.put(c)
	if err != "" {
		return false, redisError(err)
	}
	return ok, nil
}

// Persist removes key's expiry and reports whether it had one.
func (db *DB) Persist(ctx context.Context, key string) (bool, error) {
	return boolOf(db.doStrs(ctx, nil, "PERSIST", key))
}

// TTL returns key's remaining time to live with millisecond precision, -1
// (as a Duration) if it has none, or -2 if it does not exist, as Redis's PTTL.
func (db *DB) TTL(ctx context.Context, key string) (time.Duration, error) {
	n, err := intOf(db.doStrs(ctx, nil, "PTTL", key))
	if n < 0 {
		return time.Duration(n), err
	}
	return time.Duration(n) * time.Millisecond, err
}

// Type returns the type name of key's value ("none" when missing).
func (db *DB) Type(ctx context.Context, key string) (string, error) {
	v, err := db.doStrs(ctx, nil, "TYPE", key)
	return v.String(), err
}

// Rename moves key's value and TTL to newKey, replacing whatever newKey
// held; it fails with "ERR no such key" when key does not exist.
func (db *DB) Rename(ctx context.Context, key, newKey string) error {
	_, err := db.doStrs(ctx, nil, "RENAME", key, newKey)
	return err
}

// FlushDB removes every key of the DB's database.
func (db *DB) FlushDB(ctx context.Context) error {
	_, err := db.Do(ctx, "FLUSHDB")
	return err
}

// DBSize returns the number of keys in the DB's database.
func (db *DB) DBSize(ctx context.Context) (int64, error) { return db.intCmd(ctx, "DBSIZE") }

func (db *DB) intCmd(ctx context.Context, args ...any) (int64, error) {
	return intOf(db.Do(ctx, args...))
}

// doStrs runs the command head..., rest... as Do would, without boxing each
// argument in an interface (Do's ...any allocates for every string that is
// not a constant, and a []any for the whole list).
func (db *DB) doStrs(ctx context.Context, rest []string, head ...string) (Value, error) {
	if err := ctx.Err(); err != nil {
		return Value{}, err
	}
	c := db.get()
	defer db.put(c)
	c.reset()
	for _, a := range head {
		c.str(a)
	}
	for _, a := range rest {
		c.str(a)
	}
	return c.exec(ctx, db.e)
}

// boolOf is an integer reply's value as a boolean (1 is true).
func boolOf(v Value, err error) (bool, error) {
	n, err := intOf(v, err)
	return n == 1, err
}

// intOf is an integer reply's value.
func intOf(v Value, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return v.Int()
}
