package server_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// Protected mode looks at the default user, as Redis does: a password given
// with ACL SETUSER lifts it like requirepass, nopass brings it back, and
// other users' passwords do not count.
func TestProtectedModeFollowsDefaultUser(t *testing.T) {
	srv, _, addr := startServer(t, engine.Config{}, server.Config{ProtectedMode: true})
	adminConn := dial(t, "tcp", addr)
	admin := bufio.NewReader(adminConn)
	do := func(args ...string) {
		t.Helper()
		_, _ = adminConn.Write(protocol.AppendCommand(nil, args...))
		if got, err := admin.ReadString('\n'); got != "+OK\r\n" {
			t.Fatalf("%q: %q %v", args, got, err)
		}
	}
	remote := &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 4567}
	// first is what a remote client reads after sending "AUTH pw\r\nPING\r\n".
	first := func() string {
		t.Helper()
		client, conn := net.Pipe()
		defer client.Close()
		go srv.ServeConn(fakeAddrConn{conn, remote})
		_ = client.SetDeadline(time.Now().Add(3 * time.Second))
		go func() { _, _ = client.Write([]byte("AUTH pw\r\nPING\r\n")) }()
		r := bufio.NewReader(client)
		a, _ := r.ReadString('\n')
		if strings.HasPrefix(a, "-DENIED") {
			return "denied"
		}
		b, _ := r.ReadString('\n')
		return a + b
	}
	do("ACL", "SETUSER", "other", "on", ">pw", "+@all")
	if got := first(); got != "denied" {
		t.Errorf("another user's password lifted protected mode: %q", got)
	}
	do("ACL", "SETUSER", "default", ">pw")
	if got := first(); got != "+OK\r\n+PONG\r\n" {
		t.Errorf("default user with a password: %q", got)
	}
	do("ACL", "SETUSER", "default", "nopass")
	if got := first(); got != "denied" {
		t.Errorf("default user nopass again: %q", got)
	}
}

// go-redis authenticates with HELLO 3 AUTH username password and runs
// within the user's permissions.
func TestGoRedisACLUser(t *testing.T) {
	_, _, addr := startServer(t, engine.Config{}, server.Config{})
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	if err := admin.Do(ctx, "ACL", "SETUSER", "app", "on", ">secret", "~app:*", "+@all", "-@dangerous").Err(); err != nil {
		t.Fatal(err)
	}
	app := redis.NewClient(&redis.Options{Addr: addr, Username: "app", Password: "secret"})
	defer app.Close()
	if who, err := app.Do(ctx, "ACL", "WHOAMI").Text(); err != nil || who != "app" {
		t.Fatalf("ACL WHOAMI = %q, %v", who, err)
	}
	if err := app.Set(ctx, "app:1", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := app.Get(ctx, "app:1").Result(); err != nil || v != "v" {
		t.Fatalf("GET = %q, %v", v, err)
	}
	err := app.Set(ctx, "other", "v", 0).Err()
	if err == nil || err.Error() != "NOPERM this user has no permissions to access one of the keys used as arguments" {
		t.Fatalf("SET outside the key patterns: %v", err)
	}
	err = app.FlushAll(ctx).Err()
	if err == nil || err.Error() != "NOPERM this user has no permissions to run the 'flushall' command" {
		t.Fatalf("FLUSHALL: %v", err)
	}
	bad := redis.NewClient(&redis.Options{Addr: addr, Username: "app", Password: "wrong", MaxRetries: -1})
	defer bad.Close()
	var rerr redis.Error
	if err := bad.Ping(ctx).Err(); !errors.As(err, &rerr) || !strings.HasPrefix(err.Error(), "WRONGPASS") {
		t.Fatalf("wrong password: %v", err)
	}
	// The failed attempt is in the ACL log.
	entries, err := admin.Do(ctx, "ACL", "LOG").Slice()
	if err != nil || len(entries) == 0 {
		t.Fatalf("ACL LOG = %v, %v", entries, err)
	}
	if e, ok := entries[0].(map[any]any); !ok || e["reason"] != "auth" || e["username"] != "app" {
		t.Fatalf("ACL LOG entry %v", entries[0])
	}
}
