package engine

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/cachee/cachee/engine/internal/cmdspec"
)

var serverCommands = []cmdDef{
	{name: "command", handler: cmdCommand},
	{name: "command|count", handler: cmdCommandCount},
	{name: "command|info", handler: cmdCommandInfo},
	{name: "command|docs", handler: cmdCommandDocs},
	{name: "command|list", handler: cmdCommandList},
	{name: "command|getkeys", handler: cmdCommandGetkeys},
	{name: "command|getkeysandflags", handler: cmdCommandGetkeysandflags},
	{name: "command|help", handler: cmdCommandHelp},
	{name: "info", handler: cmdInfo, opts: lockAll},
	{name: "config|get", handler: cmdConfigGet},
	{name: "config|set", handler: cmdConfigSet},
	{name: "config|resetstat", handler: cmdConfigResetstat, opts: lockAll},
	{name: "config|help", handler: cmdConfigHelp},
	{name: "time", handler: cmdTime},
	{name: "lastsave", handler: cmdLastsave},
	{name: "shutdown", handler: cmdShutdown},
}

// stats are the engine-wide counters INFO reports that no shard owns.
type stats struct {
	rejectedConns atomic.Int64
	panics        atomic.Int64 // commands that panicked and were contained
	// cmdsBase, connsBase and hitsBase are the sessions' command and
	// keyspace hit counts and the connection total at the last CONFIG
	// RESETSTAT, which INFO subtracts (changed with every shard locked).
	cmdsBase, connsBase, hitsBase int64
}

// writeInfo writes COMMAND INFO's entry for cmd, listing only the
// subcommands we implement.
func (c *Ctx) writeInfo(cmd *Command) {
	cmd.Spec.WriteInfo(c.w, keepSubs(cmd))
}

func keepSubs(cmd *Command) func(*cmdspec.Spec) bool {
	if cmd.subs == nil {
		return nil
	}
	return cmd.hasSub
}

// COMMAND
func cmdCommand(c *Ctx) {
	if len(c.argv) > 1 {
		c.w.Error(errUnknownSubcommand(c.argv[1], "command"))
		return
	}
	all := c.e.table.sorted()
	c.w.Array(len(all))
	for _, cmd := range all {
		c.writeInfo(cmd)
	}
}

// COMMAND COUNT
func cmdCommandCount(c *Ctx) { c.w.Int(int64(len(c.e.table.cmds))) }

// COMMAND INFO [command-name [command-name ...]]
func cmdCommandInfo(c *Ctx) {
	if len(c.argv) == 2 {
		cmdCommand(&Ctx{e: c.e, s: c.s, argv: c.argv[:1], w: c.w, cmd: c.cmd})
		return
	}
	c.w.Array(len(c.argv) - 2)
	for _, name := range c.argv[2:] {
		if cmd := c.e.lookupFullName(name); cmd != nil {
			c.writeInfo(cmd)
		} else {
			c.w.Null()
		}
	}
}

// lookupFullName finds "get" or "client|setname" (any case).
func (e *Engine) lookupFullName(name []byte) *Command {
	p, sub, isSub := cut(string(name), '|')
	cmd := e.table.Lookup([]byte(p))
	if cmd == nil || !isSub {
		return cmd
	}
	return lookupIn(cmd.subs, []byte(sub))
}

