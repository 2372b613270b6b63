package cmddoc

import (
	"strings"

	"github.com/cachee/cachee/engine"
)

// arg is one node of COMMAND DOCS' argument tree.
type arg struct {
	name, typ, token string
	optional         bool
	multiple         bool
	multipleToken    bool
	args             []arg
}

// mapField returns the value of key in a RESP3 map reply (nil if absent).
func mapField(m engine.Reply, key string) *engine.Reply {
	for i := 0; i+1 < len(m.Elems); i += 2 {
		if m.Elems[i].Str == key {
			return &m.Elems[i+1]
		}
	}
	return nil
}

func mapString(m engine.Reply, key string) string {
	if v := mapField(m, key); v != nil {
		return v.Str
	}
	return ""
}

func parseArgs(list *engine.Reply) []arg {
	if list == nil {
		return nil
	}
	out := make([]arg, 0, len(list.Elems))
	for _, m := range list.Elems {
		a := arg{name: mapString(m, "name"), typ: mapString(m, "type"), token: mapString(m, "token"),
			args: parseArgs(mapField(m, "arguments"))}
		if flags := mapField(m, "flags"); flags != nil {
			for _, f := range flags.Elems {
				switch f.Str {
				case "optional":
					a.optional = true
				case "multiple":
					a.multiple = true
				case "multiple_token":
					a.multipleToken = true
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// syntax renders an argument list the way redis.io writes command syntax:
// [optional], a | b for alternatives, <a | b> when one is required,
// "x [x ...]" for repetition, TOKEN value for tokens.
func syntax(args []arg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.syntax()
	}
	return strings.Join(parts, " ")
}

func (a arg) syntax() string {
	var s string
	switch a.typ {
	case "pure-token":
		s = a.token
	case "oneof":
		alts := make([]string, len(a.args))
		for i, c := range a.args {
			alts[i] = c.syntax()
		}
		s = strings.Join(alts, " | ")
		if a.token != "" || a.multiple {
			s = "<" + s + ">"
		}
	case "block":
		s = syntax(a.args)
	default:
		s = a.name
	}
	tok := ""
	if a.token != "" && a.typ != "pure-token" {
		tok = a.token + " "
	}
	switch {
	case a.multiple && a.multipleToken:
		s = tok + s + " [" + tok + s + " ...]"
	case a.multiple:
		s = tok + s + " [" + s + " ...]"
	default:
		s = tok + s
	}
	switch {
	case a.optional:
		return "[" + s + "]"
	case a.typ == "oneof" && tok == "" && !a.multiple:
		return "<" + s + ">"
	}
	return s
}
