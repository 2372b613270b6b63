package engine_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests for the set commands (see cmd_string_test.go for the
// script format). Intsets are compared exactly, because cachee deliberately
// replies with an intset's members in numeric order as Redis does; hash-table
// sets are compared with @sorted, their order being unspecified. Random
// commands are compared where the result is determined (a one-member set, a
// count covering the whole set) and by reply type otherwise; the Go tests
// below check their contents.

// ints is "from from+1 ... to" for command lines.
func ints(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

func TestSetDiff(t *testing.T) {
	runDiff(t, []diffCase{
		{"sadd", []string{
			"sadd s a b c",
			"sadd s a d",
			"sadd s a a a",
			"sadd d x x x",
			"@sorted smembers s",
			"scard s",
			"type s",
			`sadd s "" "a\r\nb" "with space"`,
			`sismember s ""`,
			`sismember s "a\r\nb"`,
			"scard s",
			"sadd s",
			"sadd",
			"set str v",
			"sadd str a",
			"get str",
			"SADD s e",
			"object encoding s",
		}},
		{"sadd intset encoding", []string{
			"sadd i 3 1 2",
			"object encoding i",
			"smembers i",
			"sadd i -5 100 0 -9223372036854775808 9223372036854775807",
			"smembers i",
			"object encoding i",
			"sadd j 9223372036854775808",
			"object encoding j",
			"sadd k 1 01",
			"object encoding k",
			"sadd l 1 +1",
			"object encoding l",
			"sadd m 1 -0",
			"object encoding m",
			`sadd n 1 " 1"`,
			"object encoding n",
			"sadd o 1 1.0",
			"object encoding o",
			"sadd p 1 a",
			"srem p a",
			"object encoding p",
			"sadd q a",
			"object encoding q",
			"sadd r -1 -10 5",
			"smembers r",
		}},
		{"intset threshold", []string{
			"config set set-max-intset-entries 4",
			"sadd s 1 2 3 4",
			"object encoding s",
			"sadd s 4",
			"object encoding s",
			"sadd s 5",
			"object encoding s",
			"srem s 5 4",
			"object encoding s",
			"@sorted smembers s",
			"sadd t 1 2 3 4 5",
			"object encoding t",
			"config set set-max-intset-entries 0",
			"sadd u 1",
			"object encoding u",
			"config set set-max-intset-entries 512",
			"sadd big " + ints(1, 512),
			"object encoding big",
			"sadd big 513",
			"object encoding big",
			"srem big 513",
			"object encoding big",
		}},
		{"srem", []string{
			"srem nokey a",
			"sadd s a b c",
			"srem s a",
			"srem s a",
			"srem s x y",
			"srem s b b",
			"@sorted smembers s",
			"srem s c x",
			"exists s",
			"sadd i 1 2 3",
			"srem i 2 abc 01",
			"smembers i",
			"srem i 1 3 1",
			"exists i",
			"srem s",
			"srem",
			"set str v",
			"srem str a",
		}},
		{"sismember smismember", []string{
			"sismember nokey a",
			"smismember nokey a b",
			"sadd s a b",
			"sismember s a",
			"sismember s c",
			"smismember s a c b a",
			"smismember s c",
			"sadd i 1 2",
			"sismember i 1",
			"sismember i 01",
			"sismember i abc",
			"smismember i 2 02 x",
			"set str v",
			"sismember str a",
			"smismember str a",
			"sismember s",
			"sismember s a b",
			"smismember s",
		}},
		{"smembers scard", []string{
			"smembers nokey",
			"scard nokey",
			"sadd i 10 -3 7",
			"smembers i",
			"scard i",
			"sadd h z y x",
			"@sorted smembers h",
			"scard h",
			"set str v",
			"smembers str",
			"scard str",
			"smembers",
			"smembers a b",
			"scard",
			"scard a b",
		}},
		{"spop", []string{
			"spop nokey",
			"spop nokey 0",
			"spop nokey 3",
			"spop nokey -1",
			"sadd one x",
			"spop one",
			"exists one",
			"sadd one x",
			"spop one 1",
			"exists one",
			"sadd one x",
			"spop one 5",
			"exists one",
			"sadd i 5 3 1 4 2",
			"spop i 0",
			"scard i",
			"spop i 5",
			"exists i",
			"sadd i 5 3 1 4 2",
			"spop i 100",
			"sadd h c a b",
			"@sorted spop h 3",
			"exists h",
			"sadd s a b c d e f g h",
			"@kind spop s",
			"scard s",
			"@kind spop s 2",
			"scard s",
			"@kind spop s 4",
			"scard s",
			"sadd s x",
			"spop s -1",
			"spop s abc",
			"spop s 1.5",
			"spop s 1 2",
			"spop s 1 2 3",
			"spop",
			"set str v",
			"spop str",
			"spop str 1",
			"spop str 0",
			"spop str -1",
		}},
		{"spop rebuild encoding", []string{
			"sadd big " + ints(1, 600),
			"object encoding big",
			"@kind spop big 590",
			"scard big",
			"object encoding big",
			"sadd m 1 2 3 x",
			"srem m x",
			"@kind spop m 2",
			"object encoding m",
			"sadd t " + ints(1, 20),
			"expire t 1000",
			"@kind spop t 18",
			"@approx=1 ttl t",
			"scard t",
		}},
		{"srandmember", []string{
			"srandmember nokey",
			"srandmember nokey 0",
			"srandmember nokey 5",
			"srandmember nokey -5",
			"sadd one x",
			"srandmember one",
			"srandmember one 1",
			"srandmember one 5",
			"srandmember one -3",
			"srandmember one 0",
			"srandmember one -1",
			"sadd i 5 3 1 4 2",
			"srandmember i 5",
			"srandmember i 50",
			"@kind srandmember i",
			"@kind srandmember i 3",
			"@kind srandmember i -8",
			"@kind srandmember i 1",
			"scard i",
			"sadd h c a b",
			"@sorted srandmember h 3",
			"@sorted srandmember h 9223372036854775807",
			"srandmember i -9223372036854775808",
			"srandmember nokey -9223372036854775808",
			"srandmember i 9223372036854775808",
			"srandmember i abc",
			"srandmember nokey abc",
			"srandmember i 1 2",
			"srandmember",
			"set str v",
			"srandmember str",
			"srandmember str 2",
			"srandmember str 0",
		}},
		{"smove", []string{
			"smove nokey d a",
			"sadd s a b 1",
			"smove s d a",
			"@sorted smembers s",
			"smembers d",
			"object encoding d",
			"smove s d a",
			"sadd d b",
			"smove s d b",
			"smembers s",
			"@sorted smembers d",
			"smove s s 1",
			"smove s s 2",
			"smove s d 1",
			"exists s",
			"sadd i 1 2",
			"smove d i a",
			"object encoding i",
			"@sorted smembers i",
			"sadd n 5",
			"smove n m 5",
			"object encoding m",
			"set str v",
			"smove str d a",
			"smove i str 1",
			"smove nokey str 1",
			"smove str nokey 1",
			"smove i d",
			"smove i d a b",
		}},
		{"sinter", []string{
			"sinter nokey",
			"sadd a 1 2 3 4 5",
			"sadd b 3 4 5 6",
			"sadd c 5 4 x",
			"sinter a",
			"sinter a b",
			"sinter b a",
			"@sorted sinter a b c",
			"sinter a a",
			"sinter a nokey",
			"sinter nokey a",
			"set str v",
			"sinter a str",
			"sinter nokey str",
			"sinter str nokey",
			"sadd h p q r",
			"sadd h2 q r s t",
			"@sorted sinter h h2",
			"sinter a h",
			"sinter",
		}},
		{"sintercard", []string{
			"sadd a 1 2 3 4 5",
			"sadd b 3 4 5 6",
			"sadd c x y",
			"sintercard 1 a",
			"sintercard 2 a b",
			"sintercard 2 a c",
			"sintercard 2 a nokey",
			"sintercard 1 nokey",
			"sintercard 2 a a",
			"sintercard 2 a b limit 0",
			"sintercard 2 a b limit 1",
			"sintercard 2 a b limit 2",
			"sintercard 2 a b limit 3",
			"sintercard 2 a b limit 100",
			"sintercard 2 a b LiMiT 2",
			"sintercard 2 a b limit 1 limit 0",
			"sintercard 2 a b limit 0 limit 2",
			"sintercard 0 a",
			"sintercard -1 a",
			"sintercard x a",
			"sintercard 1.5 a",
			"sintercard 9223372036854775808 a",
			"sintercard 9223372036854775807 a",
			"sintercard 3 a b",
			"sintercard 1 a limit",
			"sintercard 1 a limit -1",
			"sintercard 1 a limit x",
			"sintercard 1 a limit 9223372036854775808",
			"sintercard 1 a foo",
			"sintercard 1 a b",
			"sintercard 1 a limit 1 foo",
			"set str v",
			"sintercard 2 a str",
			"sintercard 2 nokey str",
			"sintercard 1 str limit 1",
			"sintercard 1 nokey limit -1",
			"sintercard",
			"sintercard 1",
		}},
		{"sinterstore", []string{
			"sadd a 1 2 3 4 5",
			"sadd b 3 4 5 6",
			"sinterstore d a b",
			"smembers d",
			"object encoding d",
			"sadd h 3 4 z",
			"sinterstore d h a",
			"object encoding d",
			"smembers d",
			"sinterstore d a nokey",
			"exists d",
			"sadd d 1",
			"sinterstore d a h b",
			"smembers d",
			"sinterstore d nokey",
			"exists d",
			"set d v ex 100",
			"sinterstore d a b",
			"type d",
			"ttl d",
			"sinterstore a a b",
			"smembers a",
			"sadd x p",
			"sinterstore d a x",
			"exists d",
			"set str v",
			"sinterstore d a str",
			"exists d",
			"sinterstore str a b",
			"type str",
			"sinterstore d",
			"sinterstore",
		}},
		{"sunion sunionstore", []string{
			"sunion nokey",
			"sadd a 5 1 3",
			"sadd b 2 4 3",
			"sunion a b",
			"sunion a nokey b",
			"sunion a a",
			"sadd h x 1",
			"@sorted sunion a h",
			"sunionstore d a b",
			"smembers d",
			"object encoding d",
			"sunionstore d a h",
			"object encoding d",
			"@sorted smembers d",
			"sunionstore d nokey",
			"exists d",
			"sunionstore d nokey a",
			"smembers d",
			"set d v ex 100",
			"sunionstore d a",
			"ttl d",
			"sunionstore a a b",
			"smembers a",
			"sadd big1 " + ints(1, 300),
			"sadd big2 " + ints(301, 600),
			"sunionstore d big1 big2",
			"object encoding d",
			"sunionstore d big1 big1",
			"object encoding d",
			"set str v",
			"sunion a str",
			"sunion nokey str",
			"sunionstore d a str",
			"sunionstore d",
			"sunion",
		}},
		{"sdiff sdiffstore", []string{
			"sdiff nokey",
			"sdiff nokey a",
			"sadd a 1 2 3 4 5",
			"sadd b 2 4",
			"sadd c 5 x",
			"sdiff a",
			"sdiff a b",
			"sdiff a b c",
			"sdiff a nokey",
			"sdiff a a",
			"sdiff a b a",
			"sdiff b a",
			"sadd h x y z 1",
			"@sorted sdiff h a",
			"sdiffstore d a b c",
			"smembers d",
			"object encoding d",
			"sdiffstore d h a",
			"object encoding d",
			"@sorted smembers d",
			"sdiffstore d a a",
			"exists d",
			"sdiffstore d b a",
			"exists d",
			"sdiffstore d nokey a",
			"exists d",
			"set d v ex 100",
			"sdiffstore d a b",
			"ttl d",
			"sdiffstore a a b",
			"smembers a",
			"set str v",
			"sdiff a str",
			"sdiff str nokey",
			"sdiff nokey str",
			"sdiffstore d a str",
			"sdiffstore d",
			"sdiff",
		}},
		{"sdiff algorithms", []string{
			// Algorithm 1 (per member of the first set): the 1-member result is an intset.
			"sadd a " + ints(1, 600),
			"sadd b " + ints(2, 600),
			"sdiffstore d a b",
			"object encoding d",
			"smembers d",
			// Algorithm 2 (add all, then remove): 600 members added first, so
			// the 480-member result stays a hash table.
			"sadd b1 " + ints(30, 59),
			"sadd b2 " + ints(60, 89),
			"sadd b3 " + ints(90, 119),
			"sadd b4 " + ints(120, 149),
			"sdiffstore d a b1 b2 b3 b4",
			"object encoding d",
			"scard d",
			"sdiffstore d a b1 nokey",
			"object encoding d",
			"sdiffstore d a nokey b b b",
			"object encoding d",
			"smembers d",
		}},
		{"sscan", []string{
			"sscan nokey 0",
			"sscan nokey 0 count 0",
			"sscan nokey 0 bogus",
			"sadd i 5 3 1 4 2 10 11 12 13 14 15 16",
			"sscan i 0",
			"sscan i 0 count 1",
			"sscan i 7",
			"sscan i 0 match 1*",
			"sscan i 0 MATCH 1? COUNT 2",
			"sscan i 0 match *",
			"sscan i 0 match x",
			`sscan i ""`,
			"sscan i +5",
			"sscan i -1",
			"sscan i 18446744073709551615",
			"sscan i -18446744073709551615",
			"sscan i 18446744073709551616",
			"sscan i -18446744073709551616",
			"sscan i -",
			"sscan i +",
			`sscan i " 1"`,
			`sscan i "1 "`,
			"sscan i 0x10",
			"sscan i 1.5",
			"sscan i x count 0",
			"sscan i 0 count 0",
			"sscan i 0 count -1",
			"sscan i 0 count x",
			"sscan i 0 count 9223372036854775808",
			"sscan i 0 count",
			"sscan i 0 match",
			"sscan i 0 type string",
			"sscan i 0 novalue",
			"sscan i 0 count 1 match",
			"sadd h a b c ab ac",
			"@sorted sscan h 0",
			"@sorted sscan h 0 match a*",
			"@sorted sscan h 0 match a* count 100",
			"@sorted sscan h 0 match [bc]",
			`sadd e ""`,
			`sscan e 0`,
			`sscan e 0 match *`,
			`sscan e 0 match **`,
			"set str v",
			"sscan str 0",
			"sscan str x",
			"sscan str 0 count 0",
			"sscan i",
			"sscan",
		}},
		{"keys commands on sets", []string{
			"sadd i 3 1 2",
			"sadd h a b",
			"copy i i2",
			"object encoding i2",
			"smembers i2",
			"copy h h2",
			"object encoding h2",
			"@sorted smembers h2",
			"sadd i2 4",
			"smembers i",
			"rename h h3",
			"@sorted smembers h3",
			"expire i 100",
			"sadd i 4",
			"srem i 1",
			"@approx=1 ttl i",
			"del i h3",
			"exists i h3",
		}},
	})
}

// TestSetWatchDiff checks which keys the set commands signal as modified
// (WATCH), where Redis is subtle: SMOVE signals its destination only when the
// member was new there.
func TestSetWatchDiff(t *testing.T) {
	runDiff(t, []diffCase{
		{"smove watch", []string{
			"sadd x 1",
			"sadd y 1 3",
			"watch y",
			"smove x y 1",
			"multi",
			"ping",
			"exec",
			"sadd x 2",
			"watch y",
			"smove x y 2",
			"multi",
			"ping",
			"exec",
			"sadd x 5",
			"watch x",
			"smove x y 9",
			"multi",
			"ping",
			"exec",
			"watch x",
			"smove x x 5",
			"multi",
			"ping",
			"exec",
		}},
		{"store watch", []string{
			"sadd a 1",
			"set d v",
			"watch d",
			"sinterstore d a nokey",
			"multi",
			"ping",
			"exec",
			"watch d",
			"sunionstore d nokey",
			"multi",
			"ping",
			"exec",
			"sadd s a",
			"watch s",
			"srem s b",
			"multi",
			"ping",
			"exec",
			"watch s",
			"sadd s a",
			"multi",
			"ping",
			"exec",
			"watch s",
			"spop s 0",
			"multi",
			"ping",
			"exec",
			"watch s",
			"spop s",
			"multi",
			"ping",
			"exec",
		}},
	})
}

// TestSetSpopSrandmemberDiff checks what the random commands return: members
// of the set, distinct for SPOP and a positive SRANDMEMBER count, as many as
// asked (or the whole set), and the set left without the popped members.
func TestSetSpopSrandmemberDiff(t *testing.T) {
	p := oracle.Start(t)
	for _, size := range []int{5, 20, 600} {
		for _, count := range []int{1, 2, 3, 4, 10, 18, 19, 500, 599, 700} {
			for _, side := range []*oracle.Client{p.Real(), p.Ours()} {
				name := fmt.Sprintf("size %d count %d", size, count)
				mustDo(t, side, "FLUSHALL")
				members := strings.Fields(ints(1, size))
				if size == 20 {
					for i := range members {
						members[i] = "m" + members[i]
					}
				}
				mustDo(t, side, append([]string{"SADD", "s"}, members...)...)
				checkSample(t, name+" srandmember", side, members, count, true, "SRANDMEMBER", "s", strconv.Itoa(count))
				checkSample(t, name+" srandmember negative", side, members, count, false, "SRANDMEMBER", "s", strconv.Itoa(-count))
				popped := checkSample(t, name+" spop", side, members, count, true, "SPOP", "s", strconv.Itoa(count))
				left := elems(t, mustDo(t, side, "SMEMBERS", "s"))
				if len(left)+len(popped) != size {
					t.Errorf("%s: %d left + %d popped != %d", name, len(left), len(popped), size)
				}
				for _, m := range popped {
					if slices.Contains(left, m) {
						t.Errorf("%s: popped %q is still a member", name, m)
					}
				}
			}
		}
	}
}

// checkSample runs a random command and checks that it returned count
// members of members (all of them when count exceeds the set for a distinct
// sample), distinct when distinct is set.
func checkSample(t *testing.T, name string, c *oracle.Client, members []string, count int, distinct bool, args ...string) []string {
	t.Helper()
	got := elems(t, mustDo(t, c, args...))
	want := count
	if distinct {
		want = min(count, len(members))
	}
	if len(got) != want {
		t.Errorf("%s: %d members, want %d", name, len(got), want)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if !slices.Contains(members, m) {
			t.Errorf("%s: %q is not a member", name, m)
		}
		if distinct && seen[m] {
			t.Errorf("%s: %q returned twice", name, m)
		}
		seen[m] = true
	}
	return got
}

func mustDo(t *testing.T, c *oracle.Client, args ...string) protocol.Value {
	t.Helper()
	v, err := c.Value(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	if v.Kind == '-' {
		t.Fatalf("%q: %s", args, v.Str)
	}
	return v
}

func elems(t *testing.T, v protocol.Value) []string {
	t.Helper()
	out := make([]string, len(v.Elems))
	for i, e := range v.Elems {
		out[i] = e.Str
	}
	return out
}

// TestSetSscanDiff iterates big sets with SSCAN on both servers (their
// cursors differ: Redis's walk its hash table, cachee's insertion ids) and
// requires the same members, each exactly once from cachee, with and
// without MATCH and for several COUNT hints.
func TestSetSscanDiff(t *testing.T) {
	p := oracle.Start(t)
	members := make([]string, 1500)
	for i := range members {
		members[i] = "member:" + strconv.Itoa(i)
	}
	for _, side := range []*oracle.Client{p.Real(), p.Ours()} {
		mustDo(t, side, append([]string{"SADD", "s"}, members...)...)
	}
	for _, opts := range [][]string{nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "1000"}, {"MATCH", "member:1*"}, {"MATCH", "*:2?", "COUNT", "3"}} {
		real := strs(scanAll(t, p.Real(), []string{"SSCAN", "s"}, opts...))
		ours := strs(scanAll(t, p.Ours(), []string{"SSCAN", "s"}, opts...))
		if !slices.Equal(dedup(real), dedup(ours)) {
			t.Errorf("SSCAN %q: redis %d members, cachee %d", opts, len(dedup(real)), len(dedup(ours)))
		}
		if len(dedup(ours)) != len(ours) {
			t.Errorf("SSCAN %q: cachee returned %d members for %d distinct", opts, len(ours), len(dedup(ours)))
		}
	}
}

func dedup(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// TestSetEventsDiff compares the keyspace notifications (and their order)
// each set command publishes, through a subscriber on each server.
func TestSetEventsDiff(t *testing.T) {
	p := oracle.Start(t)
	p.Both("CONFIG", "SET", "notify-keyspace-events", "KEAn")
	t.Cleanup(func() { p.Both("CONFIG", "SET", "notify-keyspace-events", "") })
	subs := [2]*oracle.Client{oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)}
	for _, c := range subs {
		mustRaw(t, c, "PSUBSCRIBE", "__key*__:*")
		mustRaw(t, c, "SUBSCRIBE", "fence")
	}
	scripts := [][]string{
		{"sadd s a b", "sadd s a", "sadd s c"},
		{"sadd s a b", "srem s x", "srem s a", "srem s b x"},
		{"sadd s a", "spop s", "spop s", "sadd s a b c", "spop s 0", "spop s 1", "spop s 5", "spop nokey 1"},
		{"sadd s " + ints(1, 20), "spop s 18", "spop s 1"},
		{"sadd s a b", "sadd d b", "smove s d a", "smove s d b", "smove s d x", "smove d d a", "smove d n a"},
		{"sadd a 1 2", "sadd b 2 3", "sinterstore d a b", "sinterstore d a b", "sinterstore d a nokey", "sinterstore d a nokey"},
		{"sadd a 1 2", "sadd b 1 2", "sunionstore d a b", "sunionstore d nokey", "sdiffstore d a nokey", "sdiffstore d a b", "set d x", "sunionstore d a"},
		{"sadd s a", "sismember s a", "smembers s", "srandmember s", "sinter s", "sunion s", "sdiff s", "sscan s 0", "sintercard 1 s", "scard s", "smismember s a"},
	}
	for _, script := range scripts {
		p.Both("FLUSHALL")
		drainEvents(t, p, subs, "flushall")
		for _, line := range script {
			p.Both(splitLine(t, line)...)
			drainEvents(t, p, subs, line)
		}
	}
}

func mustRaw(t *testing.T, c *oracle.Client, args ...string) {
	t.Helper()
	if _, err := c.Raw(args...); err != nil {
		t.Fatal(err)
	}
}

// drainEvents publishes a fence message on each server and compares the
// messages each subscriber received before it.
func drainEvents(t *testing.T, p *oracle.Pair, subs [2]*oracle.Client, after string) {
	t.Helper()
	var got [2][]string
	for i, pub := range []*oracle.Client{p.Real(), p.Ours()} {
		c := subs[i]
		if _, err := pub.Value("PUBLISH", "fence", "x"); err != nil {
			t.Fatal(err)
		}
		for {
			raw, err := c.ReadRaw()
			if err != nil {
				t.Fatalf("after %q: %v", after, err)
			}
			if strings.Contains(string(raw), "fence") {
				break
			}
			got[i] = append(got[i], string(raw))
		}
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("events after %q:\n redis:  %q\n cachee: %q", after, got[0], got[1])
	}
}

// TestSetKeyspaceStatsDiff checks which set commands count keyspace hits and
// misses: read lookups do (the STORE commands read their sources that way),
// write lookups (SADD, SREM, SPOP, SMOVE) do not.
func TestSetKeyspaceStatsDiff(t *testing.T) {
	p := oracle.Start(t)
	setup := []string{"sadd s a b c", "sadd i 1 2", "set str v"}
	cmds := []string{
		"sadd s x", "sadd missing x", "sadd str x", "srem s a", "srem missing a",
		"sismember s a", "sismember missing a", "sismember str a", "smismember s a b",
		"smismember missing a", "smembers s", "smembers missing", "scard s", "scard missing",
		"spop s", "spop missing", "spop s 2", "spop missing 2", "srandmember s",
		"srandmember missing", "srandmember s -3", "srandmember missing 3",
		"smove s d a", "smove missing d a", "smove s i a", "smove s str a",
		"sinter s i missing", "sinter s str missing", "sintercard 3 s i missing",
		"sinterstore d s i", "sinterstore d s missing i", "sunion s i missing",
		"sunionstore d s missing", "sdiff s i missing", "sdiffstore d s missing i",
		"sdiff missing s", "sscan s 0", "sscan missing 0", "sscan str 0",
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
