package lua

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// struct is Roberto Ierusalimschy's struct library (the version Redis
// ships): pack, unpack and size over a format of '<' '>' '!n' 'x' 'b' 'B'
// 'h' 'H' 'l' 'L' 'T' 'in' 'In' 'cn' 's' 'f' 'd', with the sizes and
// alignment of the 64-bit Linux build Redis runs on.

const (
	structMaxIntSize = 32
	structMaxAlign   = 8 // MAXALIGN on x86-64
)

type structHeader struct {
	little bool
	align  int
}

func openStruct(L *glua.LState) *glua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

// structFormat walks a format, one option at a time.
type structFormat struct {
	L   *glua.LState
	f   string
	i   int
	h   structHeader
	pos int
}

func newStructFormat(L *glua.LState, f string) *structFormat {
	return &structFormat{L: L, f: f, h: structHeader{little: true, align: 1}}
}

func (sf *structFormat) num(def int) int {
	if sf.i >= len(sf.f) || sf.f[sf.i] < '0' || sf.f[sf.i] > '9' {
		return def
	}
	a := 0
	for sf.i < len(sf.f) && '0' <= sf.f[sf.i] && sf.f[sf.i] <= '9' {
		d := int(sf.f[sf.i] - '0')
		if a > (math.MaxInt32-d)/10 {
			sf.L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		sf.i++
	}
	return a
}

// next reads the next option and its size.
func (sf *structFormat) next() (byte, int) {
	opt := sf.f[sf.i]
	sf.i++
	switch opt {
	case 'B', 'b', 'x':
		return opt, 1
	case 'H', 'h':
		return opt, 2
	case 'L', 'l', 'T', 'd':
		return opt, 8
	case 'f':
		return opt, 4
	case 'c':
		return opt, sf.num(1)
	case 'i', 'I':
		sz := sf.num(4)
		if sz > structMaxIntSize {
			sf.L.RaiseError("integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return opt, sz
	case 's', ' ', '<', '>', '!':
		return opt, 0
	}
	sf.L.ArgError(1, "invalid format option '"+string(opt)+"'")
	return opt, 0
}

// toAlign is the padding before an option of size at pos.
func (sf *structFormat) toAlign(opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > sf.h.align {
		size = sf.h.align
	}
	return (size - (sf.pos & (size - 1))) & (size - 1)
}

// control handles ' ', '<', '>' and '!n'.
func (sf *structFormat) control(opt byte) {
	switch opt {
	case '>':
		sf.h.little = false
	case '<':
		sf.h.little = true
	case '!':
		a := sf.num(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			sf.L.RaiseError("alignment %d is not a power of 2", a)
		}
		sf.h.align = a
	}
}

func isIntOpt(opt byte) bool { return strings.IndexByte("bBhHlLTiI", opt) >= 0 }

// structPack is struct.pack(fmt, v...).
func structPack(L *glua.LState) int {
	sf := newStructFormat(L, checkString(L, 1))
	arg := 2
	var out []byte
	for sf.i < len(sf.f) {
		opt, size := sf.next()
		pad := sf.toAlign(opt, size)
		sf.pos += pad
		out = append(out, make([]byte, pad)...)
		switch {
		case isIntOpt(opt):
			n := checkNumber(L, arg)
			arg++
			var v uint64
			if n < 0 {
				v = uint64(toInt64(n))
			} else {
				v = uint64(n)
			}
			buf := make([]byte, size)
			for i := 0; i < size; i++ {
				buf[i] = byte(v)
				if size < 8 || i < 7 {
					v >>= 8
				} else {
					v = 0
				}
			}
			if !sf.h.little {
				reverse(buf)
			}
			out = append(out, buf...)
		case opt == 'x':
			out = append(out, 0)
		case opt == 'f':
			out = appendEndian(out, uint64(math.Float32bits(float32(checkNumber(L, arg)))), 4, sf.h.little)
			arg++
		case opt == 'd':
			out = appendEndian(out, math.Float64bits(checkNumber(L, arg)), 8, sf.h.little)
			arg++
		case opt == 'c' || opt == 's':
			s := checkString(L, arg)
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				L.ArgError(arg, "string too short")
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
				size++
			}
		default:
			sf.control(opt)
		}
		sf.pos += size
	}
	L.Push(glua.LString(out))
	return 1
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

func appendEndian(out []byte, v uint64, size int, little bool) []byte {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], v)
	b := buf[:size]
	if !little {
		reverse(b)
	}
	return append(out, b...)
}

// structUnpack is struct.unpack(fmt, data [, pos]): the values, then the
// position after them.
func structUnpack(L *glua.LState) int {
	sf := newStructFormat(L, checkString(L, 1))
	data := checkString(L, 2)
	start := 1
	if L.GetTop() >= 3 && L.Get(3) != glua.LNil {
		start = int(checkNumber(L, 3))
	}
	if start < 1 {
		L.ArgError(3, "offset must be 1 or greater")
	}
	sf.pos = start - 1
	var vals []glua.LValue
	for sf.i < len(sf.f) {
		opt, size := sf.next()
		sf.pos += sf.toAlign(opt, size)
		if size > len(data) || sf.pos > len(data)-size {
			L.ArgError(2, "data string too short")
		}
		b := []byte(data[sf.pos:])
		switch {
		case isIntOpt(opt):
			vals = append(vals, glua.LNumber(structInteger(b[:size], !sf.h.little, opt >= 'a')))
		case opt == 'f':
			bits := uint32(endianUint(b[:4], sf.h.little))
			vals = append(vals, glua.LNumber(math.Float32frombits(bits)))
		case opt == 'd':
			vals = append(vals, glua.LNumber(math.Float64frombits(endianUint(b[:8], sf.h.little))))
		case opt == 'c':
			if size == 0 {
				if len(vals) == 0 {
					L.RaiseError("format 'c0' needs a previous size")
				}
				prev, ok := vals[len(vals)-1].(glua.LNumber)
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(prev)
				vals = vals[:len(vals)-1]
				if size < 0 || size > len(data) || sf.pos > len(data)-size {
					L.ArgError(2, "data string too short")
				}
			}
			vals = append(vals, glua.LString(data[sf.pos:sf.pos+size]))
		case opt == 's':
			e := bytes.IndexByte(b, 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = e + 1
			vals = append(vals, glua.LString(b[:e]))
		case opt == 'x':
		default:
			sf.control(opt)
		}
		sf.pos += size
	}
	for _, v := range vals {
		L.Push(v)
	}
	L.Push(glua.LNumber(sf.pos + 1))
	return len(vals) + 1
}

func endianUint(b []byte, little bool) uint64 {
	var v uint64
	for i := range b {
		c := b[i]
		if little {
			c = b[len(b)-1-i]
		}
		v = v<<8 | uint64(c)
	}
	return v
}

// structInteger is getinteger: the bytes as an integer (wider than 8
// bytes, only the low 8 count), sign-extended from the top bit as C's
// shifts do on x86-64.
func structInteger(b []byte, big, signed bool) float64 {
	size := len(b)
	var l uint64
	for i := 0; i < size; i++ {
		c := b[size-1-i]
		if big {
			c = b[i]
		}
		l = l<<8 | uint64(c)
	}
	if !signed {
		return float64(l)
	}
	if mask := ^uint64(0) << ((uint(size)*8 - 1) & 63); l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

// structSize is struct.size(fmt): the size of a fixed-size format.
func structSize(L *glua.LState) int {
	sf := newStructFormat(L, checkString(L, 1))
	for sf.i < len(sf.f) {
		opt, size := sf.next()
		sf.pos += sf.toAlign(opt, size)
		switch {
		case opt == 's':
			L.ArgError(1, "option 's' has no fixed size")
		case opt == 'c' && size == 0:
			L.ArgError(1, "option 'c0' has no fixed size")
		case strings.IndexByte(" <>!", opt) >= 0:
			sf.control(opt)
		}
		sf.pos += size
	}
	L.Push(glua.LNumber(sf.pos))
	return 1
}
