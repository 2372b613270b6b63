package lua

import (
	"context"
	"strings"

	glua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/cachee/cachee/engine"
)

// state is one interpreter with Redis's sandbox: the EVAL interpreter, or
// the FUNCTION one whose globals switch between the library-loading API and
// the run-time API. A state is used by one script at a time (scripts run
// with every shard locked) and reset after each run.
type state struct {
	sc   *scripting
	L    *glua.LState
	eval bool // EVAL's interpreter (KEYS and ARGV globals, debugger stubs)

	// globals is the real globals table; env, an empty read-only view of it,
	// is the environment of every script, so no script can create or change
	// a global. envMeta is env's metatable: the FUNCTION interpreter points
	// its __index at loadAPI while a library loads.
	globals, env, envMeta *glua.LTable
	loadAPI               *glua.LTable
	// backing maps each read-only view to the table it shows.
	backing map[*glua.LTable]*glua.LTable
	// strMeta is a read-only view of the string metatable, for getmetatable.
	strMeta *glua.LTable

	// ctx is the interpreter's context: cancelling it stops the running
	// script at its next instruction (SCRIPT KILL, limits). It is renewed
	// after a run that cancelled it or created coroutines (which hang
	// contexts of their own on it).
	ctx      context.Context
	cancel   context.CancelFunc
	ctxDirty bool

	handler *glua.LFunction // the error handler scripts run under
	// closures are the script functions of this state, by prototype, and
	// keys and args the KEYS and ARGV tables, reused while no script
	// changed more than their elements.
	closures   map[*glua.FunctionProto]*glua.LFunction
	keys, args *glua.LTable

	run     *engine.ScriptRun // the running script, nil between runs
	sink    sink              // redis.call's reply writer
	argbuf  []byte            // redis.call's argument bytes
	argEnds []int
	argv    [][]byte
	library *library // the library being loaded (FUNCTION LOAD), else nil
	// argc is how many arguments the library function running (or that
	// raised the error being handled) got, for Lua's "got no value".
	argc   int
	broken bool // a panic escaped the interpreter: do not reuse
}

// Interpreter limits: call depth (Lua 5.1 allows 20000 frames; gopher-lua
// builds an O(depth²) traceback when a script overflows its call stack, so
// the bound is lower: recursion past 4000 calls is a "stack overflow"), and
// the value stack, which grows as needed up to a bound.
const (
	callStackSize   = 4000
	registrySize    = 8 << 10
	registryMaxSize = 1 << 20
)

