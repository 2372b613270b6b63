package engine

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// Internal tests of the string commands (harness in cmd_keys_internal_test.go).

// TestStringWrongType runs every string command against a key holding a list.
// Expected replies follow Redis 7.0's t_string.c: commands that read or modify
// the value reply WRONGTYPE and leave the key alone; SET and its variants
// overwrite any type; NX-style checks only look at existence; argument errors
// that Redis checks before the lookup come first.
func TestStringWrongType(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		cmd, want string
		replaced  bool // the list was overwritten by a string
	}{
		{"get l", wrongType, false},
		{"getdel l", wrongType, false},
		{"getex l", wrongType, false},
		{"getex l ex 100", wrongType, false},
		{"getex l persist", wrongType, false},
		{"getex l ex abc", wrongType, false}, // the type is checked before the time
		{"getex l ex 10 px 10", "-" + ErrSyntax, false},
		{"getset l v", wrongType, false},
		{"set l v get", wrongType, false},
		{"set l v get ex abc", "-" + ErrNotInt, false}, // the time is parsed first
		{"set l v nx get", wrongType, false},
		{"strlen l", wrongType, false},
		{"append l v", wrongType, false},
		{"append l \"\"", wrongType, false},
		{"incr l", wrongType, false},
		{"decr l", wrongType, false},
		{"incrby l 5", wrongType, false},
		{"incrby l x", "-" + ErrNotInt, false},
		{"decrby l 5", wrongType, false},
		{"decrby l -9223372036854775808", "-ERR decrement would overflow", false},
		{"incrbyfloat l 1.5", wrongType, false},
		{"incrbyfloat l abc", wrongType, false},
		{"getrange l 0 -1", wrongType, false},
		{"getrange l a 1", "-" + ErrNotInt, false},
		{"substr l 0 -1", wrongType, false},
		{"setrange l 0 x", wrongType, false},
		{"setrange l 5 x", wrongType, false},
		{"setrange l -1 x", "-" + ErrOffsetRange, false},
		{"setrange l x x", "-" + ErrNotInt, false},
		{"lcs l s", "-ERR The specified keys must contain string values", false},
		{"lcs s l idx", "-ERR The specified keys must contain string values", false},
		{"lcs l s bogus", "-ERR The specified keys must contain string values", false},
		{"mget s l nokey", "*[$str, _, _]", false},
		{"setnx l v", ":0", false},
		{"set l v nx", "_", false},
		{"msetnx x 1 l v", ":0", false},
		{"set l v xx", "+OK", true},
		{"set l v", "+OK", true},
		{"set l v ex 100", "+OK", true},
		{"setex l 100 v", "+OK", true},
		{"psetex l 100000 v", "+OK", true},
		{"mset l v", "+OK", true},
	} {
		h.check("flushall", "+OK")
		h.check("set s str", "+OK")
		h.addTyped("l", typeList)
		h.check(tc.cmd, tc.want)
		if tc.replaced {
			h.script("type l", "+string", "get l", "$v")
		} else {
			h.check("type l", "+list")
		}
		h.check("exists x", ":0")
	}
}

