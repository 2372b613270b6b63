package cmdspec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./gen

//go:embed commands.json
var commandsJSON []byte

// Flag is a set of Redis command flags, one bit per flag.
type Flag uint32

// Command flags, named in comments as COMMAND INFO prints them.
// MayReplicate and Protected are never printed by Redis; they are set from the
// generator's hidden-flag table. Sentinel and OnlySentinel are never set.
const (
	Write           Flag = 1 << iota // write
	Readonly                         // readonly
	DenyOOM                          // denyoom
	Module                           // module
	Admin                            // admin
	PubSub                           // pubsub
	NoScript                         // noscript
	Blocking                         // blocking
	Loading                          // loading
	Stale                            // stale
	SkipMonitor                      // skip_monitor
	SkipSlowlog                      // skip_slowlog
	Fast                             // fast
	NoAuth                           // no_auth
	MayReplicate                     // may_replicate
	Sentinel                         // sentinel
	OnlySentinel                     // only_sentinel
	NoMandatoryKeys                  // no_mandatory_keys
	Protected                        // protected
	NoAsyncLoading                   // no_async_loading
	NoMulti                          // no_multi
	MovableKeys                      // movablekeys
	AllowBusy                        // allow_busy
	Asking                           // asking
)

var flagNames = [...]string{
	"write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
	"loading", "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth", "may_replicate",
	"sentinel", "only_sentinel", "no_mandatory_keys", "protected", "no_async_loading",
	"no_multi", "movablekeys", "allow_busy", "asking",
}

// FlagByName returns the flag Redis names name (e.g. "denyoom").
func FlagByName(name string) (Flag, bool) {
	for i, n := range flagNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}

// String lists the flag names separated by spaces, in bit order.
func (f Flag) String() string {
	var parts []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, " ")
}

// KeyFlag is a set of key-spec flags.
type KeyFlag uint16

// Key-spec flags; COMMAND INFO prints them as "RW", "RO", "OW", "RM", "access",
// "update", "insert", "delete", "not_key", "incomplete", "variable_flags".
const (
	KeyRW KeyFlag = 1 << iota
	KeyRO
	KeyOW
	KeyRM
	KeyAccess
	KeyUpdate
	KeyInsert
	KeyDelete
	KeyNotKey
	KeyIncomplete
	KeyVariableFlags
)

var keyFlagNames = [...]string{
	"RW", "RO", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
	"variable_flags",
}

// String lists the key flag names separated by spaces, in bit order.
func (f KeyFlag) String() string {
	var parts []string
	for i, n := range keyFlagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, " ")
}

// BeginSearch is the kind of a key spec's begin_search step.
type BeginSearch uint8

// Begin-search kinds.
const (
	BeginSearchUnknown BeginSearch = iota
	BeginSearchIndex               // start at a fixed argv index
	BeginSearchKeyword             // start after a keyword
)

// FindKeys is the kind of a key spec's find_keys step.
type FindKeys uint8

// Find-keys kinds.
const (
	FindKeysUnknown FindKeys = iota
	FindKeysRange            // a range of keys
	FindKeysKeyNum           // a count argument followed by keys
)

// RangeSpec is find_keys "range": keys from the begin index to LastKey
// (relative to it; negative counts from the end of argv, -1 being the last
// argument), every KeyStep arguments. With a non-zero Limit and LastKey -1, only
// 1/Limit of the remaining arguments are keys.
type RangeSpec struct {
	LastKey, KeyStep, Limit int
}

// KeyNumSpec is find_keys "keynum": the key count is at begin+KeyNumIdx and the
// first key at begin+FirstKey, every KeyStep arguments.
type KeyNumSpec struct {
	KeyNumIdx, FirstKey, KeyStep int
}

