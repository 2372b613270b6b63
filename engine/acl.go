package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cachee/cachee/engine/internal/cmdspec"
	"github.com/cachee/cachee/protocol"
)

// Access control lists, as Redis 7.0's acl.c: users with flags, SHA-256
// password hashes and selectors; a selector allows commands (a bitmap over
// every command and subcommand Redis has, plus allowed first arguments), key
// patterns with read/write permissions and channel patterns. A user's root
// selector is the one its plain rules change; "(...)" rules add more, and a
// command is allowed when any selector allows it.
//
// A user's definition (userDef) is immutable once published: ACL SETUSER
// builds a changed copy and swaps it in, so the dispatcher reads the rules of
// its session's user without locking. The rules are parsed exactly as Redis
// parses them, C-string quirks included, and described back (ACL LIST,
// GETUSER, SAVE) with Redis's own algorithm.

// aclCategories are Redis's ACL categories in its order, which ACL CAT and
// the rule descriptions follow.
var aclCategories = [...]string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
	"connection", "transaction", "scripting",
}

// aclCategory returns the bit of a category name (any case, as strcasecmp),
// or 0 when there is no such category.
func aclCategory(name string) uint32 {
	for i, c := range aclCategories {
		if strings.EqualFold(c, name) {
			return 1 << i
		}
	}
	return 0
}

// aclCmd is one command or subcommand of Redis's table as ACLs see it:
// cachee's handlers do not matter here, so rules may name every command
// Redis has, as they may in Redis.
type aclCmd struct {
	id     int
	name   string // full name: "get", "config|get"
	cats   uint32 // bit i: aclCategories[i]
	noAuth bool   // no_auth commands (AUTH, HELLO, QUIT...) are never denied by command rules
	// chans says how the command uses channels (chanSubscribe...), 0 for
	// none; allChans that every argument from argv[1] is one.
	chans    uint8
	allChans bool
	spec     *cmdspec.Spec
	parent   *aclCmd
	subs     []*aclCmd // by name
}

// aclCommandTable is every Redis command with its ACL id: the top-level
// commands by name, each followed by its subcommands by name (the order
// rules are described in), and the lookup by spec.
type aclCommandTable struct {
	top    []*aclCmd
	all    []*aclCmd
	bySpec map[*cmdspec.Spec]*aclCmd
}

// aclBits is the size of a selector's command bitmap. The last bit is never
// a command's: +@all sets it and nothing else does, so a description can
// tell "+@all minus some" from "some" (Redis's future-commands bit).
const (
	aclBits      = 512
	aclFutureBit = aclBits - 1
)

// aclTable is built once from the immutable specification.
var aclTable = sync.OnceValue(func() *aclCommandTable {
	t := &aclCommandTable{bySpec: map[*cmdspec.Spec]*aclCmd{}}
	var add func(s *cmdspec.Spec, parent *aclCmd) *aclCmd
	add = func(s *cmdspec.Spec, parent *aclCmd) *aclCmd {
		c := &aclCmd{id: len(t.all), name: s.Name, noAuth: s.Has(cmdspec.NoAuth), spec: s, parent: parent}
		c.chans, c.allChans = channelArgs(s.Name)
		for _, cat := range s.ACLCategories {
			c.cats |= aclCategory(strings.TrimPrefix(cat, "@"))
		}
		t.all = append(t.all, c)
		t.bySpec[s] = c
		for _, sub := range s.Subcommands {
			c.subs = append(c.subs, add(sub, c))
		}
		return c
	}
	for _, s := range cmdspec.All() {
		t.top = append(t.top, add(s, nil))
	}
	if len(t.all) >= aclFutureBit {
		panic("cachee: more commands than ACL bits")
	}
	return t
})

// lookup is Redis's ACLLookupCommand: "name" or "container|sub", any case;
// nil when there is no such command (a subcommand of a command without
// subcommands, or more than one "|", included).
func (t *aclCommandTable) lookup(name string) *aclCmd {
	s := cmdspec.Lookup(strings.ToLower(name))
	if s == nil || strings.Count(name, "|") > 1 {
		return nil
	}
	return t.bySpec[s]
}

// cmdBits is a selector's set of allowed command ids.
type cmdBits [aclBits / 64]uint64

func (b *cmdBits) has(id int) bool { return b[id/64]&(1<<(id%64)) != 0 }

// Selector flags.
type selFlags uint8

const (
	selRoot selFlags = 1 << iota
	selAllKeys
	selAllChannels
	selAllCommands
)

