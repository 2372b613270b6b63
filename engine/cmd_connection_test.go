package engine_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Differential tests of the CONNECTION family (PING ECHO SELECT QUIT RESET
// HELLO AUTH CLIENT) against a real Redis 7.0, in RESP2 and RESP3.

// csEachProto runs fn against a fresh pair of servers once per protocol
// version; for RESP3 both connections first switch with HELLO 3.
func csEachProto(t *testing.T, o oracle.Options, fn func(t *testing.T, p *oracle.Pair)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			p := oracle.StartWith(t, o)
			if proto == 3 {
				if o.Engine.RequirePass != "" {
					csHello(t, p, "HELLO", "3", "AUTH", "default", o.Engine.RequirePass)
				} else {
					csHello(t, p, "HELLO", "3")
				}
			}
			fn(t, p)
		})
	}
}

var csIDField = regexp.MustCompile(`\$2\r\nid\r\n:[0-9]+\r\n`)

// csMaskID checks that raw is a HELLO reply (a map, or its RESP2 array, with
// an integer "id") and returns it with the id value replaced by 0. Any other
// reply (an error) is returned as it is.
func csMaskID(t *testing.T, raw []byte) string {
	t.Helper()
	v, err := protocol.ReadValue(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	if v.Kind != protocol.KindMap && v.Kind != protocol.KindArray {
		return string(raw)
	}
	found := false
	for i := 0; i+1 < len(v.Elems); i += 2 {
		if v.Elems[i].Str == "id" {
			if v.Elems[i+1].Kind != protocol.KindInt || v.Elems[i+1].Int <= 0 {
				t.Errorf("HELLO id is not a positive integer: %q", raw)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("HELLO reply without id: %q", raw)
	}
	return csIDField.ReplaceAllString(string(raw), "$$2\r\nid\r\n:0\r\n")
}

// csHello sends a HELLO to both servers and compares the replies with the
// client id masked.
func csHello(t *testing.T, p *oracle.Pair, args ...string) {
	t.Helper()
	real, ours := csBoth(t, p, args...)
	if r, o := csMaskID(t, real), csMaskID(t, ours); r != o {
		t.Errorf("%s\n redis:  %q\n cachee: %q", strings.Join(args, " "), r, o)
	}
}

// csBoth sends args on both main connections and returns the raw replies.
func csBoth(t *testing.T, p *oracle.Pair, args ...string) (real, ours []byte) {
	t.Helper()
	real, err := p.Real().Raw(args...)
	if err != nil {
		t.Fatalf("redis %q: %v", args, err)
	}
	ours, err = p.Ours().Raw(args...)
	if err != nil {
		t.Fatalf("cachee %q: %v", args, err)
	}
	return real, ours
}

// csDo sends args on two given connections and requires identical replies.
func csDo(t *testing.T, real, ours *oracle.Client, args ...string) {
	t.Helper()
	r, err := real.Raw(args...)
	if err != nil {
		t.Fatalf("redis %q: %v", args, err)
	}
	o, err := ours.Raw(args...)
	if err != nil {
		t.Fatalf("cachee %q: %v", args, err)
	}
	if !bytes.Equal(r, o) {
		t.Errorf("%s\n redis:  %q\n cachee: %q", strings.Join(args, " "), r, o)
	}
}

// csValue decodes one raw reply.
func csValue(t *testing.T, raw []byte) protocol.Value {
	t.Helper()
	v, err := protocol.ReadValue(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("bad reply %q: %v", raw, err)
	}
	return v
}

// csClosed requires the connection to be closed by the server with nothing
// more to read.
func csClosed(t *testing.T, who string, c *oracle.Client) {
	t.Helper()
	raw, err := c.ReadRaw()
	if err == nil {
		t.Errorf("%s: connection still open, read %q", who, raw)
		return
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
		t.Errorf("%s: want the connection closed, got %v", who, err)
	}
}

// csInfoFields parses CLIENT LIST / CLIENT INFO text (a bulk or verbatim
// string) into one field list per line, as name=value pairs in order.
func csInfoLines(t *testing.T, raw []byte) [][][2]string {
	t.Helper()
	v := csValue(t, raw)
	if v.Kind != protocol.KindBulk && v.Kind != protocol.KindVerbatim {
		t.Fatalf("client list reply is %q", raw)
	}
	var out [][][2]string
	for _, line := range strings.Split(strings.TrimSuffix(v.Str, "\n"), "\n") {
		if line == "" {
			continue
		}
		var fields [][2]string
		for _, f := range strings.Split(line, " ") {
			name, val, _ := strings.Cut(f, "=")
			fields = append(fields, [2]string{name, val})
		}
		out = append(out, fields)
	}
	return out
}

func csField(fields [][2]string, name string) string {
	for _, f := range fields {
		if f[0] == name {
			return f[1]
		}
	}
	return "<missing>"
}

// csCompareClientLines requires ours to have Redis 7.0's fields in order plus
// the lib-name and lib-ver fields Redis 7.2 adds (after resp), and the given
// fields to have equal values.
func csCompareClientLines(t *testing.T, what string, real, ours [][2]string, same ...string) {
	t.Helper()
	var rn, on []string
	for _, f := range real {
		rn = append(rn, f[0])
	}
	for _, f := range ours {
		on = append(on, f[0])
	}
	want := append(append([]string(nil), rn...), "lib-name", "lib-ver")
	if strings.Join(want, " ") != strings.Join(on, " ") {
		t.Errorf("%s fields\n redis (+7.2 lib fields): %v\n cachee: %v", what, want, on)
	}
	for _, name := range same {
		if r, o := csField(real, name), csField(ours, name); r != o {
			t.Errorf("%s: field %s: redis %q, cachee %q", what, name, r, o)
		}
	}
}

func TestConnPingEcho(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("PING")
		p.Do("ping")
		p.Do("PING", "hello")
		p.Do("PING", "")
		p.Do("PING", "a\r\nb")
		p.Do("PING", "a", "b")
		p.Do("ECHO", "x")
		p.Do("ECHO", "")
		p.Do("ECHO", "bin\x00ary")
		p.Do("ECHO")
		p.Do("ECHO", "x", "y")
	})
}

func TestConnSelect(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		for _, idx := range []string{"abc", "1.5", "", " 1", "+1", "01", "16", "-1", "2147483647", "2147483648",
			"-2147483648", "-2147483649", "99999999999999999999", "15", "0"} {
			p.Do("SELECT", idx)
		}
		p.Do("SELECT")
		p.Do("SELECT", "1", "2")
		p.Do("SELECT", "3")
		p.Do("SET", "csk", "v3")
		p.Do("SELECT", "0")
		p.Do("GET", "csk")
		p.Do("SELECT", "3")
		p.Do("GET", "csk")
		p.Do("DEL", "csk")
	})
}

