package protocol

import (
	"bufio"
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
)

func newBufioReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

func TestReadValueKinds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Value
		str  string
	}{
		{"+OK\r\n", Value{Kind: KindStatus, Str: "OK"}, "OK"},
		{"-ERR bad\r\n", Value{Kind: KindError, Str: "ERR bad"}, "(error) ERR bad"},
		{":-12\r\n", Value{Kind: KindInt, Int: -12}, "-12"},
		{"$3\r\na\r\n\r\n", Value{Kind: KindBulk, Str: "a\r\n"}, `"a\r\n"`},
		{"$0\r\n\r\n", Value{Kind: KindBulk}, `""`},
		{"$-1\r\n", Value{Kind: KindBulk, Null: true}, "nil"},
		{"*-1\r\n", Value{Kind: KindArray, Null: true}, "nil"},
		{"_\r\n", Value{Kind: KindNull, Null: true}, "nil"},
		{"*0\r\n", Value{Kind: KindArray}, "[]"},
		{"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", Value{Kind: KindArray, Elems: []Value{
			{Kind: KindBulk, Str: "a"}, {Kind: KindInt, Int: 1}, {Kind: KindBulk, Null: true}}}, `["a" 1 nil]`},
		{"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n#t\r\n", Value{Kind: KindMap, Elems: []Value{
			{Kind: KindStatus, Str: "a"}, {Kind: KindInt, Int: 1},
			{Kind: KindStatus, Str: "b"}, {Kind: KindArray, Elems: []Value{{Kind: KindBool, Bool: true}}}}}, "{a 1 b [true]}"},
		{"~2\r\n$1\r\nx\r\n$1\r\ny\r\n", Value{Kind: KindSet, Elems: []Value{{Kind: KindBulk, Str: "x"}, {Kind: KindBulk, Str: "y"}}}, `~["x" "y"]`},
		{">2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n", Value{Kind: KindPush, Elems: []Value{{Kind: KindBulk, Str: "message"}, {Kind: KindBulk, Str: "hi"}}}, `>["message" "hi"]`},
		{",1.5\r\n", Value{Kind: KindDouble, Str: "1.5"}, "(double) 1.5"},
		{",-inf\r\n", Value{Kind: KindDouble, Str: "-inf"}, "(double) -inf"},
		{"#f\r\n", Value{Kind: KindBool}, "false"},
		{"=7\r\ntxt:a\nb\r\n", Value{Kind: KindVerbatim, Format: "txt", Str: "a\nb"}, `txt:"a\nb"`},
		{"(3492890328409238509324850943850943825024385\r\n", Value{Kind: KindBigNumber, Str: "3492890328409238509324850943850943825024385"}, "(big) 3492890328409238509324850943850943825024385"},
		{"!5\r\nERR x\r\n", Value{Kind: KindBlobError, Str: "ERR x"}, "(error) ERR x"},
		{"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n", Value{Kind: KindArray, Elems: []Value{{Kind: KindInt, Int: 2}}}, "[2]"},
	} {
		v, err := ReadValue(bufio.NewReader(strings.NewReader(tc.in)))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(v, tc.want) {
			t.Errorf("%q: got %#v, want %#v", tc.in, v, tc.want)
		}
		if s := v.String(); s != tc.str {
			t.Errorf("%q: String() = %s, want %s", tc.in, s, tc.str)
		}
		// ReadRaw returns exactly the input.
		raw, err := ReadRaw(bufio.NewReader(strings.NewReader(tc.in + "+next\r\n")))
		if err != nil || string(raw) != tc.in {
			t.Errorf("ReadRaw(%q) = %q, %v", tc.in, raw, err)
		}
	}
}

// Every Writer method, in both protocols, decodes back to what was written.
func TestWriterValueRoundTrip(t *testing.T) {
	for _, proto := range []int{2, 3} {
		var out bytes.Buffer
		w := NewWriter(&out, proto)
		w.Status("OK")
		w.Error("ERR e")
		w.Int(99)
		w.Bulk([]byte("b\x00"))
		w.BulkString("s")
		w.Null()
		w.NullArray()
		w.Array(2)
		w.Int(1)
		w.Int(2)
		w.Map(1)
		w.BulkString("k")
		w.BulkString("v")
		w.Set(1)
		w.BulkString("m")
		w.Push(1)
		w.BulkString("p")
		w.Double(0.5)
		w.Bool(true)
		w.Verbatim("txt", "hello")
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(bytes.NewReader(out.Bytes()))
		var got []string
		for {
			v, err := ReadValue(r)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("RESP%d: %v", proto, err)
			}
			got = append(got, v.String())
		}
		want := []string{"OK", "(error) ERR e", "99", `"b\x00"`, `"s"`, "nil", "nil", "[1 2]",
			`{"k" "v"}`, `~["m"]`, `>["p"]`, "(double) 0.5", "true", `txt:"hello"`}
		if proto == 2 {
			want = []string{"OK", "(error) ERR e", "99", `"b\x00"`, `"s"`, "nil", "nil", "[1 2]",
				`["k" "v"]`, `["m"]`, `["p"]`, `"0.5"`, "1", `"hello"`}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("RESP%d:\n got %q\nwant %q", proto, got, want)
		}
	}
}

