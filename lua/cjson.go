package lua

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	glua "github.com/yuin/gopher-lua"
)

// cjson is lua-cjson 2.1.0 as Redis 7.0 ships it. No Go JSON library has its
// semantics (arrays detected from integer keys, sparse-array refusal, "%.14g"
// numbers, "\/" escapes, strtod's number forms, cjson.null, its error
// texts), so this is a rewrite of its behaviour, checked against Redis.

// cjsonConfig is one cjson instance's settings (cjson.new makes another).
type cjsonConfig struct {
	sparseConvert           bool
	sparseRatio, sparseSafe int
	encodeMaxDepth          int
	decodeMaxDepth          int
	precision               int
	keepBuffer              bool
	encodeInvalid           int // 0 off, 1 on, 2 "null"
	decodeInvalid           bool
	null                    *glua.LUserData
	depth                   int
}

func newCjsonConfig(null *glua.LUserData) *cjsonConfig {
	return &cjsonConfig{sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
		precision: 14, keepBuffer: true, decodeInvalid: true, null: null}
}

// openCjson builds the cjson table; every instance of a state shares one
// cjson.null.
func openCjson(L *glua.LState) *glua.LTable {
	null := L.NewUserData()
	return newCjson(L, null)
}

func newCjson(L *glua.LState, null *glua.LUserData) *glua.LTable {
	cfg := newCjsonConfig(null)
	t := L.NewTable()
	for name, fn := range map[string]glua.LGFunction{
		"encode":                  cfg.encode,
		"decode":                  cfg.decode,
		"encode_sparse_array":     cfg.optSparse,
		"encode_max_depth":        intOption(&cfg.encodeMaxDepth, 1, math.MaxInt32, "expected integer between 1 and 2147483647"),
		"decode_max_depth":        intOption(&cfg.decodeMaxDepth, 1, math.MaxInt32, "expected integer between 1 and 2147483647"),
		"encode_number_precision": intOption(&cfg.precision, 1, 14, "expected integer between 1 and 14"),
		"encode_keep_buffer":      boolOption(&cfg.keepBuffer),
		"decode_invalid_numbers":  boolOption(&cfg.decodeInvalid),
		"encode_invalid_numbers":  cfg.optEncodeInvalid,
		"new":                     func(L *glua.LState) int { L.Push(newCjson(L, null)); return 1 },
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	t.RawSetString("null", null)
	t.RawSetString("_NAME", glua.LString("cjson"))
	t.RawSetString("_VERSION", glua.LString("2.1.0"))
	return t
}

// argCount is json_verify_arg_count: at most n arguments.
func argCount(L *glua.LState, n int) {
	if L.GetTop() > n {
		L.ArgError(n+1, "found too many arguments")
	}
}

func intOption(v *int, lo, hi int, msg string) glua.LGFunction {
	return func(L *glua.LState) int {
		argCount(L, 1)
		if L.GetTop() >= 1 && L.Get(1) != glua.LNil {
			n := int(checkNumber(L, 1))
			if n < lo || n > hi {
				L.ArgError(1, msg)
			}
			*v = n
		}
		L.Push(glua.LNumber(*v))
		return 1
	}
}

func boolOption(v *bool) glua.LGFunction {
	return func(L *glua.LState) int {
		argCount(L, 1)
		if L.GetTop() >= 1 && L.Get(1) != glua.LNil {
			b, ok := L.Get(1).(glua.LBool)
			if !ok {
				s := checkString(L, 1)
				switch s {
				case "on":
					b = true
				case "off":
				default:
					L.ArgError(1, "invalid option '"+s+"'")
				}
			}
			*v = bool(b)
		}
		L.Push(glua.LBool(*v))
		return 1
	}
}

func (cfg *cjsonConfig) optEncodeInvalid(L *glua.LState) int {
	argCount(L, 1)
	if L.GetTop() >= 1 && L.Get(1) != glua.LNil {
		switch v := L.Get(1).(type) {
		case glua.LBool:
			cfg.encodeInvalid = 0
			if v {
				cfg.encodeInvalid = 1
			}
		default:
			switch s := checkString(L, 1); s {
			case "off":
				cfg.encodeInvalid = 0
			case "on":
				cfg.encodeInvalid = 1
			case "null":
				cfg.encodeInvalid = 2
			default:
				L.ArgError(1, "invalid option '"+s+"'")
			}
		}
	}
	switch cfg.encodeInvalid {
	case 1:
		L.Push(glua.LTrue)
	case 2:
		L.Push(glua.LString("null"))
	default:
		L.Push(glua.LFalse)
	}
	return 1
}

func (cfg *cjsonConfig) optSparse(L *glua.LState) int {
	argCount(L, 3)
	if L.GetTop() >= 1 && L.Get(1) != glua.LNil {
		b, ok := L.Get(1).(glua.LBool)
		if !ok {
			L.ArgError(1, "expected boolean")
		}
		cfg.sparseConvert = bool(b)
	}
	for i, v := range []*int{&cfg.sparseRatio, &cfg.sparseSafe} {
		if L.GetTop() >= i+2 && L.Get(i+2) != glua.LNil {
			n := int(checkNumber(L, i+2))
			if n < 0 {
				L.ArgError(i+2, "expected integer between 0 and 2147483647")
			}
			*v = n
		}
	}
	L.Push(glua.LBool(cfg.sparseConvert))
	L.Push(glua.LNumber(cfg.sparseRatio))
	L.Push(glua.LNumber(cfg.sparseSafe))
	return 3
}

// encode is cjson.encode(value).
func (cfg *cjsonConfig) encode(L *glua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	cfg.depth = 0
	out := cfg.appendValue(L, nil, L.Get(1))
	L.Push(glua.LString(out))
	return 1
}

// jsonEscapes is cjson's char2escape: control characters, '"', '/', '\'
// and DEL.
var jsonEscapes = func() [256]string {
	var t [256]string
	for i := 0; i < 32; i++ {
		t[i] = `\u00` + strconv.FormatInt(int64(i>>4), 16) + strconv.FormatInt(int64(i&15), 16)
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	t['"'], t['/'], t['\\'], t[127] = `\"`, `\/`, `\\`, `\u007f`
	return t
}()

func appendJSONString(out []byte, s string) []byte {
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		if e := jsonEscapes[s[i]]; e != "" {
			out = append(out, e...)
		} else {
			out = append(out, s[i])
		}
	}
	return append(out, '"')
}

// encodeError raises cjson's "Cannot serialise <type>: <reason>".
func encodeError(L *glua.LState, v glua.LValue, reason string) {
	L.RaiseError("Cannot serialise %s: %s", v.Type().String(), reason)
}

func (cfg *cjsonConfig) appendNumber(L *glua.LState, out []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch cfg.encodeInvalid {
		case 0:
			encodeError(L, glua.LNumber(f), "must not be NaN or Inf")
		case 2:
			return append(out, "null"...)
		}
	}
	switch {
	case math.IsInf(f, 1):
		return append(out, "Infinity"...)
	case math.IsInf(f, -1):
		return append(out, "-Infinity"...)
	case math.IsNaN(f):
		return append(out, "NaN"...)
	}
	return strconv.AppendFloat(out, f, 'g', cfg.precision, 64)
}

