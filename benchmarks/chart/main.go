// Command chart draws the results of benchmarks/compare.sh as PNG charts for
// docs/performance.md:
//
//	go run ./benchmarks/chart -in /tmp/cachee-compare.XXXX -out docs/img
//
// It reads summary.csv (redis-benchmark medians, cachee vs redis) and every
// transport-LABEL.json (`cachee bench --json` runs: in-process, TCP, Unix
// socket) in -in, and writes server-throughput.png, server-latency.png and
// transports.png to -out.
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func main() {
	in := flag.String("in", "", "directory written by benchmarks/compare.sh")
	out := flag.String("out", "docs/img", "directory for the PNG files")
	flag.Parse()
	if *in == "" {
		fmt.Fprintln(os.Stderr, "chart: -in DIR is required (the --out of benchmarks/compare.sh)")
		os.Exit(2)
	}
	files, err := draw3(*in, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
	for _, f := range files {
		fmt.Println(f)
	}
}

// draw3 renders every chart whose input exists and returns the files written.
func draw3(in, out string) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var written []string
	rows, err := readSummary(filepath.Join(in, "summary.csv"))
	switch {
	case err == nil:
		for _, c := range []struct {
			file  string
			build func([]summaryRow) ([][]*plot.Plot, error)
		}{{"server-throughput.png", serverThroughput}, {"server-latency.png", serverLatency}} {
			plots, err := c.build(rows)
			if err != nil {
				return nil, err
			}
			f := filepath.Join(out, c.file)
			if err := savePNG(f, plots); err != nil {
				return nil, err
			}
			written = append(written, f)
		}
	case !os.IsNotExist(err):
		return nil, err
	}
	runs, err := readTransports(in)
	if err != nil {
		return nil, err
	}
	if len(runs) > 0 {
		plots, err := transports(runs)
		if err != nil {
			return nil, err
		}
		f := filepath.Join(out, "transports.png")
		if err := savePNG(f, plots); err != nil {
			return nil, err
		}
		written = append(written, f)
	}
	if len(written) == 0 {
		return nil, fmt.Errorf("%s has neither summary.csv nor transport-*.json", in)
	}
	return written, nil
}

// summaryRow is one line of compare.sh's summary.csv; latencies in ms, and
// zero where cachee did not run the test (a command it lacks).
type summaryRow struct {
	config, test        string
	redisRPS, cacheeRPS float64
	redisP50, cacheeP50 float64
	redisP99, cacheeP99 float64
	cacheeUnsupported   bool
}

