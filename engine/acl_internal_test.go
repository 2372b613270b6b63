package engine

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// Internal tests of the ACL rule parser, the rule descriptions, key and
// channel matching and the log's grouping over time, for what the
// differential tests cannot reach (Redis's describe order is random, its
// clock is not ours).

func TestSplitRuleArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"~a +get", []string{"~a", "+get"}},
		{" \t~a\n\r+get  ", []string{"~a", "+get"}},
		{`"~a b" '~c d'`, []string{"~a b", "~c d"}},
		{`"\x41\x4a\n\t\"x\\"`, []string{"AJ\n\t\"x\\"}},
		{`"\xZZ"`, []string{"xZZ"}},
		{`'it\'s'`, []string{"it's"}},
		{`"unbalanced`, nil},
		{`'unbalanced`, nil},
		{`"a"b`, nil}, // a closing quote must be followed by a space
		{`'a'b`, nil},
		{`a"b c"`, []string{"ab c"}},
		{"a\x00b c", []string{"a"}}, // a C string ends at NUL
	} {
		if got := splitRuleArgs(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitRuleArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMergeSelectorArgs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
		open int
	}{
		{[]string{"on", "(~a", "+get)", "off"}, []string{"on", "(~a +get)", "off"}, -1},
		{[]string{"(~a)", "()"}, []string{"(~a)", "()"}, -1},
		{[]string{"(", "~a", ")"}, []string{"( ~a )"}, -1},
		{[]string{"(a", "(b", "c)"}, []string{"(b c)"}, -1}, // a new "(" starts over
		{[]string{"on", "(~a", "+get"}, nil, 1},
		{[]string{"(~a", ""}, nil, 0},
		{[]string{"(~a", "", "x)"}, []string{"(~a  x)"}, -1},
	} {
		got, open := mergeSelectorArgs(tc.in)
		if !reflect.DeepEqual(got, tc.want) || open != tc.open {
			t.Errorf("mergeSelectorArgs(%q) = %q, %d; want %q, %d", tc.in, got, open, tc.want, tc.open)
		}
	}
}

func TestHashPassword(t *testing.T) {
	if h := hashPassword("password"); h != "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" {
		t.Errorf("hashPassword = %s", h)
	}
	for h, ok := range map[string]bool{
		strings.Repeat("a", 64): true, strings.Repeat("0", 64): true, strings.Repeat("A", 64): false,
		strings.Repeat("a", 63): false, strings.Repeat("g", 64): false,
	} {
		if validHash(h) != ok {
			t.Errorf("validHash(%s) = %v", h, !ok)
		}
	}
	// Only hashes are stored.
	d := newUserDef(false)
	if err := d.apply(">secret", false); err != aclRuleOK || len(d.passwords) != 1 || d.passwords[0] != hashPassword("secret") {
		t.Fatalf("passwords %q, %v", d.passwords, err)
	}
}

// applyRules applies rules to a new user, failing the test on a refusal.
func applyRules(t *testing.T, rules ...string) *userDef {
	t.Helper()
	d := newUserDef(false)
	for _, r := range rules {
		if err := d.apply(r, false); err != aclRuleOK {
			t.Fatalf("rule %q: %s", r, err)
		}
	}
	return d
}

// TestDescribeRoundTrip is the check Redis makes (and panics on) after
// describing: the description, applied to a new user, gives the same
// command bitmap and first arguments. Random rule lists over every category
// and many commands exercise the greedy category choice.
func TestDescribeRoundTrip(t *testing.T) {
	tab := aclTable()
	rng := rand.New(rand.NewSource(1))
	rule := func() string {
		sign := "+"
		if rng.Intn(2) == 0 {
			sign = "-"
		}
		switch rng.Intn(4) {
		case 0:
			return sign + "@" + aclCategories[rng.Intn(len(aclCategories))]
		case 1:
			if rng.Intn(3) == 0 {
				return []string{"+select|0", "+select|1", "+debug|object", "+@all", "-@all"}[rng.Intn(5)]
			}
		}
		return sign + tab.all[rng.Intn(len(tab.all))].name
	}
	for i := 0; i < 300; i++ {
		rules := make([]string, 1+rng.Intn(8))
		for j := range rules {
			rules[j] = rule()
		}
		d := applyRules(t, rules...)
		desc := d.root().describeCommands()
		back := applyRules(t, strings.Fields(desc)...)
		if back.root().allowed != d.root().allowed || !reflect.DeepEqual(usedFirstArgs(back.root()), usedFirstArgs(d.root())) {
			t.Fatalf("rules %q described as %q, which gives another bitmap", rules, desc)
		}
		if !strings.HasPrefix(desc, "+@all") && !strings.HasPrefix(desc, "-@all") {
			t.Fatalf("description %q does not start with +@all or -@all", desc)
		}
	}
	// A whole user, selectors included, survives describe + apply.
	d := applyRules(t, "on", ">pw", "%R~r*", "~k", "&ch", "+@read", "-keys", "(~x +get)", "(&c +publish %W~w)")
	rules, _ := mergeSelectorArgs(strings.Fields(d.describe()))
	again := applyRules(t, rules...)
	if d.describe() != again.describe() {
		t.Fatalf("describe not stable: %q then %q", d.describe(), again.describe())
	}
}

