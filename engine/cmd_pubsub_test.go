package engine_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests of pub/sub and keyspace notifications against Redis 7.0:
// subscribers and publishers on separate connections, comparing the exact
// message streams each connection reads (see runCoDiff), in RESP2 and RESP3.

func TestPubsubDiff(t *testing.T) {
	runCoDiff(t, []coCase{
		{"confirmations and counts", []string{
			"S: subscribe a b a",
			"S: @read",
			"S: @read",
			"S: psubscribe p* p? p*",
			"S: @read",
			"S: @read",
			"S: ssubscribe s1 s2 s1",
			"S: @read",
			"S: @read",
			"S: unsubscribe a nope",
			"S: @read",
			"S: punsubscribe p* nope",
			"S: @read",
			"S: sunsubscribe s1 nope",
			"S: @read",
			"S: @send unsubscribe",
			"S: @unsub 1",
			"S: @send punsubscribe",
			"S: @unsub 1",
			"S: @send sunsubscribe",
			"S: @unsub 1",
			"S: unsubscribe",
			"S: punsubscribe",
			"S: sunsubscribe",
			"S: ping",
		}},
		{"unsubscribe from everything", []string{
			"S: subscribe c1 c2 c3 c4",
			"S: @read",
			"S: @read",
			"S: @read",
			"S: psubscribe x* y*",
			"S: @read",
			"S: @send unsubscribe",
			"S: @unsub 4",
			"S: @send punsubscribe",
			"S: @unsub 2",
			"S: ssubscribe s1 s2",
			"S: @read",
			"S: subscribe c",
			"S: @send sunsubscribe",
			"S: @unsub 2",
			"S: unsubscribe c",
			"P: publish c x",
			"P: pubsub numpat",
		}},
		{"publish counts receivers", []string{
			"S: subscribe ch",
			"T: psubscribe c*",
			"P: publish ch hello",
			"S: @read",
			"T: @read",
			"P: publish other x",
			"P: publish cx y",
			"T: @read",
			"P: publish ch \"\"",
			"S: @read",
			"T: @read",
			"P: publish ch \"bin\\r\\nary\"",
			"S: @read",
			"T: @read",
		}},
		{"channel and pattern: message then pmessage", []string{
			"S: subscribe news",
			"S: psubscribe n*",
			"P: publish news one",
			"S: @read",
			"S: @read",
			"P: publish nope two",
			"S: @read",
			"S: subscribe fence",
			"S: psubscribe *s",
			"P: publish news three",
			"S: @drain sorted",
		}},
		{"delivery order per publisher", []string{
			"S: subscribe q",
			"S: subscribe fence",
			"P: publish q 1",
			"P: publish q 2",
			"Q: publish q 3",
			"P: publish q 4",
			"S: @drain",
		}},
		{"shard channels", []string{
			"S: ssubscribe sh",
			"T: psubscribe *",
			"U: subscribe sh",
			"P: spublish sh m",
			"S: @read",
			"P: publish sh m2",
			"T: @read",
			"U: @read",
			"P: spublish none m",
			"P: pubsub shardchannels",
			"P: pubsub shardnumsub sh none",
			"P: pubsub numsub sh",
		}},
		{"RESP2 subscribed mode", []string{
			"S: subscribe a",
			"S: get k",
			"S: set k v",
			"S: @2 multi",
			"S: ping",
			"S: ping hi",
			"S: ping \"\"",
			"S: ping a b",
			"S: publish a x",
			"S: @3 @read",
			"S: pubsub numsub a",
			"S: client id x",
			"S: subscribe",
			"S: psubscribe",
			"S: ssubscribe",
			"S: reset",
			"S: get k",
			"S: ping",
			"P: pubsub numsub a",
		}},
		{"quit while subscribed", []string{
			"S: psubscribe *",
			"S: quit",
			"S: @closed",
			"P: publish a b",
		}},
		{"subscriber disconnects", []string{
			"S: subscribe a",
			"S: psubscribe a*",
			"S: ssubscribe a",
			"S: @close",
			"P: publish a x",
			"P: spublish a x",
			"P: pubsub numsub a",
			"P: pubsub numpat",
			"P: pubsub channels",
			"P: pubsub shardchannels",
		}},
		{"multi and exec while subscribed", []string{
			"S: subscribe a",
			"P: multi",
			"P: publish a 1",
			"P: publish a 2",
			"P: exec",
			"S: @read",
			"S: @read",
		}},
		{"introspection", []string{
			"S: subscribe a b c",
			"T: subscribe b",
			"T: psubscribe x* x* y?",
			"U: ssubscribe s1 s2",
			"V: ssubscribe s2",
			"P: @sorted pubsub channels",
			"P: @sorted pubsub channels *",
			"P: @sorted pubsub channels b*",
			"P: @sorted pubsub channels [ab]",
			"P: pubsub channels nomatch",
			"P: pubsub numsub a b c nope",
			"P: pubsub numsub",
			"P: pubsub numpat",
			"P: @sorted pubsub shardchannels",
			"P: pubsub shardchannels s1",
			"P: pubsub shardnumsub s1 s2 s3",
			"P: pubsub shardnumsub",
			"P: pubsub help",
			"P: PUBSUB NumSub a",
		}},
		{"errors", []string{
			"P: pubsub",
			"P: pubsub nosuch",
			"P: pubsub channels a b",
			"P: pubsub numpat x",
			"P: pubsub shardchannels a b",
			"P: pubsub help x",
			"P: publish a",
			"P: publish a b c",
			"P: spublish a",
			"P: subscribe",
			"P: psubscribe",
			"P: ssubscribe",
		}},
	})
}

