package protocol

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// AppendInt appends prefix, the decimal n and CRLF: the form shared by
// integers (':'), aggregate headers ('*', '%', '~', '>') and bulk lengths ('$').
func AppendInt(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendArrayLen appends the header "*n\r\n" of an n-element RESP array; the
// caller appends the n elements after it.
func AppendArrayLen(dst []byte, n int) []byte {
	return AppendInt(dst, '*', int64(n))
}

// AppendBulk appends b as a binary-safe bulk string "$len\r\n<b>\r\n". A nil
// b is the empty string, not a null: use AppendNull for that.
func AppendBulk(dst, b []byte) []byte {
	dst = AppendInt(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString is AppendBulk for a string, without converting it.
func AppendBulkString(dst []byte, s string) []byte {
	dst = AppendInt(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendStatus appends the simple string "+s\r\n". Like Redis's
// addReplyStatus it does not inspect s, which must not contain CR or LF.
func AppendStatus(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends the error reply "-s\r\n"; s carries its own code
// ("ERR ...", "WRONGTYPE ..."). Like Redis's addReplyErrorFormat it first
// trims CR and LF from both ends of s and then turns any other CR or LF into
// a space, so the reply stays one protocol line.
func AppendError(dst []byte, s string) []byte {
	for len(s) > 0 && (s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	dst = append(dst, '-')
	if strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\n') < 0 {
		dst = append(dst, s...)
		return append(dst, '\r', '\n')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

// AppendNull appends the null reply of protocol proto: RESP3 "_\r\n", RESP2
// the null bulk string "$-1\r\n".
func AppendNull(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends RESP2's null array "*-1\r\n", or "_\r\n" in RESP3.
func AppendNullArray(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// appendDoubleText appends f as Redis 7.0 prints doubles: C's "%.17g", with
// infinities as "inf"/"-inf" and NaN as glibc prints it ("nan"/"-nan").
func appendDoubleText(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	// strconv's 'g' at precision 17 picks the same notation and digits as
	// C's %.17g, with the same two-digit minimum exponent ("1e-05").
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendDouble appends f as Redis 7.0's addReplyDouble does: RESP3 a double
// ",%.17g\r\n" (",inf", ",-inf"), RESP2 a bulk string of the same text.
func AppendDouble(dst []byte, f float64, proto int) []byte {
	if proto == 3 {
		dst = append(dst, ',')
		dst = appendDoubleText(dst, f)
		return append(dst, '\r', '\n')
	}
	var tmp [40]byte
	return AppendBulk(dst, appendDoubleText(tmp[:0], f))
}

// AppendVerbatim appends a RESP3 verbatim string "=len\r\nfmt:s\r\n"; as in
// Redis, format is cut or space-padded to three bytes. RESP2 gets a bulk
// string of s alone.
func AppendVerbatim(dst []byte, format, s string, proto int) []byte {
	if proto != 3 {
		return AppendBulkString(dst, s)
	}
	dst = AppendInt(dst, '=', int64(len(s)+4))
	for i := 0; i < 3; i++ {
		if i < len(format) {
			dst = append(dst, format[i])
		} else {
			dst = append(dst, ' ')
		}
	}
	dst = append(dst, ':')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

const (
	// flushThreshold: the Writer hands its buffer to the io.Writer once it
	// holds more than this, even in the middle of a reply.
	flushThreshold = 64 * 1024
	// writerInitial is the initial buffer capacity; a buffer that a huge
	// status or error line grew beyond maxKeptBuffer is dropped after a flush.
	writerInitial = 16 * 1024
	maxKeptBuffer = 1 << 20
	// maxHeldBuffer is maxKeptBuffer in hold mode, where big bulks go
	// through the buffer: a client fetching megabyte values keeps one
	// buffer for them rather than allocating one per reply.
	maxHeldBuffer = 8 << 20
)

// Writer encodes replies in RESP2 or RESP3 into a buffer that it hands to an
// io.Writer on Flush, or on its own once more than 64 KB is pending. It
// implements the server's reply-writer interface. It is not safe for
// concurrent use.
//
// The first write error is remembered: later output is discarded and Flush
// keeps returning the error.
type Writer struct {
	w       io.Writer
	buf     []byte
	proto   int
	err     error
	flushes int64 // for Mark and Rollback

	// at is the buffered length past which over runs: flushThreshold, or
	// in hold mode the next limit to check.
	at   int
	hold func(buffered int) (next int, err error)
}

// Mark returns the position of the next byte to be written: the flushes so
// far and the buffered length.
func (w *Writer) Mark() int64 { return w.flushes<<32 | int64(len(w.buf)) }

// Rollback drops what was written since mark, if none of it was flushed.
func (w *Writer) Rollback(mark int64) bool {
	if mark>>32 != w.flushes || mark&0xffffffff > int64(len(w.buf)) {
		return false
	}
	w.buf = w.buf[:mark&0xffffffff]
	return true
}

// NewWriter returns a Writer to w speaking protocol proto (2 or 3; anything
// but 3 is treated as 2).
func NewWriter(w io.Writer, proto int) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writerInitial), proto: proto, at: flushThreshold}
}

// Hold makes the Writer keep all output in memory until Flush: no hand-off
// at 64 KB, and large bulks are copied rather than written through. A server
// holds its replies so that a command never waits on a slow client while
// it holds locks, and bounds the memory that takes with check: the Writer
// calls check(buffered) whenever an append brings the buffer past at, and
// then past the next threshold check returns. An error from check fails the
// Writer: the buffer is dropped, later output is discarded and Flush returns
// the error (Redis's client-output-buffer-limit). Calling Hold again sets a
// new threshold; check nil returns to the default behaviour.
func (w *Writer) Hold(at int, check func(buffered int) (next int, err error)) {
	w.hold = check
	if check == nil {
		at = flushThreshold
	}
	w.at = at
}

// BufferSize is the capacity of the buffer: 16 KB, more after big replies
// held, 0 after Release.
func (w *Writer) BufferSize() int { return cap(w.buf) }

// Release gives an empty buffer back to a pool shared by all Writers and
// Readers (a buffer grown past 16 KB is dropped, not pooled), for a
// connection about to wait a long time; Acquire takes one again. Output
// written in between allocates a buffer of its own.
func (w *Writer) Release() {
	if len(w.buf) == 0 && w.buf != nil {
		if cap(w.buf) == writerInitial {
			putBuffer(w.buf)
		}
		w.buf = nil
	}
}

// Acquire takes a buffer from the pool if Release left the Writer without one.
func (w *Writer) Acquire() {
	if w.buf == nil {
		w.buf = getBuffer()
	}
}

// SetProto switches the protocol for subsequent replies, as HELLO does.
func (w *Writer) SetProto(p int) { w.proto = p }

// Proto returns the protocol version set by NewWriter or SetProto.
func (w *Writer) Proto() int { return w.proto }

// Buffered returns the number of encoded bytes not yet handed to the io.Writer.
func (w *Writer) Buffered() int { return len(w.buf) }

// Reset discards buffered output and any remembered error, and directs the
// Writer to dst. The protocol version is kept; the buffer is reused.
func (w *Writer) Reset(dst io.Writer) {
	w.w = dst
	w.buf = w.buf[:0]
	w.err = nil
}

// Flush writes the buffered bytes to the io.Writer. It returns the first
// write error this Writer ever met (a short write counts as
// io.ErrShortWrite), also on every later call.
func (w *Writer) Flush() error {
	w.flush()
	return w.err
}

func (w *Writer) flush() {
	if w.err == nil && len(w.buf) > 0 {
		w.write(w.buf)
		w.flushes++
	}
	w.buf = w.buf[:0]
	if cap(w.buf) > maxKeptBuffer && (w.hold == nil || cap(w.buf) > maxHeldBuffer) {
		w.buf = make([]byte, 0, writerInitial)
	}
}

// over runs when the buffer passes at: a flush, or in hold mode the check.
func (w *Writer) over() {
	if w.hold == nil {
		w.flush()
		return
	}
	if w.err == nil {
		next, err := w.hold(len(w.buf))
		if err == nil {
			w.at = next
			return
		}
		w.err = err
	}
	// A failed Writer discards its output.
	w.buf = w.buf[:0]
	if cap(w.buf) > maxKeptBuffer {
		w.buf = nil
	}
}

func (w *Writer) write(b []byte) {
	n, err := w.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = err
	}
}

// check flushes (or in hold mode checks the limits) when the buffer has
// outgrown the threshold.
func (w *Writer) check() {
	if len(w.buf) > w.at {
		w.over()
	}
}

// Status writes the simple string "+s"; s must not contain CR or LF.
func (w *Writer) Status(s string) {
	w.buf = AppendStatus(w.buf, s)
	w.check()
}

// Error writes the error "-s"; s carries its own code ("ERR ...") and any CR
// or LF in it is neutralized as AppendError describes.
func (w *Writer) Error(s string) {
	w.buf = AppendError(w.buf, s)
	w.check()
}

// Int writes the integer reply ":n".
func (w *Writer) Int(n int64) {
	w.buf = AppendInt(w.buf, ':', n)
	w.check()
}

// Bulk writes b as a bulk string. A large b is written straight to the
// io.Writer after the pending bytes rather than copied into the buffer.
func (w *Writer) Bulk(b []byte) {
	if len(b) <= flushThreshold || w.hold != nil {
		w.buf = AppendBulk(w.buf, b)
		w.check()
		return
	}
	w.buf = AppendInt(w.buf, '$', int64(len(b)))
	w.flush()
	if w.err == nil {
		w.write(b)
	}
	w.buf = append(w.buf, '\r', '\n')
}

// BulkString writes s as a bulk string, large ones straight through like Bulk.
func (w *Writer) BulkString(s string) {
	if len(s) <= flushThreshold || w.hold != nil {
		w.buf = AppendBulkString(w.buf, s)
		w.check()
		return
	}
	w.buf = AppendInt(w.buf, '$', int64(len(s)))
	w.flush()
	if w.err == nil {
		if sw, ok := w.w.(io.StringWriter); ok {
			n, err := sw.WriteString(s)
			if err == nil && n < len(s) {
				err = io.ErrShortWrite
			}
			if err != nil {
				w.err = err
			}
		} else {
			w.write([]byte(s))
		}
	}
	w.buf = append(w.buf, '\r', '\n')
}

// Null writes the null reply: RESP3 "_", RESP2 the null bulk "$-1".
func (w *Writer) Null() {
	w.buf = AppendNull(w.buf, w.proto)
	w.check()
}

// NullArray writes RESP2's null array "*-1" (RESP3 "_"), the reply of e.g.
// BLPOP on timeout.
func (w *Writer) NullArray() {
	w.buf = AppendNullArray(w.buf, w.proto)
	w.check()
}

// Array writes the header of an n-element array; n values must follow.
func (w *Writer) Array(n int) {
	w.buf = AppendInt(w.buf, '*', int64(n))
	w.check()
}

// Map writes the header of a map of n pairs ("%n"), for RESP2 a flat array
// of 2n elements; 2n values must follow.
func (w *Writer) Map(n int) {
	if w.proto == 3 {
		w.buf = AppendInt(w.buf, '%', int64(n))
	} else {
		w.buf = AppendInt(w.buf, '*', 2*int64(n))
	}
	w.check()
}

// Set writes the header of an n-element set ("~n", RESP2 "*n").
func (w *Writer) Set(n int) {
	if w.proto == 3 {
		w.buf = AppendInt(w.buf, '~', int64(n))
	} else {
		w.buf = AppendInt(w.buf, '*', int64(n))
	}
	w.check()
}

// Push writes the header of an n-element out-of-band push (">n", RESP2 "*n").
func (w *Writer) Push(n int) {
	if w.proto == 3 {
		w.buf = AppendInt(w.buf, '>', int64(n))
	} else {
		w.buf = AppendInt(w.buf, '*', int64(n))
	}
	w.check()
}

// Double writes f like Redis 7.0's addReplyDouble (see AppendDouble).
func (w *Writer) Double(f float64) {
	w.buf = AppendDouble(w.buf, f, w.proto)
	w.check()
}

// Bool writes a boolean: RESP3 "#t"/"#f", RESP2 the integers 1 and 0.
func (w *Writer) Bool(b bool) {
	switch {
	case w.proto == 3 && b:
		w.buf = append(w.buf, "#t\r\n"...)
	case w.proto == 3:
		w.buf = append(w.buf, "#f\r\n"...)
	case b:
		w.buf = append(w.buf, ":1\r\n"...)
	default:
		w.buf = append(w.buf, ":0\r\n"...)
	}
	w.check()
}

// Verbatim writes a verbatim string with a three-letter format such as "txt"
// (see AppendVerbatim); RESP2 clients get a bulk string of s.
func (w *Writer) Verbatim(format, s string) {
	w.buf = AppendVerbatim(w.buf, format, s, w.proto)
	w.check()
}