// Key pattern permissions (%R~, %W~; ~ is both).
const (
	permRead  = 1
	permWrite = 2
	permAll   = permRead | permWrite
)

type keyPattern struct {
	pattern string
	perm    uint8
}

// selector is one set of permissions of a user.
type selector struct {
	flags   selFlags
	allowed cmdBits
	// firstArgs are the first arguments allowed for a command whose bit is
	// not set ("+select|0"), by command id, in the order added.
	firstArgs map[int][]string
	keys      []keyPattern
	channels  []string
}

func newSelector(flags selFlags, pubsubAll bool) *selector {
	if pubsubAll {
		flags |= selAllChannels
	}
	return &selector{flags: flags}
}

func (s *selector) clone() *selector {
	c := *s
	c.keys = append([]keyPattern(nil), s.keys...)
	c.channels = append([]string(nil), s.channels...)
	c.firstArgs = nil
	for id, args := range s.firstArgs {
		c.addFirstArg(id, args...)
	}
	return &c
}

// setBit allows or denies command id; denying clears allcommands.
func (s *selector) setBit(id int, allow bool) {
	if allow {
		s.allowed[id/64] |= 1 << (id % 64)
		return
	}
	s.allowed[id/64] &^= 1 << (id % 64)
	s.flags &^= selAllCommands
}

// changePerm is ACLChangeSelectorPerm: a command and all its subcommands.
func (s *selector) changePerm(c *aclCmd, allow bool) {
	s.setBit(c.id, allow)
	if delete(s.firstArgs, c.id); len(s.firstArgs) == 0 {
		s.firstArgs = nil
	}
	for _, sub := range c.subs {
		s.setBit(sub.id, allow)
	}
}

// changeCategory allows or denies every command of a category.
func (s *selector) changeCategory(cat uint32, allow bool) {
	for _, c := range aclTable().all {
		if c.cats&cat != 0 {
			s.changePerm(c, allow)
		}
	}
}

// setAll is +@all (allow) or -@all.
func (s *selector) setAll(allow bool) {
	var v uint64
	if allow {
		v = ^uint64(0)
		s.flags |= selAllCommands
	} else {
		s.flags &^= selAllCommands
	}
	for i := range s.allowed {
		s.allowed[i] = v
	}
	s.firstArgs = nil
}

func (s *selector) addFirstArg(id int, args ...string) {
	for _, a := range args {
		dup := false
		for _, have := range s.firstArgs[id] {
			dup = dup || strings.EqualFold(cstr(have), cstr(a))
		}
		if dup {
			continue
		}
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		s.firstArgs[id] = append(s.firstArgs[id], a)
	}
}

// aclErr is why a rule was refused (Redis's errno values of ACLSetUser).
type aclErr uint8

const (
	aclRuleOK      aclErr = iota
	aclErrSyntax          // EINVAL
	aclErrUnknown         // ENOENT
	aclErrKeyAll          // EEXIST
	aclErrChanAll         // EISDIR
	aclErrNoPass          // ENODEV
	aclErrBadHash         // EBADMSG
	aclErrFirstArg        // ECHILD
)

// String is ACLSetUserStringError's text.
func (e aclErr) String() string {
	switch e {
	case aclErrUnknown:
		return "Unknown command or category name in ACL"
	case aclErrSyntax:
		return "Syntax error"
	case aclErrKeyAll:
		return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	case aclErrChanAll:
		return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	case aclErrNoPass:
		return "The password you are trying to remove from the user does not exist"
	case aclErrBadHash:
		return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	case aclErrFirstArg:
		return "Allowing first-arg of a subcommand is not supported"
	}
	return "Wrong format"
}

// hasSpaces is ACLStringHasSpaces: white space or NUL, refused in user
// names and patterns.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) || s[i] == 0 {
			return true
		}
	}
	return false
}

