package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/protocol"
)

// Config says where and how to listen. Engine settings (password, databases,
// maxclients, timeout) live in engine.Config.
type Config struct {
	// Port is the TCP port (0 picks a free one; negative disables TCP).
	Port int
	// Bind lists the addresses to listen on (default 127.0.0.1).
	Bind []string
	// UnixSocket, when set, also listens on this Unix socket path.
	UnixSocket string
	// UnixSocketPerm is the socket file's permission bits (default 0700).
	UnixSocketPerm os.FileMode
	// ProtectedMode refuses non-loopback clients while the default user needs
	// no password (nopass: no requirepass and no ACL password), as Redis's
	// protected-mode yes does.
	ProtectedMode bool
	// Limits are the protocol limits applied to every connection, except
	// MaxBulkLen: connections take the engine's ProtoMaxBulkLen (the
	// proto-max-bulk-len CONFIG SET changes) when they connect.
	Limits protocol.Limits
	// Logger receives connection errors and lifecycle messages.
	Logger *slog.Logger
}

// Server serves one engine over RESP on TCP and Unix sockets: one goroutine
// per connection, which parses every command already buffered, executes them
// in order and flushes the replies once per batch (pipelining).
type Server struct {
	e    *engine.Engine
	cfg  Config
	log  *slog.Logger
	lns  []net.Listener
	mu   sync.Mutex
	conn map[net.Conn]struct{}
	wg   sync.WaitGroup
	done chan struct{}
	once sync.Once
	// admitMu makes the maxclients check and the registration one step.
	admitMu sync.Mutex
}

// New prepares a server for e; Listen opens its sockets.
func New(e *engine.Engine, cfg Config) *Server {
	if len(cfg.Bind) == 0 {
		cfg.Bind = []string{"127.0.0.1"}
	}
	if cfg.UnixSocketPerm == 0 {
		cfg.UnixSocketPerm = 0o700
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Limits == (protocol.Limits{}) {
		cfg.Limits = protocol.DefaultLimits()
	}
	s := &Server{e: e, cfg: cfg, log: cfg.Logger, conn: map[net.Conn]struct{}{}, done: make(chan struct{})}
	e.SetShutdownHook(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// Listen opens every configured listener.
func (s *Server) Listen() error {
	if s.cfg.Port >= 0 {
		for _, b := range s.cfg.Bind {
			ln, err := net.Listen("tcp", net.JoinHostPort(b, strconv.Itoa(s.cfg.Port)))
			if err != nil {
				s.closeListeners()
				return err
			}
			s.lns = append(s.lns, ln)
		}
	}
	if p := s.cfg.UnixSocket; p != "" {
		_ = os.Remove(p)
		ln, err := net.Listen("unix", p)
		if err != nil {
			s.closeListeners()
			return err
		}
		if err := os.Chmod(p, s.cfg.UnixSocketPerm); err != nil {
			s.closeListeners()
			return err
		}
		s.lns = append(s.lns, ln)
	}
	return nil
}

// Addrs are the addresses actually listened on (useful with port 0).
func (s *Server) Addrs() []net.Addr {
	out := make([]net.Addr, len(s.lns))
	for i, ln := range s.lns {
		out[i] = ln.Addr()
	}
	return out
}

// Serve accepts connections until Shutdown, then waits for every connection
// to finish.
func (s *Server) Serve() error {
	var wg sync.WaitGroup
	for _, ln := range s.lns {
		wg.Add(1)
		go func(ln net.Listener) {
			defer wg.Done()
			s.accept(ln)
		}(ln)
	}
	wg.Wait()
	s.wg.Wait()
	return nil
}

func (s *Server) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			s.log.Error("accept", "err", err)
			return
		}
		if !s.track(c) {
			_ = c.Close()
			return
		}
		go s.serve(c)
	}
}

// ServeConn serves one connection the caller accepted (or made, such as one
// end of a net.Pipe) as if it came from a listener: the same admission checks,
// then commands until the connection ends. It returns when the connection is
// closed, and the connection counts as in flight for Shutdown.
func (s *Server) ServeConn(c net.Conn) {
	if !s.track(c) {
		_ = c.Close()
		return
	}
	s.serve(c)
}

