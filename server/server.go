package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
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
	// TLS, when set, makes the server also listen for TLS connections on
	// TLSPort at every Bind address (0 picks a free port), served like the
	// others once the handshake is done. TLSFiles builds it from Redis's
	// tls-* settings.
	TLS     *tls.Config
	TLSPort int
	// Limits are the protocol limits applied to every connection, except
	// MaxBulkLen and MaxQueryBuffer: connections follow the engine's
	// ProtoMaxBulkLen and ClientQueryBufferLimit, which CONFIG SET changes
	// for connected clients too.
	Limits protocol.Limits
	// Logger receives connection errors and lifecycle messages.
	Logger *slog.Logger
}

// testConnHook, when set (by tests), sees every accepted connection first.
var testConnHook func(net.Conn)

// Server serves one engine over RESP on TCP and Unix sockets: one goroutine
// per connection, which parses every command already buffered, executes them
// in order and flushes the replies once per batch (pipelining).
type Server struct {
	e    *engine.Engine
	cfg  Config
	log  *slog.Logger
	lns  []net.Listener
	tls  []net.Listener // the TLS listeners, also in lns
	mu   sync.Mutex
	conn map[net.Conn]struct{}
	wg   sync.WaitGroup
	done chan struct{}
	once sync.Once
	// admitMu makes the maxclients check and the registration one step.
	admitMu sync.Mutex
	// unhook removes the server's SHUTDOWN hook from the engine.
	unhook func()
	// abandoned is set when Shutdown runs out of patience: connections stop
	// executing the commands they have read.
	abandoned atomic.Bool
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
	s.unhook = e.AddShutdownHook(func() { _ = s.Shutdown(context.Background()) })
	return s
}

// Listen opens every configured listener.
func (s *Server) Listen() error {
	// Accepted connections get tcp-keepalive's settings, not Go's default.
	lc := net.ListenConfig{KeepAlive: -1}
	listen := func(port int, tc *tls.Config) error {
		for _, b := range s.cfg.Bind {
			ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort(b, strconv.Itoa(port)))
			if err != nil {
				s.closeListeners()
				return err
			}
			if tc != nil {
				ln = tls.NewListener(ln, tc)
				s.tls = append(s.tls, ln)
			}
			s.lns = append(s.lns, ln)
		}
		return nil
	}
	if s.cfg.Port >= 0 {
		if err := listen(s.cfg.Port, nil); err != nil {
			return err
		}
	}
	if s.cfg.TLS != nil {
		if err := listen(s.cfg.TLSPort, s.cfg.TLS); err != nil {
			return err
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

// TLSAddrs are the addresses of the TLS listeners.
func (s *Server) TLSAddrs() []net.Addr {
	out := make([]net.Addr, len(s.tls))
	for i, ln := range s.tls {
		out[i] = ln.Addr()
	}
	return out
}

// Serve accepts connections until Shutdown, then waits for every connection
// to finish.
func (s *Server) Serve() error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.watchTimeout()
	}()
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
func (s *Server) admit(cn *conn) *engine.Session {
	c := cn.c
	refusal, sess := s.register(cn)
	if refusal != "" {
		s.e.RejectedConnection()
		// Best effort, as in Redis: the client may already be gone.
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(c, refusal)
	}
	return sess
}

func (s *Server) register(cn *conn) (refusal string, sess *engine.Session) {
	c := cn.c
	cfg := s.e.Config()
	s.admitMu.Lock()
	defer s.admitMu.Unlock()
	switch {
	case s.e.ClientCount() >= cfg.MaxClients:
		return "-ERR max number of clients reached\r\n", nil
	case s.cfg.ProtectedMode && s.e.DefaultUserNoPass() && !isLoopback(c.RemoteAddr()):
		return deniedMsg, nil
	}
	info := engine.ConnInfo{Addr: c.RemoteAddr().String(), LAddr: c.LocalAddr().String(), Kill: cn.kill}
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

// watchTimeout wakes every waiting connection when CONFIG SET changes the
// idle timeout, so that each sets its deadline for the new value (Redis's
// cron applies a new timeout to connected clients within a second).
func (s *Server) watchTimeout() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	timeout := s.e.Settings().Timeout
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if n := s.e.Settings().Timeout; n != timeout {
			timeout = n
			s.mu.Lock()
			for c := range s.conn {
				_ = c.SetReadDeadline(time.Now())
			}
			s.mu.Unlock()
		}
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
		s.unhook()
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
		s.abandoned.Store(true)
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