func readSummary(path string) ([]summaryRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	idx := map[string]int{}
	for i, h := range recs[0] {
		idx[h] = i
	}
	for _, col := range []string{"config", "test", "redis_rps", "cachee_rps", "redis_p50_ms", "cachee_p50_ms", "redis_p99_ms", "cachee_p99_ms"} {
		if _, ok := idx[col]; !ok {
			return nil, fmt.Errorf("%s: no column %q", path, col)
		}
	}
	num := func(rec []string, col string) (float64, error) {
		s := rec[idx[col]]
		if s == "" {
			return 0, nil
		}
		return strconv.ParseFloat(s, 64)
	}
	var rows []summaryRow
	for line, rec := range recs[1:] {
		r := summaryRow{config: rec[idx["config"]], test: strings.ToUpper(rec[idx["test"]])}
		for _, v := range []struct {
			col string
			dst *float64
		}{{"redis_rps", &r.redisRPS}, {"cachee_rps", &r.cacheeRPS}, {"redis_p50_ms", &r.redisP50},
			{"cachee_p50_ms", &r.cacheeP50}, {"redis_p99_ms", &r.redisP99}, {"cachee_p99_ms", &r.cacheeP99}} {
			if *v.dst, err = num(rec, v.col); err != nil {
				return nil, fmt.Errorf("%s line %d: %s: %w", path, line+2, v.col, err)
			}
		}
		if i, ok := idx["cachee_unsupported"]; ok {
			r.cacheeUnsupported = rec[i] == "yes"
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// transportRun is one `cachee bench --json` file: its label (from the file
// name) and rps and latencies by test.
type transportRun struct {
	label    string
	tests    []string
	rps      map[string]float64
	p50, p99 map[string]float64 // µs
}

func readTransports(dir string) ([]transportRun, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "transport-*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var runs []transportRun
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Results []struct {
				Test      string  `json:"test"`
				RPS       float64 `json:"rps"`
				Errors    int64   `json:"errors"`
				LatencyUS struct {
					P50 float64 `json:"p50"`
					P99 float64 `json:"p99"`
				} `json:"latency_us"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		label := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "transport-"), ".json")
		run := transportRun{label: label, rps: map[string]float64{}, p50: map[string]float64{}, p99: map[string]float64{}}
		for _, r := range doc.Results {
			if r.Errors > 0 {
				continue // error replies are not the command's cost
			}
			run.tests = append(run.tests, r.Test)
			run.rps[r.Test], run.p50[r.Test], run.p99[r.Test] = r.RPS, r.LatencyUS.P50, r.LatencyUS.P99
		}
		runs = append(runs, run)
	}
	return runs, nil
}

var (
	redisColor  = color.RGBA{R: 200, G: 60, B: 50, A: 255}
	cacheeColor = color.RGBA{R: 40, G: 110, B: 190, A: 255}
)

// runColor keeps cachee in blues and redis in reds, whatever the file order.
func runColor(label string, i int) color.RGBA {
	known := map[string]color.RGBA{
		"cachee-inprocess": {R: 20, G: 60, B: 140, A: 255},
		"cachee-tcp":       cacheeColor,
		"cachee-unix":      {R: 100, G: 180, B: 230, A: 255},
		"redis-tcp":        redisColor,
		"redis-unix":       {R: 240, G: 150, B: 60, A: 255},
	}
	if c, ok := known[label]; ok {
		return c
	}
	others := []color.RGBA{{R: 60, G: 160, B: 90, A: 255}, {R: 120, G: 120, B: 120, A: 255}, {R: 150, G: 80, B: 170, A: 255}}
	return others[i%len(others)]
}

// siTicks labels a log axis 1, 10, 100, 1k, 10k, 100k, 1M.
type siTicks struct{}

func (siTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label == "" {
			continue
		}
		v := ticks[i].Value
		switch {
		case v >= 1e6:
			ticks[i].Label = strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
		case v >= 1e3:
			ticks[i].Label = strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
		default:
			ticks[i].Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ticks
}

// pairChart is a grouped bar chart: redis and cachee side by side per test.
func pairChart(title, ylabel string, tests []string, redis, cachee []float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	w := vg.Points(14)
	for i, s := range []struct {
		name string
		vals []float64
		col  color.RGBA
	}{{"redis", redis, redisColor}, {"cachee", cachee, cacheeColor}} {
		bars, err := plotter.NewBarChart(plotter.Values(s.vals), w)
		if err != nil {
			return nil, err
		}
		bars.Color = s.col
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(2*i-1) / 2
		p.Add(bars)
		p.Legend.Add(s.name, bars)
	}
	top := slices.Max(append(slices.Clone(redis), cachee...))
	p.Y.Min, p.Y.Max = 0, top*1.2 // headroom for the legend
	p.Legend.Top = true
	p.NominalX(tests...)
	p.Add(plotter.NewGrid())
	return p, nil
}

// byConfig splits summary rows by compare.sh config (c50, c50-P16) in order.
func byConfig(rows []summaryRow) (configs []string, split map[string][]summaryRow) {
	split = map[string][]summaryRow{}
	for _, r := range rows {
		if _, ok := split[r.config]; !ok {
			configs = append(configs, r.config)
		}
		split[r.config] = append(split[r.config], r)
	}
	return configs, split
}

func column(rows []summaryRow, f func(summaryRow) float64) []float64 {
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}

func testsOf(rows []summaryRow) []string {
	var out []string
	for _, r := range rows {
		name := r.test
		if r.cacheeUnsupported {
			name += "*"
		}
		out = append(out, name)
	}
	return out
}

func serverThroughput(rows []summaryRow) ([][]*plot.Plot, error) {
	configs, split := byConfig(rows)
	var plots [][]*plot.Plot
	for _, c := range configs {
		rs := split[c]
		title := "redis-benchmark " + flagsOf(c) + ": throughput"
		if slices.ContainsFunc(rs, func(r summaryRow) bool { return r.cacheeUnsupported }) {
			title += " (* = not in cachee yet)"
		}
		p, err := pairChart(title, "requests/s", testsOf(rs),
			column(rs, func(r summaryRow) float64 { return r.redisRPS }), column(rs, func(r summaryRow) float64 { return r.cacheeRPS }))
		if err != nil {
			return nil, err
		}
		plots = append(plots, []*plot.Plot{p})
	}
	return plots, nil
}

func serverLatency(rows []summaryRow) ([][]*plot.Plot, error) {
	configs, split := byConfig(rows)
	rs := split[configs[0]]
	var plots [][]*plot.Plot
	for _, q := range []struct {
		name          string
		redis, cachee func(summaryRow) float64
	}{
		{"p50", func(r summaryRow) float64 { return r.redisP50 }, func(r summaryRow) float64 { return r.cacheeP50 }},
		{"p99", func(r summaryRow) float64 { return r.redisP99 }, func(r summaryRow) float64 { return r.cacheeP99 }},
	} {
		p, err := pairChart(fmt.Sprintf("redis-benchmark %s: %s latency (lower is better)", flagsOf(configs[0]), q.name), "ms", testsOf(rs),
			column(rs, q.redis), column(rs, q.cachee))
		if err != nil {
			return nil, err
		}
		plots = append(plots, []*plot.Plot{p})
	}
	return plots, nil
}

// flagsOf turns compare.sh's config name into redis-benchmark flags.
func flagsOf(config string) string {
	s := strings.Replace(config, "c50", "-c 50", 1)
	return strings.Replace(s, "-P16", " -P 16", 1)
}

// transports draws rps and p50 per test for every run, on log scales: the
// in-process engine is an order of magnitude past any socket.
func transports(runs []transportRun) ([][]*plot.Plot, error) {
	var tests []string
	for _, r := range runs {
		for _, t := range r.tests {
			if !slices.Contains(tests, t) {
				tests = append(tests, t)
			}
		}
	}
	if len(tests) == 0 {
		return nil, fmt.Errorf("no transport run has an error-free test")
	}
	var plots [][]*plot.Plot
	for _, m := range []struct {
		title, ylabel string
		val           func(transportRun, string) float64
	}{
		{"cachee bench -c 50: throughput by transport", "requests/s (log)", func(r transportRun, t string) float64 { return r.rps[t] }},
		{"cachee bench -c 50: p50 latency by transport", "µs (log)", func(r transportRun, t string) float64 { return r.p50[t] }},
	} {
		p := plot.New()
		p.Title.Text = m.title
		p.Y.Label.Text = m.ylabel
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = siTicks{}
		lo, hi := math.Inf(1), 0.0
		for i, r := range runs {
			var pts plotter.XYs
			for x, t := range tests {
				if v := m.val(r, t); v > 0 {
					pts = append(pts, plotter.XY{X: float64(x), Y: v})
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			col := runColor(r.label, i)
			l.Color, s.Color = col, col
			l.Width = vg.Points(1.5)
			s.Shape = draw.CircleGlyph{}
			s.Radius = vg.Points(3)
			p.Add(l, s)
			p.Legend.Add(r.label, l, s)
		}
		if hi == 0 {
			return nil, fmt.Errorf("%s: no positive value to draw", m.title)
		}
		// A log axis needs a positive range; gonum widens a flat one by ±1.
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
		p.Legend.Top = true
		p.NominalX(tests...)
		p.X.Min, p.X.Max = -0.5, float64(len(tests))+0.8 // room on the right for the legend
		p.Add(plotter.NewGrid())
		plots = append(plots, []*plot.Plot{p})
	}
	return plots, nil
}

// savePNG stacks the plots in rows on one 800-px-wide image.
func savePNG(path string, plots [][]*plot.Plot) error {
	const width, rowHeight = 8 * vg.Inch, 3.2 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, rowHeight*vg.Length(len(plots))), vgimg.UseDPI(100))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter, PadY: vg.Millimeter * 3,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
