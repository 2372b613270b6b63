package server

import (
	"errors"
	"net"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/protocol"
)

// conn is one client connection: its session, request reader and reply
// writer, and the settings snapshot its limits were taken from.
type conn struct {
	s    *Server
	c    net.Conn
	raw  syscall.RawConn // c's socket, nil when rawConn has none
	sess *engine.Session
	cfg  *engine.Config // settings the limits below follow
	r    *protocol.Reader
	w    *protocol.Writer
	in   connReader
	out  connOutput
	msgs []engine.Message
	// check is out.check as a func value, made once (a method value
	// allocates each time it is taken), and stepFn step.
	check  func(int) (int, error)
	stepFn func(uintptr) bool
	// execMu is held while a command of the connection runs; kill takes it
	// to close the socket between commands.
	execMu sync.Mutex
}

// kill is the session's Kill (CLIENT KILL, ACL changes, output limits): it
// closes the socket at once unless a command of the connection is running,
// in which case the connection's goroutine closes it when that command
// returns (the loop checks Closing before and after each one). Either way no
// command of a killed client runs after its socket is closed, as in Redis: a
// client that reconnects at once cannot have its old pipelined commands land
// after its new ones.
func (cn *conn) kill() {
	if cn.execMu.TryLock() {
		cn.closeNow()
		cn.execMu.Unlock()
	}
}

// closeNow ends the connection for the client at once. loopRaw's goroutine
// spends even the time between commands inside RawConn.Read, which Close
// waits for (kill would wait holding execMu, which the goroutine takes
// before its next command: a deadlock). A raw socket is shut down instead:
// the client sees it closed, the goroutine finds the end of its input and
// closes the connection itself.
func (cn *conn) closeNow() {
	if rawIO && cn.raw != nil &&
		cn.raw.Control(shutdownSocket) == nil {
		return
	}
	_ = cn.c.Close()
}

func (s *Server) serve(c net.Conn) {
	defer func() {
		// The engine contains a command's panic itself; this is for the
		// connection's own code: one client's failure ends only its
		// connection.
		if r := recover(); r != nil {
			s.log.Error("connection panicked", "addr", c.RemoteAddr().String(), "panic", r, "stack", string(debug.Stack()))
		}
		s.mu.Lock()
		delete(s.conn, c)
		s.mu.Unlock()
		_ = c.Close()
		s.wg.Done()
	}()
	setKeepAlive(c, s.e.Settings().TCPKeepAlive)
	if hook := testConnHook; hook != nil {
		hook(c)
	}
	cn := &conn{s: s, c: c, raw: rawConn(c)}
	sess := s.admit(cn)
	if sess == nil {
		return
	}
	defer sess.Close()
	cn.sess = sess
	cn.in = connReader{cn: cn, last: time.Now(), raw: cn.raw}
	cn.out = connOutput{cn: cn}
	cn.check = cn.out.check
	cn.stepFn = cn.step
	cn.in.probe = cn.in.probeReadable
	cn.in.rread, cn.out.rwrite = cn.in.rawRead, cn.out.rawWrite
	cn.r = protocol.NewReader(&cn.in, s.cfg.Limits)
	cn.w = protocol.NewWriter(&cn.out, 2)
	cn.refresh()
	sess.EnablePush(cn.in.interrupt, true)
	sess.SetBlockHook(cn.in.watchWhileBlocked)
	if rawIO && cn.in.raw != nil {
		cn.loopRaw()
		return
	}
	cn.loop()
}

// loop reads and executes commands until the connection ends. Replies are
// held in memory while commands run (so that no command waits on the
// socket while it holds locks) and written when the reader runs out of
// complete commands: one write per pipeline batch, as Redis does.
func (cn *conn) loop() {
	r, sess := cn.r, cn.sess
	for {
		if r.Buffered() == 0 {
			if err := cn.flush(); err != nil || cn.s.shuttingDown() {
				return
			}
			if err := cn.in.idle(); err != nil {
				return
			}
		}
		cn.refresh()
		// Redis applies smaller request limits until the client authenticates.
		r.SetUnauthenticated(!sess.Authenticated())
		argv, err := r.ReadCommand()
		if err != nil {
			cn.readFailed(err)
			return
		}
		if !cn.run(argv) {
			return
		}
	}
}

