package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// runOptions are the settings of a run that do not depend on the workload.
type runOptions struct {
	clients  int
	pipeline int
	requests int           // per workload, split over groups; unused with duration
	duration time.Duration // run each workload this long instead
	seed     uint64
	progress io.Writer // live progress line, nil for none
}

// errStat counts one command's error replies and keeps the first text.
type errStat struct {
	count int64
	first string
}

// commandErrors is the error summary of one command in a result.
type commandErrors struct {
	Command string `json:"command"`
	Count   int64  `json:"count"`
	First   string `json:"first"`
}

// result is one workload's run against one target.
type result struct {
	Test     string
	Target   string
	Server   string
	Requests int64 // completed requests
	Errors   int64 // requests with at least one error reply
	Elapsed  time.Duration
	// hist holds request latencies in nanoseconds.
	hist          *hdrhistogram.Histogram
	CommandErrors []commandErrors
	SetupErrors   []commandErrors
}

// Latencies are recorded in nanoseconds up to a minute (longer ones count as
// a minute). Three significant digits cost ~220 KB per client; past 200
// clients two digits (~30 KB) keep memory in bounds.
const maxLatency = int64(time.Minute)

func newHistogram(clients int) *hdrhistogram.Histogram {
	digits := 3
	if clients > 200 {
		digits = 2
	}
	return hdrhistogram.New(1, maxLatency, digits)
}

func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	_ = h.RecordValue(min(max(int64(d), 1), maxLatency))
}

// client is one connection's loop and its private statistics: nothing is
// shared with other clients but the request counters.
type client struct {
	run    *runState
	conn   benchConn
	gen    *generator
	left   *atomic.Int64
	hist   *hdrhistogram.Histogram
	errs   []errStat
	reqs   int64
	failed int64
	reqErr bool
	t0     time.Time
	now    time.Time
	// onReply is cl.reply bound once: a method value made per call would
	// allocate on every batch.
	onReply func(int, []byte)
}

type runState struct {
	o        runOptions
	deadline time.Time
	issued   atomic.Int64
	stop     atomic.Bool
}

// claim takes the next batch: up to -P requests, fewer at the end of -n.
func (cl *client) claim() int {
	p := cl.run.o.pipeline
	if cl.run.stop.Load() {
		return 0
	}
	if cl.run.o.duration > 0 {
		if !cl.now.Before(cl.run.deadline) {
			return 0
		}
	} else {
		left := cl.left.Add(int64(-p))
		switch {
		case left >= 0:
		case left+int64(p) > 0:
			p = int(left + int64(p))
		default:
			return 0
		}
	}
	cl.run.issued.Add(int64(p))
	return p
}

func (cl *client) loop() error {
	for n := cl.claim(); n > 0; n = cl.claim() {
		cl.gen.batch(n)
		cl.t0 = time.Now()
		if err := cl.conn.do(cl.gen.cmds, cl.onReply); err != nil {
			return err
		}
	}
	return nil
}

// reply counts a reply; after a request's last one it records the request's
// latency: from the moment its batch was sent until that reply, as
// redis-benchmark measures pipelined requests.
func (cl *client) reply(i int, errText []byte) {
	if errText != nil {
		s := &cl.errs[cl.gen.ids[i]]
		if s.count == 0 {
			s.first = string(errText)
		}
		s.count++
		cl.reqErr = true
	}
	if !cl.gen.last[i] {
		return
	}
	cl.now = time.Now()
	recordLatency(cl.hist, cl.now.Sub(cl.t0))
	cl.reqs++
	if cl.reqErr {
		cl.failed++
		cl.reqErr = false
	}
}

// runWorkload connects the clients, loads the workload's data, runs it and
// merges what the clients measured.
func runWorkload(t target, w *workload, o runOptions) (*result, error) {
	conns := make([]benchConn, 0, o.clients)
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	for range o.clients {
		c, err := t.connect()
		if err != nil {
			return nil, err
		}
		conns = append(conns, c)
	}
	res := &result{Test: w.name, Target: t.String(), Server: t.server(), hist: newHistogram(o.clients)}
	var err error
	if res.SetupErrors, err = runSetup(conns[0], w.setup); err != nil {
		return nil, fmt.Errorf("%s: loading data for %s: %w", t, w.name, err)
	}

	ng := len(w.groups)
	left := make([]atomic.Int64, ng)
	for g := range left {
		left[g].Store(int64(o.requests / ng))
		if g < o.requests%ng {
			left[g].Add(1)
		}
	}
	st := &runState{o: o}
	clients := make([]*client, len(conns))
	for i, c := range conns {
		g := i % ng
		clients[i] = &client{run: st, conn: c, left: &left[g], hist: newHistogram(o.clients),
			errs: make([]errStat, len(w.commands)),
			gen:  newGenerator(w, &w.groups[g], o.seed+uint64(i)*0x9e3779b97f4a7c15, o.pipeline)}
	}
	start := time.Now()
	st.deadline = start.Add(o.duration)
	stopProgress := showProgress(o.progress, w.name, &st.issued, start)
	var wg sync.WaitGroup
	errs := make([]error, len(clients))
	for i, cl := range clients {
		cl.now, cl.onReply = start, cl.reply
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = cl.loop(); errs[i] != nil {
				st.stop.Store(true)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	stopProgress()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: connection lost during %s: %v", t, w.name, err)
		}
	}
	merged := make([]errStat, len(w.commands))
	for _, cl := range clients {
		res.Requests += cl.reqs
		res.Errors += cl.failed
		res.hist.Merge(cl.hist)
		for id, s := range cl.errs {
			if merged[id].count == 0 {
				merged[id].first = s.first
			}
			merged[id].count += s.count
		}
	}
	for id, s := range merged {
		if s.count > 0 {
			res.CommandErrors = append(res.CommandErrors, commandErrors{w.commands[id], s.count, s.first})
		}
	}
	return res, nil
}

// runSetup sends the workload's data-loading commands over one connection,
// pipelined in batches, and tallies the error replies by command.
func runSetup(c benchConn, setup [][]string) ([]commandErrors, error) {
	const batch = 64
	var out []commandErrors
	index := map[string]int{}
	for lo := 0; lo < len(setup); lo += batch {
		part := setup[lo:min(lo+batch, len(setup))]
		cmds := make([][][]byte, len(part))
		for i, cmd := range part {
			for _, a := range cmd {
				cmds[i] = append(cmds[i], []byte(a))
			}
		}
		err := c.do(cmds, func(i int, e []byte) {
			if e == nil {
				return
			}
			name := part[i][0]
			j, ok := index[name]
			if !ok {
				j = len(out)
				index[name] = j
				out = append(out, commandErrors{Command: name, First: string(e)})
			}
			out[j].Count++
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// showProgress rewrites one line on w four times a second with the requests
// sent so far and the current rate; the returned func erases it.
func showProgress(w io.Writer, name string, issued *atomic.Int64, start time.Time) func() {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		last, lastT := int64(0), start
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case now := <-tick.C:
				n := issued.Load()
				rate := float64(n-last) / now.Sub(lastT).Seconds()
				fmt.Fprintf(w, "\r\033[K%s: %d requests, %.0f requests/s (%.1f s)", name, n, rate, now.Sub(start).Seconds())
				last, lastT = n, now
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
