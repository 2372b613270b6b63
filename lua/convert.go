package lua

import (
	"math"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"github.com/cachee/cachee/engine"
)

// Conversions between replies and Lua values, with Redis 7.0's rules
// (script_lua.c).
//
// Reply to Lua (redis.call's result), by the script's RESP version:
//
//	integer            number
//	bulk string        string
//	null bulk / array  false (RESP2), nil (RESP3)
//	array              table (a nil element ends it for # and ipairs)
//	status             {ok=...}
//	error              {err=...} (redis.call raises it, redis.pcall returns it)
//	map                {map={k=v...}} (RESP2 callers get flat arrays)
//	set                {set={member=true...}}
//	double             {double=n} (RESP2: the string "%.17g")
//	boolean            true/false (RESP2: the integers 1 and 0)
//	verbatim           {verbatim_string={format=..., string=...}}
//
// Lua to reply (the script's result): strings bulk, numbers integers (C's
// cast: truncation, and INT64_MIN when out of range), true 1 (RESP3 #t),
// false null (RESP3 #f), tables by their single field err, ok, double,
// big_number, verbatim_string, map or set, else arrays up to the first nil;
// anything else null.

// sink is the ReplyWriter redis.call runs commands into: it builds the Lua
// value of the reply as the command writes it.
type sink struct {
	st     *state
	frames []sinkFrame
	result glua.LValue
	// isErr says the top-level reply was an error.
	isErr bool
}

// sinkFrame is an aggregate being filled: its Lua table (for maps and sets
// the inner table), how many values it still expects, and for maps the key
// waiting for its value.
type sinkFrame struct {
	outer, inner *glua.LTable
	kind         engine.Kind
	left, next   int
	key          glua.LValue
}

func (k *sink) reset() {
	clear(k.frames)
	k.frames, k.result, k.isErr = k.frames[:0], nil, false
}

// Mark implements engine.ReplyWriter: a sink holds one reply, so the only
// mark is its start.
func (k *sink) Mark() int64 { return 0 }

// Rollback implements engine.ReplyWriter: it drops the reply begun.
func (k *sink) Rollback(int64) bool {
	k.reset()
	return true
}

// Proto is the script's RESP version (redis.setresp).
func (k *sink) Proto() int { return k.st.run.Proto() }

func (k *sink) add(v glua.LValue) {
	for {
		n := len(k.frames)
		if n == 0 {
			k.result = v
			return
		}
		f := &k.frames[n-1]
		switch f.kind {
		case engine.KindMap:
			if f.key == nil {
				f.key = v
			} else {
				if f.key != glua.LNil {
					f.inner.RawSet(f.key, v)
				}
				f.key = nil
			}
		case engine.KindSet:
			if v != glua.LNil {
				f.inner.RawSet(v, glua.LTrue)
			}
		default:
			f.next++
			f.inner.RawSetInt(f.next, v)
		}
		f.left--
		if f.left > 0 {
			return
		}
		v = f.outer
		k.frames = k.frames[:n-1]
	}
}

func (k *sink) aggregate(kind engine.Kind, n int, field string) {
	L := k.st.L
	inner := L.CreateTable(0, 0)
	if kind == engine.KindArray && n > 0 {
		inner = L.CreateTable(min(n, 1024), 0)
	}
	outer := inner
	if field != "" {
		outer = L.CreateTable(0, 1)
		outer.RawSetString(field, inner)
	}
	if n <= 0 {
		k.add(outer)
		return
	}
	k.frames = append(k.frames, sinkFrame{outer: outer, inner: inner, kind: kind, left: n})
}

func (k *sink) single(field string, v glua.LValue) {
	t := k.st.L.CreateTable(0, 1)
	t.RawSetString(field, v)
	k.add(t)
}

// Status implements engine.ReplyWriter.
func (k *sink) Status(s string) { k.single("ok", glua.LString(s)) }

// Error implements engine.ReplyWriter.
func (k *sink) Error(s string) {
	if len(k.frames) == 0 {
		k.isErr = true
	}
	k.single("err", glua.LString(s))
}

// Int implements engine.ReplyWriter.
func (k *sink) Int(n int64) { k.add(glua.LNumber(n)) }

// Bulk implements engine.ReplyWriter; the bytes are copied.
func (k *sink) Bulk(b []byte) { k.add(glua.LString(b)) }

// BulkString implements engine.ReplyWriter.
func (k *sink) BulkString(s string) { k.add(glua.LString(s)) }

// null is RESP2's null bulk (false) or RESP3's null (nil).
func (k *sink) null() {
	if k.Proto() == 3 {
		k.add(glua.LNil)
	} else {
		k.add(glua.LFalse)
	}
}

// Null implements engine.ReplyWriter.
func (k *sink) Null() { k.null() }

// NullArray implements engine.ReplyWriter.
func (k *sink) NullArray() { k.null() }

// Array implements engine.ReplyWriter.
func (k *sink) Array(n int) { k.aggregate(engine.KindArray, n, "") }

// Map implements engine.ReplyWriter: RESP2 sees a flat array.
func (k *sink) Map(n int) {
	if k.Proto() == 3 {
		k.aggregate(engine.KindMap, 2*n, "map")
	} else {
		k.aggregate(engine.KindArray, 2*n, "")
	}
}

