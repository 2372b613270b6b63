package engine

import (
	"math"
	"math/big"
	"strconv"
)

// The hash commands, as Redis 7.0's t_hash.c. The value type is hashObj
// (hash.go).

var hashCommands = []cmdDef{
	{name: "hset", handler: cmdHset},
	{name: "hsetnx", handler: cmdHsetnx},
	{name: "hget", handler: cmdHget},
	{name: "hmget", handler: cmdHmget},
	{name: "hmset", handler: cmdHmset},
	{name: "hgetall", handler: cmdHgetall},
	{name: "hdel", handler: cmdHdel},
	{name: "hexists", handler: cmdHexists},
	{name: "hlen", handler: cmdHlen},
	{name: "hstrlen", handler: cmdHstrlen},
	{name: "hkeys", handler: cmdHkeys},
	{name: "hvals", handler: cmdHvals},
	{name: "hincrby", handler: cmdHincrby},
	{name: "hincrbyfloat", handler: cmdHincrbyfloat},
	{name: "hrandfield", handler: cmdHrandfield},
	{name: "hscan", handler: cmdHscan},
}

const (
	errHashNotInt   = "ERR hash value is not an integer"
	errHashNotFloat = "ERR hash value is not a float"
	errNaNOrInf     = "ERR value is NaN or Infinity"
)

// hashWrite returns key's hash for a command about to write it, creating an
// empty one when the key is missing (the caller adds a field before it
// returns: empty hashes never exist). err is WRONGTYPE for another type.
func (c *Ctx) hashWrite(key []byte) (h *hashObj, err string) {
	e := c.lookupWrite(key)
	switch {
	case e == nil:
		h = newHash()
		c.add(key, typeHash).hold(h)
		return h, ""
	case e.typ != typeHash:
		return nil, ErrWrongType
	}
	return e.hashVal(), ""
}

// hashLookup returns key's hash for a read (counting a keyspace hit or
// miss), nil when the key is missing; err is WRONGTYPE for another type.
func (c *Ctx) hashLookup(key []byte) (h *hashObj, err string) {
	e := c.lookupRead(key)
	switch {
	case e == nil:
		return nil, ""
	case e.typ != typeHash:
		return nil, ErrWrongType
	}
	return e.hashVal(), ""
}

// hashRead is hashLookup for handlers: ok is false after a WRONGTYPE reply.
func (c *Ctx) hashRead(key []byte) (h *hashObj, ok bool) {
	h, err := c.hashLookup(key)
	if err != "" {
		c.w.Error(err)
		return nil, false
	}
	return h, true
}

// HSET key field value [field value ...]
func cmdHset(c *Ctx) {
	if n, ok := c.hsetReply(); ok {
		c.w.Int(int64(n))
	}
}

// hsetReply runs HSET or HMSET and returns the number of new fields; it
// replies errors itself.
func (c *Ctx) hsetReply() (int, bool) {
	c.eventsAfterReply()
	if len(c.argv)%2 == 1 {
		c.w.Error(errWrongArgs(c.cmd.Name))
		return 0, false
	}
	n, err := c.hsetOp(c.argv[1], c.argv[2:], false)
	if err != "" {
		c.w.Error(err)
		return 0, false
	}
	return n, true
}

// hsetOp is HSET's data operation: it stores the field/value pairs under
// key, creating the hash if needed, and returns how many fields are new, or
// a Redis error text. immutable says the pair bytes are views of Go strings
// (the in-process API), which are then stored without a copy.
func (c *Ctx) hsetOp(key []byte, pairs [][]byte, immutable bool) (int, string) {
	h, err := c.hashWrite(key)
	if err != "" {
		return 0, err
	}
	cfg := c.e.conf()
	for _, a := range pairs {
		h.checkLen(cfg, len(a))
	}
	if h.length() == 0 {
		h.grow(len(pairs) / 2)
	}
	created := 0
	for i := 0; i < len(pairs); i += 2 {
		v := unsafeString(pairs[i+1])
		if !immutable {
			v = string(pairs[i+1])
		}
		if h.set(pairs[i], v, immutable) {
			created++
		}
	}
	h.checkEntries(cfg)
	c.keyChanged(key, notifyHash, "hset")
	return created, ""
}

// HSETNX key field value
func cmdHsetnx(c *Ctx) {
	key, field, val := c.argv[1], c.argv[2], c.argv[3]
	h, err := c.hashWrite(key)
	switch {
	case err != "":
		c.w.Error(err)
		return
	case h.find(unsafeString(field)) >= 0:
		c.w.Int(0)
		return
	}
	cfg := c.e.conf()
	h.checkLen(cfg, len(field))
	h.checkLen(cfg, len(val))
	h.set(field, string(val), false)
	h.checkEntries(cfg)
	c.w.Int(1)
	c.keyChanged(key, notifyHash, "hset")
}

