// Command cachee serves a cachee engine to Redis clients and benchmarks it.
//
//	cachee serve [--port 6379] [--bind 127.0.0.1] [--requirepass ...] [--aclfile users.acl] [--config redis.conf]
//	cachee bench [-h host -p port | -s socket] [-t tests | --scenario name | -- CMD ARGS...]
//	cachee version
//
// serve logs with log/slog to stderr (--log-format text or json, --loglevel
// as redis-server's). A command-line mistake ends with one line on stderr,
// "cachee: ...", and exit status 1.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/lua"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "cachee",
		Short:         "An embeddable, Redis-compatible in-memory data engine",
		Version:       versionNumber(version, readBuildInfo()),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), benchCmd(), versionCmd())
	if err := root.Execute(); err != nil {
		if !errors.Is(err, errLogged) {
			fmt.Fprintln(os.Stderr, "cachee:", err)
		}
		os.Exit(1)
	}
}

// errLogged is returned by a command that has already logged why it failed.
var errLogged = errors.New("failed (logged)")

// serveOptions mirror redis-server's settings of the same names.
type serveOptions struct {
	port           int
	bind           string
	unixSocket     string
	unixSocketPerm string
	requirePass    string
	aclFile        string
	databases      int
	maxClients     int
	timeout        int
	protectedMode  string
	logLevel       string
	logFormat      string
	cpuProfile     string
	protoMaxBulk   string
	queryBufLimit  string
	tcpKeepAlive   int
	outputLimits   []string // client-output-buffer-limit, one class or more per entry
	tlsPort        int
	tlsCertFile    string
	tlsKeyFile     string
	tlsCACertFile  string
	tlsAuthClients string
	// settings holds the engine settings that have no field above, by
	// name: each is a flag and a directive, applied with CONFIG SET.
	settings map[string]*string
}

