package engine

import (
	"bytes"
	"testing"

	"github.com/cachee/cachee/protocol"
)

// TestPanicIsContained forces a command to panic: the caller gets exactly
// one ErrInternal in place of the half-written reply, the shard locks are
// released, and other commands (including ones locking every shard) keep
// working; inside EXEC only that command fails.
func TestPanicIsContained(t *testing.T) {
	h := newHarness(t)
	echo := h.e.table.Lookup([]byte("echo"))
	echo.handler = func(c *Ctx) {
		c.w.Array(2) // a reply half written...
		c.w.BulkString("partial")
		panic("boom")
	}
	h.check("set k v", "+OK")
	h.check("echo x", "-"+ErrInternal)
	h.check("get k", "$v")
	h.check("flushall", "+OK") // every shard lock is free

	// Over a socket writer, inside EXEC: the partial reply is rolled back and
	// the transaction's array stays well formed.
	var out bytes.Buffer
	w := protocol.NewWriter(&out, 2)
	for _, cmd := range [][]string{{"MULTI"}, {"SET", "a", "1"}, {"ECHO", "y"}, {"INCR", "a"}, {"EXEC"}} {
		argv := make([][]byte, len(cmd))
		for i, a := range cmd {
			argv[i] = []byte(a)
		}
		h.e.Exec(h.s, argv, w)
	}
	w.Flush()
	want := "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n-" + ErrInternal + "\r\n:2\r\n"
	if out.String() != want {
		t.Errorf("EXEC with a panicking command:\n got %q\nwant %q", out.String(), want)
	}
	if n := h.e.stats.panics.Load(); n != 2 {
		t.Errorf("%d panics counted, want 2", n)
	}
}