// COMMAND DOCS [command-name [command-name ...]]
func cmdCommandDocs(c *Ctx) {
	var cmds []*Command
	if len(c.argv) == 2 {
		cmds = c.e.table.sorted()
	} else {
		for _, name := range c.argv[2:] {
			if cmd := c.e.lookupFullName(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.w.Map(len(cmds))
	for _, cmd := range cmds {
		c.w.BulkString(cmd.Name)
		cmd.Spec.WriteDocs(c.w, keepSubs(cmd))
	}
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
func cmdCommandList(c *Ctx) {
	var match func(*Command) bool
	switch len(c.argv) {
	case 2:
	case 5:
		if !eqFold(c.argv[2], "filterby") {
			c.w.Error(ErrSyntax)
			return
		}
		arg := c.argv[4]
		switch {
		case eqFold(c.argv[3], "module"):
			match = func(*Command) bool { return false }
		case eqFold(c.argv[3], "aclcat"):
			cat := "@" + strings.ToLower(string(arg))
			match = func(cmd *Command) bool {
				for _, a := range cmd.Spec.ACLCategories {
					if a == cat {
						return true
					}
				}
				return false
			}
		case eqFold(c.argv[3], "pattern"):
			match = func(cmd *Command) bool { return globMatch(arg, cmd.Name, true) }
		default:
			c.w.Error(ErrSyntax)
			return
		}
	default:
		c.w.Error(ErrSyntax)
		return
	}
	var names []string
	for _, cmd := range c.e.table.sorted() {
		if match == nil || match(cmd) {
			names = append(names, cmd.Name)
		}
		for _, sub := range cmd.subs {
			if match == nil || match(sub) {
				names = append(names, sub.Name)
			}
		}
	}
	c.w.Array(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

// COMMAND GETKEYS command [arg [arg ...]]
//
// A command (or subcommand) we do not implement is "Invalid command
// specified", as COMMAND INFO does not know it either; the rest is Redis
// 7.0's key extraction (cmdspec.GetKeys), errors included.
func cmdCommandGetkeys(c *Ctx) { c.getKeys(false) }

// COMMAND GETKEYSANDFLAGS command [arg ...]
//
// Each key with how the command uses it (RW, access...): the flags ACL key
// patterns are checked against.
func cmdCommandGetkeysandflags(c *Ctx) { c.getKeys(true) }

func (c *Ctx) getKeys(withFlags bool) {
	argv := c.argv[2:]
	cmd := c.e.table.Lookup(argv[0])
	if cmd != nil && cmd.subs != nil && len(argv) >= 2 {
		cmd = lookupIn(cmd.subs, argv[1])
	}
	if cmd == nil {
		c.w.Error(cmdspec.ErrInvalidCommand.Error())
		return
	}
	pos, err := cmdspec.GetKeys(argv, nil)
	if err != nil {
		c.w.Error(err.Error())
		return
	}
	var flags []cmdspec.KeyFlag
	if withFlags {
		_, flags, _ = cmd.Spec.KeyRefs(argv, nil, nil)
	}
	c.w.Array(len(pos))
	for i, p := range pos {
		if !withFlags {
			c.w.Bulk(argv[p])
			continue
		}
		c.w.Array(2)
		c.w.Bulk(argv[p])
		names := strings.Fields(flags[i].String())
		c.w.Set(len(names))
		for _, n := range names {
			c.w.Status(n)
		}
	}
}

// COMMAND HELP
func cmdCommandHelp(c *Ctx) {
	c.help("COMMAND",
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.")
}

// INFO [section [section ...]]
func cmdInfo(c *Ctx) {
	want := map[string]bool{}
	for _, a := range c.argv[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all := len(want) == 0 || want["all"] || want["everything"] || want["default"]
	var b strings.Builder
	section := func(name string, fields ...string) {
		if !all && !want[strings.ToLower(name)] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + name + "\r\n")
		for i := 0; i+1 < len(fields); i += 2 {
			b.WriteString(fields[i] + ":" + fields[i+1] + "\r\n")
		}
	}
	e := c.e
	cfg := e.Config()
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	uptime := (c.nowMs() - e.started.UnixMilli()) / 1000
	section("Server",
		"redis_version", RedisVersion,
		"redis_mode", "standalone",
		"os", runtime.GOOS+" "+runtime.GOARCH,
		"arch_bits", "64",
		"multiplexing_api", "goroutines",
		"process_id", itoa(int64(os.Getpid())),
		"run_id", e.runID,
		"tcp_port", itoa(int64(cfg.Port)),
		"server_time_usec", itoa(c.nowMs()*1000),
		"uptime_in_seconds", itoa(uptime),
		"uptime_in_days", itoa(uptime/86400),
		"hz", itoa(int64(cfg.Hz)),
		"configured_hz", itoa(int64(cfg.Hz)),
		"executable", executable(),
		"config_file", "")
	var ms runtime.MemStats
	var mst memStats
	if all || want["memory"] {
		runtime.ReadMemStats(&ms)
		mst = e.memStats()
	}
	section("Clients",
		"connected_clients", itoa(int64(e.clients.count())),
		"cluster_connections", "0",
		"maxclients", itoa(int64(cfg.MaxClients)),
		"client_recent_max_input_buffer", "0",
		"client_recent_max_output_buffer", "0",
		"blocked_clients", itoa(int64(e.BlockedClients())),
		"tracking_clients", "0",
		"clients_in_timeout_table", "0")
	section("Memory",
		"used_memory", itoa(mst.used),
		"used_memory_human", humanBytes(uint64(mst.used)),
		"used_memory_rss", itoa(int64(ms.Sys)),
		"used_memory_rss_human", humanBytes(ms.Sys),
		"used_memory_peak", itoa(mst.peak),
		"used_memory_peak_human", humanBytes(uint64(mst.peak)),
		"used_memory_dataset", itoa(mst.used),
		"allocator_allocated", itoa(int64(ms.HeapAlloc)),
		"total_system_memory", "0",
		"maxmemory", itoa(cfg.MaxMemory),
		"maxmemory_human", humanBytes(uint64(cfg.MaxMemory)),
		"maxmemory_policy", cfg.policy.String(),
		"mem_not_counted_for_evict", "0",
		"mem_allocator", "go")
	_, hits := e.clients.sum() // the reads that took no lock
	hits -= e.stats.hitsBase
	var misses, expired int64
	for i := range e.ks.shards {
		sh := &e.ks.shards[i]
		hits, misses, expired = hits+sh.hits, misses+sh.misses, expired+sh.expired
	}
	section("Stats",
		"total_connections_received", itoa(e.clients.total.Load()-e.stats.connsBase),
		"total_commands_processed", itoa(e.commandsProcessed()),
		"rejected_connections", itoa(e.stats.rejectedConns.Load()),
		"expired_keys", itoa(expired),
		"evicted_keys", itoa(e.evict.evicted.Load()),
		"keyspace_hits", itoa(hits),
		"keyspace_misses", itoa(misses),
		"pubsub_channels", itoa(int64(e.pubsub.count(subChannel))),
		"pubsub_patterns", itoa(int64(e.pubsub.count(subPattern))),
		"pubsubshard_channels", itoa(int64(e.pubsub.count(subShard))))
	var ks []string
	for db := 0; db < cfg.Databases; db++ {
		keys, expires := 0, 0
		for i := range e.ks.shards {
			d := &e.ks.shards[i].dbs[db]
			keys, expires = keys+d.count, expires+len(d.ttl)
		}
		if keys > 0 {
			ks = append(ks, "db"+strconv.Itoa(db), "keys="+strconv.Itoa(keys)+",expires="+strconv.Itoa(expires)+",avg_ttl=0")
		}
	}
	section("Keyspace", ks...)
	c.w.Verbatim("txt", b.String())
}

// commandsProcessed is total_commands_processed: the counts of live and
// closed sessions and of the shards' typed calls, since the last RESETSTAT.
// The caller holds every shard's lock.
func (e *Engine) commandsProcessed() int64 {
	n, _ := e.clients.sum()
	n -= e.stats.cmdsBase
	for i := range e.ks.shards {
		n += e.ks.shards[i].cmds
	}
	return n
}

func executable() string {
	p, _ := os.Executable()
	return p
}

// humanBytes formats a byte count as Redis's bytesToHuman does ("1.50M").
func humanBytes(n uint64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatUint(n, 10) + "B"
	case n < 1<<20:
		return strconv.FormatFloat(f/1024, 'f', 2, 64) + "K"
	case n < 1<<30:
		return strconv.FormatFloat(f/(1<<20), 'f', 2, 64) + "M"
	default:
		return strconv.FormatFloat(f/(1<<30), 'f', 2, 64) + "G"
	}
}

// configParam is one setting CONFIG GET/SET know: its Redis name, how to read
// it, and how to set it (nil: immutable at runtime). set returns an error
// reason in Redis's words, or "".
type configParam struct {
	name  string
	alias string // the pre-7.0 name Redis still accepts ("hash-max-ziplist-entries")
	get   func(*Config) string
	set   func(*Config, string) string
}

// Kinds of integer settings, as Redis's numeric configs: signed or unsigned
// bounds check, and whether memory units (1mb, 2gb) are accepted.
const (
	numSigned = iota
	numUnsigned
	numMemory
)

// intParam is an integer setting bounded to [min, max] that Redis parses and
// checks as its numeric configs: memory settings take memtoull's units and
// refuse signs ("argument must be a memory value"), the others take a strict
// integer; unsigned settings compare the value as unsigned, so -1 is out of
// range rather than below it.
func intParam(name string, kind int, min, max int64, get func(*Config) int64, set func(*Config, int64)) configParam {
	return configParam{
		name: name,
		get:  func(c *Config) string { return strconv.FormatInt(get(c), 10) },
		set: func(c *Config, v string) string {
			var n int64
			if kind == numMemory {
				u, ok := parseMemtoull(v)
				if !ok {
					return "argument must be a memory value"
				}
				n = int64(u)
			} else {
				var ok bool
				if n, ok = parseInt([]byte(v)); !ok {
					return "argument couldn't be parsed into an integer"
				}
			}
			out := n < min || n > max
			if kind == numUnsigned {
				out = uint64(n) < uint64(min) || uint64(n) > uint64(max)
			}
			if out {
				return "argument must be between " + strconv.FormatInt(min, 10) + " and " + strconv.FormatInt(max, 10) + " inclusive"
			}
			set(c, n)
			return ""
		},
	}
}

// saveParamsValid is Redis's check of a save value: split at every single
// space, pairs of seconds >= 1 and changes >= 0, each read whole by strtoll
// (an empty one reads as 0).
func saveParamsValid(v string) bool {
	args := strings.Split(v, " ")
	if len(args)%2 != 0 {
		return false
	}
	for j, a := range args {
		n, ok := strtoll(a)
		if !ok || (j%2 == 0 && n < 1) || n < 0 {
			return false
		}
	}
	return true
}

// strtoll reads s as C's strtoll(s, &end, 10) does, reporting whether it
// read all of s: leading white space, a sign, then digits (saturating at
// the int64 bounds). Without digits it reads nothing, so only "" is whole.
func strtoll(s string) (int64, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var n uint64
	for ; i < len(s) && isDigit(s[i]); i++ {
		if n > (1<<63)/10 {
			n = 1 << 63
		} else {
			n = min(n*10+uint64(s[i]-'0'), 1<<63)
		}
	}
	if i == start {
		return 0, s == ""
	}
	switch {
	case neg:
		return -int64(n), i == len(s) // -int64(1<<63) is MinInt64
	case n >= 1<<63:
		return math.MaxInt64, i == len(s)
	}
	return int64(n), i == len(s)
}

// parseMemtoull is Redis's memtoull: digits with an optional unit (b, k, kb,
// m, mb, g, gb; any case), no sign. Like strtoull it saturates at 2^64-1 and
// accepts an empty digit string as 0.
func parseMemtoull(s string) (uint64, bool) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	for _, ch := range s[:i] {
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			v = math.MaxUint64
			break
		}
		v = v*10 + d
	}
	if v != 0 && v > math.MaxUint64/mul {
		return math.MaxUint64, true
	}
	return v * mul, true
}

// ParseMemory parses an integer with Redis's optional memory unit suffix
// (k, kb, m, mb, g, gb; case-insensitive), as memtoull does.
func ParseMemory(s string) (int64, bool) {
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}}
	low := strings.ToLower(s)
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(low, u.suffix) {
			low, mul = strings.TrimSuffix(low, u.suffix), u.mul
			break
		}
	}
	n, ok := parseInt([]byte(low))
	if !ok || (n != 0 && (n > math.MaxInt64/mul || n < math.MinInt64/mul)) {
		return 0, false
	}
	return n * mul, true
}

// configParams is every setting CONFIG GET/SET handle, with Redis 7.0's types
// and bounds.
var configParams = []configParam{
	{name: "databases", get: func(c *Config) string { return strconv.Itoa(c.Databases) }},
	{name: "port", get: func(c *Config) string { return strconv.Itoa(c.Port) }},
	{name: "bind", get: func(c *Config) string { return c.Bind }},
	{name: "requirepass", get: func(c *Config) string { return c.RequirePass },
		set: func(c *Config, v string) string { c.RequirePass = v; return "" }},
	maxClientsParam,
	{name: "aclfile", get: func(c *Config) string { return c.ACLFile }},
	// cachee keeps no RDB snapshots and no append-only file. These read as
	// a Redis that persists nothing (redis-benchmark warns without them),
	// and setting them to that is accepted, so that configs and test
	// harnesses turning persistence off (`CONFIG SET save ""`, `--appendonly
	// no`) work unchanged. A value Redis would accept that asks for
	// persistence is refused with why; an invalid one with Redis's error.
	{name: "save", get: func(*Config) string { return "" },
		set: func(_ *Config, v string) string {
			switch {
			case v == "":
				return ""
			case !saveParamsValid(v):
				return "Invalid save parameters"
			}
			return "cachee keeps no RDB snapshots: save can only be \"\""
		}},
	{name: "appendonly", get: func(*Config) string { return "no" },
		set: func(_ *Config, v string) string {
			switch strings.ToLower(v) {
			case "no":
				return ""
			case "yes":
				return "cachee keeps no append-only file: appendonly can only be no"
			}
			return "argument must be 'yes' or 'no'"
		}},
	intParam("acllog-max-len", numSigned, 0, math.MaxInt64,
		func(c *Config) int64 { return int64(c.ACLLogMaxLen) }, func(c *Config, n int64) { c.ACLLogMaxLen = int(n) }),
	{name: "acl-pubsub-default", get: func(c *Config) string { return c.ACLPubsubDefault },
		set: func(c *Config, v string) string {
			switch strings.ToLower(v) {
			case "allchannels", "resetchannels":
				c.ACLPubsubDefault = strings.ToLower(v)
				return ""
			}
			return errPubsubDefault
		}},
	intParam("timeout", numSigned, 0, math.MaxInt32,
		func(c *Config) int64 { return int64(c.Timeout) }, func(c *Config, n int64) { c.Timeout = int(n) }),
	intParam("proto-max-bulk-len", numMemory, 1<<20, math.MaxInt64,
		func(c *Config) int64 { return c.ProtoMaxBulkLen }, func(c *Config, n int64) { c.ProtoMaxBulkLen = n }),
	intParam("client-query-buffer-limit", numMemory, 1<<20, math.MaxInt64,
		func(c *Config) int64 { return c.ClientQueryBufferLimit }, func(c *Config, n int64) { c.ClientQueryBufferLimit = n }),
	intParam("tcp-keepalive", numSigned, 0, math.MaxInt32,
		func(c *Config) int64 { return int64(c.TCPKeepAlive) }, func(c *Config, n int64) { c.TCPKeepAlive = int(n) }),
	// Redis accepts 0..INT_MAX and then clamps hz to 1..500.
	intParam("hz", numSigned, 0, math.MaxInt32,
		func(c *Config) int64 { return int64(c.Hz) }, func(c *Config, n int64) { c.Hz = int(min(max(n, 1), 500)) }),
	{name: "notify-keyspace-events", get: func(c *Config) string { return c.notify.String() },
		set: func(c *Config, v string) string {
			f, ok := parseNotifyClasses(v)
			if !ok {
				return errNotifyClass
			}
			c.notify, c.NotifyKeyspaceEvents = f, f.String()
			return ""
		}},
	{name: "client-output-buffer-limit", get: formatBufferLimits, set: setBufferLimits},
	intParam("maxmemory", numMemory, 0, math.MaxInt64,
		func(c *Config) int64 { return c.MaxMemory }, func(c *Config, n int64) { c.MaxMemory = n }),
	{name: "maxmemory-policy", get: func(c *Config) string { return c.policy.String() },
		set: func(c *Config, v string) string {
			p, ok := parsePolicy(v)
			if !ok {
				return errPolicy
			}
			c.policy, c.MaxMemoryPolicy = p, p.String()
			return ""
		}},
	intParam("maxmemory-samples", numSigned, 1, math.MaxInt32,
		func(c *Config) int64 { return int64(c.MaxMemorySamples) }, func(c *Config, n int64) { c.MaxMemorySamples = int(n) }),
	intParam("maxmemory-eviction-tenacity", numSigned, 0, 100,
		func(c *Config) int64 { return int64(c.MaxMemoryEvictionTenacity) }, func(c *Config, n int64) { c.MaxMemoryEvictionTenacity = int(n) }),
	intParam("lfu-log-factor", numSigned, 0, math.MaxInt32,
		func(c *Config) int64 { return int64(c.LFULogFactor) }, func(c *Config, n int64) { c.LFULogFactor = int(n) }),
	intParam("lfu-decay-time", numSigned, 0, math.MaxInt32,
		func(c *Config) int64 { return int64(c.LFUDecayTime) }, func(c *Config, n int64) { c.LFUDecayTime = int(n) }),
	aliasParam(intParam("busy-reply-threshold", numSigned, 0, math.MaxInt64,
		func(c *Config) int64 { return c.BusyReplyThreshold }, func(c *Config, n int64) { c.BusyReplyThreshold = n }), "lua-time-limit"),
	sizeParam("hash-max-listpack-entries", "hash-max-ziplist-entries", func(c *Config) *int { return &c.HashMaxListpackEntries }),
	sizeParam("hash-max-listpack-value", "hash-max-ziplist-value", func(c *Config) *int { return &c.HashMaxListpackValue }),
	sizeParam("set-max-intset-entries", "", func(c *Config) *int { return &c.SetMaxIntsetEntries }),
	sizeParam("zset-max-listpack-entries", "zset-max-ziplist-entries", func(c *Config) *int { return &c.ZSetMaxListpackEntries }),
	sizeParam("zset-max-listpack-value", "zset-max-ziplist-value", func(c *Config) *int { return &c.ZSetMaxListpackValue }),
}

// maxClientsParam is maxclients, which like Redis's updateMaxclients asks
// whether the process can serve that many clients (Config.ClientLimit) when
// the value grows, and refuses it with the count it could serve.
var maxClientsParam = func() configParam {
	p := intParam("maxclients", numUnsigned, 1, math.MaxUint32,
		func(c *Config) int64 { return int64(c.MaxClients) },
		// On a 32-bit platform Redis's maximum reads back as MaxInt32.
		func(c *Config, n int64) { c.MaxClients = int(min(n, math.MaxInt)) })
	set := p.set
	p.set = func(c *Config, v string) string {
		prev := c.MaxClients
		if reason := set(c, v); reason != "" {
			return reason
		}
		if c.ClientLimit != nil && c.MaxClients > prev {
			if n := c.ClientLimit(c.MaxClients); n < c.MaxClients {
				c.MaxClients = prev
				return "The operating system is not able to handle the specified number of clients, try with " + strconv.Itoa(n)
			}
		}
		return ""
	}
	return p
}()

// bufferClassNames are client-output-buffer-limit's class names as CONFIG
// GET prints them; CONFIG SET also accepts "replica".
var bufferClassNames = [3]string{"normal", "slave", "pubsub"}

func formatBufferLimits(c *Config) string {
	var b []byte
	for i, l := range c.OutputBufferLimits {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, bufferClassNames[i]...)
		for _, n := range [3]int64{l.Hard, l.Soft, l.SoftSeconds} {
			b = strconv.AppendInt(append(b, ' '), n, 10)
		}
	}
	return string(b)
}

