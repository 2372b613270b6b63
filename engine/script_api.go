package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// The engine side of scripting: what a running script may do through the
// engine (ScriptRun.Call, the path of redis.call) and the run state other
// callers see: BUSY past busy-reply-threshold, SCRIPT KILL, FUNCTION KILL,
// FUNCTION STATS and SHUTDOWN NOSAVE.
//
// A script runs inside EVAL's (or FCALL's) handler with every shard locked by
// the dispatcher, so its commands run through e.call without locking again
// and nothing else touches the keyspace until it ends.

// Errors a script's commands and its callers get, as Redis 7.0 words them.
const (
	errScriptUnknownCommand = "ERR Unknown Redis command called from script"
	errScriptArity          = "ERR Wrong number of args calling Redis command from script"
	errScriptNoScript       = "ERR This Redis command is not allowed from script"
	errScriptReadOnly       = "ERR Write commands are not allowed from read-only scripts."
	// ErrBusyEval is the reply other callers get while an EVAL runs past
	// busy-reply-threshold, and FUNCTION KILL's reply then.
	ErrBusyEval = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	// ErrBusyFunction is ErrBusyEval for a running FCALL (and SCRIPT KILL's reply then).
	ErrBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errNotBusy      = "NOTBUSY No scripts in execution right now."
	errUnkillable   = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	// ErrScriptKilled is the error a script stopped by SCRIPT KILL or
	// FUNCTION KILL raises.
	ErrScriptKilled = "ERR Script killed by user with SCRIPT KILL..."
	// ErrScriptShutdown is the error a script stopped by SHUTDOWN NOSAVE raises.
	ErrScriptShutdown = "ERR Script killed by SHUTDOWN NOSAVE"
)

// Scripting is the interpreter behind the scripting commands; package lua
// implements it and attaches it with SetScripting. The engine parses nothing
// for it: each method gets the whole command and writes the whole reply. Eval
// and FCall run with every shard locked.
type Scripting interface {
	// Eval runs EVAL, EVALSHA, EVAL_RO or EVALSHA_RO.
	Eval(s *Session, argv [][]byte, w ReplyWriter)
	// FCall runs FCALL or FCALL_RO.
	FCall(s *Session, argv [][]byte, w ReplyWriter)
	// ScriptLoad, ScriptExists and ScriptFlush run those SCRIPT subcommands.
	ScriptLoad(s *Session, argv [][]byte, w ReplyWriter)
	ScriptExists(s *Session, argv [][]byte, w ReplyWriter)
	ScriptFlush(s *Session, argv [][]byte, w ReplyWriter)
	// FunctionLoad, FunctionDelete, FunctionFlush, FunctionList,
	// FunctionDump and FunctionRestore run those FUNCTION subcommands.
	FunctionLoad(s *Session, argv [][]byte, w ReplyWriter)
	FunctionDelete(s *Session, argv [][]byte, w ReplyWriter)
	FunctionFlush(s *Session, argv [][]byte, w ReplyWriter)
	FunctionList(s *Session, argv [][]byte, w ReplyWriter)
	FunctionDump(s *Session, argv [][]byte, w ReplyWriter)
	FunctionRestore(s *Session, argv [][]byte, w ReplyWriter)
	// FunctionCounts is the number of libraries and functions, for FUNCTION
	// STATS. It must not wait for a running script.
	FunctionCounts() (libraries, functions int)
}

// SetScripting attaches the interpreter. Until one is attached the scripting
// commands answer as commands Redis does not know.
func (e *Engine) SetScripting(sc Scripting) { e.scripting.Store(&sc) }

// scriptingImpl is the attached interpreter, or nil.
func (e *Engine) scriptingImpl() Scripting {
	if p := e.scripting.Load(); p != nil {
		return *p
	}
	return nil
}

// ScriptOptions describe a script about to run.
type ScriptOptions struct {
	// Name is the script's SHA1 or the function's name.
	Name string
	// Function says the script is an FCALL (FUNCTION KILL stops it, SCRIPT
	// KILL does not); Args are FCALL's arguments for FUNCTION STATS.
	Function bool
	Args     [][]byte
	// ReadOnly refuses write commands (EVAL_RO, FCALL_RO, no-writes).
	ReadOnly bool
	// Stop is called, from another goroutine, when the script must stop
	// (SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE): the interpreter then
	// raises StopReason's error at its next instruction.
	Stop func()
}