// KeySpec is one Redis 7 key specification.
type KeySpec struct {
	Notes string
	Flags KeyFlag

	BeginSearch BeginSearch
	Index       int    // BeginSearchIndex: argv index
	Keyword     string // BeginSearchKeyword: the keyword, as Redis prints it
	StartFrom   int    // BeginSearchKeyword: where to start (negative: from the end, backwards)

	FindKeys FindKeys
	Range    RangeSpec  // FindKeysRange
	KeyNum   KeyNumSpec // FindKeysKeyNum
}

// Spec is the metadata of one command or subcommand. Specs are shared and
// must be treated as read-only.
type Spec struct {
	Name                    string // lower case; subcommands as "client|setname"
	Arity                   int
	Flags                   Flag
	FirstKey, LastKey, Step int
	ACLCategories           []string // as Redis prints them, e.g. "@write"
	Tips                    []string // e.g. "nondeterministic_output"
	KeySpecs                []KeySpec
	Subcommands             []*Spec // sorted by name (Redis's own order is random per process)
	Parent                  *Spec   // the container command of a subcommand, else nil
	Group, Summary, Since   string  // from COMMAND DOCS ("" when absent)
	Complexity              string

	// infoJSON and docsJSON are a top-level command's COMMAND INFO and
	// DOCS entries in commands.json, decoded only when a client asks for
	// them (the trees would hold ~1.8 MB of heap in every engine); a
	// subcommand's are inside its parent's.
	infoJSON, docsJSON []byte
	subs               map[string]*Spec // by name without the parent prefix
	proc               getKeysProc
	hasKeys            bool // Redis's doesCommandHaveKeys
	useSpecs           bool // a key spec without NOT_KEY and none with VARIABLE_FLAGS
	// oneKey is the argv index of the only key of a command whose key specs
	// say exactly that (GET, INCR, HSET...), 0 otherwise: KeyRefs' fast path.
	oneKey int
	// onePos is oneKey, or 1 for the commands whose getkeys_proc always
	// answers argv[1] alone (SET, SORT_RO, BITFIELD): KeyPositions' fast path.
	onePos int
}

// Has reports whether s has every flag in f.
func (s *Spec) Has(f Flag) bool { return s.Flags&f == f }

// Sub returns the subcommand called name (lower case, without the parent
// prefix), or nil.
func (s *Spec) Sub(name string) *Spec { return s.subs[name] }

// HasKeys reports whether the command takes key arguments at all, as Redis's
// doesCommandHaveKeys decides it (COMMAND GETKEYS answers ErrNoKeyArguments
// otherwise). Key specs flagged NOT_KEY (the shard channels of SPUBLISH and
// friends) do not count.
func (s *Spec) HasKeys() bool { return s.hasKeys }

// ArityOK reports whether argc (including the command name, and the
// subcommand name for a subcommand) satisfies the arity: exactly Arity when
// positive, at least -Arity when negative.
func (s *Spec) ArityOK(argc int) bool {
	if s.Arity >= 0 {
		return argc == s.Arity
	}
	return argc >= -s.Arity
}

type registry struct {
	version string
	all     []*Spec          // top-level, sorted
	top     map[string]*Spec // top-level by name
	byName  map[string]*Spec // every command and subcommand by full name
}

var (
	loadOnce sync.Once
	reg      *registry
)

func load() *registry {
	loadOnce.Do(func() {
		r, err := parse(commandsJSON)
		if err != nil {
			panic("cmdspec: commands.json: " + err.Error())
		}
		reg = r
	})
	return reg
}

// RedisVersion is the version of the Redis server the metadata was captured from.
func RedisVersion() string { return load().version }

// Lookup returns the command called name (lower case), "parent|sub" for a
// subcommand, or nil.
func Lookup(name string) *Spec { return load().byName[name] }

// All returns the top-level commands sorted by name. The slice is shared: do
// not modify it.
func All() []*Spec { return load().all }

