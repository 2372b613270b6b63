package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/internal/redistest"
)

// TestServeLimitSettings runs the cachee binary with the limit settings in a
// redis.conf-style file and on the command line, and reads them back with
// CONFIG GET: repeated client-output-buffer-limit lines add up, flags win
// over the file, tcp-keepalive 0 is 0, and bad values stop the start with
// the reason.
func TestServeLimitSettings(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "cachee")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := redistest.FreePort(t)
	conf := filepath.Join(t.TempDir(), "cachee.conf")
	if err := os.WriteFile(conf, []byte(strings.Join([]string{
		"port " + strconv.Itoa(port),
		"client-output-buffer-limit normal 1mb 512kb 10",
		"client-output-buffer-limit pubsub 16mb 4mb 30",
		"client-query-buffer-limit 2mb",
		"tcp-keepalive 0",
		"proto-max-bulk-len 1mb",
		"maxclients 100",
	}, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", conf, "--maxclients", "50")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ready to accept connections") {
				ready <- true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("cachee serve did not start")
	}
	c := oracle.Dial(t, "127.0.0.1:"+strconv.Itoa(port))
	for _, want := range [][2]string{
		{"client-output-buffer-limit", "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 16777216 4194304 30"},
		{"client-query-buffer-limit", "2097152"},
		{"tcp-keepalive", "0"},
		{"proto-max-bulk-len", "1048576"},
		{"maxclients", "50"},
	} {
		v, err := c.Value("CONFIG", "GET", want[0])
		if err != nil || len(v.Elems) != 2 || v.Elems[1].Str != want[1] {
			t.Errorf("CONFIG GET %s: %v %v, want %q", want[0], v, err, want[1])
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--client-output-buffer-limit", "normal 1x 0 0"}, "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{[]string{"--client-output-buffer-limit", "nosuch 1 1 1"}, "Invalid client class specified in buffer limit configuration."},
		{[]string{"--tls-port", "1", "--tls-cert-file", "x.pem", "--tls-key-file", "x.key"}, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified"},
		{[]string{"--tls-port", "1", "--tls-key-file", "x.key", "--tls-auth-clients", "no"}, "No tls-cert-file configured!"},
	} {
		out, err := exec.Command(bin, append([]string{"serve", "--port", strconv.Itoa(redistest.FreePort(t))}, tc.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("serve %q: %v %q, want %q", tc.args, err, out, tc.want)
		}
	}
}
