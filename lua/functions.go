package lua

import (
	"sort"
	"strings"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/cachee/cachee/engine"
)

// Redis 7 functions: libraries loaded with FUNCTION LOAD register named
// functions with redis.register_function; FCALL calls them. Every library
// lives in one interpreter (fnState), whose globals are the library API while
// a library's code runs and the run-time API when its functions are called.

// library is a loaded library: its code and the functions it registered.
type library struct {
	name      string
	code      string
	functions map[string]*function
}

// function is a registered function.
type function struct {
	name     string
	lib      *library
	callback *glua.LFunction
	flags    scriptFlags
	desc     string
	hasDesc  bool
}

// Errors of FUNCTION and FCALL, as Redis 7.0 words them.
const (
	errFunctionNotFound = "ERR Function not found"
	errBadNumkeys       = "ERR Bad number of keys provided"
	errLibraryNotFound  = "ERR Library not found"
	errFunctionFlush    = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	errMissingMetadata  = "Missing library metadata"
	errInvalidMetadata  = "Invalid library metadata"
	errNoLibraryName    = "Library name was not given"
	errBadName          = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
	errNoFunctions      = "No functions registered"
	errLoadTimeout      = "ERR FUNCTION LOAD timeout"
)

// loadTimeout bounds a library's top-level code, as Redis's 500 ms.
const loadTimeout = 500 * time.Millisecond

// FCall implements engine.Scripting: FCALL and FCALL_RO.
func (sc *scripting) FCall(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	f := sc.functions[strings.ToLower(string(argv[1]))]
	if f == nil {
		w.Error(errFunctionNotFound)
		return
	}
	if _, ok := engine.ParseInt(argv[2]); !ok {
		w.Error(errBadNumkeys)
		return
	}
	keys, args, msg := numkeys(argv)
	if msg != "" {
		w.Error(msg)
		return
	}
	readOnly := isRO(argv[0])
	if msg := f.flags.check(readOnly); msg != "" {
		w.Error(msg)
		return
	}
	st := sc.fnState
	st.setLoading(false)
	cmd := make([][]byte, len(argv))
	for i, a := range argv {
		cmd[i] = append([]byte(nil), a...)
	}
	o := engine.ScriptOptions{Name: f.name, Function: true, Args: cmd, ReadOnly: readOnly || f.flags&flagNoWrites != 0}
	sc.run(st, s, w, o, f.callback, st.array(keys), st.array(args))
	if st.broken {
		sc.resetFunctions(sc.libs)
		return
	}
	st.reset()
}

// FunctionLoad implements engine.Scripting: FUNCTION LOAD [REPLACE] code.
func (sc *scripting) FunctionLoad(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	replace := false
	args := argv[2:]
	for len(args) > 1 {
		if !strings.EqualFold(string(args[0]), "replace") {
			w.Error("ERR Unknown option given: " + string(args[0]))
			return
		}
		replace = true
		args = args[1:]
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	lib, msg := sc.loadLibrary(string(args[0]), replace, sc.libs)
	if msg != "" {
		w.Error(msg)
		return
	}
	sc.link(lib)
	w.BulkString(lib.name)
}

// loadLibrary compiles and runs a library's code and checks what it
// registered against libs (the libraries it would join), in Redis's order:
// metadata, name, engine, existing library, code, function names. It does
// not link the library; msg is the error reply.
func (sc *scripting) loadLibrary(code string, replace bool, libs map[string]*library) (*library, string) {
	name, body, msg := libraryMetadata(code)
	if msg != "" {
		return nil, "ERR " + msg
	}
	if old := libs[name]; old != nil && !replace {
		return nil, "ERR Library '" + name + "' already exists"
	}
	proto, err := compile(body, functionChunk)
	if err != nil {
		return nil, "ERR Error compiling function: " + syntaxError(err, functionChunk, body)
	}
	lib := &library{name: name, code: code, functions: map[string]*function{}}
	if msg := sc.runLibrary(lib, proto); msg != "" {
		return nil, msg
	}
	if len(lib.functions) == 0 {
		return nil, "ERR " + errNoFunctions
	}
	for _, f := range lib.sorted() {
		if other := sc.functions[strings.ToLower(f.name)]; other != nil && other.lib.name != name {
			return nil, "ERR Function " + f.name + " already exists"
		}
	}
	return lib, ""
}

// libraryMetadata parses a library's first line ("#!lua name=mylib") and
// returns its name and its code with that line blanked (line numbers stay).
func libraryMetadata(code string) (name, body, msg string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", errMissingMetadata
	}
	nl := strings.IndexByte(code, '\n')
	if nl < 0 {
		return "", "", errInvalidMetadata
	}
	parts := strings.Fields(code[:nl])
	if len(parts) == 0 {
		return "", "", errInvalidMetadata
	}
	engineName := parts[0][2:]
	named := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(p[:5], "name=") {
			if named {
				return "", "", "Invalid metadata value, name argument was given multiple times"
			}
			name, named = p[5:], true
			continue
		}
		return "", "", "Invalid metadata value given: " + p
	}
	switch {
	case !named:
		return "", "", errNoLibraryName
	case !validName(name):
		return "", "", errBadName
	case !strings.EqualFold(engineName, "lua"):
		return "", "", "Engine '" + engineName + "' not found"
	}
	return name, code[nl:], ""
}

