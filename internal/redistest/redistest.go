// Package redistest starts a real redis-server for tests: on a free loopback
// port (never 6379), persistence off, stopped by its PID when the test ends.
//
// When redis-server is not on PATH the calling test is skipped, saying so,
// unless CACHEE_REQUIRE_REDIS is set (CI sets it): then it fails, so CI can
// never pass with the differential tests silently skipped.
package redistest

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Start launches redis-server with extra args appended to the defaults and
// returns its "127.0.0.1:port" address once it accepts connections.
func Start(t testing.TB, args ...string) string {
	t.Helper()
	bin := Tool(t, "redis-server")
	port := FreePort(t)
	argv := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", "", "--dir", t.TempDir()}, args...)
	cmd := exec.Command(bin, argv...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start on %s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
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
