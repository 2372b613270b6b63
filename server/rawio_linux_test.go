//go:build linux && !386

package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// rawPair is a connected pair: the server side wrapped as a conn whose
// reader and writer use the raw socket, and the client side.
func rawPair(t *testing.T, network string) (*conn, net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); srv.Close() })
	cn := &conn{c: srv}
	cn.in = connReader{cn: cn, raw: rawConn(srv)}
	cn.out = connOutput{cn: cn}
	cn.in.rread, cn.out.rwrite = cn.in.rawRead, cn.out.rawWrite
	if cn.in.raw == nil || !rawIO {
		t.Fatalf("%s connection without raw I/O on Linux", network)
	}
	return cn, client
}

// TestRawIO drives connReader.read and connOutput.write over TCP and Unix
// sockets: data both ways, a write far larger than the socket buffers to a
// slow reader, the read and write deadlines, and the peer's close.
func TestRawIO(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			cn, client := rawPair(t, network)

			// Small request, read as it comes.
			if _, err := client.Write([]byte("PING\r\n")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			if n, err := cn.in.read(buf); err != nil || string(buf[:n]) != "PING\r\n" {
				t.Fatalf("read %q, %v", buf[:n], err)
			}

			// 8 MB out to a reader that takes it in small bites: write
			// waits for room as often as it needs and returns it all.
			big := bytes.Repeat([]byte("0123456789abcdef"), 8<<20/16)
			got := make(chan []byte)
			go func() {
				var b bytes.Buffer
				chunk := make([]byte, 4096)
				for b.Len() < len(big) {
					n, err := client.Read(chunk)
					b.Write(chunk[:n])
					if err != nil {
						break
					}
				}
				got <- b.Bytes()
			}()
			if n, err := cn.out.write(big); n != len(big) || err != nil {
				t.Fatalf("write: %d of %d, %v", n, len(big), err)
			}
			if b := <-got; !bytes.Equal(b, big) {
				t.Fatalf("the peer got %d bytes, not the %d written", len(b), len(big))
			}

			// A read deadline with nothing to read: a timeout, as net.Conn's.
			_ = cn.c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
			if n, err := cn.in.read(buf); n != 0 || !isTimeout(err) {
				t.Fatalf("read past its deadline: %d, %v", n, err)
			}
			_ = cn.c.SetReadDeadline(time.Time{})

			// A write deadline with nobody reading: part written, a timeout.
			_ = cn.c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			if n, err := cn.out.write(bytes.Repeat([]byte("x"), 64<<20)); n >= 64<<20 || !isTimeout(err) {
				t.Fatalf("write past its deadline: %d, %v", n, err)
			}

			// The peer closes: the bytes it sent, then EOF. (A fresh pair:
			// closing with the timed-out write's bytes unread resets.)
			cn, client = rawPair(t, network)
			if _, err := client.Write([]byte("bye")); err != nil {
				t.Fatal(err)
			}
			client.Close()
			var all []byte
			for {
				n, err := cn.in.read(buf)
				all = append(all, buf[:n]...)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("read after the peer closed: %v", err)
				}
			}
			if string(all) != "bye" {
				t.Fatalf("read %q before EOF", all)
			}
		})
	}
}
