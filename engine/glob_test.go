package engine_test

import (
	"strings"
	"testing"

	"github.com/cachee/cachee/internal/oracle"
)

// TestGlobNestingLimit compares KEYS with patterns past Redis's protection
// against abusive patterns (a '*' more than 1000 recursion levels deep
// matches nothing): runs of '*' count once, a trailing '*' does not count,
// and escaped or bracketed '*' are not wildcards.
func TestGlobNestingLimit(t *testing.T) {
	p := oracle.Start(t)
	a, star := strings.Repeat("a", 1200), strings.Repeat("*", 1200)
	p.Do("MSET", a, "1", star, "2")
	for _, pat := range []string{
		strings.Repeat("*a", 1000),
		strings.Repeat("*a", 1001),
		strings.Repeat("a*", 1001),
		strings.Repeat("a*", 1002),
		strings.Repeat("**a", 1000) + "***",
		strings.Repeat("**a", 1001) + "***",
		strings.Repeat("*\\*", 1000),
		strings.Repeat("*\\*", 1001),
		strings.Repeat("*[a]", 1001),
		strings.Repeat("*[*]", 1000),
		strings.Repeat("?*", 1001),
	} {
		p.DoSorted("KEYS", pat)
	}
}
