package cachee_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/server"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// VisitCounter is application code written against go-redis's
// UniversalClient: it works the same whether a Redis server, the embedded
// engine or a Redis/Valkey cluster is behind the client.
type VisitCounter struct{ rdb redis.UniversalClient }

// Visit counts a page view and returns the page's total.
func (v VisitCounter) Visit(ctx context.Context, page string) (int64, error) {
	return v.rdb.Incr(ctx, "visits:{"+page+"}").Result()
}

// Moving a service between an external Redis, the embedded engine and a
// cluster changes its client's options and nothing else. The hash tag in
// the key ({page}) keeps the code cluster-ready.
func Example_universalClient() {
	ctx := context.Background()

	// Yesterday: an external Redis.
	external := &redis.UniversalOptions{Addrs: []string{"redis.internal:6379"}}
	_ = external

	// Today: the engine embedded in the process. Only the options change:
	// the dialer connects through memory; the address is never dialled.
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	embedded := &redis.UniversalOptions{Addrs: []string{"cachee"}, Dialer: db.Dialer()}
	rdb := redis.NewUniversalClient(embedded)
	defer rdb.Close()
	svc := VisitCounter{rdb: rdb}
	svc.Visit(ctx, "/home")
	n, err := svc.Visit(ctx, "/home")
	fmt.Println(n, err)

	// The typed API reads the same data, without a client.
	v, _ := db.Get(ctx, "visits:{/home}")
	fmt.Println(v)

	// Tomorrow, past one machine: a Redis or Valkey cluster. Several
	// addresses make NewUniversalClient return a cluster client; it
	// connects on first use, which this example does not make.
	cluster := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: []string{"cache-1:6379", "cache-2:6379", "cache-3:6379"},
	})
	defer cluster.Close()
	_, isCluster := cluster.(*redis.ClusterClient)
	fmt.Println("cluster client:", isCluster)
	_ = VisitCounter{rdb: cluster} // the same service, unchanged
	// Output:
	// 2 <nil>
	// 2
	// cluster client: true
}

// go-redis connects to the embedded engine through Dialer; Addr is not
// needed. It speaks RESP3 (HELLO 3) as it would to Redis.
func ExampleDB_Dialer() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	rdb := redis.NewClient(&redis.Options{Dialer: db.Dialer()})
	defer rdb.Close()
	rdb.HSet(ctx, "user:1", "name", "ann", "visits", 3)
	fmt.Println(rdb.HGetAll(ctx, "user:1").Val())
	// Output:
	// map[name:ann visits:3]
}

// rueidis connects through DialCtxFn. DisableCache is required: rueidis's
// client-side cache needs CLIENT TRACKING, which cachee does not implement.
func ExampleDB_DialCtxFn() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()

	c, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:  []string{"cachee:6379"}, // a name only: never dialled
		DisableCache: true,
		DialCtxFn:    db.DialCtxFn(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Do(ctx, c.B().Set().Key("greeting").Value("hello").Build())
	v, _ := c.Do(ctx, c.B().Get().Key("greeting").Build()).ToString()
	fmt.Println(v)
	// Output:
	// hello
}

// ServerDialer makes in-memory clients of a server that also listens on a
// socket, so that both kinds are one server's clients: one CLIENT LIST, one
// maxclients, one Shutdown.
func ExampleServerDialer() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()
	srv := server.New(db.Engine(), server.Config{Port: 0}) // a free loopback port
	if err := srv.Listen(); err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve()
	defer srv.Shutdown(ctx)

	overTCP := redis.NewClient(&redis.Options{Addr: srv.Addrs()[0].String()})
	defer overTCP.Close()
	inMemory := redis.NewClient(&redis.Options{Dialer: cachee.ServerDialer(srv)})
	defer inMemory.Close()

	overTCP.Set(ctx, "k", "v", 0)
	fmt.Println(inMemory.Get(ctx, "k").Val())
	list := overTCP.ClientList(ctx).Val()
	fmt.Println(strings.Count(list, " addr=127.0.0.1:"), strings.Count(list, " addr=inprocess:"))
	// Output:
	// v
	// 1 1
}
