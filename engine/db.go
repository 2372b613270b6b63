package engine

import "math/rand/v2"

// This file holds the keyspace operations handlers build on. Every function
// here assumes the dispatcher holds the lock of the key's shard.

// slot finds the shard and database dict a key lives in.
func (c *Ctx) slot(h uint64, db int) (*shard, *dict) {
	sh := &c.e.ks.shards[c.e.ks.shardOf(h)]
	return sh, &sh.dbs[db]
}

// lookupDB returns the live entry for key in database db, deleting it first if
// it has expired (Redis's lazy expiry).
func (c *Ctx) lookupDB(key []byte, db int) *entry {
	h := c.e.ks.hash(key)
	sh, d := c.slot(h, db)
	e := d.find(h, key)
	if e != nil && c.expired(e) {
		c.e.expireEntry(c.s, sh, d, e, db)
		return nil
	}
	return e
}

// expireEntry deletes en, whose TTL has passed, from database db of shard sh
// (locked), as Redis's deleteExpiredKeyAndPropagate: counted in INFO, an
// "expired" event, and WATCHers signalled. self is the session whose command
// found it (nil for the active expire cycle).
func (e *Engine) expireEntry(self *Session, sh *shard, d *dict, en *entry, db int) {
	d.remove(en)
	sh.expired++
	key := unsafeBytes(en.key)
	e.notifyDB(self, notifyExpired, "expired", key, db)
	e.touchWatched(key, db)
}

// expired reports whether e's TTL has passed. As Redis's keyIsExpired, a key
// lives through the millisecond of its expiry and is gone one millisecond later.
func (c *Ctx) expired(e *entry) bool { return e.expireAt != 0 && e.expireAt < c.nowMs() }

// lookup returns the live entry for key in the session's database, without
// touching statistics or access time (used by writes and by TYPE/EXISTS-like
// checks that Redis does not count as hits).
func (c *Ctx) lookup(key []byte) *entry { return c.lookupDB(key, c.db) }

// lookupRead is lookup for commands that read the value: it counts a keyspace
// hit or miss and records the access time, as Redis's lookupKeyRead does.
func (c *Ctx) lookupRead(key []byte) *entry {
	e := c.lookup(key)
	sh := &c.e.ks.shards[c.e.ks.shardOf(c.e.ks.hash(key))]
	if e == nil {
		sh.misses++
		c.notify(notifyKeyMiss, "keymiss", key)
		return nil
	}
	sh.hits++
	c.touch(e)
	return e
}

// touch records an access for OBJECT IDLETIME unless the client asked not to.
func (c *Ctx) touch(e *entry) {
	if !c.s.flags.noTouch {
		e.access = c.e.lruClock()
	}
}

// add inserts a new key (which must not exist) into database db and returns it.
func (c *Ctx) addDB(key []byte, db int, typ valueType) *entry {
	h := c.e.ks.hash(key)
	_, d := c.slot(h, db)
	e := &entry{key: string(key), hash: h, ttlIdx: -1, typ: typ, access: c.e.lruClock()}
	d.insert(e)
	c.notifyDB(notifyNew, "new", key, db)
	if typ == typeList || typ == typeZSet {
		c.signalReady(key, db, typ)
	}
	return e
}

func (c *Ctx) add(key []byte, typ valueType) *entry { return c.addDB(key, c.db, typ) }

// remove deletes e from database db.
func (c *Ctx) removeDB(e *entry, db int) {
	_, d := c.slot(e.hash, db)
	d.remove(e)
}

func (c *Ctx) remove(e *entry) { c.removeDB(e, c.db) }

// setExpire sets e's absolute expiry in unix ms (0 removes it).
func (c *Ctx) setExpireDB(e *entry, db int, at int64) {
	_, d := c.slot(e.hash, db)
	d.setExpire(e, at)
}

func (c *Ctx) setExpire(e *entry, at int64) { c.setExpireDB(e, c.db, at) }

// setString stores val under key as a new string value, replacing whatever was
// there. keepTTL keeps an existing expiry (SET KEEPTTL); otherwise the key gets
// expireAt (0 = none). The value is copied.
func (c *Ctx) setString(key, val []byte, expireAt int64, keepTTL bool) *entry {
	e := c.lookup(key)
	if e == nil {
		e = c.add(key, typeString)
	} else {
		e.typ, e.obj = typeString, nil
	}
	e.str = append([]byte(nil), val...)
	e.raw = false
	if !keepTTL {
		c.setExpire(e, expireAt)
	}
	return e
}

// lookupString returns key's string value. ok is false when the key is
// missing; wrong is true (and a WRONGTYPE reply is due) when it holds another type.
func (c *Ctx) lookupString(key []byte) (e *entry, wrong bool) {
	e = c.lookupRead(key)
	if e != nil && e.typ != typeString {
		return nil, true
	}
	return e, false
}

// lookupReadType is Redis's lookupKeyRead followed by checkType: the live
// entry for key (nil when missing, counted as a miss) if it holds type t. When
// it holds another type it writes WRONGTYPE and returns ok false, so a handler
// does
//
//	e, ok := c.lookupReadType(key, typeHash)
//	if !ok { return }
//	if e == nil { c.w.Null(); return }
func (c *Ctx) lookupReadType(key []byte, t valueType) (e *entry, ok bool) {
	return c.checkType(c.lookupRead(key), t)
}

// lookupWriteType is lookupReadType for commands about to modify the key
// (Redis's lookupKeyWrite: no hit or miss is counted).
func (c *Ctx) lookupWriteType(key []byte, t valueType) (e *entry, ok bool) {
	return c.checkType(c.lookupWrite(key), t)
}

func (c *Ctx) checkType(e *entry, t valueType) (*entry, bool) {
	if e != nil && e.typ != t {
		c.w.Error(ErrWrongType)
		return nil, false
	}
	return e, true
}

// deleteEmpty removes an aggregate whose last element a command removed, as
// Redis deletes empty hashes, sets, sorted sets and lists, and publishes the
// "del" event that follows the command's own.
func (c *Ctx) deleteEmpty(e *entry) {
	c.remove(e)
	c.notify(notifyGeneric, "del", unsafeBytes(e.key))
}

// keyCount is the number of keys in database db; every shard must be locked.
func (c *Ctx) keyCount(db int) int {
	n := 0
	for i := range c.e.ks.shards {
		n += c.e.ks.shards[i].dbs[db].count
	}
	return n
}

// randomEntry returns a random live key of database db, or nil if it is empty.
// Every shard must be locked. It picks a shard weighted by its key count, then
// a random bucket: O(shards + 1) expected, independent of the number of keys.
func (c *Ctx) randomEntry(db int) *entry {
	for {
		total := c.keyCount(db)
		if total == 0 {
			return nil
		}
		r := rand.IntN(total)
		for i := range c.e.ks.shards {
			d := &c.e.ks.shards[i].dbs[db]
			if r >= d.count {
				r -= d.count
				continue
			}
			e := d.random()
			if c.expired(e) {
				c.e.expireEntry(c.s, &c.e.ks.shards[i], d, e, db)
				break // sample again: the count changed
			}
			return e
		}
	}
}

func randIntN(n int) int { return rand.IntN(n) }
