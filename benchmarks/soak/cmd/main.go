// Command soak runs cachee's soak test (see package soak) and prints its
// report; it exits 1 if a promise was broken. `make soak` runs it for ten
// minutes.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/cachee/cachee/benchmarks/soak"
)

func main() {
	var o soak.Options
	flag.DurationVar(&o.Duration, "duration", 10*time.Minute, "how long to run")
	flag.IntVar(&o.Workers, "workers", 40, "writer connections")
	flag.IntVar(&o.Pipelined, "pipelined", 10, "writers that pipeline 16 commands at a time")
	flag.IntVar(&o.PubSub, "pubsub", 8, "subscriber connections")
	flag.DurationVar(&o.KillEvery, "kill-every", 50*time.Millisecond, "how often a random writer is killed")
	flag.DurationVar(&o.Sample, "sample", 10*time.Second, "how often to print memory and goroutines")
	flag.Parse()
	o.Logf = log.Printf
	start := time.Now()
	rep, err := soak.Run(context.Background(), o)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ran %s: %d commands, %d acknowledged writes checked, %d kills, %d reconnects, %d pub/sub messages\n",
		time.Since(start).Round(time.Second), rep.Commands, rep.Acked, rep.Kills, rep.Reconnects, rep.Messages)
	fmt.Printf("live heap: start %.1f MB, mid %.1f MB, end %.1f MB; goroutines mid-run %d, after %d\n",
		mb(rep.HeapStart), mb(rep.HeapMid), mb(rep.HeapEnd), rep.Goroutines, rep.GoroutinesAfter)
	for _, v := range rep.Violations {
		fmt.Println("VIOLATION:", v)
	}
	if len(rep.Violations) > 0 {
		os.Exit(1)
	}
	fmt.Println("every acknowledged write was read back")
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }
