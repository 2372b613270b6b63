package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// benchOptions are `cachee bench`'s flags, named as redis-benchmark's where
// the two overlap.
type benchOptions struct {
	host     string
	port     int
	socket   string
	password string
	user     string
	dbnum    int
	resp3    bool

	inprocess bool
	api       string
	shards    int

	clients   int
	requests  int
	pipeline  int
	dataSize  int
	keyspace  int64
	tests     string
	scenarios string
	duration  time.Duration
	compare   string
	seed      uint64

	quiet, csv, json bool
	cpuprofile       string

	command []string // custom command mode
	// changed reports whether a flag was given on the command line.
	changed func(name string) bool
}

const benchLong = `Benchmark cachee, or any Redis-compatible server, the way redis-benchmark does.

Target: with none of -h, -p or -s the benchmark runs against an in-process
cachee engine (no socket at all: each client is a goroutine with its own
session calling the engine directly); --inprocess says so explicitly.
-h/-p select a TCP server, -s a Unix socket. --compare ADDR runs the same
plan against a second target (host:port, a port, unix:/path or inprocess),
alternating test by test, and prints both with the ratio A/B.

What runs: by default every -t test in redis-benchmark's order; -t picks some
(get, set, incr, lpush, rpush, lpop, rpop, sadd, spop, hset, zadd, zpopmin,
lrange_100, lrange_300, lrange_500, lrange_600, lrange, mset, ping, evalsha).
--scenario runs application workloads instead (comma-separated):
` + "%s" + `
Or give a command after the flags (after -- when it has dashes):
  cachee bench -r 100000 -- ZADD lb __rand_int__ m:__rand_int__
With -r every __rand_int__ becomes a 12-digit random number below -r, drawn
anew per occurrence (as redis-benchmark does); __data__ becomes the -d value.

Requests counted are requests of the workload: one scenario request may be
several commands (ratelimit: INCR + EXPIRE), sent together. Latency is from
the moment a request's pipeline batch is sent until its last reply, recorded
in an HDR histogram (p50 p90 p99 p99.9 max). A reply that is an error counts
the request as failed; errors are reported per command with the first text.`

func benchCmd() *cobra.Command { return newBenchCmd(&benchOptions{}) }

// newBenchCmd binds the flags to o; tests parse flags with it.
func newBenchCmd(o *benchOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench [flags] [-- COMMAND ARGS...]",
		Short: "Benchmark cachee in-process, or any Redis-compatible server over TCP or a Unix socket",
		Long:  fmt.Sprintf(benchLong, scenarioHelp()),
		Example: `  cachee bench -t set,get -n 1000000 -c 2                  # in-process engine
  cachee bench -p 6379 -t set,get -P 16 -q                 # a server on 127.0.0.1:6379
  cachee bench -s /tmp/redis.sock --scenario ratelimit,session --json
  cachee bench -p 7812 --compare 7811 -t set,get,incr       # two servers side by side`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.bind(cmd, args)
			out := cmd.OutOrStdout()
			return runBench(o, out, isTerminal(out))
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.Bool("help", false, "help for bench") // frees -h for the host, as in redis-benchmark
	f.StringVarP(&o.host, "host", "h", "127.0.0.1", "server hostname (selects a TCP target)")
	f.IntVarP(&o.port, "port", "p", 6379, "server port (selects a TCP target)")
	f.StringVarP(&o.socket, "socket", "s", "", "server Unix socket (selects a Unix socket target)")
	f.StringVarP(&o.password, "password", "a", "", "password for AUTH")
	f.StringVar(&o.user, "user", "", "user for ACL-style AUTH user password (needs -a)")
	f.IntVar(&o.dbnum, "dbnum", 0, "SELECT this database first")
	f.BoolVarP(&o.resp3, "resp3", "3", false, "speak RESP3 (HELLO 3)")
	f.BoolVar(&o.inprocess, "inprocess", false, "run against an in-process engine (the default without -h/-p/-s)")
	f.StringVar(&o.api, "api", "exec", "in-process entry point: exec (engine.Exec, replies discarded) or do (the root package's Conn.Do)")
	f.IntVar(&o.shards, "shards", 0, "in-process engine shards (0: the engine's default)")
	f.IntVarP(&o.clients, "clients", "c", 50, "parallel clients (connections, or goroutines in-process)")
	f.IntVarP(&o.requests, "requests", "n", 100000, "requests per test")
	f.DurationVar(&o.duration, "duration", 0, "run each test this long (e.g. 10s) instead of -n requests")
	f.IntVarP(&o.pipeline, "pipeline", "P", 1, "pipeline this many requests per round trip")
	f.IntVarP(&o.dataSize, "datasize", "d", 3, "value size in bytes")
	f.Int64VarP(&o.keyspace, "keyspace", "r", 0, "random keys: __rand_int__ below this (0: fixed keys)")
	f.StringVarP(&o.tests, "tests", "t", "", "comma-separated tests to run (default: all)")
	f.StringVar(&o.scenarios, "scenario", "", "comma-separated scenarios to run instead of tests")
	f.StringVar(&o.compare, "compare", "", "also run against this target: host:port, port, unix:/path or inprocess")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "one line per test, as redis-benchmark -q")
	f.BoolVar(&o.csv, "csv", false, "CSV output")
	f.BoolVar(&o.json, "json", false, "JSON output")
	f.Uint64Var(&o.seed, "seed", 1, "random seed (the same seed sends the same keys to every target)")
	f.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the benchmark client (and an in-process engine) to this file")
	groupFlags(cmd, benchGroups)
	return cmd
}