// usedFirstArgs is a selector's first arguments for the commands whose bit is
// not set (the others never matter, and are not described).
func usedFirstArgs(s *selector) map[int][]string {
	out := map[int][]string{}
	for id, args := range s.firstArgs {
		if !s.allowed.has(id) {
			out[id] = args
		}
	}
	return out
}

func TestDescribeExamples(t *testing.T) {
	for _, tc := range []struct {
		rules []string
		want  string
	}{
		{nil, "-@all"},
		{[]string{"+@all"}, "+@all"},
		{[]string{"allcommands", "-get"}, "+@all -get"},
		{[]string{"+@all", "-@keyspace", "-@admin", "+flushall"}, "+@all -@admin -@keyspace +flushall"},
		{[]string{"+@all", "-@read", "+get", "+@admin", "-acl", "+acl|whoami"}, "+@all -@read -acl +acl|whoami +get"},
		{[]string{"+config", "-config|set"}, "-@all +config -config|set"},
		{[]string{"+select|0", "+SELECT|A"}, "-@all +select|0 +select|A"},
	} {
		if got := applyRules(t, tc.rules...).root().describeCommands(); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.rules, got, tc.want)
		}
	}
}

func TestRuleErrors(t *testing.T) {
	for rule, want := range map[string]aclErr{
		"foo": aclErrSyntax, "+nosuch": aclErrUnknown, "-select|0": aclErrUnknown, "+config|get|x": aclErrFirstArg,
		"+get|": aclErrSyntax, "%X~a": aclErrSyntax, "%~a": aclErrSyntax, "~a b": aclErrSyntax, "&a\x00": aclErrSyntax,
		"#abc": aclErrBadHash, "<nopw": aclErrNoPass, "(on)": aclErrSyntax, "on\x00junk": aclRuleOK,
		"+GET": aclRuleOK, "+@READ": aclRuleOK, "": aclRuleOK, "+get\x00junk": aclRuleOK,
	} {
		if got := newUserDef(false).apply(rule, false); got != want {
			t.Errorf("%q: %v, want %v", rule, got, want)
		}
	}
	d := applyRules(t, "allkeys", "allchannels")
	if d.apply("~x", false) != aclErrKeyAll || d.apply("&x", false) != aclErrChanAll {
		t.Errorf("patterns after allkeys/allchannels accepted")
	}
}

