package main

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The placeholders of a command template. randPlaceholder is redis-benchmark's:
// with -r each occurrence becomes a 12-digit number below the key space, drawn
// anew for every command; without -r it stays literally in the argument, so
// every request hits the same key. dataPlaceholder (ours) is the -d value.
const (
	randPlaceholder = "__rand_int__"
	dataPlaceholder = "__data__"
	randDigits      = 12
	maxKeyspace     = 1_000_000_000_000 // 12 digits
)

// arg is one argument template: literal pieces with a random number between
// each two of them (one piece: a plain literal, used as it is).
type arg struct{ pieces [][]byte }

// command is one command of a request.
type command struct {
	name string // upper-case command name, for error reports
	id   int    // index into workload.commands, where its error counts live
	args []arg
}

// kind is one sort of request in a mix: its commands are sent together (one
// request is their round trip) and weight says how often it comes.
type kind struct {
	weight int
	cmds   []command
}

// group is a set of clients sharing a request mix; most workloads have one,
// the queue scenario has producers and workers. Clients and requests are
// split evenly between groups.
type group struct {
	name  string
	kinds []kind
	total int // sum of weights
}

// workload is one named test: what each request sends, how placeholders are
// filled, and what to load before the clock starts.
type workload struct {
	name     string
	groups   []group
	commands []string // command names by id
	// keyspace bounds the random numbers; 0 leaves __rand_int__ literal.
	keyspace uint64
	// sameRand gives every placeholder of one request the same number, so a
	// scenario's INCR and EXPIRE (say) touch the same key.
	sameRand bool
	// setup runs once per target before the timed run, unmeasured.
	setup [][]string
	// maxReqBytes bounds the bytes one request's substitutions need.
	maxReqBytes int
}

// commandSpec is how definitions below describe a command: its arguments,
// placeholders included.
type commandSpec []string

type kindSpec struct {
	weight int
	cmds   []commandSpec
}

type groupSpec struct {
	name  string
	kinds []kindSpec
}

// newWorkload compiles the specs: placeholders are split out (only when the
// key space is set), __data__ is replaced by data.
func newWorkload(name string, keyspace uint64, data []byte, groups ...groupSpec) *workload {
	w := &workload{name: name, keyspace: keyspace}
	for _, gs := range groups {
		g := group{name: gs.name}
		for _, ks := range gs.kinds {
			k := kind{weight: max(ks.weight, 1)}
			reqBytes := 0
			for _, cs := range ks.cmds {
				c := command{name: strings.ToUpper(cs[0]), id: len(w.commands)}
				w.commands = append(w.commands, c.name)
				for _, s := range cs {
					a := compileArg(s, data, keyspace > 0)
					for _, p := range a.pieces {
						reqBytes += len(p)
					}
					reqBytes += (len(a.pieces) - 1) * randDigits
					c.args = append(c.args, a)
				}
				k.cmds = append(k.cmds, c)
			}
			w.maxReqBytes = max(w.maxReqBytes, reqBytes)
			g.total += k.weight
			g.kinds = append(g.kinds, k)
		}
		w.groups = append(w.groups, g)
	}
	return w
}

func compileArg(s string, data []byte, expandRand bool) arg {
	s = strings.ReplaceAll(s, dataPlaceholder, string(data))
	if !expandRand {
		return arg{pieces: [][]byte{[]byte(s)}}
	}
	var a arg
	for _, p := range strings.Split(s, randPlaceholder) {
		a.pieces = append(a.pieces, []byte(p))
	}
	return a
}

// single is the common shape: one group, one kind, one command.
func single(args ...string) groupSpec {
	return groupSpec{kinds: []kindSpec{{weight: 1, cmds: []commandSpec{args}}}}
}

// testDef is one of the -t tests, modelled on redis-benchmark's.
type testDef struct {
	name  string // -t name
	title string // report name (redis-benchmark's, shortened)
	build func(keyspace uint64, data []byte) *workload
}

func simpleTest(name, title string, args ...string) testDef {
	return testDef{name, title, func(ks uint64, data []byte) *workload {
		return newWorkload(title, ks, data, single(args...))
	}}
}

// evalshaScript is the evalsha test's script: a SET through Lua, so the
// number is the cost of scripting around the cheapest write.
const evalshaScript = "return redis.call('SET', KEYS[1], ARGV[1])"

