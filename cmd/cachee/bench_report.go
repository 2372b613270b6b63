package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// latencySummary is a result's latency distribution in microseconds.
type latencySummary struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99.9"`
	Max  float64 `json:"max"`
}

func (r *result) latency() latencySummary {
	h := r.hist
	if h == nil || h.TotalCount() == 0 {
		return latencySummary{}
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return latencySummary{
		Min: us(h.Min()), Mean: round(h.Mean()/1e3, 3),
		P50: us(h.ValueAtQuantile(50)), P90: us(h.ValueAtQuantile(90)), P99: us(h.ValueAtQuantile(99)),
		P999: us(h.ValueAtQuantile(99.9)), Max: us(h.Max()),
	}
}

// rps is completed requests per second of wall time.
func (r *result) rps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// ratio is a/b, or nil when it means nothing (b zero, either not a number).
func ratio(a, b float64) *float64 {
	if b <= 0 || a < 0 || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return nil
	}
	v := a / b
	return &v
}

// comparison holds the ratios target/compare of one test: above 1 means
// more throughput, or more latency, on the target.
type comparison struct {
	Test string   `json:"test"`
	RPS  *float64 `json:"rps"`
	P50  *float64 `json:"p50"`
	P90  *float64 `json:"p90"`
	P99  *float64 `json:"p99"`
	P999 *float64 `json:"p99.9"`
	Max  *float64 `json:"max"`
}

func compare(a, b *result) comparison {
	la, lb := a.latency(), b.latency()
	return comparison{Test: a.Test, RPS: ratio(a.rps(), b.rps()),
		P50: ratio(la.P50, lb.P50), P90: ratio(la.P90, lb.P90), P99: ratio(la.P99, lb.P99),
		P999: ratio(la.P999, lb.P999), Max: ratio(la.Max, lb.Max)}
}

// runInfo describes a run for the report headers.
type runInfo struct {
	Clients   int     `json:"clients"`
	Requests  int     `json:"requests,omitempty"`
	Duration  float64 `json:"duration_s,omitempty"`
	Pipeline  int     `json:"pipeline"`
	DataSize  int     `json:"data_size"`
	Keyspace  uint64  `json:"keyspace"`
	Scenarios bool    `json:"-"`
}

// report writes results as they come, in one of four formats: text (a
// table), quiet (redis-benchmark -q lines), csv and json (all at the end).
type report struct {
	format  string
	w       io.Writer
	info    runInfo
	width   int // test name column
	started bool
	all     [][]*result
	csv     *csv.Writer
}

func newReport(format string, w io.Writer, info runInfo, names []string) *report {
	r := &report{format: format, w: w, info: info, width: 4}
	for _, n := range names {
		r.width = min(max(r.width, len(n)), 40)
	}
	return r
}

// add reports one test: one result per target, the first the main one.
func (r *report) add(rs []*result) {
	r.all = append(r.all, rs)
	switch r.format {
	case "text":
		r.text(rs)
	case "quiet":
		r.quiet(rs)
	case "csv":
		r.csvRows(rs)
	}
}

func (r *report) end() error {
	switch r.format {
	case "csv":
		if r.csv != nil {
			r.csv.Flush()
			return r.csv.Error()
		}
	case "json":
		enc := json.NewEncoder(r.w)
		enc.SetIndent("", "  ")
		return enc.Encode(r.jsonDoc())
	}
	return nil
}

