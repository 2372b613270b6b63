package protocol

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads commands until an error and returns them as strings along
// with the terminating error.
func readAll(r *Reader) ([][]string, error) {
	var cmds [][]string
	for i := 0; ; i++ {
		argv, err := r.ReadCommand()
		if err != nil {
			return cmds, err
		}
		if len(argv) == 0 {
			return cmds, errors.New("ReadCommand returned no arguments and no error")
		}
		cmd := make([]string, len(argv))
		for j, a := range argv {
			cmd[j] = string(a)
		}
		cmds = append(cmds, cmd)
		if i > 1<<20 {
			return cmds, errors.New("runaway")
		}
	}
}

func fmtCmds(cmds [][]string) string {
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString("[")
		for i, a := range c {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(strconvQuote(a))
		}
		b.WriteString("]")
	}
	return b.String()
}

func strconvQuote(s string) string { return Value{Kind: KindBulk, Str: s}.String() }

func equalCmds(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

var validCases = []struct {
	name string
	in   string
	want [][]string
}{
	{"multibulk", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", [][]string{{"SET", "k", "v"}}},
	{"pipeline", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*1\r\n$4\r\nPING\r\n",
		[][]string{{"SET", "k", "v"}, {"GET", "k"}, {"PING"}, {"PING"}}},
	{"binary bulk", "*2\r\n$4\r\nECHO\r\n$5\r\na\x00\r\nb\r\n", [][]string{{"ECHO", "a\x00\r\nb"}}},
	{"empty bulk", "*1\r\n$0\r\n\r\n", [][]string{{""}}},
	{"empty multibulks skipped", "*0\r\n*-1\r\n*-5\r\n*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}}},
	{"empty inline lines skipped", "\r\n\n   \r\n\t\v\f\r\nPING\r\n", [][]string{{"PING"}}},
	{"inline LF only", "PING\nECHO x\n", [][]string{{"PING"}, {"ECHO", "x"}}},
	{"inline quotes", "set \"a b\" 'c d' \"\\x41\\n\"\r\n", [][]string{{"set", "a b", "c d", "A\n"}}},
	{"inline escapes", "ECHO \"\\t\\r\\b\\a\\\\\\\"\\q\"\r\n", [][]string{{"ECHO", "\t\r\b\a\\\"q"}}},
	{"inline hex", "ECHO \"\\xfF\" \"\\x4g\" \"\\X41\" \"\\x4\"\r\n", [][]string{{"ECHO", "\xff", "x4g", "X41", "x4"}}},
	{"inline single quotes", "ECHO 'a\\'b' 'a\\nb' 'a\\\\b'\r\n", [][]string{{"ECHO", "a'b", `a\nb`, `a\\b`}}},
	{"inline quote mid token", "ECHO ab\"cd\" x'y z'\r\n", [][]string{{"ECHO", "abcd", "xy z"}}},
	{"inline empty quoted", "\"\"\r\nECHO ''\r\n", [][]string{{""}, {"ECHO", ""}}},
	{"inline quote then tab or vtab", "ECHO \"a\"\t\"b\"\v\r\n", [][]string{{"ECHO", "a", "b"}}},
	{"inline CR splits tokens", "ECHO a\rb\r\r\n", [][]string{{"ECHO", "a", "b"}}},
	{"inline vtab and formfeed inside token", "ECHO a\x0cb\x0bc\r\n\vPING\r\n", [][]string{{"ECHO", "a\x0cb\x0bc"}, {"PING"}}},
	{"inline high bytes", "ECHO \x80\xff\r\n", [][]string{{"ECHO", "\x80\xff"}}},
	{"inline blanks", "  ECHO   a   \r\n", [][]string{{"ECHO", "a"}}},
	// Redis does not look at the byte after a count's '\r', nor at the two
	// bytes after a bulk's data.
	{"count terminator unchecked", "*1\rX$4\r\nPING\r\n", [][]string{{"PING"}}},
	{"bulk trailer unchecked", "*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}},
	{"leftover CRLF after multibulk", "*1\r\n$4\r\nPING\r\n\r\n\r\nPING\r\n", [][]string{{"PING"}, {"PING"}}},
	{"long inline arrives with its newline", "ECHO " + strings.Repeat("a", 70000) + "\r\n", [][]string{{"ECHO", strings.Repeat("a", 70000)}}},
	{"big bulk", "*2\r\n$4\r\nECHO\r\n$200000\r\n" + strings.Repeat("b", 200000) + "\r\n", [][]string{{"ECHO", strings.Repeat("b", 200000)}}},
}

func TestReadCommandValid(t *testing.T) {
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(NewReader(strings.NewReader(tc.in), Limits{}))
			if err != io.EOF {
				t.Fatalf("terminating error %v, want io.EOF (commands %s)", err, fmtCmds(got))
			}
			if !equalCmds(got, tc.want) {
				t.Fatalf("got %s, want %s", fmtCmds(got), fmtCmds(tc.want))
			}
		})
	}
}

func TestReadCommandOneByteAtATime(t *testing.T) {
	for _, tc := range validCases {
		if len(tc.in) > inlineMaxSize && !strings.HasPrefix(tc.in, "*") {
			continue // Redis too rejects a long inline line that trickles in
		}
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(NewReader(iotest.OneByteReader(strings.NewReader(tc.in)), Limits{}))
			if err != io.EOF || !equalCmds(got, tc.want) {
				t.Fatalf("got %s, %v; want %s, EOF", fmtCmds(got), err, fmtCmds(tc.want))
			}
		})
	}
}

