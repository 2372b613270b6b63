package engine

import (
	"strings"
	"testing"
)

// refGlob is the reference for globMatch: a direct transcription of the
// semantics of Redis 7.0's stringmatchlen (util.c) as a recursion over
// (pattern position, string position), the C cursor loop step for step,
// including its nesting cutoff (a '*' more than 1000 levels deep matches
// nothing). It leaves out only skipLongerMatches, which prunes the search
// without changing its answer, and memoizes instead, so that fuzzed patterns
// stay cheap to check. The nesting level is a function of the pattern
// position (every '*' group before it was passed by one recursion), so the
// memo is keyed by the two positions alone.
func refGlob(p, s string, nocase bool) bool {
	type state struct{ pi, si int }
	memo := map[state]bool{}
	low := func(c byte) byte {
		if nocase {
			return lower(c)
		}
		return c
	}
	var match func(pi, si, nesting int) bool
	match = func(pi, si, nesting int) bool {
		if nesting > 1000 {
			return false
		}
		st := state{pi, si}
		if v, ok := memo[st]; ok {
			return v
		}
		r := func() bool {
			for pi < len(p) && si < len(s) {
				switch p[pi] {
				case '*':
					for pi+1 < len(p) && p[pi+1] == '*' {
						pi++
					}
					if pi == len(p)-1 {
						return true
					}
					for ; si < len(s); si++ {
						if match(pi+1, si, nesting+1) {
							return true
						}
					}
					return false
				case '?':
					si++
				case '[':
					pi++
					not := pi < len(p) && p[pi] == '^'
					if not {
						pi++
					}
					matched := false
					for {
						if pi < len(p) && p[pi] == '\\' && len(p)-pi >= 2 {
							pi++
							if p[pi] == s[si] {
								matched = true
							}
						} else if pi < len(p) && p[pi] == ']' {
							break
						} else if pi >= len(p) {
							pi-- // an unterminated class ends with the pattern
							break
						} else if len(p)-pi >= 3 && p[pi+1] == '-' {
							lo, hi, c := p[pi], p[pi+2], s[si]
							if lo > hi {
								lo, hi = hi, lo
							}
							if low(c) >= low(lo) && low(c) <= low(hi) {
								matched = true
							}
							pi += 2
						} else if low(p[pi]) == low(s[si]) {
							matched = true
						}
						pi++
					}
					if matched == not {
						return false
					}
					si++
				case '\\':
					if len(p)-pi >= 2 {
						pi++
					}
					fallthrough
				default:
					if low(p[pi]) != low(s[si]) {
						return false
					}
					si++
				}
				pi++
				if si == len(s) {
					for pi < len(p) && p[pi] == '*' {
						pi++
					}
					break
				}
			}
			return pi == len(p) && si == len(s)
		}()
		memo[st] = r
		return r
	}
	return match(0, 0, 0)
}

// TestGlobPathological runs the patterns that make a backtracking matcher
// exponential (Redis CVE-2022-36021) over long strings. globMatch is
// O(len(pattern) x len(string)): each case is a few million steps, where an
// exponential matcher would not finish before the test binary's timeout.
func TestGlobPathological(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"*a*a*a*a*a*a*b", strings.Repeat("a", 100_000), false},
		{strings.Repeat("*a", 60) + "*b", strings.Repeat("a", 50_000), false},
		{strings.Repeat("*?", 200) + "*b", strings.Repeat("x", 20_000), false},
		{strings.Repeat("*[a-z]", 100) + "*!", strings.Repeat("q", 30_000) + "!", true},
		{strings.Repeat("a*", 999) + "b", strings.Repeat("a", 5_000), false},
	} {
		if got := globMatch([]byte(tc.pat), tc.s, false); got != tc.want {
			t.Errorf("globMatch(%.20q..., %d bytes) = %v, want %v", tc.pat, len(tc.s), got, tc.want)
		}
	}
}

// FuzzGlob compares globMatch with refGlob on arbitrary patterns and
// strings, in both case modes. The seeds lean on the metacharacters.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"", ""}, {"a*c", "abbbc"}, {"h[^e]llo", "hallo"}, {"h[a-]llo", "h]llo"},
		{"[^", "a"}, {"[abc", "b"}, {"a\\", "a\\"}, {"[\\]]", "]"}, {"h[\\E]llo", "hello"},
		{"*a*a*a*b", "aaaaaaaaab"}, {"[z-a]?*\\", "q\\x\\"}, {"[]a]", "]"}, {"[-a]", "-"},
		{"**?[^]*", "ab]c"}, {"\\[x", "[x"}, {"[a-\\]", "b"}, {"*[", "x["},
	} {
		f.Add(s[0], s[1], false)
		f.Add(s[0], strings.ToUpper(s[1]), true)
	}
	f.Fuzz(func(t *testing.T, pat, s string, nocase bool) {
		if len(pat) > 64 || len(s) > 256 {
			return // the reference's memo grows with the product
		}
		if got, want := globMatch([]byte(pat), s, nocase), refGlob(pat, s, nocase); got != want {
			t.Fatalf("globMatch(%q, %q, nocase=%v) = %v, reference %v", pat, s, nocase, got, want)
		}
	})
}
