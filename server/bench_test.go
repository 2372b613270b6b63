package server_test

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// benchRoundTrips measures the server's cost per request over loopback TCP:
// a client sends depth GETs at a time and reads their replies.
func benchRoundTrips(b *testing.B, depth int) {
	_, _, addr := startServer(b, engine.Config{}, server.Config{})
	c := dial(b, "tcp", addr)
	r := bufio.NewReader(c)
	req := bytes.Repeat(protocol.AppendCommand(nil, "GET", "k"), depth)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < depth; j++ {
			if _, err := r.ReadSlice('\n'); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkRoundTrip(b *testing.B)  { benchRoundTrips(b, 1) }
func BenchmarkPipeline16(b *testing.B) { benchRoundTrips(b, 16) }

// BenchmarkGetMegabyte fetches a 1 MB value: the reply is copied into the
// held buffer rather than written straight from the value.
func BenchmarkGetMegabyte(b *testing.B) {
	_, _, addr := startServer(b, engine.Config{}, server.Config{})
	c := dial(b, "tcp", addr)
	r := bufio.NewReaderSize(c, 1<<21)
	_, _ = c.Write(protocol.AppendCommand(nil, "SET", "k", string(make([]byte, 1<<20))))
	if _, err := r.ReadSlice('\n'); err != nil {
		b.Fatal(err)
	}
	req := protocol.AppendCommand(nil, "GET", "k")
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Discard(1<<20 + 12); err != nil {
			b.Fatal(err)
		}
	}
}
