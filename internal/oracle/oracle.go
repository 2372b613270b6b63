// Package oracle is the differential test harness: it starts a real
// redis-server (from PATH, on a free loopback port, persistence off) and a
// cachee server in-process, sends both the same commands and compares the
// raw replies.
//
// When redis-server is absent the tests skip, saying so, unless
// CACHEE_REQUIRE_REDIS is set (CI sets it), in which case they fail.
package oracle

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/lua"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// Pair is a connection to real Redis and one to cachee, driven in lock-step.
type Pair struct {
	t          testing.TB
	real, ours *Client
	// Engine is cachee's engine, for tests that inspect or configure it.
	Engine *engine.Engine
	// RealAddr and OursAddr let tests open more connections.
	RealAddr, OursAddr string
}

// Client is a minimal RESP client that keeps raw reply bytes.
type Client struct {
	c net.Conn
	r *bufio.Reader
}

// Dial connects to addr.
func Dial(t testing.TB, addr string) *Client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &Client{c: c, r: bufio.NewReader(c)}
}

// Raw sends a command and returns the raw bytes of its reply.
func (c *Client) Raw(args ...string) ([]byte, error) {
	if _, err := c.c.Write(protocol.AppendCommand(nil, args...)); err != nil {
		return nil, err
	}
	return c.ReadRaw()
}

// ReadRaw reads one reply (for pipelined or pushed replies).
func (c *Client) ReadRaw() ([]byte, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return protocol.ReadRaw(c.r)
}

// Send writes bytes as they are (to test malformed input).
func (c *Client) Send(b []byte) error {
	_, err := c.c.Write(b)
	return err
}

// Value sends a command and decodes its reply.
func (c *Client) Value(args ...string) (protocol.Value, error) {
	raw, err := c.Raw(args...)
	if err != nil {
		return protocol.Value{}, err
	}
	return protocol.ReadValue(bufio.NewReader(bytes.NewReader(raw)))
}

// Options adjust the pair's servers.
type Options struct {
	// RedisArgs are extra redis-server arguments, e.g. "--requirepass", "x".
	RedisArgs []string
	// Engine is cachee's engine configuration (Config's zero value works).
	Engine engine.Config
	// Lua bounds cachee's scripts (the zero value takes the defaults).
	Lua lua.Options
}

// Start launches both servers and connects to each. It skips the test when
// redis-server is not installed, unless CACHEE_REQUIRE_REDIS is set.
func Start(t testing.TB) *Pair { return StartWith(t, Options{}) }

// StartWith is Start with options.
func StartWith(t testing.TB, o Options) *Pair {
	t.Helper()
	realAddr := StartRedis(t, o.RedisArgs...)
	e := engine.New(o.Engine)
	lua.Attach(e, o.Lua)
	t.Cleanup(e.Close)
	srv := server.New(e, server.Config{Port: 0, Bind: []string{"127.0.0.1"}})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	oursAddr := srv.Addrs()[0].String()
	return &Pair{t: t, real: Dial(t, realAddr), ours: Dial(t, oursAddr), Engine: e, RealAddr: realAddr, OursAddr: oursAddr}
}

// StartRedis starts a redis-server on a free loopback port and returns its
// address; it is stopped (by PID) when the test ends.
func StartRedis(t testing.TB, args ...string) string {
	t.Helper()
	return redistest.Start(t, args...)
}

// Real and Ours expose the two connections.
func (p *Pair) Real() *Client { return p.real }

// Ours is the cachee connection.
func (p *Pair) Ours() *Client { return p.ours }

func (p *Pair) both(args []string) (real, ours []byte) {
	p.t.Helper()
	real, err := p.real.Raw(args...)
	if err != nil {
		p.t.Fatalf("redis %q: %v", args, err)
	}
	ours, err = p.ours.Raw(args...)
	if err != nil {
		p.t.Fatalf("cachee %q: %v", args, err)
	}
	return real, ours
}

// Do sends args to both and requires byte-identical replies.
func (p *Pair) Do(args ...string) {
	p.t.Helper()
	real, ours := p.both(args)
	if !bytes.Equal(real, ours) {
		p.t.Errorf("%s\n redis:  %q\n cachee: %q", strings.Join(args, " "), real, ours)
	}
}

// DoSorted compares replies whose element order is unspecified: nested
// aggregates are sorted at every level before comparing.
func (p *Pair) DoSorted(args ...string) {
	p.t.Helper()
	real, ours := p.both(args)
	a, b := canonical(real), canonical(ours)
	if a != b {
		p.t.Errorf("%s (sorted)\n redis:  %s\n cachee: %s", strings.Join(args, " "), a, b)
	}
}

// DoApprox compares integer replies within tol (TTLs tick between the two
// calls), and any other reply exactly.
func (p *Pair) DoApprox(tol int64, args ...string) {
	p.t.Helper()
	real, ours := p.both(args)
	rv, ov := decode(real), decode(ours)
	if rv.Kind == ':' && ov.Kind == ':' {
		if d := rv.Int - ov.Int; d > tol || d < -tol {
			p.t.Errorf("%s: redis %d, cachee %d (tolerance %d)", strings.Join(args, " "), rv.Int, ov.Int, tol)
		}
		return
	}
	if !bytes.Equal(real, ours) {
		p.t.Errorf("%s\n redis:  %q\n cachee: %q", strings.Join(args, " "), real, ours)
	}
}

// DoKind requires both replies to have the same RESP type (and, for errors,
// the same text): for replies whose content differs legitimately (ids, times).
func (p *Pair) DoKind(args ...string) {
	p.t.Helper()
	real, ours := p.both(args)
	rv, ov := decode(real), decode(ours)
	if rv.Kind != ov.Kind || (rv.Kind == '-' && rv.Str != ov.Str) {
		p.t.Errorf("%s: redis %s, cachee %s", strings.Join(args, " "), rv, ov)
	}
}

// Script runs each command line (split on spaces; use Do for arguments with
// spaces) with Do.
func (p *Pair) Script(lines ...string) {
	p.t.Helper()
	for _, l := range lines {
		p.Do(strings.Fields(l)...)
	}
}

// Both runs a command on both sides without comparing (set-up steps whose
// replies are compared elsewhere).
func (p *Pair) Both(args ...string) { p.t.Helper(); p.both(args) }

func decode(raw []byte) protocol.Value {
	v, err := protocol.ReadValue(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return protocol.Value{Kind: '!', Str: err.Error()}
	}
	return v
}

// canonical renders a reply with every aggregate's elements sorted (maps by
// key), so replies that differ only in order compare equal.
func canonical(raw []byte) string { return render(decode(raw)) }

func render(v protocol.Value) string {
	switch v.Kind {
	case '*', '~', '>':
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = render(e)
		}
		sort.Strings(parts)
		return fmt.Sprintf("%c%v", v.Kind, parts)
	case '%':
		parts := make([]string, 0, len(v.Elems)/2)
		for i := 0; i+1 < len(v.Elems); i += 2 {
			parts = append(parts, render(v.Elems[i])+"=>"+render(v.Elems[i+1]))
		}
		sort.Strings(parts)
		return fmt.Sprintf("%%%v", parts)
	}
	return v.String()
}
