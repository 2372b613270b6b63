package soak

import (
	"context"
	"testing"
	"time"
)

// TestShortSoak runs a few seconds of the soak so the load, the kills and the
// checker are exercised on every CI run (make soak runs ten minutes).
func TestShortSoak(t *testing.T) {
	rep, err := Run(context.Background(), Options{Duration: 3 * time.Second, Workers: 8, Pipelined: 3,
		PubSub: 2, KillEvery: 20 * time.Millisecond, Sample: time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rep)
	for _, v := range rep.Violations {
		t.Error(v)
	}
	if rep.Kills == 0 || rep.Reconnects == 0 || rep.Acked == 0 || rep.Messages == 0 {
		t.Errorf("the soak did not exercise kills (%d), reconnects (%d), writes (%d) and messages (%d)",
			rep.Kills, rep.Reconnects, rep.Acked, rep.Messages)
	}
}
