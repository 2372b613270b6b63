package engine_test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests for the sorted-set commands (see cmd_string_test.go for
// the script format). Every case runs against real Redis 7.0 and cachee, in
// RESP2 and RESP3, and replies must match byte for byte. Cases that change
// the listpack thresholds restore them before they end.

// zaddLine builds "ZADD key 1 <prefix>1 2 <prefix>2 ..." with n members.
func zaddLine(key, prefix string, n int) string {
	var b strings.Builder
	b.WriteString("zadd " + key)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " %d %s%d", i, prefix, i)
	}
	return b.String()
}

// TestZsetDiffSetInputs: ZUNION, ZINTER, ZDIFF and their STORE forms read a
// plain set as a sorted set whose scores are all 1.
func TestZsetDiffSetInputs(t *testing.T) {
	runDiff(t, []diffCase{
		{"set inputs", []string{
			"@both sadd s a b c 10",
			"@both sadd ints 1 2 3",
			"@both zadd z 5 a 7 d",
			"zunion 2 s z withscores",
			"zunion 2 s ints withscores",
			"zinter 2 s z withscores",
			"zinter 2 z s aggregate max withscores",
			"zdiff 2 s z withscores",
			"zdiff 2 z s",
			"zunionstore d 2 s z weights 2 3",
			"zrange d 0 -1 withscores",
			"zinterstore d 2 s ints",
			"exists d",
			"zdiffstore d 1 s",
			"zrange d 0 -1 withscores",
			"zintercard 2 s z",
		}},
	})
}

func TestZsetDiffAdd(t *testing.T) {
	runDiff(t, []diffCase{
		{"zadd basics", []string{
			"zadd z 1 a",
			"zadd z 2 b 3 c 1 a",
			"zrange z 0 -1 withscores",
			"zadd z 5 a 5 a 6 a", // duplicates: added once, then updated
			"zscore z a",
			"zadd z ch 7 a 7 a 8 new",
			"zadd z ch 7 a",
			"ZADD z CH Nx 9 b 9 fresh",
			"zrange z 0 -1 withscores",
			"zcard z",
			"type z",
		}},
		{"zadd errors", []string{
			"zadd",
			"zadd z",
			"zadd z 1",
			"zadd z 1 a 2",
			"zadd z nx",
			"zadd z ch ch",
			"zadd z x a",
			"zadd z 1 a x b",
			"zadd z nan a",
			"zadd z -nan a",
			"zadd z 1e400 a",
			"zadd z -1e400 a",
			"zadd z 1e-400 a",
			`zadd z " 1" a`,
			`zadd z "1 " a`,
			`zadd z "" a`,
			"zadd z 0x a",
			"zadd z nx xx 1 a",
			"zadd z xx nx 1 a",
			"zadd z gt lt 1 a",
			"zadd z nx gt 1 a",
			"zadd z lt nx 1 a",
			"zadd z nx xx gt lt 1 a",
			"zadd z incr 1 a 2 b",
			"zadd z incr nx xx 1 a 2 b",
			"zadd z nx incr 1 a 2 b x",
			"zadd z 1 a x b incr",
			"exists z",
			"set s v",
			"zadd s 1 a",
			"zadd s x a",
			"zadd s xx 1 a",
			"zincrby s 1 a",
		}},
		{"zadd nx xx gt lt", []string{
			"zadd z xx 1 a",
			"exists z",
			"zadd z xx incr 1 a",
			"exists z",
			"zadd z nx 1 a 2 b",
			"zadd z nx 5 a 3 c",
			"zrange z 0 -1 withscores",
			"zadd z xx 10 a 10 d",
			"zrange z 0 -1 withscores",
			"zadd z gt ch 5 a 20 b 1 e",
			"zadd z lt ch 30 a 1 b 0 f",
			"zrange z 0 -1 withscores",
			"zadd z gt xx ch 100 a 100 g",
			"zadd z lt xx ch -100 a -100 g",
			"zrange z 0 -1 withscores",
			"zadd z gt 1 brandnew",
			"zscore z brandnew",
		}},
		{"zadd incr", []string{
			"zadd z incr 1 a",
			"zadd z incr 2.5 a",
			"zadd z incr -0.5 a",
			"zadd z nx incr 1 a",
			"zadd z xx incr 1 missing",
			"zadd z gt incr -1 a",
			"zadd z lt incr -1 a",
			"zadd z gt incr 1 a",
			"zadd z ch incr 0 a",
			"zadd z incr inf a",
			"zadd z incr -inf a",
			"zadd z incr +inf a",
			"zadd z incr 1 a",
			"zscore z a",
			"zadd z incr -inf b",
			"zadd z incr inf b",
		}},
		{"zincrby", []string{
			"zincrby z 1 a",
			"zincrby z 0.1 b",
			"zincrby z 0.2 b",
			"zincrby z 1e300 c",
			"zincrby z 1e300 c",
			"zincrby z -0.30000000000000004 b",
			"zincrby z x a",
			"zincrby z nan a",
			"zincrby z nx a",
			"zincrby z ch a",
			"zincrby z incr a",
			"zincrby z 1 a b",
			"zincrby z inf d",
			"zincrby z -inf d",
			"zscore z d",
			"zincrby z 1 d",
			"zrange z 0 -1 withscores",
		}},
		{"odd scores", []string{
			"zadd z 1e300 a -1e300 b 0.1 c 5e-324 d 4.9e-324 e 1.7976931348623157e308 f",
			"zadd z 123456789012345678 g 9007199254740993 h 0x10 i 0X1p-2 j 1E2 k .5 l 5. m +3 n",
			"zadd z 1.5e-10 o 100000000000000000000 p 3.0000 q -0.0 r 0.30000000000000004 s",
			"zadd z INF t -Infinity u +inf v",
			"zrange z 0 -1 withscores",
			"zscore z j",
			"zmscore z a b d f t u x",
		}},
		{"negative zero", []string{
			"zadd lp -0 a 0 b",
			"zscore lp a",
			"zrange lp 0 -1 withscores",
			"zincrby lp -0 a",
			"zadd lp incr -0 a",
			"zadd lp 5 c",
			"zadd lp -0 c",
			"zscore lp c",
			"zscan lp 0",
			"@both config set zset-max-listpack-entries 0",
			"zadd sl -0 a 0 b",
			"object encoding sl",
			"zscore sl a",
			"zrange sl 0 -1 withscores",
			"zadd sl incr -0 a",
			"@sorted zscan sl 0", // hash order in the skiplist encoding
			"zunion 1 sl withscores",
			"zunionstore u 1 sl",
			"zscore u a",
			"@both config set zset-max-listpack-entries 128",
			"zunionstore u 1 sl",
			"object encoding u",
			"zscore u a",
			"zrangestore r sl 0 -1",
			"zscore r a",
		}},
	})
}

