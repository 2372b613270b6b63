package lua_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachee/cachee/internal/oracle"
)

// Real scripts through go-redis's Script (EVALSHA, then EVAL on NOSCRIPT)
// against Redis and cachee's server: every result must be the same.

// scoringHash is the seed's content-scoring script (two HGETs and a write)
// with the score kept in a hash, until sorted sets land; scoringZSet is the
// original with ZADD.
const scoringHash = `
local views = tonumber(redis.call('HGET', KEYS[1], 'views') or 0)
local likes = tonumber(redis.call('HGET', KEYS[1], 'likes') or 0)
local score = views * tonumber(ARGV[1]) + likes * tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], score)
return score`

const scoringZSet = `
local views = tonumber(redis.call('HGET', KEYS[1], 'views') or 0)
local likes = tonumber(redis.call('HGET', KEYS[1], 'likes') or 0)
local score = views * tonumber(ARGV[1]) + likes * tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], score, ARGV[3])
return score`

// slidingWindow is a sliding-window rate limiter over a list of request
// times: drop the times older than the window, admit while under the limit.
// It returns {allowed, remaining}.
const slidingWindow = `
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
  local oldest = redis.call('LINDEX', key, 0)
  if not oldest or tonumber(oldest) > now - window then break end
  redis.call('LPOP', key)
end
local n = redis.call('LLEN', key)
if n < limit then
  redis.call('RPUSH', key, now)
  redis.call('PEXPIRE', key, window)
  return {1, limit - n - 1}
end
return {0, 0}`

// clients opens a go-redis client on each side.
func clients(t *testing.T, p *oracle.Pair) (real, ours *redis.Client) {
	real = redis.NewClient(&redis.Options{Addr: p.RealAddr})
	ours = redis.NewClient(&redis.Options{Addr: p.OursAddr})
	t.Cleanup(func() { real.Close(); ours.Close() })
	return real, ours
}

// runBoth runs the script on both sides and requires equal results.
func runBoth(t *testing.T, s *redis.Script, real, ours *redis.Client, keys []string, args ...any) any {
	t.Helper()
	ctx := context.Background()
	rv, rerr := s.Run(ctx, real, keys, args...).Result()
	ov, oerr := s.Run(ctx, ours, keys, args...).Result()
	if fmt.Sprint(rerr) != fmt.Sprint(oerr) || !reflect.DeepEqual(rv, ov) {
		t.Fatalf("%v %v\n redis:  %v %v\n cachee: %v %v", keys, args, rv, rerr, ov, oerr)
	}
	return ov
}

func TestGoRedisScoringScript(t *testing.T) {
	p := oracle.Start(t)
	real, ours := clients(t, p)
	ctx := context.Background()
	for _, c := range []*redis.Client{real, ours} {
		c.HSet(ctx, "post:1", "views", 120, "likes", 7)
		c.HSet(ctx, "post:2", "views", 5)
	}
	s := redis.NewScript(scoringHash)
	if got := runBoth(t, s, real, ours, []string{"post:1", "scores"}, 1, 10, "post:1"); got != int64(190) {
		t.Fatalf("score = %v", got)
	}
	runBoth(t, s, real, ours, []string{"post:2", "scores"}, 1.5, 10, "post:2")
	runBoth(t, s, real, ours, []string{"post:3", "scores"}, 1, 10, "post:3")
	p.DoSorted("HGETALL", "scores")
	// After SCRIPT FLUSH, Run falls back to EVAL again.
	p.Both("SCRIPT", "FLUSH")
	runBoth(t, s, real, ours, []string{"post:1", "scores"}, 2, 10, "post:1")
	p.Do("HGET", "scores", "post:1")
}

// TestGoRedisScoringScriptZAdd is the seed's content-scoring script itself
// (2x HGET + ZADD).
func TestGoRedisScoringScriptZAdd(t *testing.T) {
	p := oracle.Start(t)
	real, ours := clients(t, p)
	ctx := context.Background()
	for _, c := range []*redis.Client{real, ours} {
		c.HSet(ctx, "post:1", "views", 120, "likes", 7)
	}
	s := redis.NewScript(scoringZSet)
	runBoth(t, s, real, ours, []string{"post:1", "ranking"}, 1, 10, "post:1")
	p.Do("ZRANGE", "ranking", "0", "-1", "WITHSCORES")
}

