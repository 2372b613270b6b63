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

// Differential tests of the SERVER family (COMMAND INFO CONFIG TIME LASTSAVE
// SHUTDOWN) and of the dispatcher's generic errors, against a real Redis 7.0.

// csRender prints a decoded reply with its types, deterministically.
func csRender(v protocol.Value) string {
	var b strings.Builder
	var walk func(v protocol.Value)
	walk = func(v protocol.Value) {
		b.WriteByte(byte(v.Kind))
		switch {
		case v.Null:
			b.WriteString("null")
		case v.Kind == protocol.KindInt:
			b.WriteString(strconv.FormatInt(v.Int, 10))
		case v.Kind == protocol.KindArray || v.Kind == protocol.KindMap || v.Kind == protocol.KindSet || v.Kind == protocol.KindPush:
			b.WriteString("[")
			for _, e := range v.Elems {
				walk(e)
				b.WriteString(" ")
			}
			b.WriteString("]")
		default:
			b.WriteString(strconv.Quote(v.Format + v.Str))
		}
	}
	walk(v)
	return b.String()
}

// csOurCommands lists the command names cachee implements (COMMAND LIST),
// split into top-level commands and "parent|sub" subcommands.
func csOurCommands(t *testing.T, p *oracle.Pair) (top, subs []string) {
	t.Helper()
	v, err := p.Ours().Value("COMMAND", "LIST")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Elems {
		if strings.Contains(e.Str, "|") {
			subs = append(subs, e.Str)
		} else {
			top = append(top, e.Str)
		}
	}
	sort.Strings(top)
	sort.Strings(subs)
	if len(top) < 20 || len(subs) < 10 {
		t.Fatalf("COMMAND LIST too short: %v %v", top, subs)
	}
	return top, subs
}

func csIsContainer(name string, subs []string) bool {
	for _, s := range subs {
		if strings.HasPrefix(s, name+"|") {
			return true
		}
	}
	return false
}

func TestServerCommandCount(t *testing.T) {
	p := oracle.Start(t)
	p.DoKind("COMMAND", "COUNT")
	p.Do("COMMAND", "COUNT", "x")
	top, _ := csOurCommands(t, p)
	v, err := p.Ours().Value("COMMAND", "COUNT")
	if err != nil || v.Int != int64(len(top)) {
		t.Errorf("COMMAND COUNT %d, COMMAND LIST has %d commands (%v)", v.Int, len(top), err)
	}
	r, err := p.Real().Value("COMMAND", "COUNT")
	if err != nil || r.Int < v.Int {
		t.Errorf("redis COMMAND COUNT %d < ours %d", r.Int, v.Int)
	}
}

func TestServerCommandInfo(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		top, subs := csOurCommands(t, p)
		for _, name := range append(append([]string(nil), top...), subs...) {
			if !csIsContainer(name, subs) {
				p.Do("COMMAND", "INFO", name)
				continue
			}
			// A container lists only the subcommands we implement: compare
			// its own fields exactly and require each listed subcommand's
			// entry to be Redis's.
			real, ours := csBoth(t, p, "COMMAND", "INFO", name)
			rv, ov := csValue(t, real).Elems[0], csValue(t, ours).Elems[0]
			if len(rv.Elems) != 10 || len(ov.Elems) != 10 {
				t.Fatalf("COMMAND INFO %s: redis %q, cachee %q", name, real, ours)
			}
			for i := 0; i < 9; i++ {
				if r, o := csRender(rv.Elems[i]), csRender(ov.Elems[i]); r != o {
					t.Errorf("COMMAND INFO %s field %d: redis %s, cachee %s", name, i, r, o)
				}
			}
			if rv.Elems[9].Kind != ov.Elems[9].Kind {
				t.Errorf("COMMAND INFO %s subcommands kind: redis %c, cachee %c", name, rv.Elems[9].Kind, ov.Elems[9].Kind)
			}
			realSubs := map[string]bool{}
			for _, s := range rv.Elems[9].Elems {
				realSubs[csRender(s)] = true
			}
			n := 0
			for _, s := range ov.Elems[9].Elems {
				if !realSubs[csRender(s)] {
					t.Errorf("COMMAND INFO %s: subcommand entry not Redis's: %s", name, csRender(s))
				}
				n++
			}
			want := 0
			for _, s := range subs {
				if strings.HasPrefix(s, name+"|") {
					want++
				}
			}
			if n != want {
				t.Errorf("COMMAND INFO %s lists %d subcommands, we implement %d", name, n, want)
			}
		}
		p.Do("COMMAND", "INFO", "nosuch")
		p.Do("COMMAND", "INFO", "get", "nosuch", "SET", "client|setname", "CLIENT|GETNAME")
		p.Do("COMMAND", "INFO", "client|nosuch")
		p.Do("COMMAND", "INFO", "get|x")
		p.Do("COMMAND", "INFO", "get|")
		p.Do("COMMAND", "INFO", "client|setname|x")
		p.Do("COMMAND", "INFO", "|")
		p.Do("COMMAND", "nosuch")
		p.DoKind("COMMAND", "INFO")
	})
}

