package protocol

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind is a RESP reply type, named by the byte that introduces it on the wire.
type Kind byte

// The reply kinds of RESP2 and RESP3. An attribute ('|') is metadata that
// precedes a reply; ReadValue skips it and ReadRaw keeps it.
const (
	KindStatus    Kind = '+' // simple string
	KindError     Kind = '-' // simple error
	KindInt       Kind = ':' // integer
	KindBulk      Kind = '$' // bulk string, or null bulk ($-1)
	KindArray     Kind = '*' // array, or null array (*-1)
	KindMap       Kind = '%' // RESP3 map
	KindSet       Kind = '~' // RESP3 set
	KindPush      Kind = '>' // RESP3 out-of-band push
	KindDouble    Kind = ',' // RESP3 double
	KindBool      Kind = '#' // RESP3 boolean
	KindNull      Kind = '_' // RESP3 null
	KindVerbatim  Kind = '=' // RESP3 verbatim string
	KindBigNumber Kind = '(' // RESP3 big number
	KindBlobError Kind = '!' // RESP3 bulk error (Redis 7.0 does not send it)
	KindAttribute Kind = '|' // RESP3 attribute
)

// Value is one decoded reply.
type Value struct {
	Kind Kind
	// Str is the text of status, error, bulk, double, big number and blob
	// error replies; for a verbatim string, the text after "fmt:".
	Str string
	// Format is a verbatim string's three-letter format, e.g. "txt".
	Format string
	// Int is an integer reply's value.
	Int int64
	// Bool is a boolean reply's value.
	Bool bool
	// Elems holds the elements of arrays, sets and pushes; a map's keys and
	// values alternate (k1, v1, k2, v2, ...).
	Elems []Value
	// Null is set for "$-1", "*-1" and RESP3's "_".
	Null bool
}

// maxDepth bounds aggregate nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

var errNesting = errors.New("protocol: reply nested too deeply")

// replyError is a malformed reply.
func replyError(format string, args ...any) error {
	return fmt.Errorf("protocol: bad reply: "+format, args...)
}

// readLine reads a line through "\r\n" and returns it without the CRLF. The
// slice may alias r's buffer (valid until the next read) or be freshly made.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, replyError("line not terminated by CRLF: %q", line)
	}
	return line[:len(line)-2], nil
}

// readPayload reads n bytes and the CRLF after them. It allocates in steps as
// the bytes arrive, so an absurd announced length costs nothing up front.
func readPayload(r *bufio.Reader, n int64, dst []byte) ([]byte, error) {
	const step = 1 << 20
	for n > 0 {
		c := min(n, step)
		l := len(dst)
		dst = append(dst, make([]byte, c)...)
		if _, err := io.ReadFull(r, dst[l:]); err != nil {
			return nil, unexpected(err)
		}
		n -= c
	}
	var crlf [2]byte
	if _, err := io.ReadFull(r, crlf[:]); err != nil {
		return nil, unexpected(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return nil, replyError("payload not followed by CRLF")
	}
	return dst, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func parseLen(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < -1 {
		return 0, replyError("invalid length %q", b)
	}
	return n, nil
}

// parseSimple fills v from the body of a one-line reply of kind v.Kind.
func parseSimple(v *Value, body []byte) error {
	switch v.Kind {
	case KindInt:
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil {
			return replyError("invalid integer %q", body)
		}
		v.Int = n
	case KindBool:
		switch string(body) {
		case "t":
			v.Bool = true
		case "f":
		default:
			return replyError("invalid boolean %q", body)
		}
	case KindNull:
		if len(body) != 0 {
			return replyError("invalid null %q", body)
		}
		v.Null = true
	default:
		v.Str = string(body)
	}
	return nil
}

// ReadValue reads one complete reply, including nested aggregates. RESP3
// attributes before it are read and dropped. Streamed RESP3 aggregates
// ("*?") are not supported; Redis does not send them.
func ReadValue(r *bufio.Reader) (Value, error) {
	return readValue(r, 0)
}

func readValue(r *bufio.Reader, depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, errNesting
	}
	line, err := readLine(r)
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, replyError("empty line")
	}
	v := Value{Kind: Kind(line[0])}
	body := line[1:]
	switch v.Kind {
	case KindStatus, KindError, KindDouble, KindBigNumber, KindInt, KindBool, KindNull:
		if err := parseSimple(&v, body); err != nil {
			return Value{}, err
		}
	case KindBulk, KindVerbatim, KindBlobError:
		n, err := parseLen(body)
		if err != nil {
			return Value{}, err
		}
		if n == -1 {
			if v.Kind != KindBulk {
				return Value{}, replyError("null %c", v.Kind)
			}
			v.Null = true
			return v, nil
		}
		data, err := readPayload(r, n, nil)
		if err != nil {
			return Value{}, err
		}
		if v.Kind == KindVerbatim {
			if len(data) < 4 || data[3] != ':' {
				return Value{}, replyError("verbatim string without format")
			}
			v.Format = string(data[:3])
			data = data[4:]
		}
		v.Str = string(data)
	case KindArray, KindSet, KindPush, KindMap, KindAttribute:
		n, err := parseLen(body)
		if err != nil {
			return Value{}, err
		}
		if n == -1 {
			if v.Kind != KindArray {
				return Value{}, replyError("null %c", v.Kind)
			}
			v.Null = true
			return v, nil
		}
		if v.Kind == KindMap || v.Kind == KindAttribute {
			n *= 2
		}
		if n > 0 {
			v.Elems = make([]Value, 0, min(n, 1024))
		}
		for ; n > 0; n-- {
			e, err := readValue(r, depth+1)
			if err != nil {
				return Value{}, err
			}
			v.Elems = append(v.Elems, e)
		}
		if v.Kind == KindAttribute {
			return readValue(r, depth)
		}
	default:
		return Value{}, replyError("unknown type byte %q", line[0])
	}
	return v, nil
}

