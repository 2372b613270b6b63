package cmdspec

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func argvOf(args ...string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

func TestTable(t *testing.T) {
	all := All()
	if len(all) != 240 {
		t.Errorf("All() has %d commands, want 240 (Redis 7.0 COMMAND COUNT)", len(all))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("All() is not sorted by name")
	}
	if v := RedisVersion(); !strings.HasPrefix(v, "7.0.") {
		t.Errorf("RedisVersion() = %q, want 7.0.x", v)
	}
	for _, s := range all {
		if s.Parent != nil || Lookup(s.Name) != s || s.Name != strings.ToLower(s.Name) {
			t.Errorf("%s: bad top-level entry", s.Name)
		}
		for i, sub := range s.Subcommands {
			short := strings.TrimPrefix(sub.Name, s.Name+"|")
			if sub.Parent != s || s.Sub(short) != sub || Lookup(sub.Name) != sub || short == sub.Name {
				t.Errorf("%s: bad subcommand entry", sub.Name)
			}
			if i > 0 && s.Subcommands[i-1].Name >= sub.Name {
				t.Errorf("%s: subcommands not sorted", s.Name)
			}
		}
	}
}

func TestSpecFields(t *testing.T) {
	tests := []struct {
		name              string
		arity             int
		has, hasnt        Flag
		first, last, step int
		acl               []string
		keySpecs          int
		subs              int
		group             string
	}{
		{"get", 2, Readonly | Fast, Write, 1, 1, 1, []string{"@read", "@string", "@fast"}, 1, 0, "string"},
		{"set", -3, Write | DenyOOM, Fast, 1, 1, 1, []string{"@write", "@string", "@slow"}, 1, 0, "string"},
		{"mset", -3, Write | DenyOOM, 0, 1, -1, 2, []string{"@write", "@string", "@slow"}, 1, 0, "string"},
		{"eval", -3, NoScript | SkipMonitor | MayReplicate | NoMandatoryKeys | Stale | MovableKeys, Write, 0, 0, 0, []string{"@slow", "@scripting"}, 1, 0, "scripting"},
		{"blpop", -3, Write | NoScript | Blocking, 0, 1, -2, 1, []string{"@write", "@list", "@slow", "@blocking"}, 1, 0, "list"},
		{"client", -2, 0, 0, 0, 0, 0, []string{"@slow"}, 0, 16, "connection"},
		{"client|kill", -3, Admin | NoScript | Loading | Stale, 0, 0, 0, 0, []string{"@admin", "@slow", "@dangerous", "@connection"}, 0, 0, "connection"},
		{"object|encoding", 3, Readonly, 0, 2, 2, 1, []string{"@keyspace", "@read", "@slow"}, 1, 0, "generic"},
		{"debug", -2, Admin | NoScript | Loading | Stale | Protected, 0, 0, 0, 0, []string{"@admin", "@slow", "@dangerous"}, 0, 0, "server"},
		{"module|load", -3, Admin | NoScript | NoAsyncLoading | Protected, 0, 0, 0, 0, []string{"@admin", "@slow", "@dangerous"}, 0, 0, "server"},
		{"module|list", 2, Admin | NoScript, Protected, 0, 0, 0, []string{"@admin", "@slow", "@dangerous"}, 0, 0, "server"},
		{"publish", 3, PubSub | Loading | Stale | Fast | MayReplicate, Sentinel, 0, 0, 0, []string{"@pubsub", "@fast"}, 0, 0, "pubsub"},
		{"restore-asking", -4, Write | DenyOOM | Asking, 0, 1, 1, 1, []string{"@keyspace", "@write", "@slow", "@dangerous"}, 1, 0, "server"},
		{"sort", -2, Write | DenyOOM | MovableKeys, 0, 1, 1, 1, []string{"@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"}, 3, 0, "generic"},
	}
	for _, tt := range tests {
		s := Lookup(tt.name)
		if s == nil {
			t.Errorf("Lookup(%q) = nil", tt.name)
			continue
		}
		if s.Arity != tt.arity || !s.Has(tt.has) || (tt.hasnt != 0 && s.Flags&tt.hasnt != 0) ||
			s.FirstKey != tt.first || s.LastKey != tt.last || s.Step != tt.step ||
			!reflect.DeepEqual(s.ACLCategories, tt.acl) || len(s.KeySpecs) != tt.keySpecs ||
			len(s.Subcommands) != tt.subs || s.Group != tt.group {
			t.Errorf("%s: got arity %d flags %q keys %d,%d,%d acl %v specs %d subs %d group %q",
				tt.name, s.Arity, s.Flags, s.FirstKey, s.LastKey, s.Step, s.ACLCategories,
				len(s.KeySpecs), len(s.Subcommands), s.Group)
		}
	}
	if Lookup("GET") != nil || Lookup("nosuch") != nil || Lookup("client|nosuch") != nil {
		t.Error("Lookup found a name it should not")
	}
	if Lookup("get").Summary != "Get the value of a key" || Lookup("get").Since != "1.0.0" {
		t.Error("get: docs fields not loaded")
	}
	var may []string
	for _, s := range All() {
		if s.Has(MayReplicate) {
			may = append(may, s.Name)
		}
	}
	if want := []string{"eval", "evalsha", "fcall", "pfcount", "publish", "spublish"}; !reflect.DeepEqual(may, want) {
		t.Errorf("may_replicate commands = %v, want %v", may, want)
	}
}

func TestKeySpecParsing(t *testing.T) {
	tests := []struct {
		name string
		i    int
		want KeySpec
	}{
		{"get", 0, KeySpec{Flags: KeyRO | KeyAccess, BeginSearch: BeginSearchIndex, Index: 1,
			FindKeys: FindKeysRange, Range: RangeSpec{0, 1, 0}}},
		{"mset", 0, KeySpec{Flags: KeyOW | KeyUpdate, BeginSearch: BeginSearchIndex, Index: 1,
			FindKeys: FindKeysRange, Range: RangeSpec{-1, 2, 0}}},
		{"xread", 0, KeySpec{Flags: KeyRO | KeyAccess, BeginSearch: BeginSearchKeyword, Keyword: "STREAMS",
			StartFrom: 1, FindKeys: FindKeysRange, Range: RangeSpec{-1, 1, 2}}},
		{"zunionstore", 1, KeySpec{Flags: KeyRO | KeyAccess, BeginSearch: BeginSearchIndex, Index: 2,
			FindKeys: FindKeysKeyNum, KeyNum: KeyNumSpec{0, 1, 1}}},
		{"migrate", 1, KeySpec{Flags: KeyRW | KeyAccess | KeyDelete | KeyIncomplete, BeginSearch: BeginSearchKeyword,
			Keyword: "KEYS", StartFrom: -2, FindKeys: FindKeysRange, Range: RangeSpec{-1, 1, 0}}},
		{"spublish", 0, KeySpec{Flags: KeyNotKey, BeginSearch: BeginSearchIndex, Index: 1,
			FindKeys: FindKeysRange, Range: RangeSpec{0, 1, 0}}},
	}
	for _, tt := range tests {
		got := Lookup(tt.name).KeySpecs[tt.i]
		got.Notes = ""
		if got != tt.want {
			t.Errorf("%s spec %d = %+v, want %+v", tt.name, tt.i, got, tt.want)
		}
	}
	sort := Lookup("sort").KeySpecs[2]
	if sort.BeginSearch != BeginSearchUnknown || sort.FindKeys != FindKeysUnknown || sort.Flags != KeyOW|KeyUpdate ||
		!strings.Contains(sort.Notes, "STORE") {
		t.Errorf("sort STORE spec = %+v", sort)
	}
	if s := (KeyRW | KeyAccess | KeyVariableFlags).String(); s != "RW access variable_flags" {
		t.Errorf("KeyFlag.String() = %q", s)
	}
	if s := (Write | DenyOOM | MovableKeys).String(); s != "write denyoom movablekeys" {
		t.Errorf("Flag.String() = %q", s)
	}
}

func TestLookupArgv(t *testing.T) {
	tests := []struct {
		argv []string
		want string // "" for nil
	}{
		{[]string{"GET", "k"}, "get"},
		{[]string{"gEt"}, "get"},
		{[]string{"client"}, "client"},
		{[]string{"CLIENT", "Kill", "x"}, "client|kill"},
		{[]string{"client", "nosuch"}, ""},
		{[]string{"client", "kill|x"}, ""},
		{[]string{"client|kill"}, ""},
		{[]string{"nosuch"}, ""},
		{[]string{"get", "client"}, "get"},
		{[]string{strings.Repeat("x", 100)}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		s := LookupArgv(argvOf(tt.argv...))
		got := ""
		if s != nil {
			got = s.Name
		}
		if got != tt.want {
			t.Errorf("LookupArgv(%q) = %q, want %q", tt.argv, got, tt.want)
		}
	}
}

// TestGoldenBytes checks WriteInfo/WriteDocs against bytes captured from
// Redis 7.0.15, so it fails even where redis-server is not installed.
func TestGoldenBytes(t *testing.T) {
	const getInfo = "*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
	const getDocs = "%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
	const incrInfo = "*10\r\n$4\r\nincr\r\n:2\r\n~3\r\n+write\r\n+denyoom\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@write\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~3\r\n+RW\r\n+access\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
	if got := string(infoBytes(Lookup("get"), nil)); got != getInfo {
		t.Errorf("get INFO:\n got %q\nwant %q", got, getInfo)
	}
	if got := string(docsBytes(Lookup("get"), nil)); got != getDocs {
		t.Errorf("get DOCS:\n got %q\nwant %q", got, getDocs)
	}
	if got := string(infoBytes(Lookup("incr"), nil)); got != incrInfo {
		t.Errorf("incr INFO:\n got %q\nwant %q", got, incrInfo)
	}
}

func TestKeepSub(t *testing.T) {
	client := Lookup("client")
	keep := func(s *Spec) bool { return s.Name == "client|kill" || s.Name == "client|setname" }
	info := string(infoBytes(client, keep))
	want := string(infoBytes(Lookup("client|kill"), nil)) + string(infoBytes(Lookup("client|setname"), nil))
	if !strings.HasSuffix(info, "*2\r\n"+want) {
		t.Errorf("filtered CLIENT INFO does not end with the two kept subcommands:\n%q", info)
	}
	docs := string(docsBytes(client, keep))
	want = "$11\r\nsubcommands\r\n%2\r\n$11\r\nclient|kill\r\n" + string(docsBytes(Lookup("client|kill"), nil)) +
		"$14\r\nclient|setname\r\n" + string(docsBytes(Lookup("client|setname"), nil))
	if !strings.HasSuffix(docs, want) {
		t.Errorf("filtered CLIENT DOCS does not end with the two kept subcommands:\n%q", docs)
	}
	none := string(infoBytes(client, func(*Spec) bool { return false }))
	if !strings.HasSuffix(none, "*0\r\n") {
		t.Errorf("CLIENT INFO with no subcommands kept ends %q", none[len(none)-10:])
	}
	if full := infoBytes(client, nil); len(full) <= len(info) {
		t.Error("unfiltered CLIENT INFO is not longer than the filtered one")
	}
}

// TestKeyPositionsTable covers the key-spec and getkeys-proc paths without
// Redis; TestGetKeysMatchesRedis checks the same behaviour against a server.
func TestKeyPositionsTable(t *testing.T) {
	tests := []struct {
		argv []string
		want []int
		err  error
	}{
		{[]string{"get", "k"}, []int{1}, nil},
		{[]string{"mset", "a", "1", "b", "2"}, []int{1, 3}, nil},
		{[]string{"mset", "a", "1", "b"}, []int{1, 3}, nil},
		{[]string{"blpop", "a", "b", "0"}, []int{1, 2}, nil},
		{[]string{"eval", "s", "0"}, nil, nil},
		{[]string{"eval", "s", "2", "a", "b", "c"}, []int{3, 4}, nil},
		{[]string{"eval", "s", "3", "a"}, nil, nil},
		{[]string{"eval", "s", "2abc", "a", "b"}, []int{3, 4}, nil},
		{[]string{"zunionstore", "d", "2", "a", "b"}, []int{1, 3, 4}, nil},
		{[]string{"zunionstore", "d", "2abc", "a", "b"}, []int{3, 4, 1}, nil},
		{[]string{"zunionstore", "d", "0", "a"}, nil, ErrInvalidArguments},
		{[]string{"zunionstore", "d", "-1", "a"}, nil, ErrInvalidArguments},
		{[]string{"zunionstore", "d", " 1", "a"}, []int{3, 1}, nil},
		{[]string{"lmpop", "2", "a", "b", "left"}, []int{2, 3}, nil},
		{[]string{"blmpop", "0", "2", "a", "b", "left"}, []int{3, 4}, nil},
		{[]string{"xread", "streams", "a", "b", "0", "0"}, []int{2, 3}, nil},
		{[]string{"xread", "count", "1", "streams", "a", "0"}, []int{4}, nil},
		{[]string{"xread", "streams", "a", "b", "0"}, []int{2}, nil},
		{[]string{"xread", "count", "1", "streams"}, nil, ErrInvalidArguments},
		{[]string{"sort", "k", "store", "d"}, []int{1, 3}, nil},
		{[]string{"sort", "k", "limit", "0", "1", "store", "d", "get", "#"}, []int{1, 6}, nil},
		{[]string{"sort", "k", "store", "a", "store", "b"}, []int{1, 5}, nil},
		{[]string{"sort", "k", "get", "store", "store", "d"}, []int{1, 5}, nil},
		{[]string{"migrate", "h", "1", "k", "0", "5"}, []int{3}, nil},
		{[]string{"migrate", "h", "1", "", "0", "5", "keys", "a", "b"}, []int{7, 8}, nil},
		{[]string{"migrate", "h", "1", "k", "0", "5", "keys", "a"}, nil, ErrInvalidArguments},
		{[]string{"georadius", "k", "1", "2", "3", "m", "store", "a", "storedist", "b"}, []int{1, 7, 9}, nil},
		{[]string{"set", "k", "v", "get"}, []int{1}, nil},
		{[]string{"spublish", "c", "m"}, nil, nil},
		{[]string{"client", "kill", "x"}, nil, nil},
		{[]string{"object", "encoding", "k"}, []int{2}, nil},
		{[]string{"get"}, nil, ErrInvalidArguments}, // short argv never panics
		{[]string{"eval"}, nil, nil},
		{[]string{"zunionstore"}, nil, ErrInvalidArguments},
	}
	for _, tt := range tests {
		argv := argvOf(tt.argv...)
		s := LookupArgv(argv)
		got, err := s.KeyPositions(argv, nil)
		if !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) || !errors.Is(err, tt.err) {
			t.Errorf("KeyPositions(%q) = %v, %v; want %v, %v", tt.argv, got, err, tt.want, tt.err)
		}
	}
	// KeyPositions appends.
	got, _ := Lookup("mset").KeyPositions(argvOf("mset", "a", "1"), []int{9})
	if !reflect.DeepEqual(got, []int{9, 1}) {
		t.Errorf("KeyPositions does not append: %v", got)
	}
}

func TestGetKeysErrors(t *testing.T) {
	tests := []struct {
		argv []string
		err  error
	}{
		{[]string{"nosuch", "k"}, ErrInvalidCommand},
		{[]string{"client", "nosuch"}, ErrInvalidCommand},
		{[]string{"ping"}, ErrNoKeyArguments},
		{[]string{"client"}, ErrNoKeyArguments},
		{[]string{"spublish", "c", "m"}, ErrNoKeyArguments},
		{[]string{"get"}, ErrInvalidArity},
		{[]string{"get", "a", "b"}, ErrInvalidArity},
		{[]string{"zunionstore", "d", "0", "a"}, ErrInvalidArguments},
		{[]string{"eval", "s", "abc"}, nil},
	}
	for _, tt := range tests {
		if _, err := GetKeys(argvOf(tt.argv...), nil); err != tt.err {
			t.Errorf("GetKeys(%q) error = %v, want %v", tt.argv, err, tt.err)
		}
	}
}

func TestDerivedKeys(t *testing.T) {
	tests := []struct {
		argv []string
		want bool
	}{
		{[]string{"sort", "k"}, false},
		{[]string{"sort", "k", "by", "nosort"}, false},
		{[]string{"sort", "k", "by", "w_*"}, true},
		{[]string{"sort", "k", "get", "#"}, false},
		{[]string{"sort", "k", "get", "#", "get", "o_*->f"}, true},
		{[]string{"sort", "k", "store", "by*"}, false},
		{[]string{"sort_ro", "k", "store", "by*"}, false},
		{[]string{"sort_ro", "k", "limit", "0", "1", "GET", "x*"}, true},
		{[]string{"get", "*"}, false},
	}
	for _, tt := range tests {
		argv := argvOf(tt.argv...)
		if got := LookupArgv(argv).DerivedKeys(argv); got != tt.want {
			t.Errorf("DerivedKeys(%q) = %v, want %v", tt.argv, got, tt.want)
		}
	}
}

func TestString2ll(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"-3", -3, true}, {"", 0, false}, {"-", 0, false},
		{"-0", 0, false}, {"01", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"2abc", 0, false}, {"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775808", -9223372036854775808, true},
		{"-9223372036854775809", 0, false}, {"100000000000000000000", 0, false},
	}
	for _, tt := range tests {
		got, ok := string2ll([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("string2ll(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAtoi(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"12", 12}, {"2abc", 2}, {"abc", 0}, {" \t7", 7}, {"+5", 5}, {"-5", -5}, {"", 0},
		{"4294967297", 1}, {"99999999999999999999", -1}, {"-99999999999999999999", 0},
		{"3\x009", 3},
	}
	for _, tt := range tests {
		if got := atoi([]byte(tt.in)); got != tt.want {
			t.Errorf("atoi(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestKeyPositionsAllocs(t *testing.T) {
	cases := [][]string{
		{"set", "k", "v"},
		{"mset", "a", "1", "b", "2"},
		{"zunionstore", "d", "2abc", "a", "b"},
		{"xread", "count", "1", "streams", "a", "b", "0", "0"},
		{"sort", "k", "store", "d"},
	}
	dst := make([]int, 0, 16)
	for _, c := range cases {
		argv := argvOf(c...)
		s := LookupArgv(argv)
		if n := testing.AllocsPerRun(100, func() {
			if LookupArgv(argv) != s {
				t.Fatal("LookupArgv changed")
			}
			if _, err := s.KeyPositions(argv, dst); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%q: %v allocations per LookupArgv+KeyPositions, want 0", c, n)
		}
	}
}

func BenchmarkKeyPositions(b *testing.B) {
	for _, c := range [][]string{{"SET", "k", "v"}, {"MSET", "a", "1", "b", "2"}} {
		argv := argvOf(c...)
		s := LookupArgv(argv)
		dst := make([]int, 0, 8)
		b.Run(c[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = s.KeyPositions(argv, dst[:0])
			}
		})
	}
}

// TestFastPathsMatchGeneral checks KeyPositions' and KeyRefs' one-key
// shortcuts against the general parser for every command and subcommand, on
// argv of every length up to 6 and with SET's GET and BITFIELD's SET options.
func TestFastPathsMatchGeneral(t *testing.T) {
	shapes := [][]string{{}, {"k"}, {"k", "v"}, {"k", "v", "get"}, {"k", "set", "u8", "0", "1"}, {"k", "a", "b", "c", "d"}}
	var specs []*Spec
	for _, s := range All() {
		specs = append(specs, s)
		specs = append(specs, s.Subcommands...)
	}
	fast := 0
	for _, s := range specs {
		for _, shape := range shapes {
			name := strings.Split(s.Name, "|")
			argv := argvOf(append(name, shape...)...)
			got, gerr := s.KeyPositions(argv, nil)
			want, werr := s.keys(argv, nil, nil)
			if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("%q: KeyPositions %v %v, general %v %v", argv, got, gerr, want, werr)
			}
			var wflags []KeyFlag
			rpos, rflags, rerr := s.KeyRefs(argv, nil, nil)
			wpos, werr := s.keys(argv, nil, &wflags)
			if (rerr == nil) != (werr == nil) || !reflect.DeepEqual(rpos, wpos) || !reflect.DeepEqual(rflags, wflags) {
				t.Errorf("%q: KeyRefs %v %v %v, general %v %v %v", argv, rpos, rflags, rerr, wpos, wflags, werr)
			}
		}
		if s.onePos > 0 {
			fast++
		}
	}
	if fast < 100 {
		t.Errorf("only %d commands take the one-key fast path", fast)
	}
}
