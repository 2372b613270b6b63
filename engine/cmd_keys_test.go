package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
)

// Differential tests for the key-space commands (helpers in cmd_string_test.go).

func TestKeysDiff(t *testing.T) {
	runDiff(t, []diffCase{
		{"del unlink", []string{
			"del a",
			"mset a 1 b 2 c 3",
			"del a b x",
			"exists a b c",
			"del c c c",
			"unlink c",
			"set u 1",
			"unlink u u x",
			"exists u",
			"del",
			"unlink",
		}},
		{"exists", []string{
			"exists a",
			"set a 1",
			"exists a",
			"exists a a a",
			"exists a b a",
			"exists",
		}},
		{"type", []string{
			"type a",
			"set a 1",
			"type a",
			"set s hello",
			"type s",
			"type",
			"type a b",
		}},
		{"rename", []string{
			"rename a b",
			"set a 1",
			"rename a a",
			"get a",
			"rename a b",
			"exists a",
			"get b",
			"set c 3",
			"rename b c",
			"get c",
			"set t v ex 100",
			"rename t t2",
			"@approx=1 ttl t2",
			"set x v",
			"rename t2 x",
			"@approx=1 ttl x",
			"set y v",
			"set z v ex 100",
			"rename y z",
			"ttl z",
			"rename missing missing",
			"rename a",
			"rename a b c",
		}},
		{"renamenx", []string{
			"renamenx a b",
			"set a 1",
			"renamenx a a",
			"renamenx a b",
			"exists a",
			"get b",
			"set c 3",
			"renamenx b c",
			"get b",
			"get c",
			"set t v ex 100",
			"renamenx t t2",
			"@approx=1 ttl t2",
			"renamenx missing missing",
			"renamenx a",
		}},
		{"copy", []string{
			"copy a b",
			"set a hello",
			"copy a b",
			"get b",
			"copy a b",
			"set a world",
			"copy a b replace",
			"get b",
			"copy a a",
			"copy a a db 0",
			"copy a a db 1",
			"select 1",
			"get a",
			"select 0",
			"copy a a db 1",
			"copy a a db 1 replace",
			"copy a b db 16",
			"copy a b db -1",
			"copy a b db abc",
			"copy a b db 2147483648",
			"copy a b db 99999999999999999999",
			"copy a b db",
			"copy a b foo",
			"copy a b replace foo",
			"copy a b REPLACE DB 2",
			"select 2",
			"get b",
			"select 0",
			"set t v ex 100",
			"copy t t2",
			"@approx=1 ttl t2",
			"set n 123",
			"copy n n2",
			"object encoding n2",
			"set s " + "abcdefghijabcdefghijabcdefghijabcdefghij12345",
			"copy s s2",
			"object encoding s2",
			"append s3 x",
			"copy s3 s4",
			"object encoding s4",
			"incrbyfloat f 1",
			"copy f f2",
			"object encoding f2",
			"copy missing b replace",
			"copy a b db 1 db 0",
			"copy a",
			"copy",
		}},
		{"move", []string{
			"move a 1",
			"set a 1",
			"move a 0",
			"move a 1",
			"exists a",
			"select 1",
			"get a",
			"select 0",
			"set a 2",
			"move a 1",
			"get a",
			"move a 16",
			"move a -1",
			"move a abc",
			"move a 2147483648",
			"move a 1.0",
			"move missing 0",
			"move missing 16",
			"set t v ex 100",
			"move t 3",
			"select 3",
			"@approx=1 ttl t",
			"select 0",
			"move a",
			"move a 1 2",
		}},
		{"expire basic", []string{
			"expire a 100",
			"set a 1",
			"expire a 100",
			"@approx=1 ttl a",
			"@approx=1000 pttl a",
			"pexpire a 200000",
			"@approx=1000 pttl a",
			"expireat a " + futureSec,
			"expiretime a",
			"pexpiretime a",
			"pexpireat a 4102444800999",
			"pexpiretime a",
			"expiretime a",
			"pexpireat a 4102444800499",
			"expiretime a",
			"pexpireat a 4102444800500",
			"expiretime a",
			"expire a abc",
			"expire a 1.5",
			"expire a \" 1\"",
			"pexpire a abc",
			"expireat a abc",
			"pexpireat a abc",
			"expire a 9223372036854775807",
			"expire a 9223372036854775",
			"expire a 9223372036854776",
			"expire a -9223372036854775808",
			"expire a -9223372036854775",
			"expire a -9223372036854776",
			"pexpire a 9223372036854775807",
			"expireat a 9223372036854775807",
			"expireat a 9223372036854775",
			"expiretime a",
			"pexpireat a 9223372036854775807",
			"pexpiretime a",
			"expiretime a",
			"@approx=1 ttl a",
			"expire a 99999999999999999999",
			"expire a",
			"expire",
			"pexpire a",
			"expireat a",
			"pexpireat a",
			"exists a",
		}},
		{"expire past deletes", []string{
			"set a 1",
			"expire a 0",
			"exists a",
			"set a 1",
			"expire a -1",
			"exists a",
			"set a 1",
			"pexpire a -100",
			"exists a",
			"set a 1",
			"expireat a 1",
			"exists a",
			"set a 1",
			"pexpireat a 1",
			"exists a",
			"set a 1",
			"expireat a 0",
			"exists a",
			"set a 1",
			"expireat a -5",
			"exists a",
			"set a 1",
			"expire a -9223372036854775",
			"exists a",
			"set a 1",
			"pexpire a -9223372036854775808",
			"exists a",
			"expire missing -1",
			"set a 1",
			"expire a -1 xx",
			"exists a",
			"expire a -1 gt",
			"exists a",
			"expire a -1 lt",
			"exists a",
		}},
		{"expire options", []string{
			"set a 1",
			"expire a 100 xx",
			"ttl a",
			"expire a 100 gt",
			"ttl a",
			"expire a 100 lt",
			"@approx=1 ttl a",
			"expire a 200 nx",
			"@approx=1 ttl a",
			"expire a 200 xx",
			"@approx=1 ttl a",
			"expire a 100 gt",
			"expire a 300 gt",
			"@approx=1 ttl a",
			"expire a 400 lt",
			"expire a 150 lt",
			"@approx=1 ttl a",
			"expire a 149 XX GT",
			"expire a 160 xx gt",
			"@approx=1 ttl a",
			"expire a 100 xx lt",
			"@approx=1 ttl a",
			"persist a",
			"expire a 100 nx",
			"@approx=1 ttl a",
			"persist a",
			"pexpire a 100000 nx",
			"pexpire a 100000 nx",
			"pexpireat a 4102444800000 gt",
			"pexpiretime a",
			"expireat a 4102444700 lt",
			"expiretime a",
			"expireat a 4102444900 lt",
			"expiretime a",
			"expire a 100 nx xx",
			"expire a 100 nx gt",
			"expire a 100 nx lt",
			"expire a 100 xx nx",
			"expire a 100 gt lt",
			"expire a 100 lt gt",
			"expire a 100 nx gt lt",
			"expire a 100 gt lt nx",
			"expire a 100 xx xx",
			"expire a 1000 gt gt",
			"expire a 100 foo",
			"expire a 100 nx foo",
			"expire a abc foo",
			"expire a abc nx xx",
			"expire a 100 \"a b\"",
			"expire a 100 \"x\ry\"",
			"pexpire a 100 bar",
			"expireat a 100 BAR",
			"pexpireat a 100 baz",
			"expire missing 100 nx",
			"expire missing 100 foo",
			"expire missing 100 xx",
			"expire missing 9223372036854775807 xx",
		}},
		{"ttl pttl expiretime", []string{
			"ttl a",
			"pttl a",
			"expiretime a",
			"pexpiretime a",
			"set a 1",
			"ttl a",
			"pttl a",
			"expiretime a",
			"pexpiretime a",
			"setex a 10 v",
			"@approx=1 ttl a",
			"psetex a 1500 v",
			"@approx=1 ttl a",
			"@approx=50 pttl a",
			"psetex a 499 v",
			"@approx=1 ttl a",
			"psetex a 501 v",
			"@approx=1 ttl a",
			"ttl",
			"pttl",
			"expiretime",
			"pexpiretime",
			"ttl a b",
			"pexpiretime a b",
		}},
		{"persist", []string{
			"persist a",
			"set a 1",
			"persist a",
			"expire a 100",
			"persist a",
			"ttl a",
			"persist a",
			"persist",
			"persist a b",
		}},
		{"touch", []string{
			"touch a",
			"mset a 1 b 2",
			"touch a b c",
			"touch a a",
			"touch",
		}},
		{"randomkey", []string{
			"randomkey",
			"set only 1",
			"randomkey",
			"randomkey",
			"del only",
			"randomkey",
			"select 5",
			"set five 5",
			"randomkey",
			"select 0",
			"randomkey",
			"randomkey x",
		}},
		{"keys", []string{
			"keys *",
			"mset hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 Hello 6 h*llo 7 h?llo 8 \"h llo\" 9",
			"@sorted keys *",
			"@sorted keys h?llo",
			"@sorted keys h*llo",
			"@sorted keys h[ae]llo",
			"@sorted keys h[^e]llo",
			"@sorted keys h[!e]llo",
			"@sorted keys h[a-b]llo",
			"@sorted keys h[b-a]llo",
			"@sorted keys h[a-]llo",
			"@sorted keys h[-a]llo",
			"@sorted keys h\\*llo",
			"@sorted keys h\\?llo",
			"@sorted keys \\h*",
			"@sorted keys H*",
			"@sorted keys h*",
			"@sorted keys *llo",
			"@sorted keys *l*",
			"@sorted keys ***",
			"@sorted keys *ll",
			"@sorted keys h[",
			"@sorted keys h[a",
			"@sorted keys h[ae",
			"@sorted keys h[^",
			"@sorted keys h[]llo",
			"@sorted keys h[\\]]llo",
			"@sorted keys h[\\a]llo",
			"@sorted keys hello\\",
			"@sorted keys hel[l-l]o\\",
			"@sorted keys h?",
			"@sorted keys ?????",
			"@sorted keys \"h ll?\"",
			"@sorted keys nomatch",
			"@sorted keys \"\"",
			"keys",
			"keys a b",
		}},
		{"keys special", []string{
			`set "" empty`,
			`mset a 1 ab 2 abc 3 "[" 4 "\\" 5 "*" 6 "?" 7 "a]" 8`,
			"@sorted keys *",
			"@sorted keys **",
			`@sorted keys ""`,
			"@sorted keys ?",
			"@sorted keys a*",
			"@sorted keys *c",
			"@sorted keys a*b*c",
			`@sorted keys "\\["`,
			`@sorted keys "["`,
			`@sorted keys "[[]"`,
			`@sorted keys "\\\\"`,
			`@sorted keys "\\"`,
			`@sorted keys "\\*"`,
			`@sorted keys "\\?"`,
			`@sorted keys "a]"`,
			`@sorted keys "a[]]"`,
			`@sorted keys "[a-z]*"`,
			`@sorted keys "[^a-z]"`,
			`@sorted keys "*[^b-z]"`,
			"@sorted keys a**c",
			"@sorted keys *?*?",
		}},
		{"other databases", []string{
			"select 1",
			"mset a 1 b 2",
			"@sorted keys *",
			"dbsize",
			"copy a b",
			"copy a b db 0",
			"select 0",
			"get b",
			"set c 0",
			"copy c a db 1",
			"copy c a db 1 replace",
			"select 1",
			"get a",
			"move a 0",
			"select 0",
			"move c 1",
			"set z 1",
			"move z 1",
			"select 1",
			"@sorted keys *",
			"swapdb 1 0",
			"@sorted keys *",
			"select 0",
			"@sorted keys *",
			"flushdb",
			"select 1",
			"dbsize",
		}},
		{"dbsize", []string{
			"dbsize",
			"mset a 1 b 2",
			"dbsize",
			"select 1",
			"dbsize",
			"select 0",
			"del a",
			"dbsize",
			"dbsize x",
		}},
		{"flushdb flushall", []string{
			"mset a 1 b 2",
			"select 1",
			"set c 3",
			"flushdb",
			"dbsize",
			"select 0",
			"dbsize",
			"flushdb sync",
			"dbsize",
			"set a 1",
			"flushdb ASYNC",
			"dbsize",
			"flushdb foo",
			"flushdb sync async",
			"set a 1",
			"select 1",
			"set c 3",
			"flushall",
			"dbsize",
			"select 0",
			"dbsize",
			"flushall sync",
			"flushall async",
			"flushall foo",
			"flushall sync sync",
		}},
		{"swapdb", []string{
			"set a 0",
			"select 1",
			"set b 1",
			"swapdb 0 1",
			"get a",
			"get b",
			"select 0",
			"get b",
			"swapdb 0 0",
			"get b",
			"swapdb 0 16",
			"swapdb 16 0",
			"swapdb -1 0",
			"swapdb 0 -1",
			"swapdb a 0",
			"swapdb 0 b",
			"swapdb a b",
			"swapdb 2147483648 0",
			"swapdb 0 2147483648",
			"swapdb 1.5 0",
			"swapdb 0",
			"swapdb 0 1 2",
		}},
		{"select", []string{
			"select 0",
			"select 15",
			"select 16",
			"select -1",
			"select abc",
			"select 1.5",
			"select 2147483648",
			"select",
			"select 1 2",
		}},
		{"object", []string{
			"object encoding a",
			"object refcount a",
			"object idletime a",
			"object freq a",
			"set a hello",
			"object encoding a",
			"object refcount a",
			"object idletime a",
			"object freq a",
			"object encoding",
			"object encoding a b",
			"object refcount",
			"object idletime",
			"object freq",
			"object freq a b",
			"object help",
			"OBJECT HELP",
			"object help x",
			"object foo",
			"object foo a",
			"object",
			"object \"a\r\nb\"",
		}},
		{"arity", []string{
			"del",
			"unlink",
			"exists",
			"type",
			"rename",
			"renamenx a",
			"copy a",
			"move a",
			"expire a",
			"pexpire",
			"expireat a",
			"pexpireat",
			"ttl",
			"pttl",
			"expiretime",
			"pexpiretime",
			"persist",
			"touch",
			"keys",
			"dbsize x",
			"randomkey x",
			"swapdb 1",
			"object",
		}},
	})
}