// lrangeTest fills mylist with 600 elements first, as redis-benchmark's
// "LPUSH (needed to benchmark LRANGE)" step does (unmeasured here).
func lrangeTest(n int) testDef {
	title := fmt.Sprintf("LRANGE_%d", n)
	return testDef{strings.ToLower(title), title, func(ks uint64, data []byte) *workload {
		w := newWorkload(title, ks, data, single("LRANGE", "mylist", "0", strconv.Itoa(n-1)))
		push := []string{"LPUSH", "mylist"}
		for range 600 {
			push = append(push, string(data))
		}
		w.setup = [][]string{push}
		return w
	}}
}

// benchTests are the -t tests in the order they run by default.
var benchTests = []testDef{
	simpleTest("ping", "PING", "PING"),
	simpleTest("set", "SET", "SET", "key:"+randPlaceholder, dataPlaceholder),
	simpleTest("get", "GET", "GET", "key:"+randPlaceholder),
	simpleTest("incr", "INCR", "INCR", "counter:"+randPlaceholder),
	simpleTest("lpush", "LPUSH", "LPUSH", "mylist", dataPlaceholder),
	simpleTest("rpush", "RPUSH", "RPUSH", "mylist", dataPlaceholder),
	simpleTest("lpop", "LPOP", "LPOP", "mylist"),
	simpleTest("rpop", "RPOP", "RPOP", "mylist"),
	simpleTest("sadd", "SADD", "SADD", "myset", "element:"+randPlaceholder),
	simpleTest("hset", "HSET", "HSET", "myhash", "element:"+randPlaceholder, dataPlaceholder),
	simpleTest("spop", "SPOP", "SPOP", "myset"),
	{"zadd", "ZADD", func(ks uint64, data []byte) *workload {
		score := "0" // redis-benchmark scores randomly only with -r
		if ks > 0 {
			score = randPlaceholder
		}
		return newWorkload("ZADD", ks, data, single("ZADD", "myzset", score, "element:"+randPlaceholder))
	}},
	simpleTest("zpopmin", "ZPOPMIN", "ZPOPMIN", "myzset"),
	lrangeTest(100),
	lrangeTest(300),
	lrangeTest(500),
	lrangeTest(600),
	{"mset", "MSET", func(ks uint64, data []byte) *workload {
		args := []string{"MSET"}
		for range 10 {
			args = append(args, "key:"+randPlaceholder, dataPlaceholder)
		}
		return newWorkload("MSET", ks, data, single(args...))
	}},
	{"evalsha", "EVALSHA", func(ks uint64, data []byte) *workload {
		w := newWorkload("EVALSHA", ks, data, single("EVALSHA", scriptSHA(evalshaScript), "1", "key:"+randPlaceholder, dataPlaceholder))
		w.setup = [][]string{{"SCRIPT", "LOAD", evalshaScript}}
		return w
	}},
}

// testAliases are redis-benchmark's group names for -t.
var testAliases = map[string][]string{
	"lrange":      {"lrange_100", "lrange_300", "lrange_500", "lrange_600"},
	"ping_inline": {"ping"},
	"ping_mbulk":  {"ping"},
}

