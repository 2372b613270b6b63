package cmddoc

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/commands.md must be what the generator writes now: this fails when
// the command table, the notes or the differential tests changed and the
// reference was not regenerated.
func TestCommandsMarkdownIsCurrent(t *testing.T) {
	want, err := Markdown("../..")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/commands.md is stale: run `go generate ./engine/internal/cmddoc` (make docs) and commit it")
	}
}

// Every note is about a command cachee implements, so notes cannot outlive
// their command or carry a misspelt name.
func TestNotesNameImplementedCommands(t *testing.T) {
	impl, err := implemented()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for name, c := range impl {
		known[name] = true
		for _, sc := range c.subs {
			known[sc.name] = true
		}
	}
	for name := range notes {
		if !known[name] {
			t.Errorf("notes has %q, which cachee does not implement", name)
		}
	}
}

// The syntax lines match redis.io's for commands that exercise every
// argument shape.
func TestSyntax(t *testing.T) {
	impl, err := implemented()
	if err != nil {
		t.Fatal(err)
	}
	find := func(name string) *command {
		parent, sub, ok := strings.Cut(name, "|")
		c := impl[parent]
		if ok && c != nil {
			for _, sc := range c.subs {
				if sc.name == parent+"|"+sub {
					return sc
				}
			}
			return nil
		}
		return c
	}
	for name, want := range map[string]string{
		"get":          "GET key",
		"mset":         "MSET key value [key value ...]",
		"set":          "SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
		"zadd":         "ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
		"blmpop":       "BLMPOP timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
		"client|reply": "CLIENT REPLY <ON | OFF | SKIP>",
		"client|list":  "CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
		"zrange":       "ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]",
		"ping":         "PING [message]",
	} {
		c := find(name)
		if c == nil {
			t.Errorf("%s not implemented", name)
			continue
		}
		if got := strings.TrimSpace(c.display() + " " + syntax(c.args)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// Headings' anchors are unique, so every link of the index lands on its
// own section.
func TestAnchorsAreUnique(t *testing.T) {
	md, err := Markdown("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(md), -1) {
		a := anchor(m[1])
		if seen[a] {
			t.Errorf("two headings have the anchor #%s", a)
		}
		seen[a] = true
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(md), -1) {
		if !seen[m[1]] {
			t.Errorf("link to #%s, which no heading has", m[1])
		}
	}
}

// Only files importing the oracle count, and both script lines and call
// arguments are read.
func TestDifferentialScan(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a_test.go", `package x
import "github.com/cachee/cachee/internal/oracle"
var _ = oracle.Pair{}
var cases = []string{"@approx=1 ttl k", "set k v", "S: @3 lpush l a"}
func f(p *oracle.Pair) { p.Do("CLIENT", "LIST"); p.Do("nosuch") }
`)
	write("b_test.go", `package x
func g() { call("GET", "k") }
`)
	impl := map[string]*command{"ttl": {}, "set": {}, "client": {}, "get": {}, "lpush": {}}
	got, err := differentialCommands([]string{dir}, impl)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ttl", "set", "client", "client|list", "lpush"} {
		if !got[name] {
			t.Errorf("%s not found", name)
		}
	}
	if got["get"] || got["nosuch"] {
		t.Errorf("found commands outside differential files or unknown ones: %v", got)
	}
}