func TestConnQuit(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("QUIT")
		csClosed(t, "redis", p.Real())
		csClosed(t, "cachee", p.Ours())
	})
	t.Run("args", func(t *testing.T) {
		p := oracle.Start(t)
		p.Do("QUIT", "extra", "args")
		csClosed(t, "redis", p.Real())
		csClosed(t, "cachee", p.Ours())
	})
	t.Run("pipelined", func(t *testing.T) {
		// Commands after QUIT in the same packet are not executed.
		p := oracle.Start(t)
		in := []byte("PING\r\nQUIT\r\nSET csquit 1\r\n")
		for _, c := range []*oracle.Client{p.Real(), p.Ours()} {
			if err := c.Send(in); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 2; i++ {
			r, err1 := p.Real().ReadRaw()
			o, err2 := p.Ours().ReadRaw()
			if err1 != nil || err2 != nil || !bytes.Equal(r, o) {
				t.Errorf("reply %d: redis %q %v, cachee %q %v", i, r, err1, o, err2)
			}
		}
		csClosed(t, "redis", p.Real())
		csClosed(t, "cachee", p.Ours())
		real, ours := oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
		csDo(t, real, ours, "EXISTS", "csquit")
	})
}

func TestConnReset(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("RESET", "x")
		p.Do("SELECT", "5")
		p.Do("CLIENT", "SETNAME", "csname")
		p.Do("CLIENT", "NO-EVICT", "on")
		csHello(t, p, "HELLO", "3")
		p.Do("RESET")
		// Back to RESP2, db 0, no name; no-evict survives in Redis 7.0.
		p.Do("CLIENT", "GETNAME")
		p.Do("PING", "after")
		real, ours := csBoth(t, p, "CLIENT", "INFO")
		r, o := csInfoLines(t, real), csInfoLines(t, ours)
		if len(r) != 1 || len(o) != 1 {
			t.Fatalf("CLIENT INFO: redis %q, cachee %q", real, ours)
		}
		csCompareClientLines(t, "CLIENT INFO after RESET", r[0], o[0], "name", "db", "resp", "flags", "cmd", "multi")
		if csField(o[0], "db") != "0" || csField(o[0], "resp") != "2" || csField(o[0], "name") != "" {
			t.Errorf("RESET left state: %v", o[0])
		}
		p.Do("RESET")
	})
}

func TestConnResetAuth(t *testing.T) {
	o := oracle.Options{RedisArgs: []string{"--requirepass", "pw"}, Engine: engine.Config{RequirePass: "pw"}}
	csEachProto(t, o, func(t *testing.T, p *oracle.Pair) {
		p.Do("PING")
		p.Do("RESET")
		p.Do("AUTH", "pw")
		p.Do("PING")
		p.Do("RESET")
		p.Do("PING")
		p.Do("GET", "x")
		p.Do("AUTH", "default", "pw")
		p.Do("PING")
	})
}

