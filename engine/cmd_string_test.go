package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
)

// Differential tests for the string commands: every script runs against real
// Redis and cachee, once in RESP2 and once after HELLO 3, and the raw replies
// must match byte for byte (see internal/oracle).

// diffCase is a named script of command lines. A line is split on spaces;
// double quotes group an argument ("a b", "" for the empty string) and accept
// \r, \n, \" and \\ escapes. A leading directive changes how replies are
// compared:
//
//	@both      run on both sides, compare nothing (set-up)
//	@sorted    compare with aggregates sorted (KEYS)
//	@approx=N  integers may differ by N (TTLs)
//	@kind      compare reply types only (and error texts)
type diffCase struct {
	name  string
	lines []string
}

// caseTB prefixes failures with the running case's name, so a mismatch
// reported by the shared oracle pair says which script it came from.
type caseTB struct {
	testing.TB
	name string
}

func (c *caseTB) Errorf(format string, args ...any) {
	c.TB.Helper()
	c.TB.Errorf("[%s] "+format, append([]any{c.name}, args...)...)
}

func (c *caseTB) Fatalf(format string, args ...any) {
	c.TB.Helper()
	c.TB.Fatalf("[%s] "+format, append([]any{c.name}, args...)...)
}

// runDiff runs every case on a fresh keyspace, in RESP2 and then in RESP3.
func runDiff(t *testing.T, cases []diffCase) {
	t.Helper()
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			tb := &caseTB{TB: t}
			p := oracle.Start(tb)
			p.Both("HELLO", proto)
			for _, c := range cases {
				tb.name = c.name
				p.Both("SELECT", "0")
				p.Both("FLUSHALL")
				for _, l := range c.lines {
					runLine(tb, p, l)
				}
			}
		})
	}
}

func runLine(t testing.TB, p *oracle.Pair, line string) {
	t.Helper()
	args := splitLine(t, line)
	if len(args) == 0 {
		return
	}
	d := args[0]
	switch {
	case d == "@both":
		p.Both(args[1:]...)
	case d == "@sorted":
		p.DoSorted(args[1:]...)
	case d == "@kind":
		p.DoKind(args[1:]...)
	case strings.HasPrefix(d, "@approx="):
		tol, err := strconv.ParseInt(strings.TrimPrefix(d, "@approx="), 10, 64)
		if err != nil {
			t.Fatalf("bad directive %q", d)
		}
		p.DoApprox(tol, args[1:]...)
	case strings.HasPrefix(d, "@"):
		t.Fatalf("unknown directive %q", d)
	default:
		p.Do(args...)
	}
}