func TestServerCommandDocs(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		top, subs := csOurCommands(t, p)
		for _, name := range append(append([]string(nil), top...), subs...) {
			if !csIsContainer(name, subs) {
				p.Do("COMMAND", "DOCS", name)
				continue
			}
			real, ours := csBoth(t, p, "COMMAND", "DOCS", name)
			rv, ov := csValue(t, real), csValue(t, ours)
			if len(rv.Elems) != 2 || len(ov.Elems) != 2 || rv.Elems[0].Str != ov.Elems[0].Str {
				t.Fatalf("COMMAND DOCS %s: redis %q, cachee %q", name, real, ours)
			}
			rd, od := rv.Elems[1], ov.Elems[1]
			if rd.Kind != od.Kind || len(rd.Elems) != len(od.Elems) {
				t.Fatalf("COMMAND DOCS %s shape: redis %q, cachee %q", name, real, ours)
			}
			for i := 0; i+1 < len(rd.Elems); i += 2 {
				if rd.Elems[i].Str != od.Elems[i].Str {
					t.Errorf("COMMAND DOCS %s key %d: redis %q, cachee %q", name, i/2, rd.Elems[i].Str, od.Elems[i].Str)
					continue
				}
				if rd.Elems[i].Str != "subcommands" {
					if r, o := csRender(rd.Elems[i+1]), csRender(od.Elems[i+1]); r != o {
						t.Errorf("COMMAND DOCS %s %s: redis %s, cachee %s", name, rd.Elems[i].Str, r, o)
					}
					continue
				}
				realSubs := map[string]string{}
				rs := rd.Elems[i+1].Elems
				for j := 0; j+1 < len(rs); j += 2 {
					realSubs[rs[j].Str] = csRender(rs[j+1])
				}
				os := od.Elems[i+1].Elems
				for j := 0; j+1 < len(os); j += 2 {
					if r, o := realSubs[os[j].Str], csRender(os[j+1]); r != o {
						t.Errorf("COMMAND DOCS %s subcommand %s:\n redis %s\n cachee %s", name, os[j].Str, r, o)
					}
				}
			}
		}
		p.Do("COMMAND", "DOCS", "nosuch")
		p.Do("COMMAND", "DOCS", "get", "nosuch", "CLIENT|SETNAME")
		p.Do("COMMAND", "DOCS", "client|nosuch", "get|x")
		p.DoKind("COMMAND", "DOCS")
	})
}

// csNames decodes an array of bulk strings into a set.
func csNames(t *testing.T, raw []byte) map[string]bool {
	t.Helper()
	v := csValue(t, raw)
	if v.Kind != protocol.KindArray {
		t.Fatalf("not an array: %q", raw)
	}
	out := map[string]bool{}
	for _, e := range v.Elems {
		out[e.Str] = true
	}
	return out
}

