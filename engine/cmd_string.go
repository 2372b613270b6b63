package engine

import (
	"math"
	"strconv"
)

var stringCommands = []cmdDef{
	{name: "get", handler: cmdGet},
	{name: "set", handler: cmdSet},
	{name: "setnx", handler: cmdSetnx},
	{name: "setex", handler: cmdSetex},
	{name: "psetex", handler: cmdPsetex},
	{name: "getset", handler: cmdGetset},
	{name: "getdel", handler: cmdGetdel},
	{name: "getex", handler: cmdGetex},
	{name: "mget", handler: cmdMget},
	{name: "mset", handler: cmdMset},
	{name: "msetnx", handler: cmdMsetnx},
	{name: "append", handler: cmdAppend},
	{name: "strlen", handler: cmdStrlen},
	{name: "incr", handler: cmdIncr},
	{name: "decr", handler: cmdDecr},
	{name: "incrby", handler: cmdIncrby},
	{name: "decrby", handler: cmdDecrby},
	{name: "incrbyfloat", handler: cmdIncrbyfloat},
	{name: "getrange", handler: cmdGetrange},
	{name: "substr", handler: cmdGetrange},
	{name: "setrange", handler: cmdSetrange},
	{name: "lcs", handler: cmdLcs},
}

// GET key
func cmdGet(c *Ctx) {
	e, wrong := c.lookupString(c.argv[1])
	switch {
	case wrong:
		c.w.Error(ErrWrongType)
	case e == nil:
		c.w.Null()
	default:
		c.bulkVal(e.val())
	}
}

// setFlags are the options SET and GETEX share (Redis's OBJ_SET_* flags).
type setFlags uint16

const (
	setNX setFlags = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT

	setAnyExpire = setEX | setPX | setEXAT | setPXAT
)

// parseSetOptions reads SET's (forSet) or GETEX's options from argv[from:] as
// Redis's parseExtendedStringArgumentsOrReply does, including which
// combinations are refused. It returns the flags and the index of the expire
// argument (0 when there is none).
func (c *Ctx) parseSetOptions(from int, forSet bool) (setFlags, int, bool) {
	var f setFlags
	var expire int
	for j := from; j < len(c.argv); j++ {
		opt := c.argv[j]
		hasNext := j+1 < len(c.argv)
		switch {
		case forSet && eqFold(opt, "nx") && f&setXX == 0:
			f |= setNX
		case forSet && eqFold(opt, "xx") && f&setNX == 0:
			f |= setXX
		case forSet && eqFold(opt, "get"):
			f |= setGet
		case forSet && eqFold(opt, "keepttl") && f&(setPersist|setAnyExpire) == 0:
			f |= setKeepTTL
		case !forSet && eqFold(opt, "persist") && f&(setKeepTTL|setAnyExpire) == 0:
			f |= setPersist
		case hasNext && eqFold(opt, "ex") && f&(setKeepTTL|setPersist|setAnyExpire&^setEX) == 0:
			f |= setEX
			expire = j + 1
			j++
		case hasNext && eqFold(opt, "px") && f&(setKeepTTL|setPersist|setAnyExpire&^setPX) == 0:
			f |= setPX
			expire = j + 1
			j++
		case hasNext && eqFold(opt, "exat") && f&(setKeepTTL|setPersist|setAnyExpire&^setEXAT) == 0:
			f |= setEXAT
			expire = j + 1
			j++
		case hasNext && eqFold(opt, "pxat") && f&(setKeepTTL|setPersist|setAnyExpire&^setPXAT) == 0:
			f |= setPXAT
			expire = j + 1
			j++
		default:
			c.w.Error(ErrSyntax)
			return 0, 0, false
		}
	}
	return f, expire, true
}