// HGET key field
func cmdHget(c *Ctx) {
	val, found, err := c.hgetOp(c.argv[1], c.argv[2])
	switch {
	case err != "":
		c.w.Error(err)
	case !found:
		c.w.Null()
	default:
		c.w.BulkString(val)
	}
}

// hgetOp is HGET's data operation: the value, whether the field exists, and
// WRONGTYPE or "". The value is immutable and may be kept.
func (c *Ctx) hgetOp(key, field []byte) (val string, found bool, err string) {
	h, err := c.hashLookup(key)
	if h != nil {
		val, found = h.get(unsafeString(field))
	}
	return val, found, err
}

// HMGET key field [field ...]
func cmdHmget(c *Ctx) {
	h, ok := c.hashRead(c.argv[1])
	if !ok {
		return
	}
	c.w.Array(len(c.argv) - 2)
	for _, f := range c.argv[2:] {
		if h == nil {
			c.w.Null()
		} else if v, found := h.get(unsafeString(f)); found {
			c.w.BulkString(v)
		} else {
			c.w.Null()
		}
	}
}

// HMSET key field value [field value ...]
func cmdHmset(c *Ctx) {
	if _, ok := c.hsetReply(); ok {
		c.w.Status("OK")
	}
}

// HGETALL key
func cmdHgetall(c *Ctx) { c.hgetall(true, true) }

