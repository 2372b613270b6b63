package engine

import (
	"math"
	"math/big"
	"strconv"
)

// parseInt parses b as Redis's string2ll does: an optional '-', no '+', no
// leading zeros or spaces, at most 20 characters, within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// intArg parses argument i as an integer or replies Redis's error and returns false.
func (c *Ctx) intArg(i int) (int64, bool) {
	n, ok := parseInt(c.argv[i])
	if !ok {
		c.w.Error(ErrNotInt)
	}
	return n, ok
}

// parseFloat parses b as Redis's string2d does for command arguments (scores):
// C's strtod on the whole string, refusing a leading space, NaN, overflow to
// infinity and underflow to zero. "inf"/"infinity" (any case) and hexadecimal
// floats ("0x1p3", "0x10") are accepted, as strtod accepts them.
func parseFloat(b []byte) (float64, bool) {
	num, ok := scanFloat(b)
	if !ok {
		return 0, false
	}
	if num.inf {
		if num.neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	s := string(b)
	if num.hex && !num.exp {
		s += "p0" // strconv wants a binary exponent in hexadecimal floats
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false // overflow (ERANGE with HUGE_VAL) or, defensively, syntax
	}
	if f == 0 && !num.zero {
		return 0, false // underflow to zero: strtod reports ERANGE
	}
	return f, true
}

// floatSyntax describes a string that scanFloat accepted.
type floatSyntax struct {
	neg, inf bool
	hex      bool // "0x" mantissa
	exp      bool // has an exponent part
	zero     bool // every mantissa digit is 0: the value is exactly zero
}

// scanFloat checks that the whole of b is a number in C's strtod syntax, with
// nothing before or after it: [sign] (inf | infinity | decimal | hexadecimal),
// where decimal is digits with at most one '.' and an optional e[sign]digits,
// and hexadecimal is 0x, hex digits with at most one '.' and an optional
// p[sign]digits. NaN is refused (Redis refuses it after parsing).
func scanFloat(b []byte) (floatSyntax, bool) {
	var f floatSyntax
	if len(b) == 0 || isSpace(b[0]) {
		return f, false
	}
	i := 0
	if b[i] == '+' || b[i] == '-' {
		f.neg = b[i] == '-'
		i++
	}
	rest := b[i:]
	if eqFold(rest, "inf") || eqFold(rest, "infinity") {
		f.inf = true
		return f, true
	}
	digit := isDigit
	expChar := byte('e')
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		f.hex, digit, expChar = true, isHexDigit, 'p'
		i += 2
	}
	digits, dot := 0, false
	f.zero = true
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case digit(c):
			digits++
			if c != '0' {
				f.zero = false
			}
			continue
		case c == '.' && !dot:
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return f, false
	}
	if i < len(b) && lower(b[i]) == expChar {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == start {
			return f, false
		}
		f.exp = true
	}
	return f, i == len(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// longDouble emulates C's long double (x87 80-bit: a 64-bit mantissa and a
// 15-bit exponent), which INCRBYFLOAT and HINCRBYFLOAT compute and print with,
// so that "10.5" + "0.1" stores "10.6" exactly as Redis does.
const longDoublePrec = 64

// maxLongDoubleExp is the binary exponent (as big.Float.MantExp reports it)
// above which an x87 long double is infinite. minLongDoubleExp is the exponent
// of half its smallest denormal, 2^-16446 = 0.5 x 2^-16445: values up to that
// one round to zero.
const (
	maxLongDoubleExp = 16384
	minLongDoubleExp = -16445
)

// parseLongDouble parses b as Redis's string2ld does: strtold on the whole
// string (under 5 KB), refusing a leading space, NaN, overflow to infinity and
// underflow to zero.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) >= 5*1024 {
		return nil, false
	}
	num, ok := scanFloat(b)
	if !ok {
		return nil, false
	}
	if num.inf {
		return new(big.Float).SetInf(num.neg), true
	}
	base := 10
	if num.hex {
		base = 0 // big.ParseFloat reads the 0x prefix and the p exponent
	}
	f, _, err := big.ParseFloat(string(b), base, longDoublePrec, big.ToNearestEven)
	if err != nil {
		// Only an exponent beyond big.Float's range gets here: the value
		// over- or underflows unless the mantissa is zero.
		if num.zero {
			return new(big.Float).SetPrec(longDoublePrec), true
		}
		return nil, false
	}
	if f.IsInf() {
		// An exponent past big.Float's own range (1e1000000000): overflow.
		return nil, false
	}
	if f.Sign() == 0 {
		// Zero written as zero, or an underflow past big.Float's range
		// (1e-1000000000), which strtold reports as ERANGE.
		return f, num.zero
	}
	mant := new(big.Float)
	exp := f.MantExp(mant)
	if exp > maxLongDoubleExp {
		return nil, false // strtold reports ERANGE with HUGE_VAL; Redis refuses it
	}
	// |f| <= 2^(min-1) rounds to zero (ERANGE and zero: refused).
	if exp < minLongDoubleExp || (exp == minLongDoubleExp && mant.Abs(mant).Cmp(big.NewFloat(0.5)) == 0) {
		return nil, false
	}
	return f, true
}

// addLongDouble returns a+b rounded to long double, or false when the sum
// overflows to infinity (Redis: "increment would produce NaN or Infinity").
func addLongDouble(a, b *big.Float) (*big.Float, bool) {
	if a.IsInf() || b.IsInf() {
		return nil, false // inf + x is inf and inf - inf is NaN: both refused
	}
	s := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven).Add(a, b)
	if s.MantExp(nil) > maxLongDoubleExp {
		return nil, false
	}
	return s, true
}

// formatLongDouble prints f as Redis's ld2string with LD_STR_HUMAN: "%.17Lf"
// with trailing zeros (and a trailing dot) removed, and "-0" as "0".
func formatLongDouble(f *big.Float) []byte {
	b := f.Append(nil, 'f', 17)
	for i := len(b) - 1; i > 0; i-- {
		if b[i] == '0' {
			b = b[:i]
			continue
		}
		if b[i] == '.' {
			b = b[:i]
		}
		break
	}
	if string(b) == "-0" {
		b = b[1:]
	}
	return b
}

// formatDouble prints f as Redis 7.0 prints doubles ("%.17g", "inf", "-inf").
func formatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
