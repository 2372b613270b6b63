package lua

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/cachee/cachee/engine"
)

// Running a script and reporting its errors as Redis does.

// scriptFlags are the flags of an EVAL shebang or a registered function.
type scriptFlags uint8

const (
	// flagCompat: an EVAL script without a shebang (Redis's
	// SCRIPT_FLAG_EVAL_COMPAT_MODE), which may write unless run by EVAL_RO.
	flagCompat scriptFlags = 1 << iota
	flagNoWrites
	flagAllowOOM
	flagAllowStale
	flagNoCluster
	flagAllowCrossSlot
)

// flagNames are the flag names of shebangs and register_function, in
// Redis's order (FUNCTION LIST prints them in it).
var flagNames = []struct {
	name string
	flag scriptFlags
}{
	{"no-writes", flagNoWrites}, {"allow-oom", flagAllowOOM}, {"allow-stale", flagAllowStale},
	{"no-cluster", flagNoCluster}, {"allow-cross-slot-keys", flagAllowCrossSlot},
}

func flagByName(name string) (scriptFlags, bool) {
	for _, f := range flagNames {
		if f.name == name {
			return f.flag, true
		}
	}
	return 0, false
}

// check is Redis's check before running a script with flags: a script that
// declares it may write cannot run through *_RO.
func (f scriptFlags) check(readOnly bool) string {
	if readOnly && f&(flagCompat|flagNoWrites) == 0 {
		return errROScript
	}
	return ""
}

// parseShebang splits an EVAL body into its flags and its code. The code
// keeps the shebang line's newline so that line numbers in errors are the
// body's.
func parseShebang(body []byte) (scriptFlags, string, string) {
	if !strings.HasPrefix(string(body[:min(2, len(body))]), "#!") {
		return flagCompat, string(body), ""
	}
	nl := strings.IndexByte(string(body), '\n')
	if nl < 0 {
		return 0, "", "ERR Invalid script shebang"
	}
	parts := strings.Fields(string(body[:nl]))
	if len(parts) == 0 || parts[0] != "#!lua" {
		first := ""
		if len(parts) > 0 {
			first = parts[0]
		}
		return 0, "", "ERR Unexpected engine in script shebang: " + first
	}
	var flags scriptFlags
	for _, p := range parts[1:] {
		list, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, "", "ERR Unknown lua shebang option: " + p
		}
		if list == "" {
			continue
		}
		for _, name := range strings.Split(list, ",") {
			f, ok := flagByName(name)
			if !ok {
				return 0, "", "ERR Unexpected flag in script shebang: " + name
			}
			flags |= f
		}
	}
	return flags, string(body[nl:]), ""
}

// call runs fn with args as the running script name and writes its result,
// or its error with Redis's " script: <name>, on <source>:<line>." suffix,
// to w. A panic escaping the interpreter is reported as an error and the
// state is not reused.
func (st *state) call(fn *glua.LFunction, args []glua.LValue, w engine.ReplyWriter, name string) {
	L := st.L
	defer func() {
		if p := recover(); p != nil {
			st.broken = true
			w.Error(fmt.Sprintf("ERR Error running script %s: %v", name, p))
		}
	}()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 1, st.handler)
	if err == nil {
		writeValue(w, L.Get(-1), st.run.Proto(), 0)
		L.Pop(1)
		return
	}
	obj := glua.LValue(glua.LNil)
	if ae, ok := err.(*glua.ApiError); ok {
		obj = ae.Object
	}
	if _, ok := obj.(*glua.LTable); !ok {
		// The handler could not run (the error was running out of call
		// stack): build its result from the message.
		obj = st.errorObject(obj, "", 0)
	}
	w.Error(errorText(scriptError(obj, name)))
}

