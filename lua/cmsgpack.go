package lua

import (
	"encoding/binary"
	"math"

	glua "github.com/yuin/gopher-lua"
)

// cmsgpack is lua-cmsgpack 0.4.0 as Redis ships it. Its encoding choices
// (integers in the smallest form, floats as float32 when exact, tables as
// arrays only when their keys are exactly 1..n, nesting cut at 16 levels,
// other types as nil) differ from Go MessagePack libraries, so it is written
// here, checked against Redis.

const msgpackMaxNesting = 16

func openCmsgpack(L *glua.LState) *glua.LTable {
	t := L.NewTable()
	for name, fn := range map[string]glua.LGFunction{
		"pack":         msgpackPack,
		"unpack":       func(L *glua.LState) int { return msgpackUnpack(L, 0, 0) },
		"unpack_one":   msgpackUnpackOne,
		"unpack_limit": msgpackUnpackLimit,
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	t.RawSetString("_NAME", glua.LString("cmsgpack"))
	t.RawSetString("_VERSION", glua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", glua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", glua.LString("MessagePack C implementation for Lua"))
	return t
}

// msgpackPack is cmsgpack.pack(v...): the encodings of every argument,
// concatenated.
func msgpackPack(L *glua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.ArgError(0, "MessagePack pack needs input.")
	}
	var out []byte
	for i := 1; i <= n; i++ {
		out = msgpackEncode(out, L.Get(i), 0)
	}
	L.Push(glua.LString(out))
	return 1
}

func msgpackEncode(out []byte, v glua.LValue, level int) []byte {
	switch v := v.(type) {
	case glua.LBool:
		if v {
			return append(out, 0xc3)
		}
		return append(out, 0xc2)
	case glua.LNumber:
		f := float64(v)
		if !math.IsInf(f, 0) && float64(toInt64(f)) == f {
			return msgpackInt(out, toInt64(f))
		}
		if float64(float32(f)) == f {
			return binary.BigEndian.AppendUint32(append(out, 0xca), math.Float32bits(float32(f)))
		}
		return binary.BigEndian.AppendUint64(append(out, 0xcb), math.Float64bits(f))
	case glua.LString:
		n := len(v)
		switch {
		case n < 32:
			out = append(out, 0xa0|byte(n))
		case n <= 0xff:
			out = append(out, 0xd9, byte(n))
		case n <= 0xffff:
			out = binary.BigEndian.AppendUint16(append(out, 0xda), uint16(n))
		default:
			out = binary.BigEndian.AppendUint32(append(out, 0xdb), uint32(n))
		}
		return append(out, v...)
	case *glua.LTable:
		if level == msgpackMaxNesting {
			break
		}
		if n, ok := msgpackArrayLen(v); ok {
			out = msgpackHeader(out, n, 0x90, 0xdc, 0xdd, 16)
			for i := 1; i <= n; i++ {
				out = msgpackEncode(out, v.RawGetInt(i), level+1)
			}
			return out
		}
		n := 0
		v.ForEach(func(glua.LValue, glua.LValue) { n++ })
		out = msgpackHeader(out, n, 0x80, 0xde, 0xdf, 16)
		v.ForEach(func(k, val glua.LValue) {
			out = msgpackEncode(out, k, level+1)
			out = msgpackEncode(out, val, level+1)
		})
		return out
	}
	return append(out, 0xc0)
}

// msgpackArrayLen is table_is_an_array: keys exactly 1..n.
func msgpackArrayLen(t *glua.LTable) (int, bool) {
	count, maxKey := 0, 0.0
	for k, _ := t.Next(glua.LNil); k != glua.LNil; k, _ = t.Next(k) {
		n, ok := k.(glua.LNumber)
		if !ok || float64(n) <= 0 || math.Floor(float64(n)) != float64(n) {
			return 0, false
		}
		maxKey = max(maxKey, float64(n))
		count++
	}
	return count, maxKey == float64(count)
}

