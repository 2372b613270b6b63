// Package memconn is a buffered in-memory net.Conn pair: what the root
// package's dialer hands to go-redis and rueidis, with the server's own
// connection code on the other end.
//
// net.Pipe would do functionally, but it is synchronous: every Write waits
// until the other side has read all of it, so a pipeline of N commands costs
// N goroutine hand-offs each way. Here each direction is a ring buffer: a
// Write copies and returns at once while there is room (backpressure past
// Capacity, as a socket's buffer gives), and a Read takes everything
// buffered. Deadlines behave as on a TCP connection: an expired deadline
// fails Read and Write with os.ErrDeadlineExceeded even when data is
// waiting, setting one from another goroutine wakes a blocked call, and
// moving it later makes the connection usable again.
package memconn

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Capacity is how many bytes one direction buffers before Write blocks: of
// the order of a loopback socket's buffers. The ring grows to it on demand
// from initialSize, so idle connections stay small.
const Capacity = 4 << 20

const initialSize = 4 << 10

// Addr is the address of one end of a pipe.
type Addr struct {
	Name string // what String returns, e.g. "inprocess:3"
}

// Network is "memory".
func (a Addr) Network() string { return "memory" }

// String is the name given to Pipe.
func (a Addr) String() string { return a.Name }

// Pipe returns two connected ends: what one writes the other reads. a's
// LocalAddr is aAddr and its RemoteAddr bAddr, and the reverse for b.
func Pipe(aAddr, bAddr net.Addr) (a, b net.Conn) {
	ab, ba := newRing(), newRing()
	ca := &conn{rd: ba, wr: ab, local: aAddr, remote: bAddr}
	cb := &conn{rd: ab, wr: ba, local: bAddr, remote: aAddr}
	ca.peer, cb.peer = cb, ca
	for _, c := range [2]*conn{ca, cb} {
		c.rdl.q, c.wdl.q = &c.rd.readers, &c.wr.writers
	}
	return ca, cb
}

// waitq is where the goroutines in Read (or Write) of one end sleep. They
// count themselves in waiting for the whole call, so that wakers skip the
// channel when nobody is there. A sleeper that returns while others may
// still wait passes the wake-up on; a stale wake-up costs one more loop.
type waitq struct {
	ch      chan struct{}
	waiting atomic.Int32
}

func (q *waitq) enter() { q.waiting.Add(1) }
func (q *waitq) leave() { q.waiting.Add(-1) }

// wake rouses one sleeper, if any is counted.
func (q *waitq) wake() {
	if q.waiting.Load() > 0 {
		select {
		case q.ch <- struct{}{}:
		default:
		}
	}
}

// pass wakes another sleeper than the caller, who is still counted.
func (q *waitq) pass() {
	if q.waiting.Load() > 1 {
		q.wake()
	}
}

// ring is one direction's buffer, read by one end and written by the other.
type ring struct {
	mu      sync.Mutex
	buf     []byte
	r, n    int   // read position and bytes buffered
	readers waitq // wait for bytes
	writers waitq // wait for room
}

func newRing() *ring {
	return &ring{readers: waitq{ch: make(chan struct{}, 1)}, writers: waitq{ch: make(chan struct{}, 1)}}
}

// take copies buffered bytes into p; more reports bytes left behind.
func (q *ring) take(p []byte) (n int, more bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == 0 {
		return 0, false
	}
	n = copy(p, q.buf[q.r:min(q.r+q.n, len(q.buf))])
	if n < len(p) && n < q.n { // wrapped
		n += copy(p[n:], q.buf[:q.n-n])
	}
	q.r = (q.r + n) % len(q.buf)
	q.n -= n
	if q.n == 0 {
		q.r = 0 // keep the next write contiguous
	}
	return n, q.n > 0
}

// put copies as much of p as fits, growing the ring up to Capacity; more
// reports room left after it.
func (q *ring) put(p []byte) (n int, more bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if free := len(q.buf) - q.n; free < len(p) && len(q.buf) < Capacity {
		q.grow(q.n + len(p))
	}
	w := (q.r + q.n) % max(len(q.buf), 1)
	for n < len(p) && q.n < len(q.buf) {
		end := len(q.buf)
		if w < q.r {
			end = q.r
		}
		k := copy(q.buf[w:end], p[n:])
		n += k
		q.n += k
		w = (w + k) % len(q.buf)
	}
	return n, q.n < len(q.buf)
}

// grow reallocates the ring to hold at least want bytes (at most Capacity),
// unwrapping its content to the start.
func (q *ring) grow(want int) {
	size := max(len(q.buf), initialSize)
	for size < want && size < Capacity {
		size *= 2
	}
	size = min(size, Capacity)
	if size <= len(q.buf) {
		return
	}
	nb := make([]byte, size)
	if q.n > 0 {
		k := copy(nb, q.buf[q.r:min(q.r+q.n, len(q.buf))])
		copy(nb[k:], q.buf[:q.n-k])
	}
	q.buf, q.r = nb, 0
}

