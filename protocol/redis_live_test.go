package protocol

import (
	"bytes"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/redistest"
)

// TestAgainstRedis replays the protocol error and incomplete-input cases
// against a real redis-server (started by the test, see internal/redistest),
// checking that the expectations in this package's tables are what Redis
// really does.
func TestAgainstRedis(t *testing.T) {
	addr := redistest.Start(t)
	// exchange sends in and collects the reply until the connection closes,
	// nothing arrives for wait, or (expect > 0) expect bytes arrived.
	exchange := func(in string, wait time.Duration, expect int) (reply []byte, closed bool) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(in)); err != nil {
			return nil, true
		}
		var out bytes.Buffer
		buf := make([]byte, 4096)
		for {
			_ = c.SetReadDeadline(time.Now().Add(wait))
			n, err := c.Read(buf)
			out.Write(buf[:n])
			if expect > 0 && out.Len() >= expect {
				wait = 20 * time.Millisecond // only catch a surplus
			}
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					return out.Bytes(), false
				}
				return out.Bytes(), true // EOF or reset: closed
			}
		}
	}
	for _, tc := range protocolErrorCases {
		if strings.HasSuffix(tc.name, "trickling") {
			continue
		}
		reply, closed := exchange(tc.in, 2*time.Second, 0)
		want := "-" + tc.want + "\r\n"
		if strings.HasPrefix(tc.name, "error after good command") {
			want = "+PONG\r\n" + want
		}
		if string(reply) != want || !closed {
			t.Errorf("%s: redis replied %q (closed %v), want %q", tc.name, reply, closed, want)
		}
	}
	for _, in := range []string{
		"*2147483647\r\n", "*1\r\n$536870912\r\n", strings.Repeat("a", 65536),
		"*" + strings.Repeat("1", 65535), "PING\x00\r\nPING\r\n", "*1\x00\r\n$4\r\nPING\r\n",
	} {
		reply, closed := exchange(in, 300*time.Millisecond, 0)
		if len(reply) != 0 || closed {
			t.Errorf("%.30q: redis replied %q (closed %v), want it to wait", in, reply, closed)
		}
	}

	// Random inline lines of quotes, escapes and blanks: RPUSH the arguments
	// and read them back with LRANGE, then compare with splitArgs.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab x41n\"'\\\t\v\r\f\x80"
	compared := 0
	for i := 0; i < 300; i++ {
		line := make([]byte, rng.IntN(12))
		for j := range line {
			line[j] = alphabet[rng.IntN(len(alphabet))]
		}
		in := "RPUSH cachee:protocol:test " + string(line) + "\r\n"
		r := NewReader(strings.NewReader(in), Limits{})
		argv, perr := r.ReadCommand()
		var want []byte
		switch {
		case perr != nil:
			want = []byte("-" + perr.Error() + "\r\n")
		case len(argv) < 3 || !strings.EqualFold(string(argv[0]), "RPUSH") || string(argv[1]) != "cachee:protocol:test":
			continue // the random line changed the command itself
		default:
			want = AppendInt(want, ':', int64(len(argv)-2))
			want = AppendArrayLen(want, len(argv)-2)
			for _, a := range argv[2:] {
				want = AppendBulk(want, a)
			}
			want = append(want, ":1\r\n"...)
		}
		reply, _ := exchange(in+"LRANGE cachee:protocol:test 0 -1\r\nDEL cachee:protocol:test\r\n", 2*time.Second, len(want))
		if !bytes.Equal(reply, want) {
			t.Errorf("inline %q: redis %q, want %q", line, reply, want)
		}
		compared++
	}
	if compared < 200 {
		t.Errorf("only %d random inline lines compared", compared)
	}

	// Multibulk requests with one header byte changed: whenever the Reader
	// reports a protocol error Redis must send the same one and close, and
	// whenever the Reader waits for more input, Redis must wait too.
	base := AppendCommand(nil, "RPUSH", "cachee:protocol:test", "v1", "value2")
	var header []int
	for i, c := range base {
		if c == '*' || c == '$' || c == '\r' || c == '\n' || (c >= '0' && c <= '9') {
			header = append(header, i)
		}
	}
	const subst = "0123456789-+ \r\n$*x\x00"
	for i := 0; i < 150; i++ {
		in := bytes.Clone(base)
		in[header[rng.IntN(len(header))]] = subst[rng.IntN(len(subst))]
		in = in[:len(in)-rng.IntN(3)]
		r := NewReader(bytes.NewReader(in), Limits{})
		var err error
		for err == nil {
			_, err = r.ReadCommand()
		}
		pe, isProto := err.(*ProtocolError)
		reply, closed := exchange(string(in)+"", 150*time.Millisecond, 0)
		switch {
		case isProto:
			if !closed || !bytes.HasSuffix(reply, []byte("-"+pe.Error()+"\r\n")) {
				t.Errorf("%q: reader %q; redis %q (closed %v)", in, pe.Error(), reply, closed)
			}
		case closed || bytes.Contains(reply, []byte("Protocol error")):
			t.Errorf("%q: reader %v; redis %q (closed %v)", in, err, reply, closed)
		}
	}
	exchange("DEL cachee:protocol:test\r\n", time.Second, 4)
}
