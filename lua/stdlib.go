package lua

import (
	"math"
	"strconv"
	"strings"

	glua "github.com/yuin/gopher-lua"
)

// The standard library as Redis 7.0 ships it: gopher-lua's base, table,
// string, math and coroutine libraries minus what Redis removes, with the
// functions whose behaviour Lua 5.1 (or Redis) defines differently
// replaced: number formatting, pcall's handling of Redis error tables, the
// read-only tables, Redis's PRNG, and the bounds that keep a script from
// exhausting memory.

// removedGlobals are gopher-lua globals Redis's interpreter does not have.
var removedGlobals = []string{
	"dofile", "loadfile", "print", "module", "require", "_printregs", "_GOPHER_LUA_VERSION",
	"getfenv", "setfenv", "newproxy",
}

// installStdlib adjusts the opened libraries in the globals table g.
func (st *state) installStdlib(g *glua.LTable) {
	L := st.L
	for _, n := range removedGlobals {
		g.RawSetString(n, glua.LNil)
	}
	fns := map[string]glua.LGFunction{
		"tostring":       baseToString,
		"tonumber":       baseToNumber,
		"error":          baseError,
		"pcall":          basePcall,
		"unpack":         baseUnpack,
		"collectgarbage": baseCollectGarbage,
		"gcinfo":         baseGcinfo,
		"getmetatable":   st.getmetatable,
		"setmetatable":   st.setmetatable,
		"rawset":         st.rawset,
		"rawget":         st.rawget,
		"next":           st.next,
		"pairs":          st.pairs,
	}
	for name, fn := range fns {
		g.RawSetString(name, L.NewFunction(fn))
	}
	tab := g.RawGetString(glua.TabLibName).(*glua.LTable)
	insert, remove := tab.RawGetString("insert").(*glua.LFunction), tab.RawGetString("remove").(*glua.LFunction)
	tab.RawSetString("insert", L.NewFunction(st.refuseViews(insert.GFunction)))
	tab.RawSetString("remove", L.NewFunction(st.refuseViews(remove.GFunction)))
	tab.RawSetString("concat", L.NewFunction(tableConcat))
	tab.RawSetString("foreach", L.NewFunction(tableForeach))
	tab.RawSetString("foreachi", L.NewFunction(tableForeachi))
	tab.RawSetString("setn", L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
	str := g.RawGetString(glua.StringLibName).(*glua.LTable)
	str.RawSetString("rep", L.NewFunction(st.strRep))
	str.RawSetString("format", L.NewFunction(strFormat))
	mth := g.RawGetString(glua.MathLibName).(*glua.LTable)
	mth.RawSetString("random", L.NewFunction(st.mathRandom))
	mth.RawSetString("randomseed", L.NewFunction(st.mathRandomseed))
	co := g.RawGetString(glua.CoroutineLibName).(*glua.LTable)
	for _, name := range []string{"create", "wrap"} {
		orig := co.RawGetString(name).(*glua.LFunction).GFunction
		co.RawSetString(name, L.NewFunction(func(L *glua.LState) int {
			st.ctxDirty = true // the new thread hangs a context on ours
			return orig(L)
		}))
	}
}

// formatNumber is Lua 5.1's number-to-string conversion (LUA_NUMBER_FMT
// "%.14g"), which tostring, string.format("%s") and table.concat use.
func formatNumber(f float64) string { return string(appendFloat(nil, f, 14)) }

// appendFloat is C's "%.<prec>g" with glibc's spellings of infinities and
// NaN ("inf", "-nan"...).
func appendFloat(b []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'g', prec, 64)
}

// luaToString converts a string or number as Lua's lua_tostring does, and
// names other values by type.
func luaToString(v glua.LValue) string {
	switch v := v.(type) {
	case glua.LString:
		return string(v)
	case glua.LNumber:
		return formatNumber(float64(v))
	}
	return v.String()
}

