package protocol

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// countingReader serves data in chunks whose sizes come from sizes (cycled)
// and counts Read calls. With blocky, every other call has nothing at hand
// (ErrWouldBlock), as a non-blocking socket between two packets.
type countingReader struct {
	data   []byte
	sizes  []byte
	i      int
	calls  int
	blocky bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.calls++
	if c.blocky && c.calls%2 == 1 {
		return 0, ErrWouldBlock
	}
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(p)
	if len(c.sizes) > 0 {
		n = min(n, 1+int(c.sizes[c.i%len(c.sizes)]%13))
		c.i++
	}
	n = copy(p, c.data[:min(n, len(c.data))])
	c.data = c.data[n:]
	return n, nil
}

// readChecked reads every command, checking that CommandReady predicts
// whether ReadCommand needs the connection, and that no command is empty.
// It releases the buffer after every other command, as an idle server
// connection does.
func readChecked(t *testing.T, cr *countingReader) ([][]string, error) {
	r := NewReader(cr, Limits{})
	var cmds [][]string
	for i := 0; ; i++ {
		if i > len(cr.data)+len(cmds)+10 && i > 1<<16 {
			t.Fatal("no progress")
		}
		ready := r.CommandReady()
		before := cr.calls
		argv, err := r.ReadCommand()
		read := cr.calls != before
		if ready && read {
			t.Fatalf("CommandReady was true but ReadCommand read (%q, %v)", argv, err)
		}
		if !ready && !read {
			t.Fatalf("CommandReady was false but ReadCommand did not read (%q, %v)", argv, err)
		}
		if err == ErrWouldBlock {
			continue // not sticky: the next call carries on
		}
		if err != nil {
			if err2 := func() error { _, e := r.ReadCommand(); return e }(); err2 != err {
				t.Fatalf("error not sticky: %v then %v", err, err2)
			}
			return cmds, err
		}
		if len(argv) == 0 {
			t.Fatal("empty command returned")
		}
		cmd := make([]string, len(argv))
		for j, a := range argv {
			cmd[j] = string(a)
		}
		cmds = append(cmds, cmd)
		if i%2 == 1 {
			// What an idle server connection does: it must not change
			// what is read next.
			r.Release()
		}
	}
}

func FuzzReader(f *testing.F) {
	for _, tc := range validCases {
		if len(tc.in) < 1000 {
			f.Add([]byte(tc.in), []byte{0})
		}
	}
	for _, tc := range protocolErrorCases {
		if len(tc.in) < 1000 {
			f.Add([]byte(tc.in), []byte{3, 1, 4})
		}
	}
	for _, s := range []string{
		"", "*", "*1\r\n", "$", "\x00", "\"", "'", "PING\x00\r\n", "*1\r\n$4\x00\r\nPING\r\n",
		"SET a \"b\\x4", "*2\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$1\r\nc\r\n",
	} {
		f.Add([]byte(s), []byte{1, 2})
	}
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		whole, errWhole := readChecked(t, &countingReader{data: bytes.Clone(data)})
		split, errSplit := readChecked(t, &countingReader{data: bytes.Clone(data), sizes: sizes})
		blocky, errBlocky := readChecked(t, &countingReader{data: bytes.Clone(data), sizes: sizes, blocky: true})

		// Below the 64 KB limits the outcome cannot depend on how the bytes
		// were cut into reads, nor on reads that found nothing and returned.
		if len(data) <= inlineMaxSize {
			if !equalCmds(whole, split) || fmt.Sprint(errWhole) != fmt.Sprint(errSplit) {
				t.Fatalf("whole: %s %v\nsplit: %s %v", fmtCmds(whole), errWhole, fmtCmds(split), errSplit)
			}
			if !equalCmds(whole, blocky) || fmt.Sprint(errWhole) != fmt.Sprint(errBlocky) {
				t.Fatalf("whole: %s %v\nwith ErrWouldBlock: %s %v", fmtCmds(whole), errWhole, fmtCmds(blocky), errBlocky)
			}
		}
		switch errWhole.(type) {
		case *ProtocolError:
		default:
			if errWhole != io.EOF && errWhole != io.ErrUnexpectedEOF {
				t.Fatalf("unexpected error %v", errWhole)
			}
		}
		total := 0
		for _, c := range whole {
			for _, a := range c {
				total += len(a)
			}
		}
		if total > len(data) {
			t.Fatalf("%d argument bytes out of %d input bytes", total, len(data))
		}

		// Whatever was decoded survives a multibulk round trip.
		var enc []byte
		for _, c := range whole {
			enc = AppendCommand(enc, c...)
		}
		again, err := readChecked(t, &countingReader{data: enc, sizes: sizes})
		if err != io.EOF || !equalCmds(again, whole) {
			t.Fatalf("round trip: %s %v, want %s", fmtCmds(again), err, fmtCmds(whole))
		}
	})
}

// quoteInline encodes s as a double-quoted inline argument using only \xHH
// escapes, which sdssplitargs must decode to exactly s.
func quoteInline(s string) string {
	const hex = "0123456789abcdef"
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		b = append(b, '\\', 'x', hex[s[i]>>4], hex[s[i]&15])
	}
	return string(append(b, '"'))
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("SET", "value")
	f.Add("", "")
	f.Add("a b", "\r\n")
	f.Add("\x00\xff", "*1\r\n$1\r\nx\r\n")
	f.Add("\"'\\", "$-1")
	f.Fuzz(func(t *testing.T, a, b string) {
		in := AppendCommand(nil, a, b)
		in = AppendCommand(in, b)
		if 4*(len(a)+len(b))+16 < inlineMaxSize {
			in = append(in, "ECHO "+quoteInline(a)+"\t"+quoteInline(b)+"\r\n"...)
		}
		want := [][]string{{a, b}, {b}}
		if len(in) > len(AppendCommand(AppendCommand(nil, a, b), b)) {
			want = append(want, []string{"ECHO", a, b})
		}
		for _, sizes := range [][]byte{nil, {0}, {5, 11, 2}} {
			got, err := readChecked(t, &countingReader{data: bytes.Clone(in), sizes: sizes})
			if err != io.EOF || !equalCmds(got, want) {
				t.Fatalf("sizes %v: got %s %v, want %s", sizes, fmtCmds(got), err, fmtCmds(want))
			}
		}
	})
}
