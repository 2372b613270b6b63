package protocol

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// replyWriter is a copy of engine.ReplyWriter (this package may not import
// engine); Writer must keep satisfying it.
type replyWriter interface {
	Proto() int
	Status(s string)
	Error(s string)
	Int(n int64)
	Bulk(b []byte)
	BulkString(s string)
	Null()
	NullArray()
	Array(n int)
	Map(n int)
	Set(n int)
	Push(n int)
	Double(f float64)
	Bool(b bool)
	Verbatim(format, s string)
}

var _ replyWriter = (*Writer)(nil)

func TestWriterMethods(t *testing.T) {
	for _, tc := range []struct {
		name         string
		do           func(w *Writer)
		resp2, resp3 string
	}{
		{"Status", func(w *Writer) { w.Status("OK") }, "+OK\r\n", "+OK\r\n"},
		{"Error", func(w *Writer) { w.Error("ERR no") }, "-ERR no\r\n", "-ERR no\r\n"},
		{"Int", func(w *Writer) { w.Int(-42) }, ":-42\r\n", ":-42\r\n"},
		{"Int zero", func(w *Writer) { w.Int(0) }, ":0\r\n", ":0\r\n"},
		{"Int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"Bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"Bulk empty", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"BulkString", func(w *Writer) { w.BulkString("héllo") }, "$6\r\nhéllo\r\n", "$6\r\nhéllo\r\n"},
		{"Null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"NullArray", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"Array", func(w *Writer) { w.Array(3) }, "*3\r\n", "*3\r\n"},
		{"Array empty", func(w *Writer) { w.Array(0) }, "*0\r\n", "*0\r\n"},
		{"Map", func(w *Writer) { w.Map(2) }, "*4\r\n", "%2\r\n"},
		{"Set", func(w *Writer) { w.Set(5) }, "*5\r\n", "~5\r\n"},
		{"Push", func(w *Writer) { w.Push(3) }, "*3\r\n", ">3\r\n"},
		{"Double", func(w *Writer) { w.Double(1.1) }, "$18\r\n1.1000000000000001\r\n", ",1.1000000000000001\r\n"},
		{"Double int", func(w *Writer) { w.Double(3) }, "$1\r\n3\r\n", ",3\r\n"},
		{"Double inf", func(w *Writer) { w.Double(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"Double -inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"Double nan", func(w *Writer) { w.Double(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
		{"Bool true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"Bool false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"Verbatim", func(w *Writer) { w.Verbatim("txt", "hi\r\nyo") }, "$6\r\nhi\r\nyo\r\n", "=10\r\ntxt:hi\r\nyo\r\n"},
		{"Verbatim short format", func(w *Writer) { w.Verbatim("md", "x") }, "$1\r\nx\r\n", "=5\r\nmd :x\r\n"},
		{"Verbatim long format", func(w *Writer) { w.Verbatim("text", "") }, "$0\r\n\r\n", "=4\r\ntex:\r\n"},
		{"nested", func(w *Writer) {
			w.Map(1)
			w.BulkString("k")
			w.Array(2)
			w.Int(1)
			w.Null()
		}, "*2\r\n$1\r\nk\r\n*2\r\n:1\r\n$-1\r\n", "%1\r\n$1\r\nk\r\n*2\r\n:1\r\n_\r\n"},
	} {
		for _, proto := range []int{2, 3} {
			var out bytes.Buffer
			w := NewWriter(&out, proto)
			if w.Proto() != proto {
				t.Fatalf("Proto() = %d", w.Proto())
			}
			tc.do(w)
			if w.Buffered() == 0 {
				t.Errorf("%s: nothing buffered", tc.name)
			}
			if out.Len() != 0 {
				t.Errorf("%s: wrote before Flush", tc.name)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			want := tc.resp2
			if proto == 3 {
				want = tc.resp3
			}
			if out.String() != want {
				t.Errorf("%s RESP%d: %q, want %q", tc.name, proto, out.String(), want)
			}
			if w.Buffered() != 0 {
				t.Errorf("%s: %d bytes left after Flush", tc.name, w.Buffered())
			}
		}
	}
}

func TestWriterSetProto(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, 2)
	w.Null()
	w.SetProto(3)
	w.Null()
	if w.Flush(); out.String() != "$-1\r\n_\r\n" || w.Proto() != 3 {
		t.Fatalf("%q", out.String())
	}
}

func TestErrorSanitizing(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ERR a\r\nb", "-ERR a  b\r\n"},
		{"ERR a\nb\rc", "-ERR a b c\r\n"},
		{"ERR trailing\r\n", "-ERR trailing\r\n"},
		{"\r\nERR leading", "-ERR leading\r\n"},
		{"ERR x\n\n", "-ERR x\r\n"},
		{"", "-\r\n"},
		{"\r\n", "-\r\n"},
		{"WRONGTYPE Operation against a key holding the wrong kind of value", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	} {
		if got := string(AppendError(nil, tc.in)); got != tc.want {
			t.Errorf("AppendError(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Expected strings are C's printf("%.17g"), as redis-server printed them for
// ZSCORE where it could (1.1, 1e20, 1e-5, 0, 2.5e-300, 1.2345678901234568e+17).
func TestDoubleFormat(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{1.1, "1.1000000000000001"},
		{1e20, "1e+20"},
		{1e-5, "1.0000000000000001e-05"},
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{3, "3"},
		{2.5e-300, "2.5e-300"},
		{1e16, "10000000000000000"},
		{1e17, "1e+17"},
		{123456789012345678, "1.2345678901234568e+17"},
		{0.1, "0.10000000000000001"},
		{1e-4, "0.0001"},
		{5e-324, "4.9406564584124654e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{1 << 53, "9007199254740992"},
		{1.0 / 3, "0.33333333333333331"},
		{-1.5, "-1.5"},
		{100, "100"},
		{1e-7, "9.9999999999999995e-08"},
		{12345.678, "12345.678"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
		{math.Copysign(math.NaN(), -1), "-nan"},
	} {
		if got := string(appendDoubleText(nil, tc.f)); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestAppendHelpers(t *testing.T) {
	var b []byte
	b = AppendInt(b, ':', 7)
	b = AppendArrayLen(b, 2)
	b = AppendBulk(b, []byte("x"))
	b = AppendBulkString(b, "")
	b = AppendStatus(b, "PONG")
	b = AppendNull(b, 2)
	b = AppendNull(b, 3)
	b = AppendNullArray(b, 2)
	b = AppendDouble(b, 2.5, 2)
	b = AppendDouble(b, 2.5, 3)
	b = AppendVerbatim(b, "txt", "v", 2)
	want := ":7\r\n*2\r\n$1\r\nx\r\n$0\r\n\r\n+PONG\r\n$-1\r\n_\r\n*-1\r\n$3\r\n2.5\r\n,2.5\r\n$1\r\nv\r\n"
	if string(b) != want {
		t.Fatalf("%q\nwant %q", b, want)
	}
}

type failWriter struct {
	n     int // successful writes before failing
	calls int
	err   error
}

func (f *failWriter) Write(p []byte) (int, error) {
	f.calls++
	if f.calls > f.n {
		return 0, f.err
	}
	return len(p), nil
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestWriterErrorsAreKept(t *testing.T) {
	boom := errors.New("boom")
	fw := &failWriter{err: boom}
	w := NewWriter(fw, 2)
	w.Status("OK")
	if err := w.Flush(); err != boom {
		t.Fatalf("Flush = %v", err)
	}
	w.Status("OK")
	if err := w.Flush(); err != boom {
		t.Fatalf("second Flush = %v", err)
	}
	if fw.calls != 1 {
		t.Fatalf("wrote %d times after the error", fw.calls)
	}
	// An error during an automatic mid-reply flush surfaces at Flush too.
	fw = &failWriter{err: boom}
	w = NewWriter(fw, 2)
	w.Bulk(make([]byte, 200000))
	w.Int(1)
	if err := w.Flush(); err != boom || w.Buffered() != 0 {
		t.Fatalf("Flush = %v, buffered %d", err, w.Buffered())
	}
	w = NewWriter(shortWriter{}, 2)
	w.Status("OK")
	if err := w.Flush(); err != io.ErrShortWrite {
		t.Fatalf("short write: %v", err)
	}
	var out bytes.Buffer
	w.Reset(&out)
	w.Status("OK")
	if err := w.Flush(); err != nil || out.String() != "+OK\r\n" {
		t.Fatalf("after Reset: %v %q", err, out.String())
	}
}

// countingWriter records the size of each Write.
type countingWriter struct {
	bytes.Buffer
	writes []int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes = append(c.writes, len(p))
	return c.Buffer.Write(p)
}

func TestWriterBoundedBuffer(t *testing.T) {
	cw := &countingWriter{}
	w := NewWriter(cw, 2)
	w.Array(100000)
	for i := 0; i < 100000; i++ {
		w.Int(int64(i))
		if w.Buffered() > flushThreshold+32 {
			t.Fatalf("buffer reached %d bytes", w.Buffered())
		}
	}
	big := strings.Repeat("x", 1<<20)
	w.BulkString(big)
	w.Bulk([]byte(big))
	if w.Buffered() > flushThreshold {
		t.Fatalf("buffer reached %d bytes", w.Buffered())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, n := range cw.writes {
		if n > flushThreshold+32 && n != 1<<20 {
			t.Fatalf("write of %d bytes: big values should pass through unbuffered", n)
		}
	}
	// The output is still one well-formed stream.
	r := newBufioReader(&cw.Buffer)
	v, err := ReadValue(r)
	if err != nil || len(v.Elems) != 100000 || v.Elems[99999].Int != 99999 {
		t.Fatalf("array: %v", err)
	}
	for i := 0; i < 2; i++ {
		v, err = ReadValue(r)
		if err != nil || v.Str != big {
			t.Fatalf("big bulk %d: %v", i, err)
		}
	}
}

func TestWriterZeroAllocs(t *testing.T) {
	w := NewWriter(io.Discard, 3)
	val := []byte("value")
	allocs := testing.AllocsPerRun(1000, func() {
		for _, p := range []int{2, 3} {
			w.SetProto(p)
			w.Status("OK")
			w.Error("ERR x\ny")
			w.Int(12345)
			w.Bulk(val)
			w.BulkString("value")
			w.Null()
			w.NullArray()
			w.Array(2)
			w.Map(2)
			w.Set(2)
			w.Push(2)
			w.Double(3.14159)
			w.Double(math.Inf(1))
			w.Bool(true)
			w.Verbatim("txt", "s")
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run", allocs)
	}
}

func BenchmarkWriter(b *testing.B) {
	val := []byte(strings.Repeat("v", 100))
	for _, bc := range []struct {
		name string
		do   func(w *Writer)
	}{
		{"Status", func(w *Writer) { w.Status("OK") }},
		{"Int", func(w *Writer) { w.Int(123456) }},
		{"Bulk100", func(w *Writer) { w.Bulk(val) }},
		{"Error", func(w *Writer) { w.Error("ERR unknown command 'foo'") }},
		{"Double", func(w *Writer) { w.Double(3.14159) }},
		{"Array3Bulk", func(w *Writer) {
			w.Array(3)
			w.BulkString("a")
			w.BulkString("b")
			w.BulkString("c")
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := NewWriter(io.Discard, 2)
			b.ReportAllocs()
			for b.Loop() {
				bc.do(w)
			}
			_ = w.Flush()
		})
	}
}

func TestWriterMarkRollback(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, 2)
	w.Status("OK")
	m := w.Mark()
	w.Array(2)
	w.BulkString("x")
	if !w.Rollback(m) {
		t.Fatal("Rollback of buffered bytes failed")
	}
	w.Int(1)
	m = w.Mark()
	w.Flush()
	w.Int(2)
	if w.Rollback(m) {
		t.Error("Rollback across a flush succeeded")
	}
	w.Flush()
	if got := out.String(); got != "+OK\r\n:1\r\n:2\r\n" {
		t.Errorf("got %q", got)
	}
}
