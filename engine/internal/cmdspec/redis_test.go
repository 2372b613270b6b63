package cmdspec

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// representative lists commands whose INFO and DOCS are checked one by one;
// TestInfoDocsMatchRedis then checks every other command too.
var representative = []string{
	"get", "set", "mset", "del", "eval", "zunionstore", "lmpop", "blpop", "bzmpop", "xread",
	"sort", "migrate", "georadius", "client", "client|kill", "config|set", "object|encoding",
	"command|getkeys", "hello", "memory|usage", "sintercard", "zinterstore", "lcs", "getex",
	"rename", "copy", "swapdb", "object", "bitfield", "spublish", "restore-asking", "debug",
}

// checkInfoDocs compares WriteInfo/WriteDocs of s with Redis's replies. For a
// command without subcommands the raw bytes must be identical; for a container
// Redis's subcommands are first put in name order (Redis's own order is random
// per process) and everything else must still be byte for byte the same.
func checkInfoDocs(t *testing.T, rc *redisConn, s *Spec) {
	t.Helper()
	info := rc.do("COMMAND", "INFO", s.Name)
	if info.kind != '*' || len(info.elems) != 1 {
		t.Fatalf("COMMAND INFO %s: %q", s.Name, info.raw)
	}
	want := info.elems[0].raw
	if len(s.Subcommands) > 0 {
		want = info.elems[0].canonical(false)
	}
	if got := infoBytes(s, nil); !bytes.Equal(got, want) {
		t.Errorf("%s INFO differs from Redis:\n got %q\nwant %q", s.Name, got, want)
	}

	docs := rc.do("COMMAND", "DOCS", s.Name)
	if docs.kind != '%' || len(docs.elems) != 2 || docs.elems[0].s != s.Name {
		t.Fatalf("COMMAND DOCS %s: %q", s.Name, docs.raw)
	}
	want = docs.elems[1].raw
	if len(s.Subcommands) > 0 {
		want = docs.elems[1].canonical(true)
	}
	if got := docsBytes(s, nil); !bytes.Equal(got, want) {
		t.Errorf("%s DOCS differs from Redis:\n got %q\nwant %q", s.Name, got, want)
	}
}

func TestInfoDocsMatchRedis(t *testing.T) {
	rc := startRedis(t)
	if rc.version != RedisVersion() {
		t.Fatalf("redis-server is version %q, commands.json comes from %q", rc.version, RedisVersion())
	}
	for _, name := range representative {
		t.Run(name, func(t *testing.T) {
			s := Lookup(name)
			if s == nil {
				t.Fatalf("Lookup(%q) = nil", name)
			}
			checkInfoDocs(t, rc, s)
		})
	}
	count := 0
	for _, s := range All() {
		checkInfoDocs(t, rc, s)
		count++
		for _, sub := range s.Subcommands {
			checkInfoDocs(t, rc, sub)
		}
	}
	if n := rc.do("COMMAND", "COUNT"); int(n.n) != count {
		t.Errorf("COMMAND COUNT = %d, cmdspec has %d commands", n.n, count)
	}
	// The whole COMMAND INFO reply names exactly our commands.
	all := rc.do("COMMAND", "INFO")
	names := map[string]bool{}
	for _, e := range all.elems {
		names[e.elems[0].s] = true
		if Lookup(e.elems[0].s) == nil {
			t.Errorf("Redis has command %q, cmdspec does not", e.elems[0].s)
		}
	}
	if len(names) != count {
		t.Errorf("Redis lists %d commands, cmdspec %d", len(names), count)
	}
}