func msgpackHeader(out []byte, n int, fix, c16, c32 byte, fixMax int) []byte {
	switch {
	case n < fixMax:
		return append(out, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(out, c16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(out, c32), uint32(n))
}

func msgpackInt(out []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(out, byte(n))
		case n <= 0xff:
			return append(out, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(out, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(out, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(out, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(out, byte(n))
	case n >= -128:
		return append(out, 0xd0, byte(n))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(out, 0xd1), uint16(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(out, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(out, 0xd3), uint64(n))
}

func msgpackUnpackOne(L *glua.LState) int {
	offset := int(L.OptInt64(2, 0))
	L.SetTop(1)
	return msgpackUnpack(L, 1, offset)
}

func msgpackUnpackLimit(L *glua.LState) int {
	limit := int(checkNumber(L, 2))
	offset := int(L.OptInt64(3, 0))
	L.SetTop(1)
	return msgpackUnpack(L, limit, offset)
}

// msgpackUnpack is mp_unpack_full: decode up to limit values (all when
// limit and offset are 0) from offset; with a limit or offset the next
// offset (-1 at the end) comes first.
func msgpackUnpack(L *glua.LState, limit, offset int) int {
	s := checkString(L, 1)
	all := limit == 0 && offset == 0
	switch {
	case offset < 0 || limit < 0:
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", offset, len(s))
	case offset > len(s):
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(s))
	}
	if all {
		limit = math.MaxInt
	}
	d := msgpackDecoder{L: L, b: []byte(s[offset:])}
	var vals []glua.LValue
	for len(d.b) > 0 && len(vals) < limit {
		v := d.decode()
		switch d.err {
		case errMsgpackEOF:
			L.RaiseError("Missing bytes in input.")
		case errMsgpackFormat:
			L.RaiseError("Bad data format in input.")
		}
		vals = append(vals, v)
		if len(vals) > maxUnpack {
			L.RaiseError("too many results to unpack")
		}
	}
	if !all {
		next := len(s) - len(d.b)
		if len(d.b) == 0 {
			next = -1
		}
		L.Push(glua.LNumber(next))
	}
	for _, v := range vals {
		L.Push(v)
	}
	if all {
		return len(vals)
	}
	return len(vals) + 1
}

const (
	errMsgpackEOF = iota + 1
	errMsgpackFormat
)

type msgpackDecoder struct {
	L   *glua.LState
	b   []byte
	err int
}

func (d *msgpackDecoder) take(n int) []byte {
	if d.err != 0 || len(d.b) < n {
		if d.err == 0 {
			d.err = errMsgpackEOF
		}
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *msgpackDecoder) uint(n int) uint64 {
	p := d.take(n)
	var v uint64
	for _, c := range p {
		v = v<<8 | uint64(c)
	}
	return v
}

func (d *msgpackDecoder) decode() glua.LValue {
	p := d.take(1)
	if p == nil {
		return glua.LNil
	}
	c := p[0]
	switch {
	case c <= 0x7f:
		return glua.LNumber(c)
	case c >= 0xe0:
		return glua.LNumber(int8(c))
	case c&0xf0 == 0x80:
		return d.mapOf(int(c & 0x0f))
	case c&0xf0 == 0x90:
		return d.arrayOf(int(c & 0x0f))
	case c&0xe0 == 0xa0:
		return d.str(int(c & 0x1f))
	}
	switch c {
	case 0xc0:
		return glua.LNil
	case 0xc2:
		return glua.LFalse
	case 0xc3:
		return glua.LTrue
	case 0xcc, 0xcd, 0xce, 0xcf:
		return glua.LNumber(float64(d.uint(1 << (c - 0xcc))))
	case 0xd0:
		return glua.LNumber(int8(d.uint(1)))
	case 0xd1:
		return glua.LNumber(int16(d.uint(2)))
	case 0xd2:
		return glua.LNumber(int32(d.uint(4)))
	case 0xd3:
		return glua.LNumber(float64(int64(d.uint(8))))
	case 0xca:
		return glua.LNumber(math.Float32frombits(uint32(d.uint(4))))
	case 0xcb:
		return glua.LNumber(math.Float64frombits(d.uint(8)))
	case 0xd9:
		return d.str(int(d.uint(1)))
	case 0xda:
		return d.str(int(d.uint(2)))
	case 0xdb:
		return d.str(int(d.uint(4)))
	case 0xdc:
		return d.arrayOf(int(d.uint(2)))
	case 0xdd:
		return d.arrayOf(int(d.uint(4)))
	case 0xde:
		return d.mapOf(int(d.uint(2)))
	case 0xdf:
		return d.mapOf(int(d.uint(4)))
	}
	d.err = errMsgpackFormat
	return glua.LNil
}

func (d *msgpackDecoder) str(n int) glua.LValue {
	if d.err != 0 {
		return glua.LNil
	}
	p := d.take(n)
	if p == nil {
		return glua.LNil
	}
	return glua.LString(p)
}

func (d *msgpackDecoder) arrayOf(n int) glua.LValue {
	t := d.L.CreateTable(min(n, 1024), 0)
	for i := 1; i <= n && d.err == 0; i++ {
		t.RawSetInt(i, d.decode())
	}
	return t
}

func (d *msgpackDecoder) mapOf(n int) glua.LValue {
	t := d.L.CreateTable(0, min(n, 1024))
	for i := 0; i < n && d.err == 0; i++ {
		k := d.decode()
		v := d.decode()
		if d.err == 0 && k != glua.LNil {
			t.RawSet(k, v)
		}
	}
	return t
}