// keyspaceStats reads keyspace_hits and keyspace_misses from INFO stats.
func keyspaceStats(t testing.TB, c *oracle.Client) (hits, misses string) {
	t.Helper()
	v, err := c.Value("INFO", "stats")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(v.Str, "\r\n") {
		if h, ok := strings.CutPrefix(l, "keyspace_hits:"); ok {
			hits = h
		}
		if m, ok := strings.CutPrefix(l, "keyspace_misses:"); ok {
			misses = m
		}
	}
	if hits == "" || misses == "" {
		t.Fatalf("INFO stats lacks keyspace_hits/keyspace_misses: %q", v.Str)
	}
	return hits, misses
}

// TestKeyspaceStatsDiff checks which lookups count as keyspace hits and
// misses: Redis counts read lookups (including EXISTS, TYPE, TTL and OBJECT)
// but not write lookups.
func TestKeyspaceStatsDiff(t *testing.T) {
	p := oracle.Start(t)
	setup := []string{"mset s hello n 10 f 1.5", "expire n 1000"}
	cmds := []string{
		"get s", "get missing", "mget s missing n", "strlen s", "strlen missing",
		"getrange s 0 1", "getrange missing 0 1", "getex s", "getex missing",
		"getex s ex 100", "getdel s", "getdel missing", "getset s x", "getset missing x",
		"set s x get", "set missing x get", "set s x", "set s x nx", "set s x xx",
		"setnx s x", "setnx missing x", "msetnx s x", "mset s x", "append s x", "append missing x",
		"setrange s 0 x", "incr n", "incr missing", "incrby n 2", "decr n", "decrby n 2",
		"incrbyfloat f 1", "incrbyfloat missing 1", "lcs s n", "lcs s missing idx",
		"exists s missing n", "type s", "type missing", "ttl n", "pttl missing", "expiretime n",
		"pexpiretime s", "touch s missing", "del s missing", "unlink n", "rename s s2",
		"renamenx s n", "copy s s2", "copy missing s2", "copy s n replace", "move s 1", "move missing 1",
		"expire s 100", "expire missing 100", "pexpire s 100 nx", "persist n", "persist missing",
		"object encoding s", "object encoding missing", "object refcount s", "object idletime s",
		"object freq s", "keys *", "randomkey", "dbsize",
	}
	for _, cmd := range cmds {
		p.Both("FLUSHALL")
		for _, l := range setup {
			p.Both(splitLine(t, l)...)
		}
		p.Both("CONFIG", "RESETSTAT")
		p.Both(splitLine(t, cmd)...)
		rh, rm := keyspaceStats(t, p.Real())
		oh, om := keyspaceStats(t, p.Ours())
		if rh != oh || rm != om {
			t.Errorf("%s: keyspace hits/misses: redis %s/%s, cachee %s/%s", cmd, rh, rm, oh, om)
		}
	}
}