func TestServerCommandList(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		top, subs := csOurCommands(t, p)
		all := map[string]bool{}
		for _, n := range append(append([]string(nil), top...), subs...) {
			all[n] = true
		}
		for _, args := range [][]string{
			{"COMMAND", "LIST"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "KEYSPACE"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "dangerous"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "admin"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "fast"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "@string"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"},
			{"COMMAND", "LIST", "FILTERBY", "PATTERN", "c*"},
			{"COMMAND", "LIST", "FILTERBY", "PATTERN", "*|*"},
			{"COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT*"},
			{"COMMAND", "LIST", "FILTERBY", "PATTERN", "get"},
			{"COMMAND", "LIST", "FILTERBY", "PATTERN", "*set*"},
			{"COMMAND", "LIST", "FILTERBY", "PATTERN", "[a-e]*"},
			{"COMMAND", "LIST", "FILTERBY", "MODULE", "foo"},
		} {
			real, ours := csBoth(t, p, args...)
			rs, os := csNames(t, real), csNames(t, ours)
			for n := range os {
				if !rs[n] {
					t.Errorf("%v: cachee lists %q, redis does not", args, n)
				}
				if !all[n] {
					t.Errorf("%v: cachee lists %q, which it does not implement", args, n)
				}
			}
			for n := range rs {
				if all[n] && !os[n] {
					t.Errorf("%v: redis lists %q, which cachee implements but does not list", args, n)
				}
			}
			if len(args) > 2 && args[3] != "MODULE" && args[4] != "nosuch" && args[4] != "@string" && len(os) == 0 {
				t.Errorf("%v: empty", args)
			}
		}
		for _, args := range [][]string{
			{"COMMAND", "LIST", "FILTERBY"}, {"COMMAND", "LIST", "FILTERBY", "foo", "bar"},
			{"COMMAND", "LIST", "foo"}, {"COMMAND", "LIST", "FILTERBY", "ACLCAT"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "string", "extra"},
			{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "string", "FILTERBY", "PATTERN", "x"},
		} {
			p.Do(args...)
		}
	})
}

func TestServerCommandGetkeys(t *testing.T) {
	p := oracle.Start(t)
	for _, cmd := range [][]string{
		{"GET", "k"}, {"SET", "k", "v"}, {"SET", "k", "v", "EX", "10", "GET"}, {"MSET", "a", "1", "b", "2"},
		{"MSET", "a", "1", "b"}, {"MSETNX", "a", "1", "b", "2"}, {"MGET", "a", "b", "c"}, {"DEL", "a", "b"},
		{"UNLINK", "a"}, {"EXISTS", "a", "a"}, {"TOUCH", "a", "b"}, {"RENAME", "a", "b"}, {"RENAMENX", "a", "b"},
		{"COPY", "a", "b", "DB", "1"}, {"MOVE", "a", "1"}, {"LCS", "a", "b", "LEN"}, {"GETEX", "k", "PERSIST"},
		{"GETDEL", "k"}, {"GETRANGE", "k", "0", "1"}, {"SETRANGE", "k", "0", "x"}, {"APPEND", "k", "x"},
		{"INCR", "k"}, {"INCRBYFLOAT", "k", "1.5"}, {"EXPIRE", "k", "10"}, {"PEXPIREAT", "k", "10"},
		{"TTL", "k"}, {"TYPE", "k"}, {"PERSIST", "k"}, {"OBJECT", "ENCODING", "k"}, {"object", "freq", "k"},
		{"get", "k"}, {"SUBSTR", "k", "0", "1"}, {"SETEX", "k", "10", "v"}, {"STRLEN", "k"},
		// Errors.
		{"NOSUCH", "a"}, {"GET"}, {"GET", "a", "b"}, {"MSET", "a"}, {"SET", "k"}, {"EXPIRE", "k"},
		{"PING"}, {"PING", "x"}, {"KEYS", "*"}, {"DBSIZE"}, {"FLUSHALL"}, {"CLIENT", "LIST"}, {"CLIENT"},
		{"CLIENT", "NOSUCH"}, {"OBJECT"}, {"OBJECT", "HELP"}, {"OBJECT", "ENCODING"}, {"OBJECT", "NOSUCH", "k"},
		{"COMMAND"}, {"COMMAND", "INFO", "get"}, {"CONFIG", "GET", "x"}, {"INFO"}, {"RANDOMKEY"}, {"SWAPDB", "0", "1"},
		{"get\x00", "k"}, {"CLIENT\x00", "LIST"}, {"OBJECT", "ENCODING"}, {"OBJECT", "ENCODING", "a", "b"},
	} {
		p.Do(append([]string{"COMMAND", "GETKEYS"}, cmd...)...)
	}
	p.Do("COMMAND", "GETKEYS")
}

func TestServerCommandHelp(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		csHelpSubset(t, p, "COMMAND")
		csHelpSubset(t, p, "CONFIG")
	})
}

