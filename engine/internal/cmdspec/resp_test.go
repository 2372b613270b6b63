package cmdspec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/redistest"
)

// recWriter is a Writer that records RESP3 bytes the way Redis encodes them.
type recWriter struct{ b bytes.Buffer }

func (w *recWriter) Proto() int          { return 3 }
func (w *recWriter) Status(s string)     { fmt.Fprintf(&w.b, "+%s\r\n", s) }
func (w *recWriter) Error(s string)      { fmt.Fprintf(&w.b, "-%s\r\n", s) }
func (w *recWriter) Int(n int64)         { fmt.Fprintf(&w.b, ":%d\r\n", n) }
func (w *recWriter) Bulk(b []byte)       { fmt.Fprintf(&w.b, "$%d\r\n%s\r\n", len(b), b) }
func (w *recWriter) BulkString(s string) { fmt.Fprintf(&w.b, "$%d\r\n%s\r\n", len(s), s) }
func (w *recWriter) Null()               { w.b.WriteString("_\r\n") }
func (w *recWriter) NullArray()          { w.b.WriteString("_\r\n") }
func (w *recWriter) Array(n int)         { fmt.Fprintf(&w.b, "*%d\r\n", n) }
func (w *recWriter) Map(n int)           { fmt.Fprintf(&w.b, "%%%d\r\n", n) }
func (w *recWriter) Set(n int)           { fmt.Fprintf(&w.b, "~%d\r\n", n) }
func (w *recWriter) Push(n int)          { fmt.Fprintf(&w.b, ">%d\r\n", n) }
func (w *recWriter) Double(f float64) {
	fmt.Fprintf(&w.b, ",%s\r\n", strconv.FormatFloat(f, 'g', 17, 64))
}
func (w *recWriter) Bool(b bool) {
	if b {
		w.b.WriteString("#t\r\n")
	} else {
		w.b.WriteString("#f\r\n")
	}
}
func (w *recWriter) Verbatim(format, s string) {
	fmt.Fprintf(&w.b, "=%d\r\n%s:%s\r\n", len(s)+4, format, s)
}

func infoBytes(s *Spec, keep func(*Spec) bool) []byte {
	var w recWriter
	s.WriteInfo(&w, keep)
	return w.b.Bytes()
}

func docsBytes(s *Spec, keep func(*Spec) bool) []byte {
	var w recWriter
	s.WriteDocs(&w, keep)
	return w.b.Bytes()
}

// rnode is a parsed RESP3 reply with the raw bytes it was read from.
type rnode struct {
	kind  byte
	s     string
	n     int64
	elems []*rnode
	raw   []byte // the bytes the value was read from

	start, end int // offsets of raw in the reply while it is being read
}

// rreader reads RESP3 replies, keeping every byte read.
type rreader struct {
	r   *bufio.Reader
	buf []byte
}

func (rr *rreader) read() (*rnode, error) {
	rr.buf = rr.buf[:0]
	n, err := rr.node()
	if err != nil {
		return nil, err
	}
	fill(n, rr.buf)
	return n, nil
}

// fill sets raw from the offsets node() recorded.
func fill(n *rnode, buf []byte) {
	n.raw = append([]byte(nil), buf[n.start:n.end]...)
	for _, e := range n.elems {
		fill(e, buf)
	}
}

func (rr *rreader) node() (*rnode, error) {
	start := len(rr.buf)
	line, err := rr.r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	rr.buf = append(rr.buf, line...)
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("bad line %q", line)
	}
	n := &rnode{kind: line[0], start: start}
	body := string(line[1 : len(line)-2])
	switch n.kind {
	case '+', '-':
		n.s = body
	case ':':
		n.n, err = strconv.ParseInt(body, 10, 64)
	case '_':
	case '$':
		var l int
		if l, err = strconv.Atoi(body); err != nil {
			return nil, err
		}
		b := make([]byte, l+2)
		if _, err = io.ReadFull(rr.r, b); err != nil {
			return nil, err
		}
		rr.buf = append(rr.buf, b...)
		n.s = string(b[:l])
	case '*', '~', '%':
		var l int
		if l, err = strconv.Atoi(body); err != nil {
			return nil, err
		}
		if n.kind == '%' {
			l *= 2
		}
		for i := 0; i < l; i++ {
			e, err := rr.node()
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
	default:
		return nil, fmt.Errorf("unsupported RESP3 type %q", n.kind)
	}
	n.end = len(rr.buf)
	return n, err
}

