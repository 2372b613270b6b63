package engine

// Typed hash operations for the in-process client (see api.go): the data
// operations of HSET and HGET, run under the key's shard lock without argv
// or a reply.

// HSet is HSET key field value [field value ...]: pairs holds fields and
// values alternately (an even, non-zero count: the caller checks). It returns
// how many fields are new, or a Redis error text (WRONGTYPE). The strings are
// stored without a copy: Go strings are immutable.
func (e *Engine) HSet(s *Session, key string, pairs []string) (created int, err string) {
	var buf [16][]byte
	argv := buf[:0]
	for _, p := range pairs {
		argv = append(argv, unsafeBytes(p))
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) { created, err = c.hsetOp(unsafeBytes(key), argv, true) })
	return created, err
}

// HGet is HGET: the value, whether the field exists, and WRONGTYPE or "". The
// value shares the stored string, which later writes replace rather than
// modify.
func (e *Engine) HGet(s *Session, key, field string) (val string, found bool, err string) {
	e.withKey(s, unsafeBytes(key), func(c *Ctx) { val, found, err = c.hgetOp(unsafeBytes(key), unsafeBytes(field)) })
	return val, found, err
}
