package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/server"
)

// idleBytesBound is what an idle connection may cost the server in Go heap
// and goroutine stack. Measured: about 2.5 KB of heap (the session with its
// key and lock scratch slices, the connection's reader, writer and
// bookkeeping without their buffers, the socket) and the parked
// goroutine's stack, 4 KB (8 KB with -race): 6.5 KB in all, 10.7 KB with
// -race. The bound leaves room for the session to grow, and still fails a
// connection that keeps either of its 16 KB buffers while idle (all did
// before, 39 KB measured).
const idleBytesBound = 16 << 10

// memSample is the server process's memory as its child reports it.
type memSample struct{ heap, stack, rss, goroutines int64 }

// TestIdleConnections holds many idle connections to a server in a child
// process (so that the client sockets do not count) and measures the
// server's Go heap + stack growth per connection after a GC, and its RSS
// growth. 1000 connections by default; CACHEE_IDLE_CONNS=10000 for the
// figure in docs/reliability.md. The same test function is the child, when
// CACHEE_IDLE_SERVER is set.
func TestIdleConnections(t *testing.T) {
	if os.Getenv("CACHEE_IDLE_SERVER") != "" {
		idleServer(t)
		return
	}
	n := 1000
	if v := os.Getenv("CACHEE_IDLE_CONNS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("CACHEE_IDLE_CONNS=%q", v)
		}
	}
	raiseFileLimit(t, n)
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleConnections$")
	cmd.Env = append(os.Environ(), "CACHEE_IDLE_SERVER="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	out := bufio.NewReader(stdout)
	line := func() string {
		t.Helper()
		for {
			l, err := out.ReadString('\n')
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			if strings.HasPrefix(l, "idle:") {
				return strings.TrimSpace(strings.TrimPrefix(l, "idle:"))
			}
		}
	}
	addr := line()
	measure := func() memSample {
		t.Helper()
		fmt.Fprintln(stdin, "measure")
		var m memSample
		if _, err := fmt.Sscan(line(), &m.heap, &m.stack, &m.rss, &m.goroutines); err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := measure()
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var buf [7]byte
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:]); err != nil || string(buf[:]) != "+PONG\r\n" {
			t.Fatalf("connection %d: %q %v", i, buf, err)
		}
	}
	time.Sleep(200 * time.Millisecond) // every connection back in its idle wait
	after := measure()
	per := (after.heap + after.stack - before.heap - before.stack) / int64(n)
	t.Logf("%d idle connections: Go heap+stack %d bytes per connection (heap %d, stack %d), RSS %d bytes per connection, %d goroutines",
		n, per, (after.heap-before.heap)/int64(n), (after.stack-before.stack)/int64(n), (after.rss-before.rss)/int64(n), after.goroutines)
	if per > idleBytesBound {
		t.Errorf("an idle connection costs %d bytes of heap and stack, bound %d", per, idleBytesBound)
	}
	if g := after.goroutines - before.goroutines; g > int64(n)+10 {
		t.Errorf("%d more goroutines for %d connections", g, n)
	}
	// They are idle, not dead: a sample of them still answers.
	for i := 0; i < n; i += max(n/20, 1) {
		c := conns[i]
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:]); err != nil || string(buf[:]) != "+PONG\r\n" {
			t.Fatalf("connection %d after idling: %q %v", i, buf, err)
		}
	}
}

// idleServer is TestIdleConnections's child: a server allowing n clients,
// whose address it prints, reporting its memory for each "measure" line
// read on stdin until stdin closes.
func idleServer(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CACHEE_IDLE_SERVER"))
	raiseFileLimit(t, n)
	_, _, addr := startServer(t, engine.Config{MaxClients: n + 10}, server.Config{})
	fmt.Println("idle:", addr)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		runtime.GC()
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Println("idle:", ms.HeapAlloc, ms.StackInuse, rssBytes(), runtime.NumGoroutine())
	}
}

// rssBytes is the process's resident set size (Linux), or 0.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// raiseFileLimit makes room for n sockets and a few more, as the server
// itself does for maxclients.
func raiseFileLimit(t *testing.T, n int) {
	t.Helper()
	if got := server.FileLimitClients(n + 100); got < n+100 {
		t.Fatalf("the open-file limit allows %d sockets, %d needed", got, n+100)
	}
}