// apply is ACLSetSelector: one rule for a selector. Keywords compare as C
// strings do (up to a NUL byte, any case); patterns are binary.
func (s *selector) apply(op string) aclErr {
	kw := cstr(op)
	is := func(names ...string) bool {
		for _, n := range names {
			if strings.EqualFold(kw, n) {
				return true
			}
		}
		return false
	}
	switch {
	case is("allkeys", "~*"):
		s.flags |= selAllKeys
		s.keys = nil
	case is("resetkeys"):
		s.flags &^= selAllKeys
		s.keys = nil
	case is("allchannels", "&*"):
		s.flags |= selAllChannels
		s.channels = nil
	case is("resetchannels"):
		s.flags &^= selAllChannels
		s.channels = nil
	case is("allcommands", "+@all"):
		s.setAll(true)
	case is("nocommands", "-@all"):
		s.setAll(false)
	case op[0] == '~' || op[0] == '%':
		return s.addKeyPattern(op)
	case op[0] == '&':
		if s.flags&selAllChannels != 0 {
			return aclErrChanAll
		}
		if hasSpaces(op[1:]) {
			return aclErrSyntax
		}
		if !contains(s.channels, op[1:]) {
			s.channels = append(s.channels, op[1:])
		}
		s.flags &^= selAllChannels
	case (op[0] == '+' || op[0] == '-') && (len(kw) < 2 || kw[1] != '@'):
		return s.applyCommand(kw)
	case op[0] == '+' || op[0] == '-':
		cat := aclCategory(kw[2:])
		if cat == 0 {
			return aclErrUnknown
		}
		s.changeCategory(cat, op[0] == '+')
	default:
		return aclErrSyntax
	}
	return aclRuleOK
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// addKeyPattern is "~pattern" or "%R~pattern", "%W~", "%RW~" (the "~" may be
// missing, leaving an empty pattern, as Redis parses it).
func (s *selector) addKeyPattern(op string) aclErr {
	if s.flags&selAllKeys != 0 {
		return aclErrKeyAll
	}
	var perm uint8
	off := 1
	if op[0] == '%' {
	flags:
		for ; off < len(op); off++ {
			switch c := op[off]; {
			case (c == 'R' || c == 'r') && perm&permRead == 0:
				perm |= permRead
			case (c == 'W' || c == 'w') && perm&permWrite == 0:
				perm |= permWrite
			case c == '~':
				off++
				break flags
			default:
				return aclErrSyntax
			}
		}
		if perm == 0 {
			return aclErrSyntax
		}
	} else {
		perm = permAll
	}
	pat := op[off:]
	if hasSpaces(pat) {
		return aclErrSyntax
	}
	for i := range s.keys {
		if s.keys[i].pattern == pat {
			s.keys[i].perm |= perm
			return aclRuleOK
		}
	}
	s.keys = append(s.keys, keyPattern{pat, perm})
	s.flags &^= selAllKeys
	return aclRuleOK
}

// applyCommand is +command, -command, +container|sub and +command|firstarg.
// rule is a C string (cut at a NUL byte).
func (s *selector) applyCommand(rule string) aclErr {
	t := aclTable()
	name := rule[1:]
	allow := rule[0] == '+'
	i := strings.LastIndexByte(name, '|')
	if !allow || i < 0 {
		c := t.lookup(name)
		if c == nil {
			return aclErrUnknown
		}
		s.changePerm(c, allow)
		return aclRuleOK
	}
	c := t.lookup(name[:i])
	switch {
	case c == nil:
		return aclErrUnknown
	case c.parent != nil:
		return aclErrFirstArg
	case i == len(name)-1:
		return aclErrSyntax
	case c.subs != nil:
		sub := t.lookup(name)
		if sub == nil {
			return aclErrUnknown
		}
		s.changePerm(sub, true)
	default:
		s.addFirstArg(c.id, name[i+1:])
	}
	return aclRuleOK
}

// User flags, in the order descriptions list them.
type userFlags uint8

const (
	userOn userFlags = 1 << iota
	userOff
	userNoPass
	userSkipSanitize
	userSanitize
)

var userFlagNames = [...]string{"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"}

// userDef is a user's definition: flags, password hashes, selectors (the
// root first). Published definitions are never modified.
type userDef struct {
	flags     userFlags
	passwords []string // SHA-256, lower-case hex
	selectors []*selector
}

// newUserDef is a new user's definition: off, no password, no permissions
// (and the channels acl-pubsub-default gives).
func newUserDef(pubsubAll bool) *userDef {
	return &userDef{flags: userOff, selectors: []*selector{newSelector(selRoot, pubsubAll)}}
}

func (d *userDef) clone() *userDef {
	c := &userDef{flags: d.flags, passwords: append([]string(nil), d.passwords...)}
	for _, s := range d.selectors {
		c.selectors = append(c.selectors, s.clone())
	}
	return c
}

func (d *userDef) root() *selector { return d.selectors[0] }

// open reports whether the root selector allows every command, key and
// channel: the dispatcher then skips the check.
func (d *userDef) open() bool {
	const all = selAllCommands | selAllKeys | selAllChannels
	return d.root().flags&all == all
}

// hashPassword is the stored form of a password: its SHA-256 in hex.
func hashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

// validHash is ACLCheckPasswordHash: 64 lower-case hex digits.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// apply is ACLSetUser: one rule (op) for the user.
func (d *userDef) apply(op string, pubsubAll bool) aclErr {
	if op == "" {
		return aclRuleOK
	}
	kw := cstr(op)
	switch {
	case strings.EqualFold(kw, "on"):
		d.flags = d.flags&^userOff | userOn
	case strings.EqualFold(kw, "off"):
		d.flags = d.flags&^userOn | userOff
	case strings.EqualFold(kw, "skip-sanitize-payload"):
		d.flags = d.flags&^userSanitize | userSkipSanitize
	case strings.EqualFold(kw, "sanitize-payload"):
		d.flags = d.flags&^userSkipSanitize | userSanitize
	case strings.EqualFold(kw, "nopass"):
		d.flags |= userNoPass
		d.passwords = nil
	case strings.EqualFold(kw, "resetpass"):
		d.flags &^= userNoPass
		d.passwords = nil
	case op[0] == '>' || op[0] == '#':
		h := op[1:]
		if op[0] == '>' {
			h = hashPassword(h)
		} else if !validHash(h) {
			return aclErrBadHash
		}
		if !contains(d.passwords, h) {
			d.passwords = append(d.passwords, h)
		}
		d.flags &^= userNoPass
	case op[0] == '<' || op[0] == '!':
		h := op[1:]
		if op[0] == '<' {
			h = hashPassword(h)
		} else if !validHash(h) {
			return aclErrBadHash
		}
		i := indexOf(d.passwords, h)
		if i < 0 {
			return aclErrNoPass
		}
		d.passwords = append(d.passwords[:i:i], d.passwords[i+1:]...)
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(0, pubsubAll)
		for _, rule := range splitRuleArgs(op[1 : len(op)-1]) {
			if err := s.apply(rule); err != aclRuleOK {
				return err
			}
		}
		d.selectors = append(d.selectors, s)
	case strings.EqualFold(kw, "clearselectors"):
		d.selectors = d.selectors[:1]
	case strings.EqualFold(kw, "reset"):
		r := newUserDef(pubsubAll)
		r.flags = userOff | userSanitize
		d.flags = r.flags
		d.passwords = nil
		d.selectors = r.selectors
	default:
		return d.root().apply(op)
	}
	return aclRuleOK
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// mergeSelectorArgs is ACLMergeSelectorArguments: a selector may be given
// across several arguments ("(~key" "+get)"), joined with spaces. A "("
// argument while one is open starts over, as in Redis. It returns the index
// of the argument opening an unclosed selector, or -1.
func mergeSelectorArgs(args []string) ([]string, int) {
	out := make([]string, 0, len(args))
	open := -1
	var sel string
	for j, op := range args {
		if op != "" && op[0] == '(' && op[len(op)-1] != ')' {
			sel, open = op, j
			continue
		}
		if open >= 0 {
			sel += " " + cstr(op)
			if op != "" && op[len(op)-1] == ')' {
				open = -1
				out = append(out, sel)
			}
			continue
		}
		out = append(out, op)
	}
	if open >= 0 {
		return nil, open
	}
	return out, -1
}

// splitRuleArgs splits a selector's rules as Redis does, with sdssplitargs
// on a C string: the text ends at a NUL byte, and unbalanced quotes give no
// rules at all (an empty selector, as in Redis).
func splitRuleArgs(line string) []string {
	args, _ := protocol.SplitArgs(cstr(line))
	return args
}

// Descriptions.

// describeCommands is ACLDescribeSelectorCommandRules: "+@all" or "-@all",
// then the categories that best approach the bitmap, greedily, then the
// single commands (and first arguments) that make it exact. Redis emits the
// single commands in its hash table's order, which differs per process; we
// emit them by name.
func (s *selector) describeCommands() string {
	t := aclTable()
	var b strings.Builder
	fake := newSelector(0, false)
	additive := !s.allowed.has(aclFutureBit)
	if additive {
		b.WriteString("-@all ")
	} else {
		b.WriteString("+@all ")
		fake.setAll(true)
	}
	temp := &selector{allowed: s.allowed}
	var applied [len(aclCategories)]bool
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for j := range aclCategories {
			if applied[j] {
				continue
			}
			on, off := 0, 0
			for _, c := range t.all {
				if c.cats&(1<<j) == 0 {
					continue
				}
				if temp.allowed.has(c.id) {
					on++
				} else {
					off++
				}
			}
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || (diff == minDiff && same > maxSame)) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		fake.changeCategory(1<<best, additive)
		temp.changeCategory(1<<best, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(aclCategories[best] + " ")
		applied[best] = true
	}
	var single func(cmds []*aclCmd)
	single = func(cmds []*aclCmd) {
		for _, c := range cmds {
			user, have := s.allowed.has(c.id), fake.allowed.has(c.id)
			if user != have {
				if user {
					b.WriteByte('+')
				} else {
					b.WriteByte('-')
				}
				b.WriteString(c.name + " ")
				fake.changePerm(c, user)
			}
			single(c.subs)
			if !user {
				for _, a := range s.firstArgs[c.id] {
					b.WriteString("+" + c.name + "|" + a + " ")
				}
			}
		}
	}
	single(t.top)
	out := b.String()
	return out[:len(out)-1]
}

// keyPatternString is a pattern as rules give it: ~p, %R~p or %W~p.
func (k keyPattern) String() string {
	switch k.perm {
	case permRead:
		return "%R~" + k.pattern
	case permWrite:
		return "%W~" + k.pattern
	}
	return "~" + k.pattern
}

// describe is ACLDescribeSelector: keys, channels and commands as rules.
func (s *selector) describe() string {
	var b strings.Builder
	if s.flags&selAllKeys != 0 {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String() + " ")
		}
	}
	if s.flags&selAllChannels != 0 {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&" + c + " ")
		}
	}
	b.WriteString(s.describeCommands())
	return b.String()
}