func TestReadCommandEverySplit(t *testing.T) {
	for _, tc := range validCases {
		if len(tc.in) > 1000 {
			continue
		}
		for k := 1; k < len(tc.in); k++ {
			rd := io.MultiReader(strings.NewReader(tc.in[:k]), strings.NewReader(tc.in[k:]))
			got, err := readAll(NewReader(rd, Limits{}))
			if err != io.EOF || !equalCmds(got, tc.want) {
				t.Fatalf("%s split at %d: got %s, %v; want %s, EOF", tc.name, k, fmtCmds(got), err, fmtCmds(tc.want))
			}
		}
	}
}

// Each of these was sent to redis-server 7.0.15; want is its reply without
// "-" and CRLF, after which it closed the connection.
var protocolErrorCases = []struct {
	name string
	in   string
	want string
}{
	{"mbulk above INT_MAX", "*2147483648\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk minus zero", "*-0\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk leading zero", "*01\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk plus sign", "*+1\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk empty", "*\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk letters", "*abc\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk leading space", "* 1\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk trailing space", "*1 \r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk LF terminated", "*1\n\n$4\r\nPING\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk int64 underflow", "*-9223372036854775809\r\n", "ERR Protocol error: invalid multibulk length"},
	{"mbulk 21 chars", "*100000000000000000000\r\n", "ERR Protocol error: invalid multibulk length"},
	{"expected dollar", "*1\r\nx4\r\n", "ERR Protocol error: expected '$', got 'x'"},
	{"expected dollar got star", "*1\r\n*1\r\n", "ERR Protocol error: expected '$', got '*'"},
	{"expected dollar got space", "*1\r\n $4\r\n", "ERR Protocol error: expected '$', got ' '"},
	{"expected dollar got CR", "*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '"},
	{"expected dollar got LF", "*1\r\n\n\r\n", "ERR Protocol error: expected '$', got ' '"},
	{"expected dollar got control", "*1\r\n\x01\r\n", "ERR Protocol error: expected '$', got '\x01'"},
	{"expected dollar second arg", "*2\r\n$4\r\nECHO\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
	{"bulk negative", "*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk above proto-max-bulk-len", "*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk space", "*1\r\n$ 4\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk empty", "*1\r\n$\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk minus zero", "*1\r\n$-0\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk leading zero", "*1\r\n$00\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk int64 max", "*1\r\n$9223372036854775807\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk overflow", "*1\r\n$99999999999999999999\r\n", "ERR Protocol error: invalid bulk length"},
	{"bulk high byte", "*1\r\n$\xff\r\n", "ERR Protocol error: invalid bulk length"},
	{"quote followed by text", "ECHO \"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"unterminated double quote", "ECHO \"abc\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"unterminated single quote", "ECHO 'abc\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"unterminated mid token", "ECHO ab\"cd\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"backslash at end", "ECHO \"a\\\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"quote followed by high byte", "ECHO \"a\"\x80\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"single quote followed by text", "ECHO 'a'b\r\n", "ERR Protocol error: unbalanced quotes in request"},
	{"too big inline", strings.Repeat("a", 65537), "ERR Protocol error: too big inline request"},
	{"too big inline NUL", "PING\x00\r\n" + strings.Repeat("a", 70000), "ERR Protocol error: too big inline request"},
	{"too big mbulk count", "*" + strings.Repeat("1", 65536), "ERR Protocol error: too big mbulk count string"},
	{"too big mbulk count NUL", "*1\x00\r\n" + strings.Repeat("a", 70000), "ERR Protocol error: too big mbulk count string"},
	{"too big bulk count", "*1\r\n$" + strings.Repeat("1", 70000), "ERR Protocol error: too big bulk count string"},
	{"long bulk count", "*1\r\n$" + strings.Repeat("1", 70000) + "\r\n", "ERR Protocol error: invalid bulk length"},
	{"long bulk count trickling", "*1\r\n$" + strings.Repeat("1", 70000) + "\r\n", "ERR Protocol error: too big bulk count string"},
	{"error after good command", "*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length"},
}

func TestReadCommandProtocolErrors(t *testing.T) {
	for _, tc := range protocolErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				// The outcome of these depends on whether the terminator
				// arrives with the bytes that cross the 64 KB limit.
				if (tc.name == "long bulk count" && oneByte) || (tc.name == "long bulk count trickling" && !oneByte) {
					continue
				}
				var rd io.Reader = strings.NewReader(tc.in)
				if oneByte {
					rd = iotest.OneByteReader(rd)
				}
				r := NewReader(rd, Limits{})
				_, err := readAll(r)
				var pe *ProtocolError
				if !errors.As(err, &pe) {
					t.Fatalf("oneByte=%v: error %v (%T), want *ProtocolError", oneByte, err, err)
				}
				if pe.Error() != tc.want {
					t.Fatalf("oneByte=%v: error %q, want %q", oneByte, pe.Error(), tc.want)
				}
				if _, err2 := r.ReadCommand(); err2 != err {
					t.Fatalf("error not sticky: %v then %v", err, err2)
				}
			}
		})
	}
}