// readFailed handles ReadCommand's error other than ErrWouldBlock: a
// protocol error is answered, a client past the query buffer limit logged,
// and either way the connection ends.
func (cn *conn) readFailed(err error) {
	var pe *protocol.ProtocolError
	switch {
	case errors.As(err, &pe):
		cn.w.Error(pe.Error())
	case err == protocol.ErrQueryBufferLimit:
		r := cn.r
		cn.s.log.Warn("Closing client that reached max query buffer length: " + cn.sess.Info() +
			" (qbuf initial bytes: " + strconv.Quote(string(r.Pending()[:min(64, len(r.Pending()))])) + ")")
		return
	}
	_ = cn.flush()
}

// run executes one command and what follows it: the pub/sub messages
// waiting for the client are queued after its reply. false means the
// connection ends (killed, QUIT, shutdown abandoning clients).
func (cn *conn) run(argv [][]byte) bool {
	sess := cn.sess
	cn.execMu.Lock()
	if sess.Closing() {
		// Killed (CLIENT KILL) while commands were still buffered: as
		// in Redis, none of them runs.
		cn.execMu.Unlock()
		return false
	}
	cn.s.e.Exec(sess, argv, cn.w)
	cn.execMu.Unlock()
	if cn.out.killed || cn.s.abandoned.Load() {
		return false
	}
	if sess.PendingMessages() {
		cn.drain()
		if cn.out.killed {
			return false
		}
	}
	if sess.Closing() {
		_ = cn.flush()
		return false
	}
	return true
}

// refresh follows CONFIG SET: the request limits (proto-max-bulk-len,
// client-query-buffer-limit) apply to connected clients at once, as in
// Redis.
func (cn *conn) refresh() {
	cfg := cn.s.e.Settings()
	if cfg == cn.cfg {
		return
	}
	cn.cfg = cfg
	lim := cn.s.cfg.Limits
	lim.MaxBulkLen, lim.MaxQueryBuffer = cfg.ProtoMaxBulkLen, cfg.ClientQueryBufferLimit
	cn.r.SetLimits(lim)
	cn.w.Hold(cn.out.threshold(), cn.check)
}

// flush writes the held replies; the next check of the output limits comes
// at the threshold for an empty buffer.
func (cn *conn) flush() error {
	n := cn.w.Buffered()
	err := cn.w.Flush()
	if n > 0 && err == nil {
		// Redis counts writing to a client as interaction too: a client
		// that just got the reply to a long BLPOP is not idle.
		cn.in.last = time.Now()
	}
	cn.w.Hold(cn.out.threshold(), cn.check)
	return err
}

// drain writes the pub/sub messages waiting for this client after the
// replies already held.
func (cn *conn) drain() {
	cn.msgs = cn.sess.TakeMessages(cn.msgs)
	for i := range cn.msgs {
		engine.WriteMessage(cn.w, &cn.msgs[i])
	}
	clear(cn.msgs)
}

// connReader reads a client's requests and enforces the idle timeout (engine
// Timeout) with read deadlines. The timeout is read afresh whenever a
// deadline fires, so CONFIG SET timeout applies to clients already waiting,
// as Redis's cron check does: a deadline that fires before the client has
// really been idle for the current timeout is moved, not obeyed. Shutdown
// wakes every connection by setting its deadline to now; that one is obeyed.
//
// Pub/sub messages arriving while the connection waits for a request wake it
// the same way (interrupt sets the deadline to now): it then writes them out
// and goes back to waiting. Subscribed clients are never idle, as in Redis.
type connReader struct {
	cn       *conn
	raw      syscall.RawConn // nil when the connection cannot wait without a buffer
	probe    func(uintptr) bool
	waited   bool      // probe found nothing to read and parked
	big      bool      // the buffers have grown: released only after bigBufferIdle
	last     time.Time // when data last arrived or a reply left: idleness is measured from it
	deadline time.Time // the read deadline set, zero for none
	fired    bool      // the deadline set has passed
	// stash holds bytes read while a command was blocked (watchWhileBlocked),
	// returned before anything else.
	stash []byte
	// rread is rawRead as a func value, made once; rbuf is its buffer and
	// rn, rerr its result (rawio_linux.go).
	rread func(uintptr) bool
	rbuf  []byte
	rn    int
	rerr  error
	// loopRaw's state (step.go): the socket while step runs (stepping),
	// whether its last read emptied it, and how step ended: the connection
	// is over (stop), or a command must run outside it (pending).
	fd       uintptr
	stepping bool
	drained  bool
	stop     bool
	pending  [][]byte
}

