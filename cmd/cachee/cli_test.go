package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cachee/cachee/engine"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Every flag of serve and bench belongs to a help group: only --help is
// left for "Other flags", so a new flag has to say where it goes.
func TestEveryFlagHasAHelpGroup(t *testing.T) {
	for _, cmd := range []*cobra.Command{serveCmd(), benchCmd()} {
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && len(f.Annotations[groupAnnotation]) != 1 {
				t.Errorf("cachee %s --%s is in no help group: add it to %sGroups", cmd.Name(), f.Name, cmd.Name())
			}
		})
	}
}

// --help prints the groups in order, each flag once, after the usage line
// and the examples.
func TestHelpIsGrouped(t *testing.T) {
	for _, tc := range []struct {
		cmd    string
		groups []flagGroup
		flags  *pflag.FlagSet
	}{
		{"serve", serveGroups, serveCmd().Flags()},
		{"bench", benchGroups, benchCmd().Flags()},
	} {
		stdout, stderr, code := runCLI(t, tc.cmd, "--help")
		if code != 0 || stderr != "" {
			t.Fatalf("%s --help: exit %d, stderr %q", tc.cmd, code, stderr)
		}
		last := strings.Index(stdout, "Usage:\n  cachee "+tc.cmd)
		if last < 0 || !strings.Contains(stdout, "Examples:\n  cachee "+tc.cmd) {
			t.Fatalf("%s --help lacks the usage line or examples:\n%s", tc.cmd, stdout)
		}
		for _, g := range append(tc.groups, flagGroup{title: "Other"}) {
			i := strings.Index(stdout, "\n"+g.title+" flags:\n")
			if i < last {
				t.Fatalf("%s --help: group %q missing or out of order:\n%s", tc.cmd, g.title, stdout)
			}
			last = i
		}
		flagsPart := stdout[strings.Index(stdout, "\n"+tc.groups[0].title+" flags:\n"):]
		tc.flags.VisitAll(func(f *pflag.Flag) {
			if n := strings.Count(flagsPart, "--"+f.Name+" "); n != 1 {
				t.Errorf("%s --help shows --%s %d times", tc.cmd, f.Name, n)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	stdout, stderr, code := runCLI(t, "version")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "cachee ") || !strings.Contains(stdout, runtime.Version()) ||
		!strings.Contains(stdout, "redis compatibility: "+engine.RedisVersion) {
		t.Fatalf("cachee version printed:\n%s", stdout)
	}
	if out, _, _ := runCLI(t, "--version"); !strings.HasPrefix(out, "cachee version ") {
		t.Fatalf("cachee --version printed %q", out)
	}
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2025-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		linked string
		bi     *debug.BuildInfo
		want   []string
	}{
		{"v1.2.3", bi, []string{"cachee v1.2.3\n", "revision: abc123 (modified) of 2025-01-02T03:04:05Z\n"}},
		{"", bi, []string{"cachee v0.3.0\n"}},
		{"", nil, []string{"cachee (unknown)\n"}},
	} {
		got := versionText(tc.linked, tc.bi)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("versionText(%q) = %q, want it to contain %q", tc.linked, got, w)
			}
		}
	}
}

// startServe runs `cachee serve args...` and returns its stderr lines as
// they come.
func startServe(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "serve"}, args...)...)
	cmd.Env = append(os.Environ(), "CACHEE_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// waitReady reads the server's log until it is ready to accept connections.
func waitReady(t *testing.T, lines <-chan string) {
	t.Helper()
	for l := nextLine(t, lines); !strings.Contains(l, "ready to accept connections"); l = nextLine(t, lines) {
	}
}

func nextLine(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatal("serve's stderr closed")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no log line from serve")
	}
	return ""
}

