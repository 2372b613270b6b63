package engine

import (
	"math"
	"strconv"
	"strings"
)

// RedisVersion is the Redis release whose behaviour cachee reproduces; HELLO
// and INFO report it because clients pick features by it.
const RedisVersion = "7.0.15"

var connectionCommands = []cmdDef{
	{name: "ping", handler: cmdPing, opts: subscribedOK},
	{name: "echo", handler: cmdEcho},
	{name: "select", handler: cmdSelect},
	{name: "quit", handler: cmdQuit, opts: txControl | subscribedOK | oomExempt},
	{name: "reset", handler: cmdReset, opts: txControl | subscribedOK | oomExempt},
	{name: "hello", handler: cmdHello},
	{name: "auth", handler: cmdAuth},
	{name: "client|id", handler: cmdClientID},
	{name: "client|setname", handler: cmdClientSetname},
	{name: "client|getname", handler: cmdClientGetname},
	{name: "client|list", handler: cmdClientList},
	{name: "client|info", handler: cmdClientInfo},
	{name: "client|kill", handler: cmdClientKill},
	{name: "client|no-evict", handler: cmdClientNoEvict},
	{name: "client|reply", handler: cmdClientReply},
	{name: "client|unblock", handler: cmdClientUnblock},
	{name: "client|help", handler: cmdClientHelp},
}

// PING [message]
func cmdPing(c *Ctx) {
	if len(c.argv) > 2 {
		c.w.Error(errWrongArgs(c.cmd.Name))
		return
	}
	if c.s.subscribed() && c.s.Proto() == 2 {
		// Subscribed mode: the reply is framed like a message.
		c.w.Array(2)
		c.w.BulkString("pong")
		if len(c.argv) > 1 {
			c.w.Bulk(c.argv[1])
		} else {
			c.w.BulkString("")
		}
		return
	}
	if len(c.argv) == 1 {
		c.w.Status("PONG")
	} else {
		c.w.Bulk(c.argv[1])
	}
}

// ECHO message
func cmdEcho(c *Ctx) { c.w.Bulk(c.argv[1]) }

// SELECT index
func cmdSelect(c *Ctx) {
	n, ok := parseInt(c.argv[1])
	switch {
	case !ok:
		c.w.Error(ErrNotInt)
	case n < math.MinInt32 || n > math.MaxInt32:
		c.w.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
	case n < 0 || n >= int64(len(c.e.ks.shards[0].dbs)):
		c.w.Error(ErrDBIndex)
	default:
		c.s.SetDB(int(n))
		c.w.Status("OK")
	}
}

// QUIT
func cmdQuit(c *Ctx) {
	c.w.Status("OK")
	c.s.closing = true
}

// RESET clears the connection state as Redis 7.0's clearClientConnectionState
// does: database 0, RESP2, default authentication, no name, replies on. The
// no-evict flag survives (Redis 7.0 keeps it). RESET answers even after CLIENT
// REPLY OFF, whose flag it clears before replying; after CLIENT REPLY SKIP its
// own reply is still skipped.
func cmdReset(c *Ctx) {
	s := c.s
	if s.replyMode == replyOff {
		c.w = unwrapDiscard(c.w)
	}
	s.discardTransaction()
	s.unsubscribeAll(nil)
	s.SetDB(0)
	s.proto.Store(2)
	setWriterProto(c.w, 2)
	s.setDefaultAuth()
	s.mu.Lock()
	s.name = ""
	s.mu.Unlock()
	if s.replyMode != replySkip {
		s.replyMode = replyOn
	}
	c.w.Status("RESET")
}

// unwrapDiscard returns the writer under a CLIENT REPLY OFF/SKIP discard.
func unwrapDiscard(w ReplyWriter) ReplyWriter {
	if d, ok := w.(discard); ok {
		return d.ReplyWriter
	}
	return w
}