// baseToString is tostring with Lua 5.1's number format.
func baseToString(L *glua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(glua.LNumber); ok {
		L.Push(glua.LString(formatNumber(float64(n))))
		return 1
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

// strToNumber is Lua 5.1's luaO_str2d: C's strtod (decimal, exponent, inf,
// nan) or a hexadecimal integer, surrounded by optional white space.
func strToNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\r\f\v")
	if s == "" {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		if len(s)-len(body) > 1 {
			return 0, false
		}
		n, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil || strings.ContainsAny(body[2:], "+-_") {
			return 0, false
		}
		f := float64(n)
		if s[0] == '-' {
			f = -f
		}
		return f, true
	}
	if strings.ContainsAny(s, "_pP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// baseToNumber is Lua 5.1's tonumber.
func baseToNumber(L *glua.LState) int {
	v := L.CheckAny(1)
	base := 10
	if L.GetTop() >= 2 && L.Get(2) != glua.LNil {
		base = int(L.CheckNumber(2))
	}
	if base == 10 {
		switch v := v.(type) {
		case glua.LNumber:
			L.Push(v)
			return 1
		case glua.LString:
			if f, ok := strToNumber(string(v)); ok {
				L.Push(glua.LNumber(f))
				return 1
			}
		}
		L.Push(glua.LNil)
		return 1
	}
	if base < 2 || base > 36 {
		L.ArgError(2, "base out of range")
	}
	s := strings.Trim(luaToString(L.CheckAny(1)), " \t\n\r\f\v")
	neg := strings.HasPrefix(s, "-")
	n, err := strconv.ParseUint(strings.TrimPrefix(s, "-"), base, 64)
	if err != nil || s == "" {
		L.Push(glua.LNil)
		return 1
	}
	f := float64(n)
	if neg {
		f = -f
	}
	L.Push(glua.LNumber(f))
	return 1
}

// baseError is Lua 5.1's error: strings and numbers get the position of
// the function at level (default 1).
func baseError(L *glua.LState) int {
	v := L.Get(1)
	level := L.OptInt(2, 1)
	switch x := v.(type) {
	case glua.LString, glua.LNumber:
		msg := luaToString(x)
		// A Go function has no position (gopher-lua says "[G]:").
		if w := L.Where(level); level > 0 && w != "" && !strings.HasPrefix(w, "[G]") {
			msg = w + " " + msg
		}
		L.Error(glua.LString(msg), 0)
	}
	L.Error(v, 0)
	return 0
}

// basePcall is Redis 7.0's pcall: an error that is a Redis error table
// ({err=...}, what redis.call raises) is returned as its message string.
func basePcall(L *glua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.Push(glua.LFalse)
		L.Push(glua.LString("attempt to call a nil value"))
		return 2
	}
	if err := L.PCall(n-1, glua.MultRet, nil); err != nil {
		obj := glua.LValue(glua.LString(err.Error()))
		if ae, ok := err.(*glua.ApiError); ok {
			obj = ae.Object
		}
		if t, ok := obj.(*glua.LTable); ok {
			if msg, ok := t.RawGetString("err").(glua.LString); ok {
				obj = msg
			}
		}
		L.SetTop(0)
		L.Push(glua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(glua.LTrue, 1)
	return L.GetTop()
}

// maxUnpack is how many values unpack may push, as Lua 5.1's C stack
// limit (LUAI_MAXCSTACK) allows.
const maxUnpack = 8000

// baseUnpack is Lua 5.1's unpack, bounded like Lua's.
func baseUnpack(L *glua.LState) int {
	t := L.CheckTable(1)
	i := int(L.OptInt64(2, 1))
	var j int
	if L.Get(3) == glua.LNil {
		j = t.Len()
	} else {
		j = int(L.CheckInt64(3))
	}
	if i > j {
		return 0
	}
	if j-i >= maxUnpack {
		L.RaiseError("too many results to unpack")
	}
	for k := i; k <= j; k++ {
		L.Push(t.RawGetInt(k))
	}
	return j - i + 1
}

// baseCollectGarbage answers collectgarbage without reaching the Go
// runtime: there is no Lua heap of the script's own to collect.
func baseCollectGarbage(L *glua.LState) int {
	switch opt := L.OptString(1, "collect"); opt {
	case "count":
		L.Push(glua.LNumber(interpreterKB))
	case "step":
		L.Push(glua.LFalse)
	case "collect", "stop", "restart", "setpause", "setstepmul":
		L.Push(glua.LNumber(0))
	default:
		L.ArgError(1, "invalid option '"+opt+"'")
	}
	return 1
}

// interpreterKB is what collectgarbage("count") and gcinfo report.
const interpreterKB = 32

func baseGcinfo(L *glua.LState) int {
	L.Push(glua.LNumber(interpreterKB))
	return 1
}

// getmetatable: a view of a library table has none, _G's and a string's
// are read-only views.
func (st *state) getmetatable(L *glua.LState) int {
	v := L.CheckAny(1)
	switch {
	case v == st.env:
		L.Push(st.protect(st.undefinedGlobalMeta()))
	case st.view(v) != nil:
		L.Push(glua.LNil)
	case v.Type() == glua.LTString:
		L.Push(st.strMeta)
	default:
		if mt := L.GetMetaField(v, "__metatable"); mt != glua.LNil {
			L.Push(mt)
		} else {
			L.Push(L.GetMetatable(v))
		}
	}
	return 1
}

// refuseView raises Redis's error when argument n is a read-only view.
func (st *state) refuseView(L *glua.LState, n int) {
	if st.view(L.Get(n)) != nil {
		L.Error(glua.LString(errReadonly), 0)
	}
}

// refuseViews wraps a table function that writes its first argument.
func (st *state) refuseViews(fn glua.LGFunction) glua.LGFunction {
	return func(L *glua.LState) int {
		st.refuseView(L, 1)
		return fn(L)
	}
}

func (st *state) setmetatable(L *glua.LState) int {
	t := L.CheckTable(1)
	st.refuseView(L, 1)
	mt := L.Get(2)
	if mt.Type() != glua.LTNil && mt.Type() != glua.LTTable {
		L.TypeError(2, glua.LTTable)
	}
	if L.GetMetaField(t, "__metatable") != glua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	L.SetMetatable(t, mt)
	L.SetTop(1)
	return 1
}

func (st *state) rawset(L *glua.LState) int {
	t := L.CheckTable(1)
	st.refuseView(L, 1)
	k := L.CheckAny(2)
	if k == glua.LNil {
		L.RaiseError("table index is nil")
	}
	t.RawSet(k, L.CheckAny(3))
	L.SetTop(1)
	return 1
}

// readTable is the table to read for t: the backing table of a view.
func (st *state) readTable(t *glua.LTable) *glua.LTable {
	if b := st.backing[t]; b != nil {
		return b
	}
	return t
}

func (st *state) rawget(L *glua.LState) int {
	t := st.readTable(L.CheckTable(1))
	L.Push(t.RawGet(L.CheckAny(2)))
	return 1
}

func (st *state) next(L *glua.LState) int {
	t := st.readTable(L.CheckTable(1))
	k, v := t.Next(L.Get(2))
	if k == glua.LNil {
		L.Push(glua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

func (st *state) pairs(L *glua.LState) int {
	t := L.CheckTable(1)
	L.Push(L.G.Global.RawGetString("next"))
	L.Push(t)
	L.Push(glua.LNil)
	return 3
}

// tableConcat is Lua 5.1's table.concat (numbers in "%.14g").
func tableConcat(L *glua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := int(L.OptInt64(3, 1))
	j := t.Len()
	if L.Get(4) != glua.LNil {
		j = int(L.CheckInt64(4))
	}
	var b strings.Builder
	for k := i; k <= j; k++ {
		v := t.RawGetInt(k)
		switch v.(type) {
		case glua.LString, glua.LNumber:
			b.WriteString(luaToString(v))
		default:
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		if k != j {
			b.WriteString(sep)
		}
	}
	L.Push(glua.LString(b.String()))
	return 1
}

// tableForeach and tableForeachi are Lua 5.1's deprecated iterators, which
// Redis still ships.
func tableForeach(L *glua.LState) int {
	t := L.CheckTable(1)
	fn := L.CheckFunction(2)
	for k, v := t.Next(glua.LNil); k != glua.LNil; k, v = t.Next(k) {
		L.Push(fn)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != glua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

func tableForeachi(L *glua.LState) int {
	t := L.CheckTable(1)
	fn := L.CheckFunction(2)
	for i, n := 1, t.Len(); i <= n; i++ {
		L.Push(fn)
		L.Push(glua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		if r := L.Get(-1); r != glua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// strRep is string.rep, refusing results past the script memory bound
// rather than exhausting the process.
func (st *state) strRep(L *glua.LState) int {
	s := L.CheckString(1)
	n := int64(L.CheckNumber(2))
	if n <= 0 || s == "" {
		L.Push(glua.LString(""))
		return 1
	}
	if limit := st.sc.opts.MaxMemory; limit > 0 && int64(len(s)) > limit/n {
		L.RaiseError("not enough memory")
	}
	L.Push(glua.LString(strings.Repeat(s, int(n))))
	return 1
}