// getKeysCases are COMMAND GETKEYS argument lists; each is compared with Redis.
var getKeysCases = [][]string{
	{"get", "k"},
	{"GET", "k"},
	{"set", "k", "v"},
	{"set", "k", "v", "GET", "EX", "10"},
	{"mset", "a", "1", "b", "2"},
	{"mset", "a", "1", "b"},
	{"del", "a", "b", "c"},
	{"rename", "a", "b"},
	{"copy", "a", "b", "DB", "1", "REPLACE"},
	{"lcs", "a", "b", "LEN"},
	{"getex", "k", "PERSIST"},
	{"bitfield", "k", "SET", "u8", "0", "1"},
	{"bitop", "AND", "d", "a", "b"},
	{"eval", "return 1", "0"},
	{"eval", "return 1", "2", "a", "b", "c"},
	{"eval", "return 1", "3", "a", "b"},
	{"eval", "return 1", "-1"},
	{"eval", "return 1", "abc"},
	{"eval", "return 1", "2abc", "a", "b"},
	{"evalsha_ro", "abc", "1", "k"},
	{"fcall", "f", "1", "k", "arg"},
	{"zunionstore", "d", "2", "a", "b", "WEIGHTS", "1", "2"},
	{"zunionstore", "d", "0", "a"},
	{"zunionstore", "d", "-1", "a"},
	{"zunionstore", "d", "abc", "a"},
	{"zunionstore", "d", "2abc", "a", "b"},
	{"zunionstore", "d", "3", "a", "b"},
	{"zunionstore", "d", " 1", "a"},
	{"zinterstore", "d", "1", "a"},
	{"zdiffstore", "d", "2", "a", "b"},
	{"zunion", "2", "a", "b", "WITHSCORES"},
	{"zintercard", "2", "a", "b", "LIMIT", "1"},
	{"sintercard", "2", "a", "b"},
	{"sintercard", "0", "a"},
	{"lmpop", "2", "a", "b", "LEFT"},
	{"lmpop", "2abc", "a", "b", "LEFT"},
	{"lmpop", "0", "a", "LEFT"},
	{"zmpop", "1", "a", "MAX", "COUNT", "2"},
	{"blmpop", "0.5", "2", "a", "b", "LEFT", "COUNT", "3"},
	{"blmpop", "0", "1", "a", "RIGHT"},
	{"blmpop", "0", "x", "a", "RIGHT"},
	{"bzmpop", "1", "2", "a", "b", "MIN"},
	{"blpop", "a", "b", "0"},
	{"bzpopmin", "a", "0"},
	{"brpoplpush", "a", "b", "0"},
	{"xread", "STREAMS", "a", "b", "0", "0"},
	{"xread", "COUNT", "2", "BLOCK", "0", "STREAMS", "a", "0"},
	{"xread", "STREAMS", "a", "b", "0"},
	{"xread", "COUNT", "1", "STREAMS"},
	{"xread", "COUNT", "1", "BLOCK", "1"},
	{"xreadgroup", "GROUP", "g", "c", "STREAMS", "a", "0"},
	{"xreadgroup", "GROUP", "g", "STREAMS", "STREAMS", "a", ">"},
	{"sort", "k"},
	{"sort", "k", "STORE", "d"},
	{"sort", "k", "LIMIT", "0", "1", "STORE", "d", "GET", "#", "BY", "x"},
	{"sort", "k", "STORE", "a", "STORE", "b"},
	{"sort", "k", "STORE", "STORE", "d"},
	{"sort", "k", "GET", "STORE", "STORE", "d"},
	{"sort", "k", "LIMIT", "STORE", "x", "STORE", "d"},
	{"sort", "k", "STORE"},
	{"sort_ro", "k", "BY", "w_*"},
	{"migrate", "h", "1", "k", "0", "1000"},
	{"migrate", "h", "1", "", "0", "1000", "KEYS", "a", "b"},
	{"migrate", "h", "1", "", "0", "1000", "AUTH", "KEYS", "KEYS", "a"},
	{"migrate", "h", "1", "", "0", "1000", "AUTH2", "u", "KEYS", "KEYS", "a"},
	{"migrate", "h", "1", "k", "0", "1000", "KEYS", "a"},
	{"migrate", "h", "1", "", "0", "1000", "COPY", "REPLACE"},
	{"migrate", "h", "1", "", "0", "1000", "KEYS"},
	{"georadius", "k", "1", "2", "3", "m", "STORE", "d"},
	{"georadius", "k", "1", "2", "3", "m", "STORE", "a", "STOREDIST", "b"},
	{"georadius", "k", "1", "2", "3", "m", "STORE"},
	{"georadius", "k", "1", "2", "3", "m", "WITHDIST", "STORE", "x", "STORE"},
	{"georadiusbymember", "k", "m", "3", "km", "STOREDIST", "d"},
	{"georadius_ro", "k", "1", "2", "3", "m", "STORE", "d"},
	{"geosearchstore", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "km"},
	{"swapdb", "0", "1"},
	{"object", "encoding", "k"},
	{"OBJECT", "FREQ", "k"},
	{"memory", "usage", "k", "SAMPLES", "5"},
	{"xinfo", "stream", "k", "FULL"},
	{"xgroup", "create", "k", "g", "$", "MKSTREAM"},
	{"client", "kill", "1.2.3.4:5"},
	{"config", "set", "a", "b"},
	{"command", "getkeys", "get", "k"},
	{"spublish", "c", "m"},
	{"ssubscribe", "c"},
	{"hello", "3"},
	{"pfcount", "a", "b"},
	{"watch", "a", "b"},
	{"restore-asking", "k", "0", "x"},
	{"get"},
	{"get", "a", "b"},
	{"nosuchcommand", "k"},
	{"client", "nosuch"},
	{"client"},
}