// Inputs on which Redis keeps waiting for more bytes: at EOF the reader
// reports io.ErrUnexpectedEOF, not a protocol error.
func TestReadCommandIncomplete(t *testing.T) {
	for _, in := range []string{
		"*1\r\n$4\r\nPIN",
		"*1\r\n$4\r\nPING\r",
		"*1\r",
		"*2147483647\r\n",                // INT_MAX arguments are accepted (Redis 7.0)
		"*1\r\n$536870912\r\n",           // exactly proto-max-bulk-len
		strings.Repeat("a", 65536),       // inline at the limit
		"*" + strings.Repeat("1", 65535), // count at the limit
		"PING\x00\r\nPING\r\n",           // strchr stops at NUL
		"*1\x00\r\n$4\r\nPING\r\n",
		"*1\r\n$4\x00\r\nPING\r\n",
		"ECHO \"abc",
	} {
		_, err := readAll(NewReader(strings.NewReader(in), Limits{}))
		if err != io.ErrUnexpectedEOF {
			t.Errorf("%.40q: error %v, want io.ErrUnexpectedEOF", in, err)
		}
	}
	if _, err := readAll(NewReader(strings.NewReader(""), Limits{})); err != io.EOF {
		t.Errorf("empty input: %v, want io.EOF", err)
	}
	// A trailing empty line is a complete (skipped) request.
	if _, err := readAll(NewReader(strings.NewReader("PING\r\n  \r\n"), Limits{})); err != io.EOF {
		t.Errorf("trailing blank line: %v, want io.EOF", err)
	}
}