// csInfoSections parses INFO text into section names and each section's
// fields (name, value) in order.
func csInfoSections(t *testing.T, raw []byte) (names []string, fields map[string][][2]string) {
	t.Helper()
	v := csValue(t, raw)
	if v.Kind != protocol.KindBulk && v.Kind != protocol.KindVerbatim {
		t.Fatalf("INFO reply %q", raw)
	}
	fields = map[string][][2]string{}
	cur := ""
	for _, line := range strings.Split(v.Str, "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			cur = line[2:]
			names = append(names, cur)
		default:
			k, val, ok := strings.Cut(line, ":")
			if !ok || cur == "" {
				t.Errorf("bad INFO line %q", line)
			}
			fields[cur] = append(fields[cur], [2]string{k, val})
		}
	}
	return names, fields
}

func TestServerInfo(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		real, ours := csBoth(t, p, "INFO", "everything")
		if rk, ok := csValue(t, real).Kind, csValue(t, ours).Kind; rk != ok {
			t.Errorf("INFO reply kinds: redis %c, cachee %c", rk, ok)
		}
		rn, rf := csInfoSections(t, real)
		on, of := csInfoSections(t, ours)
		for _, want := range []string{"Server", "Clients", "Memory", "Stats", "Keyspace"} {
			found := false
			for _, n := range on {
				found = found || n == want
			}
			if !found {
				t.Errorf("INFO lacks section %s: %v", want, on)
			}
		}
		// Our sections and their fields are Redis's, in Redis's order.
		i := 0
		for _, n := range on {
			for i < len(rn) && rn[i] != n {
				i++
			}
			if i == len(rn) {
				t.Errorf("INFO section %q is not Redis's or out of order (redis: %v)", n, rn)
				break
			}
			j := 0
			for _, f := range of[n] {
				if n == "Keyspace" {
					continue
				}
				for j < len(rf[n]) && rf[n][j][0] != f[0] {
					j++
				}
				if j == len(rf[n]) {
					t.Errorf("INFO %s field %q is not Redis's or out of order", n, f[0])
					break
				}
			}
		}
		for _, name := range []string{"redis_version", "redis_mode", "arch_bits", "tcp_port"} {
			if rv, ov := csInfoField(rf["Server"], name), csInfoField(of["Server"], name); name != "tcp_port" && rv != ov {
				t.Errorf("INFO %s: redis %q, cachee %q", name, rv, ov)
			}
		}
		if v := csInfoField(of["Clients"], "connected_clients"); v != "1" {
			t.Errorf("connected_clients %q", v)
		}
		for _, args := range [][]string{
			{"INFO"}, {"INFO", "default"}, {"INFO", "all"}, {"INFO", "server"}, {"INFO", "CLIENTS"},
			{"INFO", "clients", "keyspace"}, {"INFO", "keyspace", "server"}, {"INFO", "stats", "stats"},
			{"INFO", "memory"}, {"INFO", "everything"},
		} {
			real, ours := csBoth(t, p, args...)
			rn, _ := csInfoSections(t, real)
			on, _ := csInfoSections(t, ours)
			var common []string
			for _, n := range rn {
				for _, m := range []string{"Server", "Clients", "Memory", "Stats", "Keyspace"} {
					if n == m {
						common = append(common, n)
					}
				}
			}
			if fmt.Sprint(common) != fmt.Sprint(on) {
				t.Errorf("%v sections: redis %v, cachee %v", args, rn, on)
			}
		}
		p.Do("INFO", "nosuch")
		p.Do("INFO", "nosuch", "other")
	})
}

func csInfoField(fields [][2]string, name string) string {
	for _, f := range fields {
		if f[0] == name {
			return f[1]
		}
	}
	return "<missing>"
}

func TestServerInfoKeyspace(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("INFO", "keyspace")
		p.Do("SET", "a", "1")
		p.Do("SET", "b", "2", "EX", "1000")
		p.Do("SET", "c", "3", "PX", "500000")
		p.Do("SELECT", "3")
		p.Do("SET", "d", "1")
		p.Do("SELECT", "15")
		p.Do("SET", "e", "1", "EX", "100")
		p.Do("SELECT", "0")
		for _, args := range [][]string{{"INFO", "keyspace"}, {"INFO", "KEYSPACE"}} {
			real, ours := csBoth(t, p, args...)
			mask := func(b []byte) string {
				v := csValue(t, b)
				lines := strings.Split(v.Str, "\r\n")
				for i, l := range lines {
					if j := strings.Index(l, ",avg_ttl="); j >= 0 {
						lines[i] = l[:j] + ",avg_ttl=*"
					}
				}
				return fmt.Sprintf("%c %s %q", v.Kind, v.Format, strings.Join(lines, "\r\n"))
			}
			if r, o := mask(real), mask(ours); r != o {
				t.Errorf("%v:\n redis  %s\n cachee %s", args, r, o)
			}
		}
		p.Do("FLUSHALL")
		p.Do("INFO", "keyspace")
	})
}

