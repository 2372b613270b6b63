package engine

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

var aclCommands = []cmdDef{
	{name: "acl|setuser", handler: cmdACLSetuser},
	{name: "acl|getuser", handler: cmdACLGetuser},
	{name: "acl|deluser", handler: cmdACLDeluser},
	{name: "acl|list", handler: cmdACLList},
	{name: "acl|users", handler: cmdACLUsers},
	{name: "acl|whoami", handler: cmdACLWhoami},
	{name: "acl|cat", handler: cmdACLCat},
	{name: "acl|log", handler: cmdACLLog},
	{name: "acl|genpass", handler: cmdACLGenpass},
	{name: "acl|dryrun", handler: cmdACLDryrun},
	{name: "acl|load", handler: cmdACLLoad},
	{name: "acl|save", handler: cmdACLSave},
	{name: "acl|help", handler: cmdACLHelp},
}

const (
	errUsernameSpaces = "ERR Usernames can't contain spaces or null characters"
	errDeleteDefault  = "ERR The 'default' user cannot be removed"
	errGenpassBits    = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
	errACLSave        = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
	errPubsubDefault  = "argument(s) must be one of the following: allchannels, resetchannels"
)

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func (c *Ctx) subcommandSyntaxError() {
	sub := cstr(string(c.argv[1]))
	if len(sub) > 128 {
		sub = sub[:128]
	}
	c.w.Error(sanitize([]byte("ERR unknown subcommand or wrong number of arguments for '" + sub +
		"'. Try " + upper(cstr(string(c.argv[0]))) + " HELP.")))
}

// pubsubAll reports whether acl-pubsub-default gives new users every channel.
func (e *Engine) pubsubAll() bool { return e.conf().ACLPubsubDefault == "allchannels" }

// ACL SETUSER username [rule [rule ...]]
//
// The rules apply to a copy of the user (a new one if it does not exist),
// which replaces it only when every rule is valid. Its sessions subscribed to
// channels the new rules no longer allow are disconnected.
func cmdACLSetuser(c *Ctx) {
	name := string(c.argv[2])
	if hasSpaces(name) {
		c.w.Error(errUsernameSpaces)
		return
	}
	args := make([]string, len(c.argv)-3)
	for i, a := range c.argv[3:] {
		args[i] = string(a)
	}
	rules, open := mergeSelectorArgs(args)
	if open >= 0 {
		c.w.Error(sanitize([]byte("ERR Unmatched parenthesis in acl selector starting at '" + cstr(args[open]) + "'.")))
		return
	}
	a := &c.e.acl
	a.mu.Lock()
	u := a.users[name]
	pubsubAll := c.e.pubsubAll()
	d := newUserDef(pubsubAll)
	if u != nil {
		d = u.def.Load().clone()
	}
	for _, r := range rules {
		if err := d.apply(r, pubsubAll); err != aclRuleOK {
			a.mu.Unlock()
			c.w.Error(sanitize([]byte("ERR Error in ACL SETUSER modifier '" + cstr(r) + "': " + err.String())))
			return
		}
	}
	var old *userDef
	if u != nil {
		old = u.def.Load()
	} else {
		u = &aclUser{name: name}
		a.users[name] = u
	}
	u.set(d)
	a.mu.Unlock()
	// Disconnecting sessions may wait (a blocked client being served):
	// not while holding the ACL lock, which commands take to log.
	if old != nil {
		c.killRevokedSubscribers(u, old, d)
	}
	c.w.Status("OK")
}

// ACL GETUSER username
func cmdACLGetuser(c *Ctx) {
	u := c.e.acl.user(string(c.argv[2]))
	if u == nil {
		c.w.Null()
		return
	}
	d := u.def.Load()
	c.w.Map(6)
	c.w.BulkString("flags")
	var flags []string
	for i, name := range userFlagNames {
		if d.flags&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.BulkString(f)
	}
	c.w.BulkString("passwords")
	c.w.Array(len(d.passwords))
	for _, p := range d.passwords {
		c.w.BulkString(p)
	}
	c.writeSelector(d.root())
	c.w.BulkString("selectors")
	c.w.Array(len(d.selectors) - 1)
	for _, s := range d.selectors[1:] {
		c.w.Map(3)
		c.writeSelector(s)
	}
}

