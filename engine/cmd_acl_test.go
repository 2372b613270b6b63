package engine_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests of ACL users, rules, permissions, AUTH and the ACL log.
//
// The scripts are runCoDiff's (multiconn_test.go), with a fresh ACL state
// per case: an "admin" user with every permission is created first; at the
// end a connection authenticated as admin puts the default user and the
// settings back and deletes every other user (so a case may lock the default
// user out). Four more directives:
//
//	@rules    compare with the single-command rules of ACL rule strings
//	          (GETUSER, LIST) sorted: Redis emits them in its hash table's
//	          order, which changes with every process
//	@log      compare ACL LOG with each entry's age replaced and its
//	          client-info reduced to cmd= and user=
//	@len      compare the reply's type and length (random replies)
//	@user     compare the user= field of a CLIENT INFO / LIST reply
//
// With an ACL file (runACLFileDiff, both servers share it) two more:
//
//	@file TEXT  write TEXT to the ACL file (keep an admin user in it)
//	@rmfile     remove the ACL file
//	@save       ACL SAVE on each server, comparing the replies and the
//	            files each wrote (single-command rules sorted)
func runACLDiff(t *testing.T, cases []coCase) { runACLFileDiff(t, "", cases) }

// runACLFileDiff is runACLDiff with both servers using the ACL file path
// ("" for none), which must exist.
func runACLFileDiff(t *testing.T, path string, cases []coCase) {
	t.Helper()
	opts := oracle.Options{}
	if path != "" {
		opts = oracle.Options{RedisArgs: []string{"--aclfile", path}, Engine: engine.Config{ACLFile: path}}
	}
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			tb := &caseTB{TB: t}
			p := oracle.StartWith(tb, opts)
			if path != "" {
				if err := p.Engine.LoadACLFile(); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range cases {
				tb.name = c.name
				r := &coRun{t: tb, p: p, proto: proto}
				r.start()
				aclSetup(r)
				for _, l := range c.lines {
					aclLine(r, path, l)
				}
				aclCleanup(r)
				r.stop()
			}
		})
	}
}

// aclSetup creates the admin user on both servers.
func aclSetup(r *coRun) {
	for i, c := range []*oracle.Client{r.p.Real(), r.p.Ours()} {
		for _, args := range [][]string{{"ACL", "SETUSER", "admin", "on", "nopass", "~*", "&*", "+@all"}, {"ACL", "LOG", "RESET"}} {
			if v, err := c.Value(args...); err != nil || v.Str != "OK" {
				r.t.Fatalf("%s: %q: %v %v", r.sides[i].name, args, v, err)
			}
		}
	}
}

// aclCleanup restores the default user and the ACL settings and deletes
// every other user, from a new connection authenticated as admin (deleting
// admin closes it last).
func aclCleanup(r *coRun) {
	for _, s := range r.sides {
		z := coDial(r.t, s.addr)
		if got := string(z.do(r.t, "AUTH", "admin", "x")); got != "+OK\r\n" {
			r.t.Fatalf("%s: AUTH admin: %q", s.name, got)
		}
		s.conns["cleanup"] = z
		for _, args := range [][]string{
			{"ACL", "LOG", "RESET"}, {"CONFIG", "SET", "requirepass", ""},
			{"CONFIG", "SET", "acl-pubsub-default", "resetchannels"}, {"CONFIG", "SET", "acllog-max-len", "128"},
			{"ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all"},
		} {
			z.do(r.t, args...)
		}
		users := coValue(r.t, z.do(r.t, "ACL", "USERS"))
		for _, u := range users.Elems {
			if u.Str != "default" && u.Str != "admin" {
				z.do(r.t, "ACL", "DELUSER", u.Str)
			}
		}
		z.do(r.t, "ACL", "DELUSER", "admin")
	}
}

