package lua_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
)

// BUSY, SCRIPT KILL and FUNCTION KILL, side by side with Redis: a script that
// loops forever makes other callers wait until busy-reply-threshold, then
// answers them BUSY until it is killed.

const spin = "local i = 0 while true do i = i + 1 end"

// busyPair starts both servers with a 100 ms busy threshold.
func busyPair(t *testing.T) *oracle.Pair {
	return oracle.StartWith(t, oracle.Options{
		RedisArgs: []string{"--busy-reply-threshold", "100"},
		Engine:    engine.Config{BusyReplyThreshold: 100},
	})
}

// background sends args on a new connection to addr and delivers the raw
// reply (or the read error's text) on the returned channel.
func background(t *testing.T, addr string, args ...string) <-chan string {
	c := oracle.Dial(t, addr)
	out := make(chan string, 1)
	go func() {
		b, err := c.Raw(args...)
		if err != nil {
			out <- "error: " + err.Error()
			return
		}
		out <- string(b)
	}()
	return out
}

// waitBusy polls PING on c until the server answers BUSY.
func waitBusy(t *testing.T, c *oracle.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := c.Raw("PING")
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(b, []byte("-BUSY")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never BUSY: last reply %q", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func replyOf(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the script never ended")
		return ""
	}
}

// probe runs args on both sides' observer connections and requires the same
// reply.
type side struct {
	name     string
	addr     string
	observer *oracle.Client
}

func sides(t *testing.T, p *oracle.Pair) []side {
	return []side{{"redis", p.RealAddr, oracle.Dial(t, p.RealAddr)}, {"cachee", p.OursAddr, oracle.Dial(t, p.OursAddr)}}
}

// both runs fn on each side and requires the strings it returns to match.
func both(t *testing.T, ss []side, fn func(s side) []string) {
	t.Helper()
	var results [][]string
	for _, s := range ss {
		results = append(results, fn(s))
	}
	if strings.Join(results[0], "\n") != strings.Join(results[1], "\n") {
		t.Errorf("redis:\n%s\ncachee:\n%s", strings.Join(results[0], "\n"), strings.Join(results[1], "\n"))
	}
}

func raw(t *testing.T, c *oracle.Client, args ...string) string {
	t.Helper()
	b, err := c.Raw(args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBusyScriptKill(t *testing.T) {
	p := busyPair(t)
	both(t, sides(t, p), func(s side) []string {
		c := s.observer
		before := raw(t, c, "SCRIPT", "KILL")
		done := background(t, s.addr, "EVAL", spin, "0")
		waitBusy(t, c)
		out := []string{before,
			raw(t, c, "GET", "x"),
			raw(t, c, "FUNCTION", "STATS"),
			raw(t, c, "FUNCTION", "KILL"),
			raw(t, c, "MULTI"), raw(t, c, "INCR", "x"), raw(t, c, "EXEC"),
			raw(t, c, "SHUTDOWN"),
			raw(t, c, "SCRIPT", "KILL"),
		}
		out = append(out, replyOf(t, done), raw(t, c, "PING"), raw(t, c, "SCRIPT", "KILL"))
		return out
	})
}

func TestBusyFunctionKill(t *testing.T) {
	p := busyPair(t)
	lib := "#!lua name=spinlib\nredis.register_function('spin', function(keys, args)\n" + spin + "\nend)"
	both(t, sides(t, p), func(s side) []string {
		c := s.observer
		out := []string{raw(t, c, "FUNCTION", "LOAD", lib)}
		done := background(t, s.addr, "FCALL", "spin", "1", "k", "arg")
		waitBusy(t, c)
		stats, err := c.Value("FUNCTION", "STATS")
		if err != nil || len(stats.Elems) != 4 || len(stats.Elems[1].Elems) != 6 {
			t.Fatalf("%s FUNCTION STATS while running: %v %v", s.name, stats, err)
		}
		running := stats.Elems[1].Elems // name, command, duration_ms
		out = append(out, running[0].String(), running[1].String(), running[2].String(), running[3].String(), running[4].String())
		if running[5].Int < 100 {
			t.Errorf("%s duration_ms %d, want at least the threshold", s.name, running[5].Int)
		}
		out = append(out, raw(t, c, "GET", "x"), raw(t, c, "SCRIPT", "KILL"), raw(t, c, "FUNCTION", "KILL"))
		return append(out, replyOf(t, done), raw(t, c, "FUNCTION", "STATS"))
	})
}

func TestBusyUnkillable(t *testing.T) {
	p := busyPair(t)
	both(t, sides(t, p), func(s side) []string {
		c := s.observer
		done := background(t, s.addr, "EVAL", "redis.call('set', 'w', '1') "+spin, "0")
		waitBusy(t, c)
		out := []string{raw(t, c, "SCRIPT", "KILL"), raw(t, c, "FUNCTION", "KILL"), raw(t, c, "SHUTDOWN")}
		// SHUTDOWN NOSAVE stops the script and the server.
		if _, err := c.Raw("SHUTDOWN", "NOSAVE"); err == nil {
			t.Errorf("%s: SHUTDOWN NOSAVE answered instead of closing", s.name)
		}
		replyOf(t, done)
		return out
	})
}
