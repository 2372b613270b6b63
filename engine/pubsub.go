package engine

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Pub/Sub: channel, pattern and shard-channel subscriptions, PUBLISH and
// keyspace notifications' delivery.
//
// A message for a session goes into the session's push queue and the
// session's wake function runs (the server wakes the connection's goroutine,
// which writes the queue out; the in-process Subscription forwards it to a Go
// channel). Publishers never wait for subscribers: a subscriber whose queue
// outgrows client-output-buffer-limit's pubsub class is disconnected. A
// message a session publishes to itself is written into its reply stream at
// once, before the publishing command's reply, as Redis does; the commands
// Redis answers before notifying (LPUSH, HSET, ZADD, the sorted-set pops...)
// hold their own session's events until the reply is out (eventsAfterReply).

var pubsubCommands = []cmdDef{
	{name: "subscribe", handler: cmdSubscribe, opts: subscribedOK},
	{name: "unsubscribe", handler: cmdUnsubscribe, opts: subscribedOK},
	{name: "psubscribe", handler: cmdPsubscribe, opts: subscribedOK},
	{name: "punsubscribe", handler: cmdPunsubscribe, opts: subscribedOK},
	{name: "ssubscribe", handler: cmdSsubscribe, opts: subscribedOK},
	{name: "sunsubscribe", handler: cmdSunsubscribe, opts: subscribedOK},
	{name: "publish", handler: cmdPublish},
	{name: "spublish", handler: cmdSpublish},
	{name: "pubsub|channels", handler: cmdPubsubChannels},
	{name: "pubsub|numsub", handler: cmdPubsubNumsub},
	{name: "pubsub|numpat", handler: cmdPubsubNumpat},
	{name: "pubsub|shardchannels", handler: cmdPubsubShardchannels},
	{name: "pubsub|shardnumsub", handler: cmdPubsubShardnumsub},
	{name: "pubsub|help", handler: cmdPubsubHelp},
}

// subKind is one of the three kinds of subscription.
type subKind uint8

const (
	subChannel subKind = iota
	subPattern
	subShard
)

// The reply and message names of each kind, as Redis sends them.
var (
	subscribeNames   = [3]string{"subscribe", "psubscribe", "ssubscribe"}
	unsubscribeNames = [3]string{"unsubscribe", "punsubscribe", "sunsubscribe"}
	messageNames     = [3]string{"message", "pmessage", "smessage"}
)

// pubsub is an engine's subscription registry: for each kind, the sessions
// subscribed to each channel (or pattern).
type pubsub struct {
	mu   sync.RWMutex
	subs [3]map[string]*subscribers
}

func (ps *pubsub) init() {
	for i := range ps.subs {
		ps.subs[i] = map[string]*subscribers{}
	}
}

// count is the number of channels (or patterns) of kind k with subscribers.
func (ps *pubsub) count(k subKind) int {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return len(ps.subs[k])
}

// subscribers is one channel's (or pattern's) sessions: a slice for
// PUBLISH to walk (ranging over a Go map costs more than a small delivery)
// and each one's index in it for O(1) removal. Redis leaves the order of
// delivery among a channel's subscribers unspecified.
type subscribers struct {
	name string // the channel or pattern, shared by the messages sent to it
	list []*Session
	pos  map[*Session]int
}

// len is the number of subscribers; a nil list has none.
func (l *subscribers) len() int {
	if l == nil {
		return 0
	}
	return len(l.list)
}

func (l *subscribers) add(s *Session) {
	l.pos[s] = len(l.list)
	l.list = append(l.list, s)
}

// remove drops s, moving the last subscriber into its place.
func (l *subscribers) remove(s *Session) {
	i, ok := l.pos[s]
	if !ok {
		return
	}
	last := len(l.list) - 1
	l.list[i] = l.list[last]
	l.pos[l.list[i]] = i
	l.list[last] = nil
	l.list = l.list[:last]
	delete(l.pos, s)
}

// pubsubSubs is a session's own view of its subscriptions. The maps are only
// touched by the session's goroutine; counts are atomic for CLIENT LIST.
type pubsubSubs struct {
	names [3]map[string]struct{}
	n     [3]atomic.Int32
}

// count is the number of subscriptions of kind k; any goroutine may ask.
func (p *pubsubSubs) count(k subKind) int { return int(p.n[k].Load()) }

// subscribed reports whether the session has any subscription (Redis's
// CLIENT_PUBSUB flag, which puts a RESP2 client in subscribed mode).
func (s *Session) subscribed() bool {
	return s.subs.count(subChannel)+s.subs.count(subPattern)+s.subs.count(subShard) > 0
}

