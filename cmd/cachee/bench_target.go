package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/lua"
	"github.com/cachee/cachee/protocol"
)

// target is what a benchmark runs against: the in-process engine or a
// Redis-compatible server on TCP or a Unix socket.
type target interface {
	// String names the transport and address: "in-process", "tcp 127.0.0.1:6379".
	String() string
	// server names the software answering ("redis 7.0.15", "cachee"), or "".
	server() string
	connect() (benchConn, error)
	close()
}

// benchConn is one client's connection (or in-process session).
type benchConn interface {
	// do sends cmds in order, pipelined where there is a wire, and calls
	// reply(i, errText) once the reply to cmds[i] is in; errText is the
	// error reply's text (valid during the call only), nil for other replies.
	do(cmds [][][]byte, reply func(i int, errText []byte)) error
	close()
}

// connSetup is what every new connection sends before the run: AUTH, HELLO 3,
// SELECT (each only when asked for).
type connSetup struct {
	user, password string
	resp3          bool
	db             int
}

func (s connSetup) commands() [][]string {
	var out [][]string
	switch {
	case s.user != "":
		out = append(out, []string{"AUTH", s.user, s.password})
	case s.password != "":
		out = append(out, []string{"AUTH", s.password})
	}
	if s.resp3 {
		out = append(out, []string{"HELLO", "3"})
	}
	if s.db != 0 {
		out = append(out, []string{"SELECT", strconv.Itoa(s.db)})
	}
	return out
}

// ---- in-process ----

// inProcess runs commands through engine.Exec on sessions of its own engine
// ("exec", the default: the path every caller shares, replies discarded as
// they are written) or through the root package's Conn.Do ("do": what an
// embedding application calls, argument boxing and reply copies included).
type inProcess struct {
	e     *engine.Engine
	db    *cachee.DB
	api   string
	setup connSetup
}

func newInProcess(api string, shards int, setup connSetup) *inProcess {
	e := engine.New(engine.Config{Shards: shards})
	lua.Attach(e, lua.Options{}) // as cachee.Open and cachee serve do
	return &inProcess{e: e, db: cachee.Wrap(e, 0), api: api, setup: setup}
}

func (t *inProcess) String() string {
	if t.api == "do" {
		return "in-process (Do)"
	}
	return "in-process"
}

func (t *inProcess) server() string { return "cachee" }

func (t *inProcess) close() { t.e.Close() }