func TestServerConfigGet(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		for _, name := range []string{"maxclients", "timeout", "proto-max-bulk-len", "hz", "requirepass", "databases",
			"HZ", "Timeout", "MAXCLIENTS", "nosuch", "h?", "time*", "proto*", "databas*", "maxc*", "[hm]axclients",
			"requirepass*", "hz*", "H?", "save", "appendonly", "SAVE", "appendonl?"} {
			p.Do("CONFIG", "GET", name)
		}
		for _, args := range [][]string{
			{"maxclients", "timeout"}, {"hz", "hz"}, {"hz", "HZ"}, {"HZ", "hz"}, {"HZ", "h?"}, {"h?", "HZ"},
			{"maxclients", "MAXCLIENTS", "timeout"}, {"databases", "nosuch", "proto-max-bulk-len", "hz", "requirepass"},
			{"time*", "timeout", "h?"}, {"save", "appendonly"},
		} {
			p.DoSorted(append([]string{"CONFIG", "GET"}, args...)...)
		}
		p.Do("CONFIG", "GET")
		p.Do("CONFIG")
		p.Do("CONFIG", "NOSUCH")
	})
}

func TestServerConfigSet(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		get := func() {
			t.Helper()
			p.DoSorted("CONFIG", "GET", "maxclients", "timeout", "proto-max-bulk-len", "hz", "requirepass", "databases")
		}
		for _, args := range [][]string{
			{"nosuch", "1"}, {"databases", "4"}, {"DATABASES", "4"},
			{"maxclients", "abc"}, {"maxclients", "0"}, {"maxclients", "-5"}, {"maxclients", "-1"},
			{"maxclients", "4294967296"}, {"maxclients", "99999999999"}, {"maxclients", "10kb"}, {"maxclients", "+5"},
			{"maxclients", "1.5"}, {"maxclients", ""},
			{"timeout", "-1"}, {"timeout", "abc"}, {"timeout", "1.5"}, {"timeout", "99999999999999"},
			{"timeout", "5k"}, {"timeout", "+5"}, {"timeout", "05"}, {"timeout", "-0"}, {"timeout", ""},
			{"timeout", "2147483648"},
			{"proto-max-bulk-len", "1"}, {"proto-max-bulk-len", "abc"}, {"proto-max-bulk-len", "-1"},
			{"proto-max-bulk-len", ""}, {"proto-max-bulk-len", "kb"}, {"proto-max-bulk-len", "1.5mb"},
			{"proto-max-bulk-len", "+2097152"}, {"proto-max-bulk-len", " 2097152"}, {"proto-max-bulk-len", "0x100000"},
			{"proto-max-bulk-len", "99999999999999999999"}, {"proto-max-bulk-len", "9223372036854775808"},
			{"proto-max-bulk-len", "18446744073709551615"}, {"proto-max-bulk-len", "10000000000gb"},
			{"proto-max-bulk-len", "1048575b"}, {"proto-max-bulk-len", "1mx"},
			{"hz", "-1"}, {"hz", "2147483648"}, {"hz", "abc"},
			// Every name is checked before any value.
			{"timeout", "0", "timeout", "1"}, {"timeout", "0", "TIMEOUT", "1"}, {"hz", "5", "hz", "6"},
			{"requirepass", "x", "requirepass", "y"}, {"timeout", "0", "nosuch", "1"}, {"nosuch", "1", "databases", "4"},
			{"databases", "4", "nosuch", "1"}, {"hz", "abc", "nosuch", "1"}, {"hz", "abc", "databases", "4"},
			{"nosuch", "1", "other", "2"}, {"timeout", "abc", "hz", "abc"}, {"timeout", "7", "maxclients", "abc"},
			{"timeout", "0", "timeout", "1", "nosuch", "2"},
			// Redis prints names with %s, which stops at a NUL byte. (A name
			// with a known one before the NUL, "hz\x00", is not compared:
			// Redis hashes the whole name but compares it with strcasecmp,
			// so whether it finds "hz" depends on its random hash seed.)
			{"h\x00z", "1"},
			{"hz"}, {"hz", "10", "timeout"},
		} {
			p.Do(append([]string{"CONFIG", "SET"}, args...)...)
		}
		get()
		for _, args := range [][]string{
			{"timeout", "5", "hz", "20"}, {"hz", "0"}, {"hz", "1000"}, {"hz", "500"}, {"HZ", "1"}, {"Hz", "10"},
			{"maxclients", "4294967295"}, {"maxclients", "1"}, {"maxclients", "+1"}, {"maxclients", "10000"},
			{"proto-max-bulk-len", "1mb"}, {"proto-max-bulk-len", "2GB"}, {"proto-max-bulk-len", "1048576b"},
			{"proto-max-bulk-len", "1048577"}, {"proto-max-bulk-len", "1000K"}, {"proto-max-bulk-len", "2m"},
			{"proto-max-bulk-len", "9223372036854775807"}, {"proto-max-bulk-len", "512mb"},
			{"timeout", "0", "maxclients", "100", "hz", "15"},
		} {
			p.Do(append([]string{"CONFIG", "SET"}, args...)...)
			get()
		}
		p.Do("CONFIG", "SET", "requirepass", "secret")
		get()
		// Setting a password does not log out connected clients.
		p.Do("PING")
		p.Do("CONFIG", "SET", "requirepass", "")
		get()
	})
}

