package lua

import (
	"crypto/sha1"
	"encoding/hex"
	"log/slog"
	"strings"

	glua "github.com/yuin/gopher-lua"

	"github.com/cachee/cachee/engine"
)

// The redis table: what scripts call to reach the server.

// Errors the redis.* functions raise or return, as Redis 7.0 words them.
const (
	errNoArgs      = "ERR Please specify at least one argument for this redis lib call"
	errArgType     = "ERR Lua redis lib command arguments must be strings or integers"
	errOutsideRun  = "ERR redis.call/pcall can only be called inside a script invocation"
	errReplyArgs   = "ERR wrong number or type of arguments"
	errSha1Args    = "ERR wrong number of arguments"
	errLogArgs     = "ERR redis.log() requires two arguments or more."
	errLogLevelArg = "ERR First argument must be a number (log level)."
	errLogLevel    = "ERR Invalid debug level."
	errSetRespArgs = "ERR redis.setresp() requires one argument."
	errSetResp     = "ERR RESP version must be 2 or 3."
	errSetReplArgs = "ERR redis.set_repl() requires two arguments."
	errSetRepl     = "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."
	errACLCommand  = "ERR Invalid command passed to redis.acl_check_cmd()"
)

// redisVersionNum is REDIS_VERSION_NUM for 7.0.15 (0x07000f).
const redisVersionNum = 0x07000f

// Redis's log levels (redis.LOG_*), and the slog levels they map to.
var logLevels = [...]slog.Level{slog.LevelDebug, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn}

// redisAPI builds the redis table: EVAL's (eval) or FCALL's, which lacks
// the debugger stubs and replicate_commands.
func (st *state) redisAPI(eval bool) *glua.LTable {
	L := st.L
	r := L.NewTable()
	fns := map[string]glua.LGFunction{
		"call":          func(L *glua.LState) int { return st.redisCommand(L, true) },
		"pcall":         func(L *glua.LState) int { return st.redisCommand(L, false) },
		"setresp":       st.setResp,
		"sha1hex":       redisSha1hex,
		"error_reply":   redisErrorReply,
		"status_reply":  redisStatusReply,
		"set_repl":      st.setRepl,
		"acl_check_cmd": st.aclCheckCmd,
	}
	if eval {
		fns["replicate_commands"] = func(L *glua.LState) int { L.Push(glua.LTrue); return 1 }
		fns["breakpoint"] = func(L *glua.LState) int { L.Push(glua.LFalse); return 1 }
		fns["debug"] = func(L *glua.LState) int { return 0 }
	}
	for name, fn := range fns {
		r.RawSetString(name, L.NewFunction(fn))
	}
	st.addLogAndVersion(r)
	for name, v := range map[string]int{"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3} {
		r.RawSetString(name, glua.LNumber(v))
	}
	return r
}

// addLogAndVersion adds what both the run-time and the library-loading
// redis tables have: log, the LOG_* levels and the version.
func (st *state) addLogAndVersion(r *glua.LTable) {
	r.RawSetString("log", st.L.NewFunction(st.redisLog))
	for i, name := range []string{"LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING"} {
		r.RawSetString(name, glua.LNumber(i))
	}
	r.RawSetString("REDIS_VERSION", glua.LString(engine.RedisVersion))
	r.RawSetString("REDIS_VERSION_NUM", glua.LNumber(redisVersionNum))
}

// errorTable is Redis's error object: {err="CODE message"}.
func errorTable(L *glua.LState, msg string) *glua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString("err", glua.LString(msg))
	return t
}

// raise raises Redis's error object for msg.
func raise(L *glua.LState, msg string) {
	L.Error(errorTable(L, msg), 0)
}

// redisCommand is redis.call (raise true) and redis.pcall: the command runs
// through the engine and its reply is built straight into Lua values.
func (st *state) redisCommand(L *glua.LState, raiseErr bool) int {
	fail := func(msg string) int {
		t := errorTable(L, msg)
		if raiseErr {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	if st.run == nil {
		return fail(errOutsideRun)
	}
	argv, msg := st.cmdArgs(L)
	if msg != "" {
		return fail(msg)
	}
	st.sink.reset()
	if msg := st.run.Call(argv, &st.sink); msg != "" {
		return fail(msg)
	}
	res, isErr := st.sink.result, st.sink.isErr
	st.sink.reset()
	if res == nil {
		res = glua.LNil
	}
	if isErr && raiseErr {
		L.Error(res, 0)
	}
	L.Push(res)
	return 1
}

// cmdArgs converts the Lua arguments of a redis.* call to a command line:
// strings as they are, numbers in "%.17g" (Lua's own format would lose
// precision), anything else refused.
func (st *state) cmdArgs(L *glua.LState) ([][]byte, string) {
	n := L.GetTop()
	if n == 0 {
		return nil, errNoArgs
	}
	buf, ends := st.argbuf[:0], st.argEnds[:0]
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case glua.LString:
			buf = append(buf, v...)
		case glua.LNumber:
			buf = appendFloat(buf, float64(v), 17)
		default:
			return nil, errArgType
		}
		ends = append(ends, len(buf))
	}
	st.argbuf, st.argEnds = buf, ends
	argv := st.argv[:0]
	start := 0
	for _, end := range ends {
		argv = append(argv, buf[start:end:end])
		start = end
	}
	st.argv = argv
	return argv, ""
}