func TestZsetDiffRead(t *testing.T) {
	runDiff(t, []diffCase{
		{"zscore zmscore zcard", []string{
			"zscore nokey a",
			"zmscore nokey a b",
			"zcard nokey",
			"zadd z 1 a 2.5 b",
			"zscore z a",
			"zscore z b",
			"zscore z nomember",
			"zmscore z a nomember b",
			"zcard z",
			"zscore z",
			"zscore z a b",
			"zmscore z",
			"zcard",
			"zcard z z",
			"set s v",
			"zscore s a",
			"zmscore s a",
			"zcard s",
		}},
		{"zcount", []string{
			"zadd z 0 a 1 b 2 c 3 d inf e -inf f",
			"zcount z -inf +inf",
			"zcount z 1 2",
			"zcount z (1 2",
			"zcount z 1 (2",
			"zcount z (1 (2",
			"zcount z (1 (1",
			"zcount z 2 1",
			`zcount z "" ""`,
			`zcount z "(" 3`,
			`zcount z " 1" 2`,
			`zcount z "  " 2`,
			`zcount z "( 1" 2`,
			`zcount z "1 " 2`,
			"zcount z 1e400 inf",
			"zcount z -1e400 -inf",
			"zcount z (inf inf",
			"zcount z -INF +Infinity",
			"zcount z 0x1 0x2",
			"zcount z 1e-400 1",
			"zcount z nan 1",
			"zcount z 1 nan",
			"zcount z ((1 2",
			"zcount z [1 2",
			"zcount z a b",
			"zcount nokey 0 1",
			"zcount nokey x 1",
			"set s v",
			"zcount s 0 1",
			"zcount s x 1",
			"zcount z 1",
		}},
		{"zlexcount", []string{
			"zadd z 0 a 0 b 0 c 0 d 0 e",
			"zlexcount z - +",
			"zlexcount z + -",
			"zlexcount z - -",
			"zlexcount z + +",
			"zlexcount z [b [d",
			"zlexcount z (b [d",
			"zlexcount z [b (d",
			"zlexcount z (b (b",
			"zlexcount z [b [b",
			`zlexcount z "[" +`,
			`zlexcount z "(" +`,
			"zlexcount z [bb +",
			"zlexcount z [d [b",
			"zlexcount z a +",
			"zlexcount z - +a",
			`zlexcount z "" +`,
			"zlexcount nokey - +",
			"zlexcount nokey x +",
			"set s v",
			"zlexcount s - +",
		}},
		{"zrank zrevrank", []string{
			"zrank nokey a",
			"zrevrank nokey a",
			"zadd z 1 a 2 b 3 c 2 bb",
			"zrank z a",
			"zrank z bb",
			"zrank z c",
			"zrevrank z a",
			"zrevrank z bb",
			"zrank z nomember",
			"zrevrank z nomember",
			"zrank z a withscore",
			"zrevrank z a withscore",
			"zrank z",
			"set s v",
			"zrank s a",
			"zrevrank s a",
		}},
	})
}