// expireAt converts the EX/PX/EXAT/PXAT argument at index i to an absolute
// unix-ms time, refusing non-positive values and overflow with Redis's error.
func (c *Ctx) expireAt(i int, f setFlags) (int64, bool) {
	ms, ok := c.intArg(i)
	if !ok {
		return 0, false
	}
	seconds := f&(setEX|setEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		c.w.Error(errInvalidExpire(c.cmd.Name))
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if f&(setEX|setPX) != 0 {
		ms += c.nowMs()
		if ms <= 0 {
			c.w.Error(errInvalidExpire(c.cmd.Name))
			return 0, false
		}
	}
	return ms, true
}

func errInvalidExpire(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func cmdSet(c *Ctx) {
	f, expire, ok := c.parseSetOptions(3, true)
	if !ok {
		return
	}
	c.setGeneric(f, c.argv[1], c.argv[2], expire, false)
}

// setGeneric is SET, SETNX, SETEX and PSETEX: intReply answers 1/0 (SETNX)
// instead of OK/nil.
func (c *Ctx) setGeneric(f setFlags, key, val []byte, expire int, intReply bool) {
	var at int64
	if expire != 0 {
		var ok bool
		if at, ok = c.expireAt(expire, f); !ok {
			return
		}
	}
	if f&setGet != 0 {
		e, wrong := c.lookupString(key)
		switch {
		case wrong:
			c.w.Error(ErrWrongType)
			return
		case e == nil:
			c.w.Null()
		default:
			c.bulkVal(e.val())
		}
	}
	// Without NX or XX the key's existence does not matter: setString's own
	// lookup (with lazy expiry) is the only one, as in the typed Set.
	if f&(setNX|setXX) != 0 && (c.lookupWrite(key) != nil) == (f&setNX != 0) {
		switch {
		case f&setGet != 0:
		case intReply:
			c.w.Int(0)
		default:
			c.w.Null()
		}
		return
	}
	c.storeString(key, val, at, f&setKeepTTL != 0)
	c.notify(notifyString, "set", key)
	if expire != 0 {
		c.notify(notifyGeneric, "expire", key)
	}
	switch {
	case f&setGet != 0:
	case intReply:
		c.w.Int(1)
	default:
		c.w.Status("OK")
	}
}

// storeString is setString for the string commands: Redis stores a new value
// object, whose access time (OBJECT IDLETIME) is now, and signals the key
// modified (its setKey does; the caller publishes the event).
func (c *Ctx) storeString(key, val []byte, expireAt int64, keepTTL bool) *entry {
	e := c.setString(key, val, expireAt, keepTTL)
	e.access = c.e.initAccess()
	c.signalModified(key)
	return e
}

// SETNX key value
func cmdSetnx(c *Ctx) { c.setGeneric(setNX, c.argv[1], c.argv[2], 0, true) }

// SETEX key seconds value
func cmdSetex(c *Ctx) { c.setGeneric(setEX, c.argv[1], c.argv[3], 2, false) }

// PSETEX key milliseconds value
func cmdPsetex(c *Ctx) { c.setGeneric(setPX, c.argv[1], c.argv[3], 2, false) }

// GETSET key value
func cmdGetset(c *Ctx) { c.setGeneric(setGet, c.argv[1], c.argv[2], 0, false) }

// GETDEL key
func cmdGetdel(c *Ctx) {
	e, wrong := c.lookupString(c.argv[1])
	switch {
	case wrong:
		c.w.Error(ErrWrongType)
	case e == nil:
		c.w.Null()
	default:
		c.bulkVal(e.val())
		c.remove(e)
		c.keyChanged(c.argv[1], notifyGeneric, "del")
	}
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
func cmdGetex(c *Ctx) {
	f, expire, ok := c.parseSetOptions(2, false)
	if !ok {
		return
	}
	e, wrong := c.lookupString(c.argv[1])
	switch {
	case wrong:
		c.w.Error(ErrWrongType)
		return
	case e == nil:
		c.w.Null()
		return
	}
	var at int64
	if expire != 0 {
		if at, ok = c.expireAt(expire, f); !ok {
			return
		}
	}
	c.bulkVal(e.val())
	key := c.argv[1]
	switch {
	case f&(setEXAT|setPXAT) != 0 && at <= c.nowMs():
		c.remove(e)
		c.keyChanged(key, notifyGeneric, "del")
	case expire != 0:
		c.setExpire(e, at)
		c.keyChanged(key, notifyGeneric, "expire")
	case f&setPersist != 0 && c.ttlOf(e, c.db) != 0:
		c.setExpire(e, 0)
		c.keyChanged(key, notifyGeneric, "persist")
	}
}

// MGET key [key ...]
func cmdMget(c *Ctx) {
	c.w.Array(len(c.argv) - 1)
	for _, k := range c.argv[1:] {
		if e := c.lookupRead(k); e != nil && e.typ == typeString {
			c.bulkVal(e.val())
		} else {
			c.w.Null()
		}
	}
}

// MSET key value [key value ...]
func cmdMset(c *Ctx) {
	if len(c.argv)%2 == 0 {
		c.w.Error(errWrongArgs(c.cmd.Name))
		return
	}
	for i := 1; i < len(c.argv); i += 2 {
		c.storeString(c.argv[i], c.argv[i+1], 0, false)
		c.notify(notifyString, "set", c.argv[i])
	}
	c.w.Status("OK")
}

// MSETNX key value [key value ...]
func cmdMsetnx(c *Ctx) {
	if len(c.argv)%2 == 0 {
		c.w.Error(errWrongArgs(c.cmd.Name))
		return
	}
	for i := 1; i < len(c.argv); i += 2 {
		if c.lookupWrite(c.argv[i]) != nil {
			c.w.Int(0)
			return
		}
	}
	for i := 1; i < len(c.argv); i += 2 {
		c.storeString(c.argv[i], c.argv[i+1], 0, false)
		c.notify(notifyString, "set", c.argv[i])
	}
	c.w.Int(1)
}

// checkStringLength refuses a string that would exceed proto-max-bulk-len.
func (c *Ctx) checkStringLength(size, add int64) bool {
	total := size + add
	if total > c.e.Config().ProtoMaxBulkLen || total < size || total < add {
		c.w.Error(ErrStringTooLong)
		return false
	}
	return true
}

// APPEND key value
func cmdAppend(c *Ctx) {
	key, val := c.argv[1], c.argv[2]
	e := c.lookupWrite(key)
	if e == nil {
		c.storeString(key, val, 0, false)
		c.notify(notifyString, "append", key)
		c.w.Int(int64(len(val)))
		return
	}
	if e.typ != typeString {
		c.w.Error(ErrWrongType)
		return
	}
	if !c.checkStringLength(int64(e.vlen), int64(len(val))) {
		return
	}
	// Appending past the old length never changes bytes a reader may hold.
	c.appendValue(e, val)
	c.keyChanged(key, notifyString, "append")
	c.w.Int(int64(e.vlen))
}

// STRLEN key
func cmdStrlen(c *Ctx) {
	e, wrong := c.lookupString(c.argv[1])
	switch {
	case wrong:
		c.w.Error(ErrWrongType)
	case e == nil:
		c.w.Int(0)
	default:
		c.w.Int(int64(int(e.vlen)))
	}
}

// INCR key
func cmdIncr(c *Ctx) { c.incrBy(1) }

// DECR key
func cmdDecr(c *Ctx) { c.incrBy(-1) }

// INCRBY key increment
func cmdIncrby(c *Ctx) {
	if n, ok := c.intArg(2); ok {
		c.incrBy(n)
	}
}

// DECRBY key decrement
func cmdDecrby(c *Ctx) {
	n, ok := c.intArg(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.w.Error("ERR decrement would overflow")
		return
	}
	c.incrBy(-n)
}

// incrBy is INCR/DECR/INCRBY/DECRBY: the stored value must be an integer
// string, and the result must not overflow int64. The TTL is kept.
func (c *Ctx) incrBy(by int64) {
	n, err := c.incrByOp(c.argv[1], by)
	if err != "" {
		c.w.Error(err)
		return
	}
	c.w.Int(n)
}

// incrByOp is the data operation behind INCR and friends; it returns the new
// value or a Redis error text. The key's shard must be locked.
func (c *Ctx) incrByOp(key []byte, by int64) (int64, string) {
	e := c.lookupWrite(key)
	var old int64
	if e != nil {
		if e.typ != typeString {
			return 0, ErrWrongType
		}
		var ok bool
		if old, ok = parseInt(e.peek()); !ok {
			return 0, ErrNotInt
		}
	}
	if (by < 0 && old < 0 && by < math.MinInt64-old) || (by > 0 && old > 0 && by > math.MaxInt64-old) {
		return 0, ErrOverflow
	}
	n := old + by
	var buf [20]byte
	if digits := strconv.AppendInt(buf[:0], n, 10); e == nil {
		c.insertDB(key, c.db, typeString, digits)
	} else {
		c.storeValue(e, digits)
	}
	c.keyChanged(key, notifyString, "incrby")
	return n, ""
}

// INCRBYFLOAT key increment
func cmdIncrbyfloat(c *Ctx) {
	key := c.argv[1]
	e := c.lookupWrite(key)
	cur := []byte("0")
	if e != nil {
		if e.typ != typeString {
			c.w.Error(ErrWrongType)
			return
		}
		cur = e.val()
	}
	a, ok1 := parseLongDouble(cur)
	b, ok2 := parseLongDouble(c.argv[2])
	if !ok1 || !ok2 {
		c.w.Error(ErrNotFloat)
		return
	}
	sum, ok := addLongDouble(a, b)
	if !ok {
		c.w.Error(ErrFloatNaNInf)
		return
	}
	res := formatLongDouble(sum)
	if e == nil {
		e = c.insertDB(key, c.db, typeString, res)
	} else {
		c.storeValue(e, res)
	}
	// Redis stores the result with createStringObject, never as an integer
	// object: OBJECT ENCODING says embstr even for "3".
	e.flags = flagNotInt
	c.keyChanged(key, notifyString, "incrbyfloat")
	c.w.Bulk(res)
}

// GETRANGE key start end
func cmdGetrange(c *Ctx) {
	start, ok := c.intArg(2)
	if !ok {
		return
	}
	end, ok := c.intArg(3)
	if !ok {
		return
	}
	e, wrong := c.lookupString(c.argv[1])
	switch {
	case wrong:
		c.w.Error(ErrWrongType)
		return
	case e == nil:
		c.w.BulkString("")
		return
	}
	n := int64(int(e.vlen))
	if start < 0 && end < 0 && start > end {
		c.w.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.w.BulkString("")
		return
	}
	c.bulkVal(e.val()[start : end+1])
}

// SETRANGE key offset value
func cmdSetrange(c *Ctx) {
	off, ok := parseInt(c.argv[2])
	if !ok {
		c.w.Error(ErrNotInt)
		return
	}
	if off < 0 {
		c.w.Error(ErrOffsetRange)
		return
	}
	key, val := c.argv[1], c.argv[3]
	e := c.lookupWrite(key)
	if e != nil && e.typ != typeString {
		c.w.Error(ErrWrongType)
		return
	}
	if len(val) == 0 {
		if e == nil {
			c.w.Int(0)
		} else {
			c.w.Int(int64(e.vlen))
		}
		return
	}
	if !c.checkStringLength(off, int64(len(val))) {
		return
	}
	var old []byte
	if e == nil {
		e = c.add(key, typeString)
	} else {
		old = e.val()
	}
	// Copy rather than write in place: readers may hold the old bytes.
	n := max(int64(len(old)), off+int64(len(val)))
	buf := make([]byte, n)
	copy(buf, old)
	copy(buf[off:], val)
	c.storeValue(e, buf)
	e.flags = flagRaw
	c.keyChanged(key, notifyString, "setrange")
	c.w.Int(n)
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
func cmdLcs(c *Ctx) {
	var ab [2][]byte
	for i := range ab {
		e := c.lookupRead(c.argv[1+i])
		if e != nil && e.typ != typeString {
			c.w.Error("ERR The specified keys must contain string values")
			return
		}
		if e != nil {
			ab[i] = e.val()
		}
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(c.argv); j++ {
		opt := c.argv[j]
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(c.argv):
			n, ok := c.intArg(j + 1)
			if !ok {
				return
			}
			minLen = max(n, 0)
			j++
		default:
			c.w.Error(ErrSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.w.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	a, b := ab[0], ab[1]
	if int64(len(a)+1)*int64(len(b)+1)*4 > c.e.Config().ProtoMaxBulkLen {
		c.w.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	res := lcs(a, b, int(minLen))
	switch {
	case getIdx:
		c.w.Map(2)
		c.w.BulkString("matches")
		c.w.Array(len(res.matches))
		for _, m := range res.matches {
			if withLen {
				c.w.Array(3)
			} else {
				c.w.Array(2)
			}
			c.w.Array(2)
			c.w.Int(int64(m.a0))
			c.w.Int(int64(m.a1))
			c.w.Array(2)
			c.w.Int(int64(m.b0))
			c.w.Int(int64(m.b1))
			if withLen {
				c.w.Int(int64(m.a1 - m.a0 + 1))
			}
		}
		c.w.BulkString("len")
		c.w.Int(int64(res.length))
	case getLen:
		c.w.Int(int64(res.length))
	default:
		c.w.Bulk(res.seq)
	}
}

type lcsMatch struct{ a0, a1, b0, b1 int }

type lcsResult struct {
	length  int
	seq     []byte
	matches []lcsMatch // from the end of the strings backwards, as Redis emits them
}

// lcs computes the longest common subsequence by dynamic programming and walks
// the table back from the end, collecting contiguous matching ranges of at
// least minLen (the walk and its tie-breaking follow Redis, so IDX ranges match).
func lcs(a, b []byte, minLen int) lcsResult {
	w := len(b) + 1
	t := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				t[i*w+j] = t[(i-1)*w+j-1] + 1
			} else {
				t[i*w+j] = max(t[(i-1)*w+j], t[i*w+j-1])
			}
		}
	}
	n := int(t[len(a)*w+len(b)])
	res := lcsResult{length: n, seq: make([]byte, n)}
	idx := n
	i, j := len(a), len(b)
	none := len(a) // "no range open" marker, as Redis uses alen
	as, ae, bs, be := none, 0, 0, 0
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			res.seq[idx-1] = a[i-1]
			if as == none {
				as, ae, bs, be = i-1, i-1, j-1, j-1
			} else if as == i && bs == j {
				as--
				bs--
			} else {
				emit = true
			}
			if as == 0 || bs == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if t[(i-1)*w+j] > t[i*w+j-1] {
				i--
			} else {
				j--
			}
			if as != none {
				emit = true
			}
		}
		if emit {
			if minLen == 0 || ae-as+1 >= minLen {
				res.matches = append(res.matches, lcsMatch{as, ae, bs, be})
			}
			as = none
		}
	}
	return res
}

// eqFold reports whether b equals the lower-case ASCII word s, ignoring case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