func TestStringExpiryClock(t *testing.T) {
	h := newHarness(t)
	sec := t0 / 1000
	h.script(
		"set k v px 100", "+OK",
		"pttl k", ":100",
	)
	h.clock.advance(99 * time.Millisecond)
	h.script("get k", "$v", "pttl k", ":1")
	h.clock.advance(2 * time.Millisecond)
	h.script("get k", "_", "pttl k", ":-2")

	// EX/PX/EXAT/PXAT set exact expiries on the frozen clock.
	now := h.nowMs()
	h.script(
		"set k v ex 10", "+OK",
		"pexpiretime k", fmt.Sprintf(":%d", now+10000),
		"set k v px 10", "+OK",
		"pexpiretime k", fmt.Sprintf(":%d", now+10),
		fmt.Sprintf("set k v exat %d", sec+50), "+OK",
		"pexpiretime k", fmt.Sprintf(":%d", (sec+50)*1000),
		fmt.Sprintf("set k v pxat %d", now+1234), "+OK",
		"pttl k", ":1234",
		"setex k 7 v", "+OK",
		"pttl k", ":7000",
		"psetex k 7 v", "+OK",
		"pttl k", ":7",
	)

	// SET with an absolute time already past stores a key that is gone.
	h.script(
		fmt.Sprintf("set p v exat %d", sec-10), "+OK",
		"get p", "_",
		fmt.Sprintf("set p v pxat %d", now-1), "+OK",
		"exists p", ":0",
	)

	// GETEX with a past absolute time returns the value and deletes the key
	// (checkAlreadyExpired: when <= now); a relative one cannot be past.
	for _, c := range []string{
		fmt.Sprintf("getex g exat %d", sec-1),
		fmt.Sprintf("getex g pxat %d", now),
		fmt.Sprintf("getex g pxat %d", now-1000),
	} {
		h.check("set g v", "+OK")
		h.check(c, "$v")
		h.check("exists g", ":0")
	}
	h.script(
		"set g v", "+OK",
		fmt.Sprintf("getex g pxat %d", now+1), "$v",
		"pttl g", ":1",
		"getex g ex 5", "$v",
		"pttl g", ":5000",
		"getex g", "$v",
		"pttl g", ":5000",
		"getex g persist", "$v",
		"pttl g", ":-1",
	)

	// KEEPTTL keeps the expiry as the clock moves; plain SET, GETSET and MSET
	// drop it; value updates (INCR, APPEND, SETRANGE, INCRBYFLOAT) keep it.
	h.script(
		"set t v ex 100", "+OK",
	)
	h.clock.advance(40 * time.Second)
	h.script(
		"set t v2 keepttl", "+OK",
		"ttl t", ":60",
		"set t 5 keepttl get", "$v2",
		"incr t", ":6",
		"append t 0", ":2",
		"setrange t 0 7", ":2",
		"incrbyfloat t 0.5", "$70.5",
		"ttl t", ":60",
		"getset t x", "$70.5",
		"ttl t", ":-1",
		"set t v ex 100", "+OK",
		"mset t v", "+OK",
		"ttl t", ":-1",
		"set t v ex 100", "+OK",
		"set t v", "+OK",
		"ttl t", ":-1",
	)
}

// TestStringLazyExpiry: every string command sees an expired key as missing.
func TestStringLazyExpiry(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ cmd, want, after string }{
		{"get k", "_", ""},
		{"getdel k", "_", ""},
		{"getex k ex 100", "_", ""},
		{"getset k new", "_", "$new"},
		{"set k new get", "_", "$new"},
		{"set k new nx", "+OK", "$new"},
		{"set k new xx", "_", ""},
		{"setnx k new", ":1", "$new"},
		{"msetnx k new", ":1", "$new"},
		{"strlen k", ":0", ""},
		{"append k xy", ":2", "$xy"},
		{"incr k", ":1", "$1"},
		{"decrby k 3", ":-3", "$-3"},
		{"incrbyfloat k 1.5", "$1.5", "$1.5"},
		{"getrange k 0 -1", "$", ""},
		{"setrange k 2 x", ":3", "$\x00\x00x"},
		{"setrange k 2 \"\"", ":0", ""},
		{"lcs k other", "$", ""},
		{"mget k other", "*[_, $abc]", ""},
	} {
		h.check("flushall", "+OK")
		h.check("set k 12345 px 10", "+OK")
		h.check("set other abc", "+OK")
		h.clock.advance(11 * time.Millisecond)
		if got := h.do(splitArgs(tc.cmd)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, tc.want)
		}
		want := tc.after
		if want == "" {
			want = "_"
		}
		h.check("get k", want)
		if tc.after != "" {
			h.check("pttl k", ":-1") // a new key: the old expiry is gone
		}
	}
}

// splitArgs splits on spaces, with "" standing for an empty argument.
func splitArgs(line string) []string {
	var out []string
	for _, f := range splitFields(line) {
		if f == `""` {
			f = ""
		}
		out = append(out, f)
	}
	return out
}