func TestConnHello(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		csHello(t, p, "HELLO")
		for _, v := range []string{"4", "1", "0", "-1", "abc", "2.5", "", "99999999999999999999"} {
			p.Do("HELLO", v)
		}
		csHello(t, p, "HELLO", "3")
		p.Do("CLIENT", "GETNAME")
		csHello(t, p, "HELLO", "2")
		p.Do("CLIENT", "GETNAME")
		csHello(t, p, "HELLO", "3", "SETNAME", "csn1")
		p.Do("CLIENT", "GETNAME")
		csHello(t, p, "HELLO", "2", "setname", "csn2")
		p.Do("CLIENT", "GETNAME")
		p.Do("HELLO", "3", "SETNAME", "a b")
		p.Do("HELLO", "3", "SETNAME")
		p.Do("HELLO", "3", "FOO")
		p.Do("HELLO", "3", "AUTH")
		p.Do("HELLO", "3", "AUTH", "default")
		p.Do("HELLO", "3", "SETNAME", "ok", "extra")
		p.Do("HELLO", "3", "bad\x00option")
		p.Do("CLIENT", "GETNAME")
		// Without requirepass the default user takes any password.
		csHello(t, p, "HELLO", "2", "AUTH", "default", "whatever")
		p.Do("HELLO", "2", "AUTH", "bob", "x")
		csHello(t, p, "HELLO", "3", "AUTH", "default", "x", "SETNAME", "csn3")
		p.Do("CLIENT", "GETNAME")
		csHello(t, p, "HELLO", "3", "SETNAME", "", "AUTH", "default", "x")
		p.Do("CLIENT", "GETNAME")
		p.Do("PING")
	})
}

func TestConnHelloAuth(t *testing.T) {
	o := oracle.Options{RedisArgs: []string{"--requirepass", "pw"}, Engine: engine.Config{RequirePass: "pw"}}
	p := oracle.StartWith(t, o)
	p.Do("HELLO")
	p.Do("HELLO", "3")
	p.Do("HELLO", "4")
	p.Do("HELLO", "abc")
	p.Do("HELLO", "3", "AUTH", "default", "wrong")
	p.Do("HELLO", "3", "AUTH", "bob", "pw")
	p.Do("HELLO", "3", "FOO")
	// Options act as they are parsed: the name is set before NOAUTH.
	p.Do("HELLO", "2", "SETNAME", "early")
	p.Do("HELLO", "2", "SETNAME", "a b")
	p.Do("HELLO", "2", "SETNAME", "n1", "AUTH", "default", "wrong")
	p.Do("AUTH", "pw")
	p.Do("CLIENT", "GETNAME")
	p.Do("RESET")
	// AUTH succeeds before the syntax error, and stays.
	p.Do("HELLO", "3", "AUTH", "default", "pw", "bogus")
	p.Do("PING")
	p.Do("RESET")
	p.Do("HELLO", "3", "AUTH", "default", "pw", "AUTH", "default", "wrong")
	p.Do("PING")
	p.Do("RESET")
	csHello(t, p, "HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n2")
	p.Do("CLIENT", "GETNAME")
	p.Do("PING")
	p.Do("RESET")
	csHello(t, p, "HELLO", "2", "AUTH", "default", "pw")
	p.Do("PING")
}

func TestConnAuth(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("AUTH")
		p.Do("AUTH", "x")
		p.Do("AUTH", "default", "x")
		p.Do("AUTH", "bob", "x")
		p.Do("AUTH", "a", "b", "c")
		p.Do("AUTH", "a", "b", "c", "d")
		p.Do("PING")
	})
}

func TestConnAuthRequired(t *testing.T) {
	o := oracle.Options{RedisArgs: []string{"--requirepass", "pw"}, Engine: engine.Config{RequirePass: "pw"}}
	p := oracle.StartWith(t, o)
	for _, cmd := range [][]string{
		{"PING"}, {"ECHO", "x"}, {"GET", "x"}, {"SET", "x", "1"}, {"SELECT", "1"}, {"CLIENT", "ID"},
		{"CLIENT", "SETNAME", "x"}, {"CONFIG", "GET", "hz"}, {"INFO"}, {"COMMAND", "COUNT"}, {"TIME"},
		// Unknown commands and arity errors come before authentication.
		{"NOSUCH", "x"}, {"GET"}, {"CLIENT", "NOSUCH"}, {"CLIENT", "SETNAME"},
		{"AUTH"}, {"AUTH", "wrong"}, {"AUTH", "default", "wrong"}, {"AUTH", "bob", "pw"}, {"AUTH", "a", "b", "c"},
		{"PING"},
		{"AUTH", "pw"}, {"PING"}, {"CLIENT", "GETNAME"},
		// A failed AUTH keeps an authenticated connection authenticated.
		{"AUTH", "wrong"}, {"PING"},
		{"AUTH", "default", "pw"}, {"PING"},
	} {
		p.Do(cmd...)
	}
	// QUIT needs no authentication.
	real, ours := oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
	csDo(t, real, ours, "GET", "x")
	csDo(t, real, ours, "QUIT")
	csClosed(t, "redis", real)
	csClosed(t, "cachee", ours)
}

