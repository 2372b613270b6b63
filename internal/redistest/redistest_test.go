package redistest

import (
	"net"
	"strconv"
	"testing"
)

// TestStartNoticesATakenPort starts a second server on the first one's port:
// start must see that the server answering there is not its own.
func TestStartNoticesATakenPort(t *testing.T) {
	first := Start(t)
	_, p, _ := net.SplitHostPort(first)
	port, _ := strconv.Atoi(p)
	if addr, ok := start(t, Tool(t, "redis-server"), port, nil); ok {
		t.Fatalf("start on a taken port reported its server at %s", addr)
	}
	// Also with a password: the first server refuses AUTH, so it is not ours.
	if _, ok := start(t, Tool(t, "redis-server"), port, []string{"--requirepass", "pw"}); ok {
		t.Fatal("start with a password on a taken port reported success")
	}
	if pid, err := serverPID(first, ""); err != nil || pid <= 0 {
		t.Fatalf("the first server's pid: %d %v", pid, err)
	}
}
