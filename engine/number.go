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

// parseFloat parses b as Redis's strtod-based string2d does for command
// arguments (scores, timeouts): no leading space, no NaN, the whole string.
func parseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if math.IsNaN(f) || !validFloatSyntax(b) {
		return 0, false
	}
	return f, true
}

// validFloatSyntax rejects the forms Go accepts but C's strtod does not
// ("1_000", "0x1p-2" is fine in both, "Inf" variants are accepted by both).
func validFloatSyntax(b []byte) bool {
	for _, c := range b {
		if c == '_' {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// longDouble emulates C's long double (x87 80-bit: a 64-bit mantissa and a
// 15-bit exponent), which INCRBYFLOAT and HINCRBYFLOAT compute and print with,
// so that "10.5" + "0.1" stores "10.6" exactly as Redis does.
const longDoublePrec = 64

// maxLongDoubleExp is the binary exponent above which an x87 long double is infinite.
const maxLongDoubleExp = 16384

// parseLongDouble parses b as Redis's string2ld does (strtold on the whole
// string, no leading space, no NaN).
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= 5*1024 || isSpace(b[0]) || !validFloatSyntax(b) {
		return nil, false
	}
	f, _, err := big.ParseFloat(string(b), 10, longDoublePrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	if !f.IsInf() && f.MantExp(nil) > maxLongDoubleExp {
		return nil, false // strtold reports ERANGE; Redis refuses it
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