// track registers c as in flight, unless the server is shutting down.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return false
	default:
	}
	s.conn[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// deniedMsg is Redis 7.0's protected-mode refusal, byte for byte (its typo included).
const deniedMsg = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// admit makes the checks Redis makes before reading a client's first command,
// in its order (maxclients, then protected mode), and registers the client's
// session when it passes. The check and the registration are atomic, so
// clients connecting at once cannot exceed maxclients. A refused client gets
// Redis's error, and nil is returned.
func (s *Server) admit(c net.Conn) *engine.Session {
	refusal, sess := s.register(c)
	if refusal != "" {
		s.e.RejectedConnection()
		// Best effort, as in Redis: the client may already be gone.
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, refusal)
	}
	return sess
}

func (s *Server) register(c net.Conn) (refusal string, sess *engine.Session) {
	cfg := s.e.Config()
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	switch {
	case s.e.ClientCount() >= cfg.MaxClients:
		return "-ERR max number of clients reached\r\n", nil
	case s.cfg.ProtectedMode && s.e.DefaultUserNoPass() && !isLoopback(c.RemoteAddr()):
		return deniedMsg, nil
	}
	info := engine.ConnInfo{Addr: c.RemoteAddr().String(), LAddr: c.LocalAddr().String(), Kill: func() { _ = c.Close() }}
	if _, unix := c.(*net.UnixConn); unix {
		info.Addr, info.LAddr = s.cfg.UnixSocket+":0", s.cfg.UnixSocket+":0"
	}
	return "", s.e.NewSession(info, true)
}

