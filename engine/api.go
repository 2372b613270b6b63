package engine

import (
	"math"
	"unsafe"
)

// Typed operations for the in-process client. Each runs the same data
// operation its command handler runs, under the same shard lock, without
// building argv or a reply: the path for the hottest calls. Everything else
// goes through Exec.

// withKey runs fn with the shard of key locked, as the dispatcher would for a
// single-key command, and counts the call as a command of the session.
func (e *Engine) withKey(s *Session, key []byte, fn func(c *Ctx)) {
	h := e.ks.hash(key)
	i := e.ks.shardOf(h)
	c := s.pushCtx()
	// The hint spares the operation's lookup a second hash of the key.
	c.reset(e, s, nil, nil, nil, keyHint{p: unsafe.SliceData(key), n: len(key), h: h})
	e.ks.shards[i].mu.Lock()
	fn(c)
	if c.nwritten > 0 {
		c.reconcileWritten()
		c.written = [len(c.written)]writtenEntry{}
	}
	c.found = nil // hold no entry alive after the call
	if len(s.ready) > 0 {
		s.locks = append(s.locks[:0], i)
		e.unlockShards(s, s.locks)
	} else {
		e.ks.shards[i].mu.Unlock()
	}
	s.popCtx()
	s.cmds.Add(1)
	s.touch(e.coarseMs())
}

// denied is the dispatcher's ACL check for a typed call, made as for the
// command name with key (or channel) as its first argument: Redis's NOPERM
// text, recorded in ACL LOG, or "". A session whose user may run everything
// (the default user, out of the box) pays one atomic load.
func (e *Engine) denied(s *Session, name, key string) string {
	if s.user.open.Load() {
		return ""
	}
	return e.aclTyped(s, name, key)
}

// aclTyped is denied's check for a user with rules.
func (e *Engine) aclTyped(s *Session, name, key string) string {
	argv := [][]byte{[]byte(name), []byte(key)}
	w := NewCapture(2)
	if e.aclRefused(s, e.table.Lookup(argv[0]), argv, w) {
		return w.Replies()[0].Str
	}
	return ""
}

// full is the dispatcher's OOM check for the typed writes that can grow the
// dataset (those of commands Redis marks denyoom): under maxmemory it evicts
// by the policy first, and reports true when the data still does not fit.
// Without maxmemory it costs one settings load.
func (e *Engine) full() bool { return !e.performEvictions() }

// Get is GET: the value, whether the key exists, and a Redis error text
// (WRONGTYPE) or "". The returned string shares the stored bytes, which are
// never modified in place, so it stays valid after the key changes.
func (e *Engine) Get(s *Session, key string) (val string, found bool, err string) {
	if err = e.denied(s, "get", key); err != "" {
		return "", false, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		en, wrong := c.lookupString(unsafeBytes(key))
		switch {
		case wrong:
			err = ErrWrongType
		case en != nil:
			val, found = unsafeString(en.val()), true
		}
	})
	return val, found, err
}

// IncrBy is INCRBY: the new value or a Redis error text.
func (e *Engine) IncrBy(s *Session, key string, by int64) (n int64, err string) {
	if err = e.denied(s, "incrby", key); err != "" {
		return 0, err
	}
	if e.full() {
		return 0, ErrOOM
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) { n, err = c.incrByOp(unsafeBytes(key), by) })
	return n, err
}

// Set is SET key value with an optional absolute expiry in unix ms (0: none),
// the data operation of the SET handler without options. It fails only with
// an ACL refusal or ErrOOM.
func (e *Engine) Set(s *Session, key, val string, expireAt int64) (err string) {
	if err = e.denied(s, "set", key); err != "" {
		return err
	}
	if e.full() {
		return ErrOOM
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		c.storeString(unsafeBytes(key), unsafeBytes(val), expireAt, false)
		c.notify(notifyString, "set", unsafeBytes(key))
	})
	return ""
}

// PExpire is PEXPIRE without options: key expires in ms milliseconds (at
// once if ms <= 0); false if key does not exist.
func (e *Engine) PExpire(s *Session, key string, ms int64) (ok bool, err string) {
	if err = e.denied(s, "pexpire", key); err != "" {
		return false, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) {
		at := c.nowMs() + ms
		if ms > 0 && at < ms {
			at = math.MaxInt64
		}
		ok = c.expireOp(unsafeBytes(key), at, false, false, false, false)
	})
	return ok, ""
}

// Publish is PUBLISH: it returns how many subscribers (socket and
// in-process) received message.
func (e *Engine) Publish(s *Session, channel, message string) (n int, err string) {
	if err = e.denied(s, "publish", channel); err != "" {
		return 0, err
	}
	n = e.publish(s, subChannel, unsafeBytes(channel), unsafeBytes(message), true)
	s.cmds.Add(1)
	s.touch(e.coarseMs())
	return n, ""
}

// NowMs is the engine clock in unix milliseconds.
func (e *Engine) NowMs() int64 { return e.nowMs() }