// cachee persists nothing: save and appendonly read as those of a Redis
// started with --save "" --appendonly no (TestServerConfigGet compares
// them). Setting them to that answers OK and an invalid value Redis's error,
// as Redis does; a value that asks for persistence is refused with why.
func TestServerConfigNoPersistence(t *testing.T) {
	p := oracle.Start(t)
	for _, v := range []string{"", " ", "3600", "3600 1 ", "0 1", "1 -1", "abc 1", " 5 1", "5  1", "1 2 3", "1 x"} {
		p.Do("CONFIG", "SET", "save", v)
	}
	for _, v := range []string{"no", "NO", "maybe", "", "no "} {
		p.Do("CONFIG", "SET", "appendonly", v)
	}
	p.Do("CONFIG", "SET", "SAVE", "-9999999999999999999999 1")
	p.Do("CONFIG", "SET", "save", "", "appendonly", "no")
	refused := func(name, why string) string {
		return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why
	}
	for _, c := range []struct{ name, val, want string }{
		{"save", "3600 1", refused("save", `cachee keeps no RDB snapshots: save can only be ""`)},
		{"save", "+5 1 60 10000", refused("save", `cachee keeps no RDB snapshots: save can only be ""`)},
		{"save", "9999999999999999999999 1", refused("save", `cachee keeps no RDB snapshots: save can only be ""`)},
		{"save", "5  1 ", refused("save", `cachee keeps no RDB snapshots: save can only be ""`)}, // empty changes read as 0
		{"appendonly", "Yes", refused("appendonly", "cachee keeps no append-only file: appendonly can only be no")},
	} {
		v, err := p.Ours().Value("CONFIG", "SET", c.name, c.val)
		if err != nil || v.Kind != protocol.KindError || v.Str != c.want {
			t.Errorf("CONFIG SET %s %q: %+v %v, want %q", c.name, c.val, v, err, c.want)
		}
	}
	p.Do("CONFIG", "GET", "save")
	p.Do("CONFIG", "GET", "appendonly")
}

func TestServerConfigPasswordAndTimeout(t *testing.T) {
	p := oracle.Start(t)
	p.Do("CONFIG", "SET", "requirepass", "pw")
	real, ours := oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
	csDo(t, real, ours, "PING")
	csDo(t, real, ours, "AUTH", "wrong")
	csDo(t, real, ours, "AUTH", "pw")
	csDo(t, real, ours, "PING")
	p.Do("CONFIG", "SET", "requirepass", "")
	real, ours = oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
	csDo(t, real, ours, "PING")
	csDo(t, real, ours, "AUTH", "x")
}

