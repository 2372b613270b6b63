package cmddoc

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cachee/cachee/engine"
)

// Guards for the hand-written chapters of docs/: they must keep up with
// the code they describe, and their links must land.

const root = "../../.."

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exec runs one command on a fresh engine and returns the reply.
func exec(t *testing.T, args ...string) engine.Reply {
	t.Helper()
	e := engine.New(engine.Config{})
	defer e.Close()
	s := e.NewSession(engine.ConnInfo{}, false)
	defer s.Close()
	w := engine.NewCapture(3)
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	e.Exec(s, argv, w)
	return w.Replies()[0]
}

// Every field INFO prints is explained in the operations chapter.
func TestOperationsDocumentsEveryInfoField(t *testing.T) {
	doc := readDoc(t, "docs/operations.md")
	info := exec(t, "INFO", "everything").Str
	for _, line := range strings.Split(info, "\r\n") {
		field, _, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.Contains(doc, "`"+field+"`") {
			t.Errorf("INFO field %s is not in docs/operations.md", field)
		}
	}
}

// Every parameter CONFIG GET knows is in the configuration chapter.
func TestConfigurationDocumentsEveryParameter(t *testing.T) {
	doc := readDoc(t, "docs/configuration.md")
	r := exec(t, "CONFIG", "GET", "*")
	for i := 0; i < len(r.Elems); i += 2 {
		name := r.Elems[i].Str
		if !regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + `\b|alias ` + regexp.QuoteMeta(name) + `\)`).MatchString(doc) {
			t.Errorf("CONFIG parameter %s has no row in docs/configuration.md", name)
		}
	}
}

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile("(?m)^#+ (.+)$")
	fence     = regexp.MustCompile("(?ms)^```.*?^```")
)

// Every chapter is in the book's table of contents, and every relative
// link of the README and the chapters reaches a file and, with a
// #fragment, one of its headings.
func TestDocsLinksResolve(t *testing.T) {
	chapters, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	toc := readDoc(t, "docs/README.md")
	anchors := map[string]map[string]bool{}
	headings := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		a := map[string]bool{}
		for _, m := range mdHeading.FindAllStringSubmatch(fence.ReplaceAllString(string(b), ""), -1) {
			a[anchor(m[1])] = true
		}
		anchors[path] = a
		return a
	}
	for _, path := range append(chapters, filepath.Join(root, "README.md")) {
		name := filepath.Base(path)
		if filepath.Dir(path) != root && name != "README.md" && !strings.Contains(toc, "]("+name+")") {
			t.Errorf("docs/%s is not in docs/README.md's table of contents", name)
		}
		b, _ := os.ReadFile(path)
		for _, m := range mdLink.FindAllStringSubmatch(fence.ReplaceAllString(string(b), ""), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			dest := path
			if file != "" {
				dest = filepath.Join(filepath.Dir(path), file)
			}
			if _, err := os.Stat(dest); err != nil {
				t.Errorf("%s links to %s: no such file", name, target)
				continue
			}
			if frag != "" && !headings(dest)[frag] {
				t.Errorf("%s links to %s: no such heading", name, target)
			}
		}
	}
}