// Set implements engine.ReplyWriter: RESP2 sees an array.
func (k *sink) Set(n int) {
	if k.Proto() == 3 {
		k.aggregate(engine.KindSet, n, "set")
	} else {
		k.aggregate(engine.KindArray, n, "")
	}
}

// Push implements engine.ReplyWriter (scripts cannot subscribe; an array).
func (k *sink) Push(n int) { k.aggregate(engine.KindArray, n, "") }

// Double implements engine.ReplyWriter.
func (k *sink) Double(f float64) {
	if k.Proto() == 3 {
		k.single("double", glua.LNumber(f))
	} else {
		k.add(glua.LString(engine.FormatDouble(f)))
	}
}

// Bool implements engine.ReplyWriter.
func (k *sink) Bool(b bool) {
	switch {
	case k.Proto() == 3:
		k.add(glua.LBool(b))
	case b:
		k.add(glua.LNumber(1))
	default:
		k.add(glua.LNumber(0))
	}
}

// Verbatim implements engine.ReplyWriter.
func (k *sink) Verbatim(format, s string) {
	if k.Proto() != 3 {
		k.add(glua.LString(s))
		return
	}
	t := k.st.L.CreateTable(0, 2)
	t.RawSetString("format", glua.LString(format))
	t.RawSetString("string", glua.LString(s))
	k.single("verbatim_string", t)
}

// BigNumberWriter is implemented by reply writers that can send RESP3's big
// number type; others get a bulk string, as RESP2 callers do from Redis.
type BigNumberWriter interface {
	BigNumber(s string)
}

// maxReplyDepth bounds the nesting of a script's result: a table that
// contains itself would otherwise never end. Redis stops at its Lua stack
// limit with the same error.
const maxReplyDepth = 7994

const errStackLimit = "ERR reached lua stack limit"

// writeValue writes a script's result v to w, as luaReplyToRedisReply does;
// proto is the script's RESP version (redis.setresp).
func writeValue(w engine.ReplyWriter, v glua.LValue, proto, depth int) {
	if depth > maxReplyDepth {
		w.Error(errStackLimit)
		return
	}
	switch v := v.(type) {
	case glua.LString:
		w.BulkString(string(v))
	case glua.LBool:
		switch {
		case proto == 3:
			w.Bool(bool(v))
		case bool(v):
			w.Int(1)
		default:
			w.Null()
		}
	case glua.LNumber:
		w.Int(toInt64(float64(v)))
	case *glua.LTable:
		writeTable(w, v, proto, depth)
	default:
		w.Null()
	}
}

// toInt64 is C's (long long) cast as x86-64 performs it: truncation, and
// INT64_MIN for NaN and values out of range.
func toInt64(f float64) int64 {
	if math.IsNaN(f) || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64
	}
	return int64(f)
}

func writeTable(w engine.ReplyWriter, t *glua.LTable, proto, depth int) {
	if e, ok := t.RawGetString("err").(glua.LString); ok {
		w.Error(errorText(string(e)))
		return
	}
	if s, ok := t.RawGetString("ok").(glua.LString); ok {
		w.Status(mapNewlines(string(s)))
		return
	}
	if d, ok := t.RawGetString("double").(glua.LNumber); ok {
		w.Double(float64(d))
		return
	}
	if s, ok := t.RawGetString("big_number").(glua.LString); ok {
		if bw, ok := w.(BigNumberWriter); ok {
			bw.BigNumber(mapNewlines(string(s)))
		} else {
			w.BulkString(mapNewlines(string(s)))
		}
		return
	}
	if vs, ok := t.RawGetString("verbatim_string").(*glua.LTable); ok {
		format, ok1 := vs.RawGetString("format").(glua.LString)
		s, ok2 := vs.RawGetString("string").(glua.LString)
		if ok1 && ok2 {
			w.Verbatim(string(format), string(s))
			return
		}
	}
	if m, ok := t.RawGetString("map").(*glua.LTable); ok {
		n := 0
		m.ForEach(func(glua.LValue, glua.LValue) { n++ })
		w.Map(n)
		m.ForEach(func(k, v glua.LValue) {
			writeValue(w, k, proto, depth+1)
			writeValue(w, v, proto, depth+1)
		})
		return
	}
	if s, ok := t.RawGetString("set").(*glua.LTable); ok {
		n := 0
		s.ForEach(func(glua.LValue, glua.LValue) { n++ })
		w.Set(n)
		s.ForEach(func(k, _ glua.LValue) { writeValue(w, k, proto, depth+1) })
		return
	}
	n := 0
	for t.RawGetInt(n+1) != glua.LNil {
		n++
	}
	w.Array(n)
	for i := 1; i <= n; i++ {
		writeValue(w, t.RawGetInt(i), proto, depth+1)
	}
}

// errorText is an error reply's text as addReplyErrorFormat leaves it:
// newlines at the ends trimmed, the others turned into spaces. The text
// keeps its own code ("ERR ...", or none at all).
func errorText(s string) string {
	return mapNewlines(strings.Trim(s, "\r\n"))
}

// mapNewlines replaces CR and LF with spaces, as Redis does for status and
// error replies built by scripts.
func mapNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}