// setBufferLimits applies "class hard soft seconds" groups, all or none, as
// Redis's updateClientOutputBufferLimit.
func setBufferLimits(c *Config, v string) string {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return "Wrong number of arguments in buffer limit configuration."
	}
	next := c.OutputBufferLimits
	for j := 0; j < len(f); j += 4 {
		class := -1
		switch strings.ToLower(f[j]) {
		case "normal":
			class = ClientNormal
		case "slave", "replica":
			class = ClientReplica
		case "pubsub":
			class = ClientPubSub
		default:
			return "Invalid client class specified in buffer limit configuration."
		}
		hard, ok1 := parseMemtoull(f[j+1])
		soft, ok2 := parseMemtoull(f[j+2])
		secs, ok3 := parseInt([]byte(f[j+3]))
		if !ok1 || !ok2 || !ok3 || secs < 0 {
			return "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		next[class] = BufferLimit{Hard: int64(hard), Soft: int64(soft), SoftSeconds: secs}
	}
	c.OutputBufferLimits = next
	return ""
}

// aliasParam gives p the other name Redis accepts for it.
func aliasParam(p configParam, alias string) configParam {
	p.alias = alias
	return p
}

// sizeParam is an encoding threshold (Redis's size_t configs: 0..LONG_MAX),
// optionally with its pre-7.0 alias name.
func sizeParam(name, alias string, field func(*Config) *int) configParam {
	return aliasParam(intParam(name, numMemory, 0, math.MaxInt64,
		func(c *Config) int64 { return int64(*field(c)) }, func(c *Config, n int64) { *field(c) = int(n) }), alias)
}

