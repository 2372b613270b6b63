package engine

import "bytes"

// globMatch reports whether s matches the glob pattern p with Redis's rules
// (KEYS, SCAN MATCH, CONFIG GET, PUBSUB): '*' any run, '?' one byte, '[...]'
// a class with ranges and a leading '^' for negation, '\' escaping the next
// byte. nocase folds ASCII letters.
func globMatch(p []byte, s string, nocase bool) bool {
	// Redis's stringmatchlen loops while both pattern and string remain, so
	// an empty string matches only the empty pattern (not even "*").
	if len(s) == 0 {
		return len(p) == 0
	}
	if bytes.Count(p, []byte{'*'}) > maxGlobNesting && starGroups(p) > maxGlobNesting {
		return false
	}
	// Iterative matching with one backtrack point for the last '*': linear
	// for patterns without classes, and never exponential.
	var starP, starS = -1, 0
	pi, si := 0, 0
	for si < len(s) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				for pi < len(p) && p[pi] == '*' {
					pi++
				}
				if pi == len(p) {
					return true
				}
				starP, starS = pi, si
				continue
			case '?':
				pi++
				si++
				continue
			case '[':
				if n, ok := matchClass(p[pi:], s[si], nocase); ok {
					pi += n
					si++
					continue
				}
			case '\\':
				if pi+1 < len(p) {
					if foldEq(p[pi+1], s[si], nocase) {
						pi += 2
						si++
						continue
					}
					break
				}
				fallthrough
			default:
				if foldEq(p[pi], s[si], nocase) {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		pi, si = starP, starS
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches c against the class at the start of p ("[...]") and
// returns the class's length in p. As in Redis, an unterminated class runs to
// the end of the pattern.
func matchClass(p []byte, c byte, nocase bool) (int, bool) {
	i := 1
	not := i < len(p) && p[i] == '^'
	if not {
		i++
	}
	match := false
	for i < len(p) && p[i] != ']' {
		switch {
		case p[i] == '\\' && i+1 < len(p):
			i++
			if p[i] == c { // Redis compares an escaped class byte exactly, even with nocase
				match = true
			}
		case i+2 < len(p) && p[i+1] == '-':
			lo, hi, lc := p[i], p[i+2], c
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				// Lowered for this range only: an escaped byte later in
				// the class still compares with c as it is.
				lo, hi, lc = lower(lo), lower(hi), lower(c)
			}
			if lo <= lc && lc <= hi {
				match = true
			}
			i += 2
		default:
			if foldEq(p[i], c, nocase) {
				match = true
			}
		}
		i++
	}
	if i < len(p) {
		i++ // the closing ']'
	}
	return i, match != not
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func foldEq(a, b byte, nocase bool) bool {
	return a == b || (nocase && lower(a) == lower(b))
}

// maxGlobNesting is Redis's protection against abusive patterns: its
// recursive matcher gives up, answering no match, below this many levels of
// '*'. Each '*' group followed by more pattern is one level, and a match has
// to pass every one of them, so a pattern with more such groups matches
// nothing.
const maxGlobNesting = 1000

// starGroups counts the runs of '*' in p that are followed by more pattern,
// tokenizing p as globMatch does (escapes and classes hide their '*').
func starGroups(p []byte) int {
	n := 0
	for i := 0; i < len(p); {
		switch p[i] {
		case '*':
			for i < len(p) && p[i] == '*' {
				i++
			}
			if i < len(p) {
				n++
			}
			continue
		case '[':
			l, _ := matchClass(p[i:], 0, false)
			i += l
			continue
		case '\\':
			i++
		}
		i++
	}
	return n
}