// splitLine splits a script line into arguments (see diffCase).
func splitLine(t testing.TB, line string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quoted && ch == '\\' && i+1 < len(line):
			i++
			switch line[i] {
			case 'r':
				cur.WriteByte('\r')
			case 'n':
				cur.WriteByte('\n')
			default:
				cur.WriteByte(line[i])
			}
		case quoted && ch == '"':
			quoted = false
		case quoted:
			cur.WriteByte(ch)
		case ch == '"':
			quoted, inArg = true, true
		case ch == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(ch)
			inArg = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in %q", line)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

func TestSplitLine(t *testing.T) {
	got := fmt.Sprintf("%q", splitLine(t, `set "a b" "" x\y "q\"\r\n" end`))
	want := fmt.Sprintf("%q", []string{"set", "a b", "", `x\y`, "q\"\r\n", "end"})
	if got != want {
		t.Fatalf("splitLine: got %s, want %s", got, want)
	}
}

// Far-future absolute times (2100-01-01) for EXAT/PXAT/EXPIREAT, so that
// EXPIRETIME replies are identical on both sides.
const (
	futureSec = "4102444800"
	futureMs  = "4102444800000"
)

func TestStringDiff(t *testing.T) {
	long := strings.Repeat("x", 45)
	exactEmbstr := strings.Repeat("y", 44)
	runDiff(t, []diffCase{
		{"get", []string{
			"get nokey",
			"set k hello",
			"get k",
			"GET k",
			`set e ""`,
			"get e",
			"get",
			"get a b",
			`set bin "a\r\nb"`,
			"get bin",
		}},
		{"set basic", []string{
			"set k v",
			"get k",
			"set k v2",
			"get k",
			"set",
			"set k",
			"set k v extra",
			"set k v nx xx",
			"set k v xx nx",
			"set k v ex",
			"set k v px",
			"set k v exat",
			"set k v pxat",
			"set k v keepttl ex 10",
			"set k v ex 10 keepttl",
			"set k v ex 10 px 100",
			"set k v px 100 ex 10",
			"set k v exat " + futureSec + " pxat " + futureMs,
			"set k v ex 10 ex 20",
			"ttl k",
			"set k v px 100000 px 200000",
			"@approx=1000 pttl k",
			"set k v nx nx",
			"set k v get get",
			"set k v keepttl keepttl",
			"set k v persist",
			"get k",
		}},
		{"set nx xx", []string{
			"set k v xx",
			"exists k",
			"set k v nx",
			"set k v2 nx",
			"get k",
			"set k v3 xx",
			"get k",
			"set k v4 NX",
			"set k2 v XX",
			"exists k2",
		}},
		{"set expire options", []string{
			"set k v ex 100",
			"@approx=1 ttl k",
			"set k v px 100000",
			"@approx=1000 pttl k",
			"set k v exat " + futureSec,
			"expiretime k",
			"pexpiretime k",
			"set k v pxat " + futureMs,
			"pexpiretime k",
			"set k v pxat 4102444800123",
			"pexpiretime k",
			"expiretime k",
			"set k v EX 100",
			"set k v",
			"ttl k",
			"set k v ex 0",
			"set k v ex -1",
			"set k v px 0",
			"set k v px -5",
			"set k v exat 0",
			"set k v pxat -1",
			"set k v ex abc",
			"set k v ex 1.5",
			"set k v px 10.0",
			`set k v ex " 10"`,
			"set k v ex 9223372036854775807",
			"set k v ex 9223372036854775",
			"set k v ex 9223372036854776",
			"set k v px 9223372036854775807",
			"set k v exat 9223372036854775807",
			"set k v exat 9223372036854775",
			"set k v pxat 9223372036854775807",
			"pexpiretime k",
			"set k v ex 99999999999999999999",
			"get k",
			"set past v exat 1",
			"get past",
			"exists past",
			"set past v pxat 1",
			"get past",
			"set k v",
			"ttl k",
		}},
		{"set keepttl", []string{
			"set k v ex 100",
			"set k v2 keepttl",
			"@approx=1 ttl k",
			"get k",
			"set k v3",
			"ttl k",
			"set n v keepttl",
			"ttl n",
			"set k v exat " + futureSec,
			"set k v4 KEEPTTL",
			"expiretime k",
		}},
		{"set get", []string{
			"set k v get",
			"get k",
			"set k v2 get",
			"set k v3 GET ex 100",
			"@approx=1 ttl k",
			"set k v4 get keepttl",
			"@approx=1 ttl k",
			"set k v5 nx get",
			"get k",
			"set new v nx get",
			"get new",
			"set k v6 xx get",
			"set missing v xx get",
			"exists missing",
			"set k v7 get ex 0",
			"get k",
		}},
		{"setnx", []string{
			"setnx k v",
			"setnx k v2",
			"get k",
			"setnx k",
			"setnx k v x",
			"set t v ex 100",
			"setnx t x",
			"@approx=1 ttl t",
		}},
		{"setex psetex", []string{
			"setex k 100 v",
			"@approx=1 ttl k",
			"get k",
			"psetex k 100000 v2",
			"@approx=1000 pttl k",
			"get k",
			"setex k 0 v",
			"setex k -1 v",
			"setex k abc v",
			"setex k 9223372036854775807 v",
			"psetex k 0 v",
			"psetex k -10 v",
			"psetex k 1.5 v",
			"psetex k 9223372036854775807 v",
			"setex k 10",
			"setex k 10 v x",
			"psetex k",
			"get k",
		}},
		{"getset", []string{
			"getset k v",
			"get k",
			"getset k v2",
			"get k",
			"set k v ex 100",
			"getset k v3",
			"ttl k",
			"getset k",
			"getset k v x",
		}},
		{"getdel", []string{
			"getdel k",
			"set k v",
			"getdel k",
			"exists k",
			"getdel k",
			"getdel",
			"getdel a b",
			"set n 10",
			"getdel n",
		}},
		{"getex", []string{
			"getex k",
			"getex k ex 10",
			"getex k ex 0",
			"getex k persist",
			"set k v",
			"getex k",
			"ttl k",
			"getex k ex 100",
			"@approx=1 ttl k",
			"getex k px 200000",
			"@approx=1000 pttl k",
			"getex k exat " + futureSec,
			"expiretime k",
			"getex k pxat 4102444800555",
			"pexpiretime k",
			"getex k persist",
			"ttl k",
			"getex k PERSIST",
			"getex k ex",
			"getex k ex 10 px 10",
			"getex k ex 10 persist",
			"getex k persist ex 10",
			"getex k persist persist",
			"getex k ex 10 ex 20",
			"@approx=1 ttl k",
			"getex k keepttl",
			"getex k nx",
			"getex k xx",
			"getex k get",
			"getex k foo",
			"getex k ex 0",
			"getex k ex -1",
			"getex k px 0",
			"getex k exat 0",
			"getex k ex abc",
			"getex k ex 9223372036854775807",
			"getex k px 9223372036854775807",
			"getex k pxat 9223372036854775807",
			"pexpiretime k",
			"get k",
			"getex k exat 1",
			"exists k",
			"set k v",
			"getex k pxat 1",
			"exists k",
			"set k v",
			"getex k pxat 1 persist",
			"getex",
		}},
		{"mget", []string{
			"mget a",
			"set a 1",
			"set c 3",
			"mget a b c",
			"mget a a a",
			"mget",
		}},
		{"mset", []string{
			"mset a 1 b 2",
			"mget a b",
			"mset a 1 b",
			"mset a",
			"mset",
			"mset a x a y",
			"get a",
			"set t v ex 100",
			"mset t v2",
			"ttl t",
			"object encoding a",
			"mset n 123 s hello",
			"object encoding n",
			"object encoding s",
		}},
		{"msetnx", []string{
			"msetnx a 1 b 2",
			"mget a b",
			"msetnx b 3 c 4",
			"mget a b c",
			"msetnx c 1 d",
			"msetnx c",
			"msetnx",
			"msetnx x 1 x 2",
			"get x",
			"msetnx n 42",
			"object encoding n",
		}},
		{"append", []string{
			"append k hello",
			"get k",
			"object encoding k",
			`append k " world"`,
			"get k",
			"object encoding k",
			"append n 123",
			"object encoding n",
			"append n 4",
			"get n",
			"object encoding n",
			`append e ""`,
			"exists e",
			"strlen e",
			"set t v ex 100",
			"append t x",
			"@approx=1 ttl t",
			"append k",
			"append k a b",
			"append long " + long,
			"object encoding long",
		}},
		{"strlen", []string{
			"strlen k",
			"set k hello",
			"strlen k",
			"set n 12345",
			"strlen n",
			"set n -123",
			"strlen n",
			"strlen",
			"strlen a b",
		}},
		{"incr decr", []string{
			"incr k",
			"incr k",
			"get k",
			"decr k",
			"decr k",
			"decr k",
			"get k",
			"set k 9223372036854775806",
			"incr k",
			"incr k",
			"get k",
			"set k -9223372036854775807",
			"decr k",
			"decr k",
			"get k",
			"set k 1.0",
			"incr k",
			`set k " 1"`,
			"incr k",
			`set k "1 "`,
			"incr k",
			"set k +1",
			"incr k",
			"set k 01",
			"incr k",
			"set k 0",
			"incr k",
			"set k -0",
			"incr k",
			"set k -",
			"incr k",
			`set k ""`,
			"incr k",
			"set k 123456789012345678901",
			"incr k",
			"set k 99999999999999999999",
			"incr k",
			"set k 18446744073709551615",
			"incr k",
			"set k 9223372036854775808",
			"incr k",
			"set k -9223372036854775808",
			"incr k",
			"get k",
			"set k -9223372036854775809",
			"decr k",
			"set k abc",
			"incr k",
			"decr k",
			"set t 5 ex 100",
			"incr t",
			"@approx=1 ttl t",
			"incr",
			"incr a b",
			"decr",
		}},
		{"incrby decrby", []string{
			"incrby k 10",
			"incrby k -3",
			"decrby k 20",
			"decrby k -5",
			"get k",
			"incrby k 0",
			"incrby k abc",
			"incrby k 1.5",
			`incrby k " 1"`,
			"incrby k +1",
			"incrby k 01",
			"incrby k 99999999999999999999",
			"incrby k 9223372036854775808",
			"decrby k abc",
			"set k 0",
			"incrby k 9223372036854775807",
			"incrby k 1",
			"incrby k -9223372036854775808",
			"get k",
			"set k 0",
			"incrby k -9223372036854775808",
			"incrby k -1",
			"decrby k 1",
			"get k",
			"set k 0",
			"decrby k -9223372036854775808",
			"decrby k 9223372036854775807",
			"decrby k 1",
			"decrby k 2",
			"decrby k -9223372036854775807",
			"get k",
			"set k 10",
			"decrby k -9223372036854775808",
			"get k",
			"incrby k",
			"incrby k 1 2",
			"decrby k",
			"set k 1.0",
			"incrby k 1",
			"decrby k 1",
		}},
		{"incrbyfloat", []string{
			"incrbyfloat k 10.5",
			"incrbyfloat k 0.1",
			"get k",
			"object encoding k",
			"incrbyfloat k -5",
			"incrbyfloat k 5.0e3",
			"incrbyfloat k 3.0e3",
			"incrbyfloat k -0",
			"incrbyfloat k 1.5e-10",
			"incrbyfloat k 1.5E+2",
			"get k",
			"set f 0.1",
			"incrbyfloat f 0.2",
			"set f 1",
			"incrbyfloat f 1",
			"object encoding f",
			"incrbyfloat new 5",
			"object encoding new",
			"set f -1",
			"incrbyfloat f 1",
			"set f 0",
			"incrbyfloat f -0",
			"incrbyfloat f -0.0",
			"set f 5.0e3",
			"incrbyfloat f 0",
			"set f 1e308",
			"incrbyfloat f 1e308",
			"get f",
			"incrbyfloat f 1e4000",
			"set f 1",
			"incrbyfloat f 1e5000",
			"incrbyfloat f -1e5000",
			"incrbyfloat f inf",
			"incrbyfloat f -inf",
			"incrbyfloat f +inf",
			"incrbyfloat f INF",
			"incrbyfloat f Infinity",
			"incrbyfloat f nan",
			"incrbyfloat f NaN",
			"incrbyfloat f -nan",
			"incrbyfloat f abc",
			`incrbyfloat f " 1"`,
			`incrbyfloat f "1 "`,
			"incrbyfloat f +1.5",
			"incrbyfloat f .5",
			"incrbyfloat f 5.",
			"incrbyfloat f 1e",
			"incrbyfloat f e5",
			"incrbyfloat f 1_000",
			"incrbyfloat f 0x10",
			"incrbyfloat f 0x1p3",
			"incrbyfloat f -0X1.8P1",
			"incrbyfloat f 0x.8",
			"incrbyfloat f 0x",
			"incrbyfloat f 0x1p",
			"incrbyfloat f 0x1e3",
			"incrbyfloat f 1p3",
			"incrbyfloat f 1e-4940",
			"incrbyfloat f 1e-4950",
			"incrbyfloat f 0e-99999999999999",
			"incrbyfloat f 1e99999999999999",
			"incrbyfloat f 1.18e4932",
			"incrbyfloat f 1.19e4932",
			"incrbyfloat f infinit",
			"incrbyfloat f -INFINITY",
			"incrbyfloat f nan(1)",
			"incrbyfloat f .",
			"incrbyfloat f 1..2",
			"incrbyfloat f 1.2.3",
			"incrbyfloat f --1",
			"incrbyfloat f +-1",
			"incrbyfloat f 1e+",
			"incrbyfloat f 1e+5",
			"incrbyfloat f 00012.5",
			"incrbyfloat f 0b101",
			"incrbyfloat f 0o17",
			"incrbyfloat f 1e-5000",
			`incrbyfloat f ""`,
			"get f",
			"set f inf",
			"incrbyfloat f 1",
			"set f nan",
			"incrbyfloat f 1",
			`set f " 1"`,
			"incrbyfloat f 1",
			"set f abc",
			"incrbyfloat f 1",
			"set big 1.7976931348623157e308",
			"incrbyfloat big 1.7976931348623157e308",
			"set t 1 ex 100",
			"incrbyfloat t 1.5",
			"@approx=1 ttl t",
			"set p 3",
			"incrbyfloat p 0.00000000000000001",
			"incrbyfloat p 0.000000000000000001",
			"incrbyfloat p -3",
			"set m 1",
			"incrbyfloat m -1.00000000000000000001",
			"set m 1e20",
			"incrbyfloat m 1",
			"set m 12345678901234567890",
			"incrbyfloat m 0.5",
			"incrbyfloat m 1e30",
			"incrbyfloat q 1e44",
			"object encoding q",
			"incrbyfloat r 1e50",
			"object encoding r",
			"incrbyfloat k",
			"incrbyfloat k 1 2",
		}},
		{"getrange substr", []string{
			"getrange k 0 -1",
			`set k "This is a string"`,
			"getrange k 0 3",
			"getrange k -3 -1",
			"getrange k 0 -1",
			"getrange k 10 100",
			"getrange k 5 3",
			"getrange k -1 -5",
			"getrange k -100 -50",
			"getrange k -100 2",
			"getrange k 100 200",
			"getrange k 0 0",
			"getrange k -1 -1",
			"getrange k 3 -100",
			"getrange k -9223372036854775808 9223372036854775807",
			"getrange k 9223372036854775807 -9223372036854775808",
			"getrange k a 1",
			"getrange k 1 b",
			"getrange k 1.5 2",
			"substr k 0 3",
			"substr k -3 -1",
			"substr k x 1",
			"set n 12345",
			"getrange n 1 2",
			"getrange n -2 -1",
			`set e ""`,
			"getrange e 0 -1",
			"getrange e 0 0",
			"getrange e -1 0",
			"getrange k 0",
			"getrange k 0 1 2",
			"substr k 0",
		}},
		{"setrange", []string{
			"setrange k 0 hello",
			"get k",
			"setrange k 6 world",
			"get k",
			"strlen k",
			"object encoding k",
			"setrange k 2 XY",
			"get k",
			"setrange m 3 abc",
			"get m",
			"object encoding m",
			`setrange e 0 ""`,
			"exists e",
			`setrange e 10 ""`,
			"exists e",
			`setrange k 100 ""`,
			"get k",
			"setrange k -1 x",
			"setrange k abc x",
			"setrange k 1.5 x",
			"setrange k 536870912 x",
			"setrange k 536870911 xx",
			"setrange k 9223372036854775807 x",
			"setrange k -9223372036854775808 x",
			`setrange z 536870912 ""`,
			"exists z",
			`setrange z -1 ""`,
			"setrange n2 536870912 x",
			"exists n2",
			"set n 12345",
			"setrange n 1 9",
			"get n",
			"object encoding n",
			"set t v ex 100",
			"setrange t 0 x",
			"@approx=1 ttl t",
			"setrange k 0",
			"setrange k 0 a b",
		}},
		{"lcs", []string{
			"lcs a b",
			"lcs a b len",
			"lcs a b idx",
			"mset key1 ohmytext key2 mynewtext",
			"lcs key1 key2",
			"lcs key1 key2 LEN",
			"lcs key1 key2 IDX",
			"lcs key1 key2 idx minmatchlen 4",
			"lcs key1 key2 idx minmatchlen 4 withmatchlen",
			"lcs key1 key2 idx withmatchlen",
			"lcs key1 key2 withmatchlen idx minmatchlen 0",
			"lcs key1 key2 idx minmatchlen -5",
			"lcs key1 key2 idx minmatchlen 100",
			"lcs key1 key2 len idx",
			"lcs key1 key2 idx len",
			"lcs key1 key2 minmatchlen",
			"lcs key1 key2 minmatchlen abc",
			"lcs key1 key2 minmatchlen 1.5 idx",
			"lcs key1 key2 foo",
			"lcs key1 key2 withmatchlen",
			"lcs key1 key2 len withmatchlen minmatchlen 3",
			"lcs key2 key1 idx withmatchlen",
			"lcs key1 missing",
			"lcs missing key1 idx",
			"lcs key1 key1",
			"lcs key1 key1 idx withmatchlen",
			"mset s1 ABCBDAB s2 BDCABA",
			"lcs s1 s2",
			"lcs s1 s2 idx withmatchlen",
			"lcs s2 s1 idx withmatchlen",
			"mset x1 abcdefgh x2 xyz",
			"lcs x1 x2",
			"lcs x1 x2 idx",
			"mset r1 aaaa r2 aa",
			"lcs r1 r2 idx withmatchlen",
			"lcs r2 r1 idx withmatchlen",
			"mset g1 GAC g2 AGCAT",
			"lcs g1 g2",
			"lcs g1 g2 idx withmatchlen",
			`mset h1 "hello world" h2 "yellow word"`,
			"lcs h1 h2",
			"lcs h1 h2 idx withmatchlen minmatchlen 2",
			"mset n1 1234567 n2 2468",
			"lcs n1 n2 idx",
			`set empty ""`,
			"lcs empty key1 idx",
			"lcs empty empty",
			"lcs empty empty idx withmatchlen",
			"set big1 " + strings.Repeat("a", 12000),
			"set big2 " + strings.Repeat("b", 12000),
			"lcs big1 big2",
			"lcs big1 big2 len",
			"lcs big1 missing",
			"set mid1 " + strings.Repeat("ab", 300),
			"set mid2 " + strings.Repeat("ba", 250) + "xyz" + strings.Repeat("ab", 40),
			"lcs mid1 mid2 len",
			"lcs mid1 mid2 idx minmatchlen 3 withmatchlen",
			"lcs key1",
			"lcs",
		}},
		{"option case and signs", []string{
			"set k v Ex 100 nX",
			"SET k v eX 100 Xx GeT",
			"@approx=1 ttl k",
			"set k v KeepTTL",
			"@approx=1 ttl k",
			"set k v pXaT " + futureMs,
			"pexpiretime k",
			"set k v ex +10",
			"set k v ex 010",
			"set k v px -0",
			"getex k Persist",
			"getex k eXaT " + futureSec,
			"expiretime k",
			"getex k ex +5",
			"setex k +5 v",
			"incrby k +5",
			"getrange k +0 1",
			"setrange k +0 x",
		}},
		{"object encoding strings", []string{
			"set i 12345678901234567890",
			"object encoding i",
			"set i -9223372036854775808",
			"object encoding i",
			"set i +5",
			"object encoding i",
			"set i \" 5\"",
			"object encoding i",
			"set i 12345",
			"object encoding i",
			"set i -12345",
			"object encoding i",
			"set i 9223372036854775807",
			"object encoding i",
			"set i 9223372036854775808",
			"object encoding i",
			"set i 01",
			"object encoding i",
			"set i 0",
			"object encoding i",
			"set i -0",
			"object encoding i",
			"set i 1.5",
			"object encoding i",
			"set s hello",
			"object encoding s",
			"set s " + exactEmbstr,
			"object encoding s",
			"set s " + long,
			"object encoding s",
			`set s ""`,
			"object encoding s",
			"incr c",
			"object encoding c",
			"incrby c 100000",
			"object encoding c",
			"setex x 100 42",
			"object encoding x",
			"getset x 43",
			"object encoding x",
			"setnx y 7",
			"object encoding y",
			"incrbyfloat fl 2",
			"object encoding fl",
			"incrbyfloat fl 0.5",
			"object encoding fl",
			"set ap 5",
			"append ap 5",
			"object encoding ap",
			"incr ap",
			"object encoding ap",
			"set sr hello",
			"setrange sr 0 j",
			"object encoding sr",
			"set sr 123",
			"setrange sr 0 4",
			"object encoding sr",
			"set g 1",
			"getex g ex 100",
			"object encoding g",
			"set ref 100",
			"object refcount ref",
			"set ref 10000",
			"object refcount ref",
			"set ref abc",
			"object refcount ref",
			"incr cnt",
			"object refcount cnt",
			"incrbyfloat rf 5",
			"object refcount rf",
		}},
	})
}

// TestIncrbyfloatFuzzDiff compares INCRBYFLOAT on random decimal operands, to
// check the long double emulation (parsing, rounding, %.17Lf printing).
func TestIncrbyfloatFuzzDiff(t *testing.T) {
	p := oracle.Start(t)
	rng := rand.New(rand.NewPCG(3, 4))
	num := func() string {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteByte('-')
		}
		for i := rng.IntN(12); i >= 0; i-- {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('.')
			for i := rng.IntN(20); i >= 0; i-- {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if rng.IntN(4) == 0 {
			fmt.Fprintf(&b, "e%d", rng.IntN(80)-40)
		}
		return b.String()
	}
	for i := 0; i < 400; i++ {
		if i%8 == 0 {
			p.Do("SET", "f", num())
		}
		p.Do("INCRBYFLOAT", "f", num())
		p.Do("GET", "f")
	}
}