func TestZsetDiffRange(t *testing.T) {
	runDiff(t, []diffCase{
		{"zrange by rank", []string{
			"zrange nokey 0 -1",
			"zadd z 1 a 2 b 3 c 4 d 5 e",
			"zrange z 0 -1",
			"zrange z 0 -1 withscores",
			"zrange z 1 3 WITHSCORES",
			"zrange z -2 -1",
			"zrange z -100 100",
			"zrange z 3 1",
			"zrange z 5 10",
			"zrange z -1 -2",
			"zrange z 0 0 rev",
			"zrange z 0 1 rev withscores",
			"zrange z -2 -1 rev",
			"zrange z 0 -1 limit 0 -1",
			"zrange z 0 -1 limit 2 -1",
			"zrange z 0 -1 limit 0 1",
			"zrange z 0 -1 limit 0",
			"zrange z 0 -1 rev rev",
			"zrange z 0 -1 withscores withscores",
			"zrange z x 1",
			"zrange z 0 1.5",
			"zrange z 0 -1 foo",
			"zrange z 0",
			"set s v",
			"zrange s 0 -1",
			"zrange s x -1",
		}},
		{"zrange by score", []string{
			"zadd z 1 a 2 b 3 c 4 d 5 e 5 ee",
			"zrange z 2 4 byscore",
			"zrange z (2 4 byscore withscores",
			"zrange z -inf +inf byscore limit 1 2",
			"zrange z 4 2 byscore rev",
			"zrange z 4 2 byscore rev withscores limit 1 5",
			"zrange z 2 4 byscore rev",
			"zrange z +inf -inf byscore rev limit 0 -1",
			"zrange z 1 5 byscore limit -1 2",
			"zrange z 1 5 byscore limit 2 0",
			"zrange z 1 5 byscore limit 10 1",
			"zrange z 1 5 byscore limit 4 -5",
			"zrange z 1 5 byscore bylex",
			"zrange z 1 5 byscore byscore",
			"zrange z a 5 byscore",
			"zrange z 1 5 byscore limit x 1",
			"zrange z 1 5 byscore limit 1 x",
			"zrangebyscore z 1 3",
			"zrangebyscore z -inf inf withscores",
			"zrangebyscore z (1 (5 withscores limit 1 2",
			"zrangebyscore z 1 5 limit 0",
			"zrangebyscore z 1 5 rev",
			"zrangebyscore z 1 5 byscore",
			"zrangebyscore z 5 1",
			"zrangebyscore z (5 5",
			"zrangebyscore z x 1",
			"zrevrangebyscore z 5 1",
			"zrevrangebyscore z +inf -inf withscores limit 1 3",
			"zrevrangebyscore z 1 5",
			"zrevrangebyscore z (5 (1",
			"zrevrangebyscore z 5 1 limit -1 1",
			"zrangebyscore nokey 0 1",
			"set s v",
			"zrangebyscore s 0 1",
		}},
		{"zrange by lex", []string{
			"zadd z 0 a 0 b 0 c 0 d 0 e 0 foo 0 zap",
			"zrange z [b [d bylex",
			"zrange z - + bylex limit 2 3",
			"zrange z [d [b bylex rev",
			"zrange z + - bylex rev limit 1 2",
			"zrange z - + bylex withscores",
			"zrange z b d bylex",
			"zrangebylex z - +",
			"zrangebylex z (a (e",
			"zrangebylex z [c +",
			"zrangebylex z [f [zz",
			"zrangebylex z - + limit 1 1",
			"zrangebylex z - + limit 1 -1",
			"zrangebylex z - + withscores",
			"zrangebylex z + -",
			"zrangebylex z - +x",
			`zrangebylex z "" +`,
			"zrevrangebylex z + -",
			"zrevrangebylex z [e (a limit 1 2",
			"zrevrangebylex z - +",
			"zrevrangebylex z + - withscores",
			"zrangebylex nokey - +",
			"set s v",
			"zrangebylex s - +",
			"zrevrangebylex s - +",
			// Ranges Redis answers empty before looking at the members.
			"zrangebylex z - -", "zrangebylex z + +", "zrangebylex z [c (c", "zrangebylex z (c [c",
			"zrangebylex z [c [c", "zrangebylex z (d [b", "zlexcount z + +", "zlexcount z [c (c",
			"zrevrangebylex z (c [c", "zrevrangebylex z - +",
		}},
		{"lex ranges over differing scores", []string{
			// Members not in byte order (ZRANGEBYLEX's documented use has
			// equal scores): Redis's scan of its listpack decides.
			"zadd z 3 m 1 a 2 d 4 b 5 k 6 c",
			"zrangebylex z ( [b", "zrangebylex z - +", "zrangebylex z [a [m", "zrangebylex z [b +",
			"zrangebylex z - [d", "zrangebylex z (a [z", "zrangebylex z [c [l limit 1 2",
			"zrevrangebylex z [b (", "zrevrangebylex z + -", "zrevrangebylex z [m [a", "zrevrangebylex z + [c",
			"zrevrangebylex z [z (a limit 0 2",
			"zrange z [a [m bylex", "zrange z [m [a bylex rev", "zrange z + - bylex rev limit 1 3",
			"zlexcount z - +", "zlexcount z [a [m", "zlexcount z ( [b", "zlexcount z [b +",
			"zrangestore d z [a [m bylex", "zrange d 0 -1 withscores",
			"zrangestore d z [m [a bylex rev", "zrange d 0 -1 withscores",
			"zremrangebylex z [b [k", "zrange z 0 -1",
			"zremrangebylex z [a [m", "zrange z 0 -1 withscores",
		}},
		{"zrevrange", []string{
			"zadd z 1 a 2 b 3 c",
			"zrevrange z 0 -1",
			"zrevrange z 0 0 withscores",
			"zrevrange z -2 -1 WITHSCORES",
			"zrevrange z 0 -1 rev",
			"zrevrange z 0 -1 byscore",
			"zrevrange z 1 2 limit 0 1",
			"zrevrange nokey 0 -1",
			"set s v",
			"zrevrange s 0 -1",
		}},
		{"zrangestore", []string{
			"zadd z 1 a 2 b 3 c 4 d",
			"zrangestore d z 0 1",
			"zrange d 0 -1 withscores",
			"object encoding d",
			"zrangestore d z 1 3 byscore rev limit 0 2",
			"zrange d 0 -1 withscores",
			"zrangestore d z (1 +inf byscore",
			"zrange d 0 -1",
			"zrangestore d z 0 -1 rev",
			"zrange d 0 -1",
			"zrangestore d z 5 10",
			"exists d",
			"zrangestore d z 0 -1",
			"expire d 100",
			"zrangestore d z 0 0",
			"ttl d",
			"zrangestore d nokey 0 -1",
			"exists d",
			"set d v",
			"zrangestore d z 0 -1",
			"type d",
			"zrangestore d z 0 -1 withscores",
			"zrangestore d z 0 -1 limit 0 1",
			"zrangestore d z - + bylex",
			"zrangestore z z 1 2",
			"zrange z 0 -1",
			"set s v",
			"zrangestore d s 0 -1",
			"zrangestore d",
		}},
	})
}