// validName is Redis's functionsVerifyName: letters, digits and
// underscores, at least one.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// runLibrary runs a library's top-level code in the function interpreter
// with the library API as globals, collecting what it registers into lib.
func (sc *scripting) runLibrary(lib *library, proto *glua.FunctionProto) string {
	st := sc.functionState()
	st.setLoading(true)
	st.library = lib
	defer func() {
		st.library = nil
		st.setLoading(false)
		st.reset()
	}()
	cancel := st.cancel
	timer := time.AfterFunc(loadTimeout, cancel)
	defer timer.Stop()
	fn := st.L.NewFunctionFromProto(proto)
	st.L.Push(fn)
	err := st.L.PCall(0, 0, nil)
	if err == nil {
		return ""
	}
	if st.ctx.Err() != nil {
		return errLoadTimeout
	}
	obj := glua.LValue(glua.LString(err.Error()))
	if ae, ok := err.(*glua.ApiError); ok {
		obj = ae.Object
	}
	msg := ""
	switch v := obj.(type) {
	case *glua.LTable:
		if m, ok := v.RawGetString("err").(glua.LString); ok {
			msg = string(m)
		}
	case glua.LString, glua.LNumber:
		msg = "ERR " + translateError(luaToString(v), st.argc)
	}
	return "ERR Error registering functions: " + msg
}

// functionState is the interpreter every library lives in.
func (sc *scripting) functionState() *state {
	if sc.fnState == nil {
		sc.fnState = newState(sc, false)
	}
	return sc.fnState
}

// Errors register_function raises, as Redis 7.0 words them.
const (
	errRegisterOutside   = "ERR redis.register_function can only be called on FUNCTION LOAD command"
	errRegisterArgc      = "ERR wrong number of arguments to redis.register_function"
	errRegisterName      = "ERR first argument to redis.register_function must be a string"
	errRegisterFunc      = "ERR second argument to redis.register_function must be a function"
	errRegisterTable     = "ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	errRegisterKey       = "ERR named argument key given to redis.register_function is not a string"
	errRegisterNameArg   = "ERR function_name argument given to redis.register_function must be a string"
	errRegisterDescArg   = "ERR description argument given to redis.register_function must be a string"
	errRegisterCallback  = "ERR callback argument given to redis.register_function must be a function"
	errRegisterFlagsArg  = "ERR flags argument to redis.register_function must be a table representing function flags"
	errRegisterFlag      = "ERR unknown flag given"
	errRegisterUnknown   = "ERR unknown argument given to redis.register_function"
	errRegisterNoName    = "ERR redis.register_function must get a function name argument"
	errRegisterNoFunc    = "ERR redis.register_function must get a callback argument"
	errRegisterDuplicate = "ERR Function already exists in the library"
)

// registerFunction is redis.register_function(name, callback) or
// redis.register_function{function_name=..., callback=..., flags={...},
// description=...}.
func (st *state) registerFunction(L *glua.LState) int {
	if st.library == nil {
		raise(L, errRegisterOutside)
	}
	f := &function{lib: st.library}
	switch L.GetTop() {
	case 1:
		st.registerNamedArgs(L, f)
	case 2:
		name, ok := stringArg(L.Get(1))
		if !ok {
			raise(L, errRegisterName)
		}
		cb, ok := L.Get(2).(*glua.LFunction)
		if !ok {
			raise(L, errRegisterFunc)
		}
		f.name, f.callback = name, cb
	default:
		raise(L, errRegisterArgc)
	}
	if !validName(f.name) {
		raise(L, "ERR "+errBadName)
	}
	if st.library.functions[strings.ToLower(f.name)] != nil {
		raise(L, errRegisterDuplicate)
	}
	st.library.functions[strings.ToLower(f.name)] = f
	return 0
}

func (st *state) registerNamedArgs(L *glua.LState, f *function) {
	t, ok := L.Get(1).(*glua.LTable)
	if !ok {
		raise(L, errRegisterTable)
	}
	named := false
	for k, v := t.Next(glua.LNil); k != glua.LNil; k, v = t.Next(k) {
		key, ok := stringArg(k)
		if !ok {
			raise(L, errRegisterKey)
		}
		switch strings.ToLower(key) {
		case "function_name":
			if f.name, ok = stringArg(v); !ok {
				raise(L, errRegisterNameArg)
			}
			named = true
		case "description":
			if f.desc, ok = stringArg(v); !ok {
				raise(L, errRegisterDescArg)
			}
			f.hasDesc = true
		case "callback":
			if f.callback, ok = v.(*glua.LFunction); !ok {
				raise(L, errRegisterCallback)
			}
		case "flags":
			flags, ok := v.(*glua.LTable)
			if !ok {
				raise(L, errRegisterFlagsArg)
			}
			for fk, fv := flags.Next(glua.LNil); fk != glua.LNil; fk, fv = flags.Next(fk) {
				name, _ := fv.(glua.LString)
				flag, known := flagByName(string(name))
				if _, isStr := fv.(glua.LString); !isStr || !known {
					raise(L, errRegisterFlag)
				}
				f.flags |= flag
			}
		default:
			raise(L, errRegisterUnknown)
		}
	}
	if !named {
		raise(L, errRegisterNoName)
	}
	if f.callback == nil {
		raise(L, errRegisterNoFunc)
	}
}