// CONFIG GET parameter [parameter ...]
//
// As Redis 7.0: a name without glob characters is looked up (any case) and
// answered under the name as given; a pattern matches names without regard to
// case. Each parameter is reported once. Redis's order is its hash table's,
// so clients cannot rely on any.
func cmdConfigGet(c *Ctx) {
	cfg := c.e.Config()
	var out []string
	seen := map[string]bool{}
	for _, pat := range c.argv[2:] {
		if !bytes.ContainsAny(pat, "[*?") {
			if p, name := findConfigParam(string(pat)); p != nil && !seen[name] {
				seen[name] = true
				out = append(out, string(pat), p.get(&cfg))
			}
			continue
		}
		for _, p := range configParams {
			for _, name := range [2]string{p.name, p.alias} {
				if name != "" && !seen[name] && globMatch(pat, name, true) {
					seen[name] = true
					out = append(out, name, p.get(&cfg))
				}
			}
		}
	}
	c.w.Map(len(out) / 2)
	for _, s := range out {
		c.w.BulkString(s)
	}
}

// CONFIG SET parameter value [parameter value ...]
//
// As Redis 7.0: every name is looked up first (an unknown one, an immutable
// one or a repeated one fails the command before any value is parsed), then
// the values are parsed in order; all are applied, or none when one is refused.
func cmdConfigSet(c *Ctx) {
	if len(c.argv)%2 != 0 {
		c.w.Error(ErrSyntax)
		return
	}
	params := make([]*configParam, 0, (len(c.argv)-2)/2)
	names := make([]string, 0, cap(params))
	unknown, failed := -1, ""
	for j := 2; j < len(c.argv); j += 2 {
		p, name := findConfigParam(string(c.argv[j]))
		switch {
		case p == nil:
			if failed == "" && unknown < 0 {
				unknown = j
			}
			continue
		case unknown >= 0 || failed != "":
			continue
		case p.set == nil:
			failed = errConfigSet(string(c.argv[j]), "can't set immutable config")
			continue
		}
		for _, n := range names {
			if n == name {
				failed = errConfigSet(string(c.argv[j]), "duplicate parameter")
			}
		}
		params, names = append(params, p), append(names, name)
	}
	switch {
	case unknown >= 0:
		c.w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + cstr(string(c.argv[unknown])) + "'")
		return
	case failed != "":
		c.w.Error(failed)
		return
	}
	c.e.cfgMu.Lock()
	defer c.e.cfgMu.Unlock()
	next := c.e.Config()
	pass := next.RequirePass
	for i, p := range params {
		if reason := p.set(&next, string(c.argv[3+2*i])); reason != "" {
			c.w.Error(errConfigSet(p.name, reason))
			return
		}
	}
	c.e.cfg.Store(&next)
	c.e.memQ.Store(c.e.memQuantum(&next))
	if next.RequirePass != pass {
		c.e.acl.setDefaultPassword(next.RequirePass)
	}
	c.e.performEvictions() // a lower maxmemory takes effect at once
	c.w.Status("OK")
}

