package server_test

import (
	"bufio"
	"bytes"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// logBuffer collects a server's log lines (safe for concurrent writers).
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// side is one server of a differential test: real Redis or cachee.
type side struct {
	name, addr string
	logs       *logBuffer // cachee's log; nil for Redis
	e          *engine.Engine
}

// bothServers starts a redis-server with redisArgs and a cachee server with
// ec, and runs fn on each as a subtest.
func bothServers(t *testing.T, ec engine.Config, redisArgs []string, fn func(t *testing.T, s side)) {
	t.Helper()
	logs := &logBuffer{}
	_, e, ours := startServer(t, ec, server.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	real := oracle.StartRedis(t, redisArgs...)
	for _, s := range []side{{name: "redis", addr: real}, {name: "cachee", addr: ours, logs: logs, e: e}} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			fn(t, s)
		})
	}
}

// do sends a command on c and returns its raw reply.
func do(t *testing.T, c *oracle.Client, args ...string) string {
	t.Helper()
	raw, err := c.Raw(args...)
	if err != nil {
		t.Fatalf("%.80q: %v", strings.Join(args, " "), err)
	}
	return string(raw)
}

// waitClients waits until the server reports n connected clients (admin
// included) and says whether it did within a few seconds.
func waitClients(t *testing.T, admin *oracle.Client, n int) bool {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		v, err := admin.Value("INFO", "clients")
		if err != nil {
			t.Fatal(err)
		}
		if infoField(v.Str, "connected_clients") == strconv.Itoa(n) {
			return true
		}
	}
	return false
}

// dialCounted connects to addr and returns once the server counts the new
// client (one PING answered).
func dialCounted(t *testing.T, addr string) net.Conn {
	t.Helper()
	c := dial(t, "tcp", addr)
	_, _ = c.Write([]byte("PING\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := bufio.NewReader(c).ReadString('\n'); got != "+PONG\r\n" {
		t.Fatalf("PING: %q %v", got, err)
	}
	return c
}

// flood pipelines cmd on c repeatedly without ever reading, until a write
// fails (the server closed the connection) or times out.
func flood(c net.Conn, cmd string, batches int) {
	batch := bytes.Repeat([]byte(cmd+"\r\n"), 100)
	for i := 0; i < batches; i++ {
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(batch); err != nil {
			return
		}
	}
}

var pendingRE = regexp.MustCompile(`pending=(\d+)`)

// TestOutputBufferLimitHard: a client that pipelines big GETs and never
// reads passes the normal class's hard limit and is disconnected, as in
// Redis, with Redis's log line; the replies held for it stay near the limit.
func TestOutputBufferLimitHard(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		admin := oracle.Dial(t, s.addr)
		do(t, admin, "SET", "big", strings.Repeat("x", 100_000))
		if got := do(t, admin, "CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET: %q", got)
		}
		slow := dialCounted(t, s.addr)
		go flood(slow, "GET big", 200)
		if !waitClients(t, admin, 1) {
			t.Fatal("the client over the hard limit is still connected")
		}
		if got := do(t, admin, "STRLEN", "big"); got != ":100000\r\n" {
			t.Errorf("other clients: %q", got)
		}
		if s.logs == nil {
			return
		}
		log := s.logs.String()
		if !strings.Contains(log, "scheduled to be closed ASAP for overcoming of output buffer limits.") || !strings.Contains(log, "class=normal") {
			t.Errorf("log: %s", log)
		}
		m := pendingRE.FindStringSubmatch(log)
		if m == nil {
			t.Fatalf("no pending= in the log: %s", log)
		}
		if n, _ := strconv.Atoi(m[1]); n <= 1<<20 || n > 1<<20+100_100 {
			t.Errorf("closed with %s bytes pending, want just over 1 MB", m[1])
		}
	})
}

