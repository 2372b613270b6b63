package engine

import (
	"math"
)

var keyCommands = []cmdDef{
	{name: "del", handler: cmdDel},
	{name: "unlink", handler: cmdDel},
	{name: "exists", handler: cmdExists},
	{name: "type", handler: cmdType},
	{name: "rename", handler: cmdRename},
	{name: "renamenx", handler: cmdRenamenx},
	{name: "copy", handler: cmdCopy},
	{name: "move", handler: cmdMove},
	{name: "expire", handler: cmdExpire},
	{name: "pexpire", handler: cmdPexpire},
	{name: "expireat", handler: cmdExpireat},
	{name: "pexpireat", handler: cmdPexpireat},
	{name: "ttl", handler: cmdTTL},
	{name: "pttl", handler: cmdPTTL},
	{name: "expiretime", handler: cmdExpiretime},
	{name: "pexpiretime", handler: cmdPexpiretime},
	{name: "persist", handler: cmdPersist},
	{name: "touch", handler: cmdTouch},
	{name: "randomkey", handler: cmdRandomkey, opts: lockAll},
	{name: "keys", handler: cmdKeys, opts: lockAll},
	{name: "scan", handler: cmdScan, opts: lockAll},
	{name: "dbsize", handler: cmdDbsize, opts: lockAll},
	{name: "flushdb", handler: cmdFlushdb, opts: lockAll},
	{name: "flushall", handler: cmdFlushall, opts: lockAll},
	{name: "swapdb", handler: cmdSwapdb, opts: lockAll},
	{name: "object|encoding", handler: cmdObjectEncoding},
	{name: "object|freq", handler: cmdObjectFreq},
	{name: "object|idletime", handler: cmdObjectIdletime},
	{name: "object|refcount", handler: cmdObjectRefcount},
	{name: "object|help", handler: cmdObjectHelp},
}

// DEL key [key ...] (UNLINK is the same here: values are freed by Go's GC)
func cmdDel(c *Ctx) {
	n := 0
	for _, k := range c.argv[1:] {
		if e := c.lookup(k); e != nil {
			c.remove(e)
			c.keyChanged(k, notifyGeneric, "del")
			n++
		}
	}
	c.w.Int(int64(n))
}

// EXISTS key [key ...]
func cmdExists(c *Ctx) {
	n := 0
	for _, k := range c.argv[1:] {
		if c.lookupStat(k) != nil {
			n++
		}
	}
	c.w.Int(int64(n))
}

// lookupStat looks a key up counting a hit or miss but without recording an
// access (Redis's LOOKUP_NOTOUCH), as EXISTS, TYPE and TTL do.
func (c *Ctx) lookupStat(key []byte) *entry {
	noTouch := c.s.flags.noTouch
	c.s.flags.noTouch = true
	e := c.lookupRead(key)
	c.s.flags.noTouch = noTouch
	return e
}

// lookupWriteDB is Redis's lookupKeyWrite: a lookup for a command about to
// modify the key, which records an access (OBJECT IDLETIME) but counts no
// keyspace hit or miss.
func (c *Ctx) lookupWriteDB(key []byte, db int) *entry {
	e := c.lookupDB(key, db)
	if e != nil {
		c.touch(e)
		c.noteWrite(e, db)
	}
	return e
}

func (c *Ctx) lookupWrite(key []byte) *entry { return c.lookupWriteDB(key, c.db) }

// TYPE key
func cmdType(c *Ctx) {
	if e := c.lookupStat(c.argv[1]); e != nil {
		c.w.Status(e.typ.String())
	} else {
		c.w.Status("none")
	}
}

// RENAME key newkey
func cmdRename(c *Ctx) { c.rename(false) }

// RENAMENX key newkey
func cmdRenamenx(c *Ctx) { c.rename(true) }

func (c *Ctx) rename(nx bool) {
	src, dst := c.argv[1], c.argv[2]
	e := c.lookupWrite(src)
	if e == nil {
		c.w.Error(ErrNoSuchKey)
		return
	}
	switch {
	case string(src) == string(dst):
		if nx {
			c.w.Int(0)
			return
		}
	case c.lookupWrite(dst) != nil && nx:
		c.w.Int(0)
		return
	default:
		if old := c.lookupWrite(dst); old != nil {
			c.remove(old)
		}
		c.moveEntry(e, dst, c.db, c.db, e.value(), true)
		c.signalModified(src)
		c.signalModified(dst)
		c.notify(notifyGeneric, "rename_from", src)
		c.notify(notifyGeneric, "rename_to", dst)
	}
	if nx {
		c.w.Int(1)
	} else {
		c.w.Status("OK")
	}
}