func TestConnClientID(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.DoKind("CLIENT", "ID")
		p.Do("CLIENT", "ID", "x")
		p.Do("client", "id", "x", "y")
		// A new connection gets a larger id.
		first, err := p.Ours().Value("CLIENT", "ID")
		if err != nil {
			t.Fatal(err)
		}
		second, err := oracle.Dial(t, p.OursAddr).Value("CLIENT", "ID")
		if err != nil || second.Int <= first.Int {
			t.Errorf("ids not increasing: %d then %d (%v)", first.Int, second.Int, err)
		}
	})
}

func TestConnClientName(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		p.Do("CLIENT", "GETNAME")
		p.Do("CLIENT", "SETNAME", "cs-name_1")
		p.Do("CLIENT", "GETNAME")
		for _, bad := range []string{"a b", "a\nb", "a\rb", "tab\t", "é", "\x7f", "\x00"} {
			p.Do("CLIENT", "SETNAME", bad)
		}
		p.Do("CLIENT", "GETNAME")
		p.Do("CLIENT", "SETNAME", "!~")
		p.Do("CLIENT", "GETNAME")
		p.Do("CLIENT", "SETNAME", "")
		p.Do("CLIENT", "GETNAME")
		p.Do("CLIENT", "SETNAME")
		p.Do("CLIENT", "SETNAME", "a", "b")
		p.Do("CLIENT", "GETNAME", "x")
		p.Do("client", "SetName", "MiXed")
		p.Do("CLIENT", "GETNAME")
	})
}

func TestConnClientListInfo(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		csSettle(t, p)
		p.Do("CLIENT", "SETNAME", "csmain")
		p.Do("SELECT", "2")
		real, ours := csBoth(t, p, "CLIENT", "INFO")
		if rk, ok := csValue(t, real).Kind, csValue(t, ours).Kind; rk != ok {
			t.Errorf("CLIENT INFO kinds: redis %c, cachee %c", rk, ok)
		}
		r, o := csInfoLines(t, real), csInfoLines(t, ours)
		if len(r) != 1 || len(o) != 1 {
			t.Fatalf("CLIENT INFO lines: redis %q, cachee %q", real, ours)
		}
		same := []string{"name", "db", "flags", "sub", "psub", "ssub", "multi", "cmd", "user", "redir", "resp", "events"}
		csCompareClientLines(t, "CLIENT INFO", r[0], o[0], same...)

		// A second connection, idle, appears in CLIENT LIST with cmd=NULL.
		real2, ours2 := oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
		_ = real2.Send([]byte("PING\r\n"))
		_ = ours2.Send([]byte("PING\r\n"))
		_, _ = real2.ReadRaw()
		_, _ = ours2.ReadRaw()
		for _, args := range [][]string{{"CLIENT", "LIST"}, {"CLIENT", "LIST", "TYPE", "normal"}, {"client", "list", "type", "NORMAL"}} {
			real, ours = csBoth(t, p, args...)
			r, o = csInfoLines(t, real), csInfoLines(t, ours)
			if len(r) != 2 || len(o) != 2 {
				t.Fatalf("%v: redis %q, cachee %q", args, real, ours)
			}
			for i := range r {
				csCompareClientLines(t, strings.Join(args, " "), r[i], o[i], "name", "db", "flags", "cmd", "resp", "user")
			}
		}
		for _, typ := range []string{"pubsub", "master", "replica", "slave", "PUBSUB"} {
			p.Do("CLIENT", "LIST", "TYPE", typ)
		}
		for _, args := range [][]string{
			{"CLIENT", "LIST", "TYPE", "foo"}, {"CLIENT", "LIST", "TYPE"}, {"CLIENT", "LIST", "ID"},
			{"CLIENT", "LIST", "ID", "abc"}, {"CLIENT", "LIST", "ID", "1", "abc"}, {"CLIENT", "LIST", "ID", "0"},
			{"CLIENT", "LIST", "ID", "-5"}, {"CLIENT", "LIST", "ID", "999999"}, {"CLIENT", "LIST", "foo"},
			{"CLIENT", "LIST", "TYPE", "normal", "ID", "1"}, {"CLIENT", "LIST", "ID", "1", "TYPE", "normal"},
			{"CLIENT", "LIST", "foo", "bar", "baz"}, {"CLIENT", "INFO", "x"},
			{"CLIENT", "LIST", "TYPE", "pubsub\x00x"}, {"CLIENT", "LIST", "TYPE", "x\x00y"},
		} {
			p.Do(args...)
		}

		// CLIENT LIST ID lists the ids in the order given, repeats included.
		rid, err := p.Real().Value("CLIENT", "ID")
		if err != nil {
			t.Fatal(err)
		}
		oid, err := p.Ours().Value("CLIENT", "ID")
		if err != nil {
			t.Fatal(err)
		}
		real, err = p.Real().Raw("CLIENT", "LIST", "ID", fmt.Sprint(rid.Int), "123456", fmt.Sprint(rid.Int))
		if err != nil {
			t.Fatal(err)
		}
		ours, err = p.Ours().Raw("CLIENT", "LIST", "ID", fmt.Sprint(oid.Int), "123456", fmt.Sprint(oid.Int))
		if err != nil {
			t.Fatal(err)
		}
		r, o = csInfoLines(t, real), csInfoLines(t, ours)
		if len(r) != 2 || len(o) != 2 {
			t.Fatalf("CLIENT LIST ID x y x: redis %q, cachee %q", real, ours)
		}
		for i := range r {
			csCompareClientLines(t, "CLIENT LIST ID", r[i], o[i], "name", "db", "flags", "cmd", "resp")
			if csField(o[i], "id") != fmt.Sprint(oid.Int) {
				t.Errorf("CLIENT LIST ID line %d: %v", i, o[i])
			}
		}
	})
}