func TestZsetDiffRemove(t *testing.T) {
	runDiff(t, []diffCase{
		{"zrem", []string{
			"zrem nokey a",
			"zadd z 1 a 2 b 3 c",
			"zrem z a x a",
			"zrange z 0 -1",
			"zrem z b c d",
			"exists z",
			"zrem z",
			"set s v",
			"zrem s a",
		}},
		{"zremrangebyrank", []string{
			"zadd z 1 a 2 b 3 c 4 d 5 e",
			"zremrangebyrank z 1 2",
			"zrange z 0 -1",
			"zremrangebyrank z 5 10",
			"zremrangebyrank z 2 1",
			"zremrangebyrank z -1 -1",
			"zrange z 0 -1",
			"zremrangebyrank z x 1",
			"zremrangebyrank z 0 -1",
			"exists z",
			"zremrangebyrank nokey 0 -1",
			"set s v",
			"zremrangebyrank s 0 -1",
			"zremrangebyrank s x 1",
		}},
		{"zremrangebyscore", []string{
			"zadd z 1 a 2 b 3 c 4 d 5 e",
			"zremrangebyscore z (1 (3",
			"zrange z 0 -1",
			"zremrangebyscore z 10 20",
			"zremrangebyscore z 3 1",
			"zremrangebyscore z x 1",
			"zremrangebyscore z -inf 4",
			"zrange z 0 -1",
			"zremrangebyscore z -inf +inf",
			"exists z",
			"zremrangebyscore nokey 0 1",
			"set s v",
			"zremrangebyscore s 0 1",
		}},
		{"zremrangebylex", []string{
			"zadd z 0 a 0 b 0 c 0 d 0 e",
			"zremrangebylex z (a [c",
			"zrange z 0 -1",
			"zremrangebylex z [x +",
			"zremrangebylex z x +",
			"zremrangebylex z - +",
			"exists z",
			"zremrangebylex nokey - +",
			"set s v",
			"zremrangebylex s - +",
		}},
	})
}

