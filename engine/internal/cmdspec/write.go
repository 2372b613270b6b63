package cmdspec

// Writer receives a reply as a stream of typed values; engine.ReplyWriter and
// protocol.Writer satisfy it structurally. Aggregates announce their element
// count first (a Map of n pairs is followed by 2n values).
type Writer interface {
	Proto() int
	Status(s string)
	Error(s string)
	Int(n int64)
	Bulk(b []byte)
	BulkString(s string)
	Null()
	NullArray()
	Array(n int)
	Map(n int)
	Set(n int)
	Push(n int)
	Double(f float64)
	Bool(b bool)
	Verbatim(format, s string)
}

// WriteInfo writes the COMMAND INFO entry of s exactly as Redis 7.0 does: an
// array of 10 (name, arity, flags set, first key, last key, step, ACL
// categories set, tips set, key specs, subcommands). keepSub selects the
// subcommands to list (nil keeps all). Hidden flags (may_replicate, protected)
// are not printed, as in Redis.
func (s *Spec) WriteInfo(w Writer, keepSub func(*Spec) bool) { s.writeInfo(w, s.infoTree(), keepSub) }

func (s *Spec) writeInfo(w Writer, info *node, keepSub func(*Spec) bool) {
	e := info.elems
	w.Array(len(e))
	for _, el := range e[:9] {
		writeNode(w, el)
	}
	subs := e[9]
	startAggregate(w, subs.kind, countKept(s.Subcommands, keepSub))
	for _, sub := range s.Subcommands {
		if keepSub != nil && !keepSub(sub) {
			continue
		}
		for _, si := range subs.elems {
			if si.elems[0].s == sub.Name {
				sub.writeInfo(w, si, keepSub)
			}
		}
	}
}

// WriteDocs writes the COMMAND DOCS value of s (the map Redis sends after the
// command's name) exactly as Redis 7.0 does. keepSub selects the subcommands to
// document (nil keeps all).
func (s *Spec) WriteDocs(w Writer, keepSub func(*Spec) bool) { s.writeDocs(w, s.docsTree(), keepSub) }

func (s *Spec) writeDocs(w Writer, docs *node, keepSub func(*Spec) bool) {
	e := docs.elems
	w.Map(len(e) / 2)
	for i := 0; i+1 < len(e); i += 2 {
		writeNode(w, e[i])
		if e[i].s != "subcommands" {
			writeNode(w, e[i+1])
			continue
		}
		w.Map(countKept(s.Subcommands, keepSub))
		for _, sub := range s.Subcommands {
			if keepSub == nil || keepSub(sub) {
				w.BulkString(sub.Name)
				sub.writeDocs(w, mapGet(e[i+1], sub.Name), keepSub)
			}
		}
	}
}

func countKept(subs []*Spec, keep func(*Spec) bool) int {
	if keep == nil {
		return len(subs)
	}
	n := 0
	for _, s := range subs {
		if keep(s) {
			n++
		}
	}
	return n
}

func startAggregate(w Writer, kind byte, n int) {
	switch kind {
	case '*':
		w.Array(n)
	case '~':
		w.Set(n)
	case '%':
		w.Map(n / 2)
	}
}

func writeNode(w Writer, n *node) {
	switch n.kind {
	case ':':
		w.Int(n.n)
	case '+':
		w.Status(n.s)
	case '$':
		w.BulkString(n.s)
	case '_':
		w.Null()
	case '*', '~', '%':
		startAggregate(w, n.kind, len(n.elems))
		for _, e := range n.elems {
			writeNode(w, e)
		}
	}
}
