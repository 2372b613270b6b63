package server

import (
	"errors"
	"math"
	"net"
	"time"

	"github.com/cachee/cachee/engine"
)

// errOutputLimit fails a connection's Writer when its pending replies pass
// client-output-buffer-limit; the connection is then closed.
var errOutputLimit = errors.New("server: client reached its output buffer limit")

// softCheckStep is how much more output a client above its soft limit may
// queue before the limit's clock is looked at again.
const softCheckStep = 64 << 10

// replyChunk is Redis's PROTO_REPLY_CHUNK_BYTES, the static reply buffer
// every client has: Redis counts against the limits only the output beyond
// it (its reply list), and checks them only when output spills past it. We
// do the same, so that a limit of a few bytes cuts off the same clients.
const replyChunk = 16 << 10

// usage is what Redis would count of n pending bytes: those past the
// static buffer.
func usage(n int) int64 { return max(int64(n)-replyChunk, 0) }

// connOutput is where a connection's Writer flushes: the socket, with
// client-output-buffer-limit enforced on the replies not yet accepted by the
// kernel, as Redis counts a client's reply list. The normal class applies
// to ordinary clients, the pubsub class to subscribed ones (whose messages
// waiting in the engine's queue are bounded by the engine with the same
// class). There are no replicas, so the replica class is only stored.
//
// The limits are checked as replies are added (by the Writer, through
// check), with Redis's rules: over the hard limit at once; over the soft
// limit when a check finds it passed for more than soft-seconds, counted in
// whole seconds from the first check that found it passed, a clock only a
// check that finds the output back under the soft limit resets. A flush
// waiting on a client that does not read is bounded the same way, through a
// write deadline at the second the soft time runs out.
type connOutput struct {
	cn        *conn
	softSince int64     // unix second the soft limit was found passed; 0 if not
	deadline  time.Time // the write deadline set, zero for none
	killed    bool
	// rwrite is rawWrite as a func value, made once; wbuf is what it has
	// left to write, wn and werr its result (rawio_linux.go).
	rwrite func(uintptr) bool
	wbuf   []byte
	wn     int
	werr   error
}

// limit is the output limit of the connection's current class.
func (o *connOutput) limit() (engine.BufferLimit, string) {
	if o.cn.sess.Subscribed() {
		return o.cn.cfg.OutputBufferLimits[engine.ClientPubSub], "pubsub"
	}
	return o.cn.cfg.OutputBufferLimits[engine.ClientNormal], "normal"
}

// threshold is the pending size from which the limits need a look: the
// lowest limit of either class a client may be in, or while the soft clock
// runs, the first spill past the static buffer (which may stop the clock).
func (o *connOutput) threshold() int {
	at := int64(math.MaxInt - replyChunk)
	for _, class := range [...]int{engine.ClientNormal, engine.ClientPubSub} {
		l := o.cn.cfg.OutputBufferLimits[class]
		for _, n := range [...]int64{l.Hard, l.Soft} {
			if n > 0 && n < at {
				at = n
			}
		}
	}
	if o.softSince != 0 {
		at = 0
	}
	return int(at) + replyChunk
}

// check is the Writer's hold callback: it runs when n bytes are pending
// past the last threshold, closes the client over a limit as Redis's
// checkClientOutputBufferLimits does, and returns the next threshold.
func (o *connOutput) check(n int) (int, error) {
	l, class := o.limit()
	used := usage(n)
	over := l.Hard > 0 && used > l.Hard
	if l.Soft > 0 && used > l.Soft {
		now := time.Now().Unix()
		if o.softSince == 0 {
			o.softSince = now
		} else if now-o.softSince > l.SoftSeconds {
			over = true
		}
	} else {
		o.softSince = 0
	}
	if over {
		o.kill(used, class)
		return 0, errOutputLimit
	}
	next := int64(math.MaxInt - replyChunk)
	if l.Hard > 0 {
		next = l.Hard
	}
	if l.Soft > 0 {
		if used > l.Soft {
			next = min(next, used+softCheckStep)
		} else {
			next = min(next, l.Soft)
		}
	}
	return max(int(next)+replyChunk, n+1), nil
}

