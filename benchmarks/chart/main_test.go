package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const summaryCSV = `config,test,redis_rps,cachee_rps,ratio,redis_p50_ms,cachee_p50_ms,redis_p99_ms,cachee_p99_ms,cachee_unsupported
c50,set,100000,120000,1.20,0.3,0.25,0.9,0.8,
c50,hset,90000,,,0.31,,1.0,,yes
c50-P16,set,700000,800000,1.14,1.1,0.9,3.0,2.5,
c50-P16,hset,650000,,,1.2,,3.1,,yes
`

// transportJSON is the shape `cachee bench --json` writes (trimmed).
const transportJSON = `{"tool":"cachee bench","results":[
 {"test":"SET","target":"in-process","rps":1500000,"errors":0,"latency_us":{"p50":0.6,"p99":3}},
 {"test":"HSET","target":"in-process","rps":2000000,"errors":200,"latency_us":{"p50":0.4,"p99":2}}]}`

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadSummary(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "summary.csv", summaryCSV)
	rows, err := readSummary(filepath.Join(dir, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	r := rows[0]
	if r.config != "c50" || r.test != "SET" || r.redisRPS != 100000 || r.cacheeRPS != 120000 || r.cacheeP99 != 0.8 || r.cacheeUnsupported {
		t.Fatalf("row 0 = %+v", r)
	}
	if h := rows[1]; !h.cacheeUnsupported || h.cacheeRPS != 0 {
		t.Fatalf("a test cachee did not run must read as unsupported with no rps: %+v", h)
	}
	configs, split := byConfig(rows)
	if strings.Join(configs, " ") != "c50 c50-P16" || len(split["c50-P16"]) != 2 {
		t.Fatalf("configs %v", configs)
	}
	if got := testsOf(split["c50"]); strings.Join(got, " ") != "SET HSET*" {
		t.Fatalf("labels %v: unsupported tests are starred", got)
	}
	write(t, dir, "bad.csv", "config,test\nc50,set\n")
	if _, err := readSummary(filepath.Join(dir, "bad.csv")); err == nil || !strings.Contains(err.Error(), `no column "redis_rps"`) {
		t.Fatalf("missing columns: %v", err)
	}
	write(t, dir, "nan.csv", strings.Replace(summaryCSV, "120000", "fast", 1))
	if _, err := readSummary(filepath.Join(dir, "nan.csv")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad number: %v", err)
	}
}

func TestReadTransportsSkipsFailedTests(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "transport-cachee-inprocess.json", transportJSON)
	runs, err := readTransports(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].label != "cachee-inprocess" {
		t.Fatalf("runs = %+v", runs)
	}
	if r := runs[0]; strings.Join(r.tests, " ") != "SET" || r.rps["SET"] != 1500000 || r.p50["SET"] != 0.6 {
		t.Fatalf("run = %+v: HSET had errors and must be left out", r)
	}
}

func TestDrawWritesPNGs(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "img")
	write(t, in, "summary.csv", summaryCSV)
	write(t, in, "transport-cachee-inprocess.json", transportJSON)
	write(t, in, "transport-redis-tcp.json", strings.ReplaceAll(transportJSON, "1500000", "120000"))
	files, err := draw3(in, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("wrote %v, want 3 charts", files)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Two stacked panels of 8 x 3.2 inches at 100 dpi.
		if cfg.Width != 800 || cfg.Height != 640 {
			t.Errorf("%s is %dx%d, want 800x640", f, cfg.Width, cfg.Height)
		}
	}
	if _, err := draw3(t.TempDir(), out); err == nil {
		t.Fatal("an empty input directory must be an error")
	}
}
