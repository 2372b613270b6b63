package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestEveryCommandHasATest fails when a command (or subcommand) of the table
// appears in no test: every one must be sent by some test script, as a
// string starting with its name ("get k", "GET", after a script directive
// such as "@sorted " or a connection label such as "P: ") or, for a
// subcommand, with its container and name adjacent ("client unblock",
// "CLIENT", "UNBLOCK"); HELP subcommands may also be checked by the shared
// csHelp helpers.
func TestEveryCommandHasATest(t *testing.T) {
	var src strings.Builder
	for _, pattern := range []string{"*_test.go", "../lua/*_test.go", "../*_test.go", "../server/*_test.go"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "meta_internal_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	text := src.String()
	has := func(words ...string) bool {
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = regexp.QuoteMeta(w)
		}
		prefix := `(?:@[a-z]+(?:=\S+)?\s+|[A-Z0-9]+:\s+)?`
		re := regexp.MustCompile(`(?i)["` + "`" + `]` + prefix + strings.Join(parts, `["\s,]+`) + `["\s\\]`)
		if re.MatchString(text) {
			return true
		}
		return len(words) == 2 && words[1] == "help" &&
			regexp.MustCompile(`(?i)csHelp\w*\([^)]*"`+parts[0]+`"`).MatchString(text)
	}
	if has("qqzznotacommand") || has("client", "qqzznotasub") || !has("get") {
		t.Fatal("the matcher does not tell tested commands from untested ones")
	}
	e := New(Config{})
	defer e.Close()
	var missing []string
	for name, cmd := range e.table.cmds {
		if cmd.handler != nil && !has(name) {
			missing = append(missing, name)
		}
		for sub := range cmd.subs {
			if !has(name, sub) {
				missing = append(missing, name+"|"+sub)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d commands appear in no test: %s", len(missing), strings.Join(missing, " "))
	}
}

// TestTypedCmdsFound: every command a typed operation stands for is in the
// table (a misspelt name would leave its checks without a command).
func TestTypedCmdsFound(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	v := reflect.ValueOf(e.typed)
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			t.Errorf("typedCmds.%s is not in the command table", v.Type().Field(i).Name)
		}
	}
}

// MayBlock is true for exactly the commands that can wait for another
// client (the server runs those outside its read callback), whatever the
// name's case, and false for anything else, unknown names included.
func TestMayBlock(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	blocking := map[string]bool{"blpop": true, "brpop": true, "blmove": true, "brpoplpush": true,
		"blmpop": true, "bzpopmin": true, "bzpopmax": true, "bzmpop": true}
	for name := range e.table.cmds {
		if got := e.MayBlock([][]byte{[]byte(name)}); got != blocking[name] {
			t.Errorf("MayBlock(%s) = %v", name, got)
		}
	}
	for _, argv := range [][][]byte{{[]byte("BLPop"), []byte("k"), []byte("0")}} {
		if !e.MayBlock(argv) {
			t.Errorf("MayBlock(%q) = false", argv)
		}
	}
	for _, argv := range [][][]byte{nil, {[]byte("nosuch")}, {[]byte("")}} {
		if e.MayBlock(argv) {
			t.Errorf("MayBlock(%q) = true", argv)
		}
	}
}