func splitFields(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

func TestStringEncodingInternal(t *testing.T) {
	h := newHarness(t)
	h.script(
		"set a 123", "+OK", "object encoding a", "$int",
		"append a 4", ":4", "object encoding a", "$raw",
		"incr a", ":1235", "object encoding a", "$int",
		"incrbyfloat a 1", "$1236", "object encoding a", "$embstr",
		"copy a b", ":1", "object encoding b", "$embstr",
		"rename b c", "+OK", "object encoding c", "$embstr",
		"set c 5", "+OK", "object encoding c", "$int",
		"setrange a 0 9", ":4", "object encoding a", "$raw",
	)
}

// TestParseFloat checks parseFloat against C's strtod as Redis's string2d uses
// it: whole-string, no leading space, no NaN, no overflow, no underflow to zero.
func TestParseFloat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.5", 1.5, true},
		{"-2", -2, true},
		{"+3", 3, true},
		{".5", 0.5, true},
		{"5.", 5, true},
		{"1e3", 1000, true},
		{"1E+3", 1000, true},
		{"1e-3", 0.001, true},
		{"007", 7, true},
		{"0", 0, true},
		{"-0", 0, true},
		{"0e-999", 0, true},
		{"inf", math.Inf(1), true},
		{"-INF", math.Inf(-1), true},
		{"Infinity", math.Inf(1), true},
		{"+infinity", math.Inf(1), true},
		{"0x10", 16, true},
		{"0X1P-2", 0.25, true},
		{"-0x1.8p1", -3, true},
		{"0x.8", 0.5, true},
		{"1e-310", 1e-310, true}, // a denormal: ERANGE but not zero, accepted
		{"1.7976931348623157e308", math.MaxFloat64, true},
		{"1e309", 0, false},  // overflow
		{"-1e309", 0, false}, // overflow
		{"1e-400", 0, false}, // underflow to zero
		{"nan", 0, false},
		{"NaN", 0, false},
		{"-nan", 0, false},
		{"", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"\t1", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"e5", 0, false},
		{".", 0, false},
		{"1.2.3", 0, false},
		{"1p3", 0, false},
		{"0x", 0, false},
		{"0x1p", 0, false},
		{"0b101", 0, false},
		{"0o17", 0, false},
		{"1_000", 0, false},
		{"infinit", 0, false},
		{"--1", 0, false},
		{"+-1", 0, false},
		{"abc", 0, false},
	} {
		got, ok := parseFloat([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseFloat(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestParseInt checks parseInt against Redis's string2ll.
func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false},
		{"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false},
		{"-0", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.0", 0, false},
		{"-", 0, false},
		{"", 0, false},
		{"123456789012345678901", 0, false}, // 21 characters
		{"-0000000000000000001", 0, false},
	} {
		got, ok := parseInt([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseInt(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// valAddr is the address of key's stored value bytes.
func (h *harness) valAddr(key string) *byte {
	h.e.ks.lockAll()
	defer h.e.ks.unlockAll()
	c := &Ctx{e: h.e, s: h.s, db: h.s.DB(), now: h.e.nowMs()}
	return unsafe.SliceData(c.lookup([]byte(key)).peek())
}

// TestIncrInPlace: INCR rewrites a counter's bytes in place while nothing
// has read them (a rate limiter's counter allocates once), also with a TTL
// and across a change of length within the room; a read, a GET or anything
// else that hands the bytes out, makes the next INCR store new bytes.
func TestIncrInPlace(t *testing.T) {
	h := newHarness(t)
	h.check("incr rl", ":1")
	h.check("pexpire rl 60000", ":1")
	p := h.valAddr("rl")
	for i := 2; i <= 12; i++ {
		h.check("incr rl", fmt.Sprintf(":%d", i))
	}
	if q := h.valAddr("rl"); q != p {
		t.Errorf("INCR of an unread counter moved its bytes")
	}
	for _, read := range []string{"get rl", "getrange rl 0 -1", "getex rl", "copy rl rl2", "object refcount rl"} {
		h.reply(strings.Fields(read)...)
		p = h.valAddr("rl")
		h.reply("incr", "rl")
		if h.valAddr("rl") == p {
			t.Errorf("INCR after %q rewrote bytes a reader may hold", read)
		}
	}
	h.check("get rl", "$17") // 12 + the five INCRs above
	h.check("object encoding rl", "$int")
	h.check("append rl 0", ":3")
	h.check("incr rl", ":171")
	h.check("object encoding rl", "$int")
}

// TestSetInPlace: SET overwrites a value nobody has read in place when the
// new one takes the same room a new allocation would, and stores new bytes
// otherwise: after a read, or when the size class changes.
func TestSetInPlace(t *testing.T) {
	h := newHarness(t)
	h.check("set k value-one", "+OK")
	p := h.valAddr("k")
	h.check("set k value-two", "+OK")
	if h.valAddr("k") != p {
		t.Errorf("SET over an unread value of the same size moved its bytes")
	}
	h.check("get k", "$value-two")
	h.check("set k value-333", "+OK")
	if q := h.valAddr("k"); q == p {
		t.Errorf("SET after GET rewrote bytes a reader may hold")
	} else {
		p = q
	}
	h.check("set k a-value-long-enough-for-another-size-class", "+OK")
	if h.valAddr("k") == p {
		t.Errorf("SET of a longer value wrote past its room")
	}
	h.check("get k", "$a-value-long-enough-for-another-size-class")
	h.check("set k v ex 100", "+OK")
	h.check("set k w keepttl", "+OK")
	h.check("get k", "$w")
	h.check("object encoding k", "$embstr")
}
