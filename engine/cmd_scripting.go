package engine

import "time"

// Scripting commands: EVAL and friends, SCRIPT, FCALL and FUNCTION. The
// interpreter lives in package lua (attached with SetScripting); this family
// gives the commands their place in the table, locks every shard for the ones
// that run scripts (a script may touch keys it did not declare, as Redis
// allows), and answers what only needs the engine's run state: KILL, STATS
// and HELP.

var scriptingCommands = []cmdDef{
	{name: "eval", handler: cmdEval, opts: lockAll},
	{name: "evalsha", handler: cmdEval, opts: lockAll},
	{name: "eval_ro", handler: cmdEval, opts: lockAll},
	{name: "evalsha_ro", handler: cmdEval, opts: lockAll},
	{name: "fcall", handler: cmdFcall, opts: lockAll},
	{name: "fcall_ro", handler: cmdFcall, opts: lockAll},
	{name: "script|load", handler: cmdScriptLoad},
	{name: "script|exists", handler: cmdScriptExists},
	{name: "script|flush", handler: cmdScriptFlush},
	{name: "script|kill", handler: cmdScriptKill},
	{name: "script|debug", handler: cmdScriptDebug},
	{name: "script|help", handler: cmdScriptHelp},
	{name: "function|load", handler: cmdFunctionLoad},
	{name: "function|delete", handler: cmdFunctionDelete},
	{name: "function|flush", handler: cmdFunctionFlush},
	{name: "function|list", handler: cmdFunctionList},
	{name: "function|dump", handler: cmdFunctionDump},
	{name: "function|restore", handler: cmdFunctionRestore},
	{name: "function|stats", handler: cmdFunctionStats},
	{name: "function|kill", handler: cmdFunctionKill},
	{name: "function|help", handler: cmdFunctionHelp},
}

const errScriptDebug = "ERR SCRIPT DEBUG (the Lua debugger) is not supported"

// withScripting runs fn with the attached interpreter, or answers as Redis
// answers a command it does not know.
func (c *Ctx) withScripting(fn func(Scripting)) {
	if sc := c.e.scriptingImpl(); sc != nil {
		fn(sc)
		return
	}
	c.w.Error(errUnknownCommand(c.argv))
}

// EVAL script numkeys [key [key ...]] [arg [arg ...]]
// (and EVALSHA sha1 ..., EVAL_RO, EVALSHA_RO)
func cmdEval(c *Ctx) { c.withScripting(func(sc Scripting) { sc.Eval(c.s, c.argv, c.w) }) }

// FCALL function numkeys [key [key ...]] [arg [arg ...]]  (and FCALL_RO)
func cmdFcall(c *Ctx) { c.withScripting(func(sc Scripting) { sc.FCall(c.s, c.argv, c.w) }) }

// SCRIPT LOAD script
func cmdScriptLoad(c *Ctx) { c.withScripting(func(sc Scripting) { sc.ScriptLoad(c.s, c.argv, c.w) }) }

// SCRIPT EXISTS sha1 [sha1 ...]
func cmdScriptExists(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.ScriptExists(c.s, c.argv, c.w) })
}

// SCRIPT FLUSH [ASYNC|SYNC]
func cmdScriptFlush(c *Ctx) { c.withScripting(func(sc Scripting) { sc.ScriptFlush(c.s, c.argv, c.w) }) }

// SCRIPT KILL
func cmdScriptKill(c *Ctx) { c.replyKill(false) }

// replyKill answers SCRIPT KILL and FUNCTION KILL.
func (c *Ctx) replyKill(function bool) {
	if msg := c.e.killScript(function); msg != "" {
		c.w.Error(msg)
		return
	}
	c.w.Status("OK")
}

// SCRIPT DEBUG YES|SYNC|NO
//
// NO is accepted (debugging is never on); the debugger itself is not
// implemented.
func cmdScriptDebug(c *Ctx) {
	switch {
	case eqFold(c.argv[2], "no"):
		c.w.Status("OK")
	case eqFold(c.argv[2], "yes"), eqFold(c.argv[2], "sync"):
		c.w.Error(errScriptDebug)
	default:
		c.w.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}

// SCRIPT HELP
func cmdScriptHelp(c *Ctx) {
	c.help("SCRIPT",
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.")
}

// FUNCTION LOAD [REPLACE] function-code
func cmdFunctionLoad(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.FunctionLoad(c.s, c.argv, c.w) })
}

// FUNCTION DELETE library-name
func cmdFunctionDelete(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.FunctionDelete(c.s, c.argv, c.w) })
}

// FUNCTION FLUSH [ASYNC|SYNC]
func cmdFunctionFlush(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.FunctionFlush(c.s, c.argv, c.w) })
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
func cmdFunctionList(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.FunctionList(c.s, c.argv, c.w) })
}

// FUNCTION DUMP
func cmdFunctionDump(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.FunctionDump(c.s, c.argv, c.w) })
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
func cmdFunctionRestore(c *Ctx) {
	c.withScripting(func(sc Scripting) { sc.FunctionRestore(c.s, c.argv, c.w) })
}

// FUNCTION STATS
//
// While an EVAL runs (past the busy threshold, or this would have waited)
// the answer is the EVAL's BUSY error, as in Redis.
func cmdFunctionStats(c *Ctx) {
	c.withScripting(func(sc Scripting) {
		if r := c.e.script.run.Load(); r != nil && !r.opts.Function && r.s != c.s {
			c.w.Error(ErrBusyEval)
			return
		}
		c.w.Map(2)
		c.w.BulkString("running_script")
		if r, ok := c.e.runningFunction(); ok {
			c.w.Map(3)
			c.w.BulkString("name")
			c.w.BulkString(r.opts.Name)
			c.w.BulkString("command")
			c.w.Array(len(r.opts.Args))
			for _, a := range r.opts.Args {
				c.w.Bulk(a)
			}
			c.w.BulkString("duration_ms")
			c.w.Int(time.Since(r.start).Milliseconds())
		} else {
			c.w.Null()
		}
		libs, funcs := sc.FunctionCounts()
		c.w.BulkString("engines")
		c.w.Map(1)
		c.w.BulkString("LUA")
		c.w.Map(2)
		c.w.BulkString("libraries_count")
		c.w.Int(int64(libs))
		c.w.BulkString("functions_count")
		c.w.Int(int64(funcs))
	})
}

// FUNCTION KILL
func cmdFunctionKill(c *Ctx) { c.replyKill(true) }

// FUNCTION HELP
func cmdFunctionHelp(c *Ctx) {
	c.help("FUNCTION",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).")
}
