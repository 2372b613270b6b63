package cachee

import "context"

// Typed methods for the set commands. SAdd and SIsMember call the engine's
// set operations directly; the rest go through Do. Missing keys behave as
// empty sets, and a key holding another type gives a WRONGTYPE *Error.

// SAdd adds members to the set at key, creating it, and returns how many
// were not already there.
func (db *DB) SAdd(ctx context.Context, key string, members ...string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	c := db.get()
	n, err := db.e.SAdd(c.s, key, members)
	db.put(c)
	if err != "" {
		return 0, redisError(err)
	}
	return n, nil
}

// SRem removes members from the set at key and returns how many were there;
// removing the last member deletes the key.
func (db *DB) SRem(ctx context.Context, key string, members ...string) (int64, error) {
	return intOf(db.doStrs(ctx, members, "SREM", key))
}

// SIsMember reports whether member is in the set at key. It does not
// allocate.
func (db *DB) SIsMember(ctx context.Context, key, member string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	c := db.get()
	is, err := db.e.SIsMember(c.s, key, member)
	db.put(c)
	if err != "" {
		return false, redisError(err)
	}
	return is, nil
}

// SMembers returns the members of the set at key: in numeric order while the
// set is small and all integers (an intset, as Redis orders it), in no
// particular order otherwise.
func (db *DB) SMembers(ctx context.Context, key string) ([]string, error) {
	return stringsReply(db.doStrs(ctx, nil, "SMEMBERS", key))
}

// SCard returns the number of members of the set at key.
func (db *DB) SCard(ctx context.Context, key string) (int64, error) {
	return intOf(db.doStrs(ctx, nil, "SCARD", key))
}

// SPop removes and returns a random member of the set at key, or Nil when
// the key does not exist.
func (db *DB) SPop(ctx context.Context, key string) (string, error) {
	v, err := db.doStrs(ctx, nil, "SPOP", key)
	return v.String(), err
}

// SPopN removes and returns up to count distinct random members (all of them
// when count is at least the set's size, deleting the key).
func (db *DB) SPopN(ctx context.Context, key string, count int64) ([]string, error) {
	return db.stringsCmd(ctx, "SPOP", key, count)
}

// SRandMember returns a random member of the set at key without removing
// it, or Nil when the key does not exist.
func (db *DB) SRandMember(ctx context.Context, key string) (string, error) {
	v, err := db.doStrs(ctx, nil, "SRANDMEMBER", key)
	return v.String(), err
}

// SRandMemberN returns random members without removing them: up to count
// distinct ones for a positive count, exactly -count draws that may repeat
// for a negative one.
func (db *DB) SRandMemberN(ctx context.Context, key string, count int64) ([]string, error) {
	return db.stringsCmd(ctx, "SRANDMEMBER", key, count)
}

// SInter returns the members common to every set named (none if any key is
// missing).
func (db *DB) SInter(ctx context.Context, keys ...string) ([]string, error) {
	return stringsReply(db.doStrs(ctx, keys, "SINTER"))
}

// SUnion returns the members of any of the sets named.
func (db *DB) SUnion(ctx context.Context, keys ...string) ([]string, error) {
	return stringsReply(db.doStrs(ctx, keys, "SUNION"))
}

// SDiff returns the members of the first set that are in none of the others.
func (db *DB) SDiff(ctx context.Context, keys ...string) ([]string, error) {
	return stringsReply(db.doStrs(ctx, keys, "SDIFF"))
}