func serveCmd() *cobra.Command {
	o := serveOptions{}
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve RESP2/RESP3 on TCP (127.0.0.1:6379 by default) and optionally a Unix socket",
		Long:  serveLong,
		Example: `  cachee serve                                   # 127.0.0.1:6379, protected mode
  cachee serve --port 7000 --requirepass s3cret --bind "0.0.0.0"
  cachee serve --unixsocket /tmp/cachee.sock --port 0  # Unix socket only
  cachee serve --config /etc/cachee.conf --loglevel debug --log-format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configFile != "" {
				if err := applyConfigFile(cmd, &o, configFile); err != nil {
					return err
				}
			}
			return serve(o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.port, "port", 6379, "TCP port (0 disables TCP, as in Redis)")
	f.StringVar(&o.bind, "bind", "127.0.0.1", "space-separated addresses to listen on")
	f.StringVar(&o.unixSocket, "unixsocket", "", "also listen on this Unix socket path")
	f.StringVar(&o.unixSocketPerm, "unixsocketperm", "700", "octal permissions of the Unix socket")
	f.StringVar(&o.requirePass, "requirepass", "", "password clients must AUTH with")
	f.StringVar(&o.aclFile, "aclfile", "", "ACL users file (Redis format), loaded at start and by ACL LOAD, written by ACL SAVE")
	f.IntVar(&o.databases, "databases", 16, "number of databases")
	f.IntVar(&o.maxClients, "maxclients", 10000, "maximum number of connected clients")
	f.IntVar(&o.timeout, "timeout", 0, "close clients idle for this many seconds (0 = never)")
	f.StringVar(&o.protectedMode, "protected-mode", "yes", "refuse non-loopback clients while no password is set (yes/no)")
	f.StringVar(&o.logLevel, "loglevel", "notice", "debug, verbose, notice, warning or nothing")
	f.StringVar(&o.logFormat, "log-format", "text", "text (key=value) or json lines, on stderr")
	f.StringVar(&o.protoMaxBulk, "proto-max-bulk-len", "512mb", "largest accepted string argument")
	f.StringVar(&o.queryBufLimit, "client-query-buffer-limit", "1gb", "largest pending query per client")
	f.IntVar(&o.tcpKeepAlive, "tcp-keepalive", 300, "seconds of silence before TCP keepalive probes (0 = off)")
	f.StringArrayVar(&o.outputLimits, "client-output-buffer-limit", nil,
		`"<class> <hard> <soft> <soft-seconds>" for class normal, replica or pubsub (repeatable)`)
	f.IntVar(&o.tlsPort, "tls-port", 0, "also accept TLS connections on this port (0 = none)")
	f.StringVar(&o.tlsCertFile, "tls-cert-file", "", "server certificate (PEM) for the TLS port")
	f.StringVar(&o.tlsKeyFile, "tls-key-file", "", "private key (PEM) of the server certificate")
	f.StringVar(&o.tlsCACertFile, "tls-ca-cert-file", "", "CA bundle (PEM) client certificates are verified against")
	f.StringVar(&o.tlsAuthClients, "tls-auth-clients", "yes", "client certificates on the TLS port: yes (required), optional or no")
	f.StringVar(&configFile, "config", "", "redis.conf-style file (flags given on the command line win)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the server to this file until it stops (for go tool pprof)")
	// Every other engine setting CONFIG SET knows is a flag (and so a
	// directive) too.
	o.settings = map[string]*string{}
	engineGroup := flagGroup{"Engine settings (as CONFIG SET)", nil}
	for _, st := range engine.SettableSettings() {
		for _, name := range []string{st.Name, st.Alias} {
			if name != "" && f.Lookup(name) == nil {
				o.settings[name] = f.String(name, st.Default, "as CONFIG SET "+name+" (see docs/configuration.md)")
				engineGroup.flags = append(engineGroup.flags, name)
			}
		}
	}
	groupFlags(cmd, append(serveGroups[:len(serveGroups):len(serveGroups)], engineGroup))
	return cmd
}

const serveLong = `Serve the engine to Redis clients (redis-cli, go-redis, rueidis...) over
RESP2 and RESP3, on TCP and optionally a Unix socket.

Every flag is also a redis.conf directive of the same name for --config
("port 7000", "requirepass s3cret"); a flag given on the command line wins
over the file. SIGINT or SIGTERM (and the SHUTDOWN command) stop accepting,
finish the commands already read, flush their replies and exit.`

// serveGroups sorts serve's flags for --help.
var serveGroups = []flagGroup{
	{"Network", []string{"port", "bind", "unixsocket", "unixsocketperm", "protected-mode", "tcp-keepalive"}},
	{"TLS", []string{"tls-port", "tls-cert-file", "tls-key-file", "tls-ca-cert-file", "tls-auth-clients"}},
	{"Security", []string{"requirepass", "aclfile"}},
	{"Clients and limits", []string{"maxclients", "timeout", "proto-max-bulk-len", "client-query-buffer-limit", "client-output-buffer-limit"}},
	{"Data", []string{"databases"}},
	{"Logging", []string{"loglevel", "log-format"}},
	{"Configuration", []string{"config"}},
	{"Diagnostics", []string{"cpuprofile"}},
}

// applyConfigFile reads redis.conf syntax ("directive arg ...", # comments)
// for the settings serve has; flags set on the command line take precedence.
func applyConfigFile(cmd *cobra.Command, o *serveOptions, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		name, args := strings.ToLower(fields[0]), fields[1:]
		flag := cmd.Flags().Lookup(name)
		if flag == nil || len(args) == 0 {
			return fmt.Errorf("%s:%d: unsupported directive %q", path, n, fields[0])
		}
		if flag.Changed {
			continue
		}
		val := strings.Join(args, " ")
		if len(args) == 1 {
			val = strings.Trim(val, `"`)
		}
		if err := flag.Value.Set(val); err != nil {
			return fmt.Errorf("%s:%d: %s: %v", path, n, name, err)
		}
	}
	return sc.Err()
}