func (t *inProcess) connect() (benchConn, error) {
	var c benchConn
	if t.api == "do" {
		c = &doConn{c: t.db.Conn()}
	} else {
		s := t.e.NewSession(engine.ConnInfo{}, false)
		c = &execConn{e: t.e, s: s, w: errWriter{s: s}}
	}
	if err := handshake(c, t.setup); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

type execConn struct {
	e *engine.Engine
	s *engine.Session
	w errWriter
}

func (c *execConn) do(cmds [][][]byte, reply func(int, []byte)) error {
	for i, argv := range cmds {
		c.w.calls, c.w.err = 0, nil
		c.e.Exec(c.s, argv, &c.w)
		reply(i, c.w.err)
	}
	return nil
}

func (c *execConn) close() { c.s.Close() }

// errWriter is a ReplyWriter that keeps nothing but whether the reply is an
// error: the in-process analogue of a client that parses and drops replies.
type errWriter struct {
	s     *engine.Session
	calls int
	err   []byte
}

func (w *errWriter) Proto() int    { return w.s.Proto() }
func (w *errWriter) Status(string) { w.calls++ }
func (w *errWriter) Error(s string) {
	if w.calls == 0 {
		w.err = append(w.err[:0], s...)
	}
	w.calls++
}
func (w *errWriter) Int(int64)               { w.calls++ }
func (w *errWriter) Bulk([]byte)             { w.calls++ }
func (w *errWriter) BulkString(string)       { w.calls++ }
func (w *errWriter) Null()                   { w.calls++ }
func (w *errWriter) NullArray()              { w.calls++ }
func (w *errWriter) Array(int)               { w.calls++ }
func (w *errWriter) Map(int)                 { w.calls++ }
func (w *errWriter) Set(int)                 { w.calls++ }
func (w *errWriter) Push(int)                { w.calls++ }
func (w *errWriter) Double(float64)          { w.calls++ }
func (w *errWriter) Bool(bool)               { w.calls++ }
func (w *errWriter) Verbatim(string, string) { w.calls++ }
func (*errWriter) Mark() int64               { return 0 }
func (*errWriter) Rollback(int64) bool       { return false }

type doConn struct {
	c    *cachee.Conn
	args []any
}

func (c *doConn) do(cmds [][][]byte, reply func(int, []byte)) error {
	ctx := context.Background()
	for i, argv := range cmds {
		c.args = c.args[:0]
		for _, a := range argv {
			c.args = append(c.args, a)
		}
		_, err := c.c.Do(ctx, c.args...)
		var rerr *cachee.Error
		switch {
		case errors.As(err, &rerr):
			reply(i, []byte(rerr.Msg))
		case err == nil, errors.Is(err, cachee.Nil):
			reply(i, nil)
		default:
			return err
		}
	}
	return nil
}

func (c *doConn) close() { c.c.Close() }

// ---- sockets ----

// socketTarget is a Redis-compatible server on TCP or a Unix socket.
type socketTarget struct {
	network, addr string
	setup         connSetup
	srv           string
}

func (t *socketTarget) String() string { return t.network + " " + t.addr }
func (t *socketTarget) server() string { return t.srv }
func (t *socketTarget) close()         {}

func (t *socketTarget) connect() (benchConn, error) {
	nc, err := net.DialTimeout(t.network, t.addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %s", t, dialReason(err))
	}
	c := &respConn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}
	if err := handshake(c, t.setup); err != nil {
		c.close()
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	if t.srv == "" {
		t.srv = identify(c)
	}
	return c, nil
}

// dialReason is the useful end of a dial error: "connection refused",
// "no such file or directory".
func dialReason(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// handshake sends the connection setup and a PING, so that a wrong password
// or a server that wants one fails at once with its own words.
func handshake(c benchConn, s connSetup) error {
	for _, cmd := range append(s.commands(), []string{"PING"}) {
		argv := make([][]byte, len(cmd))
		for i, a := range cmd {
			argv[i] = []byte(a)
		}
		var msg string
		if err := c.do([][][]byte{argv}, func(_ int, e []byte) { msg = string(e) }); err != nil {
			return err
		}
		if msg != "" {
			if cmd[0] == "PING" && strings.HasPrefix(msg, "NOAUTH") {
				return fmt.Errorf("the server wants a password (-a): %s", msg)
			}
			return fmt.Errorf("%s failed: %s", cmd[0], msg)
		}
	}
	return nil
}

// identify asks INFO server who answers: Redis reports redis_version, cachee
// the same plus multiplexing_api:goroutines.
func identify(c *respConn) string {
	v, err := c.call("INFO", "server")
	if err != nil || v.Kind == protocol.KindError {
		return ""
	}
	info := map[string]string{}
	for _, line := range strings.Split(v.Str, "\n") {
		if k, val, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			info[k] = val
		}
	}
	switch {
	case info["multiplexing_api"] == "goroutines":
		return "cachee"
	case info["redis_version"] != "":
		return "redis " + info["redis_version"]
	}
	return ""
}

// respConn is a small pipelining RESP client: a batch is encoded into one
// buffer, written with one system call, and its replies are parsed without
// allocating, keeping only each reply's error text.
type respConn struct {
	nc   net.Conn
	r    *bufio.Reader
	wbuf []byte
	ebuf []byte
}

// syncWriteMax is the largest batch written before reading: the kernel's
// socket buffer takes it at once. A bigger one is written concurrently with
// reading the replies, so neither side can block the other.
const syncWriteMax = 64 << 10

func (c *respConn) do(cmds [][][]byte, reply func(int, []byte)) error {
	c.wbuf = c.wbuf[:0]
	for _, argv := range cmds {
		c.wbuf = protocol.AppendArrayLen(c.wbuf, len(argv))
		for _, a := range argv {
			c.wbuf = protocol.AppendBulk(c.wbuf, a)
		}
	}
	var werr chan error
	if len(c.wbuf) <= syncWriteMax {
		if _, err := c.nc.Write(c.wbuf); err != nil {
			return err
		}
	} else {
		werr = make(chan error, 1)
		go func() { _, err := c.nc.Write(c.wbuf); werr <- err }()
	}
	for i := range cmds {
		e, err := c.readReply()
		if err != nil {
			if werr != nil {
				c.nc.Close()
				<-werr
			}
			return err
		}
		reply(i, e)
	}
	if werr != nil {
		return <-werr
	}
	return nil
}

func (c *respConn) close() { c.nc.Close() }

var errReply = errors.New("malformed reply")

// readReply consumes one whole reply, nested aggregates included, and returns
// its text when it is an error (nil otherwise). It counts the values still to
// read instead of recursing.
func (c *respConn) readReply() ([]byte, error) {
	var errText []byte
	for pending, top := 1, true; pending > 0; pending, top = pending-1, false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			if err == bufio.ErrBufferFull {
				err = fmt.Errorf("%w: line longer than %d bytes", errReply, c.r.Size())
			}
			return nil, err
		}
		if len(line) < 3 || line[len(line)-2] != '\r' {
			return nil, errReply
		}
		body := line[1 : len(line)-2]
		switch line[0] {
		case '-':
			if top {
				c.ebuf = append(c.ebuf[:0], body...)
				errText = c.ebuf
			}
		case '+', ':', ',', '#', '_', '(':
		case '$', '=', '!':
			n, ok := atoi(body)
			if !ok {
				return nil, errReply
			}
			if n < 0 {
				continue
			}
			if line[0] == '!' && top {
				c.ebuf = slices.Grow(c.ebuf[:0], n+2)[:n+2]
				if _, err := io.ReadFull(c.r, c.ebuf); err != nil {
					return nil, err
				}
				errText = c.ebuf[:n]
			} else if _, err := c.r.Discard(n + 2); err != nil {
				return nil, err
			}
		case '*', '~', '>', '%', '|':
			n, ok := atoi(body)
			if !ok {
				return nil, errReply
			}
			switch line[0] {
			case '%':
				n *= 2
			case '|': // an attribute map, then the reply it annotates
				n = n*2 + 1
			}
			pending += max(n, 0)
		default:
			return nil, errReply
		}
	}
	return errText, nil
}

// call sends one command and decodes its reply (outside the timed loop).
func (c *respConn) call(args ...string) (protocol.Value, error) {
	if _, err := c.nc.Write(protocol.AppendCommand(nil, args...)); err != nil {
		return protocol.Value{}, err
	}
	return protocol.ReadValue(c.r)
}

func atoi(b []byte) (int, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseAddr reads --compare's address: "inprocess", "unix:/path" or a path
// starting with '/', or host:port (a bare port means 127.0.0.1).
func parseAddr(s string) (network, addr string, err error) {
	switch {
	case s == "inprocess" || s == "in-process":
		return "inprocess", "", nil
	case strings.HasPrefix(s, "unix:"):
		return "unix", strings.TrimPrefix(s, "unix:"), nil
	case strings.HasPrefix(s, "/"):
		return "unix", s, nil
	}
	if p, err := strconv.Atoi(s); err == nil && p > 0 && p < 65536 {
		return "tcp", net.JoinHostPort("127.0.0.1", s), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", "", fmt.Errorf("bad --compare address %q: want host:port, a port, unix:/path or inprocess", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", "", fmt.Errorf("bad port in --compare address %q", s)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return "tcp", net.JoinHostPort(host, port), nil
}