// TestPubsubSelfDiff publishes to a connection's own subscription: the
// message reaches it before the PUBLISH reply (only RESP3 may publish while
// subscribed; in RESP2 the PUBLISH is refused).
func TestPubsubSelfDiff(t *testing.T) {
	runCoDiff(t, []coCase{
		{"self publish", []string{
			"subscribe me",
			"publish me hi",
			"@3 @read",
			"set k v",
			"get k",
			"psubscribe m*",
			"publish me again",
			"@3 @read",
			"@3 @read",
		}},
	})
}

// keyspaceScript is a sequence of writes per family, each followed by a
// drain of subscriber S (psubscribed to every keyspace channel). Keys that
// must expire lazily are given 1 ms TTLs and read after a pause.
var keyspaceScript = []string{
	// strings
	"set s v",
	"set s v2 get",
	"setnx s v",
	"setnx s2 v",
	"setex se 100 v",
	"psetex sp 100000 v",
	"set s v xx keepttl",
	"set nx v xx",
	"append s x",
	"append s3 x",
	"incr n",
	"incrby n 5",
	"decr n",
	"decrby n 2",
	"incrbyfloat f 1.5",
	"setrange s 1 zz",
	"setrange s 0 \"\"",
	"getset s w",
	"getdel s2",
	"getdel s2",
	"getex se persist",
	"getex sp px 100000",
	"getex sp",
	"mset m1 a m2 b",
	"msetnx m1 a m3 c",
	"msetnx m4 a m5 c",
	"get missing",
	"mget missing s",
	"strlen missing",
	"set s x ex 0",
	"set s x px 100000",
	// keys
	"del m1 m2 missing",
	"unlink m4 m5",
	"set m3 c", // MSETNX above set nothing
	"expire m3 100",
	"pexpire m3 100000",
	"expire m3 100 xx",
	"expire m3 100 nx",
	"expireat m3 1",
	"set k v",
	"expire k 0",
	"set k v",
	"expire k -5",
	"set k v ex 100",
	"persist k",
	"persist k",
	"rename k k2",
	"rename k2 k2",
	"set k3 v",
	"renamenx k2 k3",
	"renamenx k2 k4",
	"copy k4 k5",
	"copy k4 k5",
	"copy k4 k5 replace",
	"copy k4 k5 db 1",
	"move k5 1",
	"move k4 2",
	"select 1",
	"del k5",
	"set k5 v",
	"select 0",
	"type missing",
	"exists missing",
	"ttl missing",
	"set lazy v px 1",
	"@sleep 3",
	"get lazy",
	"set lazy2 v px 1",
	"@sleep 3",
	"exists lazy2",
	// lists
	"rpush l a b c",
	"lpush l z",
	"lpushx l y",
	"lpushx nol y",
	"rpushx l q",
	"linsert l before a a0",
	"linsert l before nope x",
	"lset l 0 first",
	"lrem l 0 a",
	"lrem l 0 nope",
	"ltrim l 0 3",
	"ltrim l 0 -1",
	"lpop l",
	"rpop l 2",
	"lmove l l2 left right",
	"rpoplpush l2 l",
	"lmpop 1 l right count 10",
	"rpush l3 x",
	"ltrim l3 1 0",
	"lrange missing 0 -1",
	"lindex missing 0",
	// hashes
	"hset h f v g w",
	"hset h f v2",
	"hsetnx h f v",
	"hsetnx h n v",
	"hmset h a 1",
	"hincrby h a 2",
	"hincrbyfloat h a 0.5",
	"hdel h nope",
	"hdel h f g n a",
	"hget missing f",
	"hgetall missing",
	// sets
	"sadd st a b c",
	"sadd st a",
	"srem st a b nope",
	"spop st",
	"sadd st x y",
	"@sorted spop st 10",
	"sadd st x",
	"spop st 1",
	"sadd a 1 2",
	"sadd b 2 3",
	"sinterstore d a b",
	"sunionstore d a b",
	"sdiffstore d a b",
	"smove a b 1",
	"smove a b 2",
	"sinterstore d a b",
	"sunionstore d a b",
	"sdiffstore d a b",
	"sdiffstore d2 nope",
	"sunionstore d b",
	"sinterstore d a b",
	"sadd c 9",
	"sunionstore d b",
	"sinterstore d b c",
	"sunionstore d b",
	"sunionstore d nope",
	"smembers missing",
	"sismember missing a",
	// sorted sets
	"zadd z 1 a 2 b 3 c 4 d 5 e",
	"zadd z xx 9 a",
	"zadd z nx 9 a",
	"zadd z incr 1 b",
	"zincrby z 2 c",
	"zrem z nope",
	"zrem z a",
	"zremrangebyrank z 0 0",
	"zremrangebyscore z 0 4",
	"zremrangebylex z - +",
	"zadd z 1 a 2 b 3 c",
	"zpopmin z",
	"zpopmax z 5",
	"zadd z 1 a 2 b",
	"zmpop 1 z min count 5",
	"zadd z1 1 a 2 b",
	"zadd z2 2 b 3 c",
	"zunionstore zu 2 z1 z2",
	"zinterstore zi 2 z1 z2",
	"zdiffstore zd 2 z1 z2",
	"zdiffstore zd 2 z1 z1",
	"zrangestore zr z1 0 -1",
	"zrangestore zr z1 5 6",
	"zrange missing 0 -1",
	// blocking commands served at once
	"rpush bl a b",
	"blpop bl 0",
	"brpop bl 0",
	"rpush bl a",
	"blmove bl bl2 left left 0",
	"blmpop 0 1 bl2 left",
	"bzpopmin z1 0",
	"bzpopmax z1 0",
	"zadd z1 1 a",
	"bzmpop 0 1 z1 min",
	// other databases and whole-keyspace commands
	"select 3",
	"set other v",
	"del other",
	"select 0",
	"swapdb 0 3",
	"flushdb",
	"flushall",
}

