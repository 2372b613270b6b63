package lua

import (
	"math"
	"math/bits"

	glua "github.com/yuin/gopher-lua"
)

// bit is LuaBitOp 1.0, the bit library Redis ships: operations on 32-bit
// integers returning signed results. Numbers become 32-bit integers as
// LuaBitOp makes them: rounded to nearest (ties to even) and wrapped, by
// adding 2^52+2^51 and keeping the low word of the double.

func openBit(L *glua.LState) *glua.LTable {
	t := L.NewTable()
	for name, fn := range map[string]glua.LGFunction{
		"tobit":   func(L *glua.LState) int { return bitRet(L, bitArg(L, 1)) },
		"bnot":    func(L *glua.LState) int { return bitRet(L, ^bitArg(L, 1)) },
		"band":    bitFold(func(a, b uint32) uint32 { return a & b }),
		"bor":     bitFold(func(a, b uint32) uint32 { return a | b }),
		"bxor":    bitFold(func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  bitShift(func(b uint32, n uint) uint32 { return b << n }),
		"rshift":  bitShift(func(b uint32, n uint) uint32 { return b >> n }),
		"arshift": bitShift(func(b uint32, n uint) uint32 { return uint32(int32(b) >> n) }),
		"rol":     bitShift(func(b uint32, n uint) uint32 { return bits.RotateLeft32(b, int(n)) }),
		"ror":     bitShift(func(b uint32, n uint) uint32 { return bits.RotateLeft32(b, -int(n)) }),
		"bswap":   func(L *glua.LState) int { return bitRet(L, bits.ReverseBytes32(bitArg(L, 1))) },
		"tohex":   bitTohex,
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}

// bitArg is LuaBitOp's barg: argument n as a 32-bit integer (lua_tonumber,
// so numeric strings count; anything else is a type error).
func bitArg(L *glua.LState, n int) uint32 {
	var f float64
	ok := true
	switch v := L.Get(n).(type) {
	case glua.LNumber:
		f = float64(v)
	case glua.LString:
		f, ok = strToNumber(string(v))
	default:
		ok = false
	}
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !ok {
		argTypeError(L, n, "number")
	}
	return b
}

// bitRet pushes b as LuaBitOp returns results: a signed 32-bit number.
func bitRet(L *glua.LState, b uint32) int {
	L.Push(glua.LNumber(int32(b)))
	return 1
}

// bitFold is band, bor and bxor: every argument, folded from the last.
func bitFold(op func(a, b uint32) uint32) glua.LGFunction {
	return func(L *glua.LState) int {
		b := bitArg(L, 1)
		for i := L.GetTop(); i > 1; i-- {
			b = op(b, bitArg(L, i))
		}
		return bitRet(L, b)
	}
}

// bitShift is the shifts and rotations; the count is taken modulo 32.
func bitShift(op func(b uint32, n uint) uint32) glua.LGFunction {
	return func(L *glua.LState) int {
		b := bitArg(L, 1)
		n := uint(bitArg(L, 2) & 31)
		return bitRet(L, op(b, n))
	}
}

// bitTohex is tohex(x [, n]): the low n hex digits (default 8), upper case
// when n is negative.
func bitTohex(L *glua.LState) int {
	b := bitArg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(bitArg(L, 2))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n, digits = -n, "0123456789ABCDEF"
	}
	if n > 8 || n < 0 {
		n = 8
	}
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(glua.LString(buf))
	return 1
}
