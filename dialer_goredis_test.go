package cachee_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee"
	"github.com/redis/go-redis/v9"
)

// Realistic go-redis v9 flows over DB.Dialer: the application code is what
// it would be against Redis; only the client's options differ.

// goRedis returns a go-redis client of db through the in-memory dialer.
// Its read and write timeouts are 30 s rather than go-redis's 3 s: on a
// loaded CI machine under -race a goroutine can wait seconds for a CPU, and
// a timeout there would say nothing about the dialer (deadlines have tests
// of their own).
func goRedis(t *testing.T, db *cachee.DB, opts ...func(*redis.Options)) *redis.Client {
	t.Helper()
	o := &redis.Options{Dialer: db.Dialer(), ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	for _, f := range opts {
		f(o)
	}
	rdb := redis.NewClient(o)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// eventually fails the test unless cond becomes true within 5 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s", what)
		}
	}
}

// noClientsLeft waits until every connection of db's engine has gone.
func noClientsLeft(t *testing.T, db *cachee.DB) {
	t.Helper()
	eventually(t, "clients left behind", func() bool { return db.Engine().ClientCount() == 0 })
}

// concurrently runs fn each times in each of workers goroutines.
func concurrently(workers, each int, fn func()) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				fn()
			}
		}()
	}
	wg.Wait()
}

