package engine_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests of the blocking list pops (BLPOP BRPOP BLMPOP BLMOVE
// BRPOPLPUSH) against Redis 7.0: what a client gets at once, on timeout, and
// when another client's push serves it, with the pusher's view compared too.

func TestBlockingImmediateDiff(t *testing.T) {
	runDiff(t, []diffCase{
		{"pops without waiting", []string{
			"rpush l a b c d e f",
			"blpop l 0",
			"brpop l 0",
			"blpop none l 0",
			"brpop none1 none2 l 1",
			"blmpop 0 2 none l left count 2",
			"rpush l x y z",
			"blmpop 0 1 l right",
			"blmpop 0 1 l right count 10",
			"exists l",
			"rpush l a b c",
			"blmove l l2 left right 0",
			"blmove l l2 right left 0",
			"brpoplpush l2 l 0",
			"blmove l l left right 0",
			"lrange l 0 -1",
			"lrange l2 0 -1",
			"brpoplpush l l 0",
			"blpop l 0",
			"blpop l 0",
			"exists l",
		}},
		{"timeouts", []string{
			"blpop none 0.05",
			"brpop none1 none2 0.01",
			"blmpop 0.01 1 none left",
			"blmpop 0.01 2 none1 none2 right count 3",
			"blmove none l2 left left 0.01",
			"brpoplpush none l2 .01",
			"blpop none 0.0001",
			"exists l2",
		}},
		{"wrong types", []string{
			"set s x",
			"rpush l a b c d",
			"blpop s 0",
			"blpop none s 0",
			"blpop l s 0",
			"brpop s l 0",
			"blmpop 0 2 s l left",
			"blmove s l left left 0",
			"blmove l s left left 0",
			"brpoplpush l s 0",
			"brpoplpush s l 0",
			"blmove none s left left 0.01",
			"lrange l 0 -1",
		}},
		{"timeout parsing", []string{
			"blpop l abc",
			"blpop l -1",
			"blpop l \"\"",
			"blpop l 1e400",
			"blpop l inf",
			"blpop l -inf",
			"blpop l nan",
			"blpop l 0x1p-20",
			"blpop l 0x.001",
			"blpop l 1e-400",
			"blpop l 1e-5000",
			"blpop l 1e4000",
			"blpop l 1e5000",
			"blpop l -1e400",
			"blpop l 1e18",
			"blpop l \" 1\"",
			"blpop l 9223372036854775807",
			"brpop l 1x",
			"blmove a b left right abc",
			"blmove a b left right -1",
			"brpoplpush a b x",
			"blmpop x 1 l left",
			"blmpop -1 1 l left",
		}},
		{"argument errors", []string{
			"blpop",
			"blpop l",
			"brpop l",
			"blmove a b left right",
			"blmove a b up right 0",
			"blmove a b left down 0",
			"brpoplpush a b",
			"blmpop 0",
			"blmpop 0 1",
			"blmpop 0 1 l",
			"blmpop 0 0 l left",
			"blmpop 0 -1 l left",
			"blmpop 0 x l left",
			"blmpop 0 3 l left",
			"blmpop 0 1 l middle",
			"blmpop 0 1 l left count",
			"blmpop 0 1 l left count 0",
			"blmpop 0 1 l left count -1",
			"blmpop 0 1 l left count x",
			"blmpop 0 1 l left count 1 count 1",
			"blmpop 0 1 l left extra",
			"blmpop x 0 l left",
			"blmpop 0 1 l middle count 0",
		}},
	})
}

func TestBlockingServedDiff(t *testing.T) {
	runCoDiff(t, []coCase{
		{"a push serves the waiter first", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"rpush l a b",
			"B: @read",
			"llen l",
			"lrange l 0 -1",
			"del l",
			"B: @send brpop l 0",
			"@blocked 1",
			"lpush l x",
			"B: @read",
			"llen l",
			"B: @send blpop l 0",
			"@blocked 1",
			"rpush l y",
			"B: @read",
			"exists l",
			"B: ping",
		}},
		{"each blocking command served", []string{
			"B: @send blmpop 0 2 l1 l2 right count 3",
			"@blocked 1",
			"rpush l2 a b c d e",
			"B: @read",
			"lrange l2 0 -1",
			"B: @send blmove src dst right left 0",
			"@blocked 1",
			"rpush src x y",
			"B: @read",
			"lrange src 0 -1",
			"lrange dst 0 -1",
			"B: @send brpoplpush src2 dst 0",
			"@blocked 1",
			"lpush src2 z",
			"B: @read",
			"lrange dst 0 -1",
			"exists src2",
			"B: @send blmpop 0 1 l3 left",
			"@blocked 1",
			"rpush l3 p q",
			"B: @read",
			"lrange l3 0 -1",
		}},
		{"waiters served in arrival order", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"C: @send blpop l 0",
			"@blocked 2",
			"D: @send brpop l 0",
			"@blocked 3",
			"rpush l 1 2",
			"B: @read",
			"C: @read",
			"llen l",
			"@blocked 1",
			"rpush l 3 4",
			"D: @read",
			"lrange l 0 -1",
		}},
		{"one push, more waiters than elements and fewer", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"C: @send brpop l 0",
			"@blocked 2",
			"D: @send blmpop 0 1 l left count 2",
			"@blocked 3",
			"rpush l 1 2 3 4 5 6",
			"B: @read",
			"C: @read",
			"D: @read",
			"lrange l 0 -1",
			"B: @send blpop m 0",
			"@blocked 1",
			"C: @send blpop m 0",
			"@blocked 2",
			"D: @send blpop m 0",
			"@blocked 3",
			"rpush m 1 2",
			"B: @read",
			"C: @read",
			"exists m",
			"@blocked 1",
			"client unblock $D",
			"D: @read",
		}},
		{"BLMOVE chains", []string{
			"B: @send blmove l1 l2 left right 0",
			"@blocked 1",
			"C: @send blpop l2 0",
			"@blocked 2",
			"rpush l1 x",
			"B: @read",
			"C: @read",
			"exists l1 l2",
			"B: @send brpoplpush a b 0",
			"@blocked 1",
			"C: @send brpoplpush b c 0",
			"@blocked 2",
			"D: @send brpoplpush c a 0",
			"@blocked 3",
			"lpush a v",
			"B: @read",
			"C: @read",
			"D: @read",
			"lrange a 0 -1",
			"exists b c",
		}},
		{"waiters on several keys", []string{
			"B: @send blpop k1 k2 k3 0",
			"@blocked 1",
			"rpush k2 a",
			"B: @read",
			"B: @send blpop k1 k3 0",
			"@blocked 1",
			"C: @send blpop k3 0",
			"@blocked 2",
			"multi",
			"rpush k3 x",
			"rpush k1 y",
			"exec",
			"B: @read",
			"lrange k1 0 -1",
			"@blocked 1",
			"rpush k3 z",
			"C: @read",
			"B: @send blpop same same 0",
			"@blocked 1",
			"rpush same s",
			"B: @read",
		}},
		{"transactions serve after EXEC", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"multi",
			"rpush l a b",
			"llen l",
			"exec",
			"B: @read",
			"llen l",
			"C: @send blpop l2 0",
			"@blocked 1",
			"multi",
			"rpush l2 x",
			"lpop l2",
			"exec",
			"exists l2",
			"rpush l2 y",
			"C: @read",
		}},
		{"keys made ready without a push", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"set l str",
			"del l",
			"rpush tmp t",
			"rename tmp l",
			"B: @read",
			"B: @send blpop l 0",
			"@blocked 1",
			"rpush src v",
			"lmove src l left left",
			"B: @read",
			"B: @send blpop l 0",
			"@blocked 1",
			"select 1",
			"rpush l from-db1",
			"swapdb 0 1",
			"B: @read",
			"select 0",
			"B: @send blpop l 0",
			"@blocked 1",
			"rpush c x",
			"copy c l",
			"B: @read",
			"B: @send blpop l 0",
			"@blocked 1",
			"select 2",
			"rpush l w",
			"move l 0",
			"B: @read",
		}},
		{"a string does not serve", []string{
			"B: @send blpop k 0",
			"@blocked 1",
			"set k str",
			"@blocked 1",
			"rpush other x",
			"del k",
			"rpush k v",
			"B: @read",
			"B: @send blpop k 0",
			"@blocked 1",
			"select 1",
			"rpush k other-db",
			"select 0",
			"@blocked 1",
			"client unblock $B",
			"B: @read",
		}},
		{"a destination of the wrong type", []string{
			"B: @send blmove src dst left left 0",
			"@blocked 1",
			"C: @send blpop src 0",
			"@blocked 2",
			"set dst str",
			"rpush src x y",
			"B: @read",
			"C: @read",
			"lrange src 0 -1",
			"get dst",
			"D: @send brpoplpush src2 dst 0",
			"@blocked 1",
			"rpush src2 z",
			"D: @read",
			"lrange src2 0 -1",
			"E: @send blmove src3 src3 left right 0",
			"@blocked 1",
			"rpush src3 a b",
			"E: @read",
			"lrange src3 0 -1",
		}},
		{"a served move touches WATCHed keys", []string{
			"W: watch dst",
			"B: @send blmove src dst left left 0",
			"@blocked 1",
			"rpush src x",
			"B: @read",
			"W: multi",
			"W: ping",
			"W: exec",
			"W: watch src",
			"C: @send blpop src 0",
			"@blocked 1",
			"multi",
			"rpush src y",
			"exec",
			"C: @read",
			"W: multi",
			"W: ping",
			"W: exec",
		}},
		{"timeouts while others work", []string{
			"B: @send blpop l 0.1",
			"C: @send blmove l l2 left left 0.1",
			"D: @send blmpop 0.1 1 l left count 2",
			"B: @read",
			"C: @read",
			"D: @read",
			"@blocked 0",
			"exists l l2",
		}},
		{"pipelined after a blocking command", []string{
			"B: @send blpop l 0",
			"B: @send ping",
			"B: @send llen l",
			"@blocked 1",
			"rpush l a b",
			"B: @read",
			"B: @read",
			"B: @read",
		}},
		{"CLIENT UNBLOCK", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"client unblock $B",
			"B: @read",
			"client unblock $B",
			"B: @send brpop l 0",
			"@blocked 1",
			"client unblock $B error",
			"B: @read",
			"B: @send blmove l l2 left left 0",
			"@blocked 1",
			"client unblock $B TIMEOUT",
			"B: @read",
			"B: @send blmpop 0 1 l left",
			"@blocked 1",
			"client unblock $B ErRoR",
			"B: @read",
			"B: @send blpop l -0.0001",
			"@blocked 1",
			"client unblock $B",
			"B: @read",
			"B: @send blpop l 0e9999999999999999999",
			"@blocked 1",
			"client unblock $B",
			"B: @read",
			"@blocked 0",
			"rpush l x",
			"llen l",
			"client unblock $A",
			"client unblock 999999",
			"client unblock x",
			"client unblock $B nope",
			"client unblock x nope",
			"client unblock",
			"client unblock $B timeout extra",
			"CLIENT UNBLOCK $B timeout extra",
		}},
		{"CLIENT KILL of a blocked client", []string{
			"B: @send blpop l 0",
			"@blocked 1",
			"client kill id $B",
			"B: @closed",
			"@blocked 0",
			"rpush l x",
			"llen l",
		}},
		{"a blocked client disconnects", []string{
			"B: @send blpop l 0",
			"C: @send blpop l 0",
			"@blocked 2",
			"B: @close",
			"@blocked 1",
			"rpush l x y",
			"C: @read",
			"lrange l 0 -1",
		}},
		{"a RESP3 subscriber gets messages while blocked", []string{
			"B: @3 subscribe ch",
			"B: @3 @send blpop l 0",
			"@3 @blocked 1",
			"P: @3 publish ch m1",
			"B: @3 @read",
			"P: @3 publish ch m2",
			"P: @3 publish ch m3",
			"B: @3 @read",
			"B: @3 @read",
			"@3 rpush l x",
			"P: @3 publish ch m4",
			"B: @3 @read",
			"B: @3 @read",
			"B: @3 ping",
		}},
		{"a RESP3 subscriber blocks", []string{
			"config set notify-keyspace-events KEl",
			"B: @3 psubscribe __keyspace@0__:*",
			"B: @3 @send blpop l 0",
			"@3 @blocked 1",
			"@3 rpush l a",
			"B: @3 @read",
			"B: @3 @read",
			"B: @3 @read",
			"B: @3 ping",
		}},
	})
}