func TestServerConfigResetstatHelp(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("SET", "k", "v")
		p.Do("GET", "k")
		p.Do("GET", "missing")
		p.Do("CONFIG", "RESETSTAT")
		p.Do("CONFIG", "RESETSTAT", "x")
		real, ours := csBoth(t, p, "INFO", "stats")
		_, rf := csInfoSections(t, real)
		_, of := csInfoSections(t, ours)
		for _, f := range []string{"keyspace_hits", "keyspace_misses", "expired_keys", "rejected_connections", "evicted_keys",
			"total_commands_processed", "total_connections_received"} {
			if r, o := csInfoField(rf["Stats"], f), csInfoField(of["Stats"], f); r != o {
				t.Errorf("after RESETSTAT %s: redis %q, cachee %q", f, r, o)
			}
		}
		p.Do("GET", "k")
		real, ours = csBoth(t, p, "INFO", "stats")
		_, rf = csInfoSections(t, real)
		_, of = csInfoSections(t, ours)
		if r, o := csInfoField(rf["Stats"], "keyspace_hits"), csInfoField(of["Stats"], "keyspace_hits"); r != o || o != "1" {
			t.Errorf("keyspace_hits: redis %q, cachee %q", r, o)
		}
		p.Do("CONFIG", "HELP", "x")
	})
}

func TestServerTimeLastsave(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.DoKind("TIME")
		p.Do("TIME", "x")
		p.DoKind("LASTSAVE")
		p.Do("LASTSAVE", "x")
		v, err := p.Ours().Value("TIME")
		if err != nil || len(v.Elems) != 2 {
			t.Fatalf("TIME: %v %v", v, err)
		}
		sec, err1 := strconv.ParseInt(v.Elems[0].Str, 10, 64)
		usec, err2 := strconv.ParseInt(v.Elems[1].Str, 10, 64)
		if err1 != nil || err2 != nil || usec < 0 || usec >= 1e6 {
			t.Errorf("TIME %q %q", v.Elems[0].Str, v.Elems[1].Str)
		}
		if d := time.Now().Unix() - sec; d < -1 || d > 1 {
			t.Errorf("TIME seconds %d, now %d", sec, time.Now().Unix())
		}
		ls, err := p.Ours().Value("LASTSAVE")
		if err != nil || ls.Int > time.Now().Unix() || ls.Int < time.Now().Unix()-60 {
			t.Errorf("LASTSAVE %d %v", ls.Int, err)
		}
	})
}

func TestServerShutdownErrors(t *testing.T) {
	p := oracle.Start(t)
	for _, args := range [][]string{
		{"SHUTDOWN", "ABORT"}, {"shutdown", "abort", "abort"}, {"SHUTDOWN", "ABORT", "x"}, {"SHUTDOWN", "FOO"},
		{"SHUTDOWN", "NOSAVE", "ABORT"}, {"SHUTDOWN", "SAVE", "ABORT"}, {"SHUTDOWN", "NOW", "ABORT"},
		{"SHUTDOWN", "FORCE", "ABORT"}, {"SHUTDOWN", "SAVE", "NOSAVE"}, {"SHUTDOWN", "NOSAVE", "SAVE", "NOW"},
		{"SHUTDOWN", "NOSAVE", "FOO"}, {"SHUTDOWN", "ABORT", "FOO"},
	} {
		p.Do(args...)
	}
	p.Do("PING")
}

func TestServerUnknownCommandAndArity(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		long := strings.Repeat("a", 200)
		for _, args := range [][]string{
			{"nosuch"}, {"NOSUCH", "a", "b"}, {long}, {long, long}, {"x", strings.Repeat("b", 127), "c"},
			{"x", strings.Repeat("b", 125), "c", "d"}, {"x", strings.Repeat("b", 126), "c", "d"},
			{"x", "a\r\nb", "c\nd"}, {"bad\r\nname", "x"}, {"x", "", "", ""}, {"x", "'quoted'"},
			{"x", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18",
				"19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35"},
			{"GET"}, {"GET", "a", "b"}, {"SET", "a"}, {"PING", "a", "b"}, {"ECHO"}, {"SELECT"}, {"AUTH"},
			{"HELLO", "3", "AUTH", "a"}, {"CLIENT", "SETNAME"}, {"CONFIG", "GET"}, {"CONFIG", "SET", "a"},
			{"COMMAND", "GETKEYS"}, {"COMMAND", "COUNT", "x"}, {"TIME", "x"}, {"INFO", "a", "b", "c"},
			{"CONFIG", "HELP", "x"}, {"OBJECT"}, {"MSET", "a"}, {"DBSIZE", "x"}, {"CONFIG", "RESETSTAT", "x"},
		} {
			p.Do(args...)
		}
	})
}