// interrupt wakes the connection's goroutine out of a read: messages are
// waiting for it. It runs in the publisher's goroutine.
func (r *connReader) interrupt() { _ = r.cn.c.SetReadDeadline(time.Now()) }

// Read is the protocol.Reader's source. It is called when the parser needs
// more bytes, so the replies held so far go out first.
func (r *connReader) Read(p []byte) (int, error) {
	if len(r.stash) > 0 {
		n := copy(p, r.stash)
		r.stash = r.stash[n:]
		return n, nil
	}
	if err := r.cn.flush(); err != nil {
		return 0, err
	}
	if r.stepping {
		if r.cn.s.shuttingDown() {
			return 0, net.ErrClosed // the commands read have run: stop here
		}
		return r.stepRead(p)
	}
	return r.wait(p)
}

// idle waits for the next request when nothing is pending, without holding
// the read and write buffers if the connection allows it (TCP and Unix
// sockets): an idle client then costs little more than its goroutine, as
// Redis frees idle query buffers. Bytes already waiting are read at once.
func (r *connReader) idle() error {
	if r.raw == nil || len(r.stash) > 0 {
		return nil
	}
	if _, err := r.wait(nil); err != nil {
		return err
	}
	r.cn.w.Acquire()
	return nil
}

// wait blocks until bytes arrive and reads them into p, or with p nil until
// the socket is readable; meanwhile it writes pub/sub messages and enforces
// the idle timeout.
func (r *connReader) wait(p []byte) (int, error) {
	s := r.cn.s
	for {
		if s.shuttingDown() {
			return 0, net.ErrClosed
		}
		r.big = p == nil && r.raw != nil && r.bigBuffers()
		if !r.armDeadline() {
			return 0, net.ErrClosed
		}
		// A message that arrived before our deadline was set interrupted
		// nothing: look for it now (one arriving later interrupts the read).
		if r.cn.sess.PendingMessages() {
			r.cn.drain()
			if err := r.cn.flush(); err != nil {
				return 0, err
			}
			continue
		}
		var n int
		var err error
		if p == nil {
			if err = r.waitReadable(); err == nil {
				return 0, nil
			}
		} else {
			n, err = r.read(p)
		}
		if n > 0 {
			r.last = time.Now()
			return n, err
		}
		if err == nil || !isTimeout(err) {
			return n, err
		}
		if r.deadlinePassed() {
			return 0, err
		}
	}
}

// bigBuffers reports whether the read or write buffer has grown past the
// standard size. Such buffers are kept for the next big request or reply,
// but not by an idle client: it is woken to give them back (Redis frees the
// query buffer of a client idle for 2 s).
func (r *connReader) bigBuffers() bool {
	return r.cn.r.BufferSize() > stdBuffer || r.cn.w.BufferSize() > stdBuffer
}

// armDeadline sets the read deadline a wait for the next request wants:
// when the idle timeout would pass, or sooner when grown buffers (r.big) are
// to be given back; none for a subscriber, which is never idle. false means
// Shutdown has begun: it closes done before it sets the deadlines, so ours
// may have replaced its wake-up.
func (r *connReader) armDeadline() bool {
	want := time.Time{}
	if t := r.cn.cfg.Timeout; t > 0 && !r.cn.sess.Subscribed() {
		want = r.last.Add(time.Duration(t) * time.Second)
	}
	if r.big {
		if at := r.last.Add(bigBufferIdle); want.IsZero() || at.Before(want) {
			want = at
		}
	}
	if r.fired || !want.Equal(r.deadline) {
		_ = r.cn.c.SetReadDeadline(want)
		r.deadline, r.fired = want, false
		if r.cn.s.shuttingDown() {
			return false
		}
	}
	return true
}