// writeSelector writes a selector's commands, keys and channels fields.
func (c *Ctx) writeSelector(s *selector) {
	c.w.BulkString("commands")
	c.w.BulkString(s.describeCommands())
	c.w.BulkString("keys")
	c.w.BulkString(s.keysField())
	c.w.BulkString("channels")
	c.w.BulkString(s.channelsField())
}

// ACL DELUSER username [username ...]
//
// The sessions of deleted users are disconnected (the caller after its reply).
func cmdACLDeluser(c *Ctx) {
	for _, name := range c.argv[2:] {
		if cstr(string(name)) == "default" {
			c.w.Error(errDeleteDefault)
			return
		}
	}
	a := &c.e.acl
	a.mu.Lock()
	deleted := map[*aclUser]bool{}
	for _, name := range c.argv[2:] {
		if u := a.users[string(name)]; u != nil {
			delete(a.users, u.name)
			u.set(denyAll)
			deleted[u] = true
		}
	}
	a.mu.Unlock()
	c.killUserSessions(deleted)
	c.w.Int(int64(len(deleted)))
}

// ACL LIST
func cmdACLList(c *Ctx) {
	users := c.e.acl.sortedUsers()
	c.w.Array(len(users))
	for _, u := range users {
		c.w.BulkString("user " + u.name + " " + u.def.Load().describe())
	}
}

// ACL USERS
func cmdACLUsers(c *Ctx) {
	users := c.e.acl.sortedUsers()
	c.w.Array(len(users))
	for _, u := range users {
		c.w.BulkString(u.name)
	}
}

// ACL WHOAMI
func cmdACLWhoami(c *Ctx) { c.w.BulkString(c.s.user.name) }

// ACL CAT [category]
//
// Without a category, the categories; with one, every Redis command and
// subcommand in it (Redis lists them in its hash table's order).
func cmdACLCat(c *Ctx) {
	switch len(c.argv) {
	case 2:
		c.w.Array(len(aclCategories))
		for _, name := range aclCategories {
			c.w.BulkString(name)
		}
	case 3:
		name := cstr(string(c.argv[2]))
		cat := aclCategory(name)
		if cat == 0 {
			if len(name) > 128 {
				name = name[:128]
			}
			c.w.Error(sanitize([]byte("ERR Unknown category '" + name + "'")))
			return
		}
		var names []string
		for _, cmd := range aclTable().all {
			if cmd.cats&cat != 0 {
				names = append(names, cmd.name)
			}
		}
		c.w.Array(len(names))
		for _, n := range names {
			c.w.BulkString(n)
		}
	default:
		c.subcommandSyntaxError()
	}
}

// ACL LOG [count | RESET]
func cmdACLLog(c *Ctx) {
	count := int64(10)
	switch {
	case len(c.argv) > 3:
		c.subcommandSyntaxError()
		return
	case len(c.argv) == 3 && eqFold([]byte(cstr(string(c.argv[2]))), "reset"):
		c.e.acl.mu.Lock()
		c.e.acl.log = nil
		c.e.acl.mu.Unlock()
		c.w.Status("OK")
		return
	case len(c.argv) == 3:
		n, ok := parseInt(c.argv[2])
		if !ok {
			c.w.Error(ErrNotInt)
			return
		}
		count = max(n, 0)
	}
	a := &c.e.acl
	a.mu.Lock()
	entries := make([]aclLogEntry, min(count, int64(len(a.log))))
	for i := range entries {
		entries[i] = *a.log[i]
	}
	a.mu.Unlock()
	now := c.e.nowMs()
	c.w.Array(len(entries))
	for _, le := range entries {
		c.w.Map(7)
		c.w.BulkString("count")
		c.w.Int(le.count)
		c.w.BulkString("reason")
		c.w.BulkString([...]string{aclDeniedCmd: "command", aclDeniedKey: "key", aclDeniedAuth: "auth", aclDeniedChannel: "channel"}[le.reason])
		c.w.BulkString("context")
		c.w.BulkString(aclContextNames[le.context])
		c.w.BulkString("object")
		c.w.BulkString(le.object)
		c.w.BulkString("username")
		c.w.BulkString(le.username)
		c.w.BulkString("age-seconds")
		c.w.Double(float64(now-le.ctime) / 1000)
		c.w.BulkString("client-info")
		c.w.BulkString(le.cinfo)
	}
}