// getKeysVerdict renders a GetKeys result like Redis's reply: the key names, or
// the error text.
func getKeysVerdict(argv [][]byte) string {
	pos, err := GetKeys(argv, nil)
	if err != nil {
		return "-" + err.Error()
	}
	names := make([]string, len(pos))
	for i, p := range pos {
		names[i] = string(argv[p])
	}
	return fmt.Sprintf("%q", names)
}

func redisVerdict(v *rnode) string {
	if v.kind == '-' {
		return "-" + v.s
	}
	names := make([]string, len(v.elems))
	for i, e := range v.elems {
		names[i] = e.s
	}
	return fmt.Sprintf("%q", names)
}

// keyRefsVerdict is KeyRefs' answer in the form of redisFlagsVerdict.
func keyRefsVerdict(argv [][]byte) string {
	s := LookupArgv(argv)
	switch {
	case s == nil:
		return "-" + ErrInvalidCommand.Error()
	case !s.HasKeys():
		return "-" + ErrNoKeyArguments.Error()
	case !s.ArityOK(len(argv)):
		return "-" + ErrInvalidArity.Error()
	}
	pos, flags, err := s.KeyRefs(argv, nil, nil)
	if err != nil {
		return "-" + err.Error()
	}
	out := make([]string, len(pos))
	for i, p := range pos {
		out[i] = string(argv[p]) + ":" + flags[i].String()
	}
	return fmt.Sprintf("%q", out)
}

// redisFlagsVerdict renders a COMMAND GETKEYSANDFLAGS reply as key:flags.
func redisFlagsVerdict(v *rnode) string {
	if v.kind == '-' {
		return "-" + v.s
	}
	out := make([]string, len(v.elems))
	for i, e := range v.elems {
		var fl []string
		for _, f := range e.elems[1].elems {
			fl = append(fl, f.s)
		}
		out[i] = e.elems[0].s + ":" + strings.Join(fl, " ")
	}
	return fmt.Sprintf("%q", out)
}

// compareGetKeys compares each case's COMMAND GETKEYS with GetKeys and its
// COMMAND GETKEYSANDFLAGS with KeyRefs.
func compareGetKeys(t *testing.T, rc *redisConn, cases [][]string) {
	t.Helper()
	cmds := make([][]string, 2*len(cases))
	for i, c := range cases {
		cmds[2*i] = append([]string{"COMMAND", "GETKEYS"}, c...)
		cmds[2*i+1] = append([]string{"COMMAND", "GETKEYSANDFLAGS"}, c...)
	}
	all := rc.pipeline(cmds)
	replies := make([]*rnode, len(cases))
	for i := range cases {
		replies[i] = all[2*i]
		if len(cases[i]) >= 2 {
			if got, want := keyRefsVerdict(argvOf(cases[i]...)), redisFlagsVerdict(all[2*i+1]); got != want {
				t.Errorf("COMMAND GETKEYSANDFLAGS %q: cmdspec %s, Redis %s", cases[i], got, want)
			}
		}
	}
	withKeys, errs := 0, 0
	defer func() { t.Logf("%d cases: %d with keys, %d errors", len(cases), withKeys, errs) }()
	for i, c := range cases {
		switch v := replies[i]; {
		case v.kind == '-':
			errs++
		case len(v.elems) > 0:
			withKeys++
		}
		if len(c) < 2 {
			// COMMAND GETKEYS needs a command and at least one argument; the
			// dispatcher checks that before GetKeys runs.
			if want := "-ERR wrong number of arguments for 'command|getkeys' command"; redisVerdict(replies[i]) != want {
				t.Errorf("COMMAND GETKEYS %q: Redis %s, want %s", c, redisVerdict(replies[i]), want)
			}
			continue
		}
		if got, want := getKeysVerdict(argvOf(c...)), redisVerdict(replies[i]); got != want {
			t.Errorf("COMMAND GETKEYS %q: cmdspec %s, Redis %s", c, got, want)
		}
	}
}

func TestGetKeysMatchesRedis(t *testing.T) {
	rc := startRedis(t)
	if len(getKeysCases) < 40 {
		t.Fatalf("only %d cases", len(getKeysCases))
	}
	compareGetKeys(t, rc, getKeysCases)
}

