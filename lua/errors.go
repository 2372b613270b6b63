package lua

import (
	"regexp"
	"strconv"
	"strings"
)

// gopher-lua words some errors differently from Lua 5.1, whose messages
// Redis passes on to clients. These translate the ones scripts commonly hit;
// Lua's variable names ("local 'a'") cannot be recovered and are left out,
// as Lua itself leaves them out when it cannot tell.

var runtimeRewrites = []struct {
	re   *regexp.Regexp
	repl func(m []string) string
}{
	{regexp.MustCompile(`cannot perform (?:add|sub|mul|div|mod|pow) operation between (\w+) and (\w+)`),
		func(m []string) string {
			t := m[1]
			if t == "number" {
				t = m[2]
			}
			return "attempt to perform arithmetic on a " + t + " value"
		}},
	{regexp.MustCompile(`cannot perform concat operation between (\w+) and (\w+)`),
		func(m []string) string {
			t := m[1]
			if t == "string" || t == "number" {
				t = m[2]
			}
			return "attempt to concatenate a " + t + " value"
		}},
	{regexp.MustCompile(`attempt to index a non-table object\((\w+)\) with key '.*'`),
		func(m []string) string { return "attempt to index a " + m[1] + " value" }},
	{regexp.MustCompile(`attempt to call a non-function object`),
		func([]string) string { return "attempt to call a nil value" }},
	{regexp.MustCompile(`__len undefined`),
		func([]string) string { return "attempt to get length of a nil value" }},
	{regexp.MustCompile(`__unm undefined`),
		func([]string) string { return "attempt to perform arithmetic on a nil value" }},
	{regexp.MustCompile(`attempt to compare (\w+) with (\w+)`),
		func(m []string) string {
			if m[1] == m[2] {
				return "attempt to compare two " + m[1] + " values"
			}
			return m[0]
		}},
	{regexp.MustCompile(`for statement (init|limit|step) must be a number`),
		func(m []string) string {
			what := map[string]string{"init": "initial value", "limit": "limit", "step": "step"}[m[1]]
			return "'for' " + what + " must be a number"
		}},
	{regexp.MustCompile(`bad argument #(\d+) to (\w+) \(`),
		func(m []string) string { return "bad argument #" + m[1] + " to '" + m[2] + "' (" }},
}

// translateError rewrites a gopher-lua runtime error message in Lua 5.1's
// words. argc is how many arguments the library function that raised it
// got: an argument past them is "no value" to Lua, nil to gopher-lua.
func translateError(msg string, argc int) string {
	for _, r := range runtimeRewrites {
		msg = r.re.ReplaceAllStringFunc(msg, func(s string) string {
			return r.repl(r.re.FindStringSubmatch(s))
		})
	}
	if m := missingArgRe.FindStringSubmatchIndex(msg); m != nil {
		if n, _ := strconv.Atoi(msg[m[2]:m[3]]); n > argc {
			msg = msg[:m[4]] + "no value" + msg[m[5]:]
		}
	}
	return msg
}

var missingArgRe = regexp.MustCompile(`bad argument #(\d+) to '[^']*' \(\w+ expected, got (nil)\)`)

// positionRe finds the "chunk:line:" a runtime error message starts with.
var positionRe = regexp.MustCompile(`^([^:\s]+):(\d+): `)

// syntaxRe matches gopher-lua's parse errors: "chunk line:3(column:7) near
// 'tok':   msg" or "chunk at EOF:   msg".
var syntaxRe = regexp.MustCompile(`^(\S+) (?:line:(\d+)\(column:\d+\) near '(.*)'|at EOF):\s+(.*?)\s*$`)

// syntaxError turns a compile error into Lua 5.1's "chunk:line: msg near
// 'tok'" form. gopher-lua's parser only knows "syntax error", so the wording
// after the position is Lua's most common one rather than the exact one.
func syntaxError(err error, chunk, src string) string {
	m := syntaxRe.FindStringSubmatch(strings.TrimSpace(err.Error()))
	if m == nil {
		return chunk + ": " + err.Error()
	}
	line, tok, msg := m[2], m[3], m[4]
	if line == "" {
		line, tok = strconv.Itoa(strings.Count(src, "\n")+1), "<eof>"
	}
	switch {
	case strings.Contains(msg, "unterminated multiline"):
		msg = "unfinished long string"
	case strings.Contains(msg, "unterminated string"):
		msg = "unfinished string"
	case strings.Contains(msg, "hexadecimal"), strings.Contains(msg, "number"):
		msg = "malformed number"
	default:
		msg = "unexpected symbol"
	}
	return chunk + ":" + line + ": " + msg + " near '" + tok + "'"
}