// deadlinePassed handles a read deadline that fired: Shutdown's, a real
// idle timeout, a message's interrupt, the one for big buffers, or one made
// stale by a timeout change (CONFIG SET applies at once). It gives grown
// buffers back once they have been idle long enough, and reports whether
// the client has been idle past the timeout and must be closed.
func (r *connReader) deadlinePassed() bool {
	r.fired = true
	r.cn.refresh()
	now := time.Now()
	if r.big && !now.Before(r.last.Add(bigBufferIdle)) {
		r.cn.r.Release()
		r.cn.w.Release()
	}
	t := r.cn.cfg.Timeout
	return t > 0 && !r.cn.sess.Subscribed() && !now.Before(r.last.Add(time.Duration(t)*time.Second))
}

// read reads into p from the socket: through rawRead where rawIO allows it,
// else through net.Conn's Read.
func (r *connReader) read(p []byte) (int, error) {
	if !rawIO || r.raw == nil || len(p) == 0 {
		return r.cn.c.Read(p)
	}
	r.rbuf = p
	err := r.raw.Read(r.rread)
	r.rbuf = nil
	if err != nil {
		return 0, err
	}
	return r.rn, r.rerr
}

// waitReadable returns once the socket has bytes (or EOF, or an error) for
// the next Read, or the read deadline passes. If it has to wait, it first
// gives the read and write buffers back to their pool.
func (r *connReader) waitReadable() error {
	r.waited = false
	return r.raw.Read(r.probe)
}

// probeReadable is waitReadable's callback for RawConn.Read: true when the
// next Read will not block.
func (r *connReader) probeReadable(fd uintptr) bool {
	if r.waited {
		return true // the poller says readable; Read finds out the rest
	}
	if !wouldBlock(fd) {
		return true
	}
	if !r.big {
		r.cn.r.Release()
		r.cn.w.Release()
	}
	r.waited = true
	return false
}

const (
	// stdBuffer is the size of the pooled read and write buffers.
	stdBuffer = 16 << 10
	// bigBufferIdle is how long an idle client keeps buffers grown past
	// stdBuffer.
	bigBufferIdle = 2 * time.Second
)

// watchWhileBlocked is the session's block hook: while a command blocks
// (BLPOP...), a goroutine keeps reading the connection so that a client that
// disconnects ends the wait (gone is closed), as Redis notices a closed
// socket of a blocked client. Bytes the client pipelines meanwhile are
// stashed for the reader. stop ends the goroutine before the connection's
// goroutine reads again. The replies held before the blocking command are
// sent first, as Redis writes them before it waits.
func (r *connReader) watchWhileBlocked() (gone <-chan struct{}, stop func()) {
	g, done := make(chan struct{}), make(chan struct{})
	if err := r.cn.flush(); err != nil {
		close(g)
		close(done)
		return g, func() {}
	}
	var mu sync.Mutex
	stopping := false
	c := r.cn.c
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			r.stash = append(r.stash, buf[:n]...)
			if err == nil {
				continue
			}
			var ne net.Error
			mu.Lock()
			if stopping {
				mu.Unlock()
				return
			}
			if errors.As(err, &ne) && ne.Timeout() && !r.cn.s.shuttingDown() {
				// A message's interrupt or an idle deadline: blocked
				// clients are not idle. Messages (a RESP3 client may block
				// while subscribed) go out as they arrive, as in Redis: the
				// connection's goroutine is parked until stop, so the
				// writer is free.
				_ = c.SetReadDeadline(time.Time{})
				mu.Unlock()
				if !r.cn.sess.PendingMessages() {
					continue
				}
				r.cn.drain()
				if r.cn.flush() == nil {
					continue
				}
			} else {
				// The client went away, or the server is shutting down:
				// either ends the wait.
				mu.Unlock()
			}
			close(g)
			return
		}
	}()
	return g, func() {
		mu.Lock()
		stopping = true
		_ = c.SetReadDeadline(time.Now())
		mu.Unlock()
		<-done
		r.fired = true // wait sets its own deadline again
	}
}

// rawConn is c's raw socket when waiting for readability without a buffer
// is possible (TCP and Unix sockets; not TLS, whose records are buffered
// inside crypto/tls).
func rawConn(c net.Conn) syscall.RawConn {
	switch c := c.(type) {
	case *net.TCPConn:
		if rc, err := c.SyscallConn(); err == nil && canPeek {
			return rc
		}
	case *net.UnixConn:
		if rc, err := c.SyscallConn(); err == nil && canPeek {
			return rc
		}
	}
	return nil
}
