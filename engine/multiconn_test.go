package engine_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Multi-connection differential scripts, for what one connection cannot show:
// transactions spoiled by other clients, pub/sub message streams, clients
// blocked until another one pushes. Every script runs against real Redis and
// cachee, once in RESP2 and once with every connection in RESP3, and what
// each connection reads must match byte for byte.
//
// A line is "[X:] [@directive] args"; X (one capital letter, default A) names
// the connection, opened on both servers at its first use (it learns its
// client id, then switches to the run's protocol). Arguments are split as in
// diffCase lines; "$X" is replaced by connection X's client id on that server.
// A line starting "@2 " or "@3 " runs only in that protocol. Directives:
//
//	(none)         send the command, compare its reply
//	@send          send without reading (a command that blocks)
//	@read          read one more reply (a push, a blocked command's reply)
//	@sorted        send, compare the reply with aggregates sorted
//	@kind          send, compare reply types only (and error texts)
//	@unsub N       read N (un)subscribe confirmations whose order Redis leaves
//	               unspecified: same names, and the same kinds and counts in order
//	@drain         publish "fence" from another connection and compare every
//	               message X receives before it (X must be subscribed to "fence");
//	               "@drain sorted" compares them as a multiset; a RESP3 set
//	               among them (a self-subscribed client's reply) is sorted;
//	               "@drain CHANNEL" uses CHANNEL (with "fence" in its name)
//	               instead, for a fence only X listens on
//	@close         close X on both servers and wait until both have let it go
//	@blocked N     wait until both servers count N blocked clients (INFO)
//	@closed        the server has closed X's connection
//	@sleep MS      pause
type coCase struct {
	name  string
	lines []string
}

// coClient is one connection for scripts: raw replies, read deadlines, Close.
type coClient struct {
	c  net.Conn
	r  *bufio.Reader
	id string
}

func coDial(t testing.TB, addr string) *coClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return &coClient{c: c, r: bufio.NewReader(c)}
}

func (c *coClient) send(args ...string) error {
	_, err := c.c.Write(protocol.AppendCommand(nil, args...))
	return err
}

// read returns the next reply, waiting at most 10 s.
func (c *coClient) read() ([]byte, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return protocol.ReadRaw(c.r)
}

func (c *coClient) do(t testing.TB, args ...string) []byte {
	t.Helper()
	if err := c.send(args...); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	raw, err := c.read()
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return raw
}

// coSide is one server's connections of a running script.
type coSide struct {
	name  string
	addr  string
	conns map[string]*coClient
	fence *coClient
}

// coRun runs scripts on a pair of servers.
type coRun struct {
	t     testing.TB
	p     *oracle.Pair
	proto string
	sides [2]*coSide
}

// runCoDiff runs every case, on fresh connections and an empty keyspace with
// keyspace events off, in RESP2 and then in RESP3.
func runCoDiff(t *testing.T, cases []coCase) {
	t.Helper()
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			tb := &caseTB{TB: t}
			p := oracle.Start(tb)
			for _, c := range cases {
				tb.name = c.name
				r := &coRun{t: tb, p: p, proto: proto}
				r.start()
				for _, l := range c.lines {
					r.line(l)
				}
				r.stop()
			}
		})
	}
}

// start waits for the previous script's connections to be gone, then resets
// both servers through the pair's own connections.
func (r *coRun) start() {
	r.t.Helper()
	r.sides = [2]*coSide{
		{name: "redis", addr: r.p.RealAddr, conns: map[string]*coClient{}},
		{name: "cachee", addr: r.p.OursAddr, conns: map[string]*coClient{}},
	}
	for i, c := range []*oracle.Client{r.p.Real(), r.p.Ours()} {
		coWaitInfo(r.t, r.sides[i].name, c, "connected_clients", "1")
		for _, args := range [][]string{{"SELECT", "0"}, {"FLUSHALL"}, {"CONFIG", "SET", "notify-keyspace-events", ""},
			{"CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"}} {
			if _, err := c.Raw(args...); err != nil {
				r.t.Fatalf("%q: %v", args, err)
			}
		}
	}
}

func (r *coRun) stop() {
	for _, s := range r.sides {
		for _, c := range s.conns {
			c.c.Close()
		}
		if s.fence != nil {
			s.fence.c.Close()
		}
	}
}

// coWaitInfo polls INFO on the server named side until field has the value want.
func coWaitInfo(t testing.TB, side string, c *oracle.Client, field, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if got = coInfoField(t, c, field); got == want {
			return
		}
	}
	t.Fatalf("%s: INFO %s is %s, want %s", side, field, got, want)
}

// coInfoField reads one INFO field of the clients section, or of the
// section named as "section:field".
func coInfoField(t testing.TB, c *oracle.Client, field string) string {
	t.Helper()
	section := "clients"
	if s, f, ok := strings.Cut(field, ":"); ok {
		section, field = s, f
	}
	v, err := c.Value("INFO", section)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(v.Str, "\r\n") {
		if name, val, ok := strings.Cut(l, ":"); ok && name == field {
			return val
		}
	}
	return "<missing>"
}

// conn returns connection name on side s, opening it at first use.
func (r *coRun) conn(s *coSide, name string) *coClient {
	r.t.Helper()
	if c := s.conns[name]; c != nil {
		return c
	}
	c := coDial(r.t, s.addr)
	v, err := protocol.ReadValue(bufio.NewReader(bytes.NewReader(c.do(r.t, "CLIENT", "ID"))))
	if err != nil || v.Kind != protocol.KindInt {
		r.t.Fatalf("%s: CLIENT ID: %v %v", s.name, v, err)
	}
	c.id = strconv.FormatInt(v.Int, 10)
	if r.proto == "3" {
		c.do(r.t, "HELLO", "3")
	}
	s.conns[name] = c
	return c
}