// newState builds an interpreter: the libraries Redis loads, Redis's
// replacements and removals, the redis table, then every global table made
// read-only.
func newState(sc *scripting, eval bool) *state {
	L := glua.NewState(glua.Options{
		SkipOpenLibs:     true,
		CallStackSize:    callStackSize,
		RegistrySize:     registrySize,
		RegistryMaxSize:  registryMaxSize,
		RegistryGrowStep: registrySize,
	})
	st := &state{sc: sc, L: L, eval: eval, backing: map[*glua.LTable]*glua.LTable{},
		closures: map[*glua.FunctionProto]*glua.LFunction{}}
	st.sink.st = st
	for _, lib := range []struct {
		name string
		open glua.LGFunction
	}{
		{"", glua.OpenBase}, {glua.TabLibName, glua.OpenTable}, {glua.StringLibName, glua.OpenString},
		{glua.MathLibName, glua.OpenMath}, {glua.CoroutineLibName, glua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(glua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	st.globals = g
	st.installStdlib(g)
	st.trackArgs(g)
	g.RawSetString("cjson", openCjson(L))
	g.RawSetString("cmsgpack", openCmsgpack(L))
	g.RawSetString("bit", openBit(L))
	g.RawSetString("struct", openStruct(L))
	g.RawSetString("redis", st.redisAPI(eval))
	if eval {
		// Redis keeps its error handler as a global; scripts can see (but
		// not change) it.
		g.RawSetString("__redis__err__handler", L.NewFunction(errHandler))
	}

	// Read-only views, innermost first, so every table a script can reach
	// from a global is a view.
	strTable := g.RawGetString(glua.StringLibName).(*glua.LTable)
	strTable.RawSetString("__index", glua.LNil)
	st.protectFields(g)
	strMeta := L.NewTable()
	strMeta.RawSetString("__index", g.RawGetString(glua.StringLibName))
	L.SetMetatable(glua.LString(""), strMeta)
	st.strMeta = st.protect(strMeta)
	L.SetMetatable(g, st.undefinedGlobalMeta())
	st.env = st.protect(g)
	st.envMeta = L.GetMetatable(st.env).(*glua.LTable)
	g.RawSetString("_G", st.env)
	L.Env = st.env
	if !eval {
		st.loadAPI = st.libraryAPI()
	}
	st.handler = st.errHandler()
	st.newContext()
	return st
}

// closure is the function for a compiled script in this state, made once:
// scripts cannot change a function's environment, and a main chunk has no
// upvalues, so it can be called again and again.
func (st *state) closure(p *glua.FunctionProto) *glua.LFunction {
	fn := st.closures[p]
	if fn == nil {
		fn = st.L.NewFunctionFromProto(p)
		st.closures[p] = fn
	}
	return fn
}

// trackArgs wraps the library functions in g (base, string, table, math,
// coroutine) so that each records its argument count in st.argc.
func (st *state) trackArgs(g *glua.LTable) {
	wrap := func(t *glua.LTable) {
		var names []glua.LValue
		t.ForEach(func(k, v glua.LValue) {
			if fn, ok := v.(*glua.LFunction); ok && fn.IsG {
				names = append(names, k)
			}
		})
		for _, k := range names {
			orig := t.RawGet(k).(*glua.LFunction)
			fn := orig.GFunction
			upvalues := make([]glua.LValue, len(orig.Upvalues))
			for i, u := range orig.Upvalues {
				upvalues[i] = u.Value()
			}
			t.RawSet(k, st.L.NewClosure(func(L *glua.LState) int {
				prev := st.argc
				st.argc = L.GetTop()
				n := fn(L)
				st.argc = prev
				return n
			}, upvalues...))
		}
	}
	wrap(g)
	for _, lib := range []string{glua.StringLibName, glua.TabLibName, glua.MathLibName, glua.CoroutineLibName} {
		wrap(g.RawGetString(lib).(*glua.LTable))
	}
}

// newContext gives the interpreter a fresh context.
func (st *state) newContext() {
	st.ctx, st.cancel = context.WithCancel(context.Background())
	st.L.SetContext(st.ctx)
	st.ctxDirty = false
}

// reset makes the state ready for the next script.
func (st *state) reset() {
	st.L.SetTop(0)
	if st.ctxDirty || st.ctx.Err() != nil {
		st.cancel()
		st.newContext()
	}
	st.run = nil
	st.sink.reset()
}

// protect returns a read-only view of t: an empty table that reads through
// to t and refuses writes with Redis's error.
func (st *state) protect(t *glua.LTable) *glua.LTable {
	L := st.L
	view := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(readonlyError))
	L.SetMetatable(view, mt)
	st.backing[view] = t
	return view
}

// protectFields replaces every table t holds (recursively) by its read-only
// view.
func (st *state) protectFields(t *glua.LTable) {
	var tables []glua.LValue
	t.ForEach(func(k, v glua.LValue) {
		if sub, ok := v.(*glua.LTable); ok && st.backing[sub] == nil && sub != t {
			tables = append(tables, k)
		}
	})
	for _, k := range tables {
		sub := t.RawGet(k).(*glua.LTable)
		st.protectFields(sub)
		t.RawSet(k, st.protect(sub))
	}
}

// view returns the table a read-only view shows, or nil for other values.
func (st *state) view(v glua.LValue) *glua.LTable {
	if t, ok := v.(*glua.LTable); ok {
		return st.backing[t]
	}
	return nil
}

const (
	errReadonly        = "Attempt to modify a readonly table"
	errUndefinedGlobal = "Script attempted to access nonexistent global variable '"
)

// readonlyError is a view's __newindex.
func readonlyError(L *glua.LState) int {
	L.RaiseError(errReadonly)
	return 0
}

// undefinedGlobalMeta is the metatable of a globals table: reading a name
// it lacks is an error, as in Redis.
func (st *state) undefinedGlobalMeta() *glua.LTable {
	mt := st.L.NewTable()
	mt.RawSetString("__index", st.L.NewFunction(func(L *glua.LState) int {
		L.RaiseError("%s%s'", errUndefinedGlobal, luaToString(L.Get(2)))
		return 0
	}))
	return mt
}

// libraryAPI is what a library's code sees while FUNCTION LOAD runs it: a
// redis table with register_function, log and the version, nothing else.
func (st *state) libraryAPI() *glua.LTable {
	L := st.L
	r := L.NewTable()
	r.RawSetString("register_function", L.NewFunction(st.registerFunction))
	st.addLogAndVersion(r)
	L.SetMetatable(r, st.undefinedGlobalMeta())
	api := L.NewTable()
	api.RawSetString("redis", st.protect(r))
	L.SetMetatable(api, st.undefinedGlobalMeta())
	return api
}

// setLoading points the FUNCTION interpreter's globals at the library API
// (true) or the run-time API.
func (st *state) setLoading(on bool) {
	if on {
		st.envMeta.RawSetString("__index", st.loadAPI)
	} else {
		st.envMeta.RawSetString("__index", st.globals)
	}
}

// chunk names, as Redis names them in errors ("user_script:1: ...").
const (
	scriptChunk   = "user_script"
	functionChunk = "user_function"
)

// compile parses and compiles src. Prototypes are immutable and shared by
// every state.
func compile(src, chunk string) (*glua.FunctionProto, error) {
	ast, err := parse.Parse(strings.NewReader(src), chunk)
	if err != nil {
		return nil, err
	}
	proto, err := glua.Compile(ast, chunk)
	if err != nil {
		return nil, err
	}
	// gopher-lua gives a main chunk Lua 5.0's implicit "arg" table, built at
	// every call; Lua 5.1 (and Redis) does not.
	proto.IsVarArg &^= glua.VarArgNeedsArg
	return proto, nil
}
