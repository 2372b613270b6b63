package engine

import (
	"sort"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// cmdDef binds a handler to a command of Redis's specification. Arity, flags,
// ACL categories and key positions are not repeated here: they come from the
// spec (engine/internal/cmdspec, generated from Redis itself), so the table
// cannot drift from Redis. Subcommands are named "parent|sub".
type cmdDef struct {
	name    string
	handler func(*Ctx)
	opts    cmdOpt
}

// cmdOpt says how the dispatcher runs a command beyond what the spec says.
type cmdOpt uint8

const (
	// lockAll: the command reads or writes the whole keyspace (KEYS, FLUSHALL,
	// SWAPDB...), so every shard is locked rather than those of its keys.
	lockAll cmdOpt = 1 << iota
	// txControl: runs at once inside MULTI instead of being queued (MULTI,
	// EXEC, DISCARD, WATCH, QUIT, RESET).
	txControl
	// isExec: EXEC, whose refusals by the dispatcher answer EXECABORT.
	isExec
	// subscribedOK: allowed to a RESP2 client in subscribed mode ((P|S)SUBSCRIBE,
	// (P|S)UNSUBSCRIBE, PING, QUIT, RESET).
	subscribedOK
)

// Command is one entry of the command table: a Redis command (or subcommand)
// we implement, its specification and its handler.
type Command struct {
	Name    string
	Spec    *cmdspec.Spec
	handler func(*Ctx)
	opts    cmdOpt
	parent  *Command
	subs    map[string]*Command
}

// table maps lower-case command names to commands.
type table struct {
	cmds map[string]*Command
}

// families lists every command family's definitions; each lives in its own
// cmd_<family>.go beside its tests.
func families() [][]cmdDef {
	return [][]cmdDef{
		stringCommands,
		keyCommands,
		connectionCommands,
		serverCommands,
		multiCommands,
		pubsubCommands,
		hashCommands,
		setCommands,
		zsetCommands,
		listCommands,
		scriptingCommands,
	}
}

func newTable() *table {
	t := &table{cmds: map[string]*Command{}}
	for _, fam := range families() {
		for _, d := range fam {
			spec := cmdspec.Lookup(d.name)
			if spec == nil {
				panic("cachee: command " + d.name + " is not in Redis's specification")
			}
			c := &Command{Name: d.name, Spec: spec, handler: d.handler, opts: d.opts}
			parent, sub, isSub := cut(d.name, '|')
			if !isSub {
				t.cmds[d.name] = c
				continue
			}
			p := t.cmds[parent]
			if p == nil {
				p = &Command{Name: parent, Spec: cmdspec.Lookup(parent)}
				t.cmds[parent] = p
			}
			if p.subs == nil {
				p.subs = map[string]*Command{}
			}
			c.parent = p
			p.subs[sub] = c
		}
	}
	return t
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// maxNameLen bounds the stack buffer used to lower-case a command name; no
// Redis command or subcommand name is longer.
const maxNameLen = 32

// lookupIn finds name (any case) in m without allocating.
func lookupIn(m map[string]*Command, name []byte) *Command {
	if len(name) > maxNameLen {
		return nil
	}
	var buf [maxNameLen]byte
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return m[string(buf[:len(name)])]
}

// Lookup finds a top-level command by name, in any case.
func (t *table) Lookup(name []byte) *Command { return lookupIn(t.cmds, name) }

// sorted returns the top-level commands by name.
func (t *table) sorted() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// FullName is the name Redis uses in errors and COMMAND output ("client|setname").
func (c *Command) FullName() string { return c.Name }

// isSubOf reports whether spec s is a subcommand we implement of c.
func (c *Command) hasSub(s *cmdspec.Spec) bool {
	_, sub, _ := cut(s.Name, '|')
	return c.subs[sub] != nil
}
