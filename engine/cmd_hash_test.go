package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests for the hash commands (helpers in cmd_string_test.go).
// A small hash is listpack-encoded in Redis and answers in insertion order,
// which cachee keeps, so those replies are compared exactly; a hashtable's
// order is Redis's hash order, so those use @sorted.

// hsetLine is "hset key f1 v1 ... fn vn" with the given field prefix.
func hsetLine(key, prefix string, n int) string {
	var b strings.Builder
	b.WriteString("hset " + key)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " %s%d v%d", prefix, i, i)
	}
	return b.String()
}

func TestHashDiff(t *testing.T) {
	long := strings.Repeat("x", 65)
	runDiff(t, []diffCase{
		{"hset hget", []string{
			"hget h f",
			"hset h f v",
			"hget h f",
			"hget h nofield",
			"hset h f v2 g w",
			"hget h f",
			"hget h g",
			"hset h f v3 f v4",
			"hget h f",
			"hset h a 1 b 2 c 3",
			"hgetall h",
			`hset h "" empty`,
			`hget h ""`,
			`hset h e ""`,
			"hget h e",
			`hset h bin "a\r\nb"`,
			"hget h bin",
			"HSET h F V",
			"hget h F",
			"hset h",
			"hset h f",
			"hset h f v g",
			"hget h",
			"hget h f g",
			"set s x",
			"hset s f v",
			"hset s f",
			"hset s f v g",
			"hget s f",
			"hget nokey f",
			"hmset s f v",
			"hmset s f v g",
		}},
		{"hmset", []string{
			"hmset h f v",
			"hmset h f v2 g w",
			"hgetall h",
			"hmset h",
			"hmset h f",
			"hmset h f v g",
			"HMSET h a 1",
			"hgetall h",
		}},
		{"hsetnx", []string{
			"hsetnx h f v",
			"hsetnx h f v2",
			"hget h f",
			"hsetnx h g w",
			"hgetall h",
			"hsetnx h f",
			"hsetnx h f v x",
			"set s x",
			"hsetnx s f v",
			"object encoding h",
			"hsetnx h f " + long,
			"object encoding h",
			"hsetnx h new " + long,
			"object encoding h",
		}},
		{"hmget", []string{
			"hmget nokey a b",
			"hset h a 1 b 2",
			"hmget h a b c a",
			"hmget h c",
			"hmget h",
			"set s x",
			"hmget s a",
		}},
		{"hgetall hkeys hvals", []string{
			"hgetall nokey",
			"hkeys nokey",
			"hvals nokey",
			"hset h z 1 a 2 m 3",
			"hgetall h",
			"hkeys h",
			"hvals h",
			"hset h a 4",
			"hdel h z",
			"hset h z 5",
			"hgetall h",
			"hkeys h",
			"hvals h",
			"hgetall",
			"hgetall h x",
			"hkeys",
			"hvals h x",
			"set s x",
			"hgetall s",
			"hkeys s",
			"hvals s",
		}},
		{"hgetall big", []string{
			"@both " + hsetLine("h", "f", 600),
			"object encoding h",
			"hlen h",
			"@sorted hgetall h",
			"@sorted hkeys h",
			"@sorted hvals h",
		}},
		{"hdel", []string{
			"hdel nokey f",
			"hset h a 1 b 2 c 3 d 4",
			"hdel h a",
			"hdel h a",
			"hdel h x y",
			"hdel h b b c",
			"hgetall h",
			"hdel h d x",
			"exists h",
			"hset h a 1",
			"hdel h a a",
			"exists h",
			"hdel h",
			"hdel",
			"set s x",
			"hdel s f",
		}},
		{"hexists hlen hstrlen", []string{
			"hexists nokey f",
			"hlen nokey",
			"hstrlen nokey f",
			"hset h f hello n 12345 neg -7 e \"\"",
			"hexists h f",
			"hexists h x",
			"hlen h",
			"hstrlen h f",
			"hstrlen h n",
			"hstrlen h neg",
			"hstrlen h e",
			"hstrlen h x",
			"hincrby h cnt 1000",
			"hstrlen h cnt",
			"hexists h",
			"hexists h f g",
			"hlen",
			"hlen h x",
			"hstrlen h",
			"hstrlen h f g",
			"set s x",
			"hexists s f",
			"hlen s",
			"hstrlen s f",
		}},
		{"hincrby", []string{
			"hincrby h f 1",
			"hincrby h f 5",
			"hincrby h f -10",
			"hget h f",
			"hincrby h f 0",
			"hincrby h new -3",
			"hset h s abc sp \" 1\" fl 1.5 big 99999999999999999999 lead 01 plus +1",
			"hincrby h s 1",
			"hincrby h sp 1",
			"hincrby h fl 1",
			"hincrby h big 1",
			"hincrby h lead 1",
			"hincrby h plus 1",
			"hincrby h f abc",
			"hincrby h f 1.5",
			"hincrby h f 99999999999999999999",
			`hincrby h f ""`,
			"hset h max 9223372036854775807 min -9223372036854775808",
			"hincrby h max 1",
			"hincrby h max 0",
			"hincrby h max -1",
			"hincrby h min -1",
			"hincrby h min 1",
			"hincrby h f 9223372036854775807",
			"hincrby h f -9223372036854775808",
			"hget h f",
			"hincrby h f",
			"hincrby h f 1 2",
			"set s x",
			"hincrby s f 1",
			"hincrby s f x",
			"hincrby h2 " + long + " 1",
			"object encoding h2",
			"hincrby h3 f 1",
			"object encoding h3",
		}},
		{"hincrbyfloat", []string{
			"hincrbyfloat h f 1.5",
			"hincrbyfloat h f 0.1",
			"hincrbyfloat h f -1.6",
			"hget h f",
			"hincrbyfloat h f 10.5",
			"hincrbyfloat h f 1e3",
			"hincrbyfloat h f 5.0e3",
			"hincrbyfloat h f 0x10",
			"hincrbyfloat h f 3",
			"hincrbyfloat h f -0",
			"hincrbyfloat h i 3",
			"hset h int 10",
			"hincrbyfloat h int 0.25",
			"hset h s abc sp \" 1\" huge 1e5000 inf inf",
			"hincrbyfloat h s 1",
			"hincrbyfloat h sp 1",
			"hincrbyfloat h huge 1",
			"hincrbyfloat h inf 1",
			"hincrbyfloat h f abc",
			"hincrbyfloat h f inf",
			"hincrbyfloat h f -inf",
			"hincrbyfloat h f nan",
			"hincrbyfloat h f 1e5000",
			`hincrbyfloat h f ""`,
			`hincrbyfloat h f " 1"`,
			"hset h m 1e4932",
			"hincrbyfloat h m 1e4932",
			"hincrbyfloat h m -1e4932",
			"hincrbyfloat h f 1.1234567890123456789",
			"hincrbyfloat h f",
			"hincrbyfloat h f 1 2",
			"set s x",
			"hincrbyfloat s f 1",
			"hincrbyfloat s f inf",
			"hincrbyfloat s f x",
			"hgetall h",
			"hincrbyfloat h2 " + long + " 1",
			"object encoding h2",
		}},
		{"hrandfield deterministic", []string{
			"hrandfield nokey",
			"hrandfield nokey 5",
			"hrandfield nokey -5 withvalues",
			"hrandfield nokey 0",
			"hset one f v",
			"hrandfield one",
			"hrandfield one 1",
			"hrandfield one -3",
			"hrandfield one 1 withvalues",
			"hrandfield one -3 withvalues",
			"hrandfield one 5 WITHVALUES",
			"hrandfield one 0",
			"hrandfield one 0 withvalues",
			"hset h a 1 b 2 c 3",
			"hrandfield h 3",
			"hrandfield h 10",
			"hrandfield h 3 withvalues",
			"hrandfield h 10 withvalues",
			"hrandfield h abc",
			"hrandfield h 1.5",
			"hrandfield h 5 withvalue",
			"hrandfield h 5 withvalues x",
			"hrandfield h -9223372036854775808",
			"hrandfield h -9223372036854775808 withvalues",
			"hrandfield h 9223372036854775808",
			"hrandfield h -4611686018427387905 withvalues",
			"hrandfield h 4611686018427387904 withvalues",
			"hrandfield nokey 4611686018427387904 withvalues",
			"hrandfield nokey 5 x",
			"hrandfield h 4611686018427387903 withvalues",
			"hrandfield h 9223372036854775807",
			"hrandfield",
			"set s x",
			"hrandfield s",
			"hrandfield s 1",
			"hrandfield s 0",
			"hrandfield s x",
			"hrandfield s 1 x",
		}},
		{"hrandfield big", []string{
			"@both " + hsetLine("h", "f", 600),
			"@sorted hrandfield h 600",
			"@sorted hrandfield h 1000 withvalues",
		}},
		{"hscan small", []string{
			"hscan nokey 0",
			"hscan nokey 0 count abc",
			"hscan nokey abc",
			"hset h a 1 b 2 c 3 ab 4",
			"hscan h 0",
			"hscan h 0 count 1",
			"hscan h 7 count 1",
			"hscan h 0 match a*",
			"hscan h 0 MATCH * COUNT 2",
			"hscan h 0 match x*",
			"hscan h 0 match a* match b",
			"hscan h -1",
			"hscan h +1",
			`hscan h ""`,
			"hscan h 18446744073709551615",
			"hscan h 18446744073709551616",
			"hscan h -18446744073709551616",
			"hscan h abc",
			`hscan h " 1"`,
			"hscan h 1x",
			"hscan h +",
			"hscan h 0x1",
			"hscan h 0 count 0",
			"hscan h 0 count -1",
			"hscan h 0 count x",
			"hscan h 0 count",
			"hscan h 0 match",
			"hscan h 0 type string",
			"hscan h 0 novalues",
			"hscan h 0 foo bar",
			"hscan h",
			"hscan",
			`hset h "" empty`,
			"hscan h 0 match *",
			"hscan h 0 match **",
			"set s x",
			"hscan s 0",
			"hscan s abc",
			"hscan s 0 count x",
		}},
		{"encoding thresholds", []string{
			"@both " + hsetLine("h", "f", 512),
			"object encoding h",
			"hset h f1 again",
			"object encoding h",
			"hset h f513 v",
			"object encoding h",
			"hdel h f513 f512",
			"object encoding h",
			"hset v f " + strings.Repeat("y", 64),
			"object encoding v",
			"hset v g " + long,
			"object encoding v",
			"hset k " + long + " v",
			"object encoding k",
			"hset m a 1",
			"config set hash-max-listpack-entries 1",
			"hset m a 2",
			"object encoding m",
			"hset m b 2",
			"object encoding m",
			"config set hash-max-listpack-entries 512",
			"config set hash-max-listpack-value 2",
			"hset n ab cd",
			"object encoding n",
			"hset n abc d",
			"object encoding n",
			"config set hash-max-listpack-value 64",
			"config set hash-max-ziplist-entries 0",
			"hset z a 1",
			"object encoding z",
			"config set hash-max-ziplist-entries 512",
			"hset z2 a 1",
			"hdel h2 a",
			"object encoding z2",
		}},
		{"ttl survives", []string{
			"hset h a 1 b 2",
			"expire h 100",
			"hset h c 3",
			"hdel h a",
			"hincrby h n 1",
			"hincrbyfloat h x 1.5",
			"hsetnx h y 1",
			"hmset h z 1",
			"@approx=1 ttl h",
			"hdel h b c n x y z",
			"ttl h",
			"exists h",
		}},
		{"copy rename type", []string{
			"hset h a 1 b 2",
			"copy h h2",
			"hset h2 c 3",
			"hgetall h",
			"hgetall h2",
			"type h",
			"object encoding h2",
			"rename h h3",
			"hgetall h3",
			"@both " + hsetLine("big", "f", 520),
			"copy big big2",
			"object encoding big2",
			"hlen big2",
		}},
	})
}

