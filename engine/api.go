package engine

import (
	"math"
	"unsafe"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// Typed operations for the in-process client. Each runs the same data
// operation its command handler runs, under the same shard lock, without
// building argv or a reply: the path for the hottest calls. Everything else
// goes through Exec.

// withKey runs fn with the shard of key locked, as the dispatcher would for a
// single-key command, and counts the call as a command of the session.
func (e *Engine) withKey(s *Session, key []byte, fn func(c *Ctx)) {
	e.withHashedKey(s, key, e.ks.hash(key), fn)
}

// withHashedKey is withKey for a key whose hash h the caller has.
func (e *Engine) withHashedKey(s *Session, key []byte, h uint64, fn func(c *Ctx)) {
	i := e.ks.shardOf(h)
	c := s.pushCtx()
	// The hint spares the operation's lookup a second hash of the key.
	c.reset(nil, nil, nil, keyHint{p: unsafe.SliceData(key), n: len(key), h: h})
	e.ks.shards[i].lock()
	fn(c)
	if c.nwritten > 0 {
		c.reconcileWritten()
		c.forgetWritten()
	}
	c.found = nil // hold no entry alive after the call
	e.ks.shards[i].cmds++
	if len(s.ready) > 0 {
		s.locks = append(s.locks[:0], i)
		e.unlockShards(s, s.locks)
	} else {
		e.ks.shards[i].unlock()
	}
	s.popCtx()
	s.touch(e.coarseMs())
}

// typedCmds are the commands the typed operations stand for, looked up once:
// their checks read the command table through them.
type typedCmds struct {
	get, set, incrby, pexpire, publish, hset, hget, hgetall *Command
	lpush, rpush, lpop, rpop, sadd, sismember, zadd, zscore *Command
	zrank, zrevrank, zrange, zrevrange                      *Command
}

func (t *typedCmds) init(tb *table) {
	l := func(name string) *Command { return tb.Lookup([]byte(name)) }
	t.get, t.set, t.incrby, t.pexpire, t.publish = l("get"), l("set"), l("incrby"), l("pexpire"), l("publish")
	t.hset, t.hget, t.hgetall = l("hset"), l("hget"), l("hgetall")
	t.lpush, t.rpush, t.lpop, t.rpop = l("lpush"), l("rpush"), l("lpop"), l("rpop")
	t.sadd, t.sismember = l("sadd"), l("sismember")
	t.zadd, t.zscore, t.zrank, t.zrevrank, t.zrange, t.zrevrange = l("zadd"), l("zscore"), l("zrank"), l("zrevrank"), l("zrange"), l("zrevrange")
}

// refused is the dispatcher's checks for a typed call of cmd, made as for
// cmd with key (or channel) as its first argument, in processCommand's
// order: the ACL check (one atomic load while the user may run everything),
// then eviction under maxmemory, refusing cmd if Redis marks it denyoom and
// the data still does not fit. It returns the refusal's text (recorded in
// ACL LOG for an ACL one), or "". Out of the box (no ACL rules, no
// maxmemory) it costs two loads.
func (e *Engine) refused(s *Session, cmd *Command, key string) string {
	if s.user.open.Load() && e.conf().MaxMemory == 0 {
		return ""
	}
	return e.checkTyped(s, cmd, key)
}

// checkTyped is refused's checks when some apply.
func (e *Engine) checkTyped(s *Session, cmd *Command, key string) string {
	if !s.user.open.Load() {
		if msg := e.aclTyped(s, cmd, key); msg != "" {
			return msg
		}
	}
	if !e.performEvictions() && cmd.Spec.Has(cmdspec.DenyOOM) {
		return ErrOOM
	}
	return ""
}

// aclTyped is refused's ACL check for a user with rules.
func (e *Engine) aclTyped(s *Session, cmd *Command, key string) string {
	argv := [][]byte{[]byte(cmd.Name), []byte(key)}
	w := NewCapture(2)
	if e.aclRefused(s, cmd, argv, w) {
		return w.Replies()[0].Str
	}
	return ""
}

// Get is GET: the value, whether the key exists, and a Redis error text
// (WRONGTYPE) or "". The returned string shares the stored bytes, which are
// never modified in place once read (see entry), so it stays valid after the
// key changes.
func (e *Engine) Get(s *Session, key string) (val string, found bool, err string) {
	if err = e.refused(s, e.typed.get, key); err != "" {
		return "", false, err
	}
	h := e.ks.hash(unsafeBytes(key))
	if val, found = e.getOptimistic(s, unsafeBytes(key), h); found {
		return val, true, ""
	}
	e.withHashedKey(s, unsafeBytes(key), h, func(c *Ctx) {
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
	if err = e.refused(s, e.typed.incrby, key); err != "" {
		return 0, err
	}
	e.withKey(s, unsafeBytes(key), func(c *Ctx) { n, err = c.incrByOp(unsafeBytes(key), by) })
	return n, err
}

// Set is SET key value with an optional absolute expiry in unix ms (0: none),
// the data operation of the SET handler without options. It fails only with
// an ACL refusal or ErrOOM.
func (e *Engine) Set(s *Session, key, val string, expireAt int64) (err string) {
	if err = e.refused(s, e.typed.set, key); err != "" {
		return err
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
	if err = e.refused(s, e.typed.pexpire, key); err != "" {
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
	if err = e.refused(s, e.typed.publish, channel); err != "" {
		return 0, err
	}
	n = e.publish(s, subChannel, unsafeBytes(channel), unsafeBytes(message), true)
	s.stats.cmds.Add(1)
	s.touch(e.coarseMs())
	return n, ""
}

// NowMs is the engine clock in unix milliseconds.
func (e *Engine) NowMs() int64 { return e.nowMs() }