func TestReadRawNested(t *testing.T) {
	want := []string{
		"*3\r\n%2\r\n$1\r\nk\r\n*2\r\n:1\r\n~1\r\n$4\r\nx\r\ny\r\n+a\r\n_\r\n>1\r\n*0\r\n$-1\r\n",
		"=6\r\ntxt:hi\r\n",
		"|1\r\n+a\r\n:1\r\n*2\r\n#t\r\n,1.5\r\n",
		"-ERR x\r\n",
	}
	in := strings.Join(want, "")
	r := bufio.NewReaderSize(iotest1(in), 16)
	for _, w := range want {
		raw, err := ReadRaw(r)
		if err != nil || string(raw) != w {
			t.Fatalf("ReadRaw = %q, %v; want %q", raw, err, w)
		}
	}
	if _, err := ReadRaw(r); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

// iotest1 is a reader that hands out one byte per Read, so that lines span
// bufio refills.
func iotest1(s string) io.Reader { return &pieceReader{pieces: splitBytes(s)} }

func splitBytes(s string) [][]byte {
	p := make([][]byte, len(s))
	for i := range s {
		p[i] = []byte{s[i]}
	}
	return p
}

func TestReadValueLongLine(t *testing.T) {
	long := strings.Repeat("x", 10000)
	r := bufio.NewReaderSize(strings.NewReader("+"+long+"\r\n-"+long+"\r\n"), 16)
	v, err := ReadValue(r)
	if err != nil || v.Str != long {
		t.Fatalf("%v", err)
	}
	raw, err := ReadRaw(r)
	if err != nil || string(raw) != "-"+long+"\r\n" {
		t.Fatalf("%v", err)
	}
}

func TestReadValueErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"+OK",
		"+OK\n",
		"\r\n",
		"?\r\n",
		":x\r\n",
		"$2\r\nabc\r\n",
		"$-2\r\n",
		"$5\r\nab",
		"*2\r\n:1\r\n",
		"#x\r\n",
		"_x\r\n",
		"=2\r\nab\r\n",
		"%-1\r\n",
		"*?\r\n",
		"$400000000\r\nabc",
		strings.Repeat("*1\r\n", maxDepth+2) + ":1\r\n",
	} {
		if v, err := ReadValue(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("ReadValue(%.30q) = %v, want an error", in, v)
		}
		if in == "%-1\r\n" {
			continue // ReadRaw does not interpret counts beyond skipping
		}
		if raw, err := ReadRaw(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("ReadRaw(%.30q) = %q, want an error", in, raw)
		}
	}
	if _, err := ReadValue(bufio.NewReader(strings.NewReader(""))); err != io.EOF {
		t.Errorf("empty input: %v, want io.EOF", err)
	}
	if _, err := ReadValue(bufio.NewReader(strings.NewReader("$5\r\nab"))); err != io.ErrUnexpectedEOF {
		t.Errorf("truncated bulk: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestReadValueNoPreallocation(t *testing.T) {
	for _, in := range []string{"$400000000\r\nabc", "*400000000\r\n:1\r\n"} {
		grew := heapGrowth(func() {
			_, _ = ReadValue(bufio.NewReader(strings.NewReader(in)))
		})
		if grew > 8<<20 {
			t.Errorf("%q: heap grew by %d bytes", in, grew)
		}
	}
}

func TestAppendCommand(t *testing.T) {
	b := AppendCommand([]byte("x"), "SET", "k", "")
	if string(b) != "x*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n" {
		t.Fatalf("%q", b)
	}
	r := NewReader(bytes.NewReader(b[1:]), Limits{})
	argv, err := r.ReadCommand()
	if err != nil || len(argv) != 3 || string(argv[0]) != "SET" || len(argv[2]) != 0 {
		t.Fatalf("%q %v", argv, err)
	}
}