func TestZsetDiffPop(t *testing.T) {
	runDiff(t, []diffCase{
		{"zpopmin zpopmax", []string{
			"zpopmin nokey",
			"zpopmin nokey 2",
			"zpopmax nokey 0",
			"zadd z 1 a 2 b 3 c 4 d 5 e",
			"zpopmin z",
			"zpopmax z",
			"zpopmin z 2",
			"zpopmin z 0",
			"zpopmax z 1",
			"zrange z 0 -1",
			"zpopmax z 10",
			"exists z",
			"zadd z 1 a",
			"zpopmin z -1",
			"zpopmin z x",
			"zpopmin z 1 2",
			"zpopmax z 1.5",
			"set s v",
			"zpopmin s",
			"zpopmax s 0",
			"zpopmin s x",
		}},
		{"zmpop", []string{
			"zmpop 1 nokey min",
			"zmpop 2 nokey1 nokey2 max count 3",
			"zadd z1 1 a 2 b 3 c",
			"zadd z2 10 x",
			"zmpop 2 nokey z1 min",
			"zmpop 2 z2 z1 max count 5",
			"zmpop 2 z2 z1 MAX COUNT 5",
			"zmpop 1 z1 min count 1",
			"exists z1 z2",
			"zmpop 0 z1 min",
			"zmpop -1 z1 min",
			"zmpop x z1 min",
			"zmpop 1 z1",
			"zmpop 1 z1 foo",
			"zmpop 2 z1 min",
			"zmpop 1 z1 min count 0",
			"zmpop 1 z1 min count -1",
			"zmpop 1 z1 min count x",
			"zmpop 1 z1 min count 1 count 1",
			"zmpop 1 z1 min count",
			"zmpop 1 z1 min foo 1",
			"set s v",
			"zadd z3 1 a",
			"zmpop 2 s z3 min",
			"zmpop 2 z3 s min",
			"zmpop 2 nokey s max",
		}},
	})
}

func TestZsetDiffSetOps(t *testing.T) {
	runDiff(t, []diffCase{
		{"zunion zunionstore", []string{
			"zadd a 1 x 2 y 3 z",
			"zadd b 10 y 20 z 30 w",
			"zunion 2 a b",
			"zunion 2 a b withscores",
			"zunion 2 a b weights 2 3 withscores",
			"zunion 2 a b aggregate min withscores",
			"zunion 2 a b aggregate max withscores",
			"zunion 2 a b weights 1 -1 aggregate max withscores",
			"zunion 3 a nokey b withscores",
			"zunion 2 a a withscores",
			"zunionstore d 2 a b",
			"zrange d 0 -1 withscores",
			"object encoding d",
			"zunionstore d 2 a b weights 0 0",
			"zrange d 0 -1 withscores",
			"expire d 100",
			"zunionstore d 1 a",
			"ttl d",
			"zunionstore d 1 nokey",
			"exists d",
			"set d v",
			"zunionstore d 1 a",
			"type d",
			"zunionstore a 2 a b",
			"zrange a 0 -1 withscores",
		}},
		{"zunion inf arithmetic", []string{
			"zadd a inf x -inf y 1 z 0 w",
			"zadd b -inf x -inf y inf z inf w",
			"zunion 2 a b withscores",
			"zunion 2 a b weights 0 1 withscores",
			"zunion 2 a b weights 1 0 withscores",
			"zunion 2 a b weights inf -inf withscores",
			"zunion 2 a b weights -inf -inf aggregate min withscores",
			"zunion 2 a b weights 0 0 aggregate max withscores",
			"zunionstore d 2 a b weights inf inf",
			"zrange d 0 -1 withscores",
			"zinter 2 a b withscores",
			"zinter 2 a b weights 0 1 withscores",
			"zinter 2 a b weights 1 0 aggregate min withscores",
			"zinter 2 a b weights 0 0 aggregate max withscores",
			"zinterstore d 2 a b weights 1e308 1e308",
			"zrange d 0 -1 withscores",
		}},
		{"float sum order", []string{
			"zadd a 0.1 x",
			"zadd b 0.2 x",
			"zadd c 0.3 x",
			"zadd big 0.3 x 1 other",
			"zunion 3 a b c withscores",
			"zunion 3 c b a withscores",
			"zunion 3 a c b withscores",
			"zunion 3 big a b withscores",
			"zinter 3 big b a withscores",
			"zinter 3 c b a withscores",
		}},
		{"zunion errors", []string{
			"zadd a 1 x",
			"zunion 0 a",
			"zunion -1 a",
			"zunion x a",
			"zunion 3 a",
			"zunion 2 a",
			"zunion 1 a weights",
			"zunion 1 a weights 1 2",
			"zunion 1 a weights x",
			"zunion 1 a weights nan",
			"zunion 1 a aggregate",
			"zunion 1 a aggregate avg",
			"zunion 1 a aggregate MIN withscores",
			"zunion 1 a foo",
			"zunion 1 a withscores withscores",
			"zunionstore d 1 a withscores",
			"zunionstore d 0 a",
			"zunionstore d x a",
			"set s v",
			"zunion 2 a s",
			"zunion 2 s a weights x",
			"zunionstore d 2 a s",
			"zunion",
			"zunionstore d",
		}},
		{"zinter zinterstore zintercard", []string{
			"zadd a 1 x 2 y 3 z",
			"zadd b 10 y 20 z 30 w",
			"zadd c 100 z",
			"zinter 2 a b",
			"zinter 2 a b withscores",
			"zinter 3 a b c withscores",
			"zinter 2 a b weights 2 0.5 aggregate max withscores",
			"zinter 2 a nokey",
			"zinter 2 a a withscores",
			"zinterstore d 2 a b aggregate min",
			"zrange d 0 -1 withscores",
			"zinterstore d 2 a c weights 1 1",
			"zrange d 0 -1 withscores",
			"zinterstore d 2 a nokey",
			"exists d",
			"zintercard 2 a b",
			"zintercard 1 a",
			"zintercard 2 a b limit 1",
			"zintercard 2 a b limit 0",
			"zintercard 2 a b limit 10",
			"zintercard 2 a nokey",
			"zintercard 2 a b limit -1",
			"zintercard 2 a b limit x",
			"zintercard 2 a b withscores",
			"zintercard 2 a b weights 1 1",
			"zintercard 2 a b aggregate sum",
			"zintercard 2 a b limit",
			"zintercard 0 a",
			"zintercard 3 a b",
			"set s v",
			"zinter 2 a s",
			"zintercard 2 a s",
			"zinterstore d 2 s a",
		}},
		{"zdiff zdiffstore", []string{
			"zadd a 1 x 2 y 3 z 4 q",
			"zadd b 10 y",
			"zadd c 100 z",
			"zdiff 1 a",
			"zdiff 2 a b",
			"zdiff 3 a b c withscores",
			"zdiff 2 a a",
			"zdiff 3 a b a",
			"zdiff 2 nokey a",
			"zdiff 2 a nokey withscores",
			"zdiffstore d 3 a b c",
			"zrange d 0 -1 withscores",
			"zdiffstore d 2 a a",
			"exists d",
			"zdiff 2 a b weights 1 1",
			"zdiff 2 a b aggregate min",
			"zdiffstore d 2 a b withscores",
			"zdiff 0 a",
			"zdiff 3 a b",
			"set s v",
			"zdiff 2 a s",
			"zdiff 2 s a",
			"zdiffstore d 2 a s",
		}},
	})
}