// moveEntry stores e's value (or obj, a copy of it) under key in database
// dstDB with e's TTL, removing the source entry when move is set.
func (c *Ctx) moveEntry(e *entry, key []byte, srcDB, dstDB int, obj any, move bool) {
	ttl := c.ttlOf(e, srcDB)
	n := c.insertDB(key, dstDB, e.typ, e.val())
	n.flags, n.access = e.flags, e.access
	if obj != nil {
		c.setObjectDB(n, dstDB, obj)
	}
	c.setExpireDB(n, dstDB, ttl)
	if move {
		c.removeDB(e, srcDB)
	}
}

// dbArg parses a database index argument as Redis's getIntFromObjectOrReply
// does: a non-integer gets errMsg, and so does a number outside C's int unless
// errMsg is the default ErrNotInt, in which case Redis names the range.
// Indexes outside the configured databases get "DB index is out of range".
func (c *Ctx) dbArg(i int, errMsg string) (int, bool) {
	n, ok := c.dbIndex(i, errMsg)
	if !ok {
		return 0, false
	}
	if !c.validDB(n) {
		c.w.Error(ErrDBIndex)
		return 0, false
	}
	return int(n), true
}

// dbIndex parses argument i as a C int, replying errMsg if it is not one:
// the first half of dbArg, for SWAPDB, which parses both indexes before
// checking either's range.
func (c *Ctx) dbIndex(i int, errMsg string) (int64, bool) {
	n, ok := parseInt(c.argv[i])
	if !ok {
		c.w.Error(errMsg)
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		if errMsg == ErrNotInt {
			errMsg = errIntRange
		}
		c.w.Error(errMsg)
		return 0, false
	}
	return n, true
}

// validDB reports whether n is a database index.
func (c *Ctx) validDB(n int64) bool { return n >= 0 && n < int64(len(c.e.ks.shards[0].dbs)) }

// errIntRange is getIntFromObjectOrReply's error for a number outside C's int.
const errIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647"

// COPY source destination [DB destination-db] [REPLACE]
func cmdCopy(c *Ctx) {
	dstDB, replace := c.db, false
	for j := 3; j < len(c.argv); j++ {
		switch {
		case eqFold(c.argv[j], "replace"):
			replace = true
		case eqFold(c.argv[j], "db") && j+1 < len(c.argv):
			db, ok := c.dbArg(j+1, ErrNotInt)
			if !ok {
				return
			}
			dstDB = db
			j++
		default:
			c.w.Error(ErrSyntax)
			return
		}
	}
	src, dst := c.argv[1], c.argv[2]
	if dstDB == c.db && string(src) == string(dst) {
		c.w.Error(ErrSameObject)
		return
	}
	e := c.lookupRead(src)
	if e == nil {
		c.w.Int(0)
		return
	}
	if old := c.lookupWriteDB(dst, dstDB); old != nil {
		if !replace {
			c.w.Int(0)
			return
		}
		c.removeDB(old, dstDB)
	}
	c.moveEntry(e, dst, c.db, dstDB, cloneValue(e.value()), false)
	c.signalModifiedDB(dst, dstDB)
	c.notifyDB(notifyGeneric, "copy_to", dst, dstDB)
	c.w.Int(1)
}

func cloneValue(v any) any {
	if o, ok := v.(object); ok {
		return o.clone()
	}
	return v // strings: entry.str is immutable below its length, so sharing is safe
}

// MOVE key db
func cmdMove(c *Ctx) {
	dstDB, ok := c.dbArg(2, ErrNotInt)
	if !ok {
		return
	}
	if dstDB == c.db {
		c.w.Error(ErrSameObject)
		return
	}
	e := c.lookupWrite(c.argv[1])
	if e == nil || c.lookupWriteDB(c.argv[1], dstDB) != nil {
		c.w.Int(0)
		return
	}
	key := c.argv[1]
	c.moveEntry(e, key, c.db, dstDB, e.value(), true)
	c.signalModified(key)
	c.signalModifiedDB(key, dstDB)
	c.notify(notifyGeneric, "move_from", key)
	c.notifyDB(notifyGeneric, "move_to", key, dstDB)
	c.w.Int(1)
}

// EXPIRE key seconds [NX | XX | GT | LT]
func cmdExpire(c *Ctx) { c.expireGeneric(c.nowMs(), 1000) }

// PEXPIRE key milliseconds [NX | XX | GT | LT]
func cmdPexpire(c *Ctx) { c.expireGeneric(c.nowMs(), 1) }

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
func cmdExpireat(c *Ctx) { c.expireGeneric(0, 1000) }

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
func cmdPexpireat(c *Ctx) { c.expireGeneric(0, 1) }

