package main

import (
	"strings"
	"testing"
	"time"
)

// parseBench parses args as `cachee bench` would, without running.
func parseBench(t *testing.T, args ...string) *benchOptions {
	t.Helper()
	o := &benchOptions{}
	cmd := newBenchCmd(o)
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	o.bind(cmd, cmd.Flags().Args())
	return o
}

func TestBenchFlagsAreRedisBenchmarks(t *testing.T) {
	o := parseBench(t, "-h", "10.1.2.3", "-p", "7000", "-a", "pw", "--user", "u", "--dbnum", "3", "-3",
		"-c", "8", "-n", "500", "-P", "16", "-d", "10", "-r", "1000", "-t", "set,get", "-q")
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	if o.host != "10.1.2.3" || o.port != 7000 || o.password != "pw" || o.user != "u" || o.dbnum != 3 || !o.resp3 ||
		o.clients != 8 || o.requests != 500 || o.pipeline != 16 || o.dataSize != 10 || o.keyspace != 1000 ||
		o.tests != "set,get" || !o.quiet {
		t.Fatalf("parsed %+v", *o)
	}
	a, b, err := o.targets()
	if err != nil || b != nil {
		t.Fatal(err)
	}
	st, ok := a.(*socketTarget)
	if !ok || st.String() != "tcp 10.1.2.3:7000" {
		t.Fatalf("target = %v, want tcp 10.1.2.3:7000", a)
	}
	wantSetup := [][]string{{"AUTH", "u", "pw"}, {"HELLO", "3"}, {"SELECT", "3"}}
	if got := st.setup.commands(); len(got) != 3 || strings.Join(got[0], " ") != "AUTH u pw" ||
		strings.Join(got[1], " ") != "HELLO 3" || strings.Join(got[2], " ") != "SELECT 3" {
		t.Fatalf("connection setup = %q, want %q", got, wantSetup)
	}
	ws, err := o.plan()
	if err != nil || len(ws) != 2 || ws[0].name != "SET" || ws[1].name != "GET" || ws[0].keyspace != 1000 {
		t.Fatalf("plan = %v, %v", ws, err)
	}
	if o.format() != "quiet" {
		t.Fatalf("format = %s", o.format())
	}
}

func TestBenchTargetSelection(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "in-process"},
		{[]string{"--inprocess"}, "in-process"},
		{[]string{"--api", "do"}, "in-process (Do)"},
		{[]string{"-p", "6380"}, "tcp 127.0.0.1:6380"},
		{[]string{"-h", "localhost"}, "tcp localhost:6379"},
		{[]string{"-s", "/tmp/r.sock"}, "unix /tmp/r.sock"},
	} {
		o := parseBench(t, tc.args...)
		if err := o.validate(); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		a, _, err := o.targets()
		if err != nil {
			t.Fatal(err)
		}
		if a.String() != tc.want {
			t.Errorf("%q: target %s, want %s", tc.args, a, tc.want)
		}
		a.close()
	}
	o := parseBench(t, "-p", "7000", "--compare", "unix:/tmp/x.sock")
	_, b, err := o.targets()
	if err != nil || b.String() != "unix /tmp/x.sock" {
		t.Fatalf("--compare target = %v, %v", b, err)
	}
}

func TestBenchRejectsBadCombinations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-c", "0"}, "-c must be at least 1"},
		{[]string{"-n", "0"}, "-n must be at least 1"},
		{[]string{"-P", "0"}, "-P must be at least 1"},
		{[]string{"-d", "-1"}, "-d must not be negative"},
		{[]string{"-r", "-5"}, "-r must be between"},
		{[]string{"-r", "1000000000000"}, "-r must be between"},
		{[]string{"-p", "70000"}, "not a port"},
		{[]string{"--user", "u"}, "--user needs -a"},
		{[]string{"--api", "http"}, "--api must be exec or do"},
		{[]string{"--csv", "--json"}, "--csv or --json"},
		{[]string{"-s", "/x", "-p", "1"}, "-s or -h/-p"},
		{[]string{"--inprocess", "-p", "1"}, "--inprocess excludes"},
		{[]string{"-n", "5", "--duration", "1s"}, "-n or --duration"},
		{[]string{"-t", "set", "--scenario", "queue"}, "-t or --scenario"},
		{[]string{"-t", "set", "--", "PING"}, "a command, -t or --scenario"},
	} {
		err := parseBench(t, tc.args...).validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.args, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", tc.args, err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-t", "sett"}, `unknown test "sett"`},
		{[]string{"--scenario", "ratelimit,nope"}, `unknown scenario "nope"`},
		{[]string{"--scenario", "queue", "-c", "1"}, "needs -c 2"},
		{[]string{"--scenario", "session", "-r", "0"}, "needs -r of at least 1"},
	} {
		o := parseBench(t, tc.args...)
		if err := o.validate(); err != nil {
			t.Fatalf("%q: validate: %v", tc.args, err)
		}
		if _, err := o.plan(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: plan err = %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestBenchCustomCommandAndScenarios(t *testing.T) {
	o := parseBench(t, "-r", "100", "--", "ZADD", "lb", "__rand_int__", "m:__rand_int__")
	ws, err := o.plan()
	if err != nil || len(ws) != 1 || ws[0].name != "ZADD lb __rand_int__ m:__rand_int__" || ws[0].keyspace != 100 {
		t.Fatalf("custom plan = %v, %v", ws, err)
	}
	o = parseBench(t, "--scenario", "ratelimit, leaderboard", "--duration", "2s")
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	ws, err = o.plan()
	if err != nil || len(ws) != 2 || ws[0].name != "ratelimit" || ws[1].name != "leaderboard" {
		t.Fatalf("scenario plan = %v, %v", ws, err)
	}
	if ws[0].keyspace != 100_000 || o.duration != 2*time.Second {
		t.Fatalf("ratelimit key space %d, duration %v: want the scenario default and 2s", ws[0].keyspace, o.duration)
	}
	o = parseBench(t, "--scenario", "scoring", "-r", "50")
	if ws, _ := o.plan(); ws[0].keyspace != 50 || len(ws[0].setup) != 52 {
		t.Fatalf("-r must set the scenario's key space: %d, %d setup commands", ws[0].keyspace, len(ws[0].setup))
	}
}

func TestParseCompareAddr(t *testing.T) {
	for in, want := range map[string]string{
		"7811":             "tcp 127.0.0.1:7811",
		"localhost:6379":   "tcp localhost:6379",
		":6380":            "tcp 127.0.0.1:6380",
		"[::1]:6379":       "tcp [::1]:6379",
		"unix:/tmp/r.sock": "unix /tmp/r.sock",
		"/tmp/r.sock":      "unix /tmp/r.sock",
		"inprocess":        "inprocess ",
	} {
		n, a, err := parseAddr(in)
		if err != nil || n+" "+a != want {
			t.Errorf("parseAddr(%q) = %s %s, %v; want %s", in, n, a, err, want)
		}
	}
	for _, bad := range []string{"nohost", "host:port", "host:0", "host:99999"} {
		if _, _, err := parseAddr(bad); err == nil {
			t.Errorf("parseAddr(%q) accepted", bad)
		}
	}
}
