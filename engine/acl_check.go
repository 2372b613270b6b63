package engine

import (
	"crypto/subtle"
	"strings"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

// The ACL permission check (Redis's ACLCheckAllUserCommandPerm), the ACL
// log, authentication and the sessions of changed or deleted users.

// aclResult is the outcome of a check, with Redis's ACL_DENIED_* values:
// among several selectors' refusals the greatest is reported.
type aclResult uint8

const (
	aclAllowed aclResult = iota
	aclDeniedCmd
	aclDeniedKey
	aclDeniedAuth
	aclDeniedChannel
)

// Channel arguments of the pub/sub commands (Redis's commands_with_channels).
const (
	chanSubscribe = 1 << iota
	chanPublish
	chanPattern
)

// channelArgs says which arguments of a command are channels and how they
// are used: all from argv[1] for the subscribe commands, argv[1] alone for
// the publish commands. The unsubscribe commands are never checked.
func channelArgs(name string) (flags uint8, all bool) {
	switch name {
	case "subscribe", "ssubscribe":
		return chanSubscribe, true
	case "psubscribe":
		return chanSubscribe | chanPattern, true
	case "publish", "spublish":
		return chanPublish, false
	}
	return 0, false
}

// aclKeys caches a command's keys across selectors. A session keeps one
// so that checks reuse its buffers.
type aclKeys struct {
	done  bool
	pos   []int
	flags []cmdspec.KeyFlag
}

// check is ACLCheckAllUserCommandPerm: the command is allowed when one
// selector allows it; otherwise the reason is the greatest refusal (the last
// argument for equal ones), with the argv index of the key or channel. keys
// holds the buffers for the command's keys (nil: new ones).
func (d *userDef) check(c *aclCmd, argv [][]byte, keys *aclKeys) (aclResult, int) {
	res, idx := aclDeniedCmd, 0
	if keys == nil {
		keys = &aclKeys{}
	}
	keys.done = false
	for _, s := range d.selectors {
		r, i := s.check(c, argv, keys)
		if r == aclAllowed {
			return aclAllowed, 0
		}
		if r > res || (r == res && i > idx) {
			res, idx = r, i
		}
	}
	return res, idx
}

// check is ACLSelectorCheckCmd.
func (s *selector) check(c *aclCmd, argv [][]byte, keys *aclKeys) (aclResult, int) {
	if s.flags&selAllCommands == 0 && !c.noAuth && !s.allowed.has(c.id) {
		args := s.firstArgs[c.id]
		if len(argv) < 2 || len(args) == 0 {
			return aclDeniedCmd, 0
		}
		i := 1
		if c.parent != nil {
			i = 2
		}
		if i >= len(argv) || indexFold(args, cstr(string(argv[i]))) < 0 {
			return aclDeniedCmd, 0
		}
	}
	if s.flags&selAllKeys == 0 && c.spec.HasKeys() {
		if !keys.done {
			keys.pos, keys.flags, _ = c.spec.KeyRefs(argv, keys.pos[:0], keys.flags[:0])
			keys.done = true
		}
		for j, p := range keys.pos {
			if !s.keyAllowed(argv[p], keys.flags[j]) {
				return aclDeniedKey, p
			}
		}
	}
	if s.flags&selAllChannels == 0 && c.chans != 0 {
		last := min(2, len(argv))
		if c.allChans {
			last = len(argv)
		}
		for p := 1; p < last; p++ {
			if !channelAllowed(s.channels, argv[p], c.chans&chanPattern != 0) {
				return aclDeniedChannel, p
			}
		}
	}
	return aclAllowed, 0
}

func indexFold(l []string, s string) int {
	for i, x := range l {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

// keyAllowed is ACLSelectorCheckKey: a key the command reads (access) needs
// a pattern with read permission, one it inserts, deletes or updates a
// pattern with write permission; other keys (EXISTS, TYPE...) any pattern.
func (s *selector) keyAllowed(key []byte, f cmdspec.KeyFlag) bool {
	var need uint8
	if f&cmdspec.KeyAccess != 0 {
		need |= permRead
	}
	if f&(cmdspec.KeyInsert|cmdspec.KeyDelete|cmdspec.KeyUpdate) != 0 {
		need |= permWrite
	}
	k := unsafeString(key)
	for _, p := range s.keys {
		if p.perm&need == need && globMatch(unsafeBytes(p.pattern), k, false) {
			return true
		}
	}
	return false
}

// channelAllowed is ACLCheckChannelAgainstList: a channel must match one of
// the patterns; a pattern subscribed to (PSUBSCRIBE) must equal one of them.
func channelAllowed(patterns []string, ch []byte, isPattern bool) bool {
	for _, p := range patterns {
		if isPattern && p == cstr(string(ch)) || !isPattern && globMatch(unsafeBytes(p), unsafeString(ch), false) {
			return true
		}
	}
	return false
}

// aclCmdOf is a command's ACL entry.
func aclCmdOf(cmd *Command) *aclCmd { return aclTable().bySpec[cmd.Spec] }

// aclRefused is the dispatcher's ACL check for a session whose user may not
// run everything: a refused command gets Redis's NOPERM error and an ACL log
// entry, and aclRefused reports true.
func (e *Engine) aclRefused(s *Session, cmd *Command, argv [][]byte, w ReplyWriter) bool {
	res, idx := s.user.def.Load().check(aclCmdOf(cmd), argv, &s.aclKeys)
	if res == aclAllowed {
		return false
	}
	ctx := aclCtxTop
	if s.multi != nil {
		ctx = aclCtxMulti
	}
	e.aclLogDenial(s, cmd, res, ctx, argv, idx)
	msg := "NOPERM this user has no permissions to run the '" + cmd.Name + "' command"
	switch res {
	case aclDeniedKey:
		msg = "NOPERM this user has no permissions to access one of the keys used as arguments"
	case aclDeniedChannel:
		msg = "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	e.reject(s, cmd, w, msg)
	return true
}

// aclExecRefused is EXEC's check of a queued command, since the rules may
// have changed after it was queued: the error replaces its reply, or "".
func (e *Engine) aclExecRefused(s *Session, cmd *Command, argv [][]byte) string {
	if s.user.open.Load() {
		return ""
	}
	res, idx := s.user.def.Load().check(aclCmdOf(cmd), argv, &s.aclKeys)
	reason := "no permission to execute the command or subcommand"
	switch res {
	case aclAllowed:
		return ""
	case aclDeniedKey:
		reason = "no permission to touch the specified keys"
	case aclDeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	e.aclLogDenial(s, cmd, res, aclCtxMulti, argv, idx)
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// aclScriptRefused is the check of a script's redis.call, with the rules of
// the script's caller: the error the call raises, or "".
func (e *Engine) aclScriptRefused(s *Session, cmd *Command, argv [][]byte) string {
	if s.user.open.Load() {
		return ""
	}
	res, idx := s.user.def.Load().check(aclCmdOf(cmd), argv, &s.aclKeys)
	if res == aclAllowed {
		return ""
	}
	e.aclLogDenial(s, cmd, res, aclCtxLua, argv, idx)
	reason := "can't run this command or subcommand"
	switch res {
	case aclDeniedKey:
		reason = "can't access at least one of the keys mentioned in the command arguments"
	case aclDeniedChannel:
		reason = "can't publish to the channel mentioned in the command"
	}
	return "ERR The user executing the script " + reason
}

// ACL log contexts, as ACL LOG names them.
type aclContext uint8

const (
	aclCtxTop aclContext = iota
	aclCtxMulti
	aclCtxLua
)

var aclContextNames = [...]string{"toplevel", "multi", "lua"}

// aclLogEntry is one ACL LOG entry: similar denials within a minute are
// counted in one.
type aclLogEntry struct {
	count    int64
	reason   aclResult
	context  aclContext
	object   string
	username string
	ctime    int64 // unix ms of the last occurrence
	cinfo    string
}

// aclLogGroupMs is how close in time two similar denials must be to be
// counted in one entry.
const aclLogGroupMs = 60000

// aclLogDenial logs a refused command: the command, or the key or channel
// at argv[idx].
func (e *Engine) aclLogDenial(s *Session, cmd *Command, res aclResult, ctx aclContext, argv [][]byte, idx int) {
	object := cmd.Name
	if res == aclDeniedKey || res == aclDeniedChannel {
		object = string(argv[idx])
	}
	s.mu.Lock()
	user := s.user.name
	s.mu.Unlock()
	e.aclLog(s, cmd, res, ctx, object, user)
}

// aclLog is addACLLogEntry: a new entry, or a count more on a similar one
// among the ten newest (moved to the head).
func (e *Engine) aclLog(s *Session, cmd *Command, res aclResult, ctx aclContext, object, user string) {
	var cinfo string
	if s.depth > 0 {
		cinfo = e.clientLine(s, s)
	} else {
		// Refused by the dispatcher: Redis has already made it the
		// client's last command.
		s.lastCmd.Store(cmd)
		cinfo = e.clientLine(s, nil)
	}
	le := &aclLogEntry{count: 1, reason: res, context: ctx, object: object, username: user, ctime: e.nowMs(), cinfo: cinfo}
	a := &e.acl
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, old := range a.log[:min(len(a.log), 10)] {
		d := old.ctime - le.ctime
		if old.reason == le.reason && old.context == le.context && old.object == le.object &&
			old.username == le.username && d <= aclLogGroupMs && -d <= aclLogGroupMs {
			old.count++
			old.ctime, old.cinfo = le.ctime, le.cinfo
			copy(a.log[1:i+1], a.log[:i])
			a.log[0] = old
			return
		}
	}
	a.log = append(a.log, nil)
	copy(a.log[1:], a.log)
	a.log[0] = le
	if n := e.conf().ACLLogMaxLen; len(a.log) > n {
		clear(a.log[n:])
		a.log = a.log[:n]
	}
}

// Authentication.

// authRequired is Redis's authRequired without the session's part: the
// default user has a password or is off, so a session that has not
// authenticated may only run no_auth commands.
func (e *Engine) authRequired() bool {
	d := e.acl.dflt.def.Load()
	return d.flags&userNoPass == 0 || d.flags&userOff != 0
}

// DefaultUserNoPass reports whether the default user needs no password,
// which is when protected mode refuses non-loopback clients.
func (e *Engine) DefaultUserNoPass() bool {
	return e.acl.dflt.def.Load().flags&userNoPass != 0
}

// setDefaultAuth puts the session back on the default user, authenticated
// when that user needs no password and is on (new sessions, RESET).
func (s *Session) setDefaultAuth() {
	u := s.e.acl.dflt
	d := u.def.Load()
	s.mu.Lock()
	s.user = u
	s.mu.Unlock()
	s.authed = d.flags&userNoPass != 0 && d.flags&userOff == 0
}

// Trust authenticates the session as the default user without its
// password: for in-process callers, which are the embedding program itself
// (a password protects nothing from them). The default user's ACL rules
// still apply.
func (s *Session) Trust() {
	s.mu.Lock()
	s.user = s.e.acl.dflt
	s.mu.Unlock()
	s.authed = true
}

// userIs reports whether the session runs as u; any goroutine may ask.
func (s *Session) userIs(u *aclUser) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user == u
}

// credentials is ACLCheckUserCredentials: the user, when it exists, is on
// and the password is one of its passwords (any, for nopass).
func (a *aclState) credentials(name, pass []byte) *aclUser {
	u := a.user(string(name))
	if u == nil {
		return nil
	}
	d := u.def.Load()
	switch {
	case d.flags&userOff != 0:
		return nil
	case d.flags&userNoPass != 0:
		return u
	}
	h := []byte(hashPassword(string(pass)))
	for _, p := range d.passwords {
		if subtle.ConstantTimeCompare(h, []byte(p)) == 1 {
			return u
		}
	}
	return nil
}

// authenticate is ACLAuthenticateUser for AUTH and HELLO AUTH: on success
// the session runs as the user; on failure the attempt is logged and
// WRONGPASS replied.
func (c *Ctx) authenticate(user, pass []byte) bool {
	u := c.e.acl.credentials(user, pass)
	if u == nil {
		ctx := aclCtxTop
		if c.s.multi != nil || c.s.inExec {
			ctx = aclCtxMulti
		}
		c.e.aclLog(c.s, c.cmd, aclDeniedAuth, ctx, string(c.argv[0]), string(user))
		c.w.Error(ErrWrongPass)
		return false
	}
	c.s.mu.Lock()
	c.s.user = u
	c.s.mu.Unlock()
	c.s.authed = true
	return true
}

// killUserSessions disconnects every session of the given users, as Redis
// frees the clients of a deleted user (the caller itself after its reply).
// Their subscriptions end at once, so a later PUBLISH no longer counts them.
func (c *Ctx) killUserSessions(users map[*aclUser]bool) {
	for _, s := range c.e.clients.list() {
		s.mu.Lock()
		u := s.user
		s.mu.Unlock()
		if users[u] {
			c.killSubscriber(s)
		}
	}
}

func (c *Ctx) killSubscriber(s *Session) {
	c.kill(s)
	c.e.pubsub.drop(s)
}

// drop removes s from every subscription list of the registry (the
// session's own view is cleaned when it closes).
func (ps *pubsub) drop(s *Session) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for k := range ps.subs {
		for name, l := range ps.subs[k] {
			l.remove(s)
			if l.len() == 0 {
				delete(ps.subs[k], name)
			}
		}
	}
}

// killRevokedSubscribers is ACLKillPubsubClientsIfNeeded: when a user's
// new channel patterns are not a superset of the old ones, its sessions
// subscribed to a channel or pattern the new ones do not allow are
// disconnected.
func (c *Ctx) killRevokedSubscribers(u *aclUser, old, next *userDef) {
	var upcoming []string
	for _, s := range next.selectors {
		if s.flags&selAllChannels != 0 {
			return
		}
		upcoming = append(upcoming, s.channels...)
	}
	superset := true
	for _, s := range old.selectors {
		superset = superset && s.flags&selAllChannels == 0
		for _, ch := range s.channels {
			superset = superset && contains(upcoming, ch)
		}
	}
	if superset {
		return
	}
	victims := map[*Session]bool{}
	ps := &c.e.pubsub
	ps.mu.RLock()
	for k := range ps.subs {
		for name, l := range ps.subs[k] {
			for _, s := range l.list {
				if s.userIs(u) && !channelAllowed(upcoming, unsafeBytes(name), subKind(k) == subPattern) {
					victims[s] = true
				}
			}
		}
	}
	ps.mu.RUnlock()
	for s := range victims {
		c.killSubscriber(s)
	}
}