// TestOutputBufferLimitSoft: with only a soft limit (200 KB, 1 s), a client
// that stays over it is disconnected; and as in Redis the soft clock only
// stops when a check finds the output back under the limit (a reply that
// spills past the 16 KB static buffer but stays under 200 KB), so a client
// that reads everything but gets a big reply every 0.6 s is disconnected
// too, while one that also gets middle-sized replies is not.
func TestOutputBufferLimitSoft(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		admin := oracle.Dial(t, s.addr)
		do(t, admin, "SET", "big", strings.Repeat("x", 300_000))
		do(t, admin, "SET", "mid", strings.Repeat("x", 50_000))
		do(t, admin, "CONFIG", "SET", "client-output-buffer-limit", "normal 0 200kb 1")
		mixed, bigOnly := oracle.Dial(t, s.addr), oracle.Dial(t, s.addr)
		closed := false
		for i := 0; i < 6; i++ {
			if got := do(t, mixed, "GET", "big"); len(got) != 300_011 {
				t.Fatalf("GET big: %d bytes", len(got))
			}
			if got := do(t, mixed, "GET", "mid"); len(got) != 50_010 {
				t.Fatalf("GET mid: %d bytes", len(got))
			}
			if !closed {
				raw, err := bigOnly.Raw("GET", "big")
				closed = err != nil
				if !closed && len(raw) != 300_011 {
					t.Fatalf("GET big: %d bytes", len(raw))
				}
			}
			time.Sleep(600 * time.Millisecond)
		}
		if !closed {
			t.Error("a client getting a reply over the soft limit every 0.6 s was kept")
		}
		slow := dialCounted(t, s.addr)
		go flood(slow, "GET big", 10)
		if !waitClients(t, admin, 2) {
			t.Fatal("the client over the soft limit is still connected")
		}
	})
}

// TestOutputBufferLimitPubSub: a subscriber that does not read is cut off
// by the pubsub class's hard limit, while the normal class (set tiny here)
// does not apply to it; the publisher carries on.
func TestOutputBufferLimitPubSub(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		admin := oracle.Dial(t, s.addr)
		do(t, admin, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0 normal 1 1 1")
		sub := dialCounted(t, s.addr)
		_, _ = sub.Write([]byte("SUBSCRIBE ch\r\n")) // and never reads again
		pub := oracle.Dial(t, s.addr)
		msg := strings.Repeat("m", 10_000)
		if !waitClients(t, admin, 3) {
			t.Fatal("clients not counted")
		}
		for i := 0; i < 10; i++ {
			do(t, pub, "PUBLISH", "ch", msg) // 100 KB: under the pubsub limit
		}
		time.Sleep(200 * time.Millisecond)
		if got := do(t, pub, "PUBSUB", "NUMSUB", "ch"); got != "*2\r\n$2\r\nch\r\n:1\r\n" {
			t.Fatalf("subscriber gone under the limit: %q", got)
		}
		// More than the socket buffers take: the rest waits in the server.
		for i := 0; i < 3000; i++ {
			do(t, pub, "PUBLISH", "ch", msg)
		}
		if !waitClients(t, admin, 2) {
			t.Fatal("the subscriber over the pubsub limit is still connected")
		}
		if got := do(t, pub, "PUBLISH", "ch", "x"); got != ":0\r\n" {
			t.Errorf("PUBLISH after the subscriber was cut off: %q", got)
		}
	})
}

// TestSlowReaderDoesNotBlockOthers: with the default unlimited normal class,
// a client that does not read its replies holds them in memory, and nobody
// waits for it: a command's reply is not written to the socket while the
// command holds its keys' locks.
func TestSlowReaderDoesNotBlockOthers(t *testing.T) {
	_, _, addr := startServer(t, engine.Config{}, server.Config{})
	admin := oracle.Dial(t, addr)
	do(t, admin, "SET", "big", strings.Repeat("x", 100_000))
	slow := dial(t, "tcp", addr)
	go flood(slow, "GET big", 3) // 30 MB of replies, far more than the socket buffers take
	time.Sleep(300 * time.Millisecond)
	for i := 0; i < 20; i++ {
		if got := do(t, admin, "SET", "big", strings.Repeat("y", 100_000)); got != "+OK\r\n" {
			t.Fatalf("SET on the slow client's key: %q", got)
		}
	}
}

