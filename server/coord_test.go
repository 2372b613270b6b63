package server_test

import (
	"bufio"
	"context"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// TestShutdownBlockedClient shuts down with a client blocked in BLPOP and a
// subscriber waiting for messages: neither holds Shutdown up, and both
// connections are closed without a reply (Redis closes them too).
func TestShutdownBlockedClient(t *testing.T) {
	srv, e, addr := startServer(t, engine.Config{}, server.Config{})
	blocked, sub := dial(t, "tcp", addr), dial(t, "tcp", addr)
	_, _ = sub.Write(protocol.AppendCommand(nil, "SUBSCRIBE", "ch"))
	if v, err := protocol.ReadValue(bufio.NewReader(sub)); err != nil || len(v.Elems) != 3 {
		t.Fatalf("SUBSCRIBE: %v %v", v, err)
	}
	_, _ = blocked.Write(protocol.AppendCommand(nil, "BLPOP", "l", "0"))
	for deadline := time.Now().Add(5 * time.Second); e.BlockedClients() != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP did not block")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a blocked client: %v", err)
	}
	for _, c := range []struct {
		name string
		c    interface {
			SetReadDeadline(time.Time) error
			Read([]byte) (int, error)
		}
	}{{"blocked", blocked}, {"subscriber", sub}} {
		_ = c.c.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := c.c.Read(make([]byte, 64)); n != 0 || err == nil {
			t.Errorf("%s client after Shutdown: read %d bytes, %v", c.name, n, err)
		}
	}
	if n := e.BlockedClients(); n != 0 {
		t.Errorf("%d waiters left after Shutdown", n)
	}
}
