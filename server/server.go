package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
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
	// ProtectedMode refuses non-loopback clients while no password is set,
	// as Redis's protected-mode yes does.
	ProtectedMode bool
	// Limits are the protocol limits applied to every connection.
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
		s.mu.Lock()
		s.conn[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.handle(c)
	}
}

// deniedMsg is Redis's protected-mode refusal, byte for byte.
const deniedMsg = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// refuse answers the checks Redis makes before reading a client's first
// command: protected mode and maxclients. It reports whether c was refused.
func (s *Server) refuse(c net.Conn) bool {
	cfg := s.e.Config()
	if s.cfg.ProtectedMode && cfg.RequirePass == "" && !isLoopback(c.RemoteAddr()) {
		_, _ = io.WriteString(c, deniedMsg)
		return true
	}
	if s.e.ClientCount() >= cfg.MaxClients {
		_, _ = io.WriteString(c, "-ERR max number of clients reached\r\n")
		s.e.RejectedConnection()
		return true
	}
	return false
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return !ok || ta.IP.IsLoopback()
}

func (s *Server) handle(c net.Conn) {
	defer func() {
		s.mu.Lock()
		delete(s.conn, c)
		s.mu.Unlock()
		_ = c.Close()
		s.wg.Done()
	}()
	if s.refuse(c) {
		return
	}
	info := engine.ConnInfo{Addr: c.RemoteAddr().String(), LAddr: c.LocalAddr().String(), Kill: func() { _ = c.Close() }}
	if _, unix := c.(*net.UnixConn); unix {
		info.Addr, info.LAddr = s.cfg.UnixSocket+":0", s.cfg.UnixSocket+":0"
	}
	sess := s.e.NewSession(info, true)
	defer sess.Close()
	r := protocol.NewReader(c, s.cfg.Limits)
	w := protocol.NewWriter(c, 2)
	for {
		if t := s.e.Config().Timeout; t > 0 && r.Buffered() == 0 {
			_ = c.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
		}
		argv, err := r.ReadCommand()
		if err != nil {
			var pe *protocol.ProtocolError
			if errors.As(err, &pe) {
				w.Error(pe.Error())
			}
			_ = w.Flush()
			return
		}
		s.e.Exec(sess, argv, w)
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

// Shutdown stops accepting, wakes every connection so it flushes its pending
// replies and closes, and waits for them until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() {
		close(s.done)
		s.closeListeners()
		s.mu.Lock()
		for c := range s.conn {
			_ = c.SetReadDeadline(time.Now())
		}
		s.mu.Unlock()
	})
	ch := make(chan struct{})
	go func() { s.wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
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