// TestKeyspaceEventsDiff compares the keyspace notifications a separate
// subscriber receives for the script above under each event class.
func TestKeyspaceEventsDiff(t *testing.T) {
	var cases []coCase
	for _, flags := range []string{"KEA", "KEAmn", "K$", "E$", "Kg", "Eg", "El", "Kh", "Es", "Ex", "Km", "En", "Ed", "KEt", "E", "g$lshx", "Egm"} {
		lines := []string{
			"config set notify-keyspace-events " + flags,
			"config get notify-keyspace-events",
			"S: psubscribe __key*__:*",
			"S: subscribe fence",
		}
		for _, l := range keyspaceScript {
			lines = append(lines, l)
			// A key set to expire in 1 ms may expire (actively) before
			// or after a drain: drain after the read that finds it expired.
			if !strings.HasPrefix(l, "@sleep") && !strings.HasSuffix(l, " px 1") {
				lines = append(lines, "S: @drain")
			}
		}
		cases = append(cases, coCase{"events " + flags, lines})
	}
	runCoDiff(t, cases)
}

// TestKeyspaceEventsExpiryDiff checks the "expired" events of the active
// expire cycle (keys nobody reads) and of a key found expired, with and
// without keymiss events, and the events of blocked clients being served.
func TestKeyspaceEventsExpiryDiff(t *testing.T) {
	runCoDiff(t, []coCase{
		{"active expiry", []string{
			"config set notify-keyspace-events KEx",
			"S: psubscribe __key*__:*",
			"set k v px 20",
			"S: @read",
			"S: @read",
			"hset h f v",
			"pexpire h 20",
			"S: @read",
			"S: @read",
			"dbsize",
		}},
		{"expiry in another database", []string{
			"config set notify-keyspace-events Ex",
			"S: psubscribe __key*__:*",
			"select 5",
			"set k v px 10",
			"S: @read",
		}},
		{"lazy expiry and keymiss", []string{
			"config set notify-keyspace-events KEA",
			"S: psubscribe __key*__:*",
			"S: subscribe fence",
			"config set notify-keyspace-events KExm",
			"set k v px 1",
			"@sleep 3",
			"get k",
			"S: @drain",
		}},
		{"served waiters", []string{
			"config set notify-keyspace-events KEA",
			"S: psubscribe __key*__:*",
			"S: subscribe fence",
			"B: @send blpop l 0",
			"C: @send blmove l2 l3 left right 0",
			"@blocked 2",
			"rpush l a b",
			"B: @read",
			"S: @drain",
			"rpush l2 x",
			"C: @read",
			"S: @drain",
		}},
	})
}