func TestGoRedisSlidingWindowLimiter(t *testing.T) {
	p := oracle.Start(t)
	real, ours := clients(t, p)
	s := redis.NewScript(slidingWindow)
	allowed := 0
	// Requests 100 ms apart against 5 per second: bursts of 5 pass, then
	// 5 are refused until the first of the burst leaves the window.
	for i := 0; i < 30; i++ {
		now := 1_000_000 + i*100
		got := runBoth(t, s, real, ours, []string{"rl:user:1"}, now, 1000, 5).([]any)
		allowed += int(got[0].(int64))
	}
	if allowed != 15 {
		t.Fatalf("allowed %d of 30, want 15", allowed)
	}
	p.Do("LRANGE", "rl:user:1", "0", "-1")
	p.DoApprox(5, "PTTL", "rl:user:1")
}

// corpus holds scripts whose mutations cannot loop for long: no loop
// constructs and no numbers the mutation could make huge.
var corpus = []string{
	"return redis.call('set', KEYS[1], ARGV[1])",
	"local t = {1, 'two', {three = 3}} return t",
	"local v = redis.call('get', 'k') if v then return v else return 'none' end",
	"return cjson.encode({a = 'b', c = {1, 2}})",
	"local function f(x) return x .. '!' end return f('hi')",
	"return redis.pcall('incr', 'str')",
	"return {err = 'oops'}",
	"return string.format('%s-%d', 'a', 7)",
	"local ok, e = pcall(error, 'x') return e",
	"#!lua flags=no-writes\nreturn redis.call('get', 'k')",
	"return tonumber(ARGV[1]) + #KEYS",
	"redis.setresp(3) return redis.call('hgetall', 'h')",
}

// mutate damages src: deletes, duplicates or replaces a few bytes with
// ones from Lua's syntax.
func mutate(r *rand.Rand, src string) string {
	b := []byte(src)
	const alphabet = "()[]{}'\"=.,:;#-+*/%^<>~ \nendifthnlocalreturnfunction\\0"
	for n := 1 + r.IntN(3); n > 0 && len(b) > 0; n-- {
		i := r.IntN(len(b))
		switch r.IntN(3) {
		case 0:
			b = append(b[:i], b[i+1:]...)
		case 1:
			b = append(b[:i], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[i:]...)...)
		default:
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
	}
	return string(b)
}

// TestMalformedScripts sends damaged scripts to both servers: cachee must
// never fail to answer (a panic would end the test), must refuse what Redis
// refuses, and a script Redis cannot compile must be a compile error here
// too, with Redis's prefix.
func TestMalformedScripts(t *testing.T) {
	p := oracle.Start(t)
	p.Both("SET", "k", "v")
	p.Both("SET", "str", "x")
	p.Both("HSET", "h", "f", "v")
	r := rand.New(rand.NewPCG(1, 2))
	const compileErr = "-ERR Error compiling script (new function): user_script:"
	for i := 0; i < 600; i++ {
		src := mutate(r, corpus[i%len(corpus)])
		args := []string{"EVAL", src, "1", "k", "5"}
		rb, err := p.Real().Raw(args...)
		if err != nil {
			t.Fatal(err)
		}
		ob, err := p.Ours().Raw(args...)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		real, ours := string(rb), string(ob)
		switch {
		case strings.HasPrefix(real, compileErr) != strings.HasPrefix(ours, compileErr):
			t.Errorf("%q\n redis:  %q\n cachee: %q", src, real, ours)
		case (real[0] == '-') != (ours[0] == '-'):
			t.Errorf("%q: error on one side only\n redis:  %q\n cachee: %q", src, real, ours)
		case real[0] != '-' && real != ours:
			t.Errorf("%q\n redis:  %q\n cachee: %q", src, real, ours)
		}
	}
}