// selectTests resolves a -t list ("" selects every test) into definitions,
// in the default order, each once.
func selectTests(list string) ([]testDef, error) {
	if strings.TrimSpace(list) == "" {
		return benchTests, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		names, ok := testAliases[n]
		if !ok {
			names = []string{n}
		}
		for _, name := range names {
			if !slices.ContainsFunc(benchTests, func(t testDef) bool { return t.name == name }) {
				return nil, fmt.Errorf("unknown test %q in -t (known: %s)", n, testNames())
			}
			want[name] = true
		}
	}
	var out []testDef
	for _, t := range benchTests {
		if want[t.name] {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-t %q selects no test", list)
	}
	return out, nil
}

func testNames() string {
	var names []string
	for _, t := range benchTests {
		names = append(names, t.name)
	}
	return strings.Join(names, ", ")
}

// scenarioDef is one of the --scenario workloads: realistic request mixes
// with their own data set, loaded before the run.
type scenarioDef struct {
	name     string
	about    string // one line for --help
	keyspace uint64 // default key space when -r is not given
	minGroup int    // clients needed (one per group)
	build    func(keyspace uint64, data []byte) *workload
}

// sessionFields are the ten fields of a session hash.
var sessionFields = []string{"user_id", "name", "email", "role", "locale", "tz", "ip", "agent", "csrf", "last_seen"}

// scoringScript is the content-scoring script: read two counters of an item,
// compute its score and update the trending sorted set.
const scoringScript = `local views = tonumber(redis.call('HGET', KEYS[1], 'views')) or 0
local likes = tonumber(redis.call('HGET', KEYS[1], 'likes')) or 0
local score = likes * 10 + views
redis.call('ZADD', KEYS[2], score, ARGV[1])
return score`

var benchScenarios = []scenarioDef{
	{"ratelimit", "fixed-window rate limiter: INCR + EXPIRE of a per-user counter per request", 100_000, 1,
		func(ks uint64, data []byte) *workload {
			key := "bench:rl:" + randPlaceholder
			w := newWorkload("ratelimit", ks, data, groupSpec{kinds: []kindSpec{{1, []commandSpec{
				{"INCR", key}, {"EXPIRE", key, "60"}}}}})
			w.sameRand = true
			return w
		}},
	{"session", "10-field session hashes: 4 HGET per HSET of all ten fields", 10_000, 1,
		func(ks uint64, data []byte) *workload {
			key := "bench:session:" + randPlaceholder
			hset := commandSpec{"HSET", key}
			for _, f := range sessionFields {
				hset = append(hset, f, dataPlaceholder)
			}
			w := newWorkload("session", ks, data, groupSpec{kinds: []kindSpec{
				{4, []commandSpec{{"HGET", key, "user_id"}}},
				{1, []commandSpec{hset}},
			}})
			w.sameRand = true
			for i := range ks {
				w.setup = append(w.setup, fill(hset, i, data))
			}
			return w
		}},
	{"leaderboard", "sorted set of 100 000 members (-r) loaded first: 9 ZADD updates per top-50 ZRANGE REV WITHSCORES", 100_000, 1,
		func(ks uint64, data []byte) *workload {
			w := newWorkload("leaderboard", ks, data, groupSpec{kinds: []kindSpec{
				{9, []commandSpec{{"ZADD", "bench:lb", randPlaceholder, "m:" + randPlaceholder}}},
				{1, []commandSpec{{"ZRANGE", "bench:lb", "0", "49", "REV", "WITHSCORES"}}},
			}})
			w.setup = [][]string{{"DEL", "bench:lb"}}
			for lo := uint64(0); lo < ks; lo += 1000 {
				zadd := []string{"ZADD", "bench:lb"}
				for i := lo; i < min(lo+1000, ks); i++ {
					zadd = append(zadd, strconv.FormatUint(i, 10), "m:"+padded(i))
				}
				w.setup = append(w.setup, zadd)
			}
			return w
		}},
	{"queue", "job queue: half the clients LPUSH jobs, half BRPOP them (timeout 1 s)", 0, 2,
		func(ks uint64, data []byte) *workload {
			w := newWorkload("queue", ks, data,
				groupSpec{"producers", []kindSpec{{1, []commandSpec{{"LPUSH", "bench:queue", dataPlaceholder}}}}},
				groupSpec{"workers", []kindSpec{{1, []commandSpec{{"BRPOP", "bench:queue", "1"}}}}})
			w.setup = [][]string{{"DEL", "bench:queue"}}
			return w
		}},
	{"scoring", "content scoring in Lua via EVALSHA: 2 HGET + ZADD per request", 10_000, 1,
		func(ks uint64, data []byte) *workload {
			w := newWorkload("scoring", ks, data, groupSpec{kinds: []kindSpec{{1, []commandSpec{
				{"EVALSHA", scriptSHA(scoringScript), "2", "bench:content:" + randPlaceholder, "bench:trending", randPlaceholder}}}}})
			w.sameRand = true
			w.setup = [][]string{{"DEL", "bench:trending"}, {"SCRIPT", "LOAD", scoringScript}}
			for i := range ks {
				w.setup = append(w.setup, []string{"HSET", "bench:content:" + padded(i),
					"views", strconv.FormatUint(i*7%1000, 10), "likes", strconv.FormatUint(i%100, 10)})
			}
			return w
		}},
}

func findScenario(name string) (scenarioDef, error) {
	for _, s := range benchScenarios {
		if s.name == strings.ToLower(name) {
			return s, nil
		}
	}
	var names []string
	for _, s := range benchScenarios {
		names = append(names, s.name)
	}
	return scenarioDef{}, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(names, ", "))
}