// findConfigParam finds a setting by its name or alias, in any case, and
// returns the name it matched (Redis treats the two names as two entries
// when reporting and deduplicating).
func findConfigParam(name string) (*configParam, string) {
	for i := range configParams {
		p := &configParams[i]
		if strings.EqualFold(p.name, name) {
			return p, p.name
		}
		if p.alias != "" && strings.EqualFold(p.alias, name) {
			return p, p.alias
		}
	}
	return nil, ""
}

func errConfigSet(name, reason string) string {
	return "ERR CONFIG SET failed (possibly related to argument '" + cstr(name) + "') - " + reason
}

// cstr is s up to its first NUL byte: what Redis prints of an argument it
// formats with %s.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// CONFIG RESETSTAT, which zeroes what Redis's resetServerStats does that
// cachee counts.
func cmdConfigResetstat(c *Ctx) {
	for i := range c.e.ks.shards {
		sh := &c.e.ks.shards[i]
		sh.hits, sh.misses, sh.expired = 0, 0, 0
	}
	st := &c.e.stats
	st.rejectedConns.Store(0)
	st.cmdsBase += c.e.commandsProcessed()
	_, st.hitsBase = c.e.clients.sum()
	st.connsBase = c.e.clients.total.Load()
	c.w.Status("OK")
}

