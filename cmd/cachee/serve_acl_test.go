package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/protocol"
)

// serve --aclfile loads the users at start and refuses to start on a bad
// file, as redis-server does; "aclfile" in a config file works alike.
func TestServeACLFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.acl")
	if err := os.WriteFile(bad, []byte("user a on +nosuch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "serve", "--port", strconv.Itoa(redistest.FreePort(t)), "--aclfile", bad)
	if code == 0 || !strings.Contains(stderr, "aborting startup because of ACL errors: "+bad+":1: Error in applying operation '+nosuch'") {
		t.Fatalf("bad ACL file: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = runCLI(t, "serve", "--port", strconv.Itoa(redistest.FreePort(t)), "--aclfile", filepath.Join(dir, "missing.acl"))
	if code == 0 || !strings.Contains(stderr, "No such file or directory") {
		t.Fatalf("missing ACL file: exit %d, stderr %q", code, stderr)
	}

	good := filepath.Join(dir, "users.acl")
	if err := os.WriteFile(good, []byte("user default off\nuser app on >secret ~app:* +@all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "cachee.conf")
	if err := os.WriteFile(conf, []byte("aclfile "+good+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(redistest.FreePort(t))
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--port", port, "--config", conf)
	cmd.Env = append(os.Environ(), "CACHEE_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var c net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if c, err = net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, step := range []struct{ args, want string }{
		{"GET app:1", "-NOAUTH Authentication required.\r\n"},
		{"AUTH default x", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"AUTH app secret", "+OK\r\n"},
		{"SET app:1 v", "+OK\r\n"},
		{"SET x v", "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
		{"CONFIG GET aclfile", "*2\r\n"},
	} {
		_, _ = c.Write(protocol.AppendCommand(nil, strings.Fields(step.args)...))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := r.ReadString('\n'); got != step.want {
			t.Fatalf("%s: %q %v, want %q", step.args, got, err, step.want)
		}
	}
}