// TestBlockingLeavesNoWaiter checks with the engine itself that waiters of
// clients that were killed, disconnected or timed out are gone.
func TestBlockingLeavesNoWaiter(t *testing.T) {
	p := oracle.Start(t)
	for i := 0; i < 3; i++ {
		c := coDial(t, p.OursAddr)
		if err := c.send("BLPOP", "l", "m", "0"); err != nil {
			t.Fatal(err)
		}
		defer c.c.Close()
		if i == 0 {
			c.c.Close()
		}
	}
	tc := coDial(t, p.OursAddr)
	defer tc.c.Close()
	if err := tc.send("BRPOP", "l", "0.05"); err != nil {
		t.Fatal(err)
	}
	if raw, err := tc.read(); err != nil || string(raw) != "*-1\r\n" {
		t.Fatalf("BRPOP timeout: %q %v", raw, err)
	}
	waitBlocked(t, p, 2)
	if _, err := p.Ours().Raw("CLIENT", "KILL", "TYPE", "normal"); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, p, 0)
	if v, err := p.Ours().Value("RPUSH", "l", "x"); err != nil || v.Int != 1 {
		t.Fatalf("RPUSH after the waiters left: %v %v", v, err)
	}
}

func waitBlocked(t *testing.T, p *oracle.Pair, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Engine.BlockedClients() != n {
		if time.Now().After(deadline) {
			t.Fatalf("BlockedClients() = %d, want %d", p.Engine.BlockedClients(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBlockingSubscriberOrderRace has a RESP3 client, subscribed to a
// channel, block and be served over and over while another client publishes
// numbered messages without pause. The client must read every message, in
// order, and each BLPOP reply (with its element) after every message
// published before the push and before every message published after it,
// as from Redis, where the push, its serving and each PUBLISH are serial.
func TestBlockingSubscriberOrderRace(t *testing.T) {
	p := oracle.Start(t)
	b := coDial(t, p.OursAddr)
	defer b.c.Close()
	b.do(t, "HELLO", "3")
	b.do(t, "SUBSCRIBE", "ch")
	var sent, acked atomic.Int64
	stop := make(chan struct{})
	pubErr := make(chan error, 1)
	go func() {
		pub := coDial(t, p.OursAddr)
		defer pub.c.Close()
		for n := 0; ; n++ {
			select {
			case <-stop:
				pubErr <- nil
				return
			default:
			}
			sent.Store(int64(n + 1))
			if err := pub.send("PUBLISH", "ch", strconv.Itoa(n)); err != nil {
				pubErr <- err
				return
			}
			if _, err := pub.read(); err != nil {
				pubErr <- err
				return
			}
			acked.Store(int64(n + 1))
		}
	}()
	pusher := coDial(t, p.OursAddr)
	defer pusher.c.Close()
	next := int64(0)
	readUntilReply := func() protocol.Value {
		t.Helper()
		for {
			raw, err := b.read()
			if err != nil {
				t.Fatal(err)
			}
			v := coValue(t, raw)
			if v.Kind != protocol.KindPush {
				return v
			}
			if n, _ := strconv.ParseInt(v.Elems[2].Str, 10, 64); n != next {
				t.Fatalf("message %d arrived when %d was due", n, next)
			}
			next++
		}
	}
	for round := 0; round < 300; round++ {
		if err := b.send("BLPOP", "l", "0"); err != nil {
			t.Fatal(err)
		}
		waitBlocked(t, p, 1)
		lo := acked.Load()
		pusher.do(t, "RPUSH", "l", strconv.Itoa(round))
		hi := sent.Load()
		if v := readUntilReply(); len(v.Elems) != 2 || v.Elems[1].Str != strconv.Itoa(round) {
			t.Fatalf("round %d: BLPOP %v", round, v)
		}
		if next < lo || next > hi {
			t.Fatalf("round %d: the reply came after %d messages; %d were published before the push, %d by its reply", round, next, lo, hi)
		}
	}
	close(stop)
	if err := <-pubErr; err != nil {
		t.Fatal(err)
	}
	total := acked.Load()
	b.send("PING")
	readUntilReply()
	if next != total {
		t.Fatalf("read %d messages of %d", next, total)
	}
}