// expireGeneric is the EXPIRE family: the argument times unit (ms) plus base
// is the new absolute expiry. A time in the past deletes the key.
func (c *Ctx) expireGeneric(base, unit int64) {
	var nx, xx, gt, lt bool
	for _, opt := range c.argv[3:] {
		switch {
		case eqFold(opt, "nx"):
			nx = true
		case eqFold(opt, "xx"):
			xx = true
		case eqFold(opt, "gt"):
			gt = true
		case eqFold(opt, "lt"):
			lt = true
		default:
			c.w.Error("ERR Unsupported option " + string(opt))
			return
		}
	}
	if nx && (xx || gt || lt) {
		c.w.Error(ErrExpireNXOptions)
		return
	}
	if gt && lt {
		c.w.Error(ErrExpireGTLT)
		return
	}
	when, ok := c.intArg(2)
	if !ok {
		return
	}
	if unit == 1000 && (when > math.MaxInt64/1000 || when < math.MinInt64/1000) {
		c.w.Error(errInvalidExpire(c.cmd.Name))
		return
	}
	when *= unit
	if when > math.MaxInt64-base {
		c.w.Error(errInvalidExpire(c.cmd.Name))
		return
	}
	if c.expireOp(c.argv[1], when+base, nx, xx, gt, lt) {
		c.w.Int(1)
	} else {
		c.w.Int(0)
	}
}

// expireOp gives key the absolute expiry when (unix ms) if the NX/XX/GT/LT
// condition holds, deleting it if when has passed, and reports whether the
// key exists and the condition held.
func (c *Ctx) expireOp(key []byte, when int64, nx, xx, gt, lt bool) bool {
	e := c.lookupWrite(key)
	if e == nil {
		return false
	}
	cur := c.ttlOf(e, c.db)
	if (nx && cur != 0) || (xx && cur == 0) || (gt && (cur == 0 || when <= cur)) || (lt && cur != 0 && when >= cur) {
		return false
	}
	if when <= c.nowMs() {
		c.remove(e)
		c.keyChanged(key, notifyGeneric, "del")
	} else {
		c.setExpire(e, when)
		c.eventsAfterReply() // Redis replies before it publishes "expire" (not "del")
		c.keyChanged(key, notifyGeneric, "expire")
	}
	return true
}

// TTL key
func cmdTTL(c *Ctx) { c.ttlGeneric(false, false) }

// PTTL key
func cmdPTTL(c *Ctx) { c.ttlGeneric(true, false) }

// EXPIRETIME key
func cmdExpiretime(c *Ctx) { c.ttlGeneric(false, true) }

// PEXPIRETIME key
func cmdPexpiretime(c *Ctx) { c.ttlGeneric(true, true) }

// ttlGeneric replies -2 for a missing key, -1 for no expiry, else the
// remaining (or, abs, absolute) time in ms or rounded seconds.
func (c *Ctx) ttlGeneric(ms, abs bool) {
	e := c.lookupStat(c.argv[1])
	var t int64
	if e != nil {
		t = c.ttlOf(e, c.db)
	}
	switch {
	case e == nil:
		c.w.Int(-2)
	case t == 0:
		c.w.Int(-1)
	default:
		if !abs {
			t = max(t-c.nowMs(), 0)
		}
		if !ms {
			t = (t + 500) / 1000
		}
		c.w.Int(t)
	}
}

// PERSIST key
func cmdPersist(c *Ctx) {
	e := c.lookupWrite(c.argv[1])
	if e == nil || c.ttlOf(e, c.db) == 0 {
		c.w.Int(0)
		return
	}
	c.setExpire(e, 0)
	c.keyChanged(c.argv[1], notifyGeneric, "persist")
	c.w.Int(1)
}

// TOUCH key [key ...]
func cmdTouch(c *Ctx) {
	n := 0
	for _, k := range c.argv[1:] {
		if c.lookupRead(k) != nil {
			n++
		}
	}
	c.w.Int(int64(n))
}

// RANDOMKEY
func cmdRandomkey(c *Ctx) {
	if e := c.randomEntry(c.db); e != nil {
		c.w.BulkString(e.key())
	} else {
		c.w.Null()
	}
}

// KEYS pattern
func cmdKeys(c *Ctx) {
	var keys []string
	pat := c.argv[1]
	all := len(pat) == 1 && pat[0] == '*'
	for i := range c.e.ks.shards {
		d := &c.e.ks.shards[i].dbs[c.db]
		d.each(func(e *entry) {
			// Redis's keyIsExpired: a key lives through its expiry millisecond.
			if c.expiredIn(d, e) {
				return
			}
			if all || globMatch(pat, e.key(), false) {
				keys = append(keys, e.key())
			}
		})
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		c.w.BulkString(k)
	}
}

// DBSIZE
func cmdDbsize(c *Ctx) { c.w.Int(int64(c.keyCount(c.db))) }