func (r *report) header(rs []*result) {
	if r.started {
		return
	}
	r.started = true
	amount := fmt.Sprintf("%d requests per test", r.info.Requests)
	if r.info.Duration > 0 {
		amount = fmt.Sprintf("%s per test", time.Duration(r.info.Duration*float64(time.Second)))
	}
	ks := "no random keys (-r)"
	if r.info.Keyspace > 0 {
		ks = fmt.Sprintf("key space %d", r.info.Keyspace)
	} else if r.info.Scenarios {
		ks = "scenario key spaces"
	}
	fmt.Fprintf(r.w, "cachee bench: %d clients, pipeline %d, %d-byte values, %s, %s\n",
		r.info.Clients, r.info.Pipeline, r.info.DataSize, ks, amount)
	if len(rs) == 1 {
		fmt.Fprintf(r.w, "target: %s\n\n", describe(rs[0]))
		fmt.Fprintf(r.w, "%-*s %10s %8s %12s %9s %9s %9s %9s %9s\n", r.width, "test",
			"requests", "errors", "rps", "p50", "p90", "p99", "p99.9", "max")
		return
	}
	fmt.Fprintf(r.w, "A: %s\nB: %s\nratio = A/B (rps: above 1 means A is faster; ! marks a test where requests failed)\n\n",
		describe(rs[0]), describe(rs[1]))
	fmt.Fprintf(r.w, "%-*s %12s %12s %7s %9s %9s %9s %9s %7s\n", r.width, "test",
		"A rps", "B rps", "ratio", "A p50", "B p50", "A p99", "B p99", "p99 A/B")
}

func describe(res *result) string {
	if res.Server == "" {
		return res.Target
	}
	return res.Target + " (" + res.Server + ")"
}

func (r *report) text(rs []*result) {
	r.header(rs)
	a := rs[0]
	la := a.latency()
	if len(rs) == 1 {
		fmt.Fprintf(r.w, "%-*s %10d %8d %12.0f %9s %9s %9s %9s %9s\n", r.width, clip(a.Test, r.width),
			a.Requests, a.Errors, a.rps(), fmtUs(la.P50), fmtUs(la.P90), fmtUs(la.P99), fmtUs(la.P999), fmtUs(la.Max))
	} else {
		b := rs[1]
		lb := b.latency()
		c := compare(a, b)
		mark := ""
		if a.Errors+b.Errors > 0 {
			mark = "!" // error replies are cheap: the two did unequal work
		}
		fmt.Fprintf(r.w, "%-*s %12.0f %12.0f %7s %9s %9s %9s %9s %7s\n", r.width, clip(a.Test, r.width),
			a.rps(), b.rps(), fmtRatio(c.RPS)+mark, fmtUs(la.P50), fmtUs(lb.P50), fmtUs(la.P99), fmtUs(lb.P99), fmtRatio(c.P99)+mark)
	}
	for i, res := range rs {
		who := ""
		if len(rs) > 1 {
			who = string(rune('A'+i)) + " "
		}
		for _, e := range res.SetupErrors {
			fmt.Fprintf(r.w, "  ! %sloading data: %d %s errors: %s\n", who, e.Count, e.Command, clip(e.First, 100))
		}
		for _, e := range res.CommandErrors {
			fmt.Fprintf(r.w, "  ! %s%d %s errors: %s\n", who, e.Count, e.Command, clip(e.First, 100))
		}
	}
}

// quiet prints redis-benchmark -q's line: "SET: 81037.28 requests per second, p50=0.447 msec".
func (r *report) quiet(rs []*result) {
	a := rs[0]
	line := fmt.Sprintf("%s: %.2f requests per second, p50=%s msec", a.Test, a.rps(), fmtMs(a.latency().P50))
	if len(rs) > 1 {
		b := rs[1]
		line = fmt.Sprintf("%s: %.2f vs %.2f requests per second (ratio %s), p50=%s vs %s msec", a.Test,
			a.rps(), b.rps(), fmtRatio(compare(a, b).RPS), fmtMs(a.latency().P50), fmtMs(b.latency().P50))
	}
	for _, res := range rs {
		if res.Errors > 0 {
			line += fmt.Sprintf(" [%s: %d of %d requests failed]", res.Target, res.Errors, res.Requests)
		}
	}
	fmt.Fprintln(r.w, line)
}

