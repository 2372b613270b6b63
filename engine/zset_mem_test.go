package engine

import (
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkZsetMemory reports the heap a 1M-member sorted set holds per
// member (dict, nodes and order index), members "player:N" as in the
// leaderboard benchmarks, random-ish scores.
func BenchmarkZsetMemory(b *testing.B) {
	const n = 1_000_000
	lim := zlimits{entries: 128, value: 64}
	var perMember float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		z := newZset()
		for i := range n {
			z.add("player:"+strconv.Itoa(i), float64(uint32(i*2654435761)%1_000_000), 0, lim)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perMember = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(z)
	}
	b.ReportMetric(perMember, "B/member")
}
