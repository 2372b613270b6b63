package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeResult has latencies 1..1000 µs, one each, over elapsed.
func fakeResult(test, tgt string, requests int64, elapsed time.Duration, scale float64) *result {
	r := &result{Test: test, Target: tgt, Server: "srv", Requests: requests, Elapsed: elapsed, hist: newHistogram(1)}
	for us := 1; us <= 1000; us++ {
		recordLatency(r.hist, time.Duration(float64(us)*scale)*time.Microsecond)
	}
	return r
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol*want }

func TestLatencyPercentiles(t *testing.T) {
	l := fakeResult("SET", "x", 1000, time.Second, 1).latency()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"min", l.Min, 1}, {"p50", l.P50, 500}, {"p90", l.P90, 900}, {"p99", l.P99, 990},
		{"p99.9", l.P999, 999}, {"max", l.Max, 1000}, {"mean", l.Mean, 500.5},
	} {
		if !near(c.got, c.want, 0.002) { // 3 significant digits
			t.Errorf("%s = %v µs, want %v", c.name, c.got, c.want)
		}
	}
	if (&result{hist: newHistogram(1)}).latency() != (latencySummary{}) {
		t.Error("an empty histogram must give zero latencies")
	}
	h := newHistogram(1)
	recordLatency(h, 2*time.Hour) // past the histogram's range: counted as a minute
	recordLatency(h, 0)
	if h.TotalCount() != 2 || h.Max() < int64(59*time.Second) {
		t.Errorf("out-of-range latencies were dropped or not clamped: count %d max %d", h.TotalCount(), h.Max())
	}
}

func TestThroughputAndRatios(t *testing.T) {
	a := fakeResult("GET", "A", 3000, 2*time.Second, 1)
	b := fakeResult("GET", "B", 1000, 2*time.Second, 2)
	if a.rps() != 1500 || b.rps() != 500 {
		t.Fatalf("rps = %v, %v; want 1500, 500", a.rps(), b.rps())
	}
	c := compare(a, b)
	if c.RPS == nil || *c.RPS != 3 {
		t.Fatalf("rps ratio = %v, want 3", c.RPS)
	}
	if c.P50 == nil || !near(*c.P50, 0.5, 0.002) || !near(*c.P99, 0.5, 0.002) {
		t.Fatalf("latency ratios p50 %v p99 %v, want 0.5", *c.P50, *c.P99)
	}
	if ratio(1, 0) != nil || ratio(math.NaN(), 1) != nil || ratio(-1, 1) != nil {
		t.Fatal("ratio must be undefined (nil) for a zero or invalid divisor")
	}
	if (&result{Requests: 5}).rps() != 0 {
		t.Fatal("rps of a run that took no time must be 0, not Inf")
	}
}