// replyCount is the count a (un)subscribe reply carries: channels plus
// patterns, or shard channels alone.
func (s *Session) replyCount(k subKind) int64 {
	if k == subShard {
		return int64(s.subs.count(subShard))
	}
	return int64(s.subs.count(subChannel) + s.subs.count(subPattern))
}

// Message is a pub/sub message waiting in a session's push queue. Kind is
// "message", "pmessage" or "smessage"; Pattern is set for "pmessage".
type Message struct {
	Kind, Pattern, Channel, Payload string
}

// size approximates what the message costs in an output buffer.
func (m *Message) size() int64 {
	return int64(len(m.Kind)+len(m.Pattern)+len(m.Channel)+len(m.Payload)) + 40
}

// WriteMessage writes m as Redis frames it: a RESP3 push, or a RESP2 array.
func WriteMessage(w ReplyWriter, m *Message) {
	if m.Pattern != "" || m.Kind == "pmessage" {
		w.Push(4)
		w.BulkString(m.Kind)
		w.BulkString(m.Pattern)
	} else {
		w.Push(3)
		w.BulkString(m.Kind)
	}
	w.BulkString(m.Channel)
	w.BulkString(m.Payload)
}

// pushQueue is a session's pending messages and its output-buffer accounting.
type pushQueue struct {
	mu        sync.Mutex
	msgs      []Message
	bytes     int64
	softSince int64 // coarse ms when the queue went over the soft limit, 0 if under
	wake      func()
	direct    bool // the session's own messages may be written into its replies
	dropped   bool // disconnected for its output buffer limit
	// held: a blocked pop of the session was served and its reply is not
	// written yet; the messages queued after it wait (see holdMessages).
	held    bool
	pending atomic.Bool
}

// EnablePush registers wake, called (from the publisher's goroutine) when
// messages arrive in an empty queue; the owner then calls TakeMessages.
// direct says the session's reply writer is a byte stream where a message
// may be interleaved with replies (a socket), so messages the session
// publishes to itself go there at once.
func (s *Session) EnablePush(wake func(), direct bool) {
	s.push.mu.Lock()
	s.push.wake, s.push.direct = wake, direct
	s.push.mu.Unlock()
}

// TakeMessages moves the queued messages to dst (reusing it) and empties the
// queue. While a served blocking command's reply waits to be written it
// returns none: those messages go after the reply.
func (s *Session) TakeMessages(dst []Message) []Message {
	q := &s.push
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.held {
		return dst[:0]
	}
	return q.takeLocked(dst, len(q.msgs))
}

// takeLocked moves the first n queued messages to dst.
func (q *pushQueue) takeLocked(dst []Message, n int) []Message {
	dst = append(dst[:0], q.msgs[:n]...)
	for i := range dst {
		q.bytes -= dst[i].size()
	}
	rest := copy(q.msgs, q.msgs[n:])
	clear(q.msgs[rest:])
	q.msgs = q.msgs[:rest]
	if rest == 0 {
		q.bytes, q.softSince = 0, 0
	}
	q.pending.Store(rest > 0)
	return dst
}

// holdMessages marks where a served blocking command's reply goes in a
// socket session's output: it returns how many queued messages precede it,
// and holds back every message until releaseMessages, so that a goroutine
// writing messages while the session is blocked cannot put later ones
// before the reply.
func (s *Session) holdMessages() int {
	s.push.mu.Lock()
	defer s.push.mu.Unlock()
	s.push.held = true
	return len(s.push.msgs)
}

// releaseMessages ends holdMessages, returning the n messages that precede
// the reply.
func (s *Session) releaseMessages(n int) []Message {
	q := &s.push
	q.mu.Lock()
	defer q.mu.Unlock()
	q.held = false
	return q.takeLocked(nil, min(n, len(q.msgs)))
}

// PendingMessages reports whether messages wait in the queue (one atomic load).
func (s *Session) PendingMessages() bool { return s.push.pending.Load() }

// Subscribed reports whether the session has a subscription (Redis's pubsub
// client type); any goroutine may ask.
func (s *Session) Subscribed() bool { return s.subscribed() }

// pushDirect reports whether the session's messages may be written into its
// reply stream (EnablePush's direct).
func (s *Session) pushDirect() bool {
	s.push.mu.Lock()
	defer s.push.mu.Unlock()
	return s.push.direct
}

