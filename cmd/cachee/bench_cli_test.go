package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/redistest"
)

// The test binary doubles as the cachee binary: run with CACHEE_TEST_MAIN=1
// it executes main() with the arguments after "--", so these tests see the
// real exit codes and stderr.
func TestMain(m *testing.M) {
	if os.Getenv("CACHEE_TEST_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"cachee"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "CACHEE_TEST_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestBenchBinaryFailsWithOneLine(t *testing.T) {
	free := strconv.Itoa(redistest.FreePort(t))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--nope"}, "unknown flag: --nope"},
		{[]string{"bench", "-c", "x"}, `invalid argument "x" for "-c, --clients"`},
		{[]string{"bench", "-c", "0"}, "-c must be at least 1"},
		{[]string{"bench", "-t", "sett"}, `unknown test "sett"`},
		{[]string{"bench", "--scenario", "nope"}, `unknown scenario "nope"`},
		{[]string{"bench", "-p", free, "-n", "10"}, "cannot connect to tcp 127.0.0.1:" + free + ": connection refused"},
		{[]string{"bench", "-s", "/nonexistent/x.sock"}, "cannot connect to unix /nonexistent/x.sock: no such file or directory"},
		{[]string{"bench", "--compare", "127.0.0.1:" + free, "-n", "10"}, "cannot connect to tcp 127.0.0.1:" + free},
	} {
		stdout, stderr, code := runCLI(t, tc.args...)
		if code == 0 {
			t.Errorf("%q: exit 0, want failure", tc.args)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "cachee: ") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: stderr %q, want one line with %q", tc.args, stderr, tc.want)
		}
		if stdout != "" {
			t.Errorf("%q: printed %q on stdout", tc.args, stdout)
		}
	}
}

func TestBenchBinaryRuns(t *testing.T) {
	stdout, stderr, code := runCLI(t, "bench", "-t", "set,get", "-n", "300", "-c", "3", "-r", "50", "-q")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "SET: ") || !strings.HasPrefix(lines[1], "GET: ") {
		t.Fatalf("quiet output %q: want a SET line and a GET line", stdout)
	}
	// Not a terminal: no progress line.
	if strings.Contains(stdout, "\r") {
		t.Fatalf("progress written to a non-terminal: %q", stdout)
	}
	stdout, _, code = runCLI(t, "bench", "-n", "50", "-c", "2", "--csv", "--", "INCR", "hits")
	if code != 0 || !strings.HasPrefix(stdout, strings.Join(csvHeader, ",")+"\nINCR hits,in-process,cachee,50,0,") {
		t.Fatalf("custom command CSV (exit %d):\n%s", code, stdout)
	}
}
