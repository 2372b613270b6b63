package lua_test

import (
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
)

// Differential tests: every step runs against real Redis 7.0 and cachee,
// once in RESP2 and once after HELLO 3, and the raw replies must match byte
// for byte (see internal/oracle). Scripts are Go strings passed as single
// arguments, so no quoting gets between the test and the Lua source.

// step is one command; sorted compares replies with aggregates sorted (for
// what Redis returns in hash-table order), both runs it without comparing.
type step struct {
	args          []string
	sorted, setup bool
}

// ev is EVAL src with no keys.
func ev(src string, rest ...string) step {
	return step{args: append([]string{"EVAL", src, "0"}, rest...)}
}

// evk is EVAL src with numkeys and the keys/args that follow.
func evk(src string, numkeys string, rest ...string) step {
	return step{args: append([]string{"EVAL", src, numkeys}, rest...)}
}

// cmd is any command.
func cmd(args ...string) step { return step{args: args} }

// sorted compares with aggregates sorted at every level.
func sorted(s step) step { s.sorted = true; return s }

// setup runs on both sides without comparing.
func setup(args ...string) step { return step{args: args, setup: true} }

// runSteps runs the steps in RESP2 and RESP3 on one pair per protocol,
// starting from an empty keyspace, script cache and function library.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := oracle.Start(t)
			p.Both("HELLO", proto)
			p.Both("FLUSHALL")
			p.Both("SCRIPT", "FLUSH")
			p.Both("FUNCTION", "FLUSH")
			for _, s := range steps {
				switch {
				case s.setup:
					p.Both(s.args...)
				case s.sorted:
					p.DoSorted(s.args...)
				default:
					p.Do(s.args...)
				}
			}
		})
	}
}

func TestConversionsLuaToReply(t *testing.T) {
	runSteps(t, []step{
		ev("return {1,2,3,'ciao',{1,2}}"),
		ev("return 3.99"), ev("return -3.99"), ev("return 0"), ev("return -0"),
		ev("return 1/0"), ev("return -1/0"), ev("return 0/0"), ev("return 2^63"), ev("return -2^63"), ev("return 2^53+1"),
		ev("return true"), ev("return false"), ev("return nil"), ev("return"),
		ev("return {1,2,nil,4}"), ev("return {[1]=1,[3]=3}"), ev("return {nil,2}"),
		ev("return {ok='fine'}"), ev("return {ok=1}"), ev("return {ok='a\\r\\nb'}"), ev("return {ok=''}"),
		ev("return {err='My Error'}"), ev("return {err='-My Error'}"), ev("return {err=1}"), ev("return {err={}}"),
		ev("return {err='a\\r\\nb\\n'}"), ev("return {err=''}"),
		ev("return {1,{err='x'},3}"), ev("return {1,{ok='x'},3}"),
		ev("return {double=1.5}"), ev("return {double='1.5'}"), ev("return {double=1/0}"), ev("return {double=0.1}"),
		ev("return {map={a=1}}"), sorted(ev("return {map={a=1,b={1,2},c=true}}")), ev("return {map={}}"),
		ev("return {set={a=true}}"), ev("return {set={a=false}}"), sorted(ev("return {set={a=1,b=2,c=3}}")),
		ev("return {verbatim_string={format='txt',string='hi'}}"),
		ev("return {verbatim_string={format='mkdown',string='hi'}}"),
		ev("return {verbatim_string={format='txt'}}"),
		ev("return function() end"), ev("return coroutine.create(function() end)"), ev("return cjson.null"),
		ev("return {1, function() end, 3}"),
		ev("redis.setresp(3) return true"), ev("redis.setresp(3) return false"), ev("redis.setresp(3) return nil"),
		ev("redis.setresp(3) return {map={a=1}}"), ev("redis.setresp(3) return {1,false,true}"),
		ev("return 'binary\\0safe\\255'"),
		ev("local t = {} t[1] = t return t"),
	})
}

