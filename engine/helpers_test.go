package engine_test

import (
	"testing"

	"github.com/cachee/cachee/internal/oracle"
	"github.com/cachee/cachee/protocol"
)

// Helpers shared by the differential tests of several families.

// scanAll runs a whole SCAN-family iteration, cmd being the command and its
// key ({"SCAN"}, {"HSCAN", "h"}...) and opts its options, and returns every
// element of every page in order, duplicates included.
func scanAll(t *testing.T, c *oracle.Client, cmd []string, opts ...string) []protocol.Value {
	t.Helper()
	var out []protocol.Value
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 100000 {
			t.Fatalf("%s does not end", cmd[0])
		}
		args := append(append(append([]string(nil), cmd...), cursor), opts...)
		v := mustDo(t, c, args...)
		if len(v.Elems) != 2 {
			t.Fatalf("%s reply %v", cmd[0], v)
		}
		out = append(out, v.Elems[1].Elems...)
		if cursor = v.Elems[0].Str; cursor == "0" {
			return out
		}
	}
}

// strs returns the text of each value.
func strs(vs []protocol.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Str
	}
	return out
}