// hgetall is HGETALL, HKEYS and HVALS: a map of fields to values in RESP3
// when both are wanted, a flat array otherwise.
func (c *Ctx) hgetall(fields, values bool) {
	h, ok := c.hashRead(c.argv[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.length()
	}
	if fields && values {
		c.w.Map(n)
	} else {
		c.w.Array(n)
	}
	if h == nil {
		return
	}
	for i := range h.ents {
		en := &h.ents[i]
		if !en.live() {
			continue
		}
		if fields {
			c.w.BulkString(en.field)
		}
		if values {
			c.w.BulkString(en.value)
		}
	}
}

// HDEL key field [field ...]
func cmdHdel(c *Ctx) {
	key := c.argv[1]
	e, ok := c.lookupWriteType(key, typeHash)
	if !ok {
		return
	}
	if e == nil {
		c.w.Int(0)
		return
	}
	h := e.hashVal()
	n := 0
	for _, f := range c.argv[2:] {
		if h.del(unsafeString(f)) {
			n++
			if h.length() == 0 {
				break
			}
		}
	}
	c.removed(e, n, notifyHash, "hdel", h.length() == 0)
}

// HEXISTS key field
func cmdHexists(c *Ctx) {
	c.hashFieldInt(func(h *hashObj, field string) int {
		if h.find(field) >= 0 {
			return 1
		}
		return 0
	})
}

// hashFieldInt replies fn(hash, argv[2]) for HEXISTS and HSTRLEN, 0 when the
// key is missing.
func (c *Ctx) hashFieldInt(fn func(h *hashObj, field string) int) {
	h, ok := c.hashRead(c.argv[1])
	switch {
	case !ok:
	case h == nil:
		c.w.Int(0)
	default:
		c.w.Int(int64(fn(h, unsafeString(c.argv[2]))))
	}
}

// HLEN key
func cmdHlen(c *Ctx) {
	h, ok := c.hashRead(c.argv[1])
	switch {
	case !ok:
	case h == nil:
		c.w.Int(0)
	default:
		c.w.Int(int64(h.length()))
	}
}

// HSTRLEN key field
func cmdHstrlen(c *Ctx) {
	c.hashFieldInt(func(h *hashObj, field string) int {
		v, _ := h.get(field)
		return len(v)
	})
}

// HKEYS key
func cmdHkeys(c *Ctx) { c.hgetall(true, false) }

// HVALS key
func cmdHvals(c *Ctx) { c.hgetall(false, true) }

// HINCRBY key field increment
func cmdHincrby(c *Ctx) {
	c.eventsAfterReply()
	by, ok := c.intArg(3)
	if !ok {
		return
	}
	n, err := c.hincrbyOp(c.argv[1], c.argv[2], by)
	if err != "" {
		c.w.Error(err)
		return
	}
	c.w.Int(n)
}

// hincrbyOp is HINCRBY's data operation: the new value or a Redis error text.
func (c *Ctx) hincrbyOp(key, field []byte, by int64) (int64, string) {
	h, err := c.hashWrite(key)
	if err != "" {
		return 0, err
	}
	var old int64
	if v, found := h.get(unsafeString(field)); found {
		var ok bool
		if old, ok = parseInt(unsafeBytes(v)); !ok {
			return 0, errHashNotInt
		}
	}
	if (by < 0 && old < 0 && by < math.MinInt64-old) || (by > 0 && old > 0 && by > math.MaxInt64-old) {
		return 0, ErrOverflow
	}
	n := old + by
	c.hashStore(h, field, strconv.FormatInt(n, 10))
	c.keyChanged(key, notifyHash, "hincrby")
	return n, ""
}

// hashStore is Redis's hashTypeSet for HINCRBY and HINCRBYFLOAT, whose
// arguments were not checked against hash-max-listpack-value beforehand.
func (c *Ctx) hashStore(h *hashObj, field []byte, val string) {
	cfg := c.e.conf()
	h.checkLen(cfg, len(field))
	h.checkLen(cfg, len(val))
	h.set(field, val, false)
	h.checkEntries(cfg)
}

// HINCRBYFLOAT key field increment
func cmdHincrbyfloat(c *Ctx) {
	key, field := c.argv[1], c.argv[2]
	by, ok := parseLongDouble(c.argv[3])
	if !ok {
		c.w.Error(ErrNotFloat)
		return
	}
	if by.IsInf() {
		c.w.Error(errNaNOrInf)
		return
	}
	h, err := c.hashWrite(key)
	if err != "" {
		c.w.Error(err)
		return
	}
	cur := new(big.Float)
	if v, found := h.get(unsafeString(field)); found {
		if cur, ok = parseLongDouble(unsafeBytes(v)); !ok {
			c.w.Error(errHashNotFloat)
			return
		}
	}
	sum, ok := addLongDouble(cur, by)
	if !ok {
		c.w.Error(ErrFloatNaNInf)
		return
	}
	s := formatLongDouble(sum)
	c.hashStore(h, field, unsafeString(s))
	c.w.Bulk(s)
	c.keyChanged(key, notifyHash, "hincrbyfloat")
}

// HRANDFIELD key [count [WITHVALUES]]
func cmdHrandfield(c *Ctx) {
	if len(c.argv) == 2 {
		h, ok := c.hashRead(c.argv[1])
		switch {
		case !ok:
		case h == nil:
			c.w.Null()
		default:
			c.w.BulkString(h.ents[h.random()].field)
		}
		return
	}
	n, ok := c.intArg(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.w.Error(ErrCountRange)
		return
	}
	withValues := len(c.argv) == 4
	switch {
	case len(c.argv) > 4 || (withValues && !eqFold(c.argv[3], "withvalues")):
		c.w.Error(ErrSyntax)
		return
	case withValues && (n < math.MinInt64/2 || n > math.MaxInt64/2):
		c.w.Error(ErrOutOfRange)
		return
	}
	h, ok := c.hashRead(c.argv[1])
	switch {
	case !ok:
		return
	case h == nil || n == 0:
		c.w.Array(0)
		return
	}
	r := randReply{c: c, h: h, withValues: withValues}
	switch size := int64(h.length()); {
	case n < 0 || n == 1:
		// With repetitions: every pick samples the whole hash.
		n = max(n, -n)
		r.head(n)
		for ; n > 0; n-- {
			r.field(h.random())
		}
	case n >= size:
		r.head(size)
		for i := range h.ents {
			if h.ents[i].live() {
				r.field(i)
			}
		}
	default:
		r.head(n)
		for _, i := range h.sample(int(n)) {
			r.field(i)
		}
	}
}

// randReply writes HRANDFIELD's count replies: fields, or with WITHVALUES
// field/value pairs (flat in RESP2, two-element arrays in RESP3).
type randReply struct {
	c          *Ctx
	h          *hashObj
	withValues bool
}

func (r randReply) head(n int64) {
	if r.withValues && r.c.w.Proto() == 2 {
		n *= 2
	}
	r.c.w.Array(int(n))
}

func (r randReply) field(i int) {
	en := &r.h.ents[i]
	if !r.withValues {
		r.c.w.BulkString(en.field)
		return
	}
	if r.c.w.Proto() > 2 {
		r.c.w.Array(2)
	}
	r.c.w.BulkString(en.field)
	r.c.w.BulkString(en.value)
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
//
// A listpack-encoded hash is returned whole with cursor 0, as Redis does;
// a bigger one from the cursor (an insertion id, see hashObj) on.
func cmdHscan(c *Ctx) {
	cursor, ok := parseScanCursor(c.argv[2])
	if !ok {
		c.w.Error(ErrInvalidCursor)
		return
	}
	h, ok := c.hashRead(c.argv[1])
	switch {
	case !ok:
		return
	case h == nil:
		c.emptyScan()
		return
	}
	pattern, count, ok := c.scanOptions(3)
	if !ok {
		return
	}
	from, to, next := 0, len(h.ents), uint64(0)
	if h.big {
		from, to, next = h.scan(cursor, count)
	}
	match := func(en *hashEntry) bool {
		return en.live() && (pattern == nil || globMatch(pattern, en.field, false))
	}
	n := 0
	for i := from; i < to; i++ {
		if match(&h.ents[i]) {
			n++
		}
	}
	c.scanReplyHead(next, 2*n)
	for i := from; i < to; i++ {
		if en := &h.ents[i]; match(en) {
			c.w.BulkString(en.field)
			c.w.BulkString(en.value)
		}
	}
}