func serve(o serveOptions) error {
	log, err := newLogger(os.Stderr, o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	perm, err := strconv.ParseUint(o.unixSocketPerm, 8, 32)
	if err != nil {
		return fmt.Errorf("invalid unixsocketperm %q", o.unixSocketPerm)
	}
	lim := protocol.DefaultLimits()
	if lim.MaxBulkLen, err = parseSize(o.protoMaxBulk); err != nil {
		return err
	}
	if lim.MaxQueryBuffer, err = parseSize(o.queryBufLimit); err != nil {
		return err
	}
	bind := strings.Fields(o.bind)
	port := o.port
	if port == 0 {
		port = -1 // Redis: port 0 means no TCP listener
	}
	var tlsCfg *tls.Config
	if o.tlsPort > 0 {
		files := server.TLSFiles{CertFile: o.tlsCertFile, KeyFile: o.tlsKeyFile, CACertFile: o.tlsCACertFile, AuthClients: o.tlsAuthClients}
		if tlsCfg, err = files.Config(); err != nil {
			return fmt.Errorf("Failed to configure TLS: %w", err)
		}
	}
	// Like redis-server, make room in the open-file limit for maxclients,
	// or serve fewer clients.
	if n := server.FileLimitClients(o.maxClients); n < o.maxClients {
		log.Warn(fmt.Sprintf("maxclients has been reduced to %d to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.", n))
		o.maxClients = n
	}
	keepAlive := o.tcpKeepAlive
	if keepAlive == 0 {
		keepAlive = -1 // engine.Config: zero is the default, negative off
	}
	e := engine.New(engine.Config{
		Databases: o.databases, RequirePass: o.requirePass, MaxClients: o.maxClients, ClientLimit: server.FileLimitClients,
		Timeout: o.timeout, ProtoMaxBulkLen: lim.MaxBulkLen, ClientQueryBufferLimit: lim.MaxQueryBuffer,
		TCPKeepAlive: keepAlive, Port: o.port, Bind: o.bind, Logger: log, ACLFile: o.aclFile,
	})
	defer e.Close()
	if o.aclFile != "" {
		if err := e.LoadACLFile(); err != nil {
			return fmt.Errorf("aborting startup because of ACL errors: %v", err)
		}
	}
	lua.Attach(e, lua.Options{})
	if err := o.applySettings(e); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	srv := server.New(e, server.Config{
		Port: port, Bind: bind, UnixSocket: o.unixSocket, UnixSocketPerm: os.FileMode(perm),
		ProtectedMode: o.protectedMode == "yes", Limits: lim, Logger: log, TLS: tlsCfg, TLSPort: o.tlsPort,
	})
	if err := srv.Listen(); err != nil {
		log.Error("cannot listen", "err", err)
		return errLogged
	}
	log.Debug("configuration", "databases", o.databases, "maxclients", o.maxClients, "timeout", o.timeout,
		"protected-mode", o.protectedMode, "proto-max-bulk-len", lim.MaxBulkLen, "client-query-buffer-limit", lim.MaxQueryBuffer,
		"requirepass", o.requirePass != "")
	// Start-up (the command table, the Lua libraries, the flags) leaves
	// garbage that the runtime would return to the OS only slowly: return
	// it now, so an idle server's RSS is what it holds.
	debug.FreeOSMemory()
	for _, a := range srv.Addrs() {
		log.Info("cachee ready to accept connections", "addr", a.String())
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		log.Info("received signal, shutting down", "signal", s.String())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	err = srv.Serve()
	log.Info("cachee is now ready to exit, bye bye")
	return err
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// applySettings applies, with CONFIG SET's syntax and checks, the settings
// given as flags or directives that have no dedicated field: each
// client-output-buffer-limit, and every engine setting changed from its
// default.
func (o *serveOptions) applySettings(e *engine.Engine) error {
	admin := e.NewSession(engine.ConnInfo{}, false)
	defer admin.Close()
	set := func(name, value string) error {
		w := engine.NewCapture(2)
		e.Exec(admin, [][]byte{[]byte("CONFIG"), []byte("SET"), []byte(name), []byte(value)}, w)
		if r := w.Replies(); len(r) == 1 && r[0].Kind == engine.KindError {
			return fmt.Errorf("%s %q: %s", name, value, strings.TrimPrefix(r[0].Str, "ERR "))
		}
		return nil
	}
	for _, v := range o.outputLimits {
		if err := set("client-output-buffer-limit", v); err != nil {
			return err
		}
	}
	defaults := map[string]string{}
	for _, st := range engine.SettableSettings() {
		defaults[st.Name], defaults[st.Alias] = st.Default, st.Default
	}
	for name, v := range o.settings {
		if *v != defaults[name] {
			if err := set(name, *v); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseSize reads "512mb", "1gb", "1048576" as redis.conf does.
func parseSize(s string) (int64, error) {
	n, ok := engine.ParseMemory(s)
	if !ok || n < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n, nil
}