// TestKeyspaceEventsSelfSubscribedDiff has a RESP3 client subscribed to
// its own keyspace events run the removals: the events (and the "del" of a
// key left empty) must come before the command's reply, as in Redis.
func TestKeyspaceEventsSelfSubscribedDiff(t *testing.T) {
	lines := []string{
		"config set notify-keyspace-events KEA",
		"S: subscribe fence",
		"S: psubscribe __keyspace@0__:*",
	}
	for _, l := range keyspaceScript {
		if strings.HasPrefix(l, "@sleep") || strings.HasSuffix(l, " px 1") || popsInsideReply[strings.Fields(l)[0]] {
			continue
		}
		lines = append(lines, "S: @3 "+l, "S: @3 @drain")
	}
	runCoDiff(t, []coCase{{"self-subscribed", lines}})
}

// popsInsideReply are the commands whose keyspace events Redis 7.0 writes to
// a self-subscribed RESP3 client inside the command's own array reply, which
// breaks RESP3 ("push data ... always at the top level"; redis/redis#8206).
// cachee sends them after the reply; TestKeyspaceEventsAfterPopReply checks.
var popsInsideReply = map[string]bool{
	"zpopmin": true, "zpopmax": true, "zmpop": true, "bzpopmin": true, "bzpopmax": true, "bzmpop": true,
}

