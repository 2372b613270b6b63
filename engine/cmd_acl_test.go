package engine_test

import (
	"bufio"
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests of ACL users, rules, permissions, AUTH and the ACL log.
//
// The scripts are runCoDiff's (multiconn_test.go), with a fresh ACL state
// per case: an "admin" user with every permission is created first and a
// connection Z authenticates as it, which at the end puts the default user
// and the settings back and deletes every other user (so a case may lock the
// default user out). Four more directives:
//
//	@rules    compare with the single-command rules of ACL rule strings
//	          (GETUSER, LIST) sorted: Redis emits them in its hash table's
//	          order, which changes with every process
//	@log      compare ACL LOG with each entry's age replaced and its
//	          client-info reduced to cmd= and user=
//	@len      compare the reply's type and length (random replies)
//	@user     compare the user= field of a CLIENT INFO / LIST reply
func runACLDiff(t *testing.T, cases []coCase) {
	t.Helper()
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			tb := &caseTB{TB: t}
			p := oracle.Start(tb)
			for _, c := range cases {
				tb.name = c.name
				r := &coRun{t: tb, p: p, proto: proto}
				r.start()
				aclSetup(r)
				for _, l := range c.lines {
					aclLine(r, l)
				}
				aclCleanup(r)
				r.stop()
			}
		})
	}
}

// aclSetup creates the admin user and its connection Z on both servers.
func aclSetup(r *coRun) {
	for i, c := range []*oracle.Client{r.p.Real(), r.p.Ours()} {
		for _, args := range [][]string{{"ACL", "SETUSER", "admin", "on", "nopass", "~*", "&*", "+@all"}, {"ACL", "LOG", "RESET"}} {
			if v, err := c.Value(args...); err != nil || v.Str != "OK" {
				r.t.Fatalf("%s: %q: %v %v", r.sides[i].name, args, v, err)
			}
		}
		if got := string(r.conn(r.sides[i], "Z").do(r.t, "AUTH", "admin", "x")); got != "+OK\r\n" {
			r.t.Fatalf("%s: AUTH admin: %q", r.sides[i].name, got)
		}
	}
}

// aclCleanup restores the default user and the ACL settings and deletes
// every other user, through Z (deleting admin closes it last).
func aclCleanup(r *coRun) {
	for _, s := range r.sides {
		z := s.conns["Z"]
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

// aclLine runs one script line, handling this file's directives.
func aclLine(r *coRun, line string) {
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
		r.line(line)
		return
	}
	var got [2]string
	for i, s := range r.sides {
		got[i] = norm(coValue(t, r.conn(s, name).do(t, r.substitute(s, args[1:])...)))
	}
	if got[0] != got[1] {
		t.Errorf("%s: %s\n redis:  %s\n cachee: %s", name, line, got[0], got[1])
	}
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

// aclValue decodes one raw reply.
func aclValue(t testing.TB, raw []byte) protocol.Value {
	t.Helper()
	v, err := protocol.ReadValue(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	return v
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
		{"config", []string{
			"CONFIG GET acllog-max-len", "CONFIG SET acllog-max-len -1", "CONFIG SET acllog-max-len abc",
			"CONFIG SET acllog-max-len 2", "CONFIG GET acllog-max-len", "CONFIG GET acl-pubsub-default",
		}},
	})
}
