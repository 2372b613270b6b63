package cachee_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cachee/cachee"
)

// Runnable examples of the flows applications build on cachee, with the
// typed in-process API. Each one is what the same application would do
// against Redis, without a socket.

// A read-through cache: a miss loads and stores the value with a TTL, hits
// are served until the TTL runs out. The clock is injected (Options.Now) so
// that the example can let a minute pass at once.
func ExampleDB_Set_cache() {
	var clock atomic.Int64 // Unix nanoseconds; the engine reads it from its own goroutines too
	clock.Store(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	db, _ := cachee.Open(cachee.Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	defer db.Close()
	ctx := context.Background()

	profile := func(id string) string {
		v, err := db.Get(ctx, "profile:"+id)
		if err == nil {
			return v + " (hit)"
		}
		v = "profile of user " + id // the expensive load
		db.Set(ctx, "profile:"+id, v, cachee.SetOptions{TTL: time.Minute})
		return v + " (miss)"
	}
	fmt.Println(profile("42"))
	fmt.Println(profile("42"))
	ttl, _ := db.TTL(ctx, "profile:42")
	fmt.Println("ttl:", ttl)
	clock.Add(int64(time.Minute + time.Millisecond))
	fmt.Println(profile("42"))
	// Output:
	// profile of user 42 (miss)
	// profile of user 42 (hit)
	// ttl: 1m0s
	// profile of user 42 (miss)
}

// A session as a hash: one field per attribute, counters updated in place,
// the whole session read back as a map, sliding expiry.
func ExampleDB_HSet_session() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	db.HSet(ctx, "session:9f2c", "user", "ann", "cart_items", "0", "theme", "dark")
	db.Expire(ctx, "session:9f2c", 30*time.Minute)
	db.HIncrBy(ctx, "session:9f2c", "cart_items", 2)
	db.HDel(ctx, "session:9f2c", "theme")

	s, _ := db.HGetAll(ctx, "session:9f2c")
	fmt.Println(s["user"], s["cart_items"], len(s))
	user, _ := db.HGet(ctx, "session:9f2c", "user")
	fmt.Println(user)
	// Output:
	// ann 2 2
	// ann
}

// A leaderboard: scores in a sorted set, the top three with their scores,
// one player's rank from the top.
func ExampleDB_ZAdd_leaderboard() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	db.ZAdd(ctx, "lb", cachee.Z{Score: 120, Member: "ann"}, cachee.Z{Score: 95, Member: "bob"},
		cachee.Z{Score: 140, Member: "cid"}, cachee.Z{Score: 80, Member: "dee"})
	db.ZIncrBy(ctx, "lb", 30, "bob") // bob scores again

	top, _ := db.ZRevRangeWithScores(ctx, "lb", 0, 2)
	for i, z := range top {
		fmt.Printf("%d. %s %g\n", i+1, z.Member, z.Score)
	}
	rank, _ := db.ZRevRank(ctx, "lb", "dee")
	fmt.Println("dee is number", rank+1)
	// Output:
	// 1. cid 140
	// 2. bob 125
	// 3. ann 120
	// dee is number 4
}

// A job queue: producers LPUSH, a worker blocks in BRPOP until a job
// arrives, taking jobs in the order they were queued. The worker stops at
// a sentinel job; a context cancels a blocked BRPOP too.
func ExampleDB_BRPop_queue() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			kv, err := db.BRPop(ctx, 5*time.Second, "jobs")
			if err != nil || kv[1] == "stop" {
				return
			}
			fmt.Println("processing", kv[1])
		}
	}()
	for i := 1; i <= 3; i++ {
		db.LPush(ctx, "jobs", "job-"+strconv.Itoa(i))
	}
	db.LPush(ctx, "jobs", "stop")
	<-done

	// An empty queue: BRPOP waits for its timeout and returns Nil.
	_, err := db.BRPop(ctx, 10*time.Millisecond, "jobs")
	fmt.Println(errors.Is(err, cachee.Nil))
	// Output:
	// processing job-1
	// processing job-2
	// processing job-3
	// true
}

// Pub/sub: a Subscription delivers on a Go channel what anyone publishes,
// in-process or over a socket; pattern subscriptions say which pattern
// matched.
func ExampleDB_Subscribe() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	sub, _ := db.Subscribe(ctx, "orders")
	defer sub.Close()
	sub.PSubscribe(ctx, "alerts.*")

	n, _ := db.Publish(ctx, "orders", "order #1 paid")
	fmt.Println("receivers:", n)
	db.Publish(ctx, "alerts.disk", "90% full")
	db.Publish(ctx, "elsewhere", "nobody listens")

	for i := 0; i < 2; i++ {
		m := <-sub.Channel()
		fmt.Printf("%s [%s] %s\n", m.Channel, m.Pattern, m.Payload)
	}
	// Output:
	// receivers: 1
	// orders [] order #1 paid
	// alerts.disk [alerts.*] 90% full
}

// A transaction with optimistic locking: read a balance under WATCH, write
// it in MULTI/EXEC, retry if someone changed it in between. Here a
// concurrent deposit lands between the read and the commit the first time.
func ExampleDB_Watch() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()
	db.Set(ctx, "balance:ann", "100")

	attempts := 0
	withdraw := func(amount int64) error {
		for {
			attempts++
			err := db.Watch(ctx, func(tx *cachee.Tx) error {
				v, err := tx.Get(ctx, "balance:ann")
				if err != nil {
					return err
				}
				balance, _ := strconv.ParseInt(v, 10, 64)
				if balance < amount {
					return errors.New("insufficient funds")
				}
				if attempts == 1 {
					db.IncrBy(ctx, "balance:ann", 50) // someone else's deposit
				}
				_, err = tx.TxPipelined(ctx, func(p *cachee.Pipe) error {
					p.Do("SET", "balance:ann", balance-amount)
					return nil
				})
				return err
			}, "balance:ann")
			if !errors.Is(err, cachee.ErrTxFailed) {
				return err
			}
		}
	}
	fmt.Println(withdraw(30))
	v, _ := db.Get(ctx, "balance:ann")
	fmt.Println("balance:", v, "attempts:", attempts)
	// Output:
	// <nil>
	// balance: 120 attempts: 2
}

// TxPipelined runs commands as one MULTI/EXEC: no other caller sees the
// counter incremented without its TTL.
func ExampleDB_TxPipelined() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	replies, err := db.TxPipelined(ctx, func(p *cachee.Pipe) error {
		p.Do("INCR", "rate:ann")
		p.Do("EXPIRE", "rate:ann", 60, "NX")
		return nil
	})
	fmt.Println(replies[0].String(), replies[1].String(), err)
	// Output:
	// 1 1 <nil>
}
