package cachee_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/server"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// serve starts cachee's server on a free loopback port.
func serve(t *testing.T) string {
	t.Helper()
	e := engine.New(engine.Config{})
	srv := server.New(e, server.Config{Port: 0})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		e.Close()
	})
	return srv.Addrs()[0].String()
}

// go-redis v9 connects with HELLO 3 and CLIENT SETINFO, then runs a rate
// limiter and a cache flow.
func TestGoRedisClient(t *testing.T) {
	addr := serve(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		n, err := rdb.Incr(ctx, "rl").Result()
		if err != nil || n != int64(i) {
			t.Fatalf("INCR = %d, %v", n, err)
		}
		if n == 1 {
			if ok, err := rdb.Expire(ctx, "rl", time.Minute).Result(); !ok || err != nil {
				t.Fatalf("EXPIRE = %v, %v", ok, err)
			}
		}
	}
	if ttl := rdb.TTL(ctx, "rl").Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL = %v", ttl)
	}
	if _, err := rdb.Get(ctx, "cache:1").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET miss = %v, want redis.Nil", err)
	}
	if err := rdb.Set(ctx, "cache:1", "value", 10*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	if v := rdb.Get(ctx, "cache:1").Val(); v != "value" {
		t.Fatalf("GET = %q", v)
	}
	f, err := rdb.IncrByFloat(ctx, "f", 10.5).Result()
	if err != nil || f != 10.5 {
		t.Fatalf("INCRBYFLOAT = %v, %v", f, err)
	}
	vals, err := rdb.MGet(ctx, "cache:1", "nope").Result()
	if err != nil || vals[0] != "value" || vals[1] != nil {
		t.Fatalf("MGET = %v, %v", vals, err)
	}
	// Pipelining: one round trip, replies in order.
	pipe := rdb.Pipeline()
	cmds := make([]*redis.IntCmd, 100)
	for i := range cmds {
		cmds[i] = pipe.Incr(ctx, "p")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range cmds {
		if c.Val() != int64(i+1) {
			t.Fatalf("pipelined INCR %d = %d", i, c.Val())
		}
	}
	if err := rdb.Set(ctx, "s", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Incr(ctx, "s").Err(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
		t.Fatalf("INCR on text = %v", err)
	}
	info, err := rdb.Info(ctx, "keyspace").Result()
	if err != nil || info == "" {
		t.Fatalf("INFO = %q, %v", info, err)
	}
}

// rueidis speaks RESP3 only (client-side caching off here) and pipelines
// automatically.
func TestRueidisClient(t *testing.T) {
	addr := serve(t)
	ctx := context.Background()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Do(ctx, c.B().Set().Key("k").Value("v").ExSeconds(100).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Do(ctx, c.B().Get().Key("k").Build()).ToString(); v != "v" || err != nil {
		t.Fatalf("GET = %q, %v", v, err)
	}
	if _, err := c.Do(ctx, c.B().Get().Key("missing").Build()).ToString(); !rueidis.IsRedisNil(err) {
		t.Fatalf("GET missing = %v, want nil", err)
	}
	n, err := c.Do(ctx, c.B().Incrby().Key("n").Increment(5).Build()).AsInt64()
	if err != nil || n != 5 {
		t.Fatalf("INCRBY = %d, %v", n, err)
	}
	ttl, err := c.Do(ctx, c.B().Ttl().Key("k").Build()).AsInt64()
	if err != nil || ttl != 100 {
		t.Fatalf("TTL = %d, %v", ttl, err)
	}
	res := c.DoMulti(ctx, c.B().Incr().Key("m").Build(), c.B().Incr().Key("m").Build(), c.B().Get().Key("m").Build())
	if v, _ := res[2].ToString(); v != "2" {
		t.Fatalf("pipelined GET = %q", v)
	}
}