// ACL GENPASS [bits]
func cmdACLGenpass(c *Ctx) {
	bits := int64(256)
	switch len(c.argv) {
	case 2:
	case 3:
		n, ok := parseInt(c.argv[2])
		if !ok {
			c.w.Error(ErrNotInt)
			return
		}
		bits = n
	default:
		c.subcommandSyntaxError()
		return
	}
	if bits <= 0 || bits > 4096 {
		c.w.Error(errGenpassBits)
		return
	}
	var raw [4096 / 8]byte
	_, _ = rand.Read(raw[:])
	c.w.BulkString(hex.EncodeToString(raw[:])[:(bits+3)/4])
}

// ACL DRYRUN username command [arg ...]
//
// Whether the user may run the command: OK, or why not, as a bulk string.
// Nothing is logged.
func cmdACLDryrun(c *Ctx) {
	u := c.e.acl.user(string(c.argv[2]))
	if u == nil {
		c.w.Error(sanitize([]byte("ERR User '" + cstr(string(c.argv[2])) + "' not found")))
		return
	}
	argv := c.argv[3:]
	s := cmdspec.LookupArgv(argv)
	switch {
	case s == nil:
		c.w.Error(sanitize([]byte("ERR Command '" + cstr(string(argv[0])) + "' not found")))
		return
	case !s.ArityOK(len(argv)):
		c.w.Error(errWrongArgs(s.Name))
		return
	}
	res, idx := u.def.Load().check(aclTable().bySpec[s], argv, nil)
	switch res {
	case aclAllowed:
		c.w.Status("OK")
	case aclDeniedKey:
		c.w.BulkString("This user has no permissions to access the '" + cstr(string(argv[idx])) + "' key")
	case aclDeniedChannel:
		c.w.BulkString("This user has no permissions to access the '" + cstr(string(argv[idx])) + "' channel")
	default:
		c.w.BulkString("This user has no permissions to run the '" + s.Name + "' command")
	}
}

// ACL LOAD
//
// The sessions of every user but the default one are disconnected, as Redis
// frees the users it replaces.
func cmdACLLoad(c *Ctx) {
	if c.e.conf().ACLFile == "" {
		c.w.Error(errNoACLFile)
		return
	}
	old, msg := c.e.loadACLFile()
	if msg != "" {
		c.w.Error("ERR " + msg)
		return
	}
	gone := map[*aclUser]bool{}
	for _, u := range old {
		u.set(denyAll)
		gone[u] = true
	}
	c.killUserSessions(gone)
	c.w.Status("OK")
}

// ACL SAVE
func cmdACLSave(c *Ctx) {
	if c.e.conf().ACLFile == "" {
		c.w.Error(errNoACLFile)
		return
	}
	if err := c.e.saveACLFile(); err != nil {
		c.e.log().Warn("ACL SAVE failed", "err", err)
		c.w.Error(errACLSave)
		return
	}
	c.w.Status("OK")
}

// ACL HELP
func cmdACLHelp(c *Ctx) {
	c.help("ACL",
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.")
}
