package engine_test

import (
	"testing"

	"github.com/cachee/cachee/internal/oracle"
)

// TestConfigLimits compares CONFIG SET and GET of the client limits with
// Redis: client-query-buffer-limit, tcp-keepalive and every form of
// client-output-buffer-limit (classes, units, several groups at once, all
// or none applied).
func TestConfigLimits(t *testing.T) {
	csEachProto(t, oracle.Options{}, func(t *testing.T, p *oracle.Pair) {
		get := func() {
			t.Helper()
			p.DoSorted("CONFIG", "GET", "client-*")
			p.Do("CONFIG", "GET", "tcp-keepalive")
		}
		get()
		for _, args := range [][]string{
			{"client-query-buffer-limit", "100"}, {"client-query-buffer-limit", "1mb"}, {"client-query-buffer-limit", "1048575"},
			{"client-query-buffer-limit", "2gb"}, {"client-query-buffer-limit", "abc"}, {"client-query-buffer-limit", "-1"},
			{"client-query-buffer-limit", "1.5mb"}, {"client-query-buffer-limit", "9223372036854775807"},
			{"client-query-buffer-limit", "9223372036854775808"}, {"client-query-buffer-limit", "0"},
			{"client-query-buffer-limit", "3M"},
			{"tcp-keepalive", "-1"}, {"tcp-keepalive", "abc"}, {"tcp-keepalive", "2147483648"}, {"tcp-keepalive", "1k"},
			{"tcp-keepalive", "0"}, {"tcp-keepalive", "60"}, {"tcp-keepalive", "2147483647"}, {"tcp-keepalive", "+5"},
			{"client-output-buffer-limit", "normal 1mb 512kb 10"}, {"client-output-buffer-limit", "replica 1 2 3"},
			{"client-output-buffer-limit", "slave 4 5 6"}, {"client-output-buffer-limit", "pubsub 1gb 0 0"},
			{"client-output-buffer-limit", "NORMAL 1 1 1"}, {"client-output-buffer-limit", "normal 1 2"},
			{"client-output-buffer-limit", "bogus 1 2 3"}, {"client-output-buffer-limit", "normal -1 0 0"},
			{"client-output-buffer-limit", "normal 1x 0 0"}, {"client-output-buffer-limit", "normal 0 0 -1"},
			{"client-output-buffer-limit", "normal 0 0 abc"}, {"client-output-buffer-limit", ""},
			{"client-output-buffer-limit", "normal 7 7 7 pubsub 8 8 8"},
			{"client-output-buffer-limit", "normal 9 9 9 pubsub 1x 0 0"},
			{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
			{"client-query-buffer-limit", "1gb", "tcp-keepalive", "300"},
		} {
			p.Do(append([]string{"CONFIG", "SET"}, args...)...)
			get()
		}
	})
}