// LookupArgv resolves a command line the way Redis's lookupCommand does: argv[0]
// names a top-level command (ASCII case-insensitive); when that command has
// subcommands and argv has more than one element, argv[1] must name one of
// them, else the result is nil. It does not allocate.
func LookupArgv(argv [][]byte) *Spec {
	if len(argv) == 0 {
		return nil
	}
	r := load()
	var buf [64]byte
	n, ok := lowerInto(buf[:], 0, argv[0])
	if !ok {
		return nil
	}
	base := r.top[string(buf[:n])]
	if base == nil || len(argv) == 1 || len(base.Subcommands) == 0 {
		return base
	}
	if bytes.IndexByte(argv[1], '|') >= 0 {
		return nil
	}
	buf[n] = '|'
	n, ok = lowerInto(buf[:], n+1, argv[1])
	if !ok {
		return nil
	}
	return r.byName[string(buf[:n])]
}

// lowerInto appends the ASCII lower case of b to buf at off.
func lowerInto(buf []byte, off int, b []byte) (int, bool) {
	if off+len(b) > len(buf) {
		return 0, false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[off+i] = c
	}
	return off + len(b), true
}

// node is one reply value from commands.json; kind is the RESP3 type byte:
// ':' integer, '+' simple string, '$' bulk string, '_' null, '*' array,
// '~' set, '%' map (elems k1, v1, k2, v2, ...).
type node struct {
	kind  byte
	n     int64
	s     string
	elems []*node
}