// customWorkload is the command given after the flags, as redis-benchmark
// runs it: named by its own text.
func customWorkload(args []string, keyspace uint64, data []byte) *workload {
	return newWorkload(strings.Join(args, " "), keyspace, data, groupSpec{kinds: []kindSpec{{1, []commandSpec{args}}}})
}

// fill renders a command spec with every placeholder set to n, for setup.
func fill(spec commandSpec, n uint64, data []byte) []string {
	out := make([]string, len(spec))
	for i, s := range spec {
		s = strings.ReplaceAll(s, dataPlaceholder, string(data))
		out[i] = strings.ReplaceAll(s, randPlaceholder, padded(n))
	}
	return out
}

// padded formats n as redis-benchmark does: 12 digits, zero-padded.
func padded(n uint64) string { return string(appendPadded(nil, n)) }

func appendPadded(b []byte, n uint64) []byte {
	var d [randDigits]byte
	for i := randDigits - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:]...)
}

// scriptSHA is the lowercase hex SHA1 that SCRIPT LOAD returns for src.
func scriptSHA(src string) string {
	sum := sha1.Sum([]byte(src))
	return hex.EncodeToString(sum[:])
}

// benchData is the -d value: random letters, as redis-benchmark 7 sends.
func benchData(size int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, size)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return b
}

// generator builds batches of requests for one client. Its buffers are reused
// from batch to batch, so steady state allocates nothing.
type generator struct {
	w     *workload
	g     *group
	rng   *rand.Rand
	seq   int
	arena []byte
	flat  [][]byte
	// Per command of the current batch: its argv, its command id and
	// whether it ends a request.
	cmds [][][]byte
	ids  []int
	last []bool
}

func newGenerator(w *workload, g *group, seed uint64, pipeline int) *generator {
	return &generator{w: w, g: g, rng: rand.New(rand.NewPCG(seed, 0xbe7c)),
		arena: make([]byte, 0, w.maxReqBytes*pipeline)}
}

// next picks the kind of the client's next request: weights are served in
// order (9 ZADD then 1 ZRANGE, say), so the mix is exact over every cycle.
func (gen *generator) next() *kind {
	i := gen.seq % gen.g.total
	gen.seq++
	for k := range gen.g.kinds {
		if i < gen.g.kinds[k].weight {
			return &gen.g.kinds[k]
		}
		i -= gen.g.kinds[k].weight
	}
	panic("unreachable")
}

// batch fills gen.cmds with n requests.
func (gen *generator) batch(n int) {
	gen.arena, gen.flat = gen.arena[:0], gen.flat[:0]
	gen.cmds, gen.ids, gen.last = gen.cmds[:0], gen.ids[:0], gen.last[:0]
	for range n {
		k := gen.next()
		shared := gen.rng.Uint64N(max(gen.w.keyspace, 1))
		for ci := range k.cmds {
			c := &k.cmds[ci]
			start := len(gen.flat)
			for _, a := range c.args {
				gen.flat = append(gen.flat, gen.render(a, shared))
			}
			gen.cmds = append(gen.cmds, gen.flat[start:len(gen.flat):len(gen.flat)])
			gen.ids = append(gen.ids, c.id)
			gen.last = append(gen.last, ci == len(k.cmds)-1)
		}
	}
}

// render returns the argument's bytes: the template itself when it has no
// placeholder, else a copy in the arena with the numbers filled in.
func (gen *generator) render(a arg, shared uint64) []byte {
	if len(a.pieces) == 1 {
		return a.pieces[0]
	}
	start := len(gen.arena)
	for i, p := range a.pieces {
		if i > 0 {
			n := shared
			if !gen.w.sameRand {
				n = gen.rng.Uint64N(gen.w.keyspace)
			}
			gen.arena = appendPadded(gen.arena, n)
		}
		gen.arena = append(gen.arena, p...)
	}
	// A full arena reallocates; slices taken earlier keep the old array,
	// whose bytes are already final, so they stay valid.
	return gen.arena[start:len(gen.arena):len(gen.arena)]
}