// deliver hands m to s. self is the session whose command is publishing
// (nil for the expire cycle).
func (e *Engine) deliver(s, self *Session, m *Message) {
	q := &s.push
	if s == self && s.out != nil && s.pushDirect() {
		if s.depth > 0 && s.ctxs[s.depth-1].afterReply {
			c := s.ctxs[s.depth-1]
			c.selfPush = append(c.selfPush, *m)
		} else {
			WriteMessage(s.out, m)
		}
		return
	}
	lim := e.conf().OutputBufferLimits[ClientPubSub]
	q.mu.Lock()
	if q.dropped {
		q.mu.Unlock()
		return
	}
	q.msgs = append(q.msgs, *m)
	q.bytes += m.size()
	q.pending.Store(true)
	over := lim.Hard > 0 && q.bytes > lim.Hard
	if lim.Soft > 0 && q.bytes > lim.Soft {
		now := e.coarseMs()
		if q.softSince == 0 {
			q.softSince = now
		} else if now-q.softSince >= lim.SoftSeconds*1000 {
			over = true
		}
	} else {
		q.softSince = 0
	}
	wake := q.wake
	if over {
		q.dropped = true
		clear(q.msgs)
		q.msgs, q.bytes, wake = nil, 0, nil
		q.pending.Store(false)
	} else if len(q.msgs) != 1 {
		wake = nil
	}
	q.mu.Unlock()
	if over {
		// As Redis, close it asynchronously ("ASAP"): the publisher may hold
		// shard locks, the registry's read lock, or be serving this very
		// client's blocked pop, which kill's cancelling of the wait would
		// wait for.
		e.log().Warn("client scheduled to be closed ASAP for overcoming of output buffer limits",
			"id", s.id, "class", "pubsub")
		go s.kill()
	}
	if wake != nil {
		wake()
	}
}

// publish delivers payload on channel to every subscriber of kind (channel
// or shard channel) and, for plain channels, of every matching pattern, in
// Redis's order, and returns how many received it. payload is copied unless
// it is stable: the bytes of a string, which never change.
func (e *Engine) publish(self *Session, kind subKind, channel, payload []byte, stable bool) int {
	ps := &e.pubsub
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	direct := ps.subs[kind][string(channel)]
	if direct.len() == 0 && (kind == subShard || len(ps.subs[subPattern]) == 0) {
		return 0
	}
	// The queued messages share one allocation: the payload's copy, with
	// the channel's name taken from its subscribers when there are direct
	// ones, or copied along with the payload.
	var ch, msg string
	switch {
	case direct != nil && stable:
		ch, msg = direct.name, unsafeString(payload)
	case direct != nil:
		ch, msg = direct.name, string(payload)
	case stable:
		ch, msg = string(channel), unsafeString(payload)
	default:
		both := string(channel) + string(payload)
		ch, msg = both[:len(channel)], both[len(channel):]
	}
	n := 0
	m := Message{Kind: messageNames[kind], Channel: ch, Payload: msg}
	if direct != nil {
		for _, s := range direct.list {
			e.deliver(s, self, &m)
			n++
		}
	}
	if kind == subShard || len(ps.subs[subPattern]) == 0 {
		return n
	}
	for pat, subs := range ps.subs[subPattern] {
		if !globMatch(unsafeBytes(pat), ch, false) {
			continue
		}
		pm := Message{Kind: messageNames[subPattern], Pattern: pat, Channel: ch, Payload: msg}
		for _, s := range subs.list {
			e.deliver(s, self, &pm)
			n++
		}
	}
	return n
}

// subscribe adds the session to name's subscribers; false if it already was.
func (s *Session) subscribe(k subKind, name string) bool {
	if _, ok := s.subs.names[k][name]; ok {
		return false
	}
	if s.subs.names[k] == nil {
		s.subs.names[k] = map[string]struct{}{}
	}
	s.subs.names[k][name] = struct{}{}
	s.subs.n[k].Add(1)
	ps := &s.e.pubsub
	ps.mu.Lock()
	l := ps.subs[k][name]
	if l == nil {
		l = &subscribers{name: name, pos: map[*Session]int{}}
		ps.subs[k][name] = l
	}
	l.add(s)
	ps.mu.Unlock()
	return true
}

// unsubscribe removes the session from name's subscribers; false if it was not one.
func (s *Session) unsubscribe(k subKind, name string) bool {
	if _, ok := s.subs.names[k][name]; !ok {
		return false
	}
	delete(s.subs.names[k], name)
	s.subs.n[k].Add(-1)
	ps := &s.e.pubsub
	ps.mu.Lock()
	if l := ps.subs[k][name]; l != nil {
		l.remove(s)
		if l.len() == 0 {
			delete(ps.subs[k], name)
		}
	}
	ps.mu.Unlock()
	return true
}

// unsubscribeAll drops every subscription of the session (RESET, disconnect),
// writing an unsubscribe reply for each to w unless w is nil.
func (s *Session) unsubscribeAll(w ReplyWriter) {
	for k := range s.subs.names {
		for _, name := range sortedNames(s.subs.names[k]) {
			s.unsubscribe(subKind(k), name)
			if w != nil {
				s.writeSubReply(w, unsubscribeNames[k], name, subKind(k))
			}
		}
	}
}