// isLoopback reports whether a client address is local: a loopback IP, or not
// an IP address at all (Unix sockets), as Redis's connIsLocal.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return !ok || ta.IP.IsLoopback()
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
	sess := s.admit(c)
	if sess == nil {
		return
	}
	defer sess.Close()
	// proto-max-bulk-len is the engine's setting, which CONFIG SET changes:
	// a new connection takes its current value.
	lim := s.cfg.Limits
	lim.MaxBulkLen = s.e.Config().ProtoMaxBulkLen
	cr := &connReader{s: s, c: c, sess: sess, last: time.Now()}
	r := protocol.NewReader(cr, lim)
	w := protocol.NewWriter(c, 2)
	var msgs []engine.Message
	// drain writes the pub/sub messages waiting for this client after the
	// replies already buffered.
	drain := func() {
		msgs = sess.TakeMessages(msgs)
		for i := range msgs {
			engine.WriteMessage(w, &msgs[i])
		}
		clear(msgs)
	}
	cr.wake = func() error { drain(); return w.Flush() }
	sess.EnablePush(cr.interrupt, true)
	sess.SetBlockHook(cr.watchWhileBlocked)
	for {
		if r.Buffered() == 0 && s.shuttingDown() {
			_ = w.Flush()
			return
		}
		// Redis applies smaller request limits until the client authenticates.
		r.SetUnauthenticated(!sess.Authenticated())
		argv, err := r.ReadCommand()
		if err != nil {
			var pe *protocol.ProtocolError
			if errors.As(err, &pe) {
				w.Error(pe.Error())
			}
			_ = w.Flush()
			return
		}
		if sess.Closing() {
			// Killed (CLIENT KILL) while commands were still buffered: as
			// in Redis, none of them runs.
			return
		}
		s.e.Exec(sess, argv, w)
		if sess.PendingMessages() {
			drain()
		}
		if sess.Closing() {
			_ = w.Flush()
			return
		}
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

// connReader reads a client's requests and enforces the idle timeout (engine
// Timeout) with read deadlines. The timeout is read afresh whenever a
// deadline fires, so CONFIG SET timeout applies to clients already waiting,
// as Redis's cron check does: a deadline that fires before the client has
// really been idle for the current timeout is moved, not obeyed. Shutdown
// wakes every connection by setting its deadline to now; that one is obeyed.
//
// Pub/sub messages arriving while the connection waits for a request wake it
// the same way (interrupt sets the deadline to now): Read then writes them out
// (wake) and goes back to reading. Subscribed clients are never idle, as in
// Redis.
type connReader struct {
	s        *Server
	c        net.Conn
	sess     *engine.Session
	wake     func() error // writes pending pub/sub messages
	last     time.Time    // when data last arrived: idleness is measured from it
	deadline time.Time    // the read deadline set, zero for none
	fired    bool         // the deadline set has passed
	// stash holds bytes read while a command was blocked (watchWhileBlocked),
	// returned before anything else.
	stash []byte
}

// interrupt wakes the connection's goroutine out of a read: messages are
// waiting for it. It runs in the publisher's goroutine.
func (r *connReader) interrupt() { _ = r.c.SetReadDeadline(time.Now()) }

func (r *connReader) Read(p []byte) (int, error) {
	if len(r.stash) > 0 {
		n := copy(p, r.stash)
		r.stash = r.stash[n:]
		return n, nil
	}
	for {
		if r.s.shuttingDown() {
			return 0, net.ErrClosed
		}
		want := time.Time{}
		if t := r.s.e.Config().Timeout; t > 0 && !r.sess.Subscribed() {
			want = r.last.Add(time.Duration(t) * time.Second)
		}
		if r.fired || !want.Equal(r.deadline) {
			_ = r.c.SetReadDeadline(want)
			r.deadline, r.fired = want, false
			// Shutdown closes done before it sets the deadlines: if it has
			// started, ours may have replaced its wake-up.
			if r.s.shuttingDown() {
				return 0, net.ErrClosed
			}
		}
		// A message that arrived before our deadline was set interrupted
		// nothing: look for it now (one arriving later interrupts the read).
		if r.sess.PendingMessages() {
			if err := r.wake(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := r.c.Read(p)
		if n > 0 {
			r.last = time.Now()
			return n, err
		}
		var ne net.Error
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			return n, err
		}
		// A deadline fired: Shutdown's, a real idle timeout, a message's
		// interrupt, or one made stale by a timeout change. The loop tells
		// them apart.
		r.fired = true
		if t := r.s.e.Config().Timeout; t > 0 && !r.sess.Subscribed() && !time.Now().Before(r.last.Add(time.Duration(t)*time.Second)) {
			return 0, err
		}
	}
}

// watchWhileBlocked is the session's block hook: while a command blocks
// (BLPOP...), a goroutine keeps reading the connection so that a client that
// disconnects ends the wait (gone is closed), as Redis notices a closed
// socket of a blocked client. Bytes the client pipelines meanwhile are
// stashed for the reader. Pub/sub messages (a RESP3 client may block while
// subscribed) are written out as they arrive, as Redis does: the
// connection's goroutine is parked until stop, so the writer is free. A
// shutdown ends the wait too. stop ends the goroutine before the
// connection's goroutine writes or reads again.
func (r *connReader) watchWhileBlocked() (gone <-chan struct{}, stop func()) {
	g, done := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	stopping := false
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := r.c.Read(buf)
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
			if errors.As(err, &ne) && ne.Timeout() && !r.s.shuttingDown() {
				// A message's interrupt or an idle deadline: blocked
				// clients are not idle.
				_ = r.c.SetReadDeadline(time.Time{})
				mu.Unlock()
				if !r.sess.PendingMessages() || r.wake() == nil {
					continue
				}
			} else {
				mu.Unlock()
			}
			close(g)
			return
		}
	}()
	return g, func() {
		mu.Lock()
		stopping = true
		_ = r.c.SetReadDeadline(time.Now())
		mu.Unlock()
		<-done
		r.fired = true // Read sets its own deadline again
	}
}

func (s *Server) shuttingDown() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Shutdown stops accepting, wakes every connection so it finishes the
// commands it has read, flushes their replies and closes, and waits for them.
// If ctx ends first (a client not reading its replies), it closes the
// remaining connections and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() {
		s.mu.Lock()
		close(s.done)
		for c := range s.conn {
			_ = c.SetReadDeadline(time.Now())
		}
		s.mu.Unlock()
		s.closeListeners()
	})
	ch := make(chan struct{})
	go func() { s.wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		// Out of patience (a client that does not read its replies): close
		// what is left so that Serve returns.
		s.mu.Lock()
		for c := range s.conn {
			_ = c.Close()
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *Server) closeListeners() {
	for _, ln := range s.lns {
		_ = ln.Close()
	}
	if s.cfg.UnixSocket != "" {
		_ = os.Remove(s.cfg.UnixSocket)
	}
}

// BindIsLoopback reports whether every bind address is a loopback address.
func BindIsLoopback(bind []string) bool {
	for _, b := range bind {
		ip := net.ParseIP(strings.TrimPrefix(b, "-"))
		if ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}
