// Package redistest starts a real redis-server for tests: on a free loopback
// port (never 6379), persistence off, stopped by its PID when the test ends.
//
// When redis-server is not on PATH the calling test is skipped, saying so,
// unless CACHEE_REQUIRE_REDIS is set (CI sets it): then it fails, so CI can
// never pass with the differential tests silently skipped.
package redistest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Start launches redis-server with extra args appended to the defaults and
// returns its "127.0.0.1:port" address once it accepts connections.
//
// The port was free when chosen, but another test process running at the
// same time (go test runs packages in parallel) may take it before
// redis-server binds it. Start then finds its server gone, or another
// server answering there (INFO's process_id is not its own), and tries
// again on another port.
func Start(t testing.TB, args ...string) string {
	t.Helper()
	bin := Tool(t, "redis-server")
	for try := 1; ; try++ {
		if addr, ok := start(t, bin, FreePort(t), args); ok {
			return addr
		}
		if try == 5 {
			t.Fatal("redis-server lost its port to another process 5 times")
		}
	}
}

// start runs one redis-server on port; ok is false if someone else has the
// port.
func start(t testing.TB, bin string, port int, args []string) (addr string, ok bool) {
	t.Helper()
	argv := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", "", "--dir", t.TempDir()}, args...)
	cmd := exec.Command(bin, argv...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() { _ = cmd.Process.Kill(); <-exited }
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case <-exited:
			return "", false
		default:
		}
		if pid, err := serverPID(addr, password(args)); err == nil {
			if pid != cmd.Process.Pid {
				stop()
				return "", false
			}
			t.Cleanup(stop)
			return addr, true
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("redis-server did not start on %s", addr)
		}
	}
}

// serverPID asks the server at addr for its process id (INFO server),
// authenticating first with pass if it is not empty. An error reply (a
// server with another password, or none) gives -1: not the one started.
func serverPID(addr, pass string) (int, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "INFO server\r\n"
	if pass != "" {
		req = "AUTH " + pass + "\r\n" + req
	}
	if _, err := c.Write([]byte(req)); err != nil {
		return 0, err
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		if strings.HasPrefix(line, "-") {
			return -1, nil
		}
		if v, found := strings.CutPrefix(line, "process_id:"); found {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
}

// password is the --requirepass among a server's arguments, or "".
func password(args []string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--requirepass" {
			return args[i+1]
		}
	}
	return ""
}

// Tool returns the path of a Redis program (redis-server, redis-cli). When
// it is not on PATH the test is skipped, or fails if CACHEE_REQUIRE_REDIS
// is set.
func Tool(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CACHEE_REQUIRE_REDIS") != "" {
			t.Fatal(name + " not found and CACHEE_REQUIRE_REDIS is set")
		}
		t.Skip(name + " not installed: differential test skipped (apt-get install redis-server)")
	}
	return bin
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
