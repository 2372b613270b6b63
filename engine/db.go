package engine

import (
	"math/rand/v2"
	"unsafe"
)

// This file holds the keyspace operations handlers build on. Every function
// here assumes the dispatcher holds the lock of the key's shard.

// slot finds the shard and database dict a key lives in.
func (c *Ctx) slot(h uint64, db int) (*shard, *dict) {
	sh := &c.e.ks.shards[c.e.ks.shardOf(h)]
	return sh, &sh.dbs[db]
}

// slotOf is slot for e, an entry of database db. The shard is chosen by the
// low half of the key's hash, which the entry does not keep: it comes from
// the command's last lookup or insert when that returned e (c.found), and
// otherwise from hashing the key again.
func (c *Ctx) slotOf(e *entry, db int) (*shard, *dict) {
	if e == c.found {
		return c.slot(c.foundHash, db)
	}
	return c.slot(c.e.ks.hash(e.keyBytes()), db)
}

// lookupDB returns the live entry for key in database db, deleting it first if
// it has expired (Redis's lazy expiry).
func (c *Ctx) lookupDB(key []byte, db int) *entry {
	h := c.hash(key)
	sh, d := c.slot(h, db)
	e := d.find(h, key)
	if e != nil && c.expiredIn(d, e) {
		c.e.expireEntry(c.s, sh, d, e, db)
		return nil
	}
	if e != nil {
		c.found, c.foundHash = e, h
	}
	return e
}

// expireEntry deletes en, whose TTL has passed, from database db of shard sh
// (locked), as Redis's deleteExpiredKeyAndPropagate: counted in INFO, an
// "expired" event, and WATCHers signalled. self is the session whose command
// found it (nil for the active expire cycle).
func (e *Engine) expireEntry(self *Session, sh *shard, d *dict, en *entry, db int) {
	d.remove(en)
	e.account(sh, d, -en.counted())
	en.flags |= flagGone
	sh.expired++
	key := en.keyBytes()
	e.notifyDB(self, notifyExpired, "expired", key, db)
	e.touchWatched(key, db)
}

// expiredIn reports whether e's TTL (in dict d) has passed. As Redis's
// keyIsExpired, a key lives through the millisecond of its expiry and is
// gone one millisecond later.
func (c *Ctx) expiredIn(d *dict, e *entry) bool {
	return e.ttlIdx >= 0 && d.ttl[e.ttlIdx].at < c.nowMs()
}

// ttlOf is the expiry (unix ms, 0 for none) of e, which lives in database db.
func (c *Ctx) ttlOf(e *entry, db int) int64 {
	_, d := c.slotOf(e, db)
	return d.expireOf(e)
}

// lookup returns the live entry for key in the session's database, without
// touching statistics or access time (used by writes and by TYPE/EXISTS-like
// checks that Redis does not count as hits).
func (c *Ctx) lookup(key []byte) *entry { return c.lookupDB(key, c.db) }

// lookupRead is lookup for commands that read the value: it counts a keyspace
// hit or miss and records the access time, as Redis's lookupKeyRead does.
func (c *Ctx) lookupRead(key []byte) *entry {
	e := c.lookup(key)
	sh := &c.e.ks.shards[c.e.ks.shardOf(c.hash(key))]
	if e == nil {
		sh.misses++
		c.notify(notifyKeyMiss, "keymiss", key)
		return nil
	}
	sh.hits++
	c.touch(e)
	return e
}

// touch records an access (LRU time or LFU counter) unless the client asked
// not to.
func (c *Ctx) touch(e *entry) {
	if !c.s.flags.noTouch {
		c.e.recordAccess(e)
	}
}

// addDB inserts a new key (which must not exist) of type typ into database db
// and returns it; the caller stores the value.
func (c *Ctx) addDB(key []byte, db int, typ valueType) *entry {
	return c.insertDB(key, db, typ, nil)
}

// insertDB is addDB storing val as a string value in the same allocation.
func (c *Ctx) insertDB(key []byte, db int, typ valueType, val []byte) *entry {
	h := c.hash(key)
	sh, d := c.slot(h, db)
	e := &entry{hash: keyHash(h), ttlIdx: -1, typ: typ, access: c.e.initAccess(), klen: uint32(len(key)), flags: flagFresh}
	kv, n := newKV(key, len(val))
	e.setKV(kv, n, len(val))
	if len(val) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Add(e.kv, len(key))), len(val)), val)
	}
	d.insert(e)
	c.found, c.foundHash = e, h
	c.e.account(sh, d, e.counted())
	c.noteWrite(e, db)
	c.notifyDB(notifyNew, "new", key, db)
	if typ == typeList || typ == typeZSet {
		c.signalReady(key, db, typ)
	}
	return e
}

func (c *Ctx) add(key []byte, typ valueType) *entry { return c.addDB(key, c.db, typ) }

// removeDB deletes e from database db.
func (c *Ctx) removeDB(e *entry, db int) {
	sh, d := c.slotOf(e, db)
	d.remove(e)
	c.e.account(sh, d, -e.counted())
	e.flags |= flagGone
}

