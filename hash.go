package cachee

import (
	"context"
)

// Typed methods for the hash commands. HSet, HGet and HGetAll call the
// engine's data operations directly (the code their command handlers run, under the same
// lock); the rest go through Do.

// errHsetArgs is Redis's reply to HSET with a field and no value.
var errHsetArgs = redisError("ERR wrong number of arguments for 'hset' command")

// HSet stores field/value pairs (field, value, field, value...) in the hash
// at key, creating it if needed, and returns how many fields are new (updated
// fields do not count). The strings are stored as they are, without a copy.
func (db *DB) HSet(ctx context.Context, key string, pairs ...string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(pairs) == 0 || len(pairs)%2 != 0 {
		return 0, errHsetArgs
	}
	c := db.get()
	n, err := db.e.HSet(c.s, key, pairs)
	db.put(c)
	if err != "" {
		return 0, redisError(err)
	}
	return int64(n), nil
}

// HGet returns the value of field in the hash at key, or Nil when the key or
// the field does not exist. It does not allocate: the string shares the
// stored value, which later writes replace rather than modify.
func (db *DB) HGet(ctx context.Context, key, field string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	c := db.get()
	val, found, err := db.e.HGet(c.s, key, field)
	db.put(c)
	switch {
	case err != "":
		return "", redisError(err)
	case !found:
		return "", Nil
	}
	return val, nil
}

// HMGet returns the values of fields, in order; a missing field (or key)
// gives a nil Value (IsNil).
func (db *DB) HMGet(ctx context.Context, key string, fields ...string) ([]Value, error) {
	v, err := db.doStrs(ctx, fields, "HMGET", key)
	if err != nil {
		return nil, err
	}
	return v.Elems(), nil
}

// HGetAll returns every field and value of the hash at key (an empty map
// for a missing key), read in one step under the key's lock.
func (db *DB) HGetAll(ctx context.Context, key string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := db.get()
	m, err := db.e.HGetAll(c.s, key)
	db.put(c)
	if err != "" {
		return nil, redisError(err)
	}
	return m, nil
}

// HDel removes fields from the hash at key and returns how many existed. The
// key is deleted with its last field.
func (db *DB) HDel(ctx context.Context, key string, fields ...string) (int64, error) {
	return intOf(db.doStrs(ctx, fields, "HDEL", key))
}

// HExists reports whether field exists in the hash at key.
func (db *DB) HExists(ctx context.Context, key, field string) (bool, error) {
	return boolOf(db.doStrs(ctx, nil, "HEXISTS", key, field))
}

// HLen returns the number of fields of the hash at key (0 when missing).
func (db *DB) HLen(ctx context.Context, key string) (int64, error) {
	return intOf(db.doStrs(ctx, nil, "HLEN", key))
}

// HIncrBy adds by to the integer in field (0 when missing) and returns the
// result; a value that is not an integer, or overflow, is an *Error.
func (db *DB) HIncrBy(ctx context.Context, key, field string, by int64) (int64, error) {
	return db.intCmd(ctx, "HINCRBY", key, field, by)
}

// HIncrByFloat adds by to the number in field with Redis's long-double
// arithmetic and returns the stored result (as HGET would read it back,
// parsed).
func (db *DB) HIncrByFloat(ctx context.Context, key, field string, by float64) (float64, error) {
	v, err := db.Do(ctx, "HINCRBYFLOAT", key, field, by)
	if err != nil {
		return 0, err
	}
	return v.Float()
}

// HKeys returns the fields of the hash at key; a small hash answers in
// insertion order, as Redis's listpack does.
func (db *DB) HKeys(ctx context.Context, key string) ([]string, error) {
	return stringsReply(db.doStrs(ctx, nil, "HKEYS", key))
}

// HVals returns the values of the hash at key, in the order of HKeys.
func (db *DB) HVals(ctx context.Context, key string) ([]string, error) {
	return stringsReply(db.doStrs(ctx, nil, "HVALS", key))
}

func (db *DB) stringsCmd(ctx context.Context, args ...any) ([]string, error) {
	return stringsReply(db.Do(ctx, args...))
}

// stringsReply is an array reply's elements as strings.
func stringsReply(v Value, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return stringsOf(v), nil
}