func (cfg *cjsonConfig) appendValue(L *glua.LState, out []byte, v glua.LValue) []byte {
	switch v := v.(type) {
	case glua.LString:
		return appendJSONString(out, string(v))
	case glua.LNumber:
		return cfg.appendNumber(L, out, float64(v))
	case glua.LBool:
		if v {
			return append(out, "true"...)
		}
		return append(out, "false"...)
	case *glua.LNilType:
		return append(out, "null"...)
	case *glua.LUserData:
		if v == cfg.null {
			return append(out, "null"...)
		}
	case *glua.LTable:
		cfg.depth++
		if cfg.depth > cfg.encodeMaxDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", cfg.depth)
		}
		if n := cfg.arrayLength(L, v); n > 0 {
			out = append(out, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					out = append(out, ',')
				}
				out = cfg.appendValue(L, out, v.RawGetInt(i))
			}
			out = append(out, ']')
		} else {
			out = append(out, '{')
			first := true
			for k, val := v.Next(glua.LNil); k != glua.LNil; k, val = v.Next(k) {
				if !first {
					out = append(out, ',')
				}
				first = false
				switch k := k.(type) {
				case glua.LNumber:
					out = append(out, '"')
					out = cfg.appendNumber(L, out, float64(k))
					out = append(out, '"', ':')
				case glua.LString:
					out = appendJSONString(out, string(k))
					out = append(out, ':')
				default:
					encodeError(L, k, "table key must be a number or string")
				}
				out = cfg.appendValue(L, out, val)
			}
			out = append(out, '}')
		}
		cfg.depth--
		return out
	}
	encodeError(L, v, "type not supported")
	return out
}

// arrayLength is lua_array_length: the largest key when every key is a
// positive integer, -1 otherwise; an excessively sparse array is an error
// (or an object when sparse conversion is on).
func (cfg *cjsonConfig) arrayLength(L *glua.LState, t *glua.LTable) int {
	maxKey, items := 0.0, 0
	for k, _ := t.Next(glua.LNil); k != glua.LNil; k, _ = t.Next(k) {
		n, ok := k.(glua.LNumber)
		f := float64(n)
		if !ok || f == 0 || math.Floor(f) != f || f < 1 {
			return -1
		}
		maxKey = max(maxKey, f)
		items++
	}
	if cfg.sparseRatio > 0 && maxKey > float64(items*cfg.sparseRatio) && maxKey > float64(cfg.sparseSafe) {
		if !cfg.sparseConvert {
			encodeError(L, t, "excessively sparse array")
		}
		return -1
	}
	return int(maxKey)
}

