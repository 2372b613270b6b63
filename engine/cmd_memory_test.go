package engine_test

import (
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
)

// Differential tests of maxmemory's visible behaviour, OBJECT FREQ and
// IDLETIME under the LFU and LRU policies, MEMORY's replies and the memory
// settings. Byte counts differ from Redis's allocator, so MEMORY USAGE and
// STATS are compared by reply type only.

func TestMemoryDiff(t *testing.T) {
	runDiff(t, []diffCase{
		{"noeviction refuses writes, not reads", []string{
			"@both set k v",
			"@both rpush l a",
			"config set maxmemory 1",
			"set x y",
			"rpush l b",
			"incr n",
			"get k",
			"lrange l 0 -1",
			"del k",
			"exists k",
			"multi",
			"get l",
			"set y z",
			"exec",
			"multi",
			"get l",
			"exec",
			"config set maxmemory 0",
			"set x y",
		}},
		{"object freq and idletime by policy", []string{
			"@both set k v",
			"object freq k",
			"object freq nokey",
			"config set maxmemory-policy allkeys-lfu",
			"@both set k2 v",
			"object freq k2",
			"get k2",
			"object freq k2",
			"object idletime k2",
			"config set maxmemory-policy allkeys-lru",
			"object idletime nokey",
			"object freq k2",
			"config set maxmemory-policy noeviction",
		}},
		{"memory usage and friends", []string{
			"memory usage nokey",
			"@both set k v",
			"@kind memory usage k",
			"@kind memory usage k samples 0",
			"@kind memory usage k SAMPLES 5 samples 1",
			"memory usage k samples -1",
			"memory usage k samples x",
			"memory usage k samples",
			"memory usage k foo 1",
			"memory usage",
			"memory purge",
			"memory foo",
			"memory help",
			"@kind memory doctor",
			"@kind memory malloc-stats",
		}},
		{"settings", []string{
			"config set maxmemory-policy foo",
			"config set maxmemory-policy VOLATILE-TTL",
			"config get maxmemory-policy",
			"config set maxmemory-policy noeviction",
			"config set maxmemory-samples 0",
			"config set maxmemory-samples 7",
			"config get maxmemory-samples",
			"config set maxmemory-samples 5",
			"config set maxmemory 1gb",
			"config get maxmemory",
			"config set maxmemory -1",
			"config set maxmemory 0",
			"config set maxmemory-eviction-tenacity 101",
			"config set lfu-log-factor -1",
			"config set lfu-decay-time 2",
			"config get lfu-decay-time",
			"config set lfu-decay-time 1",
		}},
	})
}

// TestMemoryStatsShape compares MEMORY STATS field names and types.
func TestMemoryStatsShape(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		p := oracle.Start(t)
		p.Both("HELLO", proto)
		p.Both("SET", "k", "v")
		shape := func(c *oracle.Client) string {
			v := mustDo(t, c, "MEMORY", "STATS")
			var b strings.Builder
			for i := 0; i+1 < len(v.Elems); i += 2 {
				b.WriteString(v.Elems[i].Str + ":" + string(v.Elems[i+1].Kind) + " ")
			}
			return string(v.Kind) + " " + b.String()
		}
		if r, o := shape(p.Real()), shape(p.Ours()); r != o {
			t.Errorf("RESP%s MEMORY STATS shape:\n redis:  %s\n cachee: %s", proto, r, o)
		}
		info := mustDo(t, p.Ours(), "INFO", "memory").Str
		for _, f := range []string{"used_memory:", "maxmemory:0", "maxmemory_policy:noeviction", "used_memory_peak:"} {
			if !strings.Contains(info, f) {
				t.Errorf("INFO memory lacks %q", f)
			}
		}
	}
}