// TestIdletimeDiff checks which commands record an access (OBJECT IDLETIME
// back to 0) and which do not (EXISTS, TYPE, TTL, OBJECT): keys are created,
// left idle for 3 s, then one command runs on each and their idle times are
// compared (within 1 s, for the clocks' granularity).
func TestIdletimeDiff(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps 3 s")
	}
	t.Parallel()
	p := oracle.Start(t)
	touches := []string{
		"set k1 x nx", "setnx k2 x", "msetnx k3 x", "append k4 x", "setrange k5 0 x",
		"incr n1", "incrbyfloat n2 1", "expire k6 100", "persist k7", "rename k8 k8b",
		"move k9 1", "copy k10 k10b", "copy k11 k12", "get k13", "exists k14", "type k15",
		"ttl k16", "object encoding k17", "getrange k18 0 1", "lcs k19 k20", "set k21 x",
		"mset k22 x", "getset k23 x", "set k24 x xx", "strlen k25", "touch k26", "getex k27",
		"setex k28 100 x", "set k29 x keepttl", "move k30 1", "rename k31 k32",
		"expire k33 100 nx", "renamenx k34 k35", "copy k36 k37 replace", "pexpiretime k38",
		"mget k39", "set k40 y get", "getex k41 persist", "decrby n3 5", "randomkey",
		"keys nomatch*", "del nothing", "getdel nothing", "expire k42 100 gt",
		"pexpire k43 100000 lt",
	}
	var keys []string
	for i := 1; i <= 43; i++ {
		keys = append(keys, fmt.Sprintf("k%d", i), "v")
	}
	p.Both(append([]string{"mset"}, keys...)...)
	p.Both("mset", "n1", "100000", "n2", "1.5", "n3", "12345")
	for _, k := range []string{"k7", "k33", "k38", "k41", "k42", "k43"} {
		p.Both("expire", k, "1000")
	}
	p.Both("select", "1")
	p.Both("set", "k30", "db1")
	p.Both("select", "0")
	time.Sleep(3 * time.Second)
	for _, cmd := range touches {
		p.Both(splitLine(t, cmd)...)
	}
	for i := 1; i <= 43; i++ {
		p.DoApprox(1, "object", "idletime", fmt.Sprintf("k%d", i))
	}
	for _, k := range []string{"n1", "n2", "n3", "k8b", "k10b"} {
		p.DoApprox(1, "object", "idletime", k)
	}
	p.Both("select", "1")
	p.DoApprox(1, "object", "idletime", "k9")
	p.DoApprox(1, "object", "idletime", "k30")
}

// TestKeysGlobFuzzDiff compares KEYS on random patterns over random keys built
// from the glob metacharacters, to check globMatch against Redis's
// stringmatchlen beyond hand-picked cases.
func TestKeysGlobFuzzDiff(t *testing.T) {
	p := oracle.Start(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const keyAlpha = "abAB[]^-\\*?"
	const patAlpha = "abAB[]^-\\*?*?[]\\"
	randStr := func(alpha string, max int) string {
		b := make([]byte, rng.IntN(max+1))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	keys := map[string]bool{"": true}
	for len(keys) < 80 {
		keys[randStr(keyAlpha, 4)] = true
	}
	args := []string{"MSET"}
	for k := range keys {
		args = append(args, k, "v")
	}
	p.Do(args...)
	for i := 0; i < 600; i++ {
		p.DoSorted("KEYS", randStr(patAlpha, 7))
	}
}
