package cacheetest_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/cacheetest"
	"github.com/redis/go-redis/v9"
)

var ctx = context.Background()

func client(t *testing.T, s *cacheetest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// The listener, the in-process DB and the in-memory dialer reach one
// engine; two servers share nothing.
func TestRunIsOneIsolatedEngine(t *testing.T) {
	s1, s2 := cacheetest.Run(t), cacheetest.Run(t)
	if s1.Addr() == s2.Addr() || !strings.HasPrefix(s1.Addr(), "127.0.0.1:") {
		t.Fatalf("addresses %s and %s", s1.Addr(), s2.Addr())
	}
	rdb := client(t, s1)
	if err := rdb.Set(ctx, "k", "over tcp", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := s1.DB().Get(ctx, "k"); v != "over tcp" || err != nil {
		t.Fatalf("DB().Get = %q, %v", v, err)
	}
	mem := redis.NewClient(&redis.Options{Dialer: s1.Dialer()})
	defer mem.Close()
	if v := mem.Get(ctx, "k").Val(); v != "over tcp" {
		t.Fatalf("in-memory client reads %q", v)
	}
	if n := rdb.ClientList(ctx).Val(); strings.Count(n, "\n") != 2 {
		t.Fatalf("CLIENT LIST over TCP should show the TCP and the in-memory client:\n%s", n)
	}
	if _, err := s2.DB().Get(ctx, "k"); !errors.Is(err, cachee.Nil) {
		t.Fatalf("second server sees the first one's key: %v", err)
	}
	s1.FlushAll()
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Fatalf("DBSIZE after FlushAll = %d", n)
	}
}

// Cleanup stops the server when its test ends: the port refuses clients.
func TestCleanupStopsTheServer(t *testing.T) {
	var addr string
	t.Run("inner", func(t *testing.T) {
		s := cacheetest.Run(t)
		addr = s.Addr()
		if err := client(t, s).Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	})
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after its test ended", addr)
	}
}

// Close disconnects clients at once (a test of reconnection handling).
func TestCloseDisconnectsClients(t *testing.T) {
	s := cacheetest.Run(t)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Close")
	}
	s.Close() // a second Close (and the Cleanup's) is harmless
}

// By default keys expire in real time, read or not.
func TestRealExpiryByDefault(t *testing.T) {
	s := cacheetest.Run(t)
	rdb := client(t, s)
	// A second is long enough for the first check even on a loaded machine.
	rdb.Set(ctx, "short", "v", time.Second)
	rdb.Set(ctx, "unread", "v", time.Second)
	if n := rdb.Exists(ctx, "short").Val(); n != 1 {
		t.Fatal("key gone before its TTL")
	}
	for deadline := time.Now().Add(6 * time.Second); rdb.Exists(ctx, "short").Val() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("key with a 1 s TTL still there after 5 s")
		}
	}
	// The background expiry reclaims the key nobody reads.
	for deadline := time.Now().Add(5 * time.Second); rdb.DBSize(ctx).Val() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("expired key never reclaimed by the active expire cycle")
		}
	}
}

// FastForward, SetTime and Freeze move the clock every client sees.
func TestClockControl(t *testing.T) {
	s := cacheetest.Run(t)
	rdb := client(t, s)
	s.Freeze()
	frozen := s.Now()
	rdb.Set(ctx, "session", "v", time.Hour)
	if ttl := rdb.PTTL(ctx, "session").Val(); ttl != time.Hour {
		t.Fatalf("PTTL on a frozen clock = %v, want exactly 1h", ttl)
	}
	s.FastForward(59 * time.Minute)
	if ttl := rdb.TTL(ctx, "session").Val(); ttl != time.Minute {
		t.Fatalf("TTL after 59m = %v", ttl)
	}
	if !s.Now().Equal(frozen.Add(59 * time.Minute)) {
		t.Fatalf("Now = %v, want %v", s.Now(), frozen.Add(59*time.Minute))
	}
	s.FastForward(time.Minute + time.Millisecond)
	if _, err := rdb.Get(ctx, "session").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after the TTL = %v, want redis.Nil", err)
	}
	// EXPIREAT and TIME follow a clock set to a date.
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetTime(at)
	if tm := rdb.Time(ctx).Val(); !tm.Equal(at) {
		t.Fatalf("TIME = %v, want %v", tm, at)
	}
	rdb.Set(ctx, "report", "v", 0)
	rdb.ExpireAt(ctx, "report", at.Add(24*time.Hour))
	if ttl := rdb.TTL(ctx, "report").Val(); ttl != 24*time.Hour {
		t.Fatalf("TTL of EXPIREAT tomorrow = %v", ttl)
	}
	s.SetTime(at.Add(-time.Hour)) // back in time: the key lives longer
	if ttl := rdb.TTL(ctx, "report").Val(); ttl != 25*time.Hour {
		t.Fatalf("TTL after going back an hour = %v", ttl)
	}
}

// A running clock moved forward keeps running from there.
func TestFastForwardOnARunningClock(t *testing.T) {
	s := cacheetest.Run(t)
	before := time.Now()
	s.FastForward(48 * time.Hour)
	if d := s.Now().Sub(before); d < 48*time.Hour || d > 49*time.Hour {
		t.Fatalf("clock moved by %v, want 48h", d)
	}
	t1 := s.Now()
	time.Sleep(2 * time.Millisecond)
	if !s.Now().After(t1) {
		t.Fatal("clock stopped after FastForward")
	}
}

func TestOptions(t *testing.T) {
	s := cacheetest.RunOptions(t, cacheetest.Options{Databases: 2, NotifyKeyspaceEvents: "KEA"})
	rdb := client(t, s)
	if err := rdb.Do(ctx, "SELECT", 2).Err(); err == nil || err.Error() != "ERR DB index is out of range" {
		t.Fatalf("SELECT 2 of 2 databases = %v", err)
	}
	sub := rdb.PSubscribe(ctx, "__keyevent@0__:*")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	s.DB().Set(ctx, "k", "v")
	select {
	case m := <-sub.Channel():
		if m.Channel != "__keyevent@0__:set" || m.Payload != "k" {
			t.Fatalf("event %s %s", m.Channel, m.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no keyspace event")
	}
}