// describe is ACLDescribeUser: the user as rules, the form of ACL LIST and
// of the ACL file.
func (d *userDef) describe() string {
	var b strings.Builder
	for i, name := range userFlagNames {
		if d.flags&(1<<i) != 0 {
			b.WriteString(name + " ")
		}
	}
	for _, p := range d.passwords {
		b.WriteString("#" + p + " ")
	}
	for i, s := range d.selectors {
		if i == 0 {
			b.WriteString(s.describe())
		} else {
			b.WriteString(" (" + s.describe() + ")")
		}
	}
	return b.String()
}

// keysField and channelsField are ACL GETUSER's "keys" and "channels".
func (s *selector) keysField() string {
	if s.flags&selAllKeys != 0 {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

func (s *selector) channelsField() string {
	if s.flags&selAllChannels != 0 {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// aclUser is a user. Sessions point to it; its definition is replaced
// whole by ACL SETUSER and ACL LOAD.
type aclUser struct {
	name string
	def  atomic.Pointer[userDef]
	// open caches def.open(): the one check the dispatcher makes when the
	// user may run everything.
	open atomic.Bool
}

func (u *aclUser) set(d *userDef) {
	u.def.Store(d)
	u.open.Store(d.open())
}

// denyAll is the definition of a deleted user: sessions still pointing to
// it (being disconnected, or in-process) can run nothing.
var denyAll = &userDef{flags: userOff, selectors: []*selector{{flags: selRoot}}}

// aclState is an engine's users and ACL log.
type aclState struct {
	mu    sync.Mutex // guards users and log, and serializes changes
	users map[string]*aclUser
	dflt  *aclUser // the default user: the same user for the engine's life
	log   []*aclLogEntry
}

// defaultUserDef is the built-in default user: on, nopass, everything.
func defaultUserDef() *userDef {
	d := newUserDef(false)
	d.root().setAll(true)
	d.root().flags |= selAllKeys | selAllChannels
	d.flags = userOn | userNoPass
	return d
}

func (a *aclState) init(requirePass string) {
	a.dflt = &aclUser{name: "default"}
	d := defaultUserDef()
	if requirePass != "" {
		d.flags &^= userNoPass
		d.passwords = []string{hashPassword(requirePass)}
	}
	a.dflt.set(d)
	a.users = map[string]*aclUser{"default": a.dflt}
}

// user returns the user called name, or nil.
func (a *aclState) user(name string) *aclUser {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[name]
}

// sortedUsers is the users by name (byte order, as Redis's radix tree).
func (a *aclState) sortedUsers() []*aclUser {
	a.mu.Lock()
	out := make([]*aclUser, 0, len(a.users))
	for _, u := range a.users {
		out = append(out, u)
	}
	a.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// setDefaultPassword is requirepass: "" makes the default user nopass,
// anything else its only password.
func (a *aclState) setDefaultPassword(pass string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.dflt.def.Load().clone()
	d.passwords = nil
	if pass == "" {
		d.flags |= userNoPass
	} else {
		d.flags &^= userNoPass
		d.passwords = []string{hashPassword(pass)}
	}
	a.dflt.set(d)
}
