// Package soak is cachee's soak test: mixed load from many connections
// (plain, pipelined, pub/sub) against a cachee server, with clients killed at
// random (CLIENT KILL) and reconnecting, then a check that every
// acknowledged write is readable, that memory stayed flat and that the
// goroutines of departed clients are gone.
//
// `make soak` runs it for 10 minutes (go run ./benchmarks/soak/cmd); the
// package test runs a few seconds of it so the checker itself stays honest.
package soak

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/protocol"
	"github.com/cachee/cachee/server"
)

// Options size a soak run.
type Options struct {
	Duration  time.Duration
	Workers   int           // connections writing counters and lists
	Pipelined int           // of which pipeline 16 commands at a time
	PubSub    int           // subscriber connections
	KillEvery time.Duration // how often a random client is killed
	Sample    time.Duration // how often memory is sampled
	Logf      func(format string, args ...any)
}

// Report is what a run measured. Violations lists every broken promise;
// an empty list is a pass.
type Report struct {
	Commands, Acked, Kills, Reconnects, Messages int64
	HeapStart, HeapMid, HeapEnd                  uint64 // live heap after GC
	Goroutines, GoroutinesAfter                  int
	Violations                                   []string
}

// worker is one writer: it owns counter key c:<id> and list l:<id>, and
// records what the server acknowledged.
type worker struct {
	id        int
	pipeline  int
	acked     int64 // INCRs acknowledged
	sent      int64 // INCRs sent (acknowledged or not)
	pushed    []int // list elements whose RPUSH was acknowledged, in the current generation's list
	gen       int   // the current list is l:<id>:<gen>
	toVerify  []generation
	nextElem  int
	conns     int
	commands  int64
	verified  int64 // acknowledged pushes checked (and the list reset) during the run
	violation []string
	connected atomic.Pointer[net.Conn]
}

// resetEvery is how many acknowledged pushes a worker's list holds before
// the worker starts a new list and checks the old one (then deletes it), so
// memory stays flat.
const resetEvery = 500

// generation is a finished list awaiting its check.
type generation struct {
	gen    int
	pushed []int
}

func (w *worker) listKey(gen int) string { return "l:" + strconv.Itoa(w.id) + ":" + strconv.Itoa(gen) }

// Run starts a server on a loopback port, drives the load for o.Duration
// and checks the promises.
func Run(ctx context.Context, o Options) (Report, error) {
	var rep Report
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	e := engine.New(engine.Config{})
	defer e.Close()
	srv := server.New(e, server.Config{Port: 0})
	if err := srv.Listen(); err != nil {
		return rep, err
	}
	go srv.Serve()
	defer srv.Shutdown(context.Background())
	addr := srv.Addrs()[0].String()

	rep.HeapStart = liveHeap()
	baseGoroutines := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()

	var wg sync.WaitGroup
	workers := make([]*worker, o.Workers)
	for i := range workers {
		w := &worker{id: i, pipeline: 1}
		if i < o.Pipelined {
			w.pipeline = 16
		}
		workers[i] = w
		wg.Add(1)
		go func() { defer wg.Done(); w.run(ctx, addr) }()
	}
	var messages atomic.Int64
	for range o.PubSub {
		wg.Add(1)
		go func() { defer wg.Done(); subscribe(ctx, addr, &messages) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); publish(ctx, addr) }()
	// The killer: CLIENT KILL of a random worker's connection.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rep.Kills = killer(ctx, addr, workers, o.KillEvery)
	}()
	mid := time.NewTimer(o.Duration / 2)
	tick := time.NewTicker(o.Sample)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-mid.C:
			rep.HeapMid = liveHeap()
			rep.Goroutines = runtime.NumGoroutine()
		case <-tick.C:
			logf("heap %d MB, goroutines %d, messages %d", liveHeap()>>20, runtime.NumGoroutine(), messages.Load())
		}
	}
	wg.Wait()
	rep.Messages = messages.Load()
	for _, w := range workers {
		rep.Commands += w.commands
		rep.Acked += w.acked + w.verified + int64(len(w.pushed))
		rep.Reconnects += int64(w.conns - 1)
	}
	rep.Violations = check(addr, workers)
	// Every client is gone: the server's goroutines for them must be too.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseGoroutines+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	rep.GoroutinesAfter = runtime.NumGoroutine()
	if rep.GoroutinesAfter > baseGoroutines+2 {
		rep.Violations = append(rep.Violations, fmt.Sprintf("%d goroutines after the clients left, %d before they came", rep.GoroutinesAfter, baseGoroutines))
	}
	rep.HeapEnd = liveHeap()
	// Flat memory: the data is bounded (counters, lists reset every
	// resetEvery pushes, SET keys with a TTL), so the heap at the end is not
	// much above the middle of the run.
	if rep.HeapEnd > 2*rep.HeapMid+8<<20 {
		rep.Violations = append(rep.Violations, fmt.Sprintf("heap grew from %d MB mid-run to %d MB", rep.HeapMid>>20, rep.HeapEnd>>20))
	}
	return rep, nil
}

// run writes until ctx ends, reconnecting whenever its connection dies.
func (w *worker) run(ctx context.Context, addr string) {
	rng := rand.New(rand.NewPCG(uint64(w.id), 1))
	for ctx.Err() == nil {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		w.conns++
		w.connected.Store(&c)
		w.session(ctx, c, rng)
		w.connected.Store(nil)
		c.Close()
	}
}