// The handshake go-redis makes (HELLO 3, then CLIENT SETINFO, which Redis
// 7.0 refuses and go-redis ignores) is answered as Redis answers it, and the
// connection is a client like a socket's.
func TestGoRedisDialerHandshake(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	info, err := rdb.ClientInfo(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if info.Resp != 3 || !strings.HasPrefix(info.Addr, "inprocess:") || info.LAddr != "inprocess:0" {
		t.Fatalf("CLIENT INFO: resp=%d addr=%q laddr=%q", info.Resp, info.Addr, info.LAddr)
	}
	list, err := rdb.ClientList(ctx).Result()
	if err != nil || !strings.Contains(list, "addr="+info.Addr) {
		t.Fatalf("CLIENT LIST = %q, %v", list, err)
	}
	// RESP2 works too, and Options.DB selects a database on connect.
	r2 := goRedis(t, db, func(o *redis.Options) { o.Protocol, o.DB = 2, 3 })
	if err := r2.Set(ctx, "in-db3", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := cachee.Wrap(db.Engine(), 3).Get(ctx, "in-db3"); v != "x" || err != nil {
		t.Fatalf("db 3 via the typed API: %q, %v", v, err)
	}
	if n, _ := db.Exists(ctx, "in-db3"); n != 0 {
		t.Fatal("SELECT over the dialer leaked into database 0")
	}
}

// A rate limiter: INCR and EXPIRE in one MULTI/EXEC, limit enforced, the
// window expiring on the injected clock.
func TestGoRedisDialerRateLimiter(t *testing.T) {
	db, clk := open(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	allow := func(user string) bool {
		var incr *redis.IntCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			incr = p.Incr(ctx, "rate:"+user)
			p.ExpireNX(ctx, "rate:"+user, time.Minute)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return incr.Val() <= 5
	}
	for i := 1; i <= 7; i++ {
		if got, want := allow("ann"), i <= 5; got != want {
			t.Fatalf("request %d allowed=%v, want %v", i, got, want)
		}
	}
	if !allow("bob") {
		t.Fatal("another user is limited by ann's counter")
	}
	if ttl := rdb.TTL(ctx, "rate:ann").Val(); ttl != time.Minute {
		t.Fatalf("TTL = %v, want 1m (EXPIRE NX keeps the first window)", ttl)
	}
	clk.Add(61 * time.Second)
	if !allow("ann") {
		t.Fatal("still limited after the window expired")
	}
}

// A read-through cache: miss, load, SET with TTL, hits, expiry, SETNX
// as a stampede lock, and values large enough to wrap the pipe's buffers.
func TestGoRedisDialerCache(t *testing.T) {
	db, clk := open(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	loads := 0
	get := func(id string) string {
		v, err := rdb.Get(ctx, "user:"+id).Result()
		if err == nil {
			return v
		}
		if !errors.Is(err, redis.Nil) {
			t.Fatal(err)
		}
		loads++
		v = "profile of " + id
		if err := rdb.Set(ctx, "user:"+id, v, 30*time.Second).Err(); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i := 0; i < 3; i++ {
		if v := get("7"); v != "profile of 7" {
			t.Fatalf("get = %q", v)
		}
	}
	if loads != 1 {
		t.Fatalf("%d loads for three reads, want 1", loads)
	}
	clk.Add(31 * time.Second)
	get("7")
	if loads != 2 {
		t.Fatal("entry did not expire after its TTL")
	}
	if ok := rdb.SetNX(ctx, "lock:7", "me", 5*time.Second).Val(); !ok {
		t.Fatal("SETNX on a free lock failed")
	}
	if ok := rdb.SetNX(ctx, "lock:7", "you", 5*time.Second).Val(); ok {
		t.Fatal("SETNX took a held lock")
	}
	// 3 MB values in both directions, and a 1000-command pipeline.
	big := strings.Repeat("0123456789abcdef", 3<<16)
	if err := rdb.Set(ctx, "big", big, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v := rdb.Get(ctx, "big").Val(); v != big {
		t.Fatalf("big value came back with %d bytes, want %d", len(v), len(big))
	}
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < 1000; i++ {
			p.Set(ctx, "p:"+strconv.Itoa(i), i, 0)
			p.Get(ctx, "p:"+strconv.Itoa(i))
		}
		return nil
	})
	if err != nil || len(cmds) != 2000 {
		t.Fatalf("pipeline: %d replies, %v", len(cmds), err)
	}
	for i := 0; i < 1000; i++ {
		if v := cmds[2*i+1].(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
			t.Fatalf("pipelined GET %d = %q", i, v)
		}
	}
}

// A session hash: fields written as a map, read back typed, counters,
// sliding expiry.
func TestGoRedisDialerSessionHash(t *testing.T) {
	db, clk := open(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	key := "session:abc"
	if err := rdb.HSet(ctx, key, map[string]any{"user": "ann", "cart": 0, "theme": "dark"}).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Expire(ctx, key, 30*time.Minute)
	if n := rdb.HIncrBy(ctx, key, "cart", 3).Val(); n != 3 {
		t.Fatalf("HINCRBY = %d", n)
	}
	var s struct {
		User  string `redis:"user"`
		Cart  int    `redis:"cart"`
		Theme string `redis:"theme"`
	}
	if err := rdb.HGetAll(ctx, key).Scan(&s); err != nil || s.User != "ann" || s.Cart != 3 || s.Theme != "dark" {
		t.Fatalf("HGETALL scan = %+v, %v", s, err)
	}
	clk.Add(20 * time.Minute)
	rdb.Expire(ctx, key, 30*time.Minute) // activity slides the window
	clk.Add(20 * time.Minute)
	if n := rdb.Exists(ctx, key).Val(); n != 1 {
		t.Fatal("session expired despite activity")
	}
	if n := rdb.HDel(ctx, key, "theme", "nope").Val(); n != 1 {
		t.Fatalf("HDEL = %d", n)
	}
	if ttl := rdb.TTL(ctx, key).Val(); ttl != 10*time.Minute {
		t.Fatalf("TTL after HDEL = %v, want 10m (kept)", ttl)
	}
	clk.Add(11 * time.Minute)
	if m := rdb.HGetAll(ctx, key).Val(); len(m) != 0 {
		t.Fatalf("expired session still has %v", m)
	}
}

// A leaderboard: scores as RESP3 doubles, ranks, the top N with scores.
func TestGoRedisDialerLeaderboard(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	for i, name := range []string{"ann", "bob", "cid", "dee"} {
		rdb.ZAdd(ctx, "lb", redis.Z{Score: float64(10 * (i + 1)), Member: name})
	}
	if s := rdb.ZIncrBy(ctx, "lb", 25.5, "ann").Val(); s != 35.5 {
		t.Fatalf("ZINCRBY = %v", s)
	}
	top, err := rdb.ZRevRangeWithScores(ctx, "lb", 0, 2).Result()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(top); got != "[{40 dee} {35.5 ann} {30 cid}]" {
		t.Fatalf("top 3 = %s", got)
	}
	if r := rdb.ZRevRank(ctx, "lb", "bob").Val(); r != 3 {
		t.Fatalf("ZREVRANK bob = %d", r)
	}
	if _, err := rdb.ZScore(ctx, "lb", "zed").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("ZSCORE of a non-member = %v, want redis.Nil", err)
	}
	// The typed API sees the same sorted set.
	if s, _ := db.ZScore(ctx, "lb", "ann"); s != 35.5 {
		t.Fatalf("typed ZScore = %v", s)
	}
}

// A job queue: workers block in BRPOP over the dialer, producers LPUSH
// through go-redis and through the typed API; every job is taken once, in
// order; an idle BRPOP times out with redis.Nil.
func TestGoRedisDialerQueue(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	const jobs = 200
	var mu sync.Mutex
	var got []string
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				kv, err := rdb.BRPop(ctx, 5*time.Second, "jobs").Result()
				if err != nil {
					t.Error(err)
					return
				}
				if kv[1] == "stop" {
					return
				}
				mu.Lock()
				got = append(got, kv[1])
				mu.Unlock()
			}
		}()
	}
	waitBlocked(t, db.Engine(), 3)
	for i := 0; i < jobs; i++ {
		if i%2 == 0 {
			rdb.LPush(ctx, "jobs", "job-"+strconv.Itoa(i))
		} else if _, err := db.LPush(ctx, "jobs", "job-"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	rdb.LPush(ctx, "jobs", "stop", "stop", "stop")
	wg.Wait()
	if len(got) != jobs {
		t.Fatalf("%d jobs taken, want %d", len(got), jobs)
	}
	seen := map[string]bool{}
	for _, j := range got {
		if seen[j] {
			t.Fatalf("job %s taken twice", j)
		}
		seen[j] = true
	}
	start := time.Now()
	if _, err := rdb.BRPop(ctx, time.Second, "empty").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("idle BRPOP = %v, want redis.Nil", err)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Fatalf("BRPOP 1 returned after %v", time.Since(start))
	}
}

// A client that gives up on a blocking command (its context's deadline,
// through go-redis's read deadline on the connection) does not leave the
// engine with a blocked client or a session behind.
func TestGoRedisDialerDeadlineEndsBlockedClient(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db, func(o *redis.Options) { o.ContextTimeoutEnabled = true })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := rdb.BLPop(ctx, 0, "never").Result()
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout")) {
		t.Fatalf("BLPOP past the context deadline = %v", err)
	}
	waitBlocked(t, db.Engine(), 0)
	noClientsLeft(t, db)
}