// ReadRaw returns the exact bytes of one complete reply, nested aggregates
// and any RESP3 attribute before it included, for byte-for-byte comparison.
func ReadRaw(r *bufio.Reader) ([]byte, error) {
	return readRaw(r, nil, 0)
}

func readRaw(r *bufio.Reader, dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errNesting
	}
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if len(line) == 0 {
		return nil, replyError("empty line")
	}
	kind := Kind(line[0]) // line aliases r's buffer: use it before reading on
	at := len(dst)
	dst = append(dst, line...)
	dst = append(dst, '\r', '\n')
	switch kind {
	case KindStatus, KindError, KindInt, KindDouble, KindBigNumber, KindBool, KindNull:
		v := Value{Kind: kind}
		if err := parseSimple(&v, dst[at+1:len(dst)-2]); err != nil {
			return nil, err
		}
		return dst, nil
	case KindBulk, KindVerbatim, KindBlobError:
		n, err := parseLen(line[1:])
		if err != nil {
			return nil, err
		}
		if n == -1 {
			return dst, nil
		}
		l := len(dst)
		dst, err = readPayload(r, n, dst)
		if err != nil {
			return nil, err
		}
		if kind == KindVerbatim && (n < 4 || dst[l+3] != ':') {
			return nil, replyError("verbatim string without format")
		}
		return append(dst, '\r', '\n'), nil
	case KindArray, KindSet, KindPush, KindMap, KindAttribute:
		n, err := parseLen(line[1:])
		if err != nil {
			return nil, err
		}
		if kind == KindMap || kind == KindAttribute {
			n *= 2
		}
		for ; n > 0; n-- {
			if dst, err = readRaw(r, dst, depth+1); err != nil {
				return nil, err
			}
		}
		if kind == KindAttribute {
			return readRaw(r, dst, depth)
		}
		return dst, nil
	default:
		return nil, replyError("unknown type byte %q", line[0])
	}
}

// String renders v on one line for test failure messages, in the spirit of
// redis-cli: bulk strings quoted, statuses bare, "nil" for nulls, e.g.
// ["a" 1 nil], {"k" 1}, (error) ERR x.
func (v Value) String() string {
	var b strings.Builder
	v.render(&b)
	return b.String()
}

func (v Value) render(b *strings.Builder) {
	if v.Null {
		b.WriteString("nil")
		return
	}
	list := func(open, close string) {
		b.WriteString(open)
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			e.render(b)
		}
		b.WriteString(close)
	}
	switch v.Kind {
	case KindStatus:
		b.WriteString(v.Str)
	case KindError, KindBlobError:
		b.WriteString("(error) ")
		b.WriteString(v.Str)
	case KindInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindBulk:
		b.WriteString(strconv.Quote(v.Str))
	case KindVerbatim:
		b.WriteString(v.Format)
		b.WriteByte(':')
		b.WriteString(strconv.Quote(v.Str))
	case KindDouble:
		b.WriteString("(double) ")
		b.WriteString(v.Str)
	case KindBigNumber:
		b.WriteString("(big) ")
		b.WriteString(v.Str)
	case KindBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case KindArray:
		list("[", "]")
	case KindMap:
		list("{", "}")
	case KindSet:
		list("~[", "]")
	case KindPush:
		list(">[", "]")
	default:
		fmt.Fprintf(b, "(kind %q)", byte(v.Kind))
	}
}

// AppendCommand appends args encoded as a RESP multibulk request, the form
// clients send and Reader.ReadCommand parses.
func AppendCommand(dst []byte, args ...string) []byte {
	dst = AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = AppendBulkString(dst, a)
	}
	return dst
}