// TestQueryBufferLimit: CONFIG SET client-query-buffer-limit applies to
// connected clients; a client whose pending argument passes it is closed
// without a reply and logged as Redis does, one just under it is not.
func TestQueryBufferLimit(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		admin := oracle.Dial(t, s.addr)
		existing := dial(t, "tcp", s.addr)
		do(t, admin, "CONFIG", "SET", "client-query-buffer-limit", "1mb")
		if got := do(t, admin, "CONFIG", "GET", "client-query-buffer-limit"); got != "*2\r\n$25\r\nclient-query-buffer-limit\r\n$7\r\n1048576\r\n" {
			t.Errorf("CONFIG GET: %q", got)
		}
		head := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n"
		_, _ = existing.Write([]byte(head + strings.Repeat("x", 1_100_000)))
		if b, closed := readAll(t, existing, 3*time.Second); !closed || len(b) != 0 {
			t.Errorf("over the limit: closed %v, got %q", closed, b)
		}
		under := dial(t, "tcp", s.addr)
		_, _ = under.Write([]byte(head + strings.Repeat("x", 1<<20-100)))
		if b, closed := readAll(t, under, 500*time.Millisecond); closed || len(b) != 0 {
			t.Errorf("under the limit: closed %v, got %q", closed, b)
		}
		_, _ = under.Write([]byte(strings.Repeat("x", 200)))
		if b, closed := readAll(t, under, 3*time.Second); !closed || len(b) != 0 {
			t.Errorf("past the limit: closed %v, got %q", closed, b)
		}
		// Complete arguments do not count: a 900 KB SET passes.
		ok := oracle.Dial(t, s.addr)
		if got := do(t, ok, "SET", "k", strings.Repeat("v", 900_000)); got != "+OK\r\n" {
			t.Errorf("SET of 900 KB: %q", got)
		}
		if s.logs != nil && !strings.Contains(s.logs.String(), "Closing client that reached max query buffer length: id=") {
			t.Errorf("log: %s", s.logs.String())
		}
	})
}

// TestProtoMaxBulkLenLive: CONFIG SET proto-max-bulk-len applies to a
// client connected before it, as in Redis.
func TestProtoMaxBulkLenLive(t *testing.T) {
	p := oracle.Start(t)
	real, ours := dial(t, "tcp", p.RealAddr), dial(t, "tcp", p.OursAddr)
	p.Do("CONFIG", "SET", "proto-max-bulk-len", "1mb")
	in := []byte("*2\r\n$4\r\nECHO\r\n$1048577\r\n")
	_, _ = real.Write(in)
	_, _ = ours.Write(in)
	rb, rclosed := readAll(t, real, 3*time.Second)
	ob, oclosed := readAll(t, ours, 3*time.Second)
	if !bytes.Equal(rb, ob) || !rclosed || !oclosed {
		t.Errorf("redis %q (closed %v), cachee %q (closed %v)", rb, rclosed, ob, oclosed)
	}
	p.Do("CONFIG", "SET", "proto-max-bulk-len", "512mb")
	p.Do("ECHO", strings.Repeat("z", 1<<20+1))
}

// TestMaxClientsConfigSet: CONFIG SET maxclients applies at once to new
// connections and leaves connected ones alone; a value the open-file limit
// cannot serve is refused with Redis's hint.
func TestMaxClientsConfigSet(t *testing.T) {
	bothServers(t, engine.Config{ClientLimit: server.FileLimitClients}, nil, func(t *testing.T, s side) {
		admin := oracle.Dial(t, s.addr)
		second := oracle.Dial(t, s.addr)
		do(t, second, "PING")
		if !waitClients(t, admin, 2) {
			t.Fatal("clients not counted")
		}
		if got := do(t, admin, "CONFIG", "SET", "maxclients", "2"); got != "+OK\r\n" {
			t.Fatalf("CONFIG SET maxclients 2: %q", got)
		}
		if b, closed := exchange(t, s.addr, nil); string(b) != "-ERR max number of clients reached\r\n" || !closed {
			t.Errorf("third client: %q (closed %v)", b, closed)
		}
		do(t, admin, "CONFIG", "SET", "maxclients", "1")
		if got := do(t, second, "PING"); got != "+PONG\r\n" {
			t.Errorf("connected client after lowering maxclients: %q", got)
		}
		do(t, admin, "CONFIG", "SET", "maxclients", "3")
		third := oracle.Dial(t, s.addr)
		if got := do(t, third, "PING"); got != "+PONG\r\n" {
			t.Errorf("third client after raising maxclients: %q", got)
		}
		// 100000000 clients need more descriptors than the hard limit.
		got := do(t, admin, "CONFIG", "SET", "maxclients", "100000000")
		if !strings.HasPrefix(got, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with ") {
			t.Errorf("CONFIG SET maxclients 100000000: %q", got)
		}
		if s.logs == nil {
			return // the hint's number depends on the limits: compared below
		}
	})
	p := oracle.StartWith(t, oracle.Options{Engine: engine.Config{ClientLimit: server.FileLimitClients}})
	p.Do("CONFIG", "SET", "maxclients", "100000000")
	p.Do("CONFIG", "SET", "maxclients", "4294967295") // Redis's 32-bit sum wraps: accepted
	p.Do("CONFIG", "GET", "maxclients")
}

