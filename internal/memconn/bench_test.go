package memconn

import (
	"io"
	"net"
	"testing"
)

// Round trips of a 32-byte request and reply through an echoing peer, the
// shape of one Redis command: memconn against net.Pipe, the synchronous
// pipe it replaces.
//
//	go test -run '^$' -bench . -benchmem ./internal/memconn
func BenchmarkRoundTrip(b *testing.B) {
	for _, p := range []struct {
		name string
		pipe func() (net.Conn, net.Conn)
	}{
		{"memconn", func() (net.Conn, net.Conn) { return Pipe(Addr{"a"}, Addr{"b"}) }},
		{"net.Pipe", net.Pipe},
	} {
		b.Run(p.name, func(b *testing.B) {
			client, server := p.pipe()
			defer client.Close()
			go func() {
				defer server.Close()
				buf := make([]byte, 32)
				for {
					if _, err := io.ReadFull(server, buf); err != nil {
						return
					}
					if _, err := server.Write(buf); err != nil {
						return
					}
				}
			}()
			msg, buf := make([]byte, 32), make([]byte, 32)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := client.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(client, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