// stringArg is a string or number argument as a string (lua_isstring).
func stringArg(v glua.LValue) (string, bool) {
	switch v.(type) {
	case glua.LString, glua.LNumber:
		return luaToString(v), true
	}
	return "", false
}

// link makes lib current, replacing a library of the same name.
func (sc *scripting) link(lib *library) {
	if old := sc.libs[lib.name]; old != nil {
		sc.unlink(old)
	}
	sc.libs[lib.name] = lib
	for key, f := range lib.functions {
		sc.functions[key] = f
	}
	sc.counts()
}

func (sc *scripting) unlink(lib *library) {
	delete(sc.libs, lib.name)
	for key := range lib.functions {
		delete(sc.functions, key)
	}
	sc.counts()
}

func (sc *scripting) counts() {
	sc.nLibs.Store(int64(len(sc.libs)))
	sc.nFuncs.Store(int64(len(sc.functions)))
}

// FunctionCounts implements engine.Scripting.
func (sc *scripting) FunctionCounts() (int, int) {
	return int(sc.nLibs.Load()), int(sc.nFuncs.Load())
}

// FunctionDelete implements engine.Scripting: FUNCTION DELETE name.
func (sc *scripting) FunctionDelete(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	lib := sc.libs[string(argv[2])]
	if lib == nil {
		w.Error(errLibraryNotFound)
		return
	}
	sc.unlink(lib)
	w.Status("OK")
}

// FunctionFlush implements engine.Scripting: FUNCTION FLUSH [ASYNC|SYNC].
func (sc *scripting) FunctionFlush(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	if !flushMode(argv) {
		w.Error(errFunctionFlush)
		return
	}
	sc.mu.Lock()
	sc.resetFunctions(nil)
	sc.mu.Unlock()
	w.Status("OK")
}

// resetFunctions drops every library and the interpreter they live in,
// then reloads libs (nil: none) into a fresh one.
func (sc *scripting) resetFunctions(libs map[string]*library) {
	if sc.fnState != nil {
		sc.fnState.L.Close()
		sc.fnState = nil
	}
	sc.libs, sc.functions = map[string]*library{}, map[string]*function{}
	for _, lib := range sortedLibs(libs) {
		if fresh, msg := sc.loadLibrary(lib.code, true, sc.libs); msg == "" {
			sc.link(fresh)
		}
	}
	sc.counts()
}

func sortedLibs(libs map[string]*library) []*library {
	out := make([]*library, 0, len(libs))
	for _, l := range libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// sorted is lib's functions by name.
func (lib *library) sorted() []*function {
	out := make([]*function, 0, len(lib.functions))
	for _, f := range lib.functions {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// FunctionList implements engine.Scripting: FUNCTION LIST [LIBRARYNAME
// pattern] [WITHCODE]. Redis lists in its hash tables' order; we sort.
func (sc *scripting) FunctionList(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	withCode, pattern, hasPattern := false, "", false
	for i := 2; i < len(argv); i++ {
		a := string(argv[i])
		switch {
		case !withCode && strings.EqualFold(a, "withcode"):
			withCode = true
		case !hasPattern && strings.EqualFold(a, "libraryname"):
			if i >= len(argv)-1 {
				w.Error("ERR library name argument was not given")
				return
			}
			i++
			pattern, hasPattern = string(argv[i]), true
		default:
			w.Error("ERR Unknown argument " + a)
			return
		}
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	var libs []*library
	for _, lib := range sortedLibs(sc.libs) {
		if !hasPattern || engine.GlobMatch([]byte(pattern), lib.name, true) {
			libs = append(libs, lib)
		}
	}
	w.Array(len(libs))
	for _, lib := range libs {
		n := 3
		if withCode {
			n = 4
		}
		w.Map(n)
		w.BulkString("library_name")
		w.BulkString(lib.name)
		w.BulkString("engine")
		w.BulkString("LUA")
		w.BulkString("functions")
		fns := lib.sorted()
		w.Array(len(fns))
		for _, f := range fns {
			w.Map(3)
			w.BulkString("name")
			w.BulkString(f.name)
			w.BulkString("description")
			if f.hasDesc {
				w.BulkString(f.desc)
			} else {
				w.Null()
			}
			w.BulkString("flags")
			var names []string
			for _, fl := range flagNames {
				if f.flags&fl.flag != 0 {
					names = append(names, fl.name)
				}
			}
			w.Set(len(names))
			for _, name := range names {
				w.Status(name)
			}
		}
		if withCode {
			w.BulkString("library_code")
			w.BulkString(lib.code)
		}
	}
}
