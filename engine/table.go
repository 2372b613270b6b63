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
	// oomExempt: never refused for memory inside MULTI (EXEC, DISCARD, QUIT,
	// RESET).
	oomExempt
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

// table maps lower-case command names to commands: cmds for iteration
// (COMMAND), index for the dispatcher's lookup.
type table struct {
	cmds  map[string]*Command
	index cmdIndex
	// blockingFirst marks the first bytes, in either case, of the commands
	// with Redis's "blocking" flag, so MayBlock answers most names without
	// a lookup.
	blockingFirst [256]bool
}

// cmdIndex finds a command by name in any case with open addressing over an
// FNV-1a hash computed while the name is lower-cased: one pass over the name
// and usually one comparison, several times cheaper than lower-casing into a
// buffer and then looking that up in a Go map.
type cmdIndex struct {
	slots []*Command
	mask  uint32
}

func (x *cmdIndex) build(m map[string]*Command) {
	n := 1
	for n < 4*len(m) {
		n <<= 1
	}
	x.slots, x.mask = make([]*Command, n), uint32(n-1)
	for name, c := range m {
		h := fnv1a([]byte(name))
		for i := h & x.mask; ; i = (i + 1) & x.mask {
			if x.slots[i] == nil {
				x.slots[i] = c
				break
			}
		}
	}
}

func fnv1a(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func (x *cmdIndex) find(name []byte) *Command {
	if len(name) > maxNameLen {
		return nil
	}
	var buf [maxNameLen]byte
	h := uint32(2166136261)
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
		h = (h ^ uint32(c)) * 16777619
	}
	low := buf[:len(name)]
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		c := x.slots[i]
		if c == nil || c.Name == string(low) {
			return c
		}
	}
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
		memoryCommands,
		hashCommands,
		setCommands,
		zsetCommands,
		listCommands,
		scriptingCommands,
		aclCommands,
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
	t.index.build(t.cmds)
	for name, c := range t.cmds {
		if c.Spec.Has(cmdspec.Blocking) {
			t.blockingFirst[name[0]] = true
			t.blockingFirst[name[0]-'a'+'A'] = true
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
func (t *table) Lookup(name []byte) *Command { return t.index.find(name) }

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