func TestReadCommandLimits(t *testing.T) {
	t.Run("MaxBulkLen", func(t *testing.T) {
		lim := Limits{MaxBulkLen: 10}
		cmds, err := readAll(NewReader(strings.NewReader("*1\r\n$10\r\n0123456789\r\n*1\r\n$11\r\n"), lim))
		if len(cmds) != 1 || err == nil || err.Error() != "ERR Protocol error: invalid bulk length" {
			t.Fatalf("got %s, %v", fmtCmds(cmds), err)
		}
	})
	t.Run("MaxMultibulkLen", func(t *testing.T) {
		lim := Limits{MaxMultibulkLen: 2}
		cmds, err := readAll(NewReader(strings.NewReader("*2\r\n$1\r\na\r\n$1\r\nb\r\n*3\r\n"), lim))
		if len(cmds) != 1 || err == nil || err.Error() != "ERR Protocol error: invalid multibulk length" {
			t.Fatalf("got %s, %v", fmtCmds(cmds), err)
		}
	})
	t.Run("query buffer exceeded by one bulk", func(t *testing.T) {
		// Verified with client-query-buffer-limit 1mb: a 1 MiB bulk plus its
		// CRLF is 2 bytes over and the connection is closed.
		lim := Limits{MaxQueryBuffer: 1 << 20}
		in := "*2\r\n$4\r\nECHO\r\n$1048576\r\n" + strings.Repeat("a", 1<<20) + "\r\n"
		_, err := readAll(NewReader(strings.NewReader(in), lim))
		if err != ErrQueryBufferLimit {
			t.Fatalf("error %v, want ErrQueryBufferLimit", err)
		}
	})
	t.Run("query buffer counts only the pending argument", func(t *testing.T) {
		// Redis moves completed arguments out of the query buffer, so MSET
		// with three 600 KB values passes a 1 MB limit.
		lim := Limits{MaxQueryBuffer: 1 << 20}
		val := strings.Repeat("v", 600000)
		in := AppendCommand(nil, "MSET", "a", val, "b", val, "c", val)
		cmds, err := readAll(NewReader(bytes.NewReader(in), lim))
		if err != io.EOF || len(cmds) != 1 || len(cmds[0]) != 7 || cmds[0][6] != val {
			t.Fatalf("got %d commands, %v", len(cmds), err)
		}
	})
	t.Run("query buffer inline", func(t *testing.T) {
		lim := Limits{MaxQueryBuffer: 1000}
		_, err := readAll(NewReader(strings.NewReader(strings.Repeat("a", 5000)), lim))
		if err != ErrQueryBufferLimit {
			t.Fatalf("error %v, want ErrQueryBufferLimit", err)
		}
	})
	t.Run("unauthenticated", func(t *testing.T) {
		for _, tc := range []struct{ in, want string }{
			{"*11\r\n", "ERR Protocol error: unauthenticated multibulk length"},
			{"*2\r\n$4\r\nAUTH\r\n$16385\r\n", "ERR Protocol error: unauthenticated bulk length"},
			{"*2\r\n$4\r\nAUTH\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
		} {
			r := NewReader(strings.NewReader(tc.in), Limits{})
			r.SetUnauthenticated(true)
			if _, err := readAll(r); err == nil || err.Error() != tc.want {
				t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
			}
		}
		in := "*10\r\n" + strings.Repeat("$16384\r\n"+strings.Repeat("x", 16384)+"\r\n", 10)
		r := NewReader(strings.NewReader(in), Limits{})
		r.SetUnauthenticated(true)
		if cmds, err := readAll(r); err != io.EOF || len(cmds) != 1 {
			t.Errorf("at the unauthenticated limits: %d commands, %v", len(cmds), err)
		}
	})
}

// heapGrowth returns how much the live heap grew while f ran.
func heapGrowth(f func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc)
}

func TestReadCommandNoPreallocation(t *testing.T) {
	for _, in := range []string{
		"*1\r\n$400000000\r\n",
		"*2\r\n$3\r\nSET\r\n$536870912\r\nabc",
		"*2147483647\r\n",
		"*2000000000\r\n$1\r\na\r\n$1\r\nb\r\n",
	} {
		var r *Reader
		var err error
		grew := heapGrowth(func() {
			r = NewReader(strings.NewReader(in), Limits{})
			_, err = r.ReadCommand()
		})
		if err != io.ErrUnexpectedEOF {
			t.Errorf("%q: error %v, want io.ErrUnexpectedEOF", in, err)
		}
		if grew > 1<<20 {
			t.Errorf("%q: heap grew by %d bytes before any data arrived", in, grew)
		}
		runtime.KeepAlive(r)
	}
}