func TestConversionsReplyToLua(t *testing.T) {
	runSteps(t, []step{
		setup("HSET", "h", "a", "1"),
		setup("SADD", "s", "x"),
		setup("RPUSH", "l", "a", "b", "c"),
		ev("return redis.call('ping')"), ev("return redis.call('ping', 'x')"),
		ev("return redis.call('set', 'k', 'v')"), ev("return redis.call('get', 'k')"),
		ev("return redis.call('get', 'nokey')"), ev("return type(redis.call('get', 'nokey'))"),
		ev("return redis.call('incr', 'n')"), ev("return type(redis.call('incr', 'n'))"),
		ev("return redis.call('lrange', 'l', 0, -1)"), ev("return #redis.call('lrange', 'l', 0, -1)"),
		ev("return redis.call('lrange', 'nokey', 0, -1)"),
		ev("return type(redis.call('set', 'k', 'v'))"), ev("return redis.call('set', 'k', 'v')['ok']"),
		ev("return redis.call('hgetall', 'h')"), ev("return redis.call('smembers', 's')"),
		ev("return redis.call('exists', 'k', 'nokey')"),
		ev("return redis.call('blpop', 'nolist', 0)"),
		ev("return redis.call('lpop', 'nolist', 2)"), ev("return type(redis.call('lpop', 'nolist', 2))"),
		ev("redis.setresp(3) return redis.call('hgetall', 'h')"),
		ev("redis.setresp(3) return redis.call('hgetall', 'h')['map']['a']"),
		ev("redis.setresp(3) return type(redis.call('hgetall', 'h'))"),
		ev("redis.setresp(3) return redis.call('hgetall', 'nokey')"),
		ev("redis.setresp(3) return redis.call('smembers', 's')"),
		ev("redis.setresp(3) return redis.call('smembers', 's')['set']['x']"),
		ev("redis.setresp(3) return redis.call('get', 'nokey')"),
		ev("redis.setresp(3) return type(redis.call('get', 'nokey'))"),
		ev("redis.setresp(3) return type(redis.call('lpop', 'nolist', 2))"),
		ev("redis.setresp(3) return redis.call('exists', 'k')"),
		ev("redis.setresp(3) return redis.call('info', 'server')['verbatim_string']['format']"),
		ev("return type(redis.call('info', 'server'))"),
		ev("redis.setresp(3) return redis.call('config', 'get', 'hz')"),
		ev("return redis.call('config', 'get', 'hz')"),
		ev("redis.setresp(3) redis.setresp(2) return type(redis.call('get', 'nokey'))"),
		ev("redis.setresp(3) return redis.call('hrandfield', 'h', -2, 'withvalues')"),
		ev("return redis.call('hrandfield', 'h', -2, 'withvalues')"),
	})
}