// TestKeyspaceEventsAfterPopReply checks on cachee alone that a
// self-subscribed RESP3 client gets each sorted-set pop's whole reply, then
// the pop's event, then the "del" of the emptied key.
func TestKeyspaceEventsAfterPopReply(t *testing.T) {
	p := oracle.Start(t)
	s, other := coDial(t, p.OursAddr), coDial(t, p.OursAddr)
	defer s.c.Close()
	defer other.c.Close()
	s.do(t, "HELLO", "3")
	other.do(t, "CONFIG", "SET", "notify-keyspace-events", "KEA")
	s.do(t, "SUBSCRIBE", "__keyspace@0__:z", "fence")
	s.read() // the second confirmation
	for _, tc := range []struct {
		cmd   []string
		reply string
		event string
	}{
		{[]string{"zpopmin", "z"}, "*2\r\n$1\r\na\r\n,1\r\n", "zpopmin"},
		{[]string{"zpopmax", "z", "5"}, "*1\r\n*2\r\n$1\r\na\r\n,1\r\n", "zpopmax"},
		{[]string{"zmpop", "1", "z", "min"}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n", "zpopmin"},
		{[]string{"bzpopmax", "z", "0"}, "*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n", "zpopmax"},
		{[]string{"bzmpop", "0", "1", "z", "max", "count", "9"}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n", "zpopmax"},
	} {
		other.do(t, "ZADD", "z", "1", "a")
		other.do(t, "PUBLISH", "fence", "x")
		for {
			m, err := s.read()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(m, []byte("fence")) {
				break
			}
		}
		if err := s.send(tc.cmd...); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{tc.reply, "$" + strconv.Itoa(len(tc.event)) + "\r\n" + tc.event + "\r\n", "$3\r\ndel\r\n"} {
			got, err := s.read()
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 && string(got) != want || i > 0 && !bytes.HasPrefix(got, []byte(">3")) || !bytes.HasSuffix(got, []byte(want)) {
				t.Errorf("%q: frame %d is %q, want %q", tc.cmd, i, got, want)
			}
		}
	}
}

// TestPubsubSlowSubscriberDiff publishes to a subscriber that never reads
// (with a small receive window) and to one that reads everything, on both
// servers with client-output-buffer-limit pubsub 64kb 32kb 1: the slow one
// is disconnected once its pending output passes the limit, the other gets
// every message in order, and every PUBLISH is answered meanwhile.
func TestPubsubSlowSubscriberDiff(t *testing.T) {
	p := oracle.Start(t)
	for _, side := range []struct {
		name string
		addr string
		main *oracle.Client
	}{{"redis", p.RealAddr, p.Real()}, {"cachee", p.OursAddr, p.Ours()}} {
		t.Run(side.name, func(t *testing.T) {
			if _, err := side.main.Raw("CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 32kb 1"); err != nil {
				t.Fatal(err)
			}
			slowSubscriber(t, side.addr, side.main)
		})
	}
}

func slowSubscriber(t *testing.T, addr string, main *oracle.Client) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	slow, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	sr := &coClient{c: slow, r: bufio.NewReader(slow)}
	sr.do(t, "SUBSCRIBE", "ch")

	fast := coDial(t, addr)
	defer fast.c.Close()
	fast.do(t, "SUBSCRIBE", "ch")
	const payloadSize, batchSize = 1 << 10, 8
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	var read atomic.Int64
	go func() {
		for n := 0; ; n++ {
			read.Store(int64(n))
			raw, err := fast.read()
			if err != nil {
				done <- result{n, err}
				return
			}
			if bytes.HasSuffix(raw, []byte("end\r\n")) {
				done <- result{n, nil}
				return
			}
			if want := []byte(strconv.Itoa(n) + ":"); !bytes.Contains(raw, append([]byte("\r\n"), want...)) {
				done <- result{n, fmt.Errorf("message %d is %.60q", n, raw)}
				return
			}
		}
	}()

	pub := coDial(t, addr)
	defer pub.c.Close()
	payload := bytes.Repeat([]byte("x"), payloadSize)
	sent, receivers := 0, int64(2)
	// Up to 32 MB: far more than the kernel's socket buffers plus 64 KB. The
	// batches are small: cachee runs a pipeline without flushing the other
	// subscribers in between (Redis writes them out every 16 KB it reads),
	// so a deep pipeline could overflow even the fast subscriber.
	for batch := 0; receivers == 2 && batch < 4096; batch++ {
		// The fast subscriber keeps up: in-process, the server and this
		// test share the CPUs, and a reader starved behind the publisher
		// would fill its socket and be dropped too, as it would by Redis.
		for deadline := time.Now().Add(10 * time.Second); read.Load() < int64(sent-32); time.Sleep(100 * time.Microsecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the fast subscriber is stuck at %d of %d messages", read.Load(), sent)
			}
		}
		var buf []byte
		for i := 0; i < batchSize; i++ {
			copy(payload, strconv.Itoa(sent+i)+":")
			buf = protocol.AppendCommand(buf, "PUBLISH", "ch", string(payload))
		}
		if _, err := pub.c.Write(buf); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < batchSize; i++ {
			raw, err := pub.read()
			if err != nil {
				t.Fatalf("PUBLISH %d: %v", sent, err)
			}
			receivers = coValue(t, raw).Int
			sent++
		}
	}
	t.Logf("slow subscriber dropped after %d messages", sent)
	if receivers != 1 {
		t.Fatalf("after %d messages of %d bytes PUBLISH still reaches %d subscribers", sent, payloadSize, receivers)
	}
	pub.do(t, "PUBLISH", "ch", "end")
	r := <-done
	if r.err != nil || r.n != sent {
		t.Fatalf("the fast subscriber read %d of %d messages: %v", r.n, sent, r.err)
	}
	// The slow client reads what the kernel held for it, then the end.
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, slow)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the slow subscriber's connection: %v", err)
	}
	if v, err := main.Value("PUBSUB", "NUMSUB", "ch"); err != nil || len(v.Elems) != 2 || v.Elems[1].Int != 1 {
		t.Fatalf("PUBSUB NUMSUB ch: %v %v", v, err)
	}
}

