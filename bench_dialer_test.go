package cachee_test

import (
	"context"
	"net"
	"testing"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/server"
	"github.com/redis/go-redis/v9"
)

// BenchmarkDialer measures one GET, SET and INCR, one call at a time, by
// the three ways an application can reach its data, in the same run:
//
//   - typed: cachee's own API (db.Get, db.Set, db.Incr), no RESP at all;
//   - goredis-inprocess: go-redis over DB.Dialer to the embedded engine;
//   - goredis-tcp-redis: go-redis over loopback TCP to a real redis-server;
//
// and two references: go-redis over net.Pipe to the same server code (what
// the buffered in-memory conn replaced) and over TCP to cachee's server.
// GETx100 is 100 GETs per op, pipelined for the clients.
//
//	go test -run '^$' -bench Dialer -benchmem .
func BenchmarkDialer(b *testing.B) {
	redisAddr := redistest.Start(b)
	db, err := cachee.Open(cachee.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	srv := server.New(db.Engine(), server.Config{Port: 0})
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	netPipe := func(context.Context, string, string) (net.Conn, error) {
		c, s := net.Pipe()
		go srv.ServeConn(s)
		return c, nil
	}
	clients := []struct {
		name string
		opts *redis.Options
	}{
		{"goredis-inprocess", &redis.Options{Dialer: db.Dialer()}},
		{"goredis-tcp-redis", &redis.Options{Addr: redisAddr}},
		{"goredis-netpipe", &redis.Options{Dialer: netPipe}},
		{"goredis-tcp-cachee", &redis.Options{Addr: srv.Addrs()[0].String()}},
	}
	ctx := context.Background()
	type op struct {
		name  string
		typed func() error
		rdb   func(*redis.Client) error
	}
	ops := []op{
		{"GET", func() error { _, err := db.Get(ctx, "k"); return err },
			func(r *redis.Client) error { return r.Get(ctx, "k").Err() }},
		{"SET", func() error { return db.Set(ctx, "k", "value") },
			func(r *redis.Client) error { return r.Set(ctx, "k", "value", 0).Err() }},
		{"INCR", func() error { _, err := db.Incr(ctx, "n"); return err },
			func(r *redis.Client) error { return r.Incr(ctx, "n").Err() }},
		// 100 GETs per op: one pipeline for go-redis, a loop for the typed API.
		{"GETx100", func() error {
			for range 100 {
				if _, err := db.Get(ctx, "k"); err != nil {
					return err
				}
			}
			return nil
		}, func(r *redis.Client) error {
			_, err := r.Pipelined(ctx, func(p redis.Pipeliner) error {
				for range 100 {
					p.Get(ctx, "k")
				}
				return nil
			})
			return err
		}},
	}
	for _, o := range ops {
		b.Run(o.name+"/typed", func(b *testing.B) {
			if err := db.Set(ctx, "k", "value"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := o.typed(); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, c := range clients {
			b.Run(o.name+"/"+c.name, func(b *testing.B) {
				rdb := redis.NewClient(c.opts)
				defer rdb.Close()
				if err := rdb.Set(ctx, "k", "value", 0).Err(); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := o.rdb(rdb); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
