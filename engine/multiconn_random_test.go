package engine_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCoordinationRandomDiff runs random multi-connection scripts (runCoDiff's
// line format) against Redis and cachee: three connections interleaving
// WATCH, MULTI/EXEC/DISCARD (with queue-time errors), writes that touch or
// spare the WATCHed keys (in two databases, with SWAPDB, FLUSHDB, FLUSHALL,
// MOVE, RENAME and COPY among them; some run from a Lua script), keyspace
// events, and pub/sub over
// channels, patterns and shard channels, RESP3 subscribers running
// transactions among them. After every step each subscriber's messages are
// drained and compared, so what every connection reads, replies and pushes
// alike, must match byte for byte, in RESP2 and in RESP3.
//
// Blocking pops run in a step of their own (block), in which a connection
// blocks until another one serves it or its short timeout passes. Other
// timing-dependent commands (short TTLs, kills) stay out, so both servers
// see the same history. CACHEE_CO_SCRIPTS and CACHEE_CO_SEED
// run more scripts or other ones; a failure names its script's seed and
// index, and CACHEE_CO_PRINT=1 logs every script's lines.
func TestCoordinationRandomDiff(t *testing.T) {
	n, seed := 100, uint64(1)
	if s := os.Getenv("CACHEE_CO_SCRIPTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("CACHEE_CO_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	cases := make([]coCase, n)
	for i := range cases {
		g := &coGen{rng: rand.New(rand.NewPCG(seed, uint64(i)))}
		cases[i] = coCase{name: fmt.Sprintf("random script %d of seed %d", i, seed), lines: g.script(40)}
		if os.Getenv("CACHEE_CO_PRINT") != "" {
			t.Logf("%s:\n%s", cases[i].name, strings.Join(cases[i].lines, "\n"))
		}
	}
	runCoDiff(t, cases)
}

// coGen writes a random script, tracking what it must know to keep the
// script deterministic: which connections are inside MULTI (they do not
// subscribe) and what each is subscribed to (a subscriber's MULTI is sent
// in RESP3 only: RESP2 refuses it, and the script would then depend on the
// protocol). Every subscriber
// listens on a fence channel of its own, "fence:X", so that "@drain
// fence:X" reads exactly the messages it got since its last drain, and no
// connection has a message pending when it sends a command.
type coGen struct {
	rng   *rand.Rand
	lines []string
	conns [3]coGenConn
}

type coGenConn struct {
	multi                      bool
	channels, patterns, shards []string
}

func (c *coGenConn) subscribed() bool { return len(c.channels)+len(c.patterns)+len(c.shards) > 0 }

var (
	coKeys     = []string{"k", "j", "n", "l", "h", "s", "z", "missing"}
	coChannels = []string{"c1", "c2", "__keyevent@0__:set", "__keyspace@0__:k"}
	coPatterns = []string{"c*", "__key*__:*", "__keyevent@1__:*"}
	coShards   = []string{"sc1", "sc2"}
	coEvents   = []string{"KEA", "", "Kg$", "Elx", "AKE"}
)

func (g *coGen) pick(s []string) string { return s[g.rng.IntN(len(s))] }

// coFence is connection i's fence channel.
func coFence(i int) string { return "fence:" + string(rune('A'+i)) }

func (g *coGen) add(conn int, line string) {
	g.lines = append(g.lines, string(rune('A'+conn))+": "+line)
}

func (g *coGen) script(steps int) []string {
	for range steps {
		if g.rng.IntN(20) == 0 {
			g.block()
		} else {
			g.step(g.rng.IntN(3))
		}
		for i, c := range g.conns {
			switch {
			case !slices.Contains(c.channels, coFence(i)):
			case len(c.patterns) > 1:
				// Redis keeps patterns in a dict with a random hash seed:
				// the order in which one message matching two of them
				// arrives is not specified.
				g.add(i, "@drain sorted "+coFence(i))
			default:
				g.add(i, "@drain "+coFence(i))
			}
		}
	}
	return g.lines
}

// step adds one command (and the replies it owes) for connection i.
func (g *coGen) step(i int) {
	c := &g.conns[i]
	k := g.pick(coKeys)
	switch r := g.rng.IntN(100); {
	case r < 8 && !c.subscribed():
		keys := []string{k}
		if g.rng.IntN(2) == 0 {
			keys = append(keys, g.pick(coKeys))
		}
		g.add(i, "WATCH "+strings.Join(keys, " "))
	case r < 10:
		g.add(i, "UNWATCH")
	case r < 16 && !c.subscribed():
		g.add(i, "MULTI")
		c.multi = true
	case r < 16 && !c.multi:
		g.add(i, "@3 MULTI") // RESP3 subscribers may; RESP2 ones are refused anyway
		c.multi = true
	case r < 22 && (!c.subscribed() || c.multi):
		g.add(i, g.pick([]string{"EXEC", "EXEC", "EXEC", "DISCARD"}))
		c.multi = false
	case r < 24 && c.multi:
		g.add(i, g.pick([]string{"NOSUCHCOMMAND", "GET", "WATCH k", "SET k"})) // refused while queueing
	case r < 48:
		g.add(i, g.write(k))
	case r < 54:
		g.add(i, coEval(g.write(k))) // the same write from a script
	case r < 64:
		g.add(i, g.read(k, c.multi))
	case r < 68:
		g.add(i, "SELECT "+g.pick([]string{"0", "0", "1"}))
	case r < 70:
		g.add(i, "CONFIG SET notify-keyspace-events "+strconv.Quote(g.pick(coEvents)))
	case r < 80:
		g.add(i, g.pick([]string{"PUBLISH c1", "PUBLISH c2", "PUBLISH c3", "SPUBLISH sc1", "SPUBLISH sc2"})+" m"+strconv.Itoa(g.rng.IntN(100)))
	case r < 83:
		cmds := []string{"PUBSUB NUMSUB c1 c2 fence:A", "PUBSUB NUMPAT", "PUBSUB SHARDNUMSUB sc1 sc2"}
		if !c.multi {
			cmds = append(cmds, "@sorted PUBSUB CHANNELS", "@sorted PUBSUB CHANNELS c*", "@sorted PUBSUB SHARDCHANNELS")
		}
		g.add(i, g.pick(cmds))
	case c.multi:
		g.add(i, "PING")
	case r < 88:
		g.subscribe(i, c)
	case r < 91:
		g.join(i, c, "PSUBSCRIBE", coPatterns, &c.patterns)
	case r < 93:
		g.join(i, c, "SSUBSCRIBE", coShards, &c.shards)
	case r < 95:
		g.leave(i, c, "UNSUBSCRIBE", coChannels, &c.channels)
	case r < 97:
		g.leave(i, c, "PUNSUBSCRIBE", coPatterns, &c.patterns)
	case r < 98:
		g.leave(i, c, "SUNSUBSCRIBE", coShards, &c.shards)
	default:
		g.add(i, "RESET")
		*c = coGenConn{}
	}
}

// write is a command that changes (or may change) key k, or a whole database.
func (g *coGen) write(k string) string {
	v := "v" + strconv.Itoa(g.rng.IntN(5))
	return g.pick([]string{
		"SET " + k + " " + v, "SET " + k + " " + v + " NX", "SET " + k + " " + v + " XX KEEPTTL",
		"INCR " + k, "APPEND " + k + " " + v, "DEL " + k + " " + g.pick(coKeys), "UNLINK " + k,
		"GETDEL " + k, "RENAME " + k + " " + g.pick(coKeys), "COPY " + k + " " + g.pick(coKeys) + " REPLACE",
		"MOVE " + k + " 1", "EXPIRE " + k + " 1000", "EXPIRE " + k + " 0", "PERSIST " + k,
		"LPUSH " + k + " " + v, "RPOP " + k, "HSET " + k + " f " + v, "HDEL " + k + " f",
		"SADD " + k + " " + v, "SREM " + k + " " + v, "ZADD " + k + " 1 " + v, "ZINCRBY " + k + " 2 " + v,
		"FLUSHDB", "FLUSHALL", "SWAPDB 0 1", "MSET " + k + " " + v + " " + g.pick(coKeys) + " " + v,
		"SETRANGE " + k + " 1 " + v, "INCRBY " + k + " 3", "DECR " + k, "INCRBYFLOAT " + k + " 1.5",
		"GETSET " + k + " " + v, "GETEX " + k + " PERSIST", "GETEX " + k + " EX 1000", "SETEX " + k + " 1000 " + v,
		"SETNX " + k + " " + v, "MSETNX " + k + " " + v + " " + g.pick(coKeys) + " " + v,
		"PEXPIRE " + k + " 100000", "EXPIREAT " + k + " 1", "PEXPIREAT " + k + " 99999999999999",
		"EXPIRE " + k + " 1000 NX", "EXPIRE " + k + " 2000 GT", "RENAMENX " + k + " " + g.pick(coKeys),
		"LSET " + k + " 0 " + v, "LINSERT " + k + " BEFORE " + v + " x", "LTRIM " + k + " 0 1", "LREM " + k + " 0 " + v,
		"LPOP " + k, "RPUSHX " + k + " " + v, "LMOVE " + k + " " + g.pick(coKeys) + " LEFT RIGHT",
		"RPOPLPUSH " + k + " " + g.pick(coKeys), "LMPOP 2 " + k + " " + g.pick(coKeys) + " LEFT COUNT 2",
		"HINCRBY " + k + " f 2", "HINCRBYFLOAT " + k + " g 1.5", "HSETNX " + k + " f " + v, "HDEL " + k + " f g",
		"SMOVE " + k + " " + g.pick(coKeys) + " " + v, "SINTERSTORE " + k + " " + g.pick(coKeys) + " " + k,
		"SUNIONSTORE " + k + " " + g.pick(coKeys) + " " + k, "SDIFFSTORE " + k + " " + g.pick(coKeys),
		"ZREM " + k + " " + v, "ZREMRANGEBYSCORE " + k + " 0 2", "ZREMRANGEBYRANK " + k + " 0 0",
		"ZUNIONSTORE " + k + " 2 " + g.pick(coKeys) + " " + k, "ZINTERSTORE " + k + " 2 " + g.pick(coKeys) + " " + k,
		"ZRANGESTORE " + k + " " + g.pick(coKeys) + " 0 -1", "ZADD " + k + " INCR 1 " + v, "ZADD " + k + " GT CH 5 " + v,
	})
}

// read is a command that reads key k (or the database) and changes nothing.
// Inside MULTI it is one whose reply has a defined order: EXEC's reply is
// compared as it is.
func (g *coGen) read(k string, multi bool) string {
	reads := []string{
		"GET " + k, "EXISTS " + k + " " + g.pick(coKeys), "TYPE " + k, "LRANGE " + k + " 0 -1",
		"ZRANGE " + k + " 0 -1 WITHSCORES", "DBSIZE", "STRLEN " + k,
	}
	if !multi {
		reads = append(reads, "@sorted HGETALL "+k, "@sorted SMEMBERS "+k, "@sorted KEYS *")
	}
	return g.pick(reads)
}

// coEval is an EVAL line that runs the command line cmd (arguments without
// quotes or spaces) with redis.call and returns its reply.
func coEval(cmd string) string {
	args := strings.Fields(cmd)
	for i, a := range args {
		args[i] = "'" + a + "'"
	}
	return `EVAL "return redis.call(` + strings.Join(args, ", ") + `)" 0`
}

// block has connection D (which does nothing else) block on an empty key
// and connection E (likewise) serve it with a plain command, a transaction
// or a script, or lets D time out. The keys q and zq are touched only here
// and always left empty (each wait takes all that is pushed), so D always
// blocks; the other connections' FLUSHALL and SWAPDB cannot fill them.
func (g *coGen) block() {
	waits := []struct{ wait, serve string }{
		{"BLPOP q 0", "RPUSH q x"},
		{"BRPOP q 0", "LPUSH q x"},
		{"BLMOVE q q2 LEFT RIGHT 0", "RPUSH q x"},
		{"BLMPOP 0 1 q RIGHT COUNT 5", "RPUSH q x y z"},
		{"BZPOPMIN zq 0", "ZADD zq 1 m"},
		{"BZMPOP 0 1 zq MAX COUNT 3", "ZADD zq 1 a 2 b"},
	}
	w := waits[g.rng.IntN(len(waits))]
	if g.rng.IntN(5) == 0 {
		g.lines = append(g.lines, "D: "+strings.Replace(w.wait, " 0", " 0.01", 1))
		return
	}
	g.lines = append(g.lines, "D: @send "+w.wait, "@blocked 1")
	switch g.rng.IntN(3) {
	case 0:
		g.lines = append(g.lines, "E: "+w.serve)
	case 1:
		g.lines = append(g.lines, "E: MULTI", "E: "+w.serve, "E: EXEC")
	default:
		g.lines = append(g.lines, "E: "+coEval(w.serve))
	}
	g.lines = append(g.lines, "D: @read")
}

// subscribe subscribes connection i to a channel, and to its fence if it
// does not listen there yet; it owes one confirmation per channel named.
func (g *coGen) subscribe(i int, c *coGenConn) {
	chans := []string{g.pick(coChannels)}
	if !slices.Contains(c.channels, coFence(i)) {
		chans = append(chans, coFence(i))
	}
	g.add(i, "SUBSCRIBE "+strings.Join(chans, " "))
	for range chans[1:] {
		g.add(i, "@read")
	}
	for _, ch := range chans {
		if !slices.Contains(c.channels, ch) {
			c.channels = append(c.channels, ch)
		}
	}
}

// join subscribes connection i to one of names with cmd (PSUBSCRIBE,
// SSUBSCRIBE), recorded in set, and to its fence first if it does not
// listen there yet.
func (g *coGen) join(i int, c *coGenConn, cmd string, names []string, set *[]string) {
	g.fence(i, c)
	n := g.pick(names)
	g.add(i, cmd+" "+n)
	if !slices.Contains(*set, n) {
		*set = append(*set, n)
	}
}

// leave drops one of names (never the fence) with cmd, or all of set; Redis
// confirms "all" in an unspecified order (@unsub compares them sorted), or
// with a null name when there was none. A connection still subscribed
// listens on its fence again.
func (g *coGen) leave(i int, c *coGenConn, cmd string, names []string, set *[]string) {
	if g.rng.IntN(3) > 0 {
		n := g.pick(names)
		g.add(i, cmd+" "+n)
		*set = slices.DeleteFunc(*set, func(s string) bool { return s == n })
		return
	}
	if len(*set) == 0 {
		g.add(i, cmd)
	} else {
		g.add(i, "@send "+cmd)
		g.add(i, "@unsub "+strconv.Itoa(len(*set)))
	}
	*set = nil
	if c.subscribed() {
		g.fence(i, c)
	}
}

// fence subscribes connection i to its fence channel unless it is already.
func (g *coGen) fence(i int, c *coGenConn) {
	if !slices.Contains(c.channels, coFence(i)) {
		g.add(i, "SUBSCRIBE "+coFence(i))
		c.channels = append(c.channels, coFence(i))
	}
}