func TestKeyAndChannelMatching(t *testing.T) {
	d := applyRules(t, "+@all", "%R~r*", "%W~w*", "~rw*", "&news.*", "&lit")
	s := d.root()
	for _, tc := range []struct {
		key  string
		f    cmdspec.KeyFlag
		want bool
	}{
		{"r1", cmdspec.KeyRO | cmdspec.KeyAccess, true},
		{"r1", cmdspec.KeyRW | cmdspec.KeyAccess | cmdspec.KeyUpdate, false},
		{"w1", cmdspec.KeyOW | cmdspec.KeyUpdate, true},
		{"w1", cmdspec.KeyRO | cmdspec.KeyAccess, false},
		{"w1", cmdspec.KeyRM | cmdspec.KeyDelete, true},
		{"w1", cmdspec.KeyRW | cmdspec.KeyInsert, true},
		{"w1", cmdspec.KeyRO, true}, // no access: any matching pattern (EXISTS, TYPE)
		{"rw1", cmdspec.KeyRW | cmdspec.KeyAccess | cmdspec.KeyDelete, true},
		{"x", 0, false},
	} {
		if got := s.keyAllowed([]byte(tc.key), tc.f); got != tc.want {
			t.Errorf("key %s %s: %v, want %v", tc.key, tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		ch      string
		pattern bool
		want    bool
	}{
		{"news.a", false, true}, {"news.*", true, true}, {"news.a*", true, false}, {"lit", false, true},
		{"lit", true, true}, {"li*", true, false}, {"other", false, false}, {"lit\x00x", true, true},
	} {
		if got := channelAllowed(s.channels, []byte(tc.ch), tc.pattern); got != tc.want {
			t.Errorf("channel %q pattern=%v: %v, want %v", tc.ch, tc.pattern, got, tc.want)
		}
	}
}

func TestCheckPicksTheGreatestRefusal(t *testing.T) {
	d := applyRules(t, "+@all", "~a*", "(-@all +get ~*)", "(+@all ~b* &c)")
	mset := aclTable().bySpec[cmdspec.Lookup("mset")]
	argv := [][]byte{[]byte("mset"), []byte("a1"), []byte("1"), []byte("x"), []byte("2")}
	// Root: key x denied at 3; second selector: command denied; third: key a1 at 1.
	if res, idx := d.check(mset, argv, nil); res != aclDeniedKey || idx != 3 {
		t.Errorf("check = %v, %d; want key at 3", res, idx)
	}
	pub := aclTable().bySpec[cmdspec.Lookup("publish")]
	if res, idx := d.check(pub, [][]byte{[]byte("publish"), []byte("z"), []byte("m")}, nil); res != aclDeniedChannel || idx != 1 {
		t.Errorf("publish: %v, %d", res, idx)
	}
}

func TestACLLogGroupsWithinAMinute(t *testing.T) {
	h := newHarness(t)
	h.script(
		"ACL SETUSER u on nopass -@all", "+OK",
		"AUTH u x", "+OK",
		"GET a", "-NOPERM this user has no permissions to run the 'get' command",
		"GET a", "-NOPERM this user has no permissions to run the 'get' command",
	)
	h.clock.advance(61 * time.Second)
	h.do("GET", "a")
	h.clock.advance(30 * time.Second)
	h.do("GET", "a")
	h.s.setDefaultAuth()
	log := h.reply("ACL", "LOG")
	if len(log.Elems) != 2 || log.Elems[0].Elems[1].Int != 2 || log.Elems[1].Elems[1].Int != 2 {
		t.Fatalf("ACL LOG = %s", render(log))
	}
	if age := log.Elems[1].Elems[11].Float; age != 91 {
		t.Errorf("age of the older entry %v, want 91", age)
	}
}

// A deleted user's in-process sessions cannot be disconnected; they can no
// longer run anything.
func TestDeletedUserDeniesEverything(t *testing.T) {
	h := newHarness(t)
	admin := h.e.NewSession(ConnInfo{}, false)
	execArgs(h.e, admin, "ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*")
	h.script("AUTH u x", "+OK", "SET k v", "+OK")
	execArgs(h.e, admin, "ACL", "DELUSER", "u")
	h.check("GET k", "-NOPERM this user has no permissions to run the 'get' command")
	h.check("AUTH u x", "-WRONGPASS invalid username-password pair or user is disabled.")
}

// BenchmarkExecGetACLUser is BenchmarkExecGet for a user whose rules must
// be checked (a command bit and a key pattern), against which to read the
// unrestricted default user's cost.
func BenchmarkExecGetACLUser(b *testing.B) {
	e := New(Config{})
	e.Close()
	s := e.NewSession(ConnInfo{}, false)
	execArgs(e, s, "ACL", "SETUSER", "u", "on", "nopass", "-@all", "+get", "+set", "~k*")
	execArgs(e, s, "AUTH", "u", "x")
	execArgs(e, s, "SET", "k", "v")
	argv := [][]byte{[]byte("GET"), []byte("k")}
	var w ReplyWriter = nopWriter{}
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(s, argv, w)
	}
}

// Commands of many sessions race with rule changes, deletions, the log and
// CLIENT LIST: every reply is a success or a NOPERM (run with -race).
func TestACLConcurrentChanges(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	admin := e.NewSession(ConnInfo{}, true)
	execArgs(e, admin, "ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*", "&*")
	stop := make(chan struct{})
	done := make(chan string, 4)
	for i := 0; i < 4; i++ {
		go func() {
			s := e.NewSession(ConnInfo{}, true)
			defer s.Close()
			if r := execArgs(e, s, "AUTH", "u", "x"); r.Str != "OK" {
				done <- "AUTH: " + render(r)
				return
			}
			for n := 0; ; n++ {
				select {
				case <-stop:
					done <- ""
					return
				default:
				}
				for _, args := range [][]string{{"SET", "k", "v"}, {"GET", "k"}, {"PUBLISH", "c", "m"}, {"MULTI"}, {"GET", "k"}, {"EXEC"}} {
					r := execArgs(e, s, args...)
					if r.Kind == KindError && !strings.HasPrefix(r.Str, "NOPERM") && !strings.HasPrefix(r.Str, "EXECABORT") &&
						!strings.HasPrefix(r.Str, "ERR EXEC without MULTI") && !strings.HasPrefix(r.Str, "ERR MULTI calls") {
						done <- strings.Join(args, " ") + ": " + r.Str
						return
					}
				}
			}
		}()
	}
	for i := 0; i < 300; i++ {
		for _, args := range [][]string{
			{"ACL", "SETUSER", "u", "-get", "resetkeys", "~k*"}, {"ACL", "LOG"}, {"CLIENT", "LIST"},
			{"ACL", "SETUSER", "u", "+get", "resetchannels"}, {"ACL", "LIST"}, {"ACL", "SETUSER", "u", "allchannels", "allkeys"},
		} {
			if r := execArgs(e, admin, args...); r.Kind == KindError {
				t.Fatalf("%q: %s", args, r.Str)
			}
		}
	}
	close(stop)
	for i := 0; i < 4; i++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
