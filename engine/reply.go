package engine

// ReplyWriter receives a command's reply as a stream of typed values. Aggregates
// (Array, Map, Set, Push) announce their element count first and are followed by
// exactly that many values (a Map of n pairs is followed by 2n values).
//
// Three sinks implement it: protocol.Writer (RESP2/RESP3 bytes for a socket), the
// capture writer behind the in-process client and EXEC, and the Lua bridge.
// Byte slices passed to a ReplyWriter are borrowed for the duration of the call:
// a sink that keeps them must copy.
type ReplyWriter interface {
	// Proto is the protocol version (2 or 3) the caller negotiated; handlers
	// rarely need it, because each sink degrades RESP3 types itself.
	Proto() int
	// Status writes a simple string such as "OK" (RESP "+OK").
	Status(s string)
	// Error writes an error reply; s carries its own prefix ("ERR ...", "WRONGTYPE ...").
	Error(s string)
	// Int writes an integer reply.
	Int(n int64)
	// Bulk writes a binary-safe bulk string.
	Bulk(b []byte)
	// BulkString writes a bulk string from a Go string.
	BulkString(s string)
	// Null writes the null reply: RESP3 "_", RESP2 "$-1".
	Null()
	// NullArray writes RESP2's null array "*-1" (RESP3 "_"), used by commands
	// such as BLPOP on timeout.
	NullArray()
	// Array starts an array of n elements.
	Array(n int)
	// Map starts a map of n key/value pairs (RESP2: a flat array of 2n).
	Map(n int)
	// Set starts a set of n elements (RESP2: an array).
	Set(n int)
	// Push starts an out-of-band push message of n elements (RESP2: an array).
	Push(n int)
	// Double writes a floating-point reply formatted as Redis 7.0 does
	// (RESP3 ",1.5"; RESP2 a bulk string).
	Double(f float64)
	// Bool writes a boolean (RESP3 "#t"; RESP2 the integer 1 or 0).
	Bool(b bool)
	// Verbatim writes a verbatim string with a three-letter format such as "txt"
	// (RESP2: a bulk string of s alone).
	Verbatim(format, s string)
	// Mark returns the current position in the reply stream; Rollback drops
	// everything written since that mark, or reports false when it cannot
	// (the bytes were already sent). The dispatcher uses them to replace the
	// half-written reply of a command that panicked with one error.
	Mark() int64
	Rollback(mark int64) bool
}

// bulkVal writes b, bytes of a stored string value (from val), as a bulk
// string: a Capture (the in-process client's) keeps them without a copy.
func (c *Ctx) bulkVal(b []byte) { writeStored(c.w, b) }

// writeStored is bulkVal for a writer outside a command's Ctx.
func writeStored(w ReplyWriter, b []byte) {
	if c, ok := w.(*Capture); ok {
		c.stored(b)
		return
	}
	w.Bulk(b)
}
