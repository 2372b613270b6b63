package engine

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// TestScanGuaranteeUnderMutation is the property SCAN promises: every key
// present for the whole iteration is returned at least once, while other
// goroutines add and delete keys (growing and shrinking the tables) and keys
// expire. Each full iteration is checked against the stable keys.
func TestScanGuaranteeUnderMutation(t *testing.T) {
	e := New(Config{Shards: 8})
	defer e.Close()
	setup := e.NewSession(ConnInfo{}, false)
	const stable = 3000
	for i := range stable {
		execArgs(e, setup, "SET", "stable:"+strconv.Itoa(i), "v")
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.NewSession(ConnInfo{}, false)
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for round := 0; !stop.Load(); round++ {
				// Grow by thousands of keys, some expiring at once, then
				// delete them all: every table doubles and halves.
				n := 1000 + rng.IntN(4000)
				prefix := "tmp:" + strconv.Itoa(g) + ":" + strconv.Itoa(round) + ":"
				for i := 0; i < n && !stop.Load(); i++ {
					k := prefix + strconv.Itoa(i)
					if i%10 == 0 {
						execArgs(e, s, "SET", k, "v", "PX", "1")
					} else {
						execArgs(e, s, "SET", k, "v")
					}
				}
				for i := 0; i < n; i++ {
					execArgs(e, s, "DEL", prefix+strconv.Itoa(i))
				}
			}
		}()
	}

	s := e.NewSession(ConnInfo{}, false)
	rng := rand.New(rand.NewPCG(99, 1))
	for iter := 0; iter < 30; iter++ {
		seen := make(map[string]bool, stable)
		cursor := "0"
		for calls := 0; ; calls++ {
			if calls > 1_000_000 {
				t.Fatal("SCAN does not end")
			}
			r := execArgs(e, s, "SCAN", cursor, "COUNT", strconv.Itoa(1+rng.IntN(60)))
			if r.Kind != KindArray || len(r.Elems) != 2 {
				t.Fatalf("SCAN reply %+v", r)
			}
			for _, k := range r.Elems[1].Elems {
				seen[k.Str] = true
			}
			if cursor = r.Elems[0].Str; cursor == "0" {
				break
			}
		}
		for i := range stable {
			if k := "stable:" + strconv.Itoa(i); !seen[k] {
				t.Fatalf("iteration %d missed %s", iter, k)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
}