func TestZsetDiffRandmemberAndScan(t *testing.T) {
	runDiff(t, []diffCase{
		{"zrandmember deterministic", []string{
			"zrandmember nokey",
			"zrandmember nokey 5",
			"zrandmember nokey -5 withscores",
			"zadd z 1 a 2 b 3 c",
			"zrandmember z 0",
			"zrandmember z 3",
			"zrandmember z 10 withscores",
			"zrandmember z 3 WITHSCORES",
			"zadd one 7 only",
			"zrandmember one",
			"zrandmember one 1 withscores",
			"zrandmember one -3 withscores",
			"zrandmember one -2",
			"zrandmember z x",
			"zrandmember z 1 x",
			"zrandmember z 1 withscores x",
			"zrandmember z -9223372036854775808",
			"zrandmember z -9223372036854775808 withscores",
			"zrandmember z 4611686018427387904 withscores",
			"zrandmember z -4611686018427387905 withscores",
			"zrandmember z 9223372036854775808",
			"set s v",
			"zrandmember s",
			"zrandmember s 1",
			"zrandmember s x",
		}},
		{"zscan small", []string{
			"zscan nokey 0",
			"zscan nokey 0 count 0",
			"zscan nokey x",
			"zadd z 3 c 1 a 2 b 1.5 ab 1e300 big -inf neg",
			"zscan z 0",
			"zscan z 0 match a*",
			"zscan z 0 MATCH * COUNT 1",
			"zscan z 12345",
			"zscan z -1",
			`zscan z ""`,
			"zscan z +0",
			"zscan z 007",
			"zscan z 18446744073709551615",
			"zscan z 18446744073709551616",
			"zscan z -",
			`zscan z " 1"`,
			`zscan z "1 "`,
			"zscan z x",
			"zscan z 0 count 0",
			"zscan z 0 count -1",
			"zscan z 0 count x",
			"zscan z 0 count",
			"zscan z 0 match",
			"zscan z 0 type zset",
			"zscan z 0 foo bar",
			"set s v",
			"zscan s 0",
			"zscan s x",
		}},
	})
}

