// Command cachee serves a cachee engine to Redis clients and benchmarks it.
//
//	cachee serve [--port 6379] [--bind 127.0.0.1] [--requirepass ...] [--aclfile users.acl] [--config redis.conf]
//	cachee bench [-h host -p port | -s socket] [-t tests | --scenario name | -- CMD ARGS...]
package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
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
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), benchCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "cachee:", err)
		os.Exit(1)
	}
}

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
	protoMaxBulk   string
	queryBufLimit  string
}

func serveCmd() *cobra.Command {
	o := serveOptions{}
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve RESP2/RESP3 on TCP (127.0.0.1:6379 by default) and optionally a Unix socket",
		Args:  cobra.NoArgs,
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
	f.StringVar(&o.logLevel, "loglevel", "notice", "debug, verbose, notice or warning")
	f.StringVar(&o.protoMaxBulk, "proto-max-bulk-len", "512mb", "largest accepted string argument")
	f.StringVar(&o.queryBufLimit, "client-query-buffer-limit", "1gb", "largest pending query per client")
	f.StringVar(&configFile, "config", "", "redis.conf-style file (flags given on the command line win)")
	return cmd
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
	level := map[string]slog.Level{"debug": slog.LevelDebug, "verbose": slog.LevelDebug, "notice": slog.LevelInfo, "warning": slog.LevelWarn}
	lv, ok := level[o.logLevel]
	if !ok {
		return fmt.Errorf("invalid loglevel %q", o.logLevel)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
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
	e := engine.New(engine.Config{
		Databases: o.databases, RequirePass: o.requirePass, MaxClients: o.maxClients,
		Timeout: o.timeout, ProtoMaxBulkLen: lim.MaxBulkLen, Port: o.port, Bind: o.bind,
		ACLFile: o.aclFile,
	})
	defer e.Close()
	if o.aclFile != "" {
		if err := e.LoadACLFile(); err != nil {
			return fmt.Errorf("aborting startup because of ACL errors: %v", err)
		}
	}
	lua.Attach(e, lua.Options{})
	srv := server.New(e, server.Config{
		Port: port, Bind: bind, UnixSocket: o.unixSocket, UnixSocketPerm: os.FileMode(perm),
		ProtectedMode: o.protectedMode == "yes", Limits: lim, Logger: log,
	})
	if err := srv.Listen(); err != nil {
		return err
	}
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

// parseSize reads "512mb", "1gb", "1048576" as redis.conf does.
func parseSize(s string) (int64, error) {
	n, ok := engine.ParseMemory(s)
	if !ok || n < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n, nil
}