// TestGetKeysFuzzMatchesRedis compares every command and subcommand on
// generated argument lists mixing key-like words, numbers (valid and invalid
// numkeys) and the keywords key specs and getkeys procs look for.
func TestGetKeysFuzzMatchesRedis(t *testing.T) {
	rc := startRedis(t)
	words := []string{"k", "x", "0", "1", "2", "3", "-1", "2abc", "abc", "", "STORE", "STOREDIST",
		"STREAMS", "KEYS", "LIMIT", "GET", "BY", "COUNT", "BLOCK", "GROUP", "NOACK", "AUTH",
		"AUTH2", "copy", "streams", "store", "keys", "numkeys", "#"}
	rng := rand.New(rand.NewSource(1))
	var cases [][]string
	add := func(s *Spec, prefix []string) {
		min := s.Arity
		if min < 0 {
			min = -min
		}
		for extra := 0; extra <= 6; extra++ {
			argc := min + extra
			reps := 12
			if s.Arity > 0 && argc != s.Arity {
				reps = 1 // arity errors
			}
			if argc < 2 {
				continue
			}
			for rep := 0; rep < reps; rep++ {
				c := append([]string(nil), prefix...)
				for len(c) < argc {
					// Unique names where keys may go make the comparison sharper.
					if rng.Intn(3) == 0 {
						c = append(c, fmt.Sprintf("k%d", len(c)))
					} else {
						c = append(c, words[rng.Intn(len(words))])
					}
				}
				cases = append(cases, c)
			}
		}
	}
	for _, s := range All() {
		add(s, []string{s.Name})
		for _, sub := range s.Subcommands {
			add(sub, strings.Split(sub.Name, "|"))
		}
	}
	t.Logf("%d generated cases", len(cases))
	compareGetKeys(t, rc, cases)
}

// TestHiddenFlagsMatchRedis checks the flags COMMAND INFO does not print
// against the server's behaviour: commands flagged may_replicate block while
// writes are paused (CLIENT PAUSE WRITE) and others do not; protected commands
// are refused while enable-debug-command / enable-module-command are "no".
func TestHiddenFlagsMatchRedis(t *testing.T) {
	rc := startRedis(t)
	sha := rc.do("SCRIPT", "LOAD", "return 1").s
	probes := []struct {
		argv []string
		may  bool
	}{
		{[]string{"eval", "return 1", "0"}, true},
		{[]string{"evalsha", sha, "0"}, true},
		{[]string{"fcall", "nosuchfunction", "0"}, true},
		{[]string{"publish", "c", "m"}, true},
		{[]string{"spublish", "c", "m"}, true},
		{[]string{"pfcount", "k"}, true},
		{[]string{"eval_ro", "return 1", "0"}, false},
		{[]string{"evalsha_ro", sha, "0"}, false},
		{[]string{"fcall_ro", "nosuchfunction", "0"}, false},
		{[]string{"script", "flush"}, false},
		{[]string{"script", "load", "return 1"}, false},
		{[]string{"function", "list"}, false},
		{[]string{"get", "k"}, false},
		{[]string{"sort_ro", "k"}, false},
		{[]string{"memory", "usage", "k"}, false},
	}
	var may []string
	for _, p := range probes {
		s := LookupArgv(argvOf(p.argv...))
		if s.Has(MayReplicate) != p.may {
			t.Errorf("%s: may_replicate = %v, want %v", s.Name, s.Has(MayReplicate), p.may)
		}
		if s.Has(MayReplicate) && s.Parent == nil {
			may = append(may, s.Name)
		}
	}
	var flagged []string
	for _, s := range All() {
		if s.Has(MayReplicate) {
			flagged = append(flagged, s.Name)
		}
	}
	sort.Strings(may)
	if !reflect.DeepEqual(may, flagged) {
		t.Errorf("may_replicate commands %v, probed %v", flagged, may)
	}

	if v := rc.do("CLIENT", "PAUSE", "60000", "WRITE"); v.s != "OK" {
		t.Fatalf("CLIENT PAUSE: %q", v.raw)
	}
	for _, p := range probes {
		c := rc.dial()
		_, _ = c.Write(encodeCommand(p.argv))
		_ = c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		blocked := err != nil
		c.Close()
		if blocked != p.may {
			t.Errorf("%q blocked under CLIENT PAUSE WRITE: %v, want %v", p.argv, blocked, p.may)
		}
	}
	rc.do("CLIENT", "UNPAUSE")

	for _, p := range []struct {
		argv      []string
		protected bool
	}{
		{[]string{"debug", "help"}, true},
		{[]string{"module", "load", "/nonexistent/module.so"}, true},
		{[]string{"module", "loadex", "/nonexistent/module.so"}, true},
		{[]string{"module", "unload", "nosuchmodule"}, true},
		{[]string{"module", "list"}, false},
		{[]string{"module", "help"}, false},
		{[]string{"config", "get", "maxmemory"}, false},
	} {
		s := LookupArgv(argvOf(p.argv...))
		v := rc.do(p.argv...)
		refused := v.kind == '-' && strings.Contains(v.s, "command not allowed")
		if refused != p.protected || s.Has(Protected) != p.protected {
			t.Errorf("%q: refused %v, Has(Protected) %v, want %v", p.argv, refused, s.Has(Protected), p.protected)
		}
	}
}