func (c *Ctx) remove(e *entry) { c.removeDB(e, c.db) }

// setExpire sets e's absolute expiry in unix ms (0 removes it).
func (c *Ctx) setExpireDB(e *entry, db int, at int64) {
	if at == 0 && e.ttlIdx < 0 {
		return // nothing to change: spare slotOf's hashing
	}
	_, d := c.slotOf(e, db)
	d.setExpire(e, at)
}

func (c *Ctx) setExpire(e *entry, at int64) { c.setExpireDB(e, c.db, at) }

// replaceKV gives e new key/value bytes with room for n value bytes (the
// first keep bytes of the old value copied), keeping the shard's accounting.
func (c *Ctx) replaceKV(e *entry, db, n, keep int) {
	sh, d := c.slotOf(e, db)
	before, old := e.kvSize(), e.val()
	kv, room := newKV(e.keyBytes(), n)
	e.setKV(kv, room, keep)
	copy(unsafe.Slice((*byte)(unsafe.Add(e.kv, e.klen)), keep), old[:keep])
	c.e.account(sh, d, e.kvSize()-before)
}

// storeValue makes e a string holding a copy of val, in new bytes so that
// strings already handed out keep their value. Bytes nobody has read
// (flagFresh) are overwritten instead when val takes the same room a new
// allocation would: a counter or a value rewritten without reads allocates
// once.
func (c *Ctx) storeValue(e *entry, val []byte) {
	if e.typ == typeString && e.flags&flagFresh != 0 && e.valCap() == allocSize(int(e.klen)+len(val))-int(e.klen) {
		copy(e.peek()[:len(val)], val)
	} else {
		c.setObject(e, nil)
		c.replaceKV(e, c.db, len(val), 0)
		copy(unsafe.Slice((*byte)(unsafe.Add(e.kv, e.klen)), len(val)), val)
	}
	e.setLen(len(val))
	e.flags = flagFresh
}

// appendValue appends val to e's string value in place when it fits (bytes
// past the old length only) or in a new allocation that leaves room to grow
// as Redis's sds does (double up to 1 MB, then 1 MB more).
func (c *Ctx) appendValue(e *entry, val []byte) {
	n := int(e.vlen) + len(val)
	if n > e.valCap() {
		room := n * 2
		if n >= 1<<20 {
			room = n + 1<<20
		}
		c.replaceKV(e, c.db, room, int(e.vlen))
	}
	copy(unsafe.Slice((*byte)(unsafe.Add(e.kv, int(e.klen)+int(e.vlen))), len(val)), val)
	e.setLen(n)
	e.flags |= flagRaw
}

// setObject makes e (in the command's database) hold obj (nil for a string
// about to be stored), dropping a string value's bytes.
func (c *Ctx) setObject(e *entry, obj any) { c.setObjectDB(e, c.db, obj) }

// setObjectDB is setObject for an entry of database db.
func (c *Ctx) setObjectDB(e *entry, db int, obj any) {
	if obj == nil && e.value() == nil {
		e.typ, e.flags = typeString, 0 // string to string: nothing to account
		return
	}
	sh, d := c.slotOf(e, db)
	if a, ok := e.value().(accounted); ok {
		c.e.account(sh, d, -a.account().acct)
	}
	if e.valCap() > 0 && obj != nil {
		c.replaceKV(e, db, 0, 0)
	}
	e.hold(obj)
	e.flags = 0
	if a, ok := obj.(accounted); ok {
		m := a.account()
		m.acct = a.memUsage()
		c.e.account(sh, d, m.acct)
	}
}

// setString stores val under key as a new string value, replacing whatever was
// there. keepTTL keeps an existing expiry (SET KEEPTTL); otherwise the key gets
// expireAt (0 = none). The value is copied.
func (c *Ctx) setString(key, val []byte, expireAt int64, keepTTL bool) *entry {
	e := c.lookup(key)
	if e == nil {
		e = c.insertDB(key, c.db, typeString, val)
	} else {
		c.storeValue(e, val)
	}
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
	c.notify(notifyGeneric, "del", e.keyBytes())
}

// removed ends a command that removed n members of e's collection (HDEL,
// SREM, ZREM...): when n > 0 it publishes event and deletes the key if the
// removal left it empty, then replies n (Redis's order, which a client
// subscribed to its own keyspace events observes).
func (c *Ctx) removed(e *entry, n int, class notifyClass, event string, empty bool) {
	if n > 0 {
		c.keyChanged(e.keyBytes(), class, event)
		if empty {
			c.deleteEmpty(e)
		}
	}
	c.w.Int(int64(n))
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
			if c.expiredIn(d, e) {
				c.e.expireEntry(c.s, &c.e.ks.shards[i], d, e, db)
				break // sample again: the count changed
			}
			return e
		}
	}
}

func randIntN(n int) int { return rand.IntN(n) }