// session sends batches of INCR and RPUSH (and a few reads) on c until ctx
// ends or the connection breaks. Writes not acknowledged when it breaks are
// "unsure": they may or may not have been applied.
func (w *worker) session(ctx context.Context, c net.Conn, rng *rand.Rand) {
	r := bufio.NewReader(c)
	ckey := "c:" + strconv.Itoa(w.id)
	do := func(args ...string) (protocol.Value, bool) {
		if _, err := c.Write(protocol.AppendCommand(nil, args...)); err != nil {
			return protocol.Value{}, false
		}
		v, err := protocol.ReadValue(r)
		return v, err == nil
	}
	for ctx.Err() == nil {
		// Check finished lists, then delete them; after a broken
		// connection this is simply done again.
		for len(w.toVerify) > 0 {
			g := w.toVerify[0]
			v, ok := do("LRANGE", w.listKey(g.gen), "0", "-1")
			if !ok {
				return
			}
			w.violation = append(w.violation, w.verify(v, g.pushed)...)
			if _, ok := do("DEL", w.listKey(g.gen)); !ok {
				return
			}
			w.verified += int64(len(g.pushed))
			w.toVerify = w.toVerify[1:]
		}
		lkey := w.listKey(w.gen)
		var buf []byte
		type pending struct{ incr, elem int }
		var batch []pending
		for range w.pipeline {
			switch rng.IntN(3) {
			case 0:
				buf = protocol.AppendCommand(buf, "INCR", ckey)
				batch = append(batch, pending{incr: 1})
				w.sent++
			case 1:
				w.nextElem++
				buf = protocol.AppendCommand(buf, "RPUSH", lkey, strconv.Itoa(w.nextElem))
				batch = append(batch, pending{elem: w.nextElem})
			default:
				buf = protocol.AppendCommand(buf, "SET", "s:"+strconv.Itoa(rng.IntN(1000)), strconv.Itoa(rng.IntN(1e6)), "EX", "30")
				batch = append(batch, pending{})
			}
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(buf); err != nil {
			return
		}
		for _, p := range batch {
			v, err := protocol.ReadValue(r)
			if err != nil || v.Kind == '-' {
				return
			}
			w.commands++
			switch {
			case p.incr == 1:
				w.acked++
			case p.elem > 0:
				w.pushed = append(w.pushed, p.elem)
			}
		}
		if len(w.pushed) >= resetEvery {
			w.toVerify = append(w.toVerify, generation{w.gen, w.pushed})
			w.gen, w.pushed = w.gen+1, nil
		}
	}
}

// verify checks a list's contents against its acknowledged pushes: every one
// present, in order, and nothing that was never sent.
func (w *worker) verify(list protocol.Value, pushed []int) []string {
	var bad []string
	got := map[int]bool{}
	prev := 0
	for _, e := range list.Elems {
		x, _ := strconv.Atoi(e.Str)
		if x <= prev || x > w.nextElem {
			bad = append(bad, fmt.Sprintf("worker %d: list element %d out of order or never sent", w.id, x))
		}
		got[x], prev = true, x
	}
	for _, x := range pushed {
		if !got[x] {
			bad = append(bad, fmt.Sprintf("worker %d: acknowledged element %d missing", w.id, x))
			break
		}
	}
	return bad
}

// killer kills a random connected worker every period and counts the kills.
func killer(ctx context.Context, addr string, workers []*worker, every time.Duration) int64 {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0
	}
	defer c.Close()
	r := bufio.NewReader(c)
	var kills int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return kills
		case <-t.C:
		}
		w := workers[rand.IntN(len(workers))]
		conn := w.connected.Load()
		if conn == nil {
			continue
		}
		local := (*conn).LocalAddr().String()
		if _, err := c.Write(protocol.AppendCommand(nil, "CLIENT", "KILL", "ADDR", local)); err != nil {
			return kills
		}
		if v, err := protocol.ReadValue(r); err == nil && v.Kind == protocol.KindInt && v.Int > 0 {
			kills++
		}
	}
}

// subscribe listens on the soak channel, reconnecting as needed.
func subscribe(ctx context.Context, addr string, n *atomic.Int64) {
	for ctx.Err() == nil {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			continue
		}
		go func() { <-ctx.Done(); c.Close() }()
		r := bufio.NewReader(c)
		c.Write(protocol.AppendCommand(nil, "SUBSCRIBE", "soak"))
		for {
			if _, err := protocol.ReadValue(r); err != nil {
				break
			}
			n.Add(1)
		}
		c.Close()
	}
}

// publish sends to the soak channel until ctx ends.
func publish(ctx context.Context, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; ctx.Err() == nil; i++ {
		c.Write(protocol.AppendCommand(nil, "PUBLISH", "soak", strconv.Itoa(i)))
		if _, err := protocol.ReadValue(r); err != nil {
			return
		}
	}
}

// check reads every worker's keys back: each counter holds at least its
// acknowledged INCRs and at most those plus the unacknowledged ones; each
// list holds every acknowledged element, in order, and nothing never sent.
func check(addr string, workers []*worker) []string {
	var bad []string
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return []string{"checker cannot connect: " + err.Error()}
	}
	defer c.Close()
	r := bufio.NewReader(c)
	do := func(args ...string) protocol.Value {
		c.Write(protocol.AppendCommand(nil, args...))
		v, err := protocol.ReadValue(r)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q: %v", args, err))
		}
		return v
	}
	for _, w := range workers {
		n, _ := strconv.ParseInt(do("GET", "c:"+strconv.Itoa(w.id)).Str, 10, 64)
		if n < w.acked || n > w.sent {
			bad = append(bad, fmt.Sprintf("worker %d: counter %d, %d INCRs acknowledged of %d sent", w.id, n, w.acked, w.sent))
		}
		bad = append(bad, w.violation...)
		for _, g := range append(w.toVerify, generation{w.gen, w.pushed}) {
			bad = append(bad, w.verify(do("LRANGE", w.listKey(g.gen), "0", "-1"), g.pushed)...)
		}
	}
	return bad
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