// decode is cjson.decode(text).
func (cfg *cjsonConfig) decode(L *glua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	s := checkString(L, 1)
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	p := &jsonParser{L: L, cfg: cfg, s: s}
	tok := p.next()
	v := p.value(tok, 0)
	if tok := p.next(); tok.kind != jEnd {
		p.fail("the end", tok)
	}
	L.Push(v)
	return 1
}

type jsonKind int

const (
	jObjBegin jsonKind = iota
	jObjEnd
	jArrBegin
	jArrEnd
	jString
	jNumber
	jBoolean
	jNull
	jColon
	jComma
	jEnd
	jWhitespace
	jError
)

var jsonKindNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR"}

type jsonToken struct {
	kind  jsonKind
	pos   int
	str   string
	num   float64
	b     bool
	error string
}

type jsonParser struct {
	L   *glua.LState
	cfg *cjsonConfig
	s   string
	i   int
}

// at is the byte at i, NUL past the end (cjson reads a NUL-terminated copy).
func (p *jsonParser) at(i int) byte {
	if i < len(p.s) {
		return p.s[i]
	}
	return 0
}

func (p *jsonParser) fail(expected string, t jsonToken) {
	found := t.error
	if t.kind != jError {
		found = jsonKindNames[t.kind]
	}
	p.L.RaiseError("Expected %s but found %s at character %d", expected, found, t.pos+1)
}

func (p *jsonParser) next() jsonToken {
	for {
		switch p.at(p.i) {
		case ' ', '\t', '\n', '\r':
			p.i++
			continue
		}
		break
	}
	t := jsonToken{pos: p.i}
	c := p.at(p.i)
	if k := strings.IndexByte("{}[],:", c); k >= 0 && c != 0 {
		t.kind = [...]jsonKind{jObjBegin, jObjEnd, jArrBegin, jArrEnd, jComma, jColon}[k]
		p.i++
		return t
	}
	rest := p.s[min(p.i, len(p.s)):]
	switch {
	case c == 0:
		t.kind = jEnd
	case c == '"':
		p.stringToken(&t)
	case c == '-' || '0' <= c && c <= '9':
		if !p.cfg.decodeInvalid && p.invalidNumber() {
			return p.tokenError(t, "invalid number")
		}
		p.numberToken(&t)
	case strings.HasPrefix(rest, "true"):
		t.kind, t.b = jBoolean, true
		p.i += 4
	case strings.HasPrefix(rest, "false"):
		t.kind = jBoolean
		p.i += 5
	case strings.HasPrefix(rest, "null"):
		t.kind = jNull
		p.i += 4
	case strings.IndexByte("+iInN", c) >= 0 && p.cfg.decodeInvalid && p.invalidNumber():
		p.numberToken(&t)
	default:
		return p.tokenError(t, "invalid token")
	}
	return t
}

func (p *jsonParser) tokenError(t jsonToken, msg string) jsonToken {
	t.kind, t.error, t.pos = jError, msg, p.i
	return t
}

// invalidNumber is json_is_invalid_number: forms strtod takes that JSON
// does not (+, hex, leading zeros, inf, nan).
func (p *jsonParser) invalidNumber() bool {
	i := p.i
	if p.at(i) == '+' {
		return true
	}
	if p.at(i) == '-' {
		i++
	}
	if p.at(i) == '0' {
		c := p.at(i + 1)
		return c|0x20 == 'x' || '0' <= c && c <= '9'
	}
	if p.at(i) <= '9' {
		return false
	}
	rest := strings.ToLower(p.s[min(i, len(p.s)):])
	return strings.HasPrefix(rest, "inf") || strings.HasPrefix(rest, "nan")
}

func (p *jsonParser) numberToken(t *jsonToken) {
	f, n := strtod(p.s[p.i:])
	if n == 0 {
		*t = p.tokenError(*t, "invalid number")
		return
	}
	t.kind, t.num = jNumber, f
	p.i += n
}