func reportOf(t *testing.T, format string, rs ...[]*result) string {
	t.Helper()
	var buf bytes.Buffer
	rep := newReport(format, &buf, runInfo{Clients: 50, Requests: 1000, Pipeline: 1, DataSize: 3}, []string{"SET", "GET"})
	for _, r := range rs {
		rep.add(r)
	}
	if err := rep.end(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestCSVShape(t *testing.T) {
	a, b := fakeResult("SET", "in-process", 1000, time.Second, 1), fakeResult("SET", "tcp 127.0.0.1:1", 1000, 2*time.Second, 3)
	a.Errors = 7
	rows, err := csv.NewReader(strings.NewReader(reportOf(t, "csv", []*result{a, b}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("rows = %q: want the header, two targets and the ratio", rows)
	}
	col := func(name string) int {
		for i, h := range csvHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	if r := rows[1]; r[col("test")] != "SET" || r[col("target")] != "in-process" || r[col("requests")] != "1000" ||
		r[col("errors")] != "7" || r[col("rps")] != "1000" || r[col("server")] != "srv" {
		t.Fatalf("row A = %q", r)
	}
	if r := rows[3]; r[col("target")] != "ratio A/B" || r[col("rps")] != "2" || r[col("requests")] != "" {
		t.Fatalf("ratio row = %q, want rps ratio 2", r)
	}
	if p := rows[2][col("p50_us")]; !strings.HasPrefix(p, "1500") && !strings.HasPrefix(p, "1501") {
		t.Fatalf("B p50 = %s µs, want ~1500", p)
	}
}

func TestJSONShape(t *testing.T) {
	a, b := fakeResult("SET", "A", 1000, time.Second, 1), fakeResult("SET", "B", 500, time.Second, 1)
	a.CommandErrors = []commandErrors{{"SET", 3, "ERR x"}}
	var doc map[string]any
	if err := json.Unmarshal([]byte(reportOf(t, "json", []*result{a, b})), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tool", "machine", "config", "results", "comparisons"} {
		if _, ok := doc[k]; !ok {
			t.Fatalf("JSON lacks %q: %v", k, doc)
		}
	}
	results := doc["results"].([]any)
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	r0 := results[0].(map[string]any)
	lat := r0["latency_us"].(map[string]any)
	for _, k := range []string{"min", "mean", "p50", "p90", "p99", "p99.9", "max"} {
		if _, ok := lat[k].(float64); !ok {
			t.Errorf("latency_us.%s missing", k)
		}
	}
	if r0["rps"].(float64) != 1000 || r0["requests"].(float64) != 1000 {
		t.Errorf("result = %v", r0)
	}
	if e := r0["command_errors"].([]any)[0].(map[string]any); e["command"] != "SET" || e["count"].(float64) != 3 {
		t.Errorf("command_errors = %v", e)
	}
	if _, ok := results[1].(map[string]any)["command_errors"]; ok {
		t.Error("command_errors must be omitted when there are none")
	}
	cmp := doc["comparisons"].([]any)[0].(map[string]any)
	if cmp["test"] != "SET" || cmp["rps"].(float64) != 2 {
		t.Errorf("comparison = %v, want rps 2", cmp)
	}
	if cfg := doc["config"].(map[string]any); cfg["clients"].(float64) != 50 {
		t.Errorf("config = %v", cfg)
	}
	// One target: no comparisons key at all.
	doc = nil
	if err := json.Unmarshal([]byte(reportOf(t, "json", []*result{a})), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["comparisons"]; ok {
		t.Errorf("comparisons without --compare: %v", doc["comparisons"])
	}
}

func TestTextAndQuietOutput(t *testing.T) {
	a := fakeResult("SET", "in-process", 1000, time.Second, 1)
	quiet := reportOf(t, "quiet", []*result{a})
	if !regexp.MustCompile(`^SET: 1000\.00 requests per second, p50=0\.50\d msec\n$`).MatchString(quiet) {
		t.Fatalf("quiet line %q is not redis-benchmark's", quiet)
	}
	b := fakeResult("SET", "tcp x", 500, time.Second, 2)
	b.Errors = 500
	b.CommandErrors = []commandErrors{{"SET", 500, "ERR unknown command 'SET'"}}
	text := reportOf(t, "text", []*result{a, b})
	for _, want := range []string{"A: in-process (srv)", "B: tcp x (srv)", "2.00!", "! B 500 SET errors: ERR unknown command 'SET'"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\r") {
		t.Error("the report itself must not contain carriage returns")
	}
}

func TestFormatting(t *testing.T) {
	for us, want := range map[float64]string{0: "-", 0.25: "250ns", 1.5: "1.50µs", 42: "42.0µs", 999: "999µs", 1500: "1.50ms", 2.5e6: "2.50s"} {
		if got := fmtUs(us); got != want {
			t.Errorf("fmtUs(%v) = %s, want %s", us, got, want)
		}
	}
	if fmtMs(447) != "0.447" || fmtMs(0.6) != "0.0006" {
		t.Errorf("fmtMs = %s, %s", fmtMs(447), fmtMs(0.6))
	}
}

// readReplies runs readReply over raw RESP and returns each reply's error text.
func readReplies(t *testing.T, raw string, n int) []string {
	t.Helper()
	c := &respConn{r: bufio.NewReaderSize(strings.NewReader(raw), 32)} // bulks longer than the buffer
	var out []string
	for range n {
		e, err := c.readReply()
		if err != nil {
			t.Fatalf("readReply: %v", err)
		}
		out = append(out, string(e))
	}
	if _, err := c.readReply(); err == nil {
		t.Fatal("input left over after the expected replies")
	}
	return out
}

func TestReadReplySkipsWholeRepliesAndKeepsTopLevelErrors(t *testing.T) {
	raw := "+OK\r\n" +
		":42\r\n" +
		"$5\r\nhello\r\n" +
		"$-1\r\n" +
		"*-1\r\n" +
		"-ERR unknown command\r\n" +
		"*3\r\n$1\r\na\r\n*2\r\n:1\r\n-ERR nested\r\n$40\r\n" + strings.Repeat("x", 40) + "\r\n" + // a nested error is not the reply's
		"%2\r\n+k\r\n,1.5\r\n+k2\r\n~1\r\n#t\r\n" +
		"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n" + // attribute, then its reply
		"!21\r\nSYNTAX invalid syntax\r\n" +
		">2\r\n+message\r\n_\r\n" +
		"=7\r\ntxt:abc\r\n"
	got := readReplies(t, raw, 12)
	want := []string{"", "", "", "", "", "ERR unknown command", "", "", "", "SYNTAX invalid syntax", "", ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("errors = %q\nwant     %q", got, want)
	}
	for _, bad := range []string{"?x\r\n", "$abc\r\n", ":1\n", "*2\r\n:1\r\n"} {
		c := &respConn{r: bufio.NewReader(strings.NewReader(bad))}
		if _, err := c.readReply(); err == nil {
			t.Errorf("readReply(%q) accepted malformed input", bad)
		}
	}
}