// ScriptRun is one running script as the engine sees it: the session that
// runs it, whether it wrote, whether it was killed. Only the goroutine that
// began it calls its methods, except Kill and the read-only ones used by
// SCRIPT KILL and FUNCTION STATS.
type ScriptRun struct {
	e      *Engine
	s      *Session
	opts   ScriptOptions
	start  time.Time
	db     int
	proto  int
	wrote  atomic.Bool
	reason atomic.Pointer[string]
}

// scriptState is the engine's view of the running script, if any. Scripts
// run with every shard locked, so there is at most one.
type scriptState struct {
	run atomic.Pointer[ScriptRun]
	mu  sync.Mutex
	// done is closed when the running script ends; made by the first
	// caller that waits for it.
	done chan struct{}
}

// BeginScript registers s's script as running; the caller (the Eval or
// FCall handler, every shard locked) must call End when it finishes. The
// script's commands see the session's database and, until SetProto, RESP2.
func (e *Engine) BeginScript(s *Session, o ScriptOptions) *ScriptRun {
	r := &ScriptRun{e: e, s: s, opts: o, start: time.Now(), db: s.DB(), proto: 2}
	s.inScript = true
	e.script.run.Store(r)
	return r
}

// End unregisters the script, restores the caller's database (a script's
// SELECT does not outlive it) and wakes the callers waiting for it.
func (r *ScriptRun) End() {
	st := &r.e.script
	st.mu.Lock()
	st.run.Store(nil)
	if st.done != nil {
		close(st.done)
		st.done = nil
	}
	st.mu.Unlock()
	r.s.inScript = false
	r.s.SetDB(r.db)
}

// SetProto sets the RESP version of the replies the script's commands get
// (redis.setresp).
func (r *ScriptRun) SetProto(p int) { r.proto = p }

// Proto is the RESP version of the script's command replies.
func (r *ScriptRun) Proto() int { return r.proto }

// Wrote reports whether the script ran a write command.
func (r *ScriptRun) Wrote() bool { return r.wrote.Load() }

// Started is when the script began.
func (r *ScriptRun) Started() time.Time { return r.start }

// StopReason is the error the script must raise because it was stopped, or "".
func (r *ScriptRun) StopReason() string {
	if p := r.reason.Load(); p != nil {
		return *p
	}
	return ""
}

// Kill stops the script with the error reason (the first reason wins). The
// interpreter's own limits (run time, memory) use it too.
func (r *ScriptRun) Kill(reason string) {
	if r.reason.CompareAndSwap(nil, &reason) && r.opts.Stop != nil {
		r.opts.Stop()
	}
}

// lookupScriptCommand finds argv's command or subcommand as a script's
// redis.call sees it: nil when unknown.
func (e *Engine) lookupScriptCommand(argv [][]byte) *Command {
	cmd := e.table.Lookup(argv[0])
	if cmd != nil && cmd.subs != nil && len(argv) >= 2 {
		cmd = lookupIn(cmd.subs, argv[1])
	}
	return cmd
}

// Call runs one command for the script (redis.call, redis.pcall) and writes
// its reply to w. It makes the checks Redis makes for scripts (unknown
// command, arity, noscript, writes in read-only scripts) and returns the
// error text of a refusal, in which case nothing was written to w. The
// command runs under the locks the script holds, never blocking.
func (r *ScriptRun) Call(argv [][]byte, w ReplyWriter) string {
	cmd := r.e.lookupScriptCommand(argv)
	switch {
	case cmd == nil:
		return errScriptUnknownCommand
	case !cmd.arityOK(len(argv)):
		return errScriptArity
	case cmd.handler == nil:
		return errScriptUnknownCommand
	case cmd.Spec.Has(cmdspec.NoScript):
		return errScriptNoScript
	}
	if msg := r.e.aclScriptRefused(r.s, cmd, argv); msg != "" {
		return msg
	}
	write := cmd.Spec.Flags&(cmdspec.Write|cmdspec.MayReplicate) != 0
	if write && r.opts.ReadOnly {
		return errScriptReadOnly
	}
	if cmd.Spec.Has(cmdspec.Write) {
		r.wrote.Store(true)
	}
	r.e.call(r.s, cmd, argv, w, keyHint{})
	return ""
}

