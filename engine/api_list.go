package engine

// Typed list operations for the in-process client: the data operations of
// LPUSH, RPUSH, LPOP and RPOP without argv or a reply (see api.go).

// LPush is LPUSH key vals...: the list's new length, or a Redis error text
// (WRONGTYPE) or "". The strings are stored as they are, without a copy: Go
// strings never change, but a short substring keeps its whole backing array
// alive while it is in the list.
func (e *Engine) LPush(s *Session, key string, vals []string) (int64, string) {
	return e.push(s, key, vals, listHead)
}

// RPush is RPUSH key vals..., as LPush.
func (e *Engine) RPush(s *Session, key string, vals []string) (int64, string) {
	return e.push(s, key, vals, listTail)
}

func (e *Engine) push(s *Session, key string, vals []string, where int) (n int64, err string) {
	if err = e.refused(s, listCmd(where, e.typed.lpush, e.typed.rpush), key); err != "" {
		return 0, err
	}
	k := unsafeBytes(key)
	e.withKey(s, k, func(c *Ctx) { n, err = listPush(c, k, vals, where, false) })
	return n, err
}

// LPop is LPOP key: the first element, whether the key existed, and a Redis
// error text (WRONGTYPE) or "". The element is handed over without a copy.
func (e *Engine) LPop(s *Session, key string) (string, bool, string) { return e.pop(s, key, listHead) }

// RPop is RPOP key, as LPop for the last element.
func (e *Engine) RPop(s *Session, key string) (string, bool, string) { return e.pop(s, key, listTail) }

func (e *Engine) pop(s *Session, key string, where int) (val string, found bool, err string) {
	if err = e.refused(s, listCmd(where, e.typed.lpop, e.typed.rpop), key); err != "" {
		return "", false, err
	}
	k := unsafeBytes(key)
	e.withKey(s, k, func(c *Ctx) { val, found, err = c.listPop(k, where) })
	return val, found, err
}

// listCmd is the command of a list end: head for listHead, else tail.
func listCmd(where int, head, tail *Command) *Command {
	if where == listHead {
		return head
	}
	return tail
}
