package engine

// Typed set operations for the in-process client: SADD and SISMEMBER without
// argv or a reply writer (see api.go).

// SAdd is SADD: how many of members were new, or a Redis error text
// (WRONGTYPE, or SADD's arity error for no members). Members are stored
// without a copy: Go strings never change.
func (e *Engine) SAdd(s *Session, key string, members []string) (n int64, err string) {
	if len(members) == 0 {
		return 0, errWrongArgs("sadd")
	}
	if err = e.refused(s, e.typed.sadd, key); err != "" {
		return 0, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		k := unsafeBytes(key)
		set, werr := c.setForAdd(k)
		if werr != "" {
			err = werr
			return
		}
		maxIntset := c.maxIntset()
		for _, m := range members {
			if set.addString(m, maxIntset) {
				n++
			}
		}
		if n > 0 {
			c.keyChanged(k, notifySet, "sadd")
		}
	})
	return n, err
}

// SIsMember is SISMEMBER: whether member is in key's set (false when the
// key is missing), or a Redis error text (WRONGTYPE).
func (e *Engine) SIsMember(s *Session, key, member string) (is bool, err string) {
	if err = e.refused(s, e.typed.sismember, key); err != "" {
		return false, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		en := c.lookupRead(unsafeBytes(key))
		switch {
		case en == nil:
		case en.typ != typeSet:
			err = ErrWrongType
		default:
			is = en.setVal().has(member)
		}
	})
	return is, err
}