// ACLCheck is redis.acl_check_cmd: whether the script's caller may run the
// command argv names (with those arguments), and whether Redis has such a
// command at all.
func (r *ScriptRun) ACLCheck(argv [][]byte) (allowed, known bool) {
	s := cmdspec.LookupArgv(argv)
	if s == nil {
		return false, false
	}
	res, _ := r.s.user.def.Load().check(aclTable().bySpec[s], argv, nil)
	return res == aclAllowed, true
}

// scriptRunning reports whether a script runs; one atomic load, for dispatch.
func (e *Engine) scriptRunning() bool { return e.script.run.Load() != nil }

// rejectBusy is dispatch's check while a script runs: a command of another
// session waits, as Redis does not read it, until the script ends or has run
// for busy-reply-threshold; then commands without the allow_busy flag are
// refused with BUSY. It reports whether the command was refused.
func (e *Engine) rejectBusy(s *Session, cmd *Command, w ReplyWriter) bool {
	r := e.script.run.Load()
	if r == nil || r.s == s || !e.waitScript(r) || cmd.Spec.Has(cmdspec.AllowBusy) {
		return false
	}
	e.reject(s, cmd, w, r.busyError())
	return true
}

// waitScript waits until r ends or passes busy-reply-threshold and reports
// whether r still runs. With the threshold at 0 (never BUSY) it waits for
// the end.
func (e *Engine) waitScript(r *ScriptRun) bool {
	threshold := time.Duration(e.conf().BusyReplyThreshold) * time.Millisecond
	var timeout <-chan time.Time
	if threshold > 0 {
		d := time.Until(r.start.Add(threshold))
		if d <= 0 {
			return e.script.run.Load() == r
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	st := &e.script
	st.mu.Lock()
	if st.run.Load() != r {
		st.mu.Unlock()
		return false
	}
	if st.done == nil {
		st.done = make(chan struct{})
	}
	done := st.done
	st.mu.Unlock()
	select {
	case <-done:
		return false
	case <-timeout:
		return e.script.run.Load() == r
	}
}

func (r *ScriptRun) busyError() string {
	if r.opts.Function {
		return ErrBusyFunction
	}
	return ErrBusyEval
}

// killScript is SCRIPT KILL (function false) and FUNCTION KILL: the error
// reply, or "" when the running script was told to stop.
func (e *Engine) killScript(function bool) string {
	r := e.script.run.Load()
	switch {
	case r == nil:
		return errNotBusy
	case r.wrote.Load():
		return errUnkillable
	case r.opts.Function != function:
		// Each KILL stops only its own kind; the other gets the BUSY text
		// naming the right one.
		return r.busyError()
	}
	r.Kill(ErrScriptKilled)
	return ""
}

// shutdownScript is SHUTDOWN's check while another session's script runs
// (past the threshold, since SHUTDOWN waited in dispatch): without NOSAVE
// the BUSY error; with it the script is stopped, written or not, and "".
func (e *Engine) shutdownScript(s *Session, nosave bool) string {
	r := e.script.run.Load()
	switch {
	case r == nil || r.s == s:
		return ""
	case !nosave:
		return r.busyError()
	}
	r.Kill(ErrScriptShutdown)
	return ""
}

// runningFunction describes the running FCALL for FUNCTION STATS: its name,
// its command line and how long it has run; ok is false when none runs.
func (e *Engine) runningFunction() (r *ScriptRun, ok bool) {
	r = e.script.run.Load()
	return r, r != nil && r.opts.Function
}

// FormatDouble formats f as Redis 7.0 prints doubles in replies ("%.17g",
// "inf", "-inf"): what a RESP2 caller reads where RESP3 has a double.
func FormatDouble(f float64) string { return string(formatDouble(nil, f)) }

// ParseInt parses a decimal integer exactly as Redis's string2ll does (no
// sign on zero, no leading zeros or spaces): numkeys and friends.
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }

// GlobMatch is Redis's glob matching (stringmatchlen), for FUNCTION LIST's
// LIBRARYNAME pattern.
func GlobMatch(pattern []byte, s string, nocase bool) bool { return globMatch(pattern, s, nocase) }
