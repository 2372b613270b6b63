package protocol

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// chunkReader hands out one chunk per Read, then io.EOF.
type chunkReader struct{ chunks []string }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; c.chunks[0] == "" {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// TestReaderSetLimits changes the limits between commands, as CONFIG SET
// does for a connected client: the bulk limit applies to the next header,
// the query buffer limit to the next read.
func TestReaderSetLimits(t *testing.T) {
	big := strings.Repeat("x", 3000)
	cr := &chunkReader{chunks: []string{
		"*2\r\n$4\r\nECHO\r\n$3000\r\n" + big + "\r\n",
		"*2\r\n$4\r\nECHO\r\n$3000\r\n",
	}}
	r := NewReader(cr, Limits{})
	if argv, err := r.ReadCommand(); err != nil || len(argv[1]) != 3000 {
		t.Fatalf("first ECHO: %d args, %v", len(argv), err)
	}
	r.SetLimits(Limits{MaxBulkLen: 2999})
	if got := r.Limits(); got.MaxBulkLen != 2999 || got.MaxQueryBuffer != DefaultLimits().MaxQueryBuffer {
		t.Errorf("Limits() = %+v", got)
	}
	var pe *ProtocolError
	if _, err := r.ReadCommand(); !errors.As(err, &pe) || pe.Error() != "ERR Protocol error: invalid bulk length" {
		t.Fatalf("after lowering the bulk limit: %v", err)
	}

	// The query buffer limit: 100 bytes of a pending argument pass while the
	// limit is 1 KB, and the next read fails once it is lowered to 150.
	cr = &chunkReader{chunks: []string{"*2\r\n$3\r\nSET\r\n$1000\r\n", strings.Repeat("y", 100), strings.Repeat("y", 100)}}
	r = NewReader(cr, Limits{MaxQueryBuffer: 1024})
	if _, err := r.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("within the limit: %v", err)
	}
	cr = &chunkReader{chunks: []string{"*2\r\n$3\r\nSET\r\n$1000\r\n" + strings.Repeat("y", 100), strings.Repeat("y", 100)}}
	r = NewReader(cr, Limits{MaxQueryBuffer: 1024})
	r.SetLimits(Limits{MaxQueryBuffer: 150})
	if _, err := r.ReadCommand(); err != ErrQueryBufferLimit {
		t.Fatalf("after lowering the query buffer limit: %v", err)
	}
}

// TestReaderRelease: an idle Reader gives its buffer back and reads on with
// a pooled one; one with a half-read command keeps it.
func TestReaderRelease(t *testing.T) {
	cr := &chunkReader{chunks: []string{"PING\r\n", "*2\r\n$4\r\nECHO\r\n$2\r\n", "hi\r\nPING\r\n"}}
	r := NewReader(cr, Limits{})
	if argv, err := r.ReadCommand(); err != nil || string(argv[0]) != "PING" {
		t.Fatalf("PING: %q %v", argv, err)
	}
	r.Release()
	if r.buf != nil {
		t.Fatal("idle Reader kept its buffer")
	}
	argv, err := r.ReadCommand()
	if err != nil || len(argv) != 2 || string(argv[1]) != "hi" {
		t.Fatalf("ECHO after Release: %q %v", argv, err)
	}
	if r.Buffered() == 0 {
		t.Fatal("PING should be buffered")
	}
	r.Release() // a buffered command: no-op
	if argv, err := r.ReadCommand(); err != nil || string(argv[0]) != "PING" {
		t.Fatalf("PING after a refused Release: %q %v", argv, err)
	}
}

// TestWriterHold: a holding Writer hands nothing over before Flush, even
// past 64 KB and for large bulks, calls the check at each threshold it is
// given, and once the check fails discards its output.
func TestWriterHold(t *testing.T) {
	var out countingWriter
	w := NewWriter(&out, 2)
	var seen []int
	w.Hold(100_000, func(n int) (int, error) {
		seen = append(seen, n)
		if n > 300_000 {
			return 0, errors.New("over")
		}
		return n + 100_000, nil
	})
	w.Bulk(make([]byte, 70_000))
	w.BulkString(strings.Repeat("z", 70_000))
	if len(out.writes) != 0 {
		t.Fatalf("a holding Writer wrote %v before Flush", out.writes)
	}
	if len(seen) != 1 || seen[0] != 140_020 {
		t.Fatalf("checks at %v, want one at 140020", seen)
	}
	if err := w.Flush(); err != nil || len(out.writes) != 1 || out.Len() != 140_020 {
		t.Fatalf("Flush: %v, writes %v, %d bytes", err, out.writes, out.Len())
	}
	// The threshold stays where the check put it (240020) until Hold resets it.
	w.Hold(100_000, w.hold)
	for i := 0; i < 40; i++ {
		w.Bulk(make([]byte, 10_000))
	}
	if w.Buffered() > 400_000 || w.Flush() == nil {
		t.Fatalf("past the limit: %d bytes buffered, Flush %v", w.Buffered(), w.Flush())
	}
	w.Status("OK")
	if w.Flush() == nil || out.Len() != 140_020 {
		t.Fatalf("a failed Writer wrote: %d bytes", out.Len())
	}
	if len(seen) < 4 {
		t.Fatalf("checks at %v", seen)
	}
}

// TestWriterRelease: Release leaves an idle Writer without a buffer,
// Acquire gives it one back, and output in between still works.
func TestWriterRelease(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, 2)
	w.Status("OK")
	w.Release() // pending output: kept
	if w.buf == nil {
		t.Fatal("Release dropped pending output")
	}
	_ = w.Flush()
	w.Release()
	if w.buf != nil {
		t.Fatal("idle Writer kept its buffer")
	}
	w.Int(1) // allocates its own
	w.Release()
	_ = w.Flush()
	w.Release()
	w.Acquire()
	if cap(w.buf) != writerInitial {
		t.Fatalf("Acquire gave %d bytes", cap(w.buf))
	}
	w.Null()
	if err := w.Flush(); err != nil || out.String() != "+OK\r\n:1\r\n$-1\r\n" {
		t.Fatalf("%q %v", out.String(), err)
	}
}

// TestReaderHugeQueryLimit: a query buffer limit of LONG_MAX (CONFIG SET
// accepts it) must not overflow the buffer sizing, which then fell back to
// growing 4 KB per read: a 1 MB argument took hundreds of reads.
func TestReaderHugeQueryLimit(t *testing.T) {
	big := strings.Repeat("v", 1<<20)
	cr := &countingReader{data: []byte("*2\r\n$4\r\nECHO\r\n$1048576\r\n" + big + "\r\n")}
	r := NewReader(cr, Limits{MaxQueryBuffer: 1<<63 - 1})
	if argv, err := r.ReadCommand(); err != nil || string(argv[1]) != big {
		t.Fatalf("%d arguments, %v", len(argv), err)
	}
	if cr.calls > 20 {
		t.Errorf("%d reads for a 1 MB argument", cr.calls)
	}
}
