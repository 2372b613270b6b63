package engine

// Typed hash operations for the in-process client (see api.go): the data
// operations of HSET and HGET, run under the key's shard lock without argv
// or a reply, and HGETALL straight into a Go map.

// HSet is HSET key field value [field value ...]: pairs holds fields and
// values alternately (an even, non-zero count: the caller checks). It returns
// how many fields are new, or a Redis error text (WRONGTYPE). The strings are
// stored without a copy: Go strings are immutable.
func (e *Engine) HSet(s *Session, key string, pairs []string) (created int, err string) {
	if err = e.refused(s, e.typed.hset, key); err != "" {
		return 0, err
	}
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
	if err = e.refused(s, e.typed.hget, key); err != "" {
		return "", false, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) { val, found, err = c.hgetOp(unsafeBytes(key), unsafeBytes(field)) })
	return val, found, err
}

// HGetAll is HGETALL into a map (empty for a missing key), or WRONGTYPE. The
// strings are the stored ones, which are immutable.
func (e *Engine) HGetAll(s *Session, key string) (m map[string]string, err string) {
	if err = e.refused(s, e.typed.hgetall, key); err != "" {
		return nil, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		var h *hashObj
		if h, err = c.hashLookup(unsafeBytes(key)); h == nil {
			return
		}
		m = make(map[string]string, h.length())
		for i := range h.ents {
			if en := &h.ents[i]; en.live() {
				m[en.field] = en.value
			}
		}
	})
	if m == nil && err == "" {
		m = map[string]string{}
	}
	return m, err
}
