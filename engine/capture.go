package engine

import "unsafe"

// Kind is the type of a captured reply value, named after RESP3's types.
type Kind uint8

// Reply kinds, one per ReplyWriter method.
const (
	KindStatus Kind = iota + 1
	KindError
	KindInt
	KindBulk
	KindNull
	KindArray
	KindMap // Elems holds key, value, key, value...
	KindSet
	KindPush
	KindDouble
	KindBool
	KindVerbatim
)

// Reply is one captured reply value: what the in-process client returns and
// what EXEC collects. Str holds status, error, bulk and verbatim text.
type Reply struct {
	Kind  Kind
	Str   string
	Int   int64 // integers; 1/0 for booleans
	Float float64
	Elems []Reply
}

// Capture is the ReplyWriter that builds Reply values instead of bytes. It
// records RESP3 types whatever the protocol, so callers see maps, sets and
// doubles; Proto tells handlers which version the caller asked for.
type Capture struct {
	proto  int
	top    []Reply
	frames []frame
}

type frame struct {
	r    *Reply
	left int
}

// NewCapture returns an empty capture for a caller speaking proto (2 or 3).
func NewCapture(proto int) *Capture { return &Capture{proto: proto} }

// Reset empties the capture for reuse.
func (c *Capture) Reset() {
	clear(c.top)
	c.top, c.frames = c.top[:0], c.frames[:0]
}

// Replies returns the completed top-level values, valid until Reset.
func (c *Capture) Replies() []Reply { return c.top }

// Proto implements ReplyWriter.
func (c *Capture) Proto() int { return c.proto }

// SetProto switches the protocol version (HELLO does this mid-command).
func (c *Capture) SetProto(p int) { c.proto = p }

func (c *Capture) add(r Reply) *Reply {
	var slot *Reply
	if n := len(c.frames); n > 0 {
		f := &c.frames[n-1]
		f.r.Elems, slot = grow(f.r.Elems)
		f.left--
	} else {
		c.top, slot = grow(c.top)
	}
	slot.Kind, slot.Str, slot.Int, slot.Float, slot.Elems = r.Kind, r.Str, r.Int, r.Float, r.Elems
	for n := len(c.frames); n > 0 && c.frames[n-1].left == 0; n-- {
		c.frames = c.frames[:n-1]
	}
	return slot
}

// grow extends s by one element and returns it too, for the caller to set
// field by field: appending a struct with pointers copies it with the GC's
// bulk write barrier, much slower than one barrier per pointer while the
// GC marks. The element is the zero value only when s had to grow.
func grow[T any](s []T) ([]T, *T) {
	if len(s) == cap(s) {
		var zero T
		s = append(s, zero)
	} else {
		s = s[:len(s)+1]
	}
	return s, &s[len(s)-1]
}

func (c *Capture) aggregate(k Kind, n int) {
	// The declared length is not trusted for the allocation: a command may
	// announce a huge reply (HRANDFIELD k -1e12) that Redis would stream.
	slot := c.add(Reply{Kind: k, Elems: make([]Reply, 0, min(n, 1024))})
	if n > 0 {
		c.frames = append(c.frames, frame{r: slot, left: n})
	}
}

// Status implements ReplyWriter.
func (c *Capture) Status(s string) { c.add(Reply{Kind: KindStatus, Str: s}) }

// Error implements ReplyWriter.
func (c *Capture) Error(s string) { c.add(Reply{Kind: KindError, Str: s}) }

// Int implements ReplyWriter.
func (c *Capture) Int(n int64) { c.add(Reply{Kind: KindInt, Int: n}) }

// Bulk implements ReplyWriter; it copies b.
func (c *Capture) Bulk(b []byte) { c.add(Reply{Kind: KindBulk, Str: string(b)}) }

// stored is Bulk for bytes of a stored string value, which are never
// modified once handed out (see entry): the reply shares them, as the typed
// Get does, instead of copying.
func (c *Capture) stored(b []byte) { c.add(Reply{Kind: KindBulk, Str: unsafeString(b)}) }

// BulkString implements ReplyWriter.
func (c *Capture) BulkString(s string) { c.add(Reply{Kind: KindBulk, Str: s}) }

// Null implements ReplyWriter.
func (c *Capture) Null() { c.add(Reply{Kind: KindNull}) }

// NullArray implements ReplyWriter; Int 1 tells it from Null, for replay.
func (c *Capture) NullArray() { c.add(Reply{Kind: KindNull, Int: 1}) }

// Array implements ReplyWriter.
func (c *Capture) Array(n int) { c.aggregate(KindArray, n) }

// Map implements ReplyWriter.
func (c *Capture) Map(n int) { c.aggregate(KindMap, 2*n) }

// Set implements ReplyWriter.
func (c *Capture) Set(n int) { c.aggregate(KindSet, n) }

// Push implements ReplyWriter.
func (c *Capture) Push(n int) { c.aggregate(KindPush, n) }

// Double implements ReplyWriter.
func (c *Capture) Double(f float64) {
	c.add(Reply{Kind: KindDouble, Float: f, Str: string(formatDouble(nil, f))})
}

// Bool implements ReplyWriter.
func (c *Capture) Bool(b bool) {
	n := int64(0)
	if b {
		n = 1
	}
	c.add(Reply{Kind: KindBool, Int: n})
}

// Verbatim implements ReplyWriter.
func (c *Capture) Verbatim(format, s string) { c.add(Reply{Kind: KindVerbatim, Str: s}) }

// Mark implements ReplyWriter: between top-level replies (the in-process
// client's case) it is their count; inside an aggregate it cannot mark (-1).
func (c *Capture) Mark() int64 {
	if len(c.frames) > 0 {
		return -1
	}
	return int64(len(c.top))
}

// Rollback implements ReplyWriter.
func (c *Capture) Rollback(mark int64) bool {
	if mark < 0 || mark > int64(len(c.top)) {
		return false
	}
	clear(c.top[mark:])
	c.top, c.frames = c.top[:mark], c.frames[:0]
	return true
}

// WriteReply writes a captured reply to w, as the command wrote it.
func WriteReply(w ReplyWriter, r *Reply) {
	switch r.Kind {
	case KindStatus:
		w.Status(r.Str)
	case KindError:
		w.Error(r.Str)
	case KindInt:
		w.Int(r.Int)
	case KindBulk:
		w.BulkString(r.Str)
	case KindNull:
		if r.Int == 1 {
			w.NullArray()
		} else {
			w.Null()
		}
	case KindDouble:
		w.Double(r.Float)
	case KindBool:
		w.Bool(r.Int != 0)
	case KindVerbatim:
		w.Verbatim("txt", r.Str)
	default:
		n := len(r.Elems)
		switch r.Kind {
		case KindArray:
			w.Array(n)
		case KindMap:
			w.Map(n / 2)
		case KindSet:
			w.Set(n)
		case KindPush:
			w.Push(n)
		}
		for i := range r.Elems {
			WriteReply(w, &r.Elems[i])
		}
	}
}

// unsafeString views b as a string without copying. Only for bytes that are
// never modified afterwards (stored string values read with val: see entry).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// unsafeBytes views s as bytes without copying; the bytes must not be modified.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