// JSON logs at debug level: every line is a JSON object; the server starts,
// serves, and on SIGTERM logs its shutdown and exits 0.
func TestServeLogsJSONAndStopsOnSIGTERM(t *testing.T) {
	port := strconv.Itoa(redistest.FreePort(t))
	cmd, lines := startServe(t, "--port", port, "--log-format", "json", "--loglevel", "debug")
	var msgs []string
	for len(msgs) == 0 || msgs[len(msgs)-1] != "cachee ready to accept connections" {
		var rec struct{ Level, Msg, Addr string }
		l := nextLine(t, lines)
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Level == "" {
			t.Fatalf("log line is not slog JSON: %q (%v)", l, err)
		}
		if rec.Msg == "cachee ready to accept connections" && rec.Addr != "127.0.0.1:"+port {
			t.Fatalf("ready on %q, want 127.0.0.1:%s", rec.Addr, port)
		}
		msgs = append(msgs, rec.Msg)
	}
	if msgs[0] != "configuration" {
		t.Fatalf("debug level should log the configuration first, got %q", msgs)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	all := strings.Join(rest, "\n")
	if !strings.Contains(all, `"msg":"received signal, shutting down","signal":"terminated"`) ||
		!strings.Contains(all, `"msg":"cachee is now ready to exit, bye bye"`) {
		t.Fatalf("shutdown log:\n%s", all)
	}
}

// Text logs at the default level; warning hides the notices; a bad level
// or format is one line and exit 1; a port in use is logged as an error.
func TestServeLogLevelsAndFormats(t *testing.T) {
	port := strconv.Itoa(redistest.FreePort(t))
	_, lines := startServe(t, "--port", port)
	l := nextLine(t, lines)
	if !strings.Contains(l, "level=INFO") || !strings.Contains(l, `msg="cachee ready to accept connections" addr=127.0.0.1:`+port) {
		t.Fatalf("text log line %q", l)
	}
	// The port is taken now: a second server fails, logging why.
	_, stderr, code := runCLI(t, "serve", "--port", port, "--loglevel", "warning")
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "level=ERROR") ||
		!strings.Contains(stderr, `msg="cannot listen"`) || !strings.Contains(stderr, "address already in use") {
		t.Fatalf("serve on a used port: exit %d, stderr %q", code, stderr)
	}
	for _, tc := range []struct{ args, want string }{
		{"--log-format xml", `cachee: invalid log-format "xml" (text or json)`},
		{"--loglevel loud", `cachee: invalid loglevel "loud"`},
	} {
		_, stderr, code := runCLI(t, append([]string{"serve"}, strings.Fields(tc.args)...)...)
		if code != 1 || !strings.HasPrefix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("serve %s: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}

func TestLogLevels(t *testing.T) {
	var b strings.Builder
	log, err := newLogger(&b, "verbose", "text")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden")
	log.Log(context.Background(), levelVerbose, "shown")
	log.Info("notice")
	if got := b.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "level=VERBOSE msg=shown") ||
		!strings.Contains(got, "level=INFO msg=notice") {
		t.Fatalf("verbose level logged:\n%s", got)
	}
	b.Reset()
	log, _ = newLogger(&b, "nothing", "json")
	log.Error("silence")
	if b.Len() != 0 {
		t.Fatalf("loglevel nothing logged %q", b.String())
	}
}

// Every serve flag has its row in the configuration chapter.
func TestConfigurationDocumentsEveryServeFlag(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	serveCmd().Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && !strings.Contains(string(doc), "`--"+f.Name+"`") {
			t.Errorf("serve --%s is not in docs/configuration.md", f.Name)
		}
	})
}

// Engine settings are flags and directives of their CONFIG SET names: given
// either way they are in effect when the server starts, and a bad value is
// refused with CONFIG SET's reason.
func TestServeAppliesEngineSettings(t *testing.T) {
	port := strconv.Itoa(redistest.FreePort(t))
	conf := filepath.Join(t.TempDir(), "cachee.conf")
	if err := os.WriteFile(conf, []byte("notify-keyspace-events KEA\nhash-max-ziplist-entries 7\nmaxmemory 64mb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, lines := startServe(t, "--port", port, "--config", conf, "--maxmemory-policy", "allkeys-lru", "--maxmemory", "2mb")
	waitReady(t, lines)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	defer rdb.Close()
	got, err := rdb.ConfigGet(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"notify-keyspace-events":    "AKE",
		"hash-max-listpack-entries": "7",
		"maxmemory":                 "2097152", // the flag wins over the file
		"maxmemory-policy":          "allkeys-lru",
	} {
		if got[name] != want {
			t.Errorf("CONFIG GET %s = %q, want %q", name, got[name], want)
		}
	}
	_, lines = startServe(t, "--port", strconv.Itoa(redistest.FreePort(t)), "--maxmemory-policy", "sometimes")
	if l := nextLine(t, lines); !strings.Contains(l, "maxmemory-policy") || !strings.Contains(l, "must be one of the following") {
		t.Errorf("a bad setting: %q", l)
	}
}

// A redis.conf or command line that turns persistence off (save "",
// appendonly no) starts the server as it starts redis-server; one that asks
// for snapshots or an AOF is refused with why, naming the line.
func TestServeAcceptsPersistenceOff(t *testing.T) {
	port := strconv.Itoa(redistest.FreePort(t))
	dir := t.TempDir()
	off := filepath.Join(dir, "off.conf")
	if err := os.WriteFile(off, []byte("save \"\"\nappendonly no\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, lines := startServe(t, "--port", port, "--config", off, "--save", "", "--appendonly", "no")
	waitReady(t, lines)
	on := filepath.Join(dir, "on.conf")
	if err := os.WriteFile(on, []byte("save 900 1 300 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--config", on}, {"--appendonly", "yes"}} {
		_, lines = startServe(t, append([]string{"--port", strconv.Itoa(redistest.FreePort(t))}, args...)...)
		if l := nextLine(t, lines); !strings.Contains(l, "cachee keeps no") {
			t.Errorf("%q: %q, want a refusal", args, l)
		}
	}
}

// --cpuprofile writes a CPU profile (gzipped protobuf, what go tool pprof
// reads) that is complete once the server has stopped on SIGTERM.
func TestServeWritesCPUProfile(t *testing.T) {
	port := strconv.Itoa(redistest.FreePort(t))
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	cmd, lines := startServe(t, "--port", port, "--cpuprofile", prof)
	waitReady(t, lines)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port})
	defer rdb.Close()
	for i := range 200 {
		if err := rdb.Set(context.Background(), "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("profile is not gzipped (%d bytes): %v", len(b), err)
	}
	body, err := io.ReadAll(zr)
	// A CPU profile's string table always names its sample types.
	if err != nil || !bytes.Contains(body, []byte("samples")) || !bytes.Contains(body, []byte("nanoseconds")) {
		t.Fatalf("%d bytes that are not a CPU profile (%v)", len(body), err)
	}
}