// flushMode parses FLUSHDB/FLUSHALL's optional ASYNC|SYNC; both free at once
// here since Go's collector reclaims the values.
func (c *Ctx) flushMode() bool {
	if len(c.argv) > 2 || (len(c.argv) == 2 && !eqFold(c.argv[1], "sync") && !eqFold(c.argv[1], "async")) {
		c.w.Error(ErrSyntax)
		return false
	}
	return true
}

// FLUSHDB [ASYNC | SYNC]
func cmdFlushdb(c *Ctx) {
	if !c.flushMode() {
		return
	}
	c.e.touchAllWatchedInDB(c.db, -1)
	for i := range c.e.ks.shards {
		c.e.flushDict(&c.e.ks.shards[i], c.db)
	}
	c.w.Status("OK")
}

// FLUSHALL [ASYNC | SYNC]
func cmdFlushall(c *Ctx) {
	if !c.flushMode() {
		return
	}
	for db := range c.e.ks.shards[0].dbs {
		c.e.touchAllWatchedInDB(db, -1)
	}
	for i := range c.e.ks.shards {
		for db := range c.e.ks.shards[i].dbs {
			c.e.flushDict(&c.e.ks.shards[i], db)
		}
	}
	c.w.Status("OK")
}

// SWAPDB index1 index2
func cmdSwapdb(c *Ctx) {
	x, ok := c.dbIndex(1, "ERR invalid first DB index")
	if !ok {
		return
	}
	y, ok := c.dbIndex(2, "ERR invalid second DB index")
	if !ok {
		return
	}
	if !c.validDB(x) || !c.validDB(y) {
		c.w.Error(ErrDBIndex)
		return
	}
	a, b := int(x), int(y)
	c.e.touchAllWatchedInDB(a, b)
	c.e.touchAllWatchedInDB(b, a)
	for i := range c.e.ks.shards {
		dbs := c.e.ks.shards[i].dbs
		dbs[a], dbs[b] = dbs[b], dbs[a]
	}
	// Clients blocked on a key of either database may now find it.
	c.signalReadyInDB(a)
	c.signalReadyInDB(b)
	c.w.Status("OK")
}

// objectLookup finds OBJECT's key without touching it (counting a keyspace
// hit or miss, as Redis does), replying null if absent.
func (c *Ctx) objectLookup() *entry {
	e := c.lookupStat(c.argv[2])
	if e == nil {
		c.w.Null()
	}
	return e
}

// OBJECT ENCODING key
func cmdObjectEncoding(c *Ctx) {
	if e := c.objectLookup(); e != nil {
		c.w.BulkString(e.encoding())
	}
}

// encoding is the name Redis would report for e's value at its size.
func (e *entry) encoding() string {
	if e.typ == typeString {
		return stringEncoding(e.val(), e.flags&flagRaw != 0, e.flags&flagNotInt != 0)
	}
	if o, ok := e.value().(object); ok {
		return o.encoding()
	}
	return "raw"
}

// stringEncoding follows Redis's tryObjectEncoding: integers that fit a long
// are "int" (unless notInt), short strings "embstr", long ones and strings
// modified in place (raw) "raw".
func stringEncoding(b []byte, raw bool, notInt bool) string {
	if _, ok := parseInt(b); ok && !raw && !notInt {
		return "int"
	}
	if raw || len(b) > 44 {
		return "raw"
	}
	return "embstr"
}

// OBJECT FREQ key
func cmdObjectFreq(c *Ctx) {
	e := c.objectLookup()
	switch {
	case e == nil:
	case !c.e.conf().policy.lfu():
		c.w.Error(ErrLFUNotSelected)
	default:
		c.w.Int(int64(c.e.lfuDecay(e)))
	}
}

// OBJECT IDLETIME key
func cmdObjectIdletime(c *Ctx) {
	e := c.objectLookup()
	switch {
	case e == nil:
	case c.e.conf().policy.lfu():
		c.w.Error(ErrLRUNotSelected)
	default:
		c.w.Int(max(int64(c.e.lruClock())-int64(e.access), 0))
	}
}

// OBJECT REFCOUNT key
func cmdObjectRefcount(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	// Redis shares the integer objects 0..9999, reporting INT_MAX for them.
	if n, ok := parseInt(e.val()); e.typ == typeString && ok && e.flags&^flagFresh == 0 && n >= 0 && n < 10000 {
		c.w.Int(math.MaxInt32)
		return
	}
	c.w.Int(1)
}

// OBJECT HELP
func cmdObjectHelp(c *Ctx) {
	c.help("OBJECT",
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.")
}

// help writes a subcommand help reply in Redis's addReplyHelp layout.
func (c *Ctx) help(cmd string, lines ...string) {
	c.w.Array(len(lines) + 3)
	c.w.Status(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.w.Status(l)
	}
	c.w.Status("HELP")
	c.w.Status("    Prints this help.")
}