// TestPubsubClientListDiff compares what CLIENT LIST shows of subscribed,
// blocked and WATCHing clients (flags P, b, d; sub, psub, ssub), the pubsub
// client type of CLIENT LIST TYPE and CLIENT KILL TYPE.
func TestPubsubClientListDiff(t *testing.T) {
	p := oracle.Start(t)
	var lists [2][][][2]string
	var typed [2][3]string
	var stats [2][]string
	for i, addr := range []string{p.RealAddr, p.OursAddr} {
		main := []*oracle.Client{p.Real(), p.Ours()}[i]
		// One at a time, so that the client ids (CLIENT LIST's order) follow.
		var conns [4]*coClient
		for j := range conns {
			conns[j] = coDial(t, addr)
			conns[j].do(t, "PING")
		}
		s, tc, b, w := conns[0], conns[1], conns[2], conns[3]
		defer s.c.Close()
		defer tc.c.Close()
		defer b.c.Close()
		defer w.c.Close()
		s.do(t, "SUBSCRIBE", "a")
		s.do(t, "PSUBSCRIBE", "p*")
		s.do(t, "SUBSCRIBE", "b")
		tc.do(t, "SSUBSCRIBE", "s")
		w.do(t, "WATCH", "k")
		w.do(t, "SET", "k", "v")
		if err := b.send("BLPOP", "l", "0"); err != nil {
			t.Fatal(err)
		}
		coWaitInfo(t, []string{"redis", "cachee"}[i], main, "blocked_clients", "1")
		v, err := main.Raw("CLIENT", "LIST")
		if err != nil {
			t.Fatal(err)
		}
		lists[i] = csInfoLines(t, v)
		for _, f := range []string{"pubsub_channels", "pubsub_patterns", "pubsubshard_channels"} {
			stats[i] = append(stats[i], f+"="+coInfoField(t, main, "stats:"+f))
		}
		for j, args := range [][]string{{"CLIENT", "LIST", "TYPE", "pubsub"}, {"CLIENT", "LIST", "TYPE", "normal"}, {"CLIENT", "KILL", "TYPE", "pubsub"}} {
			v, err := main.Raw(args...)
			if err != nil {
				t.Fatal(err)
			}
			if j < 2 {
				var names []string
				for _, l := range csInfoLines(t, v) {
					names = append(names, csField(l, "flags"))
				}
				typed[i][j] = strings.Join(names, " ")
			} else {
				typed[i][j] = string(v)
			}
		}
		for _, c := range []*coClient{s, tc} {
			if _, err := io.Copy(io.Discard, c.c); err != nil && !strings.Contains(err.Error(), "reset") {
				t.Errorf("a killed subscriber's connection: %v", err)
			}
		}
	}
	if len(lists[0]) != len(lists[1]) {
		t.Fatalf("CLIENT LIST: redis %d clients, cachee %d", len(lists[0]), len(lists[1]))
	}
	for j := range lists[0] {
		for _, f := range []string{"flags", "sub", "psub", "ssub", "multi", "cmd"} {
			if r, o := csField(lists[0][j], f), csField(lists[1][j], f); r != o {
				t.Errorf("client %d: %s: redis %q, cachee %q", j, f, r, o)
			}
		}
	}
	if !slices.Equal(stats[0], stats[1]) {
		t.Errorf("INFO stats: redis %v, cachee %v", stats[0], stats[1])
	}
	if typed[0] != typed[1] {
		t.Errorf("CLIENT LIST TYPE pubsub / normal, CLIENT KILL TYPE pubsub:\n redis:  %q\n cachee: %q", typed[0], typed[1])
	}
}
