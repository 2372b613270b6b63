package benchmarks_test

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

func compareSh(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"compare.sh"}, args...)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestCompareShUsage(t *testing.T) {
	if out, err := exec.Command("bash", "-n", "compare.sh").CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	out, _, code := compareSh(t, "--help")
	if code != 0 || !strings.HasPrefix(out, "usage: benchmarks/compare.sh") || !strings.Contains(out, "--requests N") {
		t.Fatalf("--help: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"--bogus"}, {"--reps", "0"}, {"--keys", "x"}} {
		_, stderr, code := compareSh(t, args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "compare.sh: ") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// A whole, tiny run: both servers, every step, files for the chart, and no
// server left running afterwards.
func TestCompareShSmallRun(t *testing.T) {
	for _, tool := range []string{"redis-server", "redis-benchmark", "redis-cli"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CACHEE_REQUIRE_REDIS") != "" {
				t.Fatalf("%s not found and CACHEE_REQUIRE_REDIS is set", tool)
			}
			t.Skipf("%s not installed (apt-get install redis-server redis-tools)", tool)
		}
	}
	dir := t.TempDir()
	out, stderr, code := compareSh(t, "--requests", "2000", "--reps", "1", "--keys", "3000", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"median ratio", "RSS bytes per key", "cachee-inprocess  SET"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if rows := read("summary.csv"); len(rows) != 21 { // header + 10 tests x 2 configs
		t.Errorf("summary.csv has %d rows, want 21", len(rows))
	} else if r := rows[1]; r[1] != "set" || r[2] == "" || r[3] == "" || r[4] == "" {
		t.Errorf("SET row %q lacks rps or ratio", r)
	}
	if rows := read("memory.csv"); len(rows) != 3 || rows[1][0] != "redis" || rows[2][0] != "cachee" || rows[2][1] != "3000" {
		t.Errorf("memory.csv = %q", rows)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "transport-*.json")); len(m) != 5 {
		t.Errorf("%d transport files, want 5", len(m))
	}
	pids := regexp.MustCompile(`pid (\d+)`).FindAllStringSubmatch(out, -1)
	if len(pids) != 6 { // three starts of two servers
		t.Fatalf("%d server pids reported, want 6:\n%s", len(pids), out)
	}
	for _, p := range pids {
		var pid int
		for _, c := range p[1] {
			pid = pid*10 + int(c-'0')
		}
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("server pid %d still running after compare.sh exited", pid)
		}
	}
}
