package cacheetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/server"
)

// Options adjusts the engine Run starts; the zero value is what Run uses.
type Options struct {
	// Databases is how many databases SELECT can address (default 16).
	Databases int
	// NotifyKeyspaceEvents enables keyspace notifications, with Redis's
	// class letters ("KEA" for all).
	NotifyKeyspaceEvents string
}

// Server is one isolated engine with its listener, in-process DB and clock.
// Its methods may be called from any goroutine.
type Server struct {
	e     *engine.Engine
	srv   *server.Server
	db    *cachee.DB
	addr  string
	clock clock
	once  sync.Once
}

// Run starts an engine with a listener on a free loopback port and stops
// both when the test and its subtests end (t.Cleanup). It fails the test
// if the listener cannot be opened.
func Run(t testing.TB) *Server { return RunOptions(t, Options{}) }

// RunOptions is Run with settings.
func RunOptions(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{}
	s.e = engine.New(engine.Config{
		Databases:            opts.Databases,
		NotifyKeyspaceEvents: opts.NotifyKeyspaceEvents, Now: s.clock.now,
	})
	s.srv = server.New(s.e, server.Config{Port: 0, Bind: []string{"127.0.0.1"}})
	if err := s.srv.Listen(); err != nil {
		s.e.Close()
		t.Fatalf("cacheetest: %v", err)
	}
	go s.srv.Serve()
	s.addr = s.srv.Addrs()[0].String()
	s.db = cachee.Wrap(s.e, 0)
	t.Cleanup(s.Close)
	return s
}

// Addr is the listener's "127.0.0.1:port", for go-redis's Options.Addr,
// rueidis's InitAddress or redis-cli -p.
func (s *Server) Addr() string { return s.addr }

// DB is the engine's database 0 in-process, for arranging and checking
// state without a client. Use DB().Conn() for SELECT, or
// cachee.Wrap(s.Engine(), n) for database n; use s.Dialer rather than
// DB().Dialer, so that in-memory clients are this server's clients.
func (s *Server) DB() *cachee.DB { return s.db }

// Engine is the engine itself, for what the DB does not cover (its
// configuration, client counts).
func (s *Server) Engine() *engine.Engine { return s.e }

// Dialer connects go-redis (Options.Dialer) through memory instead of the
// listener; the server serves those clients beside its TCP ones.
func (s *Server) Dialer() cachee.DialFunc { return cachee.ServerDialer(s.srv) }

// FlushAll deletes every key of every database, as FLUSHALL, between the
// steps of a test.
func (s *Server) FlushAll() {
	if _, err := s.db.Do(context.Background(), "FLUSHALL"); err != nil {
		panic("cacheetest: FLUSHALL: " + err.Error())
	}
}

// Close stops the server: its clients are disconnected and later ones are
// refused. Cleanup calls it; calling it earlier tests a client's handling
// of a server that went away.
func (s *Server) Close() {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
		s.e.Close()
	})
}

// Now is the engine's current time.
func (s *Server) Now() time.Time { return s.clock.now() }

// FastForward moves the engine's clock forward by d: keys whose TTL ran out
// in that time are expired for every client at once.
func (s *Server) FastForward(d time.Duration) { s.clock.shift(d) }

// SetTime moves the engine's clock to t (forward or back); it keeps running
// from there unless frozen.
func (s *Server) SetTime(t time.Time) { s.clock.shift(t.Sub(s.clock.now())) }

// Freeze stops the clock at its current time, so that a TTL set now reads
// back exactly; FastForward and SetTime still move it.
func (s *Server) Freeze() { s.clock.freeze() }

// clock is real time plus an offset, or a fixed time once frozen.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen bool
	at     time.Time // the time while frozen
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.at
	}
	return time.Now().Add(c.offset)
}

func (c *clock) shift(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	c.at = c.at.Add(d)
}

func (c *clock) freeze() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen {
		c.frozen, c.at = true, time.Now().Add(c.offset)
	}
}
