package engine_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
)

// Differential tests of SCAN over the keyspace. Cursors differ between the
// servers (Redis walks its hash table, cachee its shards), so whole
// iterations are compared as sets.

func TestScanDiff(t *testing.T) {
	runDiff(t, []diffCase{
		{"errors", []string{
			"scan x",
			"scan -",
			"scan \" 1\"",
			"scan 0 count 0",
			"scan 0 count -1",
			"scan 0 count x",
			"scan 0 match",
			"scan 0 type",
			"scan 0 novalues",
			"scan 0 count 10 foo bar",
			"scan 18446744073709551616",
		}},
		{"empty", []string{
			"scan 0",
			"scan 0 match * count 1000 type string",
			"scan 0 type nosuchtype",
		}},
		{"small", []string{
			"@both mset a 1 b 2 c 3",
			"@both rpush l x",
			"@both hset h f v",
			"@sorted scan 0",
			"@sorted scan 0 count 1000",
			"@sorted scan 0 type string",
			"@sorted scan 0 TYPE LIST",
			"@sorted scan 0 type hash match h*",
			"@sorted scan 0 match [ab]",
			"scan 0 type set",
		}},
	})
}

func TestScanIterationDiff(t *testing.T) {
	p := oracle.Start(t)
	for _, c := range []*oracle.Client{p.Real(), p.Ours()} {
		args := []string{"MSET"}
		for i := range 3000 {
			args = append(args, "key:"+strconv.Itoa(i), "v")
		}
		mustDo(t, c, args...)
		mustDo(t, c, "RPUSH", "key:list", "x")
		mustDo(t, c, "SADD", "other:set", "x")
	}
	for _, opts := range [][]string{nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "5000"},
		{"MATCH", "key:1*"}, {"MATCH", "*:2?", "COUNT", "3"}, {"TYPE", "list"}, {"TYPE", "set", "COUNT", "2"}} {
		real, ours := strs(scanAll(t, p.Real(), []string{"SCAN"}, opts...)), strs(scanAll(t, p.Ours(), []string{"SCAN"}, opts...))
		r, o := dedup(real), dedup(ours)
		if !slices.Equal(r, o) {
			t.Errorf("SCAN %q: redis %d keys, cachee %d", opts, len(r), len(o))
		}
	}
}
