// Package lua embeds a Lua 5.1 interpreter (yuin/gopher-lua, the Lua
// version Redis embeds) behind cachee's scripting commands: EVAL, EVALSHA,
// EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO and FUNCTION. Attach gives an
// engine its interpreter; the engine keeps the commands in its table, locks
// every shard while a script runs and answers KILL, STATS, HELP and BUSY.
//
// What a script sees is Redis 7.0's sandbox: the base library without
// dofile, loadfile, print, getfenv, setfenv and the like, string, table,
// math, coroutine, cjson, cmsgpack, bit and struct, and the redis table
// (call, pcall, error_reply, status_reply, sha1hex, log, setresp, set_repl,
// replicate_commands, acl_check_cmd...). Globals are read-only: a script
// that reads an unknown global or writes any global gets Redis's errors, so
// nothing leaks from one script to the next. redis.call reaches every
// command a script may run through the engine (engine.ScriptRun.Call), and
// its reply is pushed straight onto the Lua stack by a ReplyWriter (no RESP
// round trip), converted with Redis's rules for RESP2 and, after
// redis.setresp(3), RESP3.
//
// Scripts are compiled once and cached by the lowercase hex SHA1 of their
// body, as Redis and every client compute it. Interpreter states are kept
// per engine and reset between runs.
//
// Limits: other callers get BUSY once a script has run for
// busy-reply-threshold, SCRIPT KILL and FUNCTION KILL stop a script that has
// not written, SHUTDOWN NOSAVE stops any. Options add the embedder's own
// bounds: a run time after which a script that has not written is aborted,
// and a memory bound past which any script is aborted, so a bad script
// yields an error reply rather than a crash or a wedged server.
package lua
