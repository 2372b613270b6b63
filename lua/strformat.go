package lua

import (
	"math"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// strFormat is Lua 5.1's string.format, which hands each directive to C's
// sprintf: %d %i %u %c %o %x %X %e %E %f %g %G %q %s and %%, with flags,
// width and precision. gopher-lua's version goes through Go's fmt, whose %g,
// %x of negatives, infinities and %q differ from C's.
func strFormat(L *glua.LState) int {
	f := L.CheckString(1)
	var out []byte
	arg := 1
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			out = append(out, '%')
			continue
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start > 5 {
			L.RaiseError("invalid format (repeated flags)")
		}
		flags := f[start:i]
		width, prec := -1, -1
		if n, j := digits(f, i); j > i {
			if j-i > 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
			width, i = n, j
		}
		if i < len(f) && f[i] == '.' {
			i++
			n, j := digits(f, i)
			if j-i > 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
			prec, i = n, j
		}
		if i >= len(f) {
			L.RaiseError("invalid option '%%' to 'format'")
		}
		arg++
		spec := fmtSpec{flags: flags, width: width, prec: prec}
		switch conv := f[i]; conv {
		case 'c':
			out = spec.pad(out, string([]byte{byte(checkNumber(L, arg))}), false)
		case 'd', 'i':
			out = spec.integer(out, int64(checkNumber(L, arg)), 10, false)
		case 'u':
			out = spec.unsigned(out, uint64(int64(checkNumber(L, arg))), 10, false)
		case 'o':
			out = spec.unsigned(out, uint64(int64(checkNumber(L, arg))), 8, false)
		case 'x', 'X':
			out = spec.unsigned(out, uint64(int64(checkNumber(L, arg))), 16, conv == 'X')
		case 'e', 'E', 'f', 'g', 'G':
			out = spec.float(out, checkNumber(L, arg), conv)
		case 'q':
			out = appendQuoted(out, checkString(L, arg))
		case 's':
			s := checkString(L, arg)
			if prec >= 0 && prec < len(s) {
				s = s[:prec]
			}
			out = spec.pad(out, s, false)
		default:
			L.RaiseError("invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(glua.LString(out))
	return 1
}

func digits(s string, i int) (n, j int) {
	for j = i; j < len(s) && '0' <= s[j] && s[j] <= '9'; j++ {
		n = n*10 + int(s[j]-'0')
	}
	return n, j
}

// checkNumber is luaL_checknumber with Lua 5.1's string coercion.
func checkNumber(L *glua.LState, n int) float64 {
	switch v := L.Get(n).(type) {
	case glua.LNumber:
		return float64(v)
	case glua.LString:
		if f, ok := strToNumber(string(v)); ok {
			return f
		}
	}
	argTypeError(L, n, "number")
	return 0
}

// checkString is luaL_checkstring: strings, and numbers in "%.14g".
func checkString(L *glua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case glua.LString, glua.LNumber:
		return luaToString(v)
	}
	argTypeError(L, n, "string")
	return ""
}

// argTypeError raises Lua 5.1's "bad argument" error for a wrong type.
func argTypeError(L *glua.LState, n int, want string) {
	got := "no value"
	if n <= L.GetTop() {
		got = L.Get(n).Type().String()
	}
	L.ArgError(n, want+" expected, got "+got)
}

// fmtSpec is one directive's flags, width (-1: none) and precision.
type fmtSpec struct {
	flags       string
	width, prec int
}

func (s fmtSpec) has(c byte) bool { return strings.IndexByte(s.flags, c) >= 0 }

// pad right- or left-justifies body to the width; zero pads with zeros
// after any sign or 0x prefix.
func (s fmtSpec) pad(out []byte, body string, zero bool) []byte {
	n := s.width - len(body)
	switch {
	case n <= 0:
		return append(out, body...)
	case s.has('-'):
		out = append(out, body...)
		return append(out, strings.Repeat(" ", n)...)
	case zero && s.has('0'):
		sign := 0
		if len(body) > 0 && strings.IndexByte("+- ", body[0]) >= 0 {
			sign = 1
		}
		if len(body) > sign+1 && body[sign] == '0' && (body[sign+1] == 'x' || body[sign+1] == 'X') {
			sign += 2
		}
		out = append(out, body[:sign]...)
		out = append(out, strings.Repeat("0", n)...)
		return append(out, body[sign:]...)
	}
	out = append(out, strings.Repeat(" ", n)...)
	return append(out, body...)
}

func (s fmtSpec) sign(neg bool) string {
	switch {
	case neg:
		return "-"
	case s.has('+'):
		return "+"
	case s.has(' '):
		return " "
	}
	return ""
}

func (s fmtSpec) integer(out []byte, v int64, base int, upper bool) []byte {
	mag := uint64(v)
	if v < 0 {
		mag = -mag
	}
	return s.digits(out, s.sign(v < 0), mag, base, upper)
}

func (s fmtSpec) unsigned(out []byte, v uint64, base int, upper bool) []byte {
	return s.digits(out, "", v, base, upper)
}

func (s fmtSpec) digits(out []byte, sign string, v uint64, base int, upper bool) []byte {
	d := strconv.FormatUint(v, base)
	if upper {
		d = strings.ToUpper(d)
	}
	if s.prec >= 0 {
		if s.prec == 0 && v == 0 {
			d = ""
		}
		if len(d) < s.prec {
			d = strings.Repeat("0", s.prec-len(d)) + d
		}
	}
	if s.has('#') && v != 0 {
		switch base {
		case 16:
			if upper {
				d = "0X" + d
			} else {
				d = "0x" + d
			}
		case 8:
			if d[0] != '0' {
				d = "0" + d
			}
		}
	}
	return s.pad(out, sign+d, s.prec < 0)
}

func (s fmtSpec) float(out []byte, f float64, conv byte) []byte {
	sign := s.sign(math.Signbit(f) && !math.IsNaN(f) || f < 0)
	abs := math.Abs(f)
	upper := conv == 'E' || conv == 'G'
	var body string
	switch {
	case math.IsInf(f, 0):
		body = "inf"
	case math.IsNaN(f):
		body = "nan"
		if math.Signbit(f) {
			sign = "-"
		}
	default:
		prec := s.prec
		if prec < 0 {
			prec = 6
		}
		lc := conv | 0x20
		if lc == 'g' && prec == 0 {
			prec = 1
		}
		body = strconv.FormatFloat(abs, lc, prec, 64)
		if lc == 'g' && s.has('#') {
			body = strconv.FormatFloat(abs, 'g', prec, 64) // trailing zeros are not kept
		}
		if s.has('#') && !strings.Contains(body, ".") && lc != 'g' {
			if k := strings.IndexAny(body, "e"); k >= 0 {
				body = body[:k] + "." + body[k:]
			} else {
				body += "."
			}
		}
	}
	if upper {
		body = strings.ToUpper(body)
	}
	finite := !math.IsInf(f, 0) && !math.IsNaN(f)
	return s.pad(out, sign+body, finite)
}

// appendQuoted is %q: the string in double quotes with ", \, newline, \r
// and NUL escaped as Lua 5.1 escapes them.
func appendQuoted(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			out = append(out, '\\', c)
		case '\r':
			out = append(out, `\r`...)
		case 0:
			out = append(out, `\000`...)
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