// conn is one end of a pipe.
type conn struct {
	rd, wr        *ring // rd is written by the peer, wr read by it
	peer          *conn
	local, remote net.Addr
	rdl, wdl      deadline
	closed        atomic.Bool
}

// Read reads what is buffered, waiting for at least one byte. After the
// peer closed it returns what is left and then io.EOF.
func (c *conn) Read(p []byte) (int, error) {
	q := &c.rd.readers
	q.enter()
	defer q.leave()
	for {
		switch {
		case c.closed.Load():
			q.pass()
			return 0, net.ErrClosed
		case c.rdl.expired():
			q.pass()
			return 0, os.ErrDeadlineExceeded
		case len(p) == 0:
			return 0, nil
		}
		if n, more := c.rd.take(p); n > 0 {
			c.rd.writers.wake()
			if more {
				q.pass()
			}
			return n, nil
		}
		if c.peer.closed.Load() {
			// The peer's last write happened before its Close: look once
			// more so that no byte is lost.
			if n, _ := c.rd.take(p); n > 0 {
				return n, nil
			}
			q.pass()
			return 0, io.EOF
		}
		c.rdl.arm()
		<-q.ch
	}
}

// Write copies p into the buffer, waiting for room while it is full. It
// fails with io.ErrClosedPipe once the peer has closed, and returns how much
// was written when a deadline or Close interrupts it.
func (c *conn) Write(p []byte) (int, error) {
	q := &c.wr.writers
	q.enter()
	defer q.leave()
	n := 0
	for {
		switch {
		case c.closed.Load():
			q.pass()
			return n, net.ErrClosed
		case c.peer.closed.Load():
			q.pass()
			return n, io.ErrClosedPipe
		case c.wdl.expired():
			q.pass()
			return n, os.ErrDeadlineExceeded
		case n == len(p):
			return n, nil
		}
		k, more := c.wr.put(p[n:])
		if k > 0 {
			n += k
			c.wr.readers.wake()
			if more {
				q.pass()
			}
			if n == len(p) {
				// Done: the peer may read it and close before we
				// return, which must not turn the write into an error.
				return n, nil
			}
			continue
		}
		c.wdl.arm()
		<-q.ch
	}
}

// Close ends this side: its pending and later calls fail with net.ErrClosed,
// the peer reads what was written and then io.EOF, and the peer's writes
// fail. Only the first call does anything.
func (c *conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	for _, q := range [4]*waitq{&c.rd.readers, &c.wr.writers, &c.wr.readers, &c.rd.writers} {
		q.wake()
	}
	c.rdl.stop()
	c.wdl.stop()
	return nil
}

func (c *conn) LocalAddr() net.Addr  { return c.local }
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) SetDeadline(t time.Time) error {
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

func (c *conn) SetReadDeadline(t time.Time) error  { c.rdl.set(t); return nil }
func (c *conn) SetWriteDeadline(t time.Time) error { c.wdl.set(t); return nil }

// deadline is a point in time after which Read (or Write) fails. Setting
// one costs an atomic store: clients such as go-redis set one before every
// command. The timer that wakes a sleeper when it passes is armed only by a
// call about to sleep, and left running when the deadline moves later (it
// then re-arms itself for the remaining time) instead of being reset on
// every set.
type deadline struct {
	at    atomic.Int64 // Unix nanoseconds; 0 for none
	q     *waitq       // the sleepers to wake
	mu    sync.Mutex
	timer *time.Timer
	armed int64 // when the timer is due, 0 if not running
}

func (d *deadline) set(t time.Time) {
	var n int64
	if !t.IsZero() {
		n = max(t.UnixNano(), 1)
	}
	d.at.Store(n)
	d.q.wake() // a sleeper re-checks, and re-arms for an earlier time
}

func (d *deadline) expired() bool {
	n := d.at.Load()
	return n != 0 && time.Now().UnixNano() >= n
}

// arm makes sure the timer runs no later than the deadline.
func (d *deadline) arm() {
	n := d.at.Load()
	if n == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.armed != 0 && d.armed <= n {
		return
	}
	wait := time.Duration(n - time.Now().UnixNano())
	if d.timer == nil {
		d.timer = time.AfterFunc(wait, d.fire)
	} else {
		d.timer.Reset(wait)
	}
	d.armed = n
}

// fire wakes a sleeper when the deadline has passed, and otherwise waits
// again for the deadline now set (it may have moved later).
func (d *deadline) fire() {
	d.mu.Lock()
	d.armed = 0
	if n := d.at.Load(); n != 0 {
		if wait := time.Duration(n - time.Now().UnixNano()); wait > 0 {
			d.timer.Reset(wait)
			d.armed = n
		}
	}
	d.mu.Unlock()
	d.q.wake()
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.armed = 0
	}
}