// Pub/sub both ways: a go-redis subscriber receives what the typed API
// publishes (RESP3 push messages), and a typed Subscription receives what
// go-redis publishes; pattern subscriptions too.
func TestGoRedisDialerPubSub(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db)
	ctx := context.Background()

	ps := rdb.Subscribe(ctx, "news")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil { // the subscribe confirmation
		t.Fatal(err)
	}
	if err := ps.PSubscribe(ctx, "alerts.*"); err != nil {
		t.Fatal(err)
	}
	ch := ps.Channel()
	eventually(t, "PSUBSCRIBE not registered", func() bool { return rdb.PubSubNumPat(ctx).Val() == 1 })
	if n, _ := db.Publish(ctx, "news", "hello"); n != 1 {
		t.Fatalf("Publish reached %d subscribers", n)
	}
	db.Publish(ctx, "alerts.fire", "run")
	for _, want := range []string{"news  hello", "alerts.fire alerts.* run"} {
		select {
		case m := <-ch:
			if got := m.Channel + " " + m.Pattern + " " + m.Payload; got != want {
				t.Fatalf("message %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no message %q", want)
		}
	}

	sub, err := db.Subscribe(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if n := rdb.Publish(ctx, "orders", "#1").Val(); n != 1 {
		t.Fatalf("go-redis PUBLISH reached %d", n)
	}
	if m := recv(t, sub); m.Channel != "orders" || m.Payload != "#1" {
		t.Fatalf("typed subscriber got %+v", m)
	}
}

// Optimistic locking: WATCH, read, MULTI/EXEC, retried on
// redis.TxFailedErr. First a forced conflict (another client writes between
// WATCH and EXEC), then concurrent increments that must not lose one.
func TestGoRedisDialerWatchRetries(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	incr := func(key string, meddle func()) (retries int, err error) {
		for {
			err = rdb.Watch(ctx, func(tx *redis.Tx) error {
				n, err := tx.Get(ctx, key).Int()
				if err != nil && !errors.Is(err, redis.Nil) {
					return err
				}
				if meddle != nil {
					meddle()
					meddle = nil
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, key, n+1, 0)
					return nil
				})
				return err
			}, key)
			if !errors.Is(err, redis.TxFailedErr) {
				return retries, err
			}
			retries++
		}
	}
	retries, err := incr("c", func() { db.Set(ctx, "c", "10") })
	if err != nil || retries != 1 {
		t.Fatalf("forced conflict: %d retries, %v; want 1", retries, err)
	}
	if v, _ := db.Get(ctx, "c"); v != "11" {
		t.Fatalf("after retry c = %s, want 11", v)
	}
	const workers, each = 4, 50
	concurrently(workers, each, func() {
		if _, err := incr("c", nil); err != nil {
			t.Error(err)
		}
	})
	if v, _ := db.Get(ctx, "c"); v != strconv.Itoa(11+workers*each) {
		t.Fatalf("c = %s after %d watched increments, want %d", v, workers*each, 11+workers*each)
	}
}

// Scripts: EVAL works over the dialer when the engine has it. The test
// asserts which case holds, from COMMAND INFO, rather than skipping.
func TestGoRedisDialerScripts(t *testing.T) {
	db := openDB(t)
	rdb := goRedis(t, db)
	ctx := context.Background()
	info, err := rdb.Do(ctx, "COMMAND", "INFO", "eval").Slice()
	if err != nil || len(info) != 1 {
		t.Fatalf("COMMAND INFO eval = %v, %v", info, err)
	}
	res, err := rdb.Eval(ctx, "return redis.call('INCRBY', KEYS[1], ARGV[1])", []string{"n"}, 5).Result()
	if info[0] == nil {
		if err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'eval'") {
			t.Fatalf("EVAL is not in COMMAND INFO but answered %v, %v", res, err)
		}
		t.Log("EVAL is not implemented yet (COMMAND INFO eval is nil): asserted the unknown-command error")
		return
	}
	if err != nil || res != int64(5) {
		t.Fatalf("EVAL = %v, %v", res, err)
	}
}

// Closing the DB ends its in-memory connections and refuses new ones.
func TestGoRedisDialerAfterClose(t *testing.T) {
	db, err := cachee.Open(cachee.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdb := goRedis(t, db, func(o *redis.Options) { o.MaxRetries = -1 })
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("PING succeeded after DB.Close")
	}
	if _, err := db.Dial(ctx); err == nil {
		t.Fatal("Dial succeeded after DB.Close")
	}
}
