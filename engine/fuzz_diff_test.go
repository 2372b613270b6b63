package engine_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/oracle"
)

// How TestExecScriptsDiff compares a command's replies.
const (
	diffExact  = iota
	diffSorted // order unspecified: compared sorted
	diffKind   // content legitimately differs (times, ids, randomness, cursors): same type, same error text
	diffSkip   // not comparable one reply at a time, or changes what follows at random
)

// diffModes are the exceptions to byte-for-byte comparison, by command
// (lower case, "container|sub" for subcommands).
var diffModes = map[string]int{
	"smembers": diffSorted, "keys": diffSorted, "sinter": diffSorted, "sunion": diffSorted, "sdiff": diffSorted,
	"hkeys": diffSorted, "hvals": diffSorted, "hgetall": diffSorted, "pubsub": diffSorted,
	"time": diffKind, "lastsave": diffKind, "info": diffKind, "client": diffKind, "hello": diffKind, "command": diffKind,
	"config": diffKind, "object": diffKind, "randomkey": diffKind,
	"srandmember": diffKind, "zrandmember": diffKind, "hrandfield": diffKind,
	"ttl": diffKind, "pttl": diffKind, "expiretime": diffKind, "pexpiretime": diffKind,
	"scan": diffKind, "sscan": diffKind, "hscan": diffKind, "zscan": diffKind,
	"spop": diffSkip, "subscribe": diffSkip, "psubscribe": diffSkip, "ssubscribe": diffSkip,
	"unsubscribe": diffSkip, "punsubscribe": diffSkip, "sunsubscribe": diffSkip,
	"publish": diffSkip, "spublish": diffSkip, "shutdown": diffSkip, "debug": diffSkip, "monitor": diffSkip,
	"wait": diffSkip, "blpop": diffSkip, "brpop": diffSkip, "blmove": diffSkip, "brpoplpush": diffSkip,
	"blmpop": diffSkip, "bzpopmin": diffSkip, "bzpopmax": diffSkip, "bzmpop": diffSkip,
}

// TestExecScriptsDiff runs FuzzExec's seed scripts and the inputs it found
// (testdata/fuzz/FuzzExec) against Redis and cachee over the same fixture,
// in RESP2 and RESP3, comparing each reply as diffModes says.
func TestFuzzScriptsDiff(t *testing.T) {
	fixture, scripts := engine.ExecScripts()
	scripts = append(scripts, fuzzCorpus(t, "testdata/fuzz/FuzzExec")...)
	if dir := os.Getenv("CACHEE_FUZZ_CORPUS"); dir != "" {
		// The fuzzer's whole working corpus, e.g.
		// $(go env GOCACHE)/fuzz/github.com/cachee/cachee/engine/FuzzExec
		scripts = append(scripts, fuzzCorpus(t, dir)...)
	}
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		resp3 := strings.HasSuffix(t.Name(), "resp3")
		for _, script := range scripts {
			p.Both("RESET")
			if resp3 {
				p.Both("HELLO", "3")
			}
			for _, l := range fixture {
				p.Both(strings.Split(l, " ")...)
			}
			for _, l := range strings.Split(script, "\n") {
				if l == "" {
					continue
				}
				argv := strings.Split(l, " ")
				switch diffModes[strings.ToLower(argv[0])] {
				case diffExact:
					p.Do(argv...)
				case diffSorted:
					p.DoSorted(argv...)
				case diffKind:
					p.DoKind(argv...)
				}
			}
		}
	})
}

// fuzzCorpus reads the string argument of each Go fuzz corpus file in dir.
func fuzzCorpus(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "string("); ok {
				s, err := strconv.Unquote(strings.TrimSuffix(v, ")"))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				out = append(out, s)
			}
		}
	}
	return out
}