// TestZsetDiffEncoding checks OBJECT ENCODING at the listpack thresholds for
// every way a sorted set is written.
func TestZsetDiffEncoding(t *testing.T) {
	long, edge := strings.Repeat("x", 65), strings.Repeat("y", 64)
	runDiff(t, []diffCase{
		{"entries threshold", []string{
			"@both " + zaddLine("z", "m", 128),
			"object encoding z",
			"zadd z 1 m1",
			"object encoding z",
			"zadd z 129 m129",
			"object encoding z",
			"zrem z m129 m128",
			"object encoding z",
			"@both " + zaddLine("w", "m", 129),
			"object encoding w",
		}},
		{"value threshold", []string{
			"zadd z 1 " + edge,
			"object encoding z",
			"zadd z 2 " + long,
			"object encoding z",
			"zadd y 1 a 2 " + long,
			"object encoding y",
			"zadd x 1 " + long,
			"object encoding x",
			"zrem x " + long,
			"zadd x 1 a",
			"object encoding x",
		}},
		{"store results", []string{
			"@both " + zaddLine("big", "m", 200),
			"zadd small 1 a 2 " + edge,
			"zadd longm 1 " + long + " 2 b",
			"zunionstore d 1 small",
			"object encoding d",
			"zunionstore d 1 longm",
			"object encoding d",
			"zunionstore d 1 big",
			"object encoding d",
			"zinterstore d 2 big big",
			"object encoding d",
			"zdiffstore d 1 big",
			"object encoding d",
			"zrangestore d big 0 9",
			"object encoding d",
			"zrangestore d big 0 127",
			"object encoding d",
			"zrangestore d big 0 128",
			"object encoding d",
			"zrangestore d big 1 128 byscore",
			"object encoding d",
			"zrangestore d big 1 129 byscore",
			"object encoding d",
			"zrangestore d longm 0 -1",
			"object encoding d",
			"copy big big2",
			"object encoding big2",
			"zcard big2",
		}},
		{"config changes", []string{
			"zadd z 1 a 2 b",
			"@both config set zset-max-listpack-entries 2",
			"object encoding z",
			"zadd z 1 a",
			"object encoding z",
			"zadd z 3 c",
			"object encoding z",
			"@both config set zset-max-listpack-entries 0",
			"zadd e 1 a",
			"object encoding e",
			"zunionstore d 1 e",
			"object encoding d",
			"zrangestore d e 0 -1 byscore",
			"object encoding d",
			"@both config set zset-max-listpack-value 0",
			"@both config set zset-max-listpack-entries 128",
			"zadd v 1 a",
			"object encoding v",
			`zadd v2 1 ""`,
			"object encoding v2",
			"@both config set zset-max-listpack-value 64",
		}},
	})
}

// TestZsetDiffBigScan runs whole ZSCAN iterations over a skiplist-encoded set
// on both servers: cursors differ (they are positions in different hash
// tables), but each side must return every member exactly as stored, with
// Redis's score text, and end with cursor 0.
func TestZsetDiffBigScan(t *testing.T) {
	p := oracle.Start(t)
	args := []string{"ZADD", "z"}
	for i := range 1000 {
		args = append(args, fmt.Sprintf("%g", float64(i)/7), fmt.Sprintf("m%d", i))
	}
	args = append(args, "-0", "negzero", "inf", "top", "1e300", "huge")
	p.Do(args...)
	p.Do("OBJECT", "ENCODING", "z")
	for _, opts := range [][]string{nil, {"COUNT", "3"}, {"COUNT", "1000"}, {"MATCH", "m1*"}, {"MATCH", "*zero", "COUNT", "50"}} {
		real := zscanPairs(t, p.Real(), opts)
		ours := zscanPairs(t, p.Ours(), opts)
		if len(real) == 0 || fmt.Sprint(real) != fmt.Sprint(ours) {
			t.Errorf("ZSCAN %v: redis %d members, cachee %d; first differences: %v", opts, len(real), len(ours), firstDiff(real, ours))
		}
	}
}

// zscanPairs iterates ZSCAN z to the end and returns "member=score"
// strings, sorted and deduplicated.
func zscanPairs(t *testing.T, c *oracle.Client, opts []string) []string {
	t.Helper()
	els := scanAll(t, c, []string{"ZSCAN", "z"}, opts...)
	seen := map[string]bool{}
	for i := 0; i+1 < len(els); i += 2 {
		seen[els[i].Str+"="+els[i+1].Str] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func firstDiff(a, b []string) []string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return []string{a[i], b[i]}
		}
	}
	return nil
}

// TestZsetDiffRandom compares what can be compared for random picks: reply
// shapes, counts, distinctness, and that every member and score is the
// stored one, on listpack and skiplist sets.
func TestZsetDiffRandom(t *testing.T) {
	p := oracle.Start(t)
	for _, proto := range []string{"2", "3"} {
		p.Both("HELLO", proto)
		for _, size := range []int{5, 300} {
			args := []string{"ZADD", "z"}
			scores := map[string]string{}
			for i := range size {
				m, s := "m"+strconv.Itoa(i), strconv.Itoa(i*3)
				args = append(args, s, m)
				scores[m] = s
			}
			p.Both("DEL", "z")
			p.Both(args...)
			for _, cmd := range [][]string{
				{"ZRANDMEMBER", "z"},
				{"ZRANDMEMBER", "z", "1"},
				{"ZRANDMEMBER", "z", "3"},
				{"ZRANDMEMBER", "z", "4", "WITHSCORES"},
				{"ZRANDMEMBER", "z", "-7"},
				{"ZRANDMEMBER", "z", "-7", "WITHSCORES"},
				{"ZRANDMEMBER", "z", strconv.Itoa(size - 1)},
				{"ZRANDMEMBER", "z", strconv.Itoa(size/2 + 1), "WITHSCORES"},
			} {
				for range 5 {
					real, err := p.Real().Value(cmd...)
					if err != nil {
						t.Fatal(err)
					}
					ours, err := p.Ours().Value(cmd...)
					if err != nil {
						t.Fatal(err)
					}
					rs, os := randShape(t, real, scores, cmd), randShape(t, ours, scores, cmd)
					if rs != os {
						t.Errorf("RESP%s size %d %v: redis %s, cachee %s", proto, size, cmd, rs, os)
					}
				}
			}
		}
	}
}