// benchGroups sorts bench's flags for --help.
var benchGroups = []flagGroup{
	{"Target", []string{"host", "port", "socket", "password", "user", "dbnum", "resp3", "inprocess", "api", "shards", "compare"}},
	{"Workload", []string{"tests", "scenario", "clients", "requests", "duration", "pipeline", "datasize", "keyspace", "seed"}},
	{"Output", []string{"quiet", "csv", "json", "cpuprofile"}},
}

// bind records what cobra parsed beyond the flag values.
func (o *benchOptions) bind(cmd *cobra.Command, args []string) {
	o.command = args
	o.changed = func(name string) bool { return cmd.Flags().Changed(name) }
}

func scenarioHelp() string {
	var b strings.Builder
	for _, s := range benchScenarios {
		fmt.Fprintf(&b, "  %-12s %s\n", s.name, s.about)
	}
	return b.String()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// validate checks the flags against each other; every message is one line.
func (o *benchOptions) validate() error {
	switch {
	case o.clients < 1:
		return errors.New("-c must be at least 1")
	case o.requests < 1:
		return errors.New("-n must be at least 1")
	case o.pipeline < 1:
		return errors.New("-P must be at least 1")
	case o.dataSize < 0:
		return errors.New("-d must not be negative")
	case o.keyspace < 0 || o.keyspace >= maxKeyspace:
		return fmt.Errorf("-r must be between 0 and %d", int64(maxKeyspace-1))
	case o.duration < 0:
		return errors.New("--duration must not be negative")
	case o.duration > 0 && o.changed("requests"):
		return errors.New("give -n or --duration, not both")
	case o.port <= 0 || o.port > 65535:
		return fmt.Errorf("-p %d is not a port", o.port)
	case o.user != "" && o.password == "":
		return errors.New("--user needs -a")
	case o.api != "exec" && o.api != "do":
		return fmt.Errorf("--api must be exec or do, not %q", o.api)
	case o.csv && o.json:
		return errors.New("give --csv or --json, not both")
	case o.socket != "" && (o.changed("host") || o.changed("port")):
		return errors.New("give -s or -h/-p, not both")
	case o.inprocess && (o.changed("host") || o.changed("port") || o.socket != ""):
		return errors.New("--inprocess excludes -h, -p and -s")
	case len(o.command) > 0 && (o.tests != "" || o.scenarios != ""):
		return errors.New("give a command, -t or --scenario, not several")
	case o.tests != "" && o.scenarios != "":
		return errors.New("give -t or --scenario, not both")
	}
	return nil
}

// plan builds the workloads to run, in order.
func (o *benchOptions) plan() ([]*workload, error) {
	data := benchData(o.dataSize, o.seed)
	ks := uint64(o.keyspace)
	if len(o.command) > 0 {
		return []*workload{customWorkload(o.command, ks, data)}, nil
	}
	var out []*workload
	if o.scenarios != "" {
		for _, name := range strings.Split(o.scenarios, ",") {
			s, err := findScenario(strings.TrimSpace(name))
			if err != nil {
				return nil, err
			}
			if o.clients < s.minGroup {
				return nil, fmt.Errorf("scenario %s needs -c %d or more (producers and workers)", s.name, s.minGroup)
			}
			sks := s.keyspace
			if o.changed("keyspace") && sks > 0 {
				if ks == 0 {
					return nil, fmt.Errorf("scenario %s needs -r of at least 1", s.name)
				}
				sks = ks
			}
			out = append(out, s.build(sks, data))
		}
		return out, nil
	}
	tests, err := selectTests(o.tests)
	if err != nil {
		return nil, err
	}
	for _, t := range tests {
		out = append(out, t.build(ks, data))
	}
	return out, nil
}

// targets returns the main target and, with --compare, the second one.
func (o *benchOptions) targets() (target, target, error) {
	setup := connSetup{user: o.user, password: o.password, resp3: o.resp3, db: o.dbnum}
	main := o.target(setup)
	if o.compare == "" {
		return main, nil, nil
	}
	network, addr, err := parseAddr(o.compare)
	if err != nil {
		return nil, nil, err
	}
	if network == "inprocess" {
		return main, newInProcess(o.api, o.shards, connSetup{resp3: o.resp3, db: o.dbnum}), nil
	}
	return main, &socketTarget{network: network, addr: addr, setup: setup}, nil
}

func (o *benchOptions) target(setup connSetup) target {
	switch {
	case o.socket != "":
		return &socketTarget{network: "unix", addr: o.socket, setup: setup}
	case o.changed("host") || o.changed("port"):
		return &socketTarget{network: "tcp", addr: net.JoinHostPort(o.host, strconv.Itoa(o.port)), setup: setup}
	}
	return newInProcess(o.api, o.shards, connSetup{resp3: o.resp3, db: o.dbnum})
}

func (o *benchOptions) format() string {
	switch {
	case o.json:
		return "json"
	case o.csv:
		return "csv"
	case o.quiet:
		return "quiet"
	}
	return "text"
}

func runBench(o *benchOptions, out io.Writer, tty bool) error {
	if err := o.validate(); err != nil {
		return err
	}
	workloads, err := o.plan()
	if err != nil {
		return err
	}
	a, b, err := o.targets()
	if err != nil {
		return err
	}
	targets := []target{a}
	if b != nil {
		targets = append(targets, b)
	}
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()
	// Fail before any work when a target is unreachable or refuses us.
	for _, t := range targets {
		c, err := t.connect()
		if err != nil {
			return err
		}
		c.close()
	}
	ro := runOptions{clients: o.clients, pipeline: o.pipeline, requests: o.requests, duration: o.duration, seed: o.seed}
	info := runInfo{Clients: o.clients, Pipeline: o.pipeline, DataSize: o.dataSize, Keyspace: uint64(o.keyspace),
		Scenarios: o.scenarios != ""}
	if o.duration > 0 {
		info.Duration = o.duration.Seconds()
	} else {
		info.Requests = o.requests
	}
	var names []string
	for _, w := range workloads {
		names = append(names, w.name)
	}
	rep := newReport(o.format(), out, info, names)
	if tty && rep.format != "csv" && rep.format != "json" {
		ro.progress = out
	}
	if o.cpuprofile != "" {
		stop, err := startCPUProfile(o.cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	for _, w := range workloads {
		var rs []*result
		for _, t := range targets {
			r, err := runWorkload(t, w, ro)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		rep.add(rs)
	}
	return rep.end()
}
