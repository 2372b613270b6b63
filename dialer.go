package cachee

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachee/cachee/internal/memconn"
	"github.com/cachee/cachee/server"
)

// In-process connections for code written against a Redis client library:
// the client gets a net.Conn whose other end is served by the server
// package's connection code (the one behind `cachee serve`), over an
// in-memory buffer instead of a socket. Everything the client does over TCP
// works the same (RESP3, pipelines, MULTI/EXEC, pub/sub, blocking pops),
// at the cost of RESP encoding and a goroutine hand-off per round trip;
// the typed methods of DB skip both.

// DialFunc has the shape of net.Dialer.DialContext and of go-redis v9's
// Options.Dialer: network and address are ignored, the connection always
// reaches the engine it was made for.
type DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// pipeServer serves the in-memory connections of one DB (and of the Conns
// made from it): created on the first Dial, shut down by Close.
type pipeServer struct {
	mu     sync.Mutex
	srv    *server.Server
	closed bool
}

// Dial returns a new client connection to db's engine, as if a client had
// connected to `cachee serve`. Each connection is a session of its own
// starting on database 0 (a client selects db.DB with SELECT, as over TCP);
// it ends when the client closes it or db is closed (later Dials fail).
//
// The connections are served by a server.Server of their own, created on
// the first Dial without any listener. A SHUTDOWN command received on one
// closes every in-memory connection of db (later ones are closed at once);
// the engine keeps running for the typed methods. For an engine that a
// server.Server already serves, use ServerDialer instead: a second server
// would take over the engine's SHUTDOWN hook.
func (db *DB) Dial(ctx context.Context) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := db.pipes
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, &net.OpError{Op: "dial", Net: "memory", Err: net.ErrClosed}
	}
	if p.srv == nil {
		// Connection errors go where the engine's warnings go.
		p.srv = server.New(db.e, server.Config{Port: -1, Logger: db.e.Config().Logger})
	}
	srv := p.srv
	p.mu.Unlock()
	return dialServer(srv), nil
}

// Dialer returns Dial in the shape go-redis v9 takes as Options.Dialer (and
// UniversalOptions.Dialer, FailoverOptions.Dialer):
//
//	rdb := redis.NewClient(&redis.Options{Dialer: db.Dialer()})
//
// go-redis needs no Addr then; it still sends its usual HELLO 3 and CLIENT
// SETINFO on connect, which cachee answers as Redis does.
func (db *DB) Dialer() DialFunc {
	return func(ctx context.Context, _, _ string) (net.Conn, error) { return db.Dial(ctx) }
}

// DialCtxFn returns Dial in the shape rueidis takes as
// ClientOption.DialCtxFn. rueidis needs an InitAddress (any, say
// "cachee:6379") and DisableCache: true, because cachee does not implement
// CLIENT TRACKING, which rueidis's client-side cache requires (without
// DisableCache, rueidis.NewClient fails with rueidis.ErrNoCache):
//
//	c, err := rueidis.NewClient(rueidis.ClientOption{
//		InitAddress: []string{"cachee:6379"}, DisableCache: true,
//		DialCtxFn: db.DialCtxFn(),
//	})
func (db *DB) DialCtxFn() func(ctx context.Context, addr string, d *net.Dialer, cfg *tls.Config) (net.Conn, error) {
	return func(ctx context.Context, _ string, _ *net.Dialer, _ *tls.Config) (net.Conn, error) {
		return db.Dial(ctx)
	}
}

// ServerDialer returns a DialFunc whose connections srv serves, next to its
// TCP and Unix-socket clients: they count toward its maxclients, CLIENT
// LIST shows them and its Shutdown closes them. Use it rather than
// DB.Dialer when an engine already has a server, so that both kinds of
// client are one server's clients.
func ServerDialer(srv *server.Server) DialFunc {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return dialServer(srv), nil
	}
}

// pipeSeq numbers in-memory connections so that CLIENT LIST tells them
// apart (addr=inprocess:N).
var pipeSeq atomic.Uint64

func dialServer(srv *server.Server) net.Conn {
	n := pipeSeq.Add(1)
	client, served := memconn.Pipe(memconn.Addr{Name: "inprocess:" + strconv.FormatUint(n, 10)},
		memconn.Addr{Name: "inprocess:0"})
	// On the server's side the client is the remote end, as with a socket.
	go srv.ServeConn(served)
	return client
}

// close shuts the in-memory server down; later Dials fail.
func (p *pipeServer) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(ctx)
	}
}