// csSettle waits until Redis counts only the pair's own connection (the
// oracle's start-up probe may still be listed just after start).
func csSettle(t *testing.T, p *oracle.Pair) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; {
		raw, err := p.Real().Raw("CLIENT", "LIST")
		if err != nil {
			t.Fatal(err)
		}
		if len(csInfoLines(t, raw)) == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis lists other clients: %q", raw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// csPeerAddr is the address the server sees for connection c (CLIENT INFO addr).
func csPeerAddr(t *testing.T, c *oracle.Client) (addr string, id int64) {
	t.Helper()
	raw, err := c.Raw("CLIENT", "INFO")
	if err != nil {
		t.Fatal(err)
	}
	lines := csInfoLines(t, raw)
	if len(lines) != 1 {
		t.Fatalf("CLIENT INFO: %q", raw)
	}
	var n int64
	fmt.Sscan(csField(lines[0], "id"), &n)
	return csField(lines[0], "addr"), n
}

func TestConnClientKill(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		csSettle(t, p)
		count := func(what string) {
			t.Helper()
			real, ours := csBoth(t, p, "CLIENT", "LIST")
			if r, o := len(csInfoLines(t, real)), len(csInfoLines(t, ours)); r != o {
				t.Errorf("%s: CLIENT LIST has %d clients in redis, %d in cachee", what, r, o)
			}
		}
		// Old form: CLIENT KILL addr.
		rv, ov := oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
		raddr, rid := csPeerAddr(t, rv)
		oaddr, oid := csPeerAddr(t, ov)
		count("before kill")
		csDo(t, p.Real(), p.Ours(), "CLIENT", "KILL", "1.2.3.4:5")
		real, _ := p.Real().Raw("CLIENT", "KILL", raddr)
		ours, _ := p.Ours().Raw("CLIENT", "KILL", oaddr)
		if !bytes.Equal(real, ours) {
			t.Errorf("CLIENT KILL addr: redis %q, cachee %q", real, ours)
		}
		csClosed(t, "redis victim", rv)
		csClosed(t, "cachee victim", ov)
		count("after kill")
		real, _ = p.Real().Raw("CLIENT", "KILL", raddr)
		ours, _ = p.Ours().Raw("CLIENT", "KILL", oaddr)
		if !bytes.Equal(real, ours) {
			t.Errorf("CLIENT KILL addr again: redis %q, cachee %q", real, ours)
		}
		real, _ = p.Real().Raw("CLIENT", "KILL", "ID", fmt.Sprint(rid))
		ours, _ = p.Ours().Raw("CLIENT", "KILL", "ID", fmt.Sprint(oid))
		if !bytes.Equal(real, ours) {
			t.Errorf("CLIENT KILL ID of a killed client: redis %q, cachee %q", real, ours)
		}

		// New form: ID, ADDR, combined filters.
		rv, ov = oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
		raddr, rid = csPeerAddr(t, rv)
		oaddr, oid = csPeerAddr(t, ov)
		real, _ = p.Real().Raw("CLIENT", "KILL", "ID", fmt.Sprint(rid), "ADDR", "9.9.9.9:9")
		ours, _ = p.Ours().Raw("CLIENT", "KILL", "ID", fmt.Sprint(oid), "ADDR", "9.9.9.9:9")
		if !bytes.Equal(real, ours) || string(ours) != ":0\r\n" {
			t.Errorf("CLIENT KILL ID ADDR mismatch: redis %q, cachee %q", real, ours)
		}
		real, _ = p.Real().Raw("client", "kill", "addr", raddr, "id", fmt.Sprint(rid), "type", "normal", "user", "default", "skipme", "yes")
		ours, _ = p.Ours().Raw("client", "kill", "addr", oaddr, "id", fmt.Sprint(oid), "type", "normal", "user", "default", "skipme", "yes")
		if !bytes.Equal(real, ours) || string(ours) != ":1\r\n" {
			t.Errorf("CLIENT KILL filters: redis %q, cachee %q", real, ours)
		}
		csClosed(t, "redis victim", rv)
		csClosed(t, "cachee victim", ov)
		count("after kill by filters")

		rv, ov = oracle.Dial(t, p.RealAddr), oracle.Dial(t, p.OursAddr)
		_, rid = csPeerAddr(t, rv)
		_, oid = csPeerAddr(t, ov)
		real, _ = p.Real().Raw("CLIENT", "KILL", "ID", fmt.Sprint(rid))
		ours, _ = p.Ours().Raw("CLIENT", "KILL", "ID", fmt.Sprint(oid))
		if !bytes.Equal(real, ours) || string(ours) != ":1\r\n" {
			t.Errorf("CLIENT KILL ID: redis %q, cachee %q", real, ours)
		}
		csClosed(t, "redis victim", rv)
		csClosed(t, "cachee victim", ov)
		count("after kill by id")

		// SKIPME: the caller is skipped by default, killed with SKIPME no.
		_, rid = csPeerAddr(t, p.Real())
		_, oid = csPeerAddr(t, p.Ours())
		real, _ = p.Real().Raw("CLIENT", "KILL", "ID", fmt.Sprint(rid))
		ours, _ = p.Ours().Raw("CLIENT", "KILL", "ID", fmt.Sprint(oid))
		if !bytes.Equal(real, ours) || string(ours) != ":0\r\n" {
			t.Errorf("CLIENT KILL ID self: redis %q, cachee %q", real, ours)
		}
		for _, args := range [][]string{
			{"CLIENT", "KILL", "ID", "abc"}, {"CLIENT", "KILL", "ID", "0"}, {"CLIENT", "KILL", "ID", "-1"},
			{"CLIENT", "KILL", "ID", "9999999"}, {"CLIENT", "KILL", "ID", "1.5"},
			{"CLIENT", "KILL", "ID"}, {"CLIENT", "KILL"}, {"CLIENT", "KILL", "foo", "bar"},
			{"CLIENT", "KILL", "ID", "5", "SKIPME"}, {"CLIENT", "KILL", "ID", "abc", "foo"},
			{"CLIENT", "KILL", "ADDR", "1.1.1.1:1", "ID"}, {"CLIENT", "KILL", "SKIPME", "maybe"},
			{"CLIENT", "KILL", "TYPE", "foo"}, {"CLIENT", "KILL", "TYPE", "pubsub"}, {"CLIENT", "KILL", "TYPE", "master"},
			{"CLIENT", "KILL", "USER", "bob"}, {"CLIENT", "KILL", "USER", "default"}, {"CLIENT", "KILL", "LADDR", "x"},
			{"CLIENT", "KILL", "MAXAGE", "1"}, {"CLIENT", "KILL", "SKIPME", "no", "ID", "9999999"},
			{"CLIENT", "KILL", "TYPE", "normal"}, {"CLIENT", "KILL", "TYPE", "foo", "ID", "abc"},
			{"CLIENT", "KILL", "ID", "abc", "TYPE", "foo"}, {"CLIENT", "KILL", "USER", "bob", "SKIPME", "maybe"},
			{"CLIENT", "KILL", "TYPE", "master\x00x"}, {"CLIENT", "KILL", "TYPE", "x\x00y"}, {"CLIENT", "KILL", "USER", "bob\x00x"},
			{"CLIENT", "KILL", "USER", "default\x00"},
		} {
			csDo(t, p.Real(), p.Ours(), args...)
		}
		real, _ = p.Real().Raw("CLIENT", "KILL", "ID", fmt.Sprint(rid), "SKIPME", "no")
		ours, _ = p.Ours().Raw("CLIENT", "KILL", "ID", fmt.Sprint(oid), "SKIPME", "no")
		if !bytes.Equal(real, ours) || string(ours) != ":1\r\n" {
			t.Errorf("CLIENT KILL self SKIPME no: redis %q, cachee %q", real, ours)
		}
		csClosed(t, "redis self-kill", p.Real())
		csClosed(t, "cachee self-kill", p.Ours())
	})
	t.Run("old-form-self", func(t *testing.T) {
		p := oracle.Start(t)
		raddr, _ := csPeerAddr(t, p.Real())
		oaddr, _ := csPeerAddr(t, p.Ours())
		real, _ := p.Real().Raw("CLIENT", "KILL", raddr)
		ours, _ := p.Ours().Raw("CLIENT", "KILL", oaddr)
		if !bytes.Equal(real, ours) || string(ours) != "+OK\r\n" {
			t.Errorf("CLIENT KILL own addr: redis %q, cachee %q", real, ours)
		}
		csClosed(t, "redis", p.Real())
		csClosed(t, "cachee", p.Ours())
	})
}