func sortedNames(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// writeSubReply writes one (un)subscribe confirmation: a push in RESP3.
func (s *Session) writeSubReply(w ReplyWriter, kind, name string, k subKind) {
	w.Push(3)
	w.BulkString(kind)
	w.BulkString(name)
	w.Int(s.replyCount(k))
}

// SUBSCRIBE channel [channel ...]
func cmdSubscribe(c *Ctx) { c.subscribeGeneric(subChannel) }

// PSUBSCRIBE pattern [pattern ...]
func cmdPsubscribe(c *Ctx) { c.subscribeGeneric(subPattern) }

// SSUBSCRIBE shardchannel [shardchannel ...]
//
// Unlike SUBSCRIBE, Redis refuses it inside EXEC (and scripts), where the
// client must get one reply per command.
func cmdSsubscribe(c *Ctx) {
	if c.noBlock() {
		c.w.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	c.subscribeGeneric(subShard)
}

func (c *Ctx) subscribeGeneric(k subKind) {
	for _, a := range c.argv[1:] {
		c.s.subscribe(k, string(a))
		c.s.writeSubReply(c.w, subscribeNames[k], string(a), k)
	}
}

// UNSUBSCRIBE [channel [channel ...]]
func cmdUnsubscribe(c *Ctx) { c.unsubscribeGeneric(subChannel) }

// PUNSUBSCRIBE [pattern [pattern ...]]
func cmdPunsubscribe(c *Ctx) { c.unsubscribeGeneric(subPattern) }

// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
func cmdSunsubscribe(c *Ctx) { c.unsubscribeGeneric(subShard) }

// unsubscribeGeneric removes the named subscriptions, or all of kind k; with
// none to remove it still confirms once, naming no channel.
func (c *Ctx) unsubscribeGeneric(k subKind) {
	if len(c.argv) > 1 {
		for _, a := range c.argv[1:] {
			c.s.unsubscribe(k, string(a))
			c.s.writeSubReply(c.w, unsubscribeNames[k], string(a), k)
		}
		return
	}
	names := sortedNames(c.s.subs.names[k])
	if len(names) == 0 {
		c.w.Push(3)
		c.w.BulkString(unsubscribeNames[k])
		c.w.Null()
		c.w.Int(c.s.replyCount(k))
		return
	}
	for _, n := range names {
		c.s.unsubscribe(k, n)
		c.s.writeSubReply(c.w, unsubscribeNames[k], n, k)
	}
}

// PUBLISH channel message
func cmdPublish(c *Ctx) { c.w.Int(int64(c.e.publish(c.s, subChannel, c.argv[1], c.argv[2], false))) }

// SPUBLISH shardchannel message
func cmdSpublish(c *Ctx) { c.w.Int(int64(c.e.publish(c.s, subShard, c.argv[1], c.argv[2], false))) }

// PUBSUB CHANNELS [pattern]
func cmdPubsubChannels(c *Ctx) { c.pubsubChannels(subChannel) }

// PUBSUB SHARDCHANNELS [pattern]
func cmdPubsubShardchannels(c *Ctx) { c.pubsubChannels(subShard) }

func (c *Ctx) pubsubChannels(k subKind) {
	if len(c.argv) > 3 {
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(c.argv[1]) + "'. Try PUBSUB HELP.")
		return
	}
	ps := &c.e.pubsub
	ps.mu.RLock()
	var out []string
	for name := range ps.subs[k] {
		if len(c.argv) == 2 || globMatch(c.argv[2], name, false) {
			out = append(out, name)
		}
	}
	ps.mu.RUnlock()
	c.w.Array(len(out))
	for _, n := range out {
		c.w.BulkString(n)
	}
}

// PUBSUB NUMSUB [channel [channel ...]]
func cmdPubsubNumsub(c *Ctx) { c.pubsubNumsub(subChannel) }

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
func cmdPubsubShardnumsub(c *Ctx) { c.pubsubNumsub(subShard) }

func (c *Ctx) pubsubNumsub(k subKind) {
	ps := &c.e.pubsub
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	c.w.Array(2 * (len(c.argv) - 2)) // an array even in RESP3, as Redis 7.0
	for _, a := range c.argv[2:] {
		c.w.Bulk(a)
		c.w.Int(int64(ps.subs[k][string(a)].len()))
	}
}

// PUBSUB NUMPAT
func cmdPubsubNumpat(c *Ctx) { c.w.Int(int64(c.e.pubsub.count(subPattern))) }

// PUBSUB HELP
func cmdPubsubHelp(c *Ctx) {
	c.help("PUBSUB",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)")
}
