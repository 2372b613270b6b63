package server_test

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/server"
)

// keepAliveOf reads the keepalive socket options of the server's side of a
// connection.
func keepAliveOf(t *testing.T, c net.Conn) (on, idle, intvl, cnt int) {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var errs [4]error
	_ = rc.Control(func(fd uintptr) {
		on, errs[0] = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
		idle, errs[1] = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE)
		intvl, errs[2] = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL)
		cnt, errs[3] = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT)
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return on, idle, intvl, cnt
}

// TestTCPKeepAlive: accepted connections get tcp-keepalive's settings as
// Redis's anetKeepAlive sets them (idle = the value, interval = a third,
// three probes); CONFIG SET applies to connections accepted afterwards, and
// 0 turns keepalive off.
func TestTCPKeepAlive(t *testing.T) {
	accepted := make(chan net.Conn, 4)
	server.SetConnHook(func(c net.Conn) { accepted <- c })
	t.Cleanup(func() { server.SetConnHook(nil) })
	_, _, addr := startServer(t, engine.Config{}, server.Config{})
	next := func() net.Conn {
		t.Helper()
		c := oracle.Dial(t, addr)
		if got := do(t, c, "PING"); got != "+PONG\r\n" {
			t.Fatalf("PING: %q", got)
		}
		select {
		case sc := <-accepted:
			return sc
		case <-time.After(5 * time.Second):
			t.Fatal("no connection accepted")
		}
		return nil
	}
	type opts struct{ on, idle, intvl, cnt int }
	check := func(what string, want opts) {
		t.Helper()
		on, idle, intvl, cnt := keepAliveOf(t, next())
		if got := (opts{on, idle, intvl, cnt}); got != want {
			t.Errorf("%s: keepalive %+v, want %+v", what, got, want)
		}
	}
	check("default", opts{1, 300, 100, 3})
	admin := oracle.Dial(t, addr)
	<-accepted
	do(t, admin, "CONFIG", "SET", "tcp-keepalive", "10")
	check("tcp-keepalive 10", opts{1, 10, 3, 3})
	do(t, admin, "CONFIG", "SET", "tcp-keepalive", "2")
	check("tcp-keepalive 2", opts{1, 2, 1, 3})
	do(t, admin, "CONFIG", "SET", "tcp-keepalive", "0")
	sc := next()
	if on, _, _, _ := keepAliveOf(t, sc); on != 0 {
		t.Errorf("tcp-keepalive 0: SO_KEEPALIVE %d", on)
	}
}