// kill closes the client for its output, with Redis's log line.
func (o *connOutput) kill(pending int64, class string) {
	o.killed = true
	o.cn.s.log.Warn("Client "+o.cn.sess.Info()+" scheduled to be closed ASAP for overcoming of output buffer limits.",
		"class", class, "pending", pending)
}

// Write sends b, the Writer's held replies. While more than the soft limit
// of them is unsent, a write deadline marks the second the soft time runs
// out: a client still that far behind then is closed.
func (o *connOutput) Write(b []byte) (int, error) {
	written := 0
	for {
		l, class := o.limit()
		want := time.Time{}
		if l.Soft > 0 && usage(len(b)-written) > l.Soft {
			if o.softSince == 0 {
				o.softSince = time.Now().Unix()
			}
			want = time.Unix(o.softSince+l.SoftSeconds+1, 0)
		}
		if !want.Equal(o.deadline) {
			_ = o.cn.c.SetWriteDeadline(want)
			o.deadline = want
		}
		n, err := o.write(b[written:])
		written += n
		switch {
		case err == nil:
			return written, nil
		case isTimeout(err) && !o.deadline.IsZero():
			if left := usage(len(b) - written); left > l.Soft {
				o.kill(left, class)
				return written, errOutputLimit
			}
		default:
			return written, err
		}
	}
}

// write writes b to the socket: through rawWrite where rawIO allows it, else
// through net.Conn's Write. Either returns less than len(b) only with an
// error.
func (o *connOutput) write(b []byte) (int, error) {
	raw := o.cn.in.raw
	if !rawIO || raw == nil || len(b) == 0 {
		return o.cn.c.Write(b)
	}
	o.wbuf, o.wn, o.werr = b, 0, nil
	err := raw.Write(o.rwrite)
	n := o.wn
	o.wbuf = nil
	if err == nil {
		err = o.werr
	}
	return n, err
}

// isTimeout reports whether err is a deadline's.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// setKeepAlive applies tcp-keepalive to an accepted TCP connection as
// Redis's anetKeepAlive: the first probe after secs of silence, then every
// secs/3 (at least 1), three times; 0 turns probing off.
func setKeepAlive(c net.Conn, secs int) {
	tc := tcpConn(c)
	if tc == nil {
		return
	}
	if secs <= 0 {
		_ = tc.SetKeepAlive(false)
		return
	}
	_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{
		Enable:   true,
		Idle:     time.Duration(secs) * time.Second,
		Interval: time.Duration(max(secs/3, 1)) * time.Second,
		Count:    3,
	})
}

// tcpConn is the TCP connection under c (also under TLS), or nil.
func tcpConn(c net.Conn) *net.TCPConn {
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = nc.NetConn()
	}
	tc, _ := c.(*net.TCPConn)
	return tc
}

// reservedFDs is Redis's CONFIG_MIN_RESERVED_FDS: descriptors kept for
// listeners, files and logs beyond one per client.
const reservedFDs = 32

// FileLimitClients is the engine's ClientLimit for a process that serves
// sockets, as Redis's adjustOpenFilesLimit: it raises the open-file limit
// so that maxclients clients fit with 32 descriptors to spare, and returns
// how many clients fit the limit it got (maxclients when it succeeds).
// Like Redis it adds the reserve in 32-bit arithmetic, so maxclients near
// 2^32 wraps around and is accepted.
func FileLimitClients(maxclients int) int {
	want := uint64(uint32(maxclients) + reservedFDs)
	got, ok := raiseFileLimit(want)
	if !ok || got >= want {
		return maxclients
	}
	return max(int(got)-reservedFDs, 1)
}