// setWriterProto switches a socket writer to RESP version v, even while its
// replies are being discarded.
func setWriterProto(w ReplyWriter, v int) {
	if p, ok := unwrapDiscard(w).(interface{ SetProto(int) }); ok {
		p.SetProto(v)
	}
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
//
// As in Redis 7.0 the options act in order as they are parsed: AUTH
// authenticates and SETNAME names the client at once, so an error later on the
// line leaves the earlier options in effect.
func cmdHello(c *Ctx) {
	var ver int64
	next := 1
	if len(c.argv) >= 2 {
		v, ok := parseInt(c.argv[1])
		if !ok {
			c.w.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.w.Error(ErrNoProto)
			return
		}
		ver, next = v, 2
	}
	for j := next; j < len(c.argv); j++ {
		more := len(c.argv) - 1 - j
		switch {
		case eqFold(c.argv[j], "auth") && more >= 2:
			if !c.authenticate(c.argv[j+1], c.argv[j+2]) {
				return
			}
			j += 2
		case eqFold(c.argv[j], "setname") && more >= 1:
			if !validClientName(c.argv[j+1]) {
				c.w.Error(ErrClientName)
				return
			}
			c.s.setName(string(c.argv[j+1]))
			j++
		default:
			c.w.Error("ERR Syntax error in HELLO option '" + cstr(string(c.argv[j])) + "'")
			return
		}
	}
	if !c.s.authed {
		c.w.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if ver != 0 {
		c.s.proto.Store(int32(ver))
		setWriterProto(c.w, int(ver))
	}
	c.w.Map(7)
	c.w.BulkString("server")
	c.w.BulkString("redis")
	c.w.BulkString("version")
	c.w.BulkString(RedisVersion)
	c.w.BulkString("proto")
	c.w.Int(int64(c.s.Proto()))
	c.w.BulkString("id")
	c.w.Int(c.s.id)
	c.w.BulkString("mode")
	c.w.BulkString("standalone")
	c.w.BulkString("role")
	c.w.BulkString("master")
	c.w.BulkString("modules")
	c.w.Array(0)
}

// Authenticated reports whether the session may run commands: it has passed
// AUTH (or HELLO AUTH), or no password is required. The server applies Redis's
// smaller request limits to unauthenticated connections.
func (s *Session) Authenticated() bool { return s.authed }

// AUTH [username] password
func cmdAuth(c *Ctx) {
	if len(c.argv) > 3 {
		c.w.Error(ErrSyntax)
		return
	}
	user, pass := []byte("default"), c.argv[1]
	if len(c.argv) == 2 {
		if c.e.DefaultUserNoPass() {
			c.w.Error(ErrAuthNotSet)
			return
		}
	} else {
		user, pass = c.argv[1], c.argv[2]
	}
	if c.authenticate(user, pass) {
		c.w.Status("OK")
	}
}

// CLIENT ID
func cmdClientID(c *Ctx) { c.w.Int(c.s.id) }

// validClientName allows the printable ASCII characters CLIENT LIST can show.
func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func (s *Session) setName(name string) {
	s.mu.Lock()
	s.name = name
	s.mu.Unlock()
}

// CLIENT SETNAME connection-name
func cmdClientSetname(c *Ctx) {
	if !validClientName(c.argv[2]) {
		c.w.Error(ErrClientName)
		return
	}
	c.s.setName(string(c.argv[2]))
	c.w.Status("OK")
}

// CLIENT GETNAME
func cmdClientGetname(c *Ctx) {
	c.s.mu.Lock()
	name := c.s.name
	c.s.mu.Unlock()
	if name == "" {
		c.w.Null()
		return
	}
	c.w.BulkString(name)
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] | [ID client-id [client-id ...]]
//
// Redis 7.0 takes either TYPE alone or ID with its ids; the ids are listed in
// the order given, repeated ones repeated, unknown ones skipped.
func cmdClientList(c *Ctx) {
	var b strings.Builder
	line := func(s *Session) {
		b.WriteString(c.e.clientLine(s, c.s))
		b.WriteByte('\n')
	}
	switch {
	case len(c.argv) == 4 && eqFold(c.argv[2], "type"):
		typ, ok := c.clientType(3)
		if !ok {
			return
		}
		for _, s := range c.e.clients.list() {
			if s.clientType() == typ {
				line(s)
			}
		}
	case len(c.argv) > 3 && eqFold(c.argv[2], "id"):
		for _, a := range c.argv[3:] {
			id, ok := parseInt(a)
			if !ok {
				c.w.Error("ERR Invalid client ID")
				return
			}
			if s := c.e.clients.get(id); s != nil {
				line(s)
			}
		}
	case len(c.argv) != 2:
		c.w.Error(ErrSyntax)
		return
	default:
		for _, s := range c.e.clients.list() {
			line(s)
		}
	}
	c.w.Verbatim("txt", b.String())
}

// clientType parses a client type name (NORMAL, MASTER, REPLICA/SLAVE, PUBSUB)
// as "normal", "master", "replica" or "pubsub", replying an error otherwise.
func (c *Ctx) clientType(i int) (string, bool) {
	// Redis compares with strcasecmp, which stops at a NUL byte.
	switch t := strings.ToLower(cstr(string(c.argv[i]))); t {
	case "normal", "master", "replica", "pubsub":
		return t, true
	case "slave":
		return "replica", true
	}
	c.w.Error("ERR Unknown client type '" + cstr(string(c.argv[i])) + "'")
	return "", false
}

// clientType is Redis's getClientType for CLIENT LIST/KILL TYPE: "pubsub"
// for a client with subscriptions, "normal" otherwise (there are no
// replicas or masters).
func (s *Session) clientType() string {
	if s.subscribed() {
		return "pubsub"
	}
	return "normal"
}

// get returns the registered session with the given id, or nil.
func (r *clientRegistry) get(id int64) *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// CLIENT INFO
func cmdClientInfo(c *Ctx) { c.w.Verbatim("txt", c.e.clientLine(c.s, c.s)+"\n") }

// clientLine is one CLIENT LIST line in Redis 7's field order (lib-name and
// lib-ver as Redis 7.2 adds them). Buffer sizes we do not track report 0.
func (e *Engine) clientLine(s, self *Session) string {
	s.mu.Lock()
	name, lib, ver, info, fl, user := s.name, s.libName, s.libVer, s.info, s.flags, s.user.name
	s.mu.Unlock()
	cmd := "NULL"
	if s == self {
		// The command the client sent: EXEC's or a script's inner
		// commands do not count (Redis's lastcmd).
		cmd = self.ctxs[0].cmd.Name
	} else if lc := s.lastCmd.Load(); lc != nil {
		cmd = lc.Name
	}
	// Redis's flag letters in its order. MULTI's x and queue length are not
	// shown: the transaction is only readable from the session's goroutine.
	flags := ""
	if s.subscribed() {
		flags += "P"
	}
	if e.isBlocked(s) {
		flags += "b"
	}
	if s.dirtyCAS.Load() {
		flags += "d"
	}
	// The server gives Unix socket clients "path:0" as both addresses; TCP
	// peers always differ from the local address.
	if strings.HasSuffix(info.Addr, ":0") && info.Addr == info.LAddr {
		flags += "U"
	}
	if fl.noEvict {
		flags += "e"
	}
	if fl.noTouch {
		flags += "T"
	}
	if flags == "" {
		flags = "N"
	}
	now := e.nowMs()
	var b []byte
	b = append(b, "id="...)
	b = strconv.AppendInt(b, s.id, 10)
	b = append(b, " addr="+info.Addr+" laddr="+info.LAddr+" fd="...)
	fd := info.FD
	if info.Addr == "" {
		fd = -1
	}
	b = strconv.AppendInt(b, int64(fd), 10)
	b = append(b, " name="+name+" age="...)
	b = strconv.AppendInt(b, (now-s.created)/1000, 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, (now-s.last.Load())/1000, 10)
	b = append(b, " flags="+flags+" db="...)
	b = strconv.AppendInt(b, int64(s.DB()), 10)
	for i, name := range [...]string{" sub=", " psub=", " ssub="} {
		b = append(b, name...)
		b = strconv.AppendInt(b, int64(s.subs.count(subKind(i))), 10)
	}
	b = append(b, " multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd="+cmd+" user="+user+" redir=-1 resp="...)
	b = strconv.AppendInt(b, int64(s.Proto()), 10)
	b = append(b, " lib-name="+lib+" lib-ver="+ver...)
	return string(b)
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]
//
// Options are parsed in order as Redis 7.0 does, so the first bad one decides
// the error. The old form may kill the caller itself.
func cmdClientKill(c *Ctx) {
	if len(c.argv) == 3 {
		n := c.killMatching(func(s *Session) bool { return s.info.Addr == string(c.argv[2]) })
		if n == 0 {
			c.w.Error(ErrNoSuchClient)
		} else {
			c.w.Status("OK")
		}
		return
	}
	var id int64
	var addr, laddr *string
	var user *aclUser
	typ := ""
	skipMe := true
	for j := 2; j < len(c.argv); j += 2 {
		opt := c.argv[j]
		if j+1 >= len(c.argv) {
			c.w.Error(ErrSyntax)
			return
		}
		val := string(c.argv[j+1])
		switch {
		case eqFold(opt, "id"):
			n, ok := parseInt(c.argv[j+1])
			if !ok || n <= 0 {
				c.w.Error("ERR client-id should be greater than 0")
				return
			}
			id = n
		case eqFold(opt, "type"):
			t, ok := c.clientType(j + 1)
			if !ok {
				return
			}
			typ = t
		case eqFold(opt, "addr"):
			addr = &val
		case eqFold(opt, "laddr"):
			laddr = &val
		case eqFold(opt, "user"):
			if user = c.e.acl.user(val); user == nil {
				c.w.Error("ERR No such user '" + cstr(val) + "'")
				return
			}
		case eqFold(opt, "skipme"):
			switch {
			case eqFold(c.argv[j+1], "yes"):
				skipMe = true
			case eqFold(c.argv[j+1], "no"):
				skipMe = false
			default:
				c.w.Error(ErrSyntax)
				return
			}
		default:
			c.w.Error(ErrSyntax)
			return
		}
	}
	n := c.killMatching(func(s *Session) bool {
		return (id == 0 || s.id == id) && (addr == nil || s.info.Addr == *addr) &&
			(laddr == nil || s.info.LAddr == *laddr) && (typ == "" || typ == s.clientType()) &&
			(user == nil || s.userIs(user)) && !(skipMe && s == c.s)
	})
	c.w.Int(int64(n))
}

// killMatching kills every registered session match accepts and counts them.
func (c *Ctx) killMatching(match func(*Session) bool) int {
	n := 0
	for _, s := range c.e.clients.list() {
		if match(s) {
			c.kill(s)
			n++
		}
	}
	return n
}

// kill closes a session's connection. Another session leaves the client list
// at once, as Redis frees it synchronously; the caller itself is closed after
// this command's reply.
func (c *Ctx) kill(s *Session) {
	if s == c.s {
		s.killed.Store(true)
		return
	}
	s.kill()
}

// onOff parses CLIENT's ON|OFF argument, replying a syntax error otherwise.
func (c *Ctx) onOff(i int) (on, ok bool) {
	switch {
	case eqFold(c.argv[i], "on"):
		return true, true
	case eqFold(c.argv[i], "off"):
		return false, true
	}
	c.w.Error(ErrSyntax)
	return false, false
}

// CLIENT NO-EVICT ON|OFF
func cmdClientNoEvict(c *Ctx) {
	if on, ok := c.onOff(2); ok {
		c.s.mu.Lock()
		c.s.flags.noEvict = on
		c.s.mu.Unlock()
		c.w.Status("OK")
	}
}

// CLIENT REPLY ON|OFF|SKIP
func cmdClientReply(c *Ctx) {
	switch {
	case eqFold(c.argv[2], "on"):
		// Redis clears OFF and SKIP before replying, so this OK is sent.
		c.s.replyMode = replyOn
		unwrapDiscard(c.w).Status("OK")
	case eqFold(c.argv[2], "off"):
		c.s.replyMode = replyOff
	case eqFold(c.argv[2], "skip"):
		if c.s.replyMode != replyOff {
			c.s.replyMode = replySkipNext
		}
	default:
		c.w.Error(ErrSyntax)
	}
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
//
// The blocked client gets its command's timeout reply, or the UNBLOCKED
// error; the caller gets 1, or 0 when no such client is blocked. As in Redis
// the reason is checked before the id.
func cmdClientUnblock(c *Ctx) {
	if len(c.argv) > 4 {
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(c.argv[1]) + "'. Try CLIENT HELP.")
		return
	}
	withError := false
	if len(c.argv) == 4 {
		switch {
		case eqFold(c.argv[3], "timeout"):
		case eqFold(c.argv[3], "error"):
			withError = true
		default:
			c.w.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := parseInt(c.argv[2])
	if !ok {
		c.w.Error(ErrNotInt)
		return
	}
	s := c.e.clients.get(id)
	if s != nil && c.e.unblock(s, withError) {
		c.w.Int(1)
		return
	}
	c.w.Int(0)
}

// CLIENT HELP
func cmdClientHelp(c *Ctx) {
	c.help("CLIENT",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.")
}