// csvHeader is the --csv columns; latencies are in microseconds.
var csvHeader = []string{"test", "target", "server", "requests", "errors", "seconds", "rps",
	"avg_us", "min_us", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"}

// csvRows writes one row per target and, when comparing, a row whose target
// is "ratio A/B" holding the ratios of rps and of each percentile.
func (r *report) csvRows(rs []*result) {
	if r.csv == nil {
		r.csv = csv.NewWriter(r.w)
		_ = r.csv.Write(csvHeader)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, res := range rs {
		l := res.latency()
		_ = r.csv.Write([]string{res.Test, res.Target, res.Server, strconv.FormatInt(res.Requests, 10),
			strconv.FormatInt(res.Errors, 10), f(res.Elapsed.Seconds()), f(round(res.rps(), 2)),
			f(l.Mean), f(l.Min), f(l.P50), f(l.P90), f(l.P99), f(l.P999), f(l.Max)})
	}
	if len(rs) > 1 {
		c := compare(rs[0], rs[1])
		p := func(v *float64) string {
			if v == nil {
				return ""
			}
			return f(round(*v, 4))
		}
		_ = r.csv.Write([]string{c.Test, "ratio A/B", "", "", "", "", p(c.RPS), "", "", p(c.P50), p(c.P90), p(c.P99), p(c.P999), p(c.Max)})
	}
}

type jsonResult struct {
	Test          string          `json:"test"`
	Target        string          `json:"target"`
	Server        string          `json:"server"`
	Requests      int64           `json:"requests"`
	Errors        int64           `json:"errors"`
	Seconds       float64         `json:"seconds"`
	RPS           float64         `json:"rps"`
	LatencyUS     latencySummary  `json:"latency_us"`
	CommandErrors []commandErrors `json:"command_errors,omitempty"`
	SetupErrors   []commandErrors `json:"setup_errors,omitempty"`
}

type machineInfo struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	OS        string `json:"os"`
	GoVersion string `json:"go"`
}

type jsonDoc struct {
	Tool        string       `json:"tool"`
	Machine     machineInfo  `json:"machine"`
	Config      runInfo      `json:"config"`
	Results     []jsonResult `json:"results"`
	Comparisons []comparison `json:"comparisons,omitempty"`
}

func (r *report) jsonDoc() jsonDoc {
	doc := jsonDoc{Tool: "cachee bench", Config: r.info, Results: []jsonResult{},
		Machine: machineInfo{CPUs: runtime.NumCPU(), CPUModel: cpuModel(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}}
	for _, rs := range r.all {
		for _, res := range rs {
			doc.Results = append(doc.Results, jsonResult{Test: res.Test, Target: res.Target, Server: res.Server,
				Requests: res.Requests, Errors: res.Errors, Seconds: res.Elapsed.Seconds(), RPS: round(res.rps(), 2),
				LatencyUS: res.latency(), CommandErrors: res.CommandErrors, SetupErrors: res.SetupErrors})
		}
		if len(rs) > 1 {
			doc.Comparisons = append(doc.Comparisons, compare(rs[0], rs[1]))
		}
	}
	return doc
}

// cpuModel is /proc/cpuinfo's first "model name", where there is one.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// fmtUs renders microseconds with a unit that keeps three significant digits.
func fmtUs(us float64) string {
	switch {
	case us <= 0:
		return "-"
	case us < 1:
		return fmt.Sprintf("%.0fns", us*1e3)
	case us < 1e3:
		return strconv.FormatFloat(us, 'f', decimals(us), 64) + "µs"
	case us < 1e6:
		return strconv.FormatFloat(us/1e3, 'f', decimals(us/1e3), 64) + "ms"
	}
	return strconv.FormatFloat(us/1e6, 'f', decimals(us/1e6), 64) + "s"
}

func decimals(v float64) int {
	switch {
	case v < 10:
		return 2
	case v < 100:
		return 1
	}
	return 0
}

// fmtMs is redis-benchmark's "%.3f" msec, with more digits below 0.1 ms
// (in-process latencies) so they do not all read 0.000.
func fmtMs(us float64) string {
	ms := us / 1e3
	if ms >= 0.1 || ms == 0 {
		return strconv.FormatFloat(ms, 'f', 3, 64)
	}
	return strconv.FormatFloat(ms, 'g', 3, 64)
}

func fmtRatio(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