func parse(data []byte) (*registry, error) {
	var f struct {
		Version  string              `json:"redis_version"`
		Hidden   map[string][]string `json:"hidden_flags"`
		Commands []struct {
			Name string          `json:"name"`
			Info json.RawMessage `json:"info"`
			Docs json.RawMessage `json:"docs"`
		} `json:"commands"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	r := &registry{version: f.Version, top: map[string]*Spec{}, byName: map[string]*Spec{}}
	pos := 0 // where the next entry starts in data: they come in order
	for _, c := range f.Commands {
		info, err := decodeNode(c.Info)
		if err != nil {
			return nil, fmt.Errorf("%s info: %w", c.Name, err)
		}
		docs, err := decodeNode(c.Docs)
		if err != nil {
			return nil, fmt.Errorf("%s docs: %w", c.Name, err)
		}
		s, err := newSpec(info, docs, nil, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		if s.Name != c.Name {
			return nil, fmt.Errorf("entry %q holds command %q", c.Name, s.Name)
		}
		// Keep the entries as slices of data (embedded: no heap), not
		// as the decoder's copies.
		if s.infoJSON, pos = within(data, pos, c.Info); s.infoJSON == nil {
			return nil, fmt.Errorf("%s: info not found in the input", c.Name)
		}
		if s.docsJSON, pos = within(data, pos, c.Docs); s.docsJSON == nil {
			return nil, fmt.Errorf("%s: docs not found in the input", c.Name)
		}
		r.all = append(r.all, s)
		r.top[s.Name] = s
	}
	sort.Slice(r.all, func(i, j int) bool { return r.all[i].Name < r.all[j].Name })
	for name, flags := range f.Hidden {
		s := r.byName[name]
		if s == nil {
			return nil, fmt.Errorf("hidden_flags: unknown command %q", name)
		}
		for _, fl := range flags {
			b, ok := FlagByName(fl)
			if !ok {
				return nil, fmt.Errorf("hidden_flags: unknown flag %q", fl)
			}
			s.Flags |= b
		}
	}
	return r, nil
}

// within finds raw in data at or after pos and returns that part of data and
// the position after it (nil when it is not there).
func within(data []byte, pos int, raw []byte) ([]byte, int) {
	i := bytes.Index(data[pos:], raw)
	if i < 0 {
		return nil, pos
	}
	start := pos + i
	return data[start : start+len(raw) : start+len(raw)], start + len(raw)
}

// infoTree is s's COMMAND INFO entry, decoded.
func (s *Spec) infoTree() *node {
	if s.Parent == nil {
		return mustDecode(s.infoJSON)
	}
	for _, sub := range s.Parent.infoTree().elems[9].elems {
		if sub.elems[0].s == s.Name {
			return sub
		}
	}
	panic("cmdspec: no COMMAND INFO entry for " + s.Name)
}

// docsTree is s's COMMAND DOCS entry, decoded.
func (s *Spec) docsTree() *node {
	if s.Parent == nil {
		return mustDecode(s.docsJSON)
	}
	return mapGet(mapGet(s.Parent.docsTree(), "subcommands"), s.Name)
}

// mustDecode decodes an entry that parse has already decoded once.
func mustDecode(raw []byte) *node {
	n, err := decodeNode(raw)
	if err != nil {
		panic("cmdspec: commands.json: " + err.Error())
	}
	return n
}

func decodeNode(raw json.RawMessage) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return toNode(v)
}

func toNode(v any) (*node, error) {
	switch v := v.(type) {
	case nil:
		return &node{kind: '_'}, nil
	case json.Number:
		n, err := v.Int64()
		return &node{kind: ':', n: n}, err
	case string:
		if v == "" || (v[0] != '+' && v[0] != '$') {
			return nil, fmt.Errorf("untyped string %q", v)
		}
		return &node{kind: v[0], s: v[1:]}, nil
	case []any:
		return toAggregate('*', v)
	case map[string]any:
		if len(v) == 1 {
			if e, ok := v["~"].([]any); ok {
				return toAggregate('~', e)
			}
			if e, ok := v["%"].([]any); ok && len(e)%2 == 0 {
				return toAggregate('%', e)
			}
		}
	}
	return nil, fmt.Errorf("unexpected JSON value %v", v)
}

func toAggregate(kind byte, elems []any) (*node, error) {
	n := &node{kind: kind, elems: make([]*node, len(elems))}
	for i, e := range elems {
		var err error
		if n.elems[i], err = toNode(e); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// mapGet returns the value for the bulk-string key k of map node m, or nil.
func mapGet(m *node, k string) *node {
	if m == nil || m.kind != '%' {
		return nil
	}
	for i := 0; i+1 < len(m.elems); i += 2 {
		if m.elems[i].s == k {
			return m.elems[i+1]
		}
	}
	return nil
}

func newSpec(info, docs *node, parent *Spec, r *registry) (*Spec, error) {
	e := info.elems
	if info.kind != '*' || len(e) != 10 || e[0].kind != '$' || e[1].kind != ':' ||
		e[3].kind != ':' || e[4].kind != ':' || e[5].kind != ':' || docs.kind != '%' {
		return nil, fmt.Errorf("malformed COMMAND INFO/DOCS entry")
	}
	s := &Spec{
		Name: e[0].s, Arity: int(e[1].n),
		FirstKey: int(e[3].n), LastKey: int(e[4].n), Step: int(e[5].n),
		Parent: parent,
	}
	for _, f := range e[2].elems {
		b, ok := FlagByName(f.s)
		if !ok {
			return nil, fmt.Errorf("unknown command flag %q", f.s)
		}
		s.Flags |= b
	}
	for _, c := range e[6].elems {
		s.ACLCategories = append(s.ACLCategories, c.s)
	}
	for _, t := range e[7].elems {
		s.Tips = append(s.Tips, t.s)
	}
	var all, allInv KeyFlag
	for _, ks := range e[8].elems {
		k, err := parseKeySpec(ks)
		if err != nil {
			return nil, err
		}
		s.KeySpecs = append(s.KeySpecs, k)
		all |= k.Flags
		allInv |= ^k.Flags
	}
	for _, f := range [...]struct {
		dst *string
		key string
	}{{&s.Group, "group"}, {&s.Summary, "summary"}, {&s.Since, "since"}, {&s.Complexity, "complexity"}} {
		if v := mapGet(docs, f.key); v != nil {
			*f.dst = v.s
		}
	}
	s.proc = procFor(s.Name)
	s.useSpecs = allInv&KeyNotKey != 0 && all&KeyVariableFlags == 0
	if ks := s.KeySpecs; s.useSpecs && len(ks) == 1 && ks[0].BeginSearch == BeginSearchIndex &&
		ks[0].FindKeys == FindKeysRange && ks[0].Range.LastKey == 0 {
		s.oneKey = ks[0].Index
	}
	s.onePos = s.oneKey
	if s.proc == procSet || s.proc == procSortRO || s.proc == procBitfield {
		s.onePos = 1
	}
	s.hasKeys = s.proc != procNone || allInv&KeyNotKey != 0
	if parent != nil && !strings.HasPrefix(s.Name, parent.Name+"|") {
		return nil, fmt.Errorf("subcommand %q of %q", s.Name, parent.Name)
	}
	r.byName[s.Name] = s

	subDocs := mapGet(docs, "subcommands")
	if len(e[9].elems) > 0 {
		s.subs = map[string]*Spec{}
	}
	for _, si := range e[9].elems {
		if len(si.elems) == 0 {
			return nil, fmt.Errorf("malformed subcommand of %q", s.Name)
		}
		sd := mapGet(subDocs, si.elems[0].s)
		if sd == nil {
			return nil, fmt.Errorf("no docs for subcommand %q", si.elems[0].s)
		}
		sub, err := newSpec(si, sd, s, r)
		if err != nil {
			return nil, err
		}
		s.Subcommands = append(s.Subcommands, sub)
		s.subs[strings.TrimPrefix(sub.Name, s.Name+"|")] = sub
	}
	if subDocs != nil && len(subDocs.elems)/2 != len(s.Subcommands) {
		return nil, fmt.Errorf("%q: COMMAND DOCS and COMMAND INFO list different subcommands", s.Name)
	}
	return s, nil
}

func parseKeySpec(m *node) (KeySpec, error) {
	var k KeySpec
	if m.kind != '%' {
		return k, fmt.Errorf("key spec is not a map")
	}
	if n := mapGet(m, "notes"); n != nil {
		k.Notes = n.s
	}
	if fl := mapGet(m, "flags"); fl != nil {
		for _, f := range fl.elems {
			found := false
			for i, name := range keyFlagNames {
				if name == f.s {
					k.Flags |= 1 << i
					found = true
				}
			}
			if !found {
				return k, fmt.Errorf("unknown key spec flag %q", f.s)
			}
		}
	}
	bs, fk := mapGet(m, "begin_search"), mapGet(m, "find_keys")
	bspec, fspec := mapGet(bs, "spec"), mapGet(fk, "spec")
	geti := func(m *node, key string) int {
		if v := mapGet(m, key); v != nil {
			return int(v.n)
		}
		return 0
	}
	switch t := mapGet(bs, "type"); {
	case t == nil:
		return k, fmt.Errorf("key spec without begin_search type")
	case t.s == "index":
		k.BeginSearch, k.Index = BeginSearchIndex, geti(bspec, "index")
	case t.s == "keyword":
		k.BeginSearch, k.StartFrom = BeginSearchKeyword, geti(bspec, "startfrom")
		if kw := mapGet(bspec, "keyword"); kw != nil {
			k.Keyword = kw.s
		}
	case t.s == "unknown":
	default:
		return k, fmt.Errorf("unknown begin_search type %q", t.s)
	}
	switch t := mapGet(fk, "type"); {
	case t == nil:
		return k, fmt.Errorf("key spec without find_keys type")
	case t.s == "range":
		k.FindKeys = FindKeysRange
		k.Range = RangeSpec{geti(fspec, "lastkey"), geti(fspec, "keystep"), geti(fspec, "limit")}
	case t.s == "keynum":
		k.FindKeys = FindKeysKeyNum
		k.KeyNum = KeyNumSpec{geti(fspec, "keynumidx"), geti(fspec, "firstkey"), geti(fspec, "keystep")}
	case t.s == "unknown":
	default:
		return k, fmt.Errorf("unknown find_keys type %q", t.s)
	}
	return k, nil
}