func (p *jsonParser) stringToken(t *jsonToken) {
	p.i++ // opening quote
	var b []byte
	for {
		c := p.at(p.i)
		switch {
		case c == '"':
			p.i++
			t.kind, t.str = jString, string(b)
			return
		case c == 0 && p.i >= len(p.s):
			*t = p.tokenError(*t, "unexpected end of string")
			return
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		switch e := p.at(p.i + 1); e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 't':
			b = append(b, '\t')
		case 'n':
			b = append(b, '\n')
		case 'f':
			b = append(b, '\f')
		case 'r':
			b = append(b, '\r')
		case 'u':
			r, n := p.unicodeEscape()
			if n == 0 {
				*t = p.tokenError(*t, "invalid unicode escape code")
				return
			}
			b = utf8.AppendRune(b, r)
			p.i += n
			continue
		default:
			*t = p.tokenError(*t, "invalid escape code")
			return
		}
		p.i += 2
	}
}

// unicodeEscape decodes \uXXXX (or a surrogate pair) at p.i: the code point
// and the escape's length, 0 when invalid.
func (p *jsonParser) unicodeEscape() (rune, int) {
	hex4 := func(i int) int {
		if i+4 > len(p.s) {
			return -1
		}
		n, err := strconv.ParseUint(p.s[i:i+4], 16, 16)
		if err != nil || strings.ContainsAny(p.s[i:i+4], "+-_") {
			return -1
		}
		return int(n)
	}
	cp := hex4(p.i + 2)
	if cp < 0 {
		return 0, 0
	}
	if cp&0xF800 != 0xD800 {
		return rune(cp), 6
	}
	if cp&0x400 != 0 || p.at(p.i+6) != '\\' || p.at(p.i+7) != 'u' {
		return 0, 0
	}
	low := hex4(p.i + 8)
	if low < 0 || low&0xFC00 != 0xDC00 {
		return 0, 0
	}
	return rune((cp&0x3FF)<<10|(low&0x3FF)) + 0x10000, 12
}

func (p *jsonParser) value(t jsonToken, depth int) glua.LValue {
	L := p.L
	switch t.kind {
	case jString:
		return glua.LString(t.str)
	case jNumber:
		return glua.LNumber(t.num)
	case jBoolean:
		return glua.LBool(t.b)
	case jNull:
		return p.cfg.null
	case jObjBegin, jArrBegin:
		depth++
		if depth > p.cfg.decodeMaxDepth {
			L.RaiseError("Found too many nested data structures (%d) at character %d", depth, t.pos+1)
		}
		tbl := L.NewTable()
		if t.kind == jArrBegin {
			p.array(tbl, depth)
		} else {
			p.object(tbl, depth)
		}
		return tbl
	}
	p.fail("value", t)
	return nil
}

func (p *jsonParser) object(tbl *glua.LTable, depth int) {
	t := p.next()
	if t.kind == jObjEnd {
		return
	}
	for {
		if t.kind != jString {
			p.fail("object key string", t)
		}
		key := t.str
		if t = p.next(); t.kind != jColon {
			p.fail("colon", t)
		}
		tbl.RawSetString(key, p.value(p.next(), depth))
		t = p.next()
		if t.kind == jObjEnd {
			return
		}
		if t.kind != jComma {
			p.fail("comma or object end", t)
		}
		t = p.next()
	}
}

func (p *jsonParser) array(tbl *glua.LTable, depth int) {
	t := p.next()
	if t.kind == jArrEnd {
		return
	}
	for i := 1; ; i++ {
		tbl.RawSetInt(i, p.value(t, depth))
		t = p.next()
		if t.kind == jArrEnd {
			return
		}
		if t.kind != jComma {
			p.fail("comma or array end", t)
		}
		t = p.next()
	}
}

// strtod parses the longest prefix of s that C's strtod accepts: decimal
// with optional fraction and exponent, hexadecimal, inf, infinity, nan;
// with an optional sign. n is the length consumed, 0 when none.
func strtod(s string) (float64, int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	low := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(low, "infinity"):
		return sign(math.Inf(1)), i + 8
	case strings.HasPrefix(low, "inf"):
		return sign(math.Inf(1)), i + 3
	case strings.HasPrefix(low, "nan"):
		return sign(math.NaN()), i + 3
	}
	start := i
	if strings.HasPrefix(low, "0x") {
		j := i + 2
		for j < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
			j++
		}
		if j > i+2 {
			n, _ := strconv.ParseUint(s[i+2:j], 16, 64)
			return sign(float64(n)), j
		}
		return 0, i + 1 // "0" then "x"
	}
	digits := func(j int) int {
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		return j
	}
	j := digits(i)
	mant := j - i
	if j < len(s) && s[j] == '.' {
		k := digits(j + 1)
		mant += k - j - 1
		j = k
	}
	if mant == 0 {
		return 0, 0
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if e := digits(k); e > k {
			j = e
		}
	}
	f, err := strconv.ParseFloat(s[start:j], 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, 0
		}
	}
	return sign(f), j
}
