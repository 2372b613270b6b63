package lua

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	glua "github.com/yuin/gopher-lua"

	"github.com/cachee/cachee/engine"
)

// Options are an embedder's bounds on scripts, beyond Redis's own
// busy-reply-threshold. The zero value takes the defaults.
type Options struct {
	// MaxRunTime aborts a script that has run this long without writing,
	// with an error saying so, so that nobody waits forever for a runaway
	// loop (Redis itself only offers SCRIPT KILL). A script that has
	// written keeps running, as in Redis: stopping it half way would break
	// its atomicity; SHUTDOWN NOSAVE still stops it. Default 60 seconds;
	// negative disables.
	MaxRunTime time.Duration
	// MaxMemory bounds, in bytes, how much a script may allocate: string.rep
	// refuses larger results, and a script whose allocations grow the heap
	// past it is aborted (written or not: the alternative is the process
	// running out of memory). Default 512 MB; negative disables.
	MaxMemory int64
	// CheckInterval is how often a running script's run time and memory are
	// checked (default 10 ms).
	CheckInterval time.Duration
}

func (o *Options) setDefaults() {
	if o.MaxRunTime == 0 {
		o.MaxRunTime = time.Minute
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = 512 << 20
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = 10 * time.Millisecond
	}
}

// scripting is an engine's interpreter: its script cache, function
// libraries and interpreter states. It implements engine.Scripting.
type scripting struct {
	e    *engine.Engine
	opts Options
	ctx  context.Context

	// mu serializes everything that uses an interpreter or the caches.
	// Scripts already run one at a time (every shard locked); mu also
	// orders SCRIPT LOAD and FUNCTION LOAD/DELETE/FLUSH/RESTORE with them.
	mu      sync.Mutex
	scripts map[string]*script // by lowercase SHA1
	evalPool,
	fnPool []*state
	libs      map[string]*library // by name
	functions map[string]*function
	// fnState runs every function: the registered callbacks are closures
	// of its interpreter. FUNCTION FLUSH replaces it.
	fnState *state
	rand    rand48

	nLibs, nFuncs atomic.Int64 // for FUNCTION STATS, which must not wait
	watch         watchdog
}

// script is a compiled EVAL script.
type script struct {
	sha   string
	proto *glua.FunctionProto
	flags scriptFlags
}

// Attach gives e a Lua interpreter: EVAL, SCRIPT, FCALL and FUNCTION start
// working. Every constructor that builds an engine for users calls it.
func Attach(e *engine.Engine, opts Options) {
	opts.setDefaults()
	sc := &scripting{
		e: e, opts: opts, ctx: context.Background(),
		scripts: map[string]*script{}, libs: map[string]*library{}, functions: map[string]*function{},
		rand: rand48{x: rand48Init},
	}
	sc.watch.sc = sc
	e.SetScripting(sc)
}