// setResp is redis.setresp(2|3).
func (st *state) setResp(L *glua.LState) int {
	if L.GetTop() != 1 {
		raise(L, errSetRespArgs)
	}
	resp := toNumber(L.Get(1))
	if resp != 2 && resp != 3 {
		raise(L, errSetResp)
	}
	st.run.SetProto(int(resp))
	return 0
}

// toNumber is lua_tonumber cast to an int: numbers and numeric strings,
// else 0.
func toNumber(v glua.LValue) int64 {
	switch v := v.(type) {
	case glua.LNumber:
		return int64(v)
	case glua.LString:
		if f, ok := strToNumber(string(v)); ok {
			return int64(f)
		}
	}
	return 0
}

// isNumber is lua_isnumber: a number or a string that converts to one.
func isNumber(v glua.LValue) bool {
	switch v := v.(type) {
	case glua.LNumber:
		return true
	case glua.LString:
		_, ok := strToNumber(string(v))
		return ok
	}
	return false
}

// redisSha1hex is redis.sha1hex(s).
func redisSha1hex(L *glua.LState) int {
	if L.GetTop() != 1 {
		raise(L, errSha1Args)
	}
	s := ""
	switch v := L.Get(1).(type) {
	case glua.LString, glua.LNumber:
		s = luaToString(v)
	}
	L.Push(glua.LString(sha1Hex(s)))
	return 1
}

// sha1Hex is the lowercase hex SHA1 of s, how Redis names scripts.
func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// redisErrorReply is redis.error_reply(msg): an error object whose code is
// msg's first word ("ERR" when msg has a single word).
func redisErrorReply(L *glua.LState) int {
	s, ok := L.Get(1).(glua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, errReplyArgs))
		return 1
	}
	msg := strings.TrimPrefix(string(s), "-")
	code, rest, found := strings.Cut(msg, " ")
	if !found {
		code, rest = "ERR", msg
	}
	L.Push(errorTable(L, code+" "+strings.Trim(rest, "\r\n")))
	return 1
}

// redisStatusReply is redis.status_reply(msg).
func redisStatusReply(L *glua.LState) int {
	s, ok := L.Get(1).(glua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, errReplyArgs))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

// setRepl is redis.set_repl(flags): accepted and checked; there is no
// replication to steer.
func (st *state) setRepl(L *glua.LState) int {
	if L.GetTop() != 1 {
		raise(L, errSetReplArgs)
	}
	if toNumber(L.Get(1))&^3 != 0 {
		raise(L, errSetRepl)
	}
	return 0
}

// aclCheckCmd is redis.acl_check_cmd(cmd, args...): whether the script's
// caller may run the command with these arguments; a command Redis does not
// have is an error.
func (st *state) aclCheckCmd(L *glua.LState) int {
	argv, msg := st.cmdArgs(L)
	if msg != "" {
		raise(L, msg)
	}
	allowed, known := st.run.ACLCheck(argv)
	if !known {
		raise(L, errACLCommand)
	}
	L.Push(glua.LBool(allowed))
	return 1
}

// redisLog is redis.log(level, msg...): the arguments that are strings or
// numbers, space separated, go to the engine's logger.
func (st *state) redisLog(L *glua.LState) int {
	n := L.GetTop()
	if n < 2 {
		raise(L, errLogArgs)
	}
	if !isNumber(L.Get(1)) {
		raise(L, errLogLevelArg)
	}
	level := toNumber(L.Get(1))
	if level < 0 || level >= int64(len(logLevels)) {
		raise(L, errLogLevel)
	}
	var b strings.Builder
	for i := 2; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case glua.LString, glua.LNumber:
			if i != 2 {
				b.WriteByte(' ')
			}
			b.WriteString(luaToString(v))
		}
	}
	st.sc.logger().Log(st.sc.ctx, logLevels[level], b.String(), "source", "script")
	return 0
}
