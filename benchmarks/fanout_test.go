package benchmarks_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// BenchmarkPublishFanout1000 publishes to a channel with 1000 subscribers
// connected over loopback TCP, against redis-server and cachee in the same
// run; an op is one PUBLISH delivered to all 1000 (the clock stops when the
// last subscriber has read every message). Compare the two lines' ns/op:
//
//	go test -run '^$' -bench Fanout -benchtime 2000x ./benchmarks/
func BenchmarkPublishFanout1000(b *testing.B) {
	b.Run("redis-server", func(b *testing.B) { benchFanout(b, redistest.Start(b)) })
	b.Run("cachee", func(b *testing.B) {
		e := engine.New(engine.Config{})
		b.Cleanup(e.Close)
		srv := server.New(e, server.Config{Port: 0})
		if err := srv.Listen(); err != nil {
			b.Fatal(err)
		}
		go srv.Serve()
		b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
		benchFanout(b, srv.Addrs()[0].String())
	})
}

var errShortPublish = errors.New("a PUBLISH did not reach every subscriber")

func benchFanout(b *testing.B, addr string) {
	const subscribers = 1000
	var received atomic.Int64
	var wg sync.WaitGroup
	conns := make([]net.Conn, 0, subscribers)
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	for range subscribers {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		r := bufio.NewReader(c)
		if _, err := c.Write(protocol.AppendCommand(nil, "SUBSCRIBE", "fanout")); err != nil {
			b.Fatal(err)
		}
		if _, err := protocol.ReadValue(r); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := protocol.ReadValue(r); err != nil {
					return
				}
				received.Add(1)
			}
		}()
	}
	pub, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	pr := bufio.NewReader(pub)
	// The publisher pipelines 64 PUBLISHes per write and reads the replies
	// in another goroutine, so the servers, not the client, set the pace.
	const batch = 64
	var msgs []byte
	for range batch {
		msgs = protocol.AppendCommand(msgs, "PUBLISH", "fanout", "a message of some thirty bytes.")
	}
	replies := make(chan error, 1)
	go func() {
		for i := 0; i < b.N; i++ {
			v, err := protocol.ReadValue(pr)
			if err == nil && v.Int != subscribers {
				err = errShortPublish
			}
			if err != nil {
				replies <- err
				return
			}
		}
		replies <- nil
	}()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += batch {
		n := min(batch, b.N-sent)
		if _, err := pub.Write(msgs[:len(msgs)/batch*n]); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-replies; err != nil {
		b.Fatal(err)
	}
	want := int64(b.N) * subscribers
	for deadline := time.Now().Add(time.Minute); received.Load() < want; {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages delivered", received.Load(), want)
		}
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "msgs/s")
}