func TestConnClientNoEvict(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		for _, args := range [][]string{
			{"CLIENT", "NO-EVICT", "on"}, {"CLIENT", "NO-EVICT", "ON"}, {"CLIENT", "NO-EVICT", "off"},
			{"CLIENT", "NO-EVICT", "maybe"}, {"CLIENT", "NO-EVICT", ""}, {"CLIENT", "NO-EVICT"},
			{"CLIENT", "NO-EVICT", "on", "off"}, {"CLIENT", "NO-EVICT", "on"},
		} {
			p.Do(args...)
		}
		real, ours := csBoth(t, p, "CLIENT", "INFO")
		r, o := csInfoLines(t, real), csInfoLines(t, ours)
		csCompareClientLines(t, "CLIENT INFO no-evict", r[0], o[0], "flags")
		if csField(o[0], "flags") != "e" {
			t.Errorf("no-evict flag missing: %v", o[0])
		}
		p.Do("CLIENT", "NO-EVICT", "off")
		real, ours = csBoth(t, p, "CLIENT", "INFO")
		r, o = csInfoLines(t, real), csInfoLines(t, ours)
		csCompareClientLines(t, "CLIENT INFO evict", r[0], o[0], "flags")
	})
}

// csExchange sends the commands in one write to both servers, then ECHO
// marker, and returns everything each sent back up to the marker's reply.
func csExchange(t *testing.T, p *oracle.Pair, cmds ...[]string) (real, ours []byte) {
	t.Helper()
	var in []byte
	for _, c := range cmds {
		in = protocol.AppendCommand(in, c...)
	}
	in = protocol.AppendCommand(in, "ECHO", "cs-end-marker")
	marker := "$13\r\ncs-end-marker\r\n"
	read := func(c *oracle.Client) []byte {
		if err := c.Send(in); err != nil {
			t.Fatal(err)
		}
		var out []byte
		for {
			raw, err := c.ReadRaw()
			if err != nil {
				t.Fatalf("reading replies: %v (so far %q)", err, out)
			}
			if string(raw) == marker {
				return out
			}
			out = append(out, raw...)
		}
	}
	return read(p.Real()), read(p.Ours())
}