// CONFIG HELP
func cmdConfigHelp(c *Ctx) {
	c.help("CONFIG",
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.")
}

// TIME
func cmdTime(c *Ctx) {
	t := c.e.now()
	c.w.Array(2)
	c.w.BulkString(strconv.FormatInt(t.Unix(), 10))
	c.w.BulkString(strconv.FormatInt(int64(t.Nanosecond()/1000), 10))
}

// LASTSAVE (cachee does not persist: the time the engine started)
func cmdLastsave(c *Ctx) { c.w.Int(c.e.started.Unix()) }

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
func cmdShutdown(c *Ctx) {
	var save, nosave, other, abort bool
	for _, a := range c.argv[1:] {
		switch {
		case eqFold(a, "nosave"):
			nosave = true
		case eqFold(a, "save"):
			save = true
		case eqFold(a, "now"), eqFold(a, "force"):
			other = true
		case eqFold(a, "abort"):
			abort = true
		default:
			c.w.Error(ErrSyntax)
			return
		}
	}
	if (abort && (save || nosave || other)) || (save && nosave) {
		c.w.Error(ErrSyntax)
		return
	}
	if abort {
		c.w.Error("ERR No shutdown in progress.")
		return
	}
	if msg := c.e.shutdownScript(c.s, nosave); msg != "" {
		c.w.Error(msg)
		return
	}
	if save {
		// There is no persistence to save to: Redis answers this when its save fails.
		c.w.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	hooks := c.e.hooks()
	if len(hooks) == 0 {
		c.w.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	c.s.closing = true
	for _, fn := range hooks {
		go (*fn)()
	}
}

// Setting is a CONFIG SET-able setting as a front end offers it: its name,
// its pre-7.0 alias if any, and its default as CONFIG GET prints it.
type Setting struct {
	Name, Alias, Default string
}

// SettableSettings lists every setting CONFIG SET accepts, with its default,
// so that a front end (cachee serve's flags and config file) can offer them
// all and apply them through CONFIG SET.
func SettableSettings() []Setting {
	var cfg Config
	cfg.setDefaults()
	var out []Setting
	for _, p := range configParams {
		if p.set != nil {
			out = append(out, Setting{Name: p.name, Alias: p.alias, Default: p.get(&cfg)})
		}
	}
	return out
}