// TestHashRandomDiff checks what can be compared of HRANDFIELD's random
// replies: lengths, membership, distinctness and the reply shape.
func TestHashRandomDiff(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := oracle.Start(t)
			p.Both("HELLO", proto)
			for _, n := range []int{5, 600} { // listpack, hashtable
				p.Both("DEL", "h")
				p.Both(strings.Fields(hsetLine("h", "f", n))...)
				for _, count := range []int{1, 2, n / 3, n/3 + 1, n - 1, -1, -3, -2 * n} {
					for _, wv := range []bool{false, true} {
						args := []string{"HRANDFIELD", "h", fmt.Sprint(count)}
						if wv {
							args = append(args, "WITHVALUES")
						}
						checkRandfield(t, proto, n, count, wv, p.Real(), args)
						checkRandfield(t, proto, n, count, wv, p.Ours(), args)
					}
				}
				for range 20 {
					v := value(t, p.Ours(), "HRANDFIELD", "h")
					if v.Kind != '$' || !isField(v.Str, n) {
						t.Errorf("HRANDFIELD h: %v", v)
					}
				}
			}
		})
	}
}

func value(t *testing.T, c *oracle.Client, args ...string) protocol.Value {
	t.Helper()
	v, err := c.Value(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v
}

// isField reports whether s is one of f1..fn.
func isField(s string, n int) bool {
	var i int
	_, err := fmt.Sscanf(s, "f%d", &i)
	return err == nil && fmt.Sprintf("f%d", i) == s && i >= 1 && i <= n
}

// checkRandfield checks one HRANDFIELD count reply of a hash f1:v1..fn:vn.
func checkRandfield(t *testing.T, proto string, n, count int, withValues bool, c *oracle.Client, args []string) {
	t.Helper()
	v := value(t, c, args...)
	want := count
	if count < 0 {
		want = -count
	} else if count > n {
		want = n
	}
	elems := v.Elems
	if v.Kind != '*' {
		t.Fatalf("%q: kind %c", args, v.Kind)
	}
	var fields []string
	switch {
	case !withValues:
		for _, e := range elems {
			fields = append(fields, e.Str)
		}
	case proto == "2":
		for i := 0; i+1 < len(elems); i += 2 {
			fields = append(fields, elems[i].Str)
			if "v"+strings.TrimPrefix(elems[i].Str, "f") != elems[i+1].Str {
				t.Errorf("%q: pair %q %q", args, elems[i].Str, elems[i+1].Str)
			}
		}
		if len(elems)%2 != 0 {
			t.Errorf("%q: odd flat reply", args)
		}
	default:
		for _, e := range elems {
			if e.Kind != '*' || len(e.Elems) != 2 || "v"+strings.TrimPrefix(e.Elems[0].Str, "f") != e.Elems[1].Str {
				t.Errorf("%q: pair %v", args, e)
				continue
			}
			fields = append(fields, e.Elems[0].Str)
		}
	}
	if len(fields) != want {
		t.Errorf("%q: %d fields, want %d", args, len(fields), want)
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if !isField(f, n) {
			t.Errorf("%q: %q is not a field", args, f)
		}
		if seen[f] && count > 0 {
			t.Errorf("%q: %q repeated", args, f)
		}
		seen[f] = true
	}
}

// TestHashScanDiff iterates big hashes with HSCAN on both servers, with and
// without MATCH and various COUNTs, and compares the sets of fields returned
// (cursors and order are each server's own).
func TestHashScanDiff(t *testing.T) {
	p := oracle.Start(t)
	p.Both(strings.Fields(hsetLine("h", "f", 1500))...)
	for _, opts := range [][]string{nil, {"COUNT", "1"}, {"COUNT", "100"}, {"MATCH", "f1*"}, {"MATCH", "*9", "COUNT", "7"}} {
		real := hscanMap(t, p.Real(), opts)
		ours := hscanMap(t, p.Ours(), opts)
		if len(real) != len(ours) {
			t.Errorf("HSCAN %v: redis %d fields, cachee %d", opts, len(real), len(ours))
		}
		for f, v := range real {
			if ours[f] != v {
				t.Errorf("HSCAN %v: field %q: redis %q, cachee %q", opts, f, v, ours[f])
			}
		}
	}
}

// TestHincrbyfloatHashFuzzDiff compares HINCRBYFLOAT on random operands, as
// TestIncrbyfloatFuzzDiff does for INCRBYFLOAT.
func TestHincrbyfloatHashFuzzDiff(t *testing.T) {
	p := oracle.Start(t)
	rng := rand.New(rand.NewPCG(5, 6))
	num := func() string {
		s := fmt.Sprintf("%d", rng.IntN(1_000_000)-500_000)
		if rng.IntN(2) == 0 {
			s += fmt.Sprintf(".%d", rng.IntN(1_000_000_000))
		}
		if rng.IntN(4) == 0 {
			s += fmt.Sprintf("e%d", rng.IntN(40)-20)
		}
		return s
	}
	for i := 0; i < 300; i++ {
		if i%10 == 0 {
			p.Do("HSET", "h", "f", num())
		}
		p.Do("HINCRBYFLOAT", "h", "f", num())
		p.Do("HGET", "h", "f")
	}
}

// TestHashStatsDiff checks which hash commands count keyspace hits and
// misses (reads do, writes do not), on a present, a missing and a
// wrong-type key.
func TestHashStatsDiff(t *testing.T) {
	p := oracle.Start(t)
	cmds := []string{
		"hset %s f v", "hsetnx %s f v", "hmset %s f v", "hget %s f", "hmget %s f g",
		"hgetall %s", "hdel %s f", "hexists %s f", "hlen %s", "hstrlen %s f", "hkeys %s",
		"hvals %s", "hincrby %s n 1", "hincrbyfloat %s n 1", "hrandfield %s",
		"hrandfield %s 2 withvalues", "hscan %s 0",
	}
	for _, cmd := range cmds {
		for _, key := range []string{"h", "missing", "s"} {
			p.Both("FLUSHALL")
			p.Both("HSET", "h", "f", "v", "n", "1")
			p.Both("SET", "s", "x")
			p.Both("CONFIG", "RESETSTAT")
			p.Both(splitLine(t, fmt.Sprintf(cmd, key))...)
			rh, rm := keyspaceStats(t, p.Real())
			oh, om := keyspaceStats(t, p.Ours())
			if rh != oh || rm != om {
				t.Errorf("%s: keyspace hits/misses: redis %s/%s, cachee %s/%s", fmt.Sprintf(cmd, key), rh, rm, oh, om)
			}
		}
	}
}

// TestHashIdletimeDiff checks that every hash command records an access
// (OBJECT IDLETIME back to 0), reads and writes alike: keys are created, left
// idle for 3 s, then one command runs on each.
func TestHashIdletimeDiff(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps 3 s")
	}
	t.Parallel()
	p := oracle.Start(t)
	cmds := []string{
		"hset %s g v", "hsetnx %s f v", "hmset %s g v", "hget %s f", "hmget %s f",
		"hgetall %s", "hdel %s n", "hdel %s nofield", "hexists %s f", "hlen %s", "hstrlen %s f",
		"hkeys %s", "hvals %s", "hincrby %s n 1", "hincrbyfloat %s n 1", "hrandfield %s",
		"hrandfield %s 2 withvalues", "hscan %s 0",
	}
	for i := range cmds {
		p.Both("HSET", fmt.Sprintf("k%d", i), "f", "v", "n", "1")
	}
	time.Sleep(3 * time.Second)
	for i, cmd := range cmds {
		p.Both(splitLine(t, fmt.Sprintf(cmd, fmt.Sprintf("k%d", i)))...)
	}
	for i := range cmds {
		p.DoApprox(1, "object", "idletime", fmt.Sprintf("k%d", i))
	}
}

// hscanMap iterates HSCAN h to the end and returns field -> value.
func hscanMap(t *testing.T, c *oracle.Client, opts []string) map[string]string {
	t.Helper()
	els := scanAll(t, c, []string{"HSCAN", "h"}, opts...)
	if len(els)%2 != 0 {
		t.Fatalf("HSCAN returned %d elements", len(els))
	}
	out := map[string]string{}
	for i := 0; i+1 < len(els); i += 2 {
		out[els[i].Str] = els[i+1].Str
	}
	return out
}