func TestConnClientReply(t *testing.T) {
	cases := []struct {
		name string
		cmds [][]string
	}{
		{"off-on", [][]string{{"CLIENT", "REPLY", "OFF"}, {"PING"}, {"SET", "csr", "1"}, {"GET", "csr"}, {"CLIENT", "REPLY", "ON"}, {"PING", "on"}}},
		{"off-errors", [][]string{{"CLIENT", "REPLY", "OFF"}, {"CLIENT", "SETNAME", "a b"}, {"SELECT", "x"}, {"CLIENT", "REPLY", "ON"}, {"GET"}}},
		{"skip", [][]string{{"CLIENT", "REPLY", "SKIP"}, {"PING", "skipped"}, {"PING", "sent"}}},
		{"skip-skip", [][]string{{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "SKIP"}, {"PING", "1"}, {"PING", "2"}, {"PING", "3"}}},
		{"skip-on", [][]string{{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "ON"}, {"PING", "x"}}},
		{"off-skip-on", [][]string{{"CLIENT", "REPLY", "OFF"}, {"CLIENT", "REPLY", "SKIP"}, {"PING"}, {"CLIENT", "REPLY", "ON"}, {"PING"}}},
		{"skip-off", [][]string{{"CLIENT", "REPLY", "SKIP"}, {"CLIENT", "REPLY", "OFF"}, {"PING"}, {"CLIENT", "REPLY", "ON"}, {"PING"}}},
		{"off-reset", [][]string{{"CLIENT", "REPLY", "OFF"}, {"PING"}, {"RESET"}, {"PING", "after"}}},
		{"skip-reset", [][]string{{"CLIENT", "REPLY", "SKIP"}, {"RESET"}, {"PING", "after"}}},
		{"off-hello", [][]string{{"CLIENT", "REPLY", "OFF"}, {"HELLO", "3"}, {"CLIENT", "REPLY", "ON"}, {"CLIENT", "GETNAME"}, {"CLIENT", "REPLY", "OFF"}, {"HELLO", "2", "SETNAME", "x"}, {"CLIENT", "REPLY", "ON"}, {"CLIENT", "GETNAME"}}},
		{"bad", [][]string{{"CLIENT", "REPLY", "maybe"}, {"CLIENT", "REPLY"}, {"CLIENT", "REPLY", "on", "off"}, {"CLIENT", "REPLY", "on"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := oracle.Start(t)
			real, ours := csExchange(t, p, tc.cmds...)
			if !bytes.Equal(real, ours) {
				t.Errorf("redis:  %q\ncachee: %q", real, ours)
			}
		})
	}
	t.Run("rejected-commands", func(t *testing.T) {
		p := oracle.Start(t)
		real, ours := csExchange(t, p, []string{"CLIENT", "REPLY", "SKIP"}, []string{"NOSUCHCMD"}, []string{"PING", "x"},
			[]string{"CLIENT", "REPLY", "OFF"}, []string{"GET"}, []string{"CLIENT", "NOSUCH"}, []string{"CLIENT", "REPLY", "ON"})
		if !bytes.Equal(real, ours) {
			t.Errorf("redis:  %q\ncachee: %q", real, ours)
		}
	})
}

// csHelp decodes a HELP reply into its lines, checking its layout.
func csHelp(t *testing.T, raw []byte, cmd string) []string {
	t.Helper()
	v := csValue(t, raw)
	if v.Kind != protocol.KindArray || len(v.Elems) < 3 {
		t.Fatalf("%s HELP: %q", cmd, raw)
	}
	var lines []string
	for _, e := range v.Elems {
		if e.Kind != protocol.KindStatus {
			t.Errorf("%s HELP line %q is not a status", cmd, e.Str)
		}
		lines = append(lines, e.Str)
	}
	if want := cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"; lines[0] != want {
		t.Errorf("%s HELP header %q", cmd, lines[0])
	}
	if n := len(lines); lines[n-2] != "HELP" || lines[n-1] != "    Prints this help." {
		t.Errorf("%s HELP ends with %q", cmd, lines[n-2:])
	}
	return lines
}

