package cachee_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee"
	"github.com/redis/rueidis"
)

// Realistic rueidis flows over DB.DialCtxFn. rueidis speaks RESP3 only and
// pipelines automatically; its client-side cache needs CLIENT TRACKING,
// which cachee does not implement, so DisableCache is required.

func rueidisClient(t *testing.T, db *cachee.DB) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress: []string{"cachee:6379"}, DisableCache: true, DialCtxFn: db.DialCtxFn(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Without DisableCache, rueidis's handshake sends CLIENT TRACKING ON OPTIN;
// cachee refuses it as an unknown subcommand and rueidis reports ErrNoCache
// (the documented behaviour), leaving no client behind.
func TestRueidisDialerNeedsDisableCache(t *testing.T) {
	db := openDB(t)
	_, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{"cachee:6379"}, DialCtxFn: db.DialCtxFn()})
	if !errors.Is(err, rueidis.ErrNoCache) || !strings.Contains(strings.ToLower(err.Error()), "unknown subcommand 'tracking'") {
		t.Fatalf("NewClient with the cache on = %v, want ErrNoCache for CLIENT TRACKING", err)
	}
	noClientsLeft(t, db)
}

// Rate limiter and cache: MULTI/INCR/EXPIRE/EXEC in one DoMulti, SET EX and
// GET with the nil reply, automatic pipelining from many goroutines.
func TestRueidisDialerRateLimiterAndCache(t *testing.T) {
	db, clk := open(t)
	c := rueidisClient(t, db)
	ctx := context.Background()
	allow := func(user string) bool {
		res := c.DoMulti(ctx,
			c.B().Multi().Build(),
			c.B().Incr().Key("rate:"+user).Build(),
			c.B().Expire().Key("rate:"+user).Seconds(60).Nx().Build(),
			c.B().Exec().Build())
		replies, err := res[3].ToArray()
		if err != nil {
			t.Fatal(err)
		}
		n, err := replies[0].AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		return n <= 3
	}
	for i := 1; i <= 5; i++ {
		if got := allow("ann"); got != (i <= 3) {
			t.Fatalf("request %d allowed=%v", i, got)
		}
	}
	clk.Add(61 * time.Second)
	if !allow("ann") {
		t.Fatal("limited after the window expired")
	}

	if _, err := c.Do(ctx, c.B().Get().Key("page:/").Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Fatalf("GET miss = %v, want a nil reply", err)
	}
	if err := c.Do(ctx, c.B().Set().Key("page:/").Value("<html>").ExSeconds(10).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Do(ctx, c.B().Get().Key("page:/").Build()).ToString(); v != "<html>" || err != nil {
		t.Fatalf("GET hit = %q, %v", v, err)
	}
	clk.Add(11 * time.Second)
	if _, err := c.Do(ctx, c.B().Get().Key("page:/").Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Fatalf("GET after TTL = %v, want nil", err)
	}
	// Concurrent callers share rueidis's pipelined connection.
	concurrently(8, 100, func() {
		if err := c.Do(ctx, c.B().Incr().Key("hits").Build()).Error(); err != nil {
			t.Error(err)
		}
	})
	if v, _ := db.Get(ctx, "hits"); v != "800" {
		t.Fatalf("hits = %s, want 800", v)
	}
}

// Session hash and leaderboard: HSET/HGETALL as a map, ZADD/ZINCRBY and
// ZRANGE REV WITHSCORES as RESP3 doubles.
func TestRueidisDialerSessionAndLeaderboard(t *testing.T) {
	db := openDB(t)
	c := rueidisClient(t, db)
	ctx := context.Background()
	if err := c.Do(ctx, c.B().Hset().Key("session:1").FieldValue().FieldValue("user", "ann").
		FieldValue("cart", "2").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Do(ctx, c.B().Hincrby().Key("session:1").Field("cart").Increment(3).Build()).AsInt64(); n != 5 || err != nil {
		t.Fatalf("HINCRBY = %d, %v", n, err)
	}
	m, err := c.Do(ctx, c.B().Hgetall().Key("session:1").Build()).AsStrMap()
	if err != nil || len(m) != 2 || m["user"] != "ann" || m["cart"] != "5" {
		t.Fatalf("HGETALL = %v, %v", m, err)
	}

	for i, name := range []string{"ann", "bob", "cid"} {
		c.Do(ctx, c.B().Zadd().Key("lb").ScoreMember().ScoreMember(float64(i+1), name).Build())
	}
	if s, err := c.Do(ctx, c.B().Zincrby().Key("lb").Increment(2.5).Member("ann").Build()).AsFloat64(); s != 3.5 || err != nil {
		t.Fatalf("ZINCRBY = %v, %v", s, err)
	}
	top, err := c.Do(ctx, c.B().Zrange().Key("lb").Min("0").Max("1").Rev().Withscores().Build()).AsZScores()
	if err != nil || len(top) != 2 || top[0].Member != "ann" || top[0].Score != 3.5 || top[1].Member != "cid" || top[1].Score != 3 {
		t.Fatalf("top 2 = %+v, %v", top, err)
	}
	if r, err := c.Do(ctx, c.B().Zrevrank().Key("lb").Member("bob").Build()).AsInt64(); r != 2 || err != nil {
		t.Fatalf("ZREVRANK = %d, %v", r, err)
	}
}

// A queue with BRPOP: rueidis runs blocking commands on dedicated
// connections; a job pushed through the typed API wakes the worker.
func TestRueidisDialerQueue(t *testing.T) {
	db := openDB(t)
	c := rueidisClient(t, db)
	ctx := context.Background()
	got := make(chan []string, 1)
	go func() {
		kv, err := c.Do(ctx, c.B().Brpop().Key("jobs").Timeout(5).Build()).AsStrSlice()
		if err != nil {
			t.Error(err)
		}
		got <- kv
	}()
	waitBlocked(t, db.Engine(), 1)
	if _, err := db.LPush(ctx, "jobs", "job-1"); err != nil {
		t.Fatal(err)
	}
	if kv := <-got; len(kv) != 2 || kv[0] != "jobs" || kv[1] != "job-1" {
		t.Fatalf("BRPOP = %v", kv)
	}
	// A timed-out BRPOP is a nil reply.
	if err := c.Do(ctx, c.B().Brpop().Key("empty").Timeout(0.2).Build()).Error(); !rueidis.IsRedisNil(err) {
		t.Fatalf("idle BRPOP = %v, want nil", err)
	}
}

// Pub/sub both ways: rueidis Receive gets what the typed API publishes, and
// a typed Subscription gets what rueidis publishes.
func TestRueidisDialerPubSub(t *testing.T) {
	db := openDB(t)
	c := rueidisClient(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	msgs := make(chan rueidis.PubSubMessage, 10)
	done := make(chan error, 1)
	go func() {
		done <- c.Receive(ctx, c.B().Subscribe().Channel("news").Build(), func(m rueidis.PubSubMessage) { msgs <- m })
	}()
	eventually(t, "the rueidis subscriber never registered", func() bool {
		n, _ := db.Publish(ctx, "news", "hello")
		return n == 1
	})
	select {
	case m := <-msgs:
		if m.Channel != "news" || m.Message != "hello" {
			t.Fatalf("rueidis got %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message for rueidis")
	}

	sub, err := db.Subscribe(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if n, err := c.Do(ctx, c.B().Publish().Channel("orders").Message("#7").Build()).AsInt64(); n != 1 || err != nil {
		t.Fatalf("PUBLISH = %d, %v", n, err)
	}
	if m := recv(t, sub); m.Payload != "#7" {
		t.Fatalf("typed subscriber got %+v", m)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive ended with %v", err)
	}
}

// Optimistic locking on a dedicated connection: WATCH, GET, MULTI/SET/EXEC,
// retried while EXEC returns nil; concurrent increments lose nothing.
func TestRueidisDialerWatchRetries(t *testing.T) {
	db := openDB(t)
	c := rueidisClient(t, db)
	ctx := context.Background()
	incr := func(meddle func()) (retries int, err error) {
		for {
			committed := false
			err := c.Dedicated(func(d rueidis.DedicatedClient) error {
				if err := d.Do(ctx, d.B().Watch().Key("c").Build()).Error(); err != nil {
					return err
				}
				n, err := d.Do(ctx, d.B().Get().Key("c").Build()).AsInt64()
				if err != nil && !rueidis.IsRedisNil(err) {
					return err
				}
				if meddle != nil {
					meddle()
					meddle = nil
				}
				res := d.DoMulti(ctx, d.B().Multi().Build(),
					d.B().Set().Key("c").Value(strconv.FormatInt(n+1, 10)).Build(), d.B().Exec().Build())
				err = res[2].Error()
				if rueidis.IsRedisNil(err) {
					return nil // EXEC aborted by the WATCH: retry
				}
				committed = err == nil
				return err
			})
			if err != nil || committed {
				return retries, err
			}
			retries++
		}
	}
	if r, err := incr(func() { db.Set(ctx, "c", "10") }); r != 1 || err != nil {
		t.Fatalf("forced conflict: %d retries, %v; want 1", r, err)
	}
	const workers, each = 4, 25
	concurrently(workers, each, func() {
		if _, err := incr(nil); err != nil {
			t.Error(err)
		}
	})
	if v, _ := db.Get(ctx, "c"); v != strconv.Itoa(11+workers*each) {
		t.Fatalf("c = %s, want %d", v, 11+workers*each)
	}
}

// Scripts over rueidis: asserted present or absent from COMMAND INFO.
func TestRueidisDialerScripts(t *testing.T) {
	db := openDB(t)
	c := rueidisClient(t, db)
	ctx := context.Background()
	info, err := c.Do(ctx, c.B().CommandInfo().CommandName("eval").Build()).ToArray()
	if err != nil || len(info) != 1 {
		t.Fatalf("COMMAND INFO eval = %v, %v", info, err)
	}
	script := rueidis.NewLuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
	n, err := script.Exec(ctx, c, []string{"n"}, []string{"5"}).AsInt64()
	if info[0].IsNil() {
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unknown command 'evalsha'") {
			t.Fatalf("EVALSHA is absent but answered %d, %v", n, err)
		}
		t.Log("scripting is not implemented yet (COMMAND INFO eval is nil): asserted the unknown-command error")
		return
	}
	if n != 5 || err != nil {
		t.Fatalf("script = %d, %v", n, err)
	}
}