// aclLine runs one script line, handling this file's directives; path is
// the ACL file.
func aclLine(r *coRun, path, line string) {
	t := r.t
	t.Helper()
	name, rest := "A", line
	if len(line) > 2 && line[1] == ':' && line[0] >= 'A' && line[0] <= 'Z' {
		name, rest = line[:1], strings.TrimSpace(line[2:])
	}
	args := splitLine(t, rest)
	if len(args) > 0 && (args[0] == "@2" || args[0] == "@3") {
		if args[0][1:] != r.proto {
			return
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return
	}
	var norm func(protocol.Value) string
	switch args[0] {
	case "@file":
		if err := os.WriteFile(path, []byte(args[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	case "@rmfile":
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return
	case "@save":
		var got [2]string
		for i, s := range r.sides {
			reply := aclConn(r, s, name).do(t, "ACL", "SAVE")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			for j := range lines {
				lines[j] = canonicalRules(lines[j])
			}
			got[i] = string(reply) + strings.Join(lines, "\n")
		}
		if got[0] != got[1] {
			t.Errorf("%s: %s\n redis:  %q\n cachee: %q", name, line, got[0], got[1])
		}
		return
	case "@rules":
		norm = func(v protocol.Value) string { return aclRender(v, canonicalRules) }
	case "@log":
		norm = aclRenderLog
	case "@len":
		norm = func(v protocol.Value) string {
			if v.Kind == protocol.KindError {
				return v.Str
			}
			return string(v.Kind) + strconv.Itoa(len(v.Str))
		}
	case "@user":
		norm = func(v protocol.Value) string {
			var users []string
			for _, f := range strings.Fields(v.Str) {
				if strings.HasPrefix(f, "user=") {
					users = append(users, f)
				}
			}
			return strings.Join(users, " ")
		}
	default:
		for _, s := range r.sides {
			aclConn(r, s, name)
		}
		r.line(line)
		return
	}
	var got [2]string
	for i, s := range r.sides {
		got[i] = norm(coValue(t, aclConn(r, s, name).do(t, r.substitute(s, args[1:])...)))
	}
	if got[0] != got[1] {
		t.Errorf("%s: %s\n redis:  %s\n cachee: %s", name, line, got[0], got[1])
	}
}

// aclConn is r.conn for connections that may not be allowed to run CLIENT
// ID (opened while the default user needs a password, or may not run it):
// their id is then unknown.
func aclConn(r *coRun, s *coSide, name string) *coClient {
	if c := s.conns[name]; c != nil {
		return c
	}
	c := coDial(r.t, s.addr)
	if v := coValue(r.t, c.do(r.t, "CLIENT", "ID")); v.Kind == protocol.KindInt {
		c.id = strconv.FormatInt(v.Int, 10)
	}
	if r.proto == "3" {
		c.do(r.t, "HELLO", "3")
	}
	s.conns[name] = c
	return c
}

// aclRender renders a reply with its types, passing every string through fix.
func aclRender(v protocol.Value, fix func(string) string) string {
	if v.Null {
		return string(v.Kind) + "nil"
	}
	switch v.Kind {
	case protocol.KindArray, protocol.KindSet, protocol.KindMap, protocol.KindPush:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = aclRender(e, fix)
		}
		return string(v.Kind) + "[" + strings.Join(parts, " | ") + "]"
	case protocol.KindInt:
		return ":" + strconv.FormatInt(v.Int, 10)
	}
	return string(v.Kind) + fix(v.Str)
}

// canonicalRules sorts each run of single-command rules ("+get", "-set",
// "+select|0") of an ACL rule string.
func canonicalRules(s string) string {
	s = strings.NewReplacer("(", "( ", ")", " )").Replace(s)
	toks := strings.Split(s, " ")
	single := func(t string) bool {
		return len(t) > 1 && (t[0] == '+' || t[0] == '-') && t[1] != '@'
	}
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && single(toks[j]) {
			j++
		}
		slices.Sort(toks[i:j])
		i = max(j, i+1)
	}
	return strings.Join(toks, " ")
}

// aclRenderLog renders ACL LOG without what differs between two servers:
// the age, and the client-info fields but cmd= and user=.
func aclRenderLog(v protocol.Value) string {
	for i := range v.Elems {
		e := &v.Elems[i]
		for j := 0; j+1 < len(e.Elems); j += 2 {
			switch e.Elems[j].Str {
			case "age-seconds":
				e.Elems[j+1].Str = "AGE"
			case "client-info":
				var keep []string
				for _, f := range strings.Fields(e.Elems[j+1].Str) {
					if strings.HasPrefix(f, "cmd=") || strings.HasPrefix(f, "user=") {
						keep = append(keep, f)
					}
				}
				e.Elems[j+1].Str = strings.Join(keep, " ")
			}
		}
	}
	return aclRender(v, func(s string) string { return s })
}

func TestACLSetuserRules(t *testing.T) {
	runACLDiff(t, []coCase{
		{"new users", []string{
			"ACL SETUSER u1", "@rules ACL GETUSER u1", "@rules ACL LIST", "ACL USERS",
			"ACL SETUSER u2 reset", "@rules ACL GETUSER u2",
			"ACL SETUSER u3 on", "ACL SETUSER u3 off", "ACL SETUSER u3 ON nopass", "@rules ACL GETUSER u3",
			"ACL SETUSER u4 skip-sanitize-payload", "@rules ACL GETUSER u4", "ACL SETUSER u4 sanitize-payload", "@rules ACL GETUSER u4",
			"ACL GETUSER nosuch", "@rules ACL GETUSER default", "@rules ACL LIST",
			`ACL SETUSER "a b"`, `ACL SETUSER "a\nb"`, `ACL SETUSER ""`, `@rules ACL GETUSER ""`, "ACL USERS",
			`ACL SETUSER u5 "" on ""`, "@rules ACL GETUSER u5",
			"ACL SETUSER u6 foo", "ACL SETUSER u6 on foo", "ACL GETUSER u6",
		}},
		{"passwords", []string{
			"ACL SETUSER p on >pw1 >pw2 >pw1", "@rules ACL GETUSER p",
			"ACL SETUSER p <pw1", "@rules ACL GETUSER p", "ACL SETUSER p <pw1", "ACL SETUSER p <nosuch",
			"ACL SETUSER p #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "@rules ACL GETUSER p",
			"ACL SETUSER p !5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", "@rules ACL GETUSER p",
			"ACL SETUSER p !5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
			"ACL SETUSER p #abc", "ACL SETUSER p !abc",
			"ACL SETUSER p #5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8",
			"ACL SETUSER p #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542dx",
			"ACL SETUSER p nopass", "@rules ACL GETUSER p", "ACL SETUSER p >x", "@rules ACL GETUSER p",
			"ACL SETUSER p resetpass", "@rules ACL GETUSER p", "ACL SETUSER p > <", "@rules ACL GETUSER p",
			"ACL SETUSER p reset", "@rules ACL LIST",
		}},
		{"commands", []string{
			"ACL SETUSER c +get +set", "@rules ACL GETUSER c",
			"ACL SETUSER c -get", "@rules ACL GETUSER c",
			"ACL SETUSER c +GET +SeT +xadd", "@rules ACL GETUSER c",
			"ACL SETUSER c allcommands", "@rules ACL GETUSER c", "ACL SETUSER c -get -@dangerous", "@rules ACL GETUSER c",
			"ACL SETUSER c nocommands", "@rules ACL GETUSER c",
			"ACL SETUSER c +@all -@all +@ReAd", "@rules ACL GETUSER c",
			"ACL SETUSER c +config|get +client|list", "@rules ACL GETUSER c",
			"ACL SETUSER c +config -config|set", "@rules ACL GETUSER c",
			"ACL SETUSER c -config +config|get", "@rules ACL GETUSER c",
			"ACL SETUSER c +select|0 +select|1 +select|0 +SELECT|A +select|a", "@rules ACL GETUSER c",
			"ACL SETUSER c +select", "@rules ACL GETUSER c", "ACL SETUSER c -select +select|2", "@rules ACL GETUSER c",
			"ACL SETUSER c +@all", "@rules ACL GETUSER c",
			"ACL SETUSER c +nosuch", "ACL SETUSER c -nosuch", "ACL SETUSER c +@nosuch", "ACL SETUSER c -@",
			"ACL SETUSER c +", "ACL SETUSER c -", "ACL SETUSER c +@", "ACL SETUSER c +get|", "ACL SETUSER c +config|",
			"ACL SETUSER c +config|get|x", "ACL SETUSER c -select|0", "ACL SETUSER c +config|nosuch",
			"ACL SETUSER c +nosuch|x", "ACL SETUSER c +config||get", "ACL SETUSER c -config|get|x",
			"ACL SETUSER c +|get",
			"@rules ACL GETUSER c",
		}},
		{"category descriptions", []string{
			"ACL SETUSER d1 +@read +@write -@dangerous", "@rules ACL GETUSER d1",
			"ACL SETUSER d2 +@all -@keyspace -@admin +flushall", "@rules ACL GETUSER d2",
			"ACL SETUSER d3 -@all +@string +@hash -hset", "@rules ACL GETUSER d3",
			"ACL SETUSER d4 +@hash +@list +@set +@sortedset", "@rules ACL GETUSER d4",
			"ACL SETUSER d5 +@pubsub -publish", "@rules ACL GETUSER d5",
			"ACL SETUSER d6 +@fast", "@rules ACL GETUSER d6",
			"ACL SETUSER d7 +@slow -@dangerous +info", "@rules ACL GETUSER d7",
			"ACL SETUSER d8 +@all -@write -@scripting +set", "@rules ACL GETUSER d8",
			"ACL SETUSER d9 +@connection +@transaction -@blocking", "@rules ACL GETUSER d9",
			"ACL SETUSER d10 +@geo +@stream +@bitmap +@hyperloglog -@write", "@rules ACL GETUSER d10",
			"ACL SETUSER d11 +@all -@read +get +@admin -acl +acl|whoami", "@rules ACL GETUSER d11",
			"ACL SETUSER d12 +@keyspace -del +@read -@slow", "@rules ACL GETUSER d12",
			"ACL SETUSER d13 +@scripting +@dangerous -@admin", "@rules ACL GETUSER d13",
			"ACL SETUSER d14 +@all -@pubsub -@scripting -@transaction -@connection +ping", "@rules ACL GETUSER d14",
			"@rules ACL LIST",
		}},
		{"keys", []string{
			"ACL SETUSER k ~a ~b* ~a", "@rules ACL GETUSER k",
			"ACL SETUSER k %R~r* %W~w* %RW~rw* %wr~x", "@rules ACL GETUSER k",
			"ACL SETUSER k %R~a %W~b*", "@rules ACL GETUSER k",
			"ACL SETUSER k %R %RW %W~", "@rules ACL GETUSER k",
			"ACL SETUSER k %R~~z %r~lower", "@rules ACL GETUSER k",
			"ACL SETUSER k %X~a", "ACL SETUSER k %~a", "ACL SETUSER k %RR~a", "ACL SETUSER k %RWR~a", "ACL SETUSER k %", `ACL SETUSER k "~a b"`,
			"ACL SETUSER k allkeys", "@rules ACL GETUSER k", "ACL SETUSER k ~x", "ACL SETUSER k %R~x",
			"ACL SETUSER k resetkeys ~y", "@rules ACL GETUSER k", "ACL SETUSER k ~*", "@rules ACL GETUSER k",
			"ACL SETUSER k resetkeys %RW~*", "@rules ACL GETUSER k", "ACL SETUSER k ~more", "@rules ACL GETUSER k",
			"ACL SETUSER k resetkeys", "@rules ACL GETUSER k", "@rules ACL LIST",
		}},
		{"channels", []string{
			"ACL SETUSER ch &a &b* &a", "@rules ACL GETUSER ch",
			"ACL SETUSER ch allchannels", "@rules ACL GETUSER ch", "ACL SETUSER ch &x",
			"ACL SETUSER ch resetchannels &y &", "@rules ACL GETUSER ch", "ACL SETUSER ch &*", "@rules ACL GETUSER ch",
			`ACL SETUSER ch resetchannels "&a b"`, "ACL SETUSER ch resetchannels", "@rules ACL GETUSER ch",
			"CONFIG SET acl-pubsub-default allchannels", "ACL SETUSER ch2", "@rules ACL GETUSER ch2",
			"ACL SETUSER ch2 reset", "@rules ACL GETUSER ch2", "ACL SETUSER ch2 (~x)", "@rules ACL GETUSER ch2",
			"CONFIG SET acl-pubsub-default resetchannels", "ACL SETUSER ch2 reset", "@rules ACL GETUSER ch2",
			"CONFIG SET acl-pubsub-default x", "CONFIG GET acl-pubsub-default", "@rules ACL LIST",
		}},
		{"selectors", []string{
			"ACL SETUSER s (~x +get)", "@rules ACL GETUSER s",
			"ACL SETUSER s (~y* %R~z +@read -keys) (&c allkeys)", "@rules ACL GETUSER s", "@rules ACL LIST",
			`ACL SETUSER s "(~q" "+set)"`, "@rules ACL GETUSER s",
			`ACL SETUSER s "( ~r" "+get )"`, "@rules ACL GETUSER s",
			`ACL SETUSER s "(~a \"~b c\" '~d' \"\\x41\")"`, "@rules ACL GETUSER s",
			`ACL SETUSER s "(~a \"unbalanced)"`, "@rules ACL GETUSER s",
			"ACL SETUSER s ()", "@rules ACL GETUSER s",
			"ACL SETUSER s clearselectors", "@rules ACL GETUSER s",
			"ACL SETUSER s (on)", "ACL SETUSER s (reset)", "ACL SETUSER s (>pw)", "ACL SETUSER s (~* ~a)",
			"ACL SETUSER s (+nosuch)", "ACL SETUSER s (&* &a)",
			"ACL SETUSER s (~x", "ACL SETUSER s on (~x +get", "ACL SETUSER s on (~x) (&c", `ACL SETUSER s "(a" "(b" "c)"`,
			"@rules ACL GETUSER s", "ACL SETUSER s (allkeys allchannels allcommands)", "@rules ACL GETUSER s",
			"ACL SETUSER s reset", "@rules ACL GETUSER s",
		}},
		{"del and users", []string{
			"ACL SETUSER x1", "ACL SETUSER x2", "ACL SETUSER x3", "ACL USERS",
			"ACL DELUSER x1 nosuch x1", "ACL USERS", "ACL DELUSER x2 default", "ACL USERS",
			"ACL DELUSER nosuch", "ACL DELUSER x2 x3", "ACL USERS", "ACL DELUSER", "ACL WHOAMI", "ACL WHOAMI x",
			"ACL GETUSER", "ACL GETUSER a b", "ACL LIST x", "ACL USERS x", "ACL SETUSER",
		}},
	})
}

func TestACLCommands(t *testing.T) {
	var cat []string
	for _, c := range []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
		"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
		"connection", "transaction", "scripting", "READ"} {
		cat = append(cat, "@sorted ACL CAT "+c)
	}
	runACLDiff(t, []coCase{
		{"cat", append(cat, "ACL CAT", "ACL CAT nosuch", "ACL CAT all", "ACL CAT a b",
			"ACL CAT "+strings.Repeat("x", 200))},
		{"genpass", []string{
			"@len ACL GENPASS", "@len ACL GENPASS 1", "@len ACL GENPASS 5", "@len ACL GENPASS 4096", "@len ACL GENPASS 255",
			"ACL GENPASS 0", "ACL GENPASS -1", "ACL GENPASS 4097", "ACL GENPASS abc", "ACL GENPASS 1 2",
		}},
		{"help", []string{"ACL HELP", "ACL HELP x", "ACL", "ACL NOSUCH", "acl help"}},
		{"load and save without a file", []string{"ACL LOAD", "ACL SAVE", "ACL LOAD x", "CONFIG GET aclfile",
			"CONFIG SET aclfile /tmp/x"}},
		{"dryrun", []string{
			"ACL SETUSER d on nopass +get +set ~k* +config|get &ch +publish +subscribe",
			"ACL DRYRUN d get k1", "ACL DRYRUN d get x", "ACL DRYRUN d set k1 v", "ACL DRYRUN d del k1",
			"ACL DRYRUN d get", "ACL DRYRUN d config get x", "ACL DRYRUN d config set x y", "ACL DRYRUN d config",
			"ACL DRYRUN d config nosuch", "ACL DRYRUN d nosuch", "ACL DRYRUN nosuch get k", "ACL DRYRUN d",
			"ACL DRYRUN d publish ch x", "ACL DRYRUN d publish other x", "ACL DRYRUN d subscribe ch other",
			"ACL DRYRUN d xadd k1 * a b", "ACL DRYRUN d GET k1", "ACL DRYRUN d auth x",
			"ACL DRYRUN default flushall",
		}},
		{"key flags", []string{
			"COMMAND GETKEYSANDFLAGS set a b", "COMMAND GETKEYSANDFLAGS set a b get", "COMMAND GETKEYSANDFLAGS get a",
			"COMMAND GETKEYSANDFLAGS mset a 1 b 2", "COMMAND GETKEYSANDFLAGS lmove a b left right",
			"COMMAND GETKEYSANDFLAGS zunionstore d 2 a b", "COMMAND GETKEYSANDFLAGS zunionstore d x a b",
			"COMMAND GETKEYSANDFLAGS eval s 2 a b", "COMMAND GETKEYSANDFLAGS del a b", "COMMAND GETKEYSANDFLAGS copy a b",
			"COMMAND GETKEYSANDFLAGS ping", "COMMAND GETKEYSANDFLAGS nosuch", "COMMAND GETKEYSANDFLAGS get",
			"COMMAND GETKEYSANDFLAGS", "COMMAND GETKEYSANDFLAGS client list", "COMMAND GETKEYSANDFLAGS eval s 0",
		}},
		{"config", []string{
			"CONFIG GET acllog-max-len", "CONFIG SET acllog-max-len -1", "CONFIG SET acllog-max-len abc",
			"CONFIG SET acllog-max-len 2", "CONFIG GET acllog-max-len", "CONFIG GET acl-pubsub-default",
		}},
	})
}

func TestACLPermissions(t *testing.T) {
	runACLDiff(t, []coCase{
		{"commands", []string{
			"ACL SETUSER u on >pw -@all +get +set +mget +client|id +hello +ping +multi +exec +discard +acl|whoami",
			"B: AUTH u pw", "B: ACL WHOAMI", "B: GET k", "B: SET k v", "B: GET k", "B: DEL k", "B: del k", "B: CONFIG GET x",
			"B: @kind CLIENT ID", "B: CLIENT LIST", "B: CLIENT", "B: CLIENT NOSUCH", "B: NOSUCH", "B: GET", "B: PING",
			"B: ACL LIST", "B: QUIT",
		}},
		{"no_auth commands are never denied", []string{
			"ACL SETUSER u on >pw -@all", "B: AUTH u pw", "B: AUTH u pw", "B: PING", "B: @kind HELLO 2", "B: @3 @kind HELLO 3",
			"B: RESET", "B: ACL WHOAMI",
		}},
		{"first arguments", []string{
			"ACL SETUSER u on nopass -@all +select|0 +select|1 +client|id ~*", "B: AUTH u x",
			"B: SELECT 0", "B: SELECT 1", "B: SELECT 2", "B: select 00",
			"ACL SETUSER u +select", "B: SELECT 2", "ACL SETUSER u -select +select|3", "B: SELECT 2", "B: SELECT 3",
		}},
		{"subcommands", []string{
			"ACL SETUSER u on nopass -@all +config|get +client -client|kill +acl|whoami", "B: AUTH u x",
			"B: CONFIG GET maxclients", "B: CONFIG SET maxclients 10", "B: @kind CLIENT ID", "B: CLIENT KILL ID 99999",
			"B: CLIENT SETNAME n", "B: ACL WHOAMI", "B: ACL USERS",
		}},
		{"keys", []string{
			"ACL SETUSER u on nopass +@all ~k* ~other", "B: AUTH u x",
			"B: SET k1 v", "B: SET x v", "B: GET other", "B: MSET k1 a k2 b", "B: MSET k1 a x b", "B: MGET k1 x",
			"B: DEL x", "B: RENAME k1 x", "B: RENAME k1 k3", "B: @sorted KEYS *", "B: @sorted SCAN 0", "B: FLUSHALL", "B: DBSIZE",
			"B: ZUNIONSTORE k9 2 k1 x", "B: ZUNIONSTORE x 1 k1", "B: ZUNIONSTORE k9 2 k1 k2",
			"B: LMPOP 2 k1 x LEFT", "B: EVAL \"return 1\" 1 x", "B: EVAL \"return 1\" 2 k1 k2", "B: EVAL \"return 1\" 0",
		}},
		{"read and write patterns", []string{
			"ACL SETUSER k on nopass %R~r* %W~w* ~rw* +@all", "B: AUTH k x",
			"B: GET r1", "B: GET w1", "B: SET w1 x", "B: SET r1 x", "B: SET rw1 x", "B: GETDEL rw1", "B: GETDEL r1",
			"B: COPY r1 w1", "B: COPY r1 r2", "B: LMOVE r1 w1 LEFT LEFT", "B: SET w1 x GET", "B: SET w1 x get",
			"B: EXISTS w1", "B: TYPE w1", "B: DEL r1", "B: DEL w1", "B: MGET r1 w1", "B: APPEND w1 x",
			"B: SETRANGE w1 0 x", "B: GETEX r1", "B: GETEX r1 PERSIST", "B: SMOVE r1 w1 m", "B: STRLEN w1",
			"B: SINTERSTORE w1 r1 r2", "B: SINTERSTORE r1 w1", "B: LPUSH w1 a", "B: RPOPLPUSH r1 w1",
			"ACL DRYRUN k bitfield r1 get u8 0", "ACL DRYRUN k bitfield r1 set u8 0 1", "ACL DRYRUN k bitfield w1 set u8 0 1",
			"ACL DRYRUN k bitfield w1 get u8 0 overflow wrap", "ACL DRYRUN k bitfield rw1 bogus",
			"ACL DRYRUN k sort r1", "ACL DRYRUN k sort r1 store w1", "ACL DRYRUN k sort w1", "ACL DRYRUN k sort r1 store r2",
			"ACL DRYRUN k sort_ro r1", "ACL DRYRUN k object encoding w1", "ACL DRYRUN k xadd w1 * a b",
			"ACL DRYRUN k xadd r1 * a b", "ACL DRYRUN k xread streams r1 0", "ACL DRYRUN k xread streams w1 0",
			"ACL DRYRUN k georadius r1 0 0 1 km store w1", "ACL DRYRUN k migrate h 1 rw1 0 10",
			"ACL DRYRUN k migrate h 1 r1 0 10", "ACL DRYRUN k pfcount r1 w1", "ACL DRYRUN k eval x 1 r1",
			"ACL DRYRUN k eval x 1 rw1", "ACL DRYRUN k eval x abc r1", "ACL DRYRUN k zunionstore w1 1 r1",
			"ACL DRYRUN k zunionstore w1 x r1",
		}},
		{"channels", []string{
			"ACL SETUSER u on nopass +@all ~* &ch* &lit", "B: AUTH u x", "C: AUTH u x", "D: AUTH u x",
			"B: PUBLISH ch1 x", "B: PUBLISH other x", "B: SPUBLISH ch1 x", "B: SPUBLISH other x",
			"C: SUBSCRIBE ch1 other", "C: SUBSCRIBE ch1 lit", "C: UNSUBSCRIBE other",
			"D: PSUBSCRIBE ch*", "D: PSUBSCRIBE c*", "D: PSUBSCRIBE lit", "D: PSUBSCRIBE li*",
			"E: SSUBSCRIBE other", "E: PUNSUBSCRIBE nope", "E: SUNSUBSCRIBE nope",
			"ACL DRYRUN u subscribe ch1 x", "ACL DRYRUN u psubscribe ch*", "ACL DRYRUN u psubscribe ch1",
			"ACL DRYRUN u publish lit x", "ACL DRYRUN u unsubscribe nope",
		}},
		{"selectors", []string{
			"ACL SETUSER u on nopass -@all +get ~a* (+set ~b*) (+get ~c* %W~d*)", "B: AUTH u x",
			"B: GET a1", "B: GET b1", "B: SET b1 x", "B: SET a1 x", "B: GET c1", "B: GET d1", "B: SET d1 x", "B: MGET a1 c1",
			"ACL DRYRUN u get b1", "ACL DRYRUN u set a1 x", "ACL DRYRUN u mget a1 c1", "ACL DRYRUN u del a1",
			"ACL SETUSER u2 on nopass +@all ~a* (&ch +publish ~b*)", "ACL DRYRUN u2 publish ch x", "ACL DRYRUN u2 publish x x",
			"ACL DRYRUN u2 mset a1 1 b1 2", "ACL DRYRUN u2 mset b1 1 z 2",
		}},
		{"transactions", []string{
			"ACL SETUSER u on nopass -@all +multi +exec +discard +get +set ~k*", "B: AUTH u x",
			"B: MULTI", "B: GET k1", "B: DEL k1", "B: GET x", "B: EXEC",
			"B: MULTI", "B: SET k1 v", "B: GET k1", "ACL SETUSER u -get", "B: EXEC",
			"B: MULTI", "B: SET k1 v", "B: SET k2 v", "ACL SETUSER u resetkeys ~k1", "B: EXEC",
			"ACL SETUSER u -exec", "B: MULTI", "B: SET k1 v", "B: EXEC", "B: DISCARD",
			"@log ACL LOG",
		}},
	})
}

func TestACLAuth(t *testing.T) {
	runACLDiff(t, []coCase{
		{"auth", []string{
			"ACL SETUSER u on >pw1 >pw2 +@all ~*", "ACL SETUSER off >pw +@all", "ACL SETUSER np on nopass +@all",
			"B: AUTH u pw1", "B: ACL WHOAMI", "B: AUTH u pw2", "B: AUTH u bad", "B: ACL WHOAMI",
			"B: AUTH off pw", "B: AUTH nosuch pw", "B: AUTH np anything", "B: ACL WHOAMI",
			"B: AUTH pw", "B: AUTH a b c", "B: AUTH", "B: auth default x",
			"@user B: CLIENT INFO", "@user CLIENT INFO", "B: AUTH default whatever", "@user B: CLIENT INFO",
			"@log ACL LOG",
		}},
		{"requirepass", []string{
			"CONFIG SET requirepass secret", "CONFIG GET requirepass", "@rules ACL GETUSER default",
			"B: GET k", "B: PING", "B: ACL WHOAMI", "B: AUTH wrong", "B: AUTH secret", "B: GET k", "B: ACL WHOAMI",
			"C: AUTH default secret", "C: GET k", "D: HELLO 2", "D: @kind HELLO 2 AUTH default secret", "D: GET k",
			"E: HELLO 3 AUTH default wrong", "E: HELLO 3 AUTH nosuch x SETNAME n", "E: HELLO 2 SETNAME n",
			"E: CLIENT GETNAME", "E: AUTH secret", "E: CLIENT GETNAME",
			"ACL SETUSER default >second", "F: AUTH second", "F: GET k", "@rules ACL GETUSER default",
			"CONFIG SET requirepass secret", "@rules ACL GETUSER default", "CONFIG SET requirepass other",
			"@rules ACL GETUSER default", "G: AUTH second", "G: AUTH other",
			"CONFIG SET requirepass \"\"", "H: GET k", "A: RESET", "A: GET k", "@rules ACL GETUSER default",
			"@log ACL LOG",
		}},
		{"password removed later", []string{
			"I: PING", "CONFIG SET requirepass pw", "I: GET k", "J: GET k", "CONFIG SET requirepass \"\"", "J: GET k",
			"ACL SETUSER default >x", "K: GET k", "ACL SETUSER default nopass", "K: GET k",
		}},
		{"default user off", []string{
			"B: PING", "ACL SETUSER default off", "B: PING", "C: PING", "C: AUTH x", "C: HELLO 2 AUTH default x",
			"ACL SETUSER u on nopass +@all", "C: AUTH u x", "C: PING", "C: RESET", "C: PING",
			"ACL SETUSER default on", "D: PING",
		}},
		{"reset returns to default", []string{
			"ACL SETUSER u on nopass -@all +acl|whoami", "B: AUTH u x", "B: ACL WHOAMI", "B: RESET", "B: ACL WHOAMI",
			"CONFIG SET requirepass pw", "B: AUTH u x", "B: RESET", "B: ACL WHOAMI", "B: GET k",
		}},
		{"hello auth", []string{
			"ACL SETUSER u on >pw +@all", "B: @kind HELLO 2 AUTH u pw", "B: ACL WHOAMI",
			"C: HELLO 2 AUTH u bad", "C: HELLO 2 AUTH u", "C: HELLO 2 AUTH", "C: HELLO 9 AUTH u pw", "C: ACL WHOAMI",
			"D: @kind HELLO 3 AUTH u pw SETNAME me", "D: CLIENT GETNAME", "@log ACL LOG",
		}},
		{"auth in transactions", []string{
			"ACL SETUSER u on >pw +@all", "B: MULTI", "B: AUTH u bad", "B: AUTH u pw", "B: EXEC", "B: ACL WHOAMI",
			"@log ACL LOG",
		}},
	})
}

func TestACLLog(t *testing.T) {
	runACLDiff(t, []coCase{
		{"entries", []string{
			"ACL SETUSER u on nopass -@all +get +set +acl|whoami ~k* &ch", "B: AUTH u x",
			"B: FLUSHALL", "B: FLUSHALL", "B: GET x", "B: GET x", "B: GET y", "B: SET x 1", "B: CONFIG GET a",
			"B: PUBLISH ch m", "B: AUTH u2 x", "B: AUTH u2 x",
			"@log ACL LOG", "@log ACL LOG 2", "@log ACL LOG 0", "@log ACL LOG -5", "ACL LOG abc", "ACL LOG 1 2",
			"ACL LOG RESET", "ACL LOG", "ACL LOG reset", "B: flushall", "@log ACL LOG",
		}},
		{"max length", []string{
			"ACL SETUSER u on nopass -@all", "B: AUTH u x", "CONFIG SET acllog-max-len 3",
			"B: GET a", "B: SET a b", "B: DEL a", "B: INCR a", "B: DECR a", "@log ACL LOG",
			"CONFIG SET acllog-max-len 0", "B: GET a", "@log ACL LOG", "CONFIG SET acllog-max-len 1",
			"B: GET a", "B: GET a", "@log ACL LOG",
		}},
		{"grouping looks at the ten newest", []string{
			"ACL SETUSER u on nopass -@all", "B: AUTH u x", "B: GET a",
			"B: SET a b", "B: DEL a", "B: INCR a", "B: DECR a", "B: APPEND a b", "B: STRLEN a", "B: LPUSH a b",
			"B: RPUSH a b", "B: SADD a b", "B: HSET a b c", "B: GET a", "@log ACL LOG 20",
			"B: HSET a b c", "@log ACL LOG 3",
		}},
	})
}

func TestACLSessions(t *testing.T) {
	runACLDiff(t, []coCase{
		{"deluser disconnects its sessions", []string{
			"ACL SETUSER u on nopass +@all", "ACL SETUSER v on nopass +@all",
			"B: AUTH u x", "C: AUTH u x", "D: AUTH v x", "ACL DELUSER u", "B: @closed", "C: @closed", "D: PING",
			"D: ACL DELUSER v", "D: @closed", "E: PING",
		}},
		{"setuser off keeps sessions", []string{
			"ACL SETUSER u on nopass +@all", "B: AUTH u x", "ACL SETUSER u off", "B: PING", "C: AUTH u x",
			"ACL SETUSER u reset", "B: PING", "B: ACL WHOAMI",
		}},
		{"client kill user", []string{
			"ACL SETUSER u on nopass +@all", "B: AUTH u x", "C: AUTH u x",
			"CLIENT KILL USER nosuch", "CLIENT KILL USER u", "B: @closed", "C: @closed",
			"D: PING", "CLIENT KILL USER default ID $D", "D: @closed", "CLIENT KILL USER u ID $A",
		}},
		{"revoked channels disconnect subscribers", []string{
			"ACL SETUSER u on nopass +@all &a &b* &p*", "B: AUTH u x", "C: AUTH u x", "D: AUTH u x", "E: AUTH u x",
			"B: SUBSCRIBE a", "C: PSUBSCRIBE p*", "D: SUBSCRIBE b1", "E: SSUBSCRIBE a",
			"ACL SETUSER u &c", "PUBLISH a x", "B: @read", "E: PING",
			"ACL SETUSER u resetchannels &a &p* &c", "D: @closed", "PUBLISH b1 x", "PUBLISH a y", "B: @read",
			"ACL SETUSER u resetchannels &b* &p &c", "B: @closed", "C: @closed", "E: @closed", "PUBLISH a z",
		}},
		{"allchannels to a list", []string{
			"ACL SETUSER u on nopass +@all allchannels", "B: AUTH u x", "B: SUBSCRIBE a", "C: AUTH u x", "C: SUBSCRIBE b",
			"ACL SETUSER u resetchannels &a", "C: @closed", "PUBLISH a x", "B: @read", "ACL SETUSER u &z", "PUBLISH a y",
			"B: @read", "ACL SETUSER u resetchannels", "B: @closed", "PUBLISH a z",
		}},
	})
}

func TestACLScripts(t *testing.T) {
	runACLDiff(t, []coCase{
		{"redis.call runs as the caller", []string{
			"ACL SETUSER u on nopass -@all +eval +evalsha +get +acl|log ~k* +fcall +function|load",
			"B: AUTH u x",
			`B: EVAL "return redis.call('get', 'k1')" 0`,
			`B: EVAL "return redis.call('set', 'k1', 'v')" 0`,
			`B: EVAL "return redis.pcall('set', 'k1', 'v')" 0`,
			`B: EVAL "return redis.call('get', 'x')" 0`,
			`B: EVAL "return redis.pcall('get', 'x')" 0`,
			`B: EVAL "return redis.acl_check_cmd('get', 'k1')" 0`,
			`B: EVAL "return redis.acl_check_cmd('get', 'x')" 0`,
			`B: EVAL "return redis.acl_check_cmd('set', 'k1', 'v')" 0`,
			`B: EVAL "return redis.acl_check_cmd('xadd', 'k1', '*', 'a', 'b')" 0`,
			`B: EVAL "return redis.acl_check_cmd('config', 'get', 'x')" 0`,
			`B: EVAL "return redis.acl_check_cmd('config', 'nosuch')" 0`,
			`B: EVAL "return redis.acl_check_cmd('nosuch')" 0`,
			`B: EVAL "return redis.acl_check_cmd()" 0`,
			`EVAL "return redis.acl_check_cmd('set', 'x', 'v')" 0`,
			"@log ACL LOG",
		}},
	})
}

func TestACLFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.acl")
	const users = "user default on nopass ~* &* +@all\nuser admin on nopass +@all\n"
	if err := os.WriteFile(path, []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	restore := `@file "` + strings.ReplaceAll(users, "\n", `\n`) + `"`
	file := func(lines string) string { return `@file "user admin on nopass +@all\n` + lines + `"` }
	runACLFileDiff(t, path, []coCase{
		{"save and load", []string{
			"ACL SETUSER alice on >pw ~a* %R~r* &ch -@all +@read +set -keys +select|0",
			"ACL SETUSER bob off #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 (~x +get) (&c +publish)",
			"ACL SETUSER carol on nopass +@all -@dangerous allkeys",
			"@save", "ACL DELUSER bob", "ACL SETUSER alice reset", "@rules ACL LIST", "ACL LOAD", "@rules ACL LIST",
			"B: AUTH alice pw", "B: GET a1", "B: ACL WHOAMI", "@save",
			restore, "ACL LOAD", "@rules ACL LIST",
		}},
		{"load disconnects the users' sessions", []string{
			file(`user default on nopass ~* &* +@all\nuser u on nopass +@all\n`),
			"ACL LOAD", "B: AUTH u x", "C: PING", "ACL LOAD", "B: @closed", "C: PING", "@rules ACL LIST",
			restore, "ACL LOAD",
		}},
		{"file errors", []string{
			file(`user a on\nfoo bar\n`), "ACL LOAD",
			file(`user a on +nosuch -nosuch2 >x\nuser a\n`), "ACL LOAD",
			file(`user a on #bad +nosuch !bad ~* ~x\n`), "ACL LOAD",
			file(`# comment\n`), "ACL LOAD", file(`user\n`), "ACL LOAD", file(`USER a on\n`), "ACL LOAD",
			file(`user a\tb on\n`), "ACL LOAD", file(`user x (on\n`), "ACL LOAD",
			file(`user admin on\n`), "ACL LOAD", "@rules ACL LIST",
		}},
		{"file forms", []string{
			file(`\n\n  user   z   on  \r\n\nuser default on nopass ~* &* +@all`), "ACL LOAD", "@rules ACL LIST",
			file(`user z on\tabc +get\t\nuser default on nopass ~* &* +@all\n`), "ACL LOAD", "@rules ACL LIST",
			file(`user z on (~a +get) ( ~b ) (~c\t +set)\nuser default on nopass ~* &* +@all\n`), "ACL LOAD", "@rules ACL LIST",
			file(``), "ACL LOAD", "@rules ACL LIST",
			file(`user default >pw\n`), "ACL LOAD", "@rules ACL LIST", "B: PING",
			restore, "ACL LOAD", "C: PING", "@rules ACL LIST",
		}},
		{"missing file", []string{"@rmfile", "ACL LOAD", "@save", "ACL LOAD", "@rules ACL LIST"}},
	})
}