// TestTimeoutExemptions: with timeout 1, an idle client is closed while a
// blocked one and a subscribed one stay, and a client just unblocked after
// a wait longer than the timeout is not idle (its reply counts).
func TestTimeoutExemptions(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		admin := oracle.Dial(t, s.addr)
		do(t, admin, "CONFIG", "SET", "timeout", "1")
		idle := dial(t, "tcp", s.addr)
		blocked := dial(t, "tcp", s.addr)
		_, _ = blocked.Write([]byte("BLPOP nolist 0\r\n"))
		sub := oracle.Dial(t, s.addr)
		do(t, sub, "SUBSCRIBE", "ch")
		long := oracle.Dial(t, s.addr)
		if err := long.Send([]byte("BLPOP nolist2 2\r\n")); err != nil {
			t.Fatal(err)
		}
		if b, closed := readAll(t, idle, 3*time.Second); !closed || len(b) != 0 {
			t.Errorf("idle client: closed %v, got %q", closed, b)
		}
		if raw, err := long.ReadRaw(); err != nil || string(raw) != "*-1\r\n" {
			t.Fatalf("BLPOP 2: %q %v", raw, err)
		}
		time.Sleep(300 * time.Millisecond)
		if got := do(t, long, "PING"); got != "+PONG\r\n" {
			t.Errorf("client after a 2 s BLPOP: %q", got)
		}
		if b, closed := readAll(t, blocked, 100*time.Millisecond); closed || len(b) != 0 {
			t.Errorf("blocked client: closed %v, got %q", closed, b)
		}
		do(t, oracle.Dial(t, s.addr), "PUBLISH", "ch", "still-here")
		if raw, err := sub.ReadRaw(); err != nil || !strings.Contains(string(raw), "still-here") {
			t.Errorf("subscribed client: %q %v", raw, err)
		}
	})
}

// TestTimeoutRaisedAtRuntime: CONFIG SET timeout from 0 closes clients
// already idle, within about a second, as Redis's cron does.
func TestTimeoutRaisedAtRuntime(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		idle := dial(t, "tcp", s.addr)
		admin := oracle.Dial(t, s.addr)
		time.Sleep(1100 * time.Millisecond)
		do(t, admin, "CONFIG", "SET", "timeout", "1")
		if b, closed := readAll(t, idle, 3*time.Second); !closed || len(b) != 0 {
			t.Errorf("idle client: closed %v, got %q", closed, b)
		}
	})
}

// TestRepliesBeforeAPartialCommand: the replies to complete commands go out
// even when the client has sent only part of the next one, and before a
// pipelined command blocks.
func TestRepliesBeforeAPartialCommand(t *testing.T) {
	bothServers(t, engine.Config{}, nil, func(t *testing.T, s side) {
		c := dial(t, "tcp", s.addr)
		r := bufio.NewReader(c)
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, _ = c.Write([]byte("PING\r\nPI"))
		if got, err := r.ReadString('\n'); got != "+PONG\r\n" {
			t.Errorf("PING before a partial command: %q %v", got, err)
		}
		_, _ = c.Write([]byte("NG\r\n" + string(protocol.AppendCommand(nil, "SET", "a", "1")) + "BLPOP nolist 0\r\n"))
		for _, want := range []string{"+PONG\r\n", "+OK\r\n"} {
			if got, err := r.ReadString('\n'); got != want {
				t.Errorf("before BLPOP blocks: %q %v, want %q", got, err, want)
			}
		}
	})
}