// randShape checks a ZRANDMEMBER reply against the stored set and describes
// what both servers must agree on: the type, the count and, for a positive
// count, that members are distinct.
func randShape(t *testing.T, v protocol.Value, scores map[string]string, cmd []string) string {
	t.Helper()
	if len(cmd) == 2 {
		if _, ok := scores[v.Str]; v.Kind != '$' || !ok {
			t.Errorf("%v: %v is not a member", cmd, v)
		}
		return string(v.Kind)
	}
	withScores := len(cmd) == 4
	var pairs [][2]string
	for i := 0; i < len(v.Elems); i++ {
		e := v.Elems[i]
		switch {
		case withScores && e.Kind == '*': // RESP3 [member, score]
			pairs = append(pairs, [2]string{e.Elems[0].Str, e.Elems[1].Str})
		case withScores:
			pairs = append(pairs, [2]string{e.Str, v.Elems[i+1].Str})
			i++
		default:
			pairs = append(pairs, [2]string{e.Str, ""})
		}
	}
	distinct := map[string]bool{}
	for _, pr := range pairs {
		s, ok := scores[pr[0]]
		if !ok || withScores && pr[1] != s {
			t.Errorf("%v: %q with score %q is not in the set", cmd, pr[0], pr[1])
		}
		distinct[pr[0]] = true
	}
	unique := strings.HasPrefix(cmd[2], "-") || len(distinct) == len(pairs)
	return fmt.Sprintf("%c%d unique=%v", v.Kind, len(pairs), unique)
}

// TestZsetDiffBlocking covers BZPOPMIN, BZPOPMAX and BZMPOP: immediate pops,
// timeouts, errors, inside MULTI, and a waiter served by another client's
// ZADD (the waiter's reply and what the writer sees next are compared).
func TestZsetDiffBlocking(t *testing.T) {
	runDiff(t, []diffCase{
		{"immediate and timeout", []string{
			"bzpopmin k x",
			"bzpopmin k -1",
			"bzpopmin k 0.01",
			"bzmpop 0.01 1 k MIN",
			"@both set s v",
			"bzpopmin s 0.01",
			"bzpopmax nokey s 0.01",
			"@both zadd z 1 a 2 b 3 c",
			"bzpopmax z 0",
			"bzpopmin nokey z 0",
			"bzmpop 0 1 z MIN COUNT 5",
			"exists z",
			"bzmpop 0 0 z MIN",
			"bzmpop 0 1 z MIN COUNT 0",
			"bzmpop 0 2 z MIN",
			"bzmpop 0 1 z FOO",
			"multi",
			"bzpopmin nokey 0",
			"bzmpop 0 1 nokey MAX",
			"exec",
		}},
	})
	p := oracle.Start(t)
	for _, cmd := range [][]string{{"BZPOPMIN", "q1", "q2", "5"}, {"BZMPOP", "5", "2", "q1", "q2", "MAX", "COUNT", "2"}} {
		waiters := [2]*oracle.Client{oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)}
		for _, w := range waiters {
			if err := w.Send(protocol.AppendCommand(nil, cmd...)); err != nil {
				t.Fatal(err)
			}
		}
		waitForBlocked(t, p)
		p.Do("ZADD", "q2", "1", "x", "2", "y", "3", "z")
		p.Do("ZRANGE", "q2", "0", "-1", "WITHSCORES")
		var got [2][]byte
		for i, w := range waiters {
			r, err := w.ReadRaw()
			if err != nil {
				t.Fatal(err)
			}
			got[i] = r
		}
		if string(got[0]) != string(got[1]) {
			t.Errorf("%q served: redis %q, cachee %q", cmd, got[0], got[1])
		}
		p.Both("DEL", "q2")
	}
}

// waitForBlocked waits until each server reports one blocked client.
func waitForBlocked(t *testing.T, p *oracle.Pair) {
	t.Helper()
	for _, c := range []*oracle.Client{p.Real(), p.Ours()} {
		for deadline := time.Now().Add(5 * time.Second); ; {
			v := mustDo(t, c, "INFO", "clients")
			if strings.Contains(v.Str, "blocked_clients:1\r\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no blocked client: %s", v.Str)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