func TestRedisCallArguments(t *testing.T) {
	runSteps(t, []step{
		ev("return redis.call('set', 'a', 0.1)"), ev("return redis.call('get', 'a')"),
		ev("redis.call('set', 'a', 1e20) return redis.call('get', 'a')"),
		ev("redis.call('set', 'a', -0) return redis.call('get', 'a')"),
		ev("redis.call('set', 'a', 1/0) return redis.call('get', 'a')"),
		ev("redis.call('set', 'a', 123456789012345678) return redis.call('get', 'a')"),
		ev("redis.call('set', 'a', 3) return redis.call('get', 'a')"),
		ev("return redis.call('set', 'a', {})"), ev("return redis.call('set', 'a', nil)"),
		ev("return redis.call('set', 'a', true)"), ev("return redis.call({})"),
		ev("return redis.call()"), ev("return redis.pcall()"), ev("return redis.pcall({})"),
		evk("return redis.call('get', KEYS[1])", "0"),
		evk("return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"),
		evk("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "a", "b", "c", "d"),
		evk("KEYS[1] = 'x' return KEYS[1]", "1", "a"),
		evk("return #KEYS + #ARGV", "0"),
		ev("return redis.call('get', 'undeclared')"),
	})
}

func TestRedisCallErrors(t *testing.T) {
	runSteps(t, []step{
		setup("SET", "str", "x"),
		ev("return redis.call('nosuch')"), ev("return redis.pcall('nosuch')"),
		ev("return redis.call('get')"), ev("return redis.call('incr','x','y')"),
		ev("return redis.call('client')"), ev("return redis.call('client', 'nosuch')"),
		ev("return redis.call('config', 'nosuch')"),
		ev("return redis.call('lpush', 'str', 'b')"), ev("return redis.pcall('lpush', 'str', 'b')"),
		ev("local t = redis.pcall('lpush', 'str', 'b') return t['err']"),
		ev("return redis.call('incr', 'str')"),
		ev("return redis.call('subscribe', 'a')"), ev("return redis.call('eval', 'return 1', 0)"),
		ev("return redis.call('multi')"), ev("return redis.call('exec')"), ev("return redis.call('watch', 'a')"),
		ev("return redis.call('blpop', 'nolist', 0)"), ev("return redis.call('hello')"),
		ev("return redis.call('script', 'flush')"), ev("return redis.call('function', 'flush')"),
		ev("return redis.call('select', 1)"), ev("redis.call('select', 1) return redis.call('set', 'in1', 'x')"),
		cmd("GET", "in1"), cmd("SELECT", "1"), cmd("GET", "in1"), cmd("SELECT", "0"),
		ev("return {pcall(redis.call, 'nosuch')}"),
		ev("local ok, e = pcall(redis.call, 'nosuch') return type(e)"),
		ev("local ok, e = xpcall(function() redis.call('nosuch') end, function(e) return e end) return type(e)"),
		ev("local ok, e = pcall(error, {err='x'}) return type(e)"),
		ev("local ok, e = pcall(error, {foo='x'}) return type(e)"),
		ev("return {pcall(function() return 1, 2 end)}"),
		ev("local ok, e = pcall(function() local a = nil; return a.b end) return ok"),
	})
}

func TestScriptErrors(t *testing.T) {
	runSteps(t, []step{
		ev("error('boom')"), ev("error({err='boom'})"), ev("error({err='BOOM boom'})"), ev("error({err=1})"),
		ev("error()"), ev("error(nil)"), ev("error(12)"), ev("error(true)"), ev("error('x', 0)"), ev("error('x', 2)"),
		ev("local function f() error('deep') end\nf()"),
		ev("local function f() error('deep', 2) end\n\nf()"),
		ev("local function f() redis.call('nosuch') end\n\nf()"),
		ev("\n\n\nreturn redis.call('nosuch')"),
		ev("return x"), ev("x = 1"), ev("return print"), ev("return os.time()"),
		ev("return 1 < 'a'"), ev("return {} < {}"), ev("return 'a' .. {}"), ev("return #nil"),
		ev("return nosuch.x"), ev("return table.concat({{}})"), ev("return string.rep()"),
		ev("return tonumber()"), ev("return math.floor('a')"), ev("return setmetatable(1, {})"),
		ev("return ipairs()"), ev("return select(-5, 1)"), ev("return unpack({}, 1, 1e8)"),
		ev("return string.format('%d', 'x')"), ev("local function f() return f() + 1 end return f()"),
		ev("return redis.error_reply('My Error')"), ev("return redis.error_reply('-My Error')"),
		ev("return redis.error_reply('Oops')"), ev("return redis.error_reply('')"),
		ev("return redis.error_reply('Oops')['err']"), ev("return redis.error_reply()"), ev("return redis.error_reply(1)"),
		ev("return redis.status_reply('OK')"), ev("return redis.status_reply('')"), ev("return redis.status_reply(1)"),
		ev("return redis.status_reply()"),
	})
}

func TestRedisAPI(t *testing.T) {
	runSteps(t, []step{
		sorted(ev("local t = {} for k in pairs(redis) do t[#t+1] = k end return t")),
		ev("return redis.REDIS_VERSION"), ev("return redis.REDIS_VERSION_NUM"),
		ev("return redis.sha1hex('')"), ev("return redis.sha1hex('abc')"), ev("return redis.sha1hex(1)"),
		ev("return redis.sha1hex({})"), ev("return redis.sha1hex()"), ev("return redis.sha1hex('a', 'b')"),
		ev("return redis.log(redis.LOG_WARNING, 'hello', 1, {})"), ev("return redis.log(redis.LOG_WARNING)"),
		ev("return redis.log('x', 'y')"), ev("return redis.log(99, 'y')"), ev("return redis.log('1', 'y')"),
		ev("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
		ev("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}"),
		ev("return redis.set_repl(redis.REPL_ALL)"), ev("return redis.set_repl(99)"), ev("return redis.set_repl()"),
		ev("return redis.set_repl('1')"),
		ev("return redis.replicate_commands()"), ev("return redis.breakpoint()"), ev("return redis.debug('x')"),
		ev("return redis.acl_check_cmd('get', 'x')"), ev("return redis.acl_check_cmd('nosuch')"),
		ev("return redis.acl_check_cmd()"), ev("return redis.acl_check_cmd('client', 'nosuch')"),
		ev("redis.setresp(4)"), ev("redis.setresp()"), ev("redis.setresp(3, 4)"), ev("redis.setresp('3')"),
		ev("redis.setresp(2.9)"),
		ev("math.randomseed(7) return {math.random(1000), math.random(1000), tostring(math.random())}"),
		ev("math.randomseed(-3) return {math.random(), math.random(5, 10), math.random(1)}"),
		ev("return math.random(0)"), ev("return math.random(5, 1)"), ev("return math.random(1, 2, 3)"),
		ev("return math.random('x')"),
	})
}

func TestSandbox(t *testing.T) {
	runSteps(t, []step{
		evk("return 1", "1", "k", "a"), // KEYS and ARGV exist from here on, as in Redis
		sorted(ev("local t = {} for k in pairs(_G) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(string) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(table) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(math) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(coroutine) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(bit) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(cjson) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(cmsgpack) do t[#t+1] = k end return t")),
		sorted(ev("local t = {} for k in pairs(struct) do t[#t+1] = k end return t")),
		ev("return _VERSION"), ev("return type(collectgarbage())"), ev("return collectgarbage('count') > 0"),
		ev("return gcinfo() > 0"), ev("return collectgarbage('bogus')"),
		ev("_G.x = 1"), ev("rawset(_G, 'x', 1)"), ev("string.len = nil"), ev("redis.call = nil"),
		ev("cjson.encode = nil"), ev("math.pi = 3"), ev("setmetatable(_G, nil)"),
		ev("return getmetatable(_G) == nil"), ev("getmetatable('').__index = {}"),
		ev("getmetatable('').__index.len = nil"), ev("return type(getmetatable('').__index)"),
		ev("return table.insert(string, 1)"), ev("return table.insert(KEYS, 'x')"),
		ev("return rawget(_G, 'redis') ~= nil"), ev("return rawget(_G, 'nosuch') == nil"), ev("return #_G"),
		ev("return next(string) ~= nil"), ev("return rawequal(_G, _G)"), ev("return type(_G)"),
		ev("return redis.nosuch"), ev("return string.nosuch"),
		ev("local t = {} t.x = 1 return t.x"), ev("local t = setmetatable({}, {__index=function(t,k) return k..'!' end}) return t.x"),
		ev("return loadstring('return 1')()"), ev("return pcall(loadstring('x = 1'))"),
		ev("return getfenv"), ev("return setfenv"), ev("return newproxy"), ev("return dofile"), ev("return loadfile"),
		ev("return require"), ev("return module"), ev("return io"), ev("return debug"), ev("return package"),
		ev("local co = coroutine.create(function() coroutine.yield(1) end) return {coroutine.resume(co)}"),
		ev("return tostring(10/3)"), ev("return tostring(1e15)"), ev("return tostring(123456789012345)"),
		ev("return tostring(1/0) .. tostring(-1/0)"), ev("return tostring(0.1)"),
		ev("return string.format('%s %d %5.2f %q %x %g', 10/3, 3.7, 1/3, 'a\"b\\n', 255, 0.1)"),
		ev("return string.format('%5s|%-5s|%.2s|%03d|%+d|%e|%G|%o|%X|%c|%%', 'ab', 'ab', 'abc', 7, 5, 12345.678, 1e-10, 8, 255, 65)"),
		ev("return string.format('%d %x', -1, -1)"), ev("return string.format('%q', 1/0)"), ev("return string.format('%z', 1)"),
		ev("return string.format('%10.3f|%-8.1e|% d', 3.14159, 0.000123, 42)"),
		ev("return table.concat({1, 2.5, 'x', 10/3}, ',')"), ev("return table.concat({1, 2, 3}, '-', 2, 3)"),
		ev("local n = 0 table.foreach({a=1, b=2}, function(k, v) n = n + v end) return n"),
		ev("local n = 0 table.foreachi({5, 6}, function(i, v) n = n + v end) return n"),
		ev("return table.setn({}, 1)"),
		ev("return {tonumber('10'), tonumber(' 0x1A '), tonumber('1e3'), tonumber('z', 36), tonumber('ff', 16), tonumber('1e'), tonumber(''), tonumber('10', 99)}"),
		ev("return tonumber('inf') == 1/0"), ev("return unpack({1, 2, 3})"), ev("return select('#', unpack({1, 2, 3}, 2))"),
	})
}

func TestShebangAndReadOnly(t *testing.T) {
	runSteps(t, []step{
		cmd("EVAL_RO", "return redis.call('set','x','1')", "0"),
		cmd("EVAL_RO", "return redis.call('get','x')", "0"),
		cmd("EVAL_RO", "return redis.call('publish','x','1')", "0"),
		ev("#!lua flags=no-writes\nreturn redis.call('set','x','1')"),
		ev("#!lua\nreturn redis.call('set','x','1')"),
		ev("#!lua\nreturn x"), ev("#!lua\n\nreturn x"),
		ev("#!lua flags=bad\nreturn 1"), ev("#!lua foo=bar\nreturn 1"), ev("#!luax\nreturn 1"), ev("#!lua"),
		ev("#! lua\nreturn 1"), ev("#!lua  flags=no-writes\nreturn 1"),
		ev("#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1"),
		ev("#!lua flags=\nreturn 1"), ev("#!lua flags=no-writes,,allow-oom\nreturn 1"), ev("#!lua name=x\nreturn 1"),
		ev("#!\nreturn 1"), ev("#!lua\nreturn redis.call('get','undeclared')"),
		evk("#!lua\nreturn redis.call('get',KEYS[1])", "1", "x"),
		ev("#!lua flags=no-writes\nreturn redis.call('get','x')"),
		cmd("EVAL_RO", "#!lua\nreturn redis.call('get','x')", "0"),
		cmd("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0"),
		cmd("SCRIPT", "LOAD", "return 1"),
		cmd("EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
		cmd("SCRIPT", "LOAD", "#!lua\nreturn 2"),
		cmd("EVALSHA_RO", "5d1fa2a3d35dd7fdf1a7e7a1a15ae9dc95f3d1d5", "0"),
	})
}

func TestEvalAndScriptCommands(t *testing.T) {
	runSteps(t, []step{
		ev("return 1", "extra"), cmd("EVAL", "return 1", "-1"), cmd("EVAL", "return 1", "2", "a"),
		cmd("EVAL", "return 1", "x"), cmd("EVAL", "return 1", "01"), cmd("EVAL", "return 1", "9223372036854775807"),
		cmd("EVAL", "return +", "x"), cmd("EVAL", "return +", "5"), cmd("EVAL"), cmd("EVAL", "return 1"),
		cmd("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"), cmd("EVALSHA", "ffff", "0"),
		cmd("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"),
		cmd("SCRIPT", "LOAD", "return 1"), cmd("SCRIPT", "LOAD", "return 1 +"),
		cmd("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffffffffffffffffffffffffffffffffffffffff", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"),
		cmd("EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"),
		cmd("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
		ev("return 'cached'"), cmd("EVALSHA", "2a5e2ddb2b33f6a4b7bee4a1ac1ba3fc1f2b8b44", "0"),
		cmd("SCRIPT", "FLUSH"), cmd("SCRIPT", "FLUSH", "ASYNC"), cmd("SCRIPT", "FLUSH", "SYNC"),
		cmd("SCRIPT", "FLUSH", "BAD"), cmd("SCRIPT", "FLUSH", "SYNC", "ASYNC"),
		cmd("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
		cmd("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
		cmd("SCRIPT", "KILL"), cmd("SCRIPT", "KILL", "x"), cmd("SCRIPT", "HELP"), cmd("SCRIPT"),
		cmd("SCRIPT", "NOSUCH"), cmd("SCRIPT", "EXISTS"), cmd("SCRIPT", "LOAD"), cmd("SCRIPT", "DEBUG", "no"),
		cmd("FUNCTION", "KILL"), cmd("FUNCTION", "STATS"),
		cmd("COMMAND", "INFO", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"),
		cmd("COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"),
		cmd("MULTI"), ev("return redis.call('incr', 'm')"), ev("return redis.call('incr', 'm')"), cmd("EXEC"),
		cmd("MULTI"), cmd("EVAL", "return 1", "x"), cmd("EXEC"),
		ev("return redis.call('ttl', 'nokey')"),
		cmd("SCRIPT", "DEBUG", "bad"), cmd("SCRIPT", "DEBUG"),
		cmd("CONFIG", "GET", "lua-time-limit"), cmd("CONFIG", "GET", "busy-reply-threshold"), cmd("CONFIG", "GET", "busy*"),
		cmd("CONFIG", "SET", "lua-time-limit", "7000"), cmd("CONFIG", "GET", "busy-reply-threshold"),
		cmd("CONFIG", "SET", "busy-reply-threshold", "-1"), cmd("CONFIG", "SET", "busy-reply-threshold", "5000"),
		ev("return redis.call('config', 'set', 'busy-reply-threshold', 5000)"),
	})
}

const libSrc = "#!lua name=l1\n" +
	"local function helper(x) return x * 2 end\n" +
	"redis.register_function('dbl', function(keys, args) return helper(tonumber(args[1])) end)\n" +
	"redis.register_function('boom', function(keys, args)\n  error('bad thing')\nend)\n" +
	"redis.register_function('gx', function(keys, args) return x end)\n" +
	"redis.register_function('kk', function(keys, args) return {#keys, #args, keys[1], args[1]} end)\n" +
	"redis.register_function('callerr', function(keys, args) return redis.call('nosuch') end)\n" +
	"redis.register_function('kglobal', function(keys, args) return KEYS end)\n" +
	"redis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
	"redis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}\n"

func TestFunctions(t *testing.T) {
	lib := func(body string) string { return "#!lua name=lib3\n" + body }
	runSteps(t, []step{
		cmd("FUNCTION", "LOAD", libSrc), cmd("FUNCTION", "LOAD", libSrc), cmd("FUNCTION", "LOAD", "REPLACE", libSrc),
		cmd("FCALL", "dbl", "0", "21"), cmd("FCALL", "DBL", "0", "2"), cmd("FCALL", "boom", "0"), cmd("FCALL", "gx", "0"),
		cmd("FCALL", "kk", "2", "a", "b", "c"), cmd("FCALL", "callerr", "0"), cmd("FCALL", "kglobal", "0"),
		cmd("FCALL", "w", "1", "k", "v"), cmd("FCALL_RO", "w", "1", "k", "v"), cmd("FCALL_RO", "ro", "1", "k"),
		cmd("FCALL", "nofunc", "0"), cmd("FCALL", "dbl", "-1"), cmd("FCALL", "dbl", "1"), cmd("FCALL", "dbl", "x"),
		cmd("FCALL", "nofunc", "x"), cmd("FCALL"),
		sorted(cmd("FUNCTION", "LIST")), sorted(cmd("FUNCTION", "LIST", "WITHCODE")), sorted(cmd("FUNCTION", "LIST", "LIBRARYNAME", "l*")),
		cmd("FUNCTION", "LIST", "LIBRARYNAME", "nomatch"), cmd("FUNCTION", "LIST", "bad"),
		cmd("FUNCTION", "LIST", "LIBRARYNAME"), cmd("FUNCTION", "STATS"),
		cmd("FUNCTION", "LOAD", lib("redis.register_function('dbl', function() end)")),
		cmd("FUNCTION", "LOAD", lib("local x = 1")),
		cmd("FUNCTION", "LOAD", lib("redis.call('ping')")),
		cmd("FUNCTION", "LOAD", lib("return x")),
		cmd("FUNCTION", "LOAD", lib("local x = pairs")),
		cmd("FUNCTION", "LOAD", lib("local x = redis.setresp")),
		cmd("FUNCTION", "LOAD", "#!lua\nredis.register_function('f3', function() end)"),
		cmd("FUNCTION", "LOAD", "#!lua name=lib3 foo=bar\nredis.register_function('f3', function() end)"),
		cmd("FUNCTION", "LOAD", "#!lua name=a name=b\nredis.register_function('f3', function() end)"),
		cmd("FUNCTION", "LOAD", "#!luax name=lib3\nredis.register_function('f3', function() end)"),
		cmd("FUNCTION", "LOAD", "redis.register_function('f3', function() end)"),
		cmd("FUNCTION", "LOAD", "#!lua name=lib3"),
		cmd("FUNCTION", "LOAD", "#!lua name=lib-3\nredis.register_function('f3', function() end)"),
		cmd("FUNCTION", "LOAD", lib("redis.register_function('f-3', function() end)")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function('f3', 'x')")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function(1, function() end)")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function({}, function() end)")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function('f3')")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function()")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{function_name='f3', callback=function() end, flags={'bad'}}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{function_name='f3', callback=function() end, foo=1}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{function_name='f3'}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{callback=function() end}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{function_name='f3', callback='x'}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{function_name='f3', callback=function() end, flags='x'}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function{function_name='f3', callback=function() end, description={}}")),
		cmd("FUNCTION", "LOAD", lib("redis.register_function('f3', function() end) redis.register_function('f3', function() end)")),
		cmd("FUNCTION", "LOAD", lib("redis.log(redis.LOG_WARNING, 'x') redis.register_function('f3', function() return redis.REDIS_VERSION end)")),
		cmd("FCALL", "f3", "0"),
		cmd("FUNCTION", "LIST", "LIBRARYNAME", "lib3", "WITHCODE"),
		cmd("FUNCTION", "DELETE", "lib3"), cmd("FUNCTION", "DELETE", "lib3"), cmd("FCALL", "f3", "0"),
		cmd("FUNCTION", "RESTORE", "bad"), cmd("FUNCTION", "RESTORE", "bad", "BAD"),
		cmd("FUNCTION", "RESTORE", "bad", "FLUSH", "x"),
		cmd("FUNCTION", "FLUSH", "BAD"), cmd("FUNCTION", "FLUSH", "ASYNC"), cmd("FCALL", "dbl", "0", "1"),
		cmd("FUNCTION"), cmd("FUNCTION", "DELETE"), cmd("FUNCTION", "LOAD"), cmd("FUNCTION", "LOAD", "REPLACE"),
		cmd("FUNCTION", "LOAD", "BAD", "x"), cmd("FUNCTION", "HELP"), cmd("FUNCTION", "DUMP"),
	})
}

// TestFunctionDumpRestore moves libraries both ways between Redis and cachee:
// payloads are compatible although cachee writes its strings uncompressed.
func TestFunctionDumpRestore(t *testing.T) {
	p := oracle.Start(t)
	real, ours := p.Real(), p.Ours()
	for _, c := range []*oracle.Client{real, ours} {
		mustRaw(t, c, "FUNCTION", "LOAD", libSrc)
		mustRaw(t, c, "FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('o', function() return 'o' end)")
	}
	dumpReal, dumpOurs := bulk(t, real, "FUNCTION", "DUMP"), bulk(t, ours, "FUNCTION", "DUMP")
	p.Both("FUNCTION", "FLUSH")
	// Each side restores the other's payload.
	for _, c := range []struct {
		c       *oracle.Client
		payload string
	}{{real, dumpOurs}, {ours, dumpReal}} {
		if got := string(mustRaw(t, c.c, "FUNCTION", "RESTORE", c.payload)); got != "+OK\r\n" {
			t.Fatalf("RESTORE: %q", got)
		}
	}
	p.DoSorted("FUNCTION", "LIST", "WITHCODE")
	p.Do("FCALL", "dbl", "0", "5")
	p.Do("FCALL", "o", "0")
	p.Do("FUNCTION", "STATS")
	// Policies: APPEND collides, REPLACE and FLUSH succeed, a bad checksum fails.
	for _, c := range []struct {
		c       *oracle.Client
		payload string
	}{{real, dumpOurs}, {ours, dumpReal}} {
		if got := string(mustRaw(t, c.c, "FUNCTION", "RESTORE", c.payload)); !strings.HasPrefix(got, "-ERR Library ") {
			t.Errorf("APPEND over existing libraries: %q", got)
		}
		for _, policy := range []string{"REPLACE", "FLUSH"} {
			if got := string(mustRaw(t, c.c, "FUNCTION", "RESTORE", c.payload, policy)); got != "+OK\r\n" {
				t.Errorf("RESTORE %s: %q", policy, got)
			}
		}
		bad := c.payload[:len(c.payload)-1] + "x"
		if got := string(mustRaw(t, c.c, "FUNCTION", "RESTORE", bad)); got != "-ERR DUMP payload version or checksum are wrong\r\n" {
			t.Errorf("bad checksum: %q", got)
		}
	}
	p.Do("FUNCTION", "STATS")
}

func mustRaw(t *testing.T, c *oracle.Client, args ...string) []byte {
	t.Helper()
	b, err := c.Raw(args...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bulk returns a bulk-string reply's payload.
func bulk(t *testing.T, c *oracle.Client, args ...string) string {
	t.Helper()
	v, err := c.Value(args...)
	if err != nil || v.Kind != '$' {
		t.Fatalf("%v: %v %v", args, v, err)
	}
	return v.Str
}