// csHelpSubset requires ours to be a well-formed HELP whose lines appear in
// Redis's, in the same order, and to describe each subcommand we implement.
func csHelpSubset(t *testing.T, p *oracle.Pair, cmd string) {
	t.Helper()
	real, ours := csBoth(t, p, cmd, "HELP")
	rl, ol := csHelp(t, real, cmd), csHelp(t, ours, cmd)
	i := 0
	for _, l := range ol {
		for i < len(rl) && rl[i] != l {
			i++
		}
		if i == len(rl) {
			t.Errorf("%s HELP line %q is not in Redis's help (in order)", cmd, l)
			return
		}
		i++
	}
	subs, err := p.Ours().Value("COMMAND", "LIST", "FILTERBY", "PATTERN", strings.ToLower(cmd)+"|*")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs.Elems {
		_, sub, _ := strings.Cut(s.Str, "|")
		sub = strings.ToUpper(sub)
		found := false
		for _, l := range ol {
			if l == sub || strings.HasPrefix(l, sub+" ") || (sub == "HELP" && l == "HELP") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s HELP does not describe %s", cmd, sub)
		}
	}
	if len(subs.Elems) == 0 {
		t.Errorf("no %s subcommands listed", cmd)
	}
	p.Do(cmd, "HELP", "extra")
}

func TestConnClientHelpAndErrors(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		csHelpSubset(t, p, "CLIENT")
		p.Do("CLIENT")
		p.Do("CLIENT", "NOSUCH")
		p.Do("client", "nosuch", "a", "b")
		p.Do("CLIENT", strings.Repeat("x", 200))
		p.Do("CLIENT", "bad\r\nsub")
		p.Do("CLIENT", "SETNAME")
		p.Do("CLIENT", "GETNAME", "x")
		p.Do("CLIENT", "KILL")
		p.Do("CLIENT", "NO-EVICT")
		p.Do("CLIENT", "REPLY")
		p.Do("CLIENT", "LIST", "TYPE", "normal", "x")
	})
}

// TestConnConcurrentClients runs commands from many connections at once while
// another lists and kills clients (for the race detector).
func TestConnConcurrentClients(t *testing.T) {
	p := oracle.Start(t)
	done := make(chan struct{})
	for i := 0; i < 4; i++ {
		c := oracle.Dial(t, p.OursAddr)
		go func(i int) {
			defer func() { done <- struct{}{} }()
			for j := 0; j < 50; j++ {
				if _, err := c.Raw("CLIENT", "SETNAME", fmt.Sprintf("c%d-%d", i, j)); err != nil {
					return // killed
				}
				if _, err := c.Raw("SELECT", fmt.Sprint(j%16)); err != nil {
					return
				}
			}
		}(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 20 && time.Now().Before(deadline); i++ {
		if _, err := p.Ours().Raw("CLIENT", "LIST"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Ours().Raw("INFO"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Ours().Raw("CLIENT", "KILL", "TYPE", "normal"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	v, err := p.Ours().Value("CLIENT", "LIST")
	if err != nil || strings.Count(v.Str, "\n") != 1 {
		t.Errorf("after killing the others: %q %v", v.Str, err)
	}
}
