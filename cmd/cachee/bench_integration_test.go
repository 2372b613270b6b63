package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/server"
)

// Tiny benchmarks against real targets, asserting that the counts add up:
// every request completes once, is recorded once in the histogram, and the
// failed requests match the error replies counted per command.

const tinyN = 200

// everyWorkload is every -t test and every scenario, with small key spaces so
// the data loading stays quick.
func everyWorkload(t *testing.T) []*workload {
	t.Helper()
	data := []byte("abc")
	var ws []*workload
	for _, d := range benchTests {
		ws = append(ws, d.build(1000, data))
	}
	for _, s := range benchScenarios {
		ks := min(s.keyspace, 2000)
		ws = append(ws, s.build(ks, data))
	}
	return ws
}

func runTiny(t *testing.T, tg target, w *workload) *result {
	t.Helper()
	// 4 clients (2 producers + 2 workers for the queue), pipeline 3 so the
	// last batch of each group is a partial one.
	r, err := runWorkload(tg, w, runOptions{clients: 4, pipeline: 3, requests: tinyN, seed: 1})
	if err != nil {
		t.Fatalf("%s on %s: %v", w.name, tg, err)
	}
	if r.Requests != tinyN || r.hist.TotalCount() != tinyN {
		t.Fatalf("%s on %s: %d requests completed, %d recorded; want %d", w.name, tg, r.Requests, r.hist.TotalCount(), tinyN)
	}
	var replies int64
	for _, e := range r.CommandErrors {
		if e.Count <= 0 || e.First == "" {
			t.Fatalf("%s: error summary %+v without a count or a text", w.name, e)
		}
		replies += e.Count
	}
	cmdsPerRequest := 0
	for _, k := range w.groups[0].kinds {
		cmdsPerRequest = max(cmdsPerRequest, len(k.cmds))
	}
	// A failed request has one error reply or more, at most one per command.
	if r.Errors > r.Requests || replies < r.Errors || replies > r.Errors*int64(cmdsPerRequest) {
		t.Fatalf("%s on %s: %d failed requests but %d error replies", w.name, tg, r.Errors, replies)
	}
	return r
}

func TestBenchInProcessCountsAddUp(t *testing.T) {
	for _, api := range []string{"exec", "do"} {
		tg := newInProcess(api, 0, connSetup{})
		for _, w := range everyWorkload(t) {
			r := runTiny(t, tg, w)
			// cachee has every command of every test and scenario (the
			// scripting one included): nothing may fail.
			if r.Errors != 0 || len(r.CommandErrors) != 0 || len(r.SetupErrors) != 0 {
				t.Errorf("%s (%s): %d errors %+v %+v", w.name, api, r.Errors, r.CommandErrors, r.SetupErrors)
			}
			if r.Server != "cachee" || !strings.HasPrefix(r.Target, "in-process") {
				t.Errorf("in-process result says %s / %s", r.Target, r.Server)
			}
		}
		tg.close()
	}
}

func TestBenchRealRedisCountsAddUp(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "redis.sock")
	addr := redistest.Start(t, "--unixsocket", sock, "--unixsocketperm", "700")
	tcp := &socketTarget{network: "tcp", addr: addr}
	for _, w := range everyWorkload(t) {
		r := runTiny(t, tcp, w)
		// Redis has every command: nothing may fail, data loading included.
		if r.Errors != 0 || len(r.CommandErrors) != 0 || len(r.SetupErrors) != 0 {
			t.Errorf("%s against redis: %d errors %+v, setup %+v", w.name, r.Errors, r.CommandErrors, r.SetupErrors)
		}
		if !strings.HasPrefix(r.Server, "redis ") {
			t.Errorf("server identified as %q, want redis <version>", r.Server)
		}
	}
	// The queue's producers and workers split the requests: 100 pushed, 100 popped.
	c, err := tcp.connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for key, want := range map[string]int64{"bench:queue": 0} {
		if v, err := c.(*respConn).call("LLEN", key); err != nil || v.Int != want {
			t.Errorf("LLEN %s = %v %v, want %d", key, v, err, want)
		}
	}
	if v, _ := c.(*respConn).call("ZCARD", "bench:lb"); v.Int < 2000 {
		t.Errorf("leaderboard has %d members, want the 2000 loaded", v.Int)
	}

	unix := &socketTarget{network: "unix", addr: sock}
	set := testByName(t, "set").build(1000, []byte("abc"))
	if r := runTiny(t, unix, set); r.Errors != 0 || r.Target != "unix "+sock {
		t.Errorf("unix socket: %d errors, target %s", r.Errors, r.Target)
	}
}