// errorObject is what the error handler makes of a non-table error: a Redis
// error table, with the position of the error when known (else taken from
// the message).
func (st *state) errorObject(v glua.LValue, source string, line int) *glua.LTable {
	msg := luaToString(v)
	if v == glua.LNil {
		msg = "nil"
	}
	msg = translateError(msg, st.argc)
	t := errorTable(st.L, "ERR "+msg)
	if source == "" {
		if m := positionRe.FindStringSubmatch(msg); m != nil {
			source, line = "@"+m[1], atoi(m[2])
		}
	}
	if source != "" {
		t.RawSetString("source", glua.LString(source))
		t.RawSetString("line", glua.LNumber(line))
	}
	return t
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// scriptError is the error reply for a script's error object: its message
// and, when the handler found them, the script name and position.
func scriptError(obj glua.LValue, name string) string {
	t, ok := obj.(*glua.LTable)
	if !ok {
		return "ERR Error running script " + name + ", " + truncate(luaToString(obj), 100)
	}
	msg := ""
	switch m := t.RawGetString("err").(type) {
	case glua.LString, glua.LNumber:
		msg = luaToString(m)
	}
	source, sok := t.RawGetString("source").(glua.LString)
	line, lok := t.RawGetString("line").(glua.LNumber)
	if sok && lok {
		msg += " script: " + name + ", on " + string(source) + ":" + strconv.FormatInt(int64(line), 10) + "."
	}
	return msg
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// errHandler returns the handler the script runs under: Redis's
// __redis__err__handler, which turns any error into {err=...} and records
// where it happened (the caller when a Go function raised it). A script
// stopped by KILL or a limit reports why instead of what it was doing.
func (st *state) errHandler() *glua.LFunction {
	return st.L.NewFunction(func(L *glua.LState) int {
		v := L.Get(1)
		if reason := st.stopReason(); reason != "" {
			v = errorTable(L, reason)
		}
		source, line, _ := errorPosition(L)
		t, ok := v.(*glua.LTable)
		if !ok {
			t = st.errorObject(v, source, line)
		} else if source != "" {
			t.RawSetString("source", glua.LString(source))
			t.RawSetString("line", glua.LNumber(line))
		}
		L.Push(t)
		return 1
	})
}

// errHandler as a global function (__redis__err__handler), for scripts that
// look at it.
func errHandler(L *glua.LState) int {
	L.Push(L.Get(1))
	return 1
}

// errorPosition is where the error being handled was raised: the Lua
// function at level 1, or its caller when level 1 is a Go function.
func errorPosition(L *glua.LState) (string, int, bool) {
	for level := 1; level <= 2; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0, false
		}
		if _, err := L.GetInfo("Sl", dbg, glua.LNil); err != nil {
			return "", 0, false
		}
		if dbg.What != "G" {
			return "@" + dbg.Source, dbg.CurrentLine, true
		}
	}
	return "", 0, false
}

// stopReason is why the running script is being stopped, or "".
func (st *state) stopReason() string {
	if st.run == nil {
		return ""
	}
	return st.run.StopReason()
}

// watchdog enforces Options.MaxRunTime and MaxMemory: a goroutine, started
// by the first script and gone after a second without one, that looks at
// the running script every CheckInterval.
type watchdog struct {
	sc      *scripting
	mu      sync.Mutex
	running bool
	run     *engine.ScriptRun
	heap    uint64 // heap size when the watchdog first saw run
	seen    *engine.ScriptRun
}

func (wd *watchdog) begin(r *engine.ScriptRun) {
	if wd.sc.opts.MaxRunTime < 0 && wd.sc.opts.MaxMemory < 0 {
		return
	}
	wd.mu.Lock()
	wd.run = r
	if !wd.running {
		wd.running = true
		go wd.loop()
	}
	wd.mu.Unlock()
}

func (wd *watchdog) end() {
	wd.mu.Lock()
	wd.run = nil
	wd.mu.Unlock()
}

func (wd *watchdog) loop() {
	opts := wd.sc.opts
	t := time.NewTicker(opts.CheckInterval)
	defer t.Stop()
	idle := time.Duration(0)
	for range t.C {
		wd.mu.Lock()
		r := wd.run
		if r == nil {
			idle += opts.CheckInterval
			if idle >= time.Second {
				wd.running = false
				wd.mu.Unlock()
				return
			}
			wd.mu.Unlock()
			continue
		}
		idle = 0
		fresh := r != wd.seen
		wd.seen = r
		wd.mu.Unlock()
		wd.check(r, fresh)
	}
}

// heapMetric is the Go heap's live and not yet swept objects.
const heapMetric = "/memory/classes/heap/objects:bytes"

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// check applies the limits to r; fresh says the watchdog sees r for the
// first time (its heap baseline is taken then).
func (wd *watchdog) check(r *engine.ScriptRun, fresh bool) {
	opts := wd.sc.opts
	if opts.MaxRunTime > 0 && !r.Wrote() && time.Since(r.Started()) > opts.MaxRunTime {
		r.Kill(fmt.Sprintf("ERR Script aborted after running %d ms without writing: it passed the maximum script run time", opts.MaxRunTime.Milliseconds()))
		return
	}
	if opts.MaxMemory <= 0 {
		return
	}
	h := heapBytes()
	if fresh {
		wd.heap = h
		return
	}
	if h > wd.heap && h-wd.heap > uint64(opts.MaxMemory) {
		// Garbage counts until a collection: make sure it is the script's
		// live data that grew.
		runtimeGC()
		if h = heapBytes(); h > wd.heap && h-wd.heap > uint64(opts.MaxMemory) {
			r.Kill(fmt.Sprintf("ERR Script aborted: it used more than %d bytes of memory, the maximum script memory", opts.MaxMemory))
		}
	}
}

var runtimeGC = runtime.GC