func TestReadCommandBufferGrowsWithData(t *testing.T) {
	// 8 MB of a declared 400 MB bulk arrive, then EOF: memory must track
	// what arrived, not what was announced.
	in := "*2\r\n$3\r\nSET\r\n$400000000\r\n" + strings.Repeat("z", 8<<20)
	var r *Reader
	grew := heapGrowth(func() {
		r = NewReader(strings.NewReader(in), Limits{})
		_, _ = r.ReadCommand()
	})
	if grew > 64<<20 {
		t.Fatalf("heap grew by %d MB for 8 MB of data", grew>>20)
	}
	if len(r.buf) > 3*(8<<20) {
		t.Fatalf("buffer is %d bytes for 8 MB of data", len(r.buf))
	}
}

// pieceReader returns one piece per Read call.
type pieceReader struct{ pieces [][]byte }

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(p.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.pieces[0])
	if n == len(p.pieces[0]) {
		p.pieces = p.pieces[1:]
	} else {
		p.pieces[0] = p.pieces[0][n:]
	}
	return n, nil
}

func TestReadCommandGrowthIsLinear(t *testing.T) {
	// Many medium arguments arriving in small reads: growing the buffer
	// only to what each argument needs would copy quadratically.
	args := []string{"MSET"}
	for i := 0; i < 1000; i++ {
		args = append(args, strings.Repeat("x", 20000))
	}
	in := AppendCommand(nil, args...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := NewReader(iotest.HalfReader(bytes.NewReader(in)), Limits{})
	argv, err := r.ReadCommand()
	runtime.ReadMemStats(&after)
	if err != nil || len(argv) != len(args) {
		t.Fatalf("%d args, %v", len(argv), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*uint64(len(in)) {
		t.Fatalf("allocated %d MB for %d MB of input", alloc>>20, len(in)>>20)
	}
	// A single huge argument ends in a buffer that barely exceeds it.
	in = AppendCommand(nil, "SET", "k", strings.Repeat("y", 20<<20))
	r = NewReader(iotest.HalfReader(bytes.NewReader(in)), Limits{})
	if _, err := r.ReadCommand(); err != nil {
		t.Fatal(err)
	}
	if len(r.buf) > len(in)+len(in)/4 {
		t.Fatalf("buffer of %d bytes for a %d byte command", len(r.buf), len(in))
	}
}

func TestReadCommandShrinksAfterBigCommand(t *testing.T) {
	pr := &pieceReader{pieces: [][]byte{AppendCommand(nil, "SET", "k", strings.Repeat("v", 4<<20))}}
	for i := 0; i < 3; i++ {
		pr.pieces = append(pr.pieces, AppendCommand(nil, "GET", "k"))
	}
	r := NewReader(pr, Limits{})
	argv, err := r.ReadCommand()
	if err != nil || len(argv[2]) != 4<<20 {
		t.Fatal(err)
	}
	big := len(r.buf)
	if big < 4<<20 {
		t.Fatalf("buffer %d bytes holds a 4 MB argument?", big)
	}
	// Like Redis's clientsCron, the buffer is trimmed once a period of use
	// (here: between two empty-buffer moments) peaked well below its size.
	for i := 0; i < 3; i++ {
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.buf) >= big || len(r.buf) > shrinkAbove {
		t.Fatalf("buffer still %d bytes (was %d)", len(r.buf), big)
	}
	if _, err := r.ReadCommand(); err != io.EOF {
		t.Fatal(err)
	}
}

func TestReadCommandArgsValidUntilNext(t *testing.T) {
	in := "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nECHO \"x\\x79z\"\r\n"
	r := NewReader(iotest.OneByteReader(strings.NewReader(in)), Limits{})
	a, err := r.ReadCommand()
	if err != nil || string(a[1]) != "abc" || cap(a[1]) != 3 {
		t.Fatalf("%q %v cap %d", a, err, cap(a[1]))
	}
	b, err := r.ReadCommand()
	if err != nil || string(b[1]) != "xyz" || cap(b[1]) != 3 {
		t.Fatalf("%q %v", b, err)
	}
}

func TestBufferedAndCommandReady(t *testing.T) {
	cases := []struct {
		rest  string // what follows the first command
		ready bool
	}{
		{"", false},
		{"*1\r\n$4\r\nPING\r\n", true},
		{"*1\r\n$4\r\nPIN", false},
		{"*1\r\n$4\r\nPING\r", false},
		{"*1\r", false},
		{"*0\r\n", false},
		{"*0\r\n*-1\r\nPING\r\n", true},
		{"\r\n  \r\n", false},
		{"\r\nPING\r\n", true},
		{"PIN", false},
		{"ECHO \"a\r\n", true}, // an error is ready too
		{"*x\r\n", true},
		{"*1\r\nx\r\n", true},
		{"*1\r\n$-1\r\n", true},
	}
	for _, tc := range cases {
		r := NewReader(strings.NewReader("PING\r\n"+tc.rest), Limits{})
		if _, err := r.ReadCommand(); err != nil {
			t.Fatal(err)
		}
		if r.Buffered() != len(tc.rest) {
			t.Errorf("%.20q: Buffered %d, want %d", tc.rest, r.Buffered(), len(tc.rest))
		}
		// strings.Reader returns EOF only on the next Read, so nothing is
		// pending and CommandReady depends on the bytes alone.
		if got := r.CommandReady(); got != tc.ready {
			t.Errorf("%.20q: CommandReady %v, want %v", tc.rest, got, tc.ready)
		}
		if tc.ready {
			continue
		}
		// Not ready: ReadCommand must indeed need the connection (here it
		// meets EOF) rather than produce a command.
		argv, err := r.ReadCommand()
		if err == nil {
			t.Errorf("%.20q: not ready, but ReadCommand returned %q", tc.rest, argv)
		}
	}
}

func TestReaderReset(t *testing.T) {
	r := NewReader(strings.NewReader("*x\r\n"), Limits{})
	if _, err := r.ReadCommand(); err == nil {
		t.Fatal("want error")
	}
	r.Reset(strings.NewReader("PING\r\n"))
	argv, err := r.ReadCommand()
	if err != nil || len(argv) != 1 || string(argv[0]) != "PING" {
		t.Fatalf("%q %v", argv, err)
	}
}

type errAfterReader struct {
	data []byte
	err  error
}

func (e *errAfterReader) Read(p []byte) (int, error) {
	n := copy(p, e.data)
	e.data = e.data[n:]
	if len(e.data) == 0 {
		return n, e.err
	}
	return n, nil
}

func TestReadCommandDataWithError(t *testing.T) {
	// Bytes returned together with an error are used before the error.
	boom := errors.New("boom")
	r := NewReader(&errAfterReader{data: []byte("PING\r\nECHO a\r\n"), err: boom}, Limits{})
	cmds, err := readAll(r)
	if err != boom || len(cmds) != 2 {
		t.Fatalf("%s %v", fmtCmds(cmds), err)
	}
}

// loopReader serves the same bytes forever without allocating.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.data[l.off:])
		n += c
		l.off = (l.off + c) % len(l.data)
	}
	return n, nil
}

func TestReadCommandZeroAllocs(t *testing.T) {
	for _, in := range []string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
		"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$100\r\n" + strings.Repeat("v", 100) + "\r\n",
		"SET \"a b\" 'c d' \"\\x41\"\r\n",
		"*0\r\nPING\r\n",
	} {
		r := NewReader(&loopReader{data: []byte(in)}, Limits{})
		for i := 0; i < 100; i++ { // warm up the buffers
			if _, err := r.ReadCommand(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(10000, func() {
			if _, err := r.ReadCommand(); err != nil {
				t.Fatal(err)
			}
			r.CommandReady()
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocs per command", in, allocs)
		}
	}
}

func BenchmarkReadCommand(b *testing.B) {
	for _, bc := range []struct {
		name string
		in   string
	}{
		{"SET", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"},
		{"SET-100B", "*3\r\n$3\r\nSET\r\n$8\r\nkey:1234\r\n$100\r\n" + strings.Repeat("v", 100) + "\r\n"},
		{"MSET-10", string(AppendCommand(nil, "MSET", "k1", "v1", "k2", "v2", "k3", "v3", "k4", "v4", "k5", "v5"))},
		{"inline", "SET k v\r\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := NewReader(&loopReader{data: []byte(bc.in)}, Limits{})
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.ReadCommand(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestParseLL(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"10", 10, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false}, {"01", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false},
		{"000000000000000000001", 0, false},
	} {
		n, ok := parseLL([]byte(tc.in))
		if n != tc.n || ok != tc.ok {
			t.Errorf("parseLL(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}