// encode re-serializes a parsed reply.
func (n *rnode) encode(b *bytes.Buffer) {
	switch n.kind {
	case '+', '-':
		fmt.Fprintf(b, "%c%s\r\n", n.kind, n.s)
	case ':':
		fmt.Fprintf(b, ":%d\r\n", n.n)
	case '_':
		b.WriteString("_\r\n")
	case '$':
		fmt.Fprintf(b, "$%d\r\n%s\r\n", len(n.s), n.s)
	default:
		l := len(n.elems)
		if n.kind == '%' {
			l /= 2
		}
		fmt.Fprintf(b, "%c%d\r\n", n.kind, l)
		for _, e := range n.elems {
			e.encode(b)
		}
	}
}

// sortSubcommands puts the subcommands of a COMMAND INFO entry (element 9) or
// of a COMMAND DOCS map ("subcommands") in name order, the order cmdspec
// stores; Redis lists them in a per-process random order.
func sortSubcommands(n *rnode, docs bool) {
	if !docs {
		if n.kind == '*' && len(n.elems) == 10 {
			subs := n.elems[9].elems
			sort.Slice(subs, func(i, j int) bool { return subs[i].elems[0].s < subs[j].elems[0].s })
		}
		return
	}
	for i := 0; i+1 < len(n.elems); i += 2 {
		if n.elems[i].s != "subcommands" {
			continue
		}
		m := n.elems[i+1].elems
		type pair struct{ k, v *rnode }
		ps := make([]pair, len(m)/2)
		for j := range ps {
			ps[j] = pair{m[2*j], m[2*j+1]}
		}
		sort.Slice(ps, func(a, b int) bool { return ps[a].k.s < ps[b].k.s })
		for j, p := range ps {
			m[2*j], m[2*j+1] = p.k, p.v
		}
	}
}

func (n *rnode) canonical(docs bool) []byte {
	sortSubcommands(n, docs)
	var b bytes.Buffer
	n.encode(&b)
	return b.Bytes()
}

// redisConn is a RESP3 connection to a redis-server the test started.
type redisConn struct {
	t    testing.TB
	conn net.Conn
	rr   *rreader
	port int

	version string // redis_version from HELLO
}

// startRedis starts redis-server on a free loopback port with persistence off
// and returns a RESP3 connection to it; the server is killed (by its PID) when
// the test ends. It skips the test when redis-server is not on PATH.
func startRedis(t testing.TB) *redisConn {
	t.Helper()
	addr := redistest.Start(t)
	_, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	rc := &redisConn{t: t, port: port}
	rc.conn = rc.dial()
	t.Cleanup(func() { rc.conn.Close() })
	rc.rr = &rreader{r: bufio.NewReader(rc.conn)}
	v := rc.do("HELLO", "3")
	if v.kind != '%' {
		t.Fatalf("HELLO 3: %q", v.raw)
	}
	for i := 0; i+1 < len(v.elems); i += 2 {
		if v.elems[i].s == "version" {
			rc.version = v.elems[i+1].s
		}
	}
	return rc
}

func (rc *redisConn) dial() net.Conn {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", rc.port))
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("redis-server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func encodeCommand(args []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

func (rc *redisConn) do(args ...string) *rnode {
	rc.t.Helper()
	if _, err := rc.conn.Write(encodeCommand(args)); err != nil {
		rc.t.Fatal(err)
	}
	v, err := rc.rr.read()
	if err != nil {
		rc.t.Fatalf("%q: %v", args, err)
	}
	return v
}

// pipeline sends every command, then reads every reply.
func (rc *redisConn) pipeline(cmds [][]string) []*rnode {
	rc.t.Helper()
	go func() {
		w := bufio.NewWriter(rc.conn)
		for _, c := range cmds {
			_, _ = w.Write(encodeCommand(c))
		}
		_ = w.Flush()
	}()
	out := make([]*rnode, len(cmds))
	for i := range cmds {
		v, err := rc.rr.read()
		if err != nil {
			rc.t.Fatalf("reply %d: %v", i, err)
		}
		out[i] = v
	}
	return out
}