func (r *coRun) line(line string) {
	t := r.t
	t.Helper()
	name := "A"
	if len(line) > 2 && line[1] == ':' && line[0] >= 'A' && line[0] <= 'Z' {
		name, line = line[:1], strings.TrimSpace(line[2:])
	}
	args := splitLine(t, line)
	if len(args) == 0 {
		return
	}
	if args[0] == "@2" || args[0] == "@3" {
		if args[0][1:] != r.proto {
			return
		}
		args = args[1:]
	}
	directive := ""
	if strings.HasPrefix(args[0], "@") {
		directive, args = args[0], args[1:]
	}
	switch directive {
	case "@sleep":
		ms, _ := strconv.Atoi(args[0])
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return
	case "@blocked":
		coWaitInfo(t, "redis", r.p.Real(), "blocked_clients", args[0])
		coWaitInfo(t, "cachee", r.p.Ours(), "blocked_clients", args[0])
		return
	}
	var got [2][]string
	for i, s := range r.sides {
		c := r.conn(s, name)
		got[i] = r.run(s, c, directive, r.substitute(s, args))
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("%s: %s\n redis:  %q\n cachee: %q", name, line, got[0], got[1])
	}
}

// substitute replaces "$X" arguments with connection X's client id.
func (r *coRun) substitute(s *coSide, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if len(a) == 2 && a[0] == '$' && a[1] >= 'A' && a[1] <= 'Z' {
			out[i] = r.conn(s, a[1:]).id
		}
	}
	return out
}

// run executes one line on one side and returns what is compared.
func (r *coRun) run(s *coSide, c *coClient, directive string, args []string) []string {
	t := r.t
	t.Helper()
	read := func() []byte {
		t.Helper()
		raw, err := c.read()
		if err != nil {
			t.Fatalf("%s: %q: %v", s.name, args, err)
		}
		return raw
	}
	send := func() {
		t.Helper()
		if err := c.send(args...); err != nil {
			t.Fatalf("%s: %q: %v", s.name, args, err)
		}
	}
	switch directive {
	case "":
		send()
		return []string{string(read())}
	case "@send":
		send()
		return nil
	case "@read":
		return []string{string(read())}
	case "@sorted":
		send()
		return []string{coCanonical(t, read())}
	case "@kind":
		send()
		v := coValue(t, read())
		if v.Kind == protocol.KindError {
			return []string{v.Str}
		}
		return []string{string(v.Kind)}
	case "@unsub":
		n, _ := strconv.Atoi(args[0])
		var names, kinds []string
		for range n {
			v := coValue(t, read())
			if len(v.Elems) != 3 {
				t.Fatalf("%s: not a confirmation: %v", s.name, v)
			}
			names = append(names, v.Elems[1].String())
			kinds = append(kinds, string(v.Kind)+v.Elems[0].Str+" "+v.Elems[2].String())
		}
		slices.Sort(names)
		return append(names, kinds...)
	case "@drain":
		if s.fence == nil {
			s.fence = coDial(t, s.addr)
		}
		fence, sorted := "fence", false
		for _, a := range args {
			if a == "sorted" {
				sorted = true
			} else {
				fence = a
			}
		}
		s.fence.do(t, "PUBLISH", fence, "x")
		var msgs []string
		for {
			raw := read()
			if bytes.Contains(raw, []byte(fence)) {
				if sorted {
					slices.Sort(msgs)
				}
				return msgs
			}
			// A self-subscribed client's own replies come through here
			// too; a RESP3 set's order is unspecified.
			if raw[0] == '~' {
				msgs = append(msgs, coCanonical(t, raw))
				continue
			}
			msgs = append(msgs, string(raw))
		}
	case "@close":
		c.c.Close()
		for n, o := range s.conns {
			if o == c {
				delete(s.conns, n)
			}
		}
		open := 1 + len(s.conns)
		if s.fence != nil {
			open++
		}
		main := r.p.Real()
		if s == r.sides[1] {
			main = r.p.Ours()
		}
		coWaitInfo(t, s.name, main, "connected_clients", strconv.Itoa(open))
		return nil
	case "@closed":
		raw, err := c.read()
		if err == nil {
			return []string{"open, read " + string(raw)}
		}
		if errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") {
			return []string{"closed"}
		}
		return []string{err.Error()}
	}
	t.Fatalf("unknown directive %q", directive)
	return nil
}

func coValue(t testing.TB, raw []byte) protocol.Value {
	t.Helper()
	v, err := protocol.ReadValue(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	return v
}

// coCanonical renders a reply with every aggregate sorted.
func coCanonical(t testing.TB, raw []byte) string {
	return coRender(coValue(t, raw))
}

func coRender(v protocol.Value) string {
	switch v.Kind {
	case protocol.KindArray, protocol.KindSet, protocol.KindPush, protocol.KindMap:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = coRender(e)
		}
		if v.Kind == protocol.KindMap {
			var pairs []string
			for i := 0; i+1 < len(parts); i += 2 {
				pairs = append(pairs, parts[i]+"=>"+parts[i+1])
			}
			parts = pairs
		}
		slices.Sort(parts)
		return string(v.Kind) + "[" + strings.Join(parts, " ") + "]"
	}
	return v.String()
}