func TestBenchCacheeServerAndCompare(t *testing.T) {
	e := engine.New(engine.Config{})
	defer e.Close()
	srv := server.New(e, server.Config{Port: 0})
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	port := strconv.Itoa(srv.Addrs()[0].(*net.TCPAddr).Port)

	var out bytes.Buffer
	o := parseBench(t, "-p", port, "--compare", "inprocess", "-t", "set,get,zadd", "-n", "200", "-c", "4", "-r", "100", "--json")
	if err := runBench(o, &out, false); err != nil {
		t.Fatal(err)
	}
	var doc jsonDoc
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if len(doc.Results) != 6 || len(doc.Comparisons) != 3 {
		t.Fatalf("%d results, %d comparisons; want 6 and 3", len(doc.Results), len(doc.Comparisons))
	}
	for i, r := range doc.Results {
		wantTarget := "tcp 127.0.0.1:" + port
		if i%2 == 1 {
			wantTarget = "in-process"
		}
		if r.Target != wantTarget || r.Server != "cachee" || r.Requests != 200 {
			t.Errorf("result %d = %s on %s (%s), %d requests", i, r.Test, r.Target, r.Server, r.Requests)
		}
		if r.Test != "ZADD" && r.Errors != 0 {
			t.Errorf("%s on %s: %d errors", r.Test, r.Target, r.Errors)
		}
		if c := doc.Comparisons[i/2]; c.Test != r.Test || c.RPS == nil {
			t.Errorf("comparison %d = %+v", i/2, c)
		}
	}
}

func TestBenchAuthAndUnreachable(t *testing.T) {
	addr := redistest.Start(t, "--requirepass", "sekret")
	_, port, _ := net.SplitHostPort(addr)
	run := func(args ...string) error {
		o := parseBench(t, append([]string{"-p", port, "-t", "ping", "-n", "10", "-c", "2", "-q"}, args...)...)
		return runBench(o, &bytes.Buffer{}, false)
	}
	if err := run(); err == nil || !strings.Contains(err.Error(), "wants a password (-a)") {
		t.Errorf("no password: %v", err)
	}
	if err := run("-a", "wrong"); err == nil || !strings.Contains(err.Error(), "AUTH failed: WRONGPASS") {
		t.Errorf("wrong password: %v", err)
	}
	if err := run("-a", "sekret"); err != nil {
		t.Errorf("right password: %v", err)
	}
	free := strconv.Itoa(redistest.FreePort(t))
	o := parseBench(t, "-p", free, "-n", "10")
	err := runBench(o, &bytes.Buffer{}, false)
	if err == nil || err.Error() != "cannot connect to tcp 127.0.0.1:"+free+": connection refused" {
		t.Errorf("unreachable: %v", err)
	}
}

// The client loop must not allocate per request, or the in-process numbers
// measure the benchmark's garbage collector more than the engine.
func TestBenchClientLoopDoesNotAllocate(t *testing.T) {
	tg := newInProcess("exec", 0, connSetup{})
	defer tg.close()
	w := testByName(t, "ping").build(0, nil)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 50000
	if _, err := runWorkload(tg, w, runOptions{clients: 1, pipeline: 1, requests: n, seed: 1}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if per := float64(after.Mallocs-before.Mallocs) / n; per > 0.05 {
		t.Fatalf("%.2f allocations per PING request, want ~0 (only the run's fixed setup)", per)
	}
}

func TestBenchRESP3AndDBNum(t *testing.T) {
	addr := redistest.Start(t)
	_, port, _ := net.SplitHostPort(addr)
	var out bytes.Buffer
	// RESP3 replies (HELLO's map, LRANGE's array) must parse as well as RESP2's.
	o := parseBench(t, "-p", port, "-3", "--dbnum", "2", "-t", "set,lrange_100", "-n", "50", "-c", "2", "-r", "10", "--csv")
	if err := runBench(o, &out, false); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), ",0,") < 2 {
		t.Fatalf("expected two error-free rows:\n%s", out.String())
	}
	c, err := (&socketTarget{network: "tcp", addr: addr}).connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	rc := c.(*respConn)
	if v, _ := rc.call("DBSIZE"); v.Int != 0 {
		t.Errorf("database 0 holds %d keys: --dbnum 2 was not selected", v.Int)
	}
	rc.call("SELECT", "2")
	if v, _ := rc.call("DBSIZE"); v.Int == 0 {
		t.Error("database 2 is empty after the run")
	}
}

func TestBenchDurationMode(t *testing.T) {
	tg := newInProcess("exec", 0, connSetup{})
	defer tg.close()
	w := testByName(t, "incr").build(10, nil)
	r, err := runWorkload(tg, w, runOptions{clients: 2, pipeline: 4, duration: 100 * time.Millisecond, seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.hist.TotalCount() != r.Requests || r.Errors != 0 {
		t.Fatalf("duration run: %d requests, %d recorded, %d errors", r.Requests, r.hist.TotalCount(), r.Errors)
	}
	if r.Elapsed < 100*time.Millisecond {
		t.Fatalf("stopped after %v, before the 100ms asked for", r.Elapsed)
	}
	// Every INCR landed: the counters sum to the requests.
	var sum int64
	for i := range uint64(10) {
		v, _ := tg.db.Do(context.Background(), "GET", "counter:"+padded(i))
		n, _ := v.Int()
		sum += n
	}
	if sum != r.Requests {
		t.Fatalf("counters sum to %d, but %d requests were counted", sum, r.Requests)
	}
}
