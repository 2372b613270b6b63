package cachee_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/server"
	"github.com/redis/go-redis/v9"
)

// Tests of the in-process API for pub/sub, transactions and blocking pops,
// including their interplay with socket clients of the same engine.

func openDB(t *testing.T) *cachee.DB {
	t.Helper()
	db, err := cachee.Open(cachee.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// serveDB starts a server on db's engine and returns a go-redis client of it.
func serveDB(t *testing.T, db *cachee.DB) *redis.Client {
	t.Helper()
	srv := server.New(db.Engine(), server.Config{Port: 0})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	rc := redis.NewClient(&redis.Options{Addr: srv.Addrs()[0].String()})
	t.Cleanup(func() { rc.Close() })
	return rc
}

func recv(t *testing.T, sub *cachee.Subscription) *cachee.Message {
	t.Helper()
	select {
	case m, ok := <-sub.Channel():
		if !ok {
			t.Fatalf("subscription closed: %v", sub.Err())
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	return nil
}

func TestSubscribeInProcessAndSocket(t *testing.T) {
	db := openDB(t)
	rc := serveDB(t, db)
	ctx := context.Background()

	sub, err := db.Subscribe(ctx, "news")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if err := sub.PSubscribe(ctx, "n*"); err != nil {
		t.Fatal(err)
	}
	// An in-process publisher reaches the channel and the pattern.
	if n, err := db.Publish(ctx, "news", "a"); err != nil || n != 2 {
		t.Fatalf("Publish: %d %v", n, err)
	}
	if m := recv(t, sub); *m != (cachee.Message{Channel: "news", Payload: "a"}) {
		t.Errorf("got %+v", m)
	}
	if m := recv(t, sub); *m != (cachee.Message{Channel: "news", Pattern: "n*", Payload: "a"}) {
		t.Errorf("got %+v", m)
	}
	// A socket publisher reaches the in-process subscriber...
	if n, err := rc.Publish(ctx, "nothing", "b").Result(); err != nil || n != 1 {
		t.Fatalf("socket PUBLISH: %d %v", n, err)
	}
	if m := recv(t, sub); *m != (cachee.Message{Channel: "nothing", Pattern: "n*", Payload: "b"}) {
		t.Errorf("got %+v", m)
	}
	// ...and an in-process publisher a socket subscriber.
	ps := rc.Subscribe(ctx, "news")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Publish(ctx, "news", "c"); n != 3 {
		t.Errorf("Publish to 3 subscribers reached %d", n)
	}
	msg, err := ps.ReceiveMessage(ctx)
	if err != nil || msg.Channel != "news" || msg.Payload != "c" {
		t.Errorf("socket subscriber got %+v %v", msg, err)
	}
	recv(t, sub)
	recv(t, sub)
	// Order per publisher is kept; each message comes by the channel, then
	// by the pattern.
	for i := range 500 {
		db.Publish(ctx, "news", strconv.Itoa(i))
	}
	for i := range 500 {
		want := cachee.Message{Channel: "news", Payload: strconv.Itoa(i)}
		if m := recv(t, sub); *m != want {
			t.Fatalf("message %d: got %+v", i, m)
		}
		want.Pattern = "n*"
		if m := recv(t, sub); *m != want {
			t.Fatalf("message %d by pattern: got %+v", i, m)
		}
	}
	if err := sub.Unsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sub.PUnsubscribe(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Publish(ctx, "news", "d"); n != 1 {
		t.Errorf("after unsubscribing, PUBLISH reached %d (want only the socket subscriber)", n)
	}
	sub.Close()
	if _, ok := <-sub.Channel(); ok {
		for range sub.Channel() {
		}
	}
	if sub.Err() != nil {
		t.Errorf("Err after Close: %v", sub.Err())
	}
}

func TestSlowInProcessSubscriberIsDropped(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := db.Do(ctx, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 32kb 60"); err != nil {
		t.Fatal(err)
	}
	slow, _ := db.Subscribe(ctx, "c")
	fast, _ := db.Subscribe(ctx, "c")
	defer fast.Close()
	// The fast subscriber reads everything; the slow one nothing. The
	// publisher sends in batches the fast one keeps up with.
	payload := string(make([]byte, 100))
	for batch := range 100 {
		for range 50 {
			if _, err := db.Publish(ctx, "c", payload); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 50 {
			if m, ok := <-fast.Channel(); !ok || m.Payload != payload {
				t.Fatalf("batch %d message %d: fast subscriber closed (%v)", batch, i, fast.Err())
			}
		}
	}
	deadline := time.After(5 * time.Second)
	for range slow.Channel() {
		select {
		case <-deadline:
			t.Fatal("slow subscriber never dropped")
		default:
		}
	}
	if !errors.Is(slow.Err(), cachee.ErrSlowSubscriber) {
		t.Errorf("slow subscriber ended with %v", slow.Err())
	}
}

func TestTxPipelinedAndWatch(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	vals, err := db.TxPipelined(ctx, func(p *cachee.Pipe) error {
		p.Do("SET", "k", "1")
		p.Do("INCR", "k")
		p.Do("LPUSH", "k", "x") // fails alone: WRONGTYPE
		p.Do("GET", "k")
		return nil
	})
	var rerr *cachee.Error
	if !errors.As(err, &rerr) || rerr.Prefix != "WRONGTYPE" {
		t.Fatalf("TxPipelined error %v", err)
	}
	if len(vals) != 4 || vals[1].String() != "2" || vals[2].Kind() != 0 || vals[3].String() != "2" {
		t.Errorf("TxPipelined replies %v", vals)
	}
	// A nil reply is a Value, not the transaction's error; the replies of
	// one transaction are not reused by the next.
	first := vals
	vals, err = db.TxPipelined(ctx, func(p *cachee.Pipe) error { p.Do("GET", "missing"); p.Do("SET", "k", "3"); return nil })
	if err != nil || len(vals) != 2 || !vals[0].IsNil() || first[3].String() != "2" || first[1].String() != "2" {
		t.Errorf("nil reply in a transaction: %v %v; the first transaction's replies now %v", vals, err, first)
	}
	db.Set(ctx, "k", "2")
	for _, bad := range [][]any{{"NOSUCH"}, {"GET"}, {"EXEC"}, {}} {
		if _, err := db.TxPipelined(ctx, func(p *cachee.Pipe) error { p.Do("SET", "k3", "x"); p.Do(bad...); return nil }); err == nil {
			t.Errorf("%q in a transaction: no error", bad)
		}
	}
	if n, _ := db.Exists(ctx, "k3"); n != 0 {
		t.Error("a transaction with a refused command ran")
	}
	// An argument that cannot be encoded fails the whole transaction before
	// anything runs, and leaves nothing behind for the next one.
	_, err = db.TxPipelined(ctx, func(p *cachee.Pipe) error {
		p.Do("SET", "bad", struct{}{})
		p.Do("SET", "k2", "x")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "cannot use struct {}") {
		t.Fatalf("bad argument: %v", err)
	}
	if n, _ := db.Exists(ctx, "bad", "k2"); n != 0 {
		t.Fatalf("a refused transaction ran %d commands", n)
	}
	if vals, err := db.TxPipelined(ctx, func(p *cachee.Pipe) error { p.Do("GET", "k"); return nil }); err != nil ||
		len(vals) != 1 || vals[0].String() != "2" {
		t.Fatalf("the next transaction: %v %v", vals, err)
	}
	// A transaction started inside another's function on the same
	// dedicated conn gets its own Pipe: the outer one keeps its commands.
	c := db.Conn()
	defer c.Close()
	vals, err = c.TxPipelined(ctx, func(p *cachee.Pipe) error {
		p.Do("SET", "outer", "1")
		if inner, err := c.TxPipelined(ctx, func(q *cachee.Pipe) error { q.Do("SET", "inner", "1"); return nil }); err != nil || len(inner) != 1 {
			t.Errorf("inner transaction: %v %v", inner, err)
		}
		p.Do("GET", "outer")
		return nil
	})
	if err != nil || len(vals) != 2 || vals[1].String() != "1" {
		t.Fatalf("outer transaction: %v %v", vals, err)
	}

	// Concurrent optimistic increments: every success is counted once.
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				err := db.Watch(ctx, func(tx *cachee.Tx) error {
					n, err := tx.Get(ctx, "counter")
					if err != nil && err != cachee.Nil {
						return err
					}
					v, _ := strconv.Atoi(n)
					_, err = tx.TxPipelined(ctx, func(p *cachee.Pipe) error {
						p.Do("SET", "counter", v+1)
						return nil
					})
					return err
				}, "counter")
				switch {
				case err == nil:
					i++
				case !errors.Is(err, cachee.ErrTxFailed):
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n, _ := db.Get(ctx, "counter"); n != strconv.Itoa(workers*each) {
		t.Errorf("counter %s, want %d", n, workers*each)
	}
}

func TestBlockingPopInProcess(t *testing.T) {
	db := openDB(t)
	rc := serveDB(t, db)
	ctx := context.Background()

	// Timeout: Nil.
	start := time.Now()
	if _, err := db.BLPop(ctx, 50*time.Millisecond, "q"); err != cachee.Nil {
		t.Fatalf("BLPop timeout: %v", err)
	}
	if time.Since(start) < 40*time.Millisecond {
		t.Error("BLPop returned before its timeout")
	}
	// Context cancellation ends a wait with no timeout, leaving no waiter.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := db.BLPop(cctx, 0, "q"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("BLPop cancelled: %v", err)
	}
	if n := db.Engine().BlockedClients(); n != 0 {
		t.Errorf("%d waiters left after cancellation", n)
	}
	// A socket client's push wakes in-process waiters in FIFO order.
	type res struct {
		i   int
		v   []string
		err error
	}
	out := make(chan res, 3)
	for i := range 3 {
		go func() {
			v, err := db.BRPop(ctx, 5*time.Second, "q")
			out <- res{i, v, err}
		}()
		waitBlocked(t, db.Engine(), i+1)
	}
	if err := rc.RPush(ctx, "q", "a", "b", "c").Err(); err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for range 3 {
		r := <-out
		if r.err != nil || len(r.v) != 2 || r.v[0] != "q" {
			t.Fatalf("waiter %d: %v %v", r.i, r.v, r.err)
		}
		got[r.i] = r.v[1]
	}
	// BRPOP takes from the tail: the first waiter gets the last element.
	if got[0] != "c" || got[1] != "b" || got[2] != "a" {
		t.Errorf("FIFO service: %v", got)
	}
	if n, _ := rc.Exists(ctx, "q").Result(); n != 0 {
		t.Error("list not drained by the waiters")
	}
	// BLMove waits for src and moves to dst.
	done := make(chan string)
	go func() {
		v, err := db.BLMove(ctx, "src", "dst", cachee.Left, cachee.Right, 5*time.Second)
		if err != nil {
			t.Error(err)
		}
		done <- v
	}()
	waitBlocked(t, db.Engine(), 1)
	db.LPush(ctx, "src", "m")
	if v := <-done; v != "m" {
		t.Errorf("BLMove got %q", v)
	}
	if v, _ := db.LRange(ctx, "dst", 0, -1); fmt.Sprint(v) != "[m]" {
		t.Errorf("dst %v", v)
	}
}

// waitBlocked waits until n clients are blocked.
func waitBlocked(t *testing.T, e *engine.Engine, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); e.BlockedClients() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d blocked clients, want %d", e.BlockedClients(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// In-process calls need no password: a requirepass protects the sockets.
func TestInProcessIgnoresRequirePass(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := db.Do(ctx, "CONFIG", "SET", "requirepass", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := db.Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Do(ctx, "GET", "k"); err != nil || v.String() != "v" {
		t.Fatalf("GET with requirepass set: %v %v", v, err)
	}
	sub, err := db.Subscribe(ctx, "ch")
	if err != nil {
		t.Fatal(err)
	}
	sub.Close()
	rc := serveDB(t, db)
	if err := rc.Get(ctx, "k").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Errorf("a socket client without the password: %v", err)
	}
}

// TestPipeTypedMethods: each typed Pipe method queues what Do would with
// the same command, on two engines in the same state: the same replies and
// the same data after.
func TestPipeTypedMethods(t *testing.T) {
	ctx := context.Background()
	typed, viaDo := openDB(t), openDB(t)
	steps := []struct {
		typed func(p *cachee.Pipe)
		do    []any
	}{
		{func(p *cachee.Pipe) { p.Set("k", "v") }, []any{"SET", "k", "v"}},
		{func(p *cachee.Pipe) { p.Get("k") }, []any{"GET", "k"}},
		{func(p *cachee.Pipe) { p.Get("missing") }, []any{"GET", "missing"}},
		{func(p *cachee.Pipe) { p.Incr("n") }, []any{"INCR", "n"}},
		{func(p *cachee.Pipe) { p.IncrBy("n", -42) }, []any{"INCRBY", "n", -42}},
		{func(p *cachee.Pipe) { p.Incr("k") }, []any{"INCR", "k"}}, // fails alone
		{func(p *cachee.Pipe) { p.Expire("n", 1500*time.Millisecond) }, []any{"PEXPIRE", "n", 1500}},
		{func(p *cachee.Pipe) { p.HSet("h", "a", "1", "b", "2") }, []any{"HSET", "h", "a", "1", "b", "2"}},
		{func(p *cachee.Pipe) { p.HIncrBy("h", "a", 5) }, []any{"HINCRBY", "h", "a", 5}},
		{func(p *cachee.Pipe) { p.LPush("l", "x", "y") }, []any{"LPUSH", "l", "x", "y"}},
		{func(p *cachee.Pipe) { p.RPush("l", "z") }, []any{"RPUSH", "l", "z"}},
		{func(p *cachee.Pipe) { p.SAdd("s", "m1", "m2", "m1") }, []any{"SADD", "s", "m1", "m2", "m1"}},
		{func(p *cachee.Pipe) {
			p.ZAdd("z", cachee.Z{Score: 1.5, Member: "a"}, cachee.Z{Score: math.Inf(-1), Member: "b"})
		},
			[]any{"ZADD", "z", "1.5", "a", "-inf", "b"}},
		{func(p *cachee.Pipe) { p.ZAdd("z", cachee.Z{Score: 1e21, Member: "c"}) }, []any{"ZADD", "z", "1e21", "c"}},
		{func(p *cachee.Pipe) { p.Publish("ch", "msg") }, []any{"PUBLISH", "ch", "msg"}},
		{func(p *cachee.Pipe) { p.Del("k", "missing", "s") }, []any{"DEL", "k", "missing", "s"}},
	}
	a, errA := typed.TxPipelined(ctx, func(p *cachee.Pipe) error {
		for _, st := range steps {
			st.typed(p)
		}
		return nil
	})
	b, errB := viaDo.TxPipelined(ctx, func(p *cachee.Pipe) error {
		for _, st := range steps {
			p.Do(st.do...)
		}
		return nil
	})
	if fmt.Sprint(errA) != fmt.Sprint(errB) || errA == nil {
		t.Fatalf("errors: typed %v, Do %v (INCR of a string must fail alone)", errA, errB)
	}
	if len(a) != len(steps) || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("replies:\ntyped %v\nDo    %v", a, b)
	}
	for _, read := range [][]any{{"HGETALL", "h"}, {"LRANGE", "l", 0, -1}, {"ZRANGE", "z", 0, -1, "WITHSCORES"}, {"GET", "n"}, {"EXISTS", "k", "s"}} {
		x, _ := typed.Do(ctx, read...)
		y, _ := viaDo.Do(ctx, read...)
		if fmt.Sprint(x.Elems(), x.String()) != fmt.Sprint(y.Elems(), y.String()) {
			t.Errorf("%v: typed %v, Do %v", read, x, y)
		}
	}
	if v, _ := typed.Do(ctx, "PTTL", "n"); v.Kind() != engine.KindInt {
		t.Errorf("PTTL after the typed Expire: %v", v)
	} else if ms, _ := v.Int(); ms < 1000 || ms > 1500 {
		t.Errorf("PTTL after the typed Expire: %d ms, want 1000-1500", ms)
	}
}

// TestArgumentsSurviveBufferGrowth: a command's arguments and a
// transaction's commands are cut from buffers that grow while they are
// encoded (many arguments of growing sizes, on a reused conn whose buffers
// start small): every argument must arrive intact, through Do and
// TxPipelined alike.
func TestArgumentsSurviveBufferGrowth(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	c := db.Conn()
	defer c.Close()
	val := func(i int) string { return strings.Repeat(string(rune('a'+i%26)), i*7) + strconv.Itoa(i) }
	for round := range 2 { // the second round reuses the grown buffers
		mset := []any{"MSET"}
		mget := []any{"MGET"}
		for i := range 300 {
			k := fmt.Sprintf("r%d:k%d", round, i)
			mset = append(mset, k, val(i))
			mget = append(mget, k)
		}
		if _, err := c.Do(ctx, mset...); err != nil {
			t.Fatal(err)
		}
		got, err := c.Do(ctx, mget...)
		if err != nil || len(got.Elems()) != 300 {
			t.Fatalf("MGET: %v %v", got, err)
		}
		for i, v := range got.Elems() {
			if v.String() != val(i) {
				t.Fatalf("round %d: MGET element %d has %d bytes, want %d", round, i, len(v.String()), len(val(i)))
			}
		}
		vals, err := c.TxPipelined(ctx, func(p *cachee.Pipe) error {
			for i := range 300 {
				k := fmt.Sprintf("r%d:t%d", round, i)
				p.Set(k, val(i))
				p.Do("APPEND", k, val(i+1))
				p.Get(k)
			}
			return nil
		})
		if err != nil || len(vals) != 900 {
			t.Fatalf("TxPipelined: %d replies, %v", len(vals), err)
		}
		for i := range 300 {
			if want := val(i) + val(i+1); vals[3*i+2].String() != want {
				t.Fatalf("round %d: transaction's GET %d has %d bytes, want %d", round, i, len(vals[3*i+2].String()), len(want))
			}
		}
	}
}