func (sc *scripting) logger() *slog.Logger {
	if l := sc.e.Config().Logger; l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// getState takes an interpreter from the pool (eval: EVAL's kind).
func (sc *scripting) getState(eval bool) *state {
	pool := &sc.fnPool
	if eval {
		pool = &sc.evalPool
	}
	if n := len(*pool); n > 0 {
		st := (*pool)[n-1]
		*pool = (*pool)[:n-1]
		return st
	}
	return newState(sc, eval)
}

// putState resets st and returns it to the pool, unless it broke.
func (sc *scripting) putState(st *state) {
	if st.broken {
		st.L.Close()
		return
	}
	st.reset()
	if st.eval {
		sc.evalPool = append(sc.evalPool, st)
	} else {
		sc.fnPool = append(sc.fnPool, st)
	}
}

// Errors of EVAL and SCRIPT, as Redis 7.0 words them.
const (
	errNoScript        = "NOSCRIPT No matching script. Please use EVAL."
	errNumkeysNegative = "ERR Number of keys can't be negative"
	errROScript        = "ERR Can not execute a script with write flag using *_ro command."
	errScriptFlush     = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	errCompile         = "ERR Error compiling script (new function): "
)

// numkeys parses argv[2] of EVAL and FCALL: the key count and the keys and
// arguments it splits argv[3:] into.
func numkeys(argv [][]byte) (keys, args [][]byte, msg string) {
	n, ok := engine.ParseInt(argv[2])
	switch {
	case !ok:
		return nil, nil, engine.ErrNotInt
	case n > int64(len(argv)-3):
		return nil, nil, engine.ErrNumkeysArgs
	case n < 0:
		return nil, nil, errNumkeysNegative
	}
	return argv[3 : 3+n], argv[3+n:], ""
}

// Eval implements engine.Scripting: EVAL, EVALSHA, EVAL_RO and EVALSHA_RO.
func (sc *scripting) Eval(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	keys, args, msg := numkeys(argv)
	if msg != "" {
		w.Error(msg)
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	var sha string
	var scr *script
	if len(argv[0]) >= 7 && bytes.EqualFold(argv[0][:7], []byte("evalsha")) {
		if scr = sc.scripts[string(argv[1])]; scr == nil {
			sha = lowerSHA(argv[1])
			if scr = sc.scripts[sha]; scr == nil {
				w.Error(errNoScript)
				return
			}
		} else {
			sha = scr.sha
		}
	} else {
		sha = sha1Hex(string(argv[1]))
		if scr = sc.scripts[sha]; scr == nil {
			var msg string
			if scr, msg = compileScript(sha, argv[1]); msg != "" {
				w.Error(msg)
				return
			}
			sc.scripts[sha] = scr
		}
	}
	readOnly := isRO(argv[0])
	if msg := scr.flags.check(readOnly); msg != "" {
		w.Error(msg)
		return
	}
	st := sc.getState(true)
	defer sc.putState(st)
	st.setKeysArgs(keys, args)
	sc.run(st, s, w, engine.ScriptOptions{Name: sha, ReadOnly: readOnly || scr.flags&flagNoWrites != 0}, st.closure(scr.proto))
}

// isRO reports whether a command name ends in "_ro" (EVAL_RO, FCALL_RO...).
func isRO(name []byte) bool {
	return len(name) > 3 && bytes.EqualFold(name[len(name)-3:], []byte("_ro"))
}

// lowerSHA is an EVALSHA argument as a cache key: Redis compares SHA1s
// without regard to case.
func lowerSHA(b []byte) string {
	if bytes.IndexFunc(b, func(r rune) bool { return 'A' <= r && r <= 'Z' }) < 0 {
		return string(b)
	}
	return strings.ToLower(string(b))
}

// setKeysArgs sets the KEYS and ARGV globals of an EVAL. The tables are
// refilled in place when the last script left them plain arrays (nothing a
// script stores can outlive it, so no script can tell); otherwise they are
// made anew.
func (st *state) setKeysArgs(keys, args [][]byte) {
	if !plainArray(st.keys) || !plainArray(st.args) {
		st.keys, st.args = st.L.NewTable(), st.L.NewTable()
		st.globals.RawSetString("KEYS", st.keys)
		st.globals.RawSetString("ARGV", st.args)
	}
	fill(st.keys, keys)
	fill(st.args, args)
}

// plainArray reports whether t is a table with only array elements and no
// metatable.
func plainArray(t *glua.LTable) bool {
	if t == nil || t.Metatable != glua.LNil {
		return false
	}
	n := t.MaxN()
	k, _ := t.Next(glua.LNumber(n))
	return k == glua.LNil && (n == 0 || t.RawGetInt(n) != glua.LNil)
}

// fill makes t the array of items, clearing what it held beyond them.
func fill(t *glua.LTable, items [][]byte) {
	n := t.MaxN()
	for i, it := range items {
		t.RawSetInt(i+1, glua.LString(it))
	}
	for i := len(items) + 1; i <= n; i++ {
		t.RawSetInt(i, glua.LNil)
	}
}

// array makes a Lua array of strings.
func (st *state) array(items [][]byte) *glua.LTable {
	t := st.L.CreateTable(len(items), 0)
	for i, it := range items {
		t.RawSetInt(i+1, glua.LString(it))
	}
	return t
}

// compileScript compiles an EVAL body: its shebang line (#!lua
// flags=...) if any, then the code, whose line numbers stay those of the
// body.
func compileScript(sha string, body []byte) (*script, string) {
	flags, code, msg := parseShebang(body)
	if msg != "" {
		return nil, msg
	}
	proto, err := compile(code, scriptChunk)
	if err != nil {
		return nil, errCompile + syntaxError(err, scriptChunk, code)
	}
	return &script{sha: sha, proto: proto, flags: flags}, ""
}

// ScriptLoad implements engine.Scripting: SCRIPT LOAD.
func (sc *scripting) ScriptLoad(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	body := argv[2]
	sha := sha1Hex(string(body))
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.scripts[sha] == nil {
		scr, msg := compileScript(sha, body)
		if msg != "" {
			w.Error(msg)
			return
		}
		sc.scripts[sha] = scr
	}
	w.BulkString(sha)
}

// ScriptExists implements engine.Scripting: SCRIPT EXISTS.
func (sc *scripting) ScriptExists(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	w.Array(len(argv) - 2)
	for _, sha := range argv[2:] {
		if sc.scripts[lowerSHA(sha)] != nil {
			w.Int(1)
		} else {
			w.Int(0)
		}
	}
}

// ScriptFlush implements engine.Scripting: SCRIPT FLUSH [ASYNC|SYNC].
func (sc *scripting) ScriptFlush(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	if !flushMode(argv) {
		w.Error(errScriptFlush)
		return
	}
	sc.mu.Lock()
	sc.scripts = map[string]*script{}
	for _, st := range sc.evalPool {
		clear(st.closures)
	}
	sc.mu.Unlock()
	w.Status("OK")
}

// flushMode checks the optional ASYNC|SYNC of SCRIPT FLUSH and FUNCTION
// FLUSH (both flush at once: there is nothing slow to free).
func flushMode(argv [][]byte) bool {
	switch len(argv) {
	case 2:
		return true
	case 3:
		m := strings.ToLower(string(argv[2]))
		return m == "async" || m == "sync"
	}
	return false
}

// run runs fn (nargs arguments already pushed after it would be for
// functions: see call) as s's script, writing its reply or error to w.
func (sc *scripting) run(st *state, s *engine.Session, w engine.ReplyWriter, o engine.ScriptOptions, fn *glua.LFunction, args ...glua.LValue) {
	o.Stop = st.cancel
	st.run = sc.e.BeginScript(s, o)
	sc.watch.begin(st.run)
	st.call(fn, args, w, o.Name)
	sc.watch.end()
	st.run.End()
}
