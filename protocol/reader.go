package protocol

import (
	"errors"
	"io"
	"math"
)

// Redis constants that shape request parsing (server.h, networking.c).
const (
	// inlineMaxSize is PROTO_INLINE_MAX_SIZE: how many bytes may be pending
	// without the terminator of an inline request or of a '*'/'$' count line.
	inlineMaxSize = 64 * 1024
	// unauthMultibulkMax and unauthBulkMax are the limits Redis applies to a
	// connection that still has to authenticate.
	unauthMultibulkMax = 10
	unauthBulkMax      = 16384

	// readChunk is the initial buffer size (PROTO_IOBUF_LEN).
	readChunk = 16 * 1024
	// minReadSpace: when less than this is free and more is known to be
	// needed, the buffer grows instead of issuing a tiny read.
	minReadSpace = 4096
	// shrinkAbove: a buffer bigger than this is given back once the commands
	// flowing through it use less than a quarter of it.
	shrinkAbove = 64 * 1024
	// argvKeep is the argument capacity kept across commands; a larger slice
	// left behind by one huge command is dropped with the buffer.
	argvKeep = 1024
)

// Limits bounds what a Reader accepts from a client. A zero or negative field
// means the Redis default for it (see DefaultLimits).
type Limits struct {
	// MaxBulkLen is proto-max-bulk-len: a bulk header declaring more bytes
	// than this is rejected with "invalid bulk length". Default 512 MB.
	MaxBulkLen int64
	// MaxQueryBuffer is client-query-buffer-limit. Like Redis it bounds the
	// bytes received but not yet turned into arguments (the argument being
	// received plus anything read past it); exceeding it yields
	// ErrQueryBufferLimit. Default 1 GB.
	MaxQueryBuffer int64
	// MaxMultibulkLen is the largest accepted "*N" argument count. Redis 7.0
	// allows up to INT_MAX (2147483647), which is the default; earlier
	// versions used 1024*1024.
	MaxMultibulkLen int64
}

// DefaultLimits returns the limits of a default redis-server 7.0
// configuration: 512 MB bulks, a 1 GB query buffer, INT_MAX arguments.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:      512 << 20,
		MaxQueryBuffer:  1 << 30,
		MaxMultibulkLen: math.MaxInt32,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = d.MaxBulkLen
	}
	if l.MaxQueryBuffer <= 0 {
		l.MaxQueryBuffer = d.MaxQueryBuffer
	}
	if l.MaxMultibulkLen <= 0 {
		l.MaxMultibulkLen = d.MaxMultibulkLen
	}
	return l
}

// ProtocolError is a malformed request. Its Error text is exactly the error
// reply redis-server sends before closing the connection, without the leading
// '-' and the trailing CRLF, e.g. "ERR Protocol error: invalid bulk length".
// A server writes it with Writer.Error, flushes and closes the connection.
type ProtocolError struct {
	msg string
}

// Error returns the reply text, ready for Writer.Error.
func (e *ProtocolError) Error() string { return e.msg }

func protoErr(s string) *ProtocolError { return &ProtocolError{msg: "ERR Protocol error: " + s} }

// The protocol errors of a Redis 7.0 server, in its words.
var (
	errInvalidMultibulkLen = protoErr("invalid multibulk length")
	errInvalidBulkLen      = protoErr("invalid bulk length")
	errUnbalancedQuotes    = protoErr("unbalanced quotes in request")
	errTooBigInline        = protoErr("too big inline request")
	errTooBigMbulkCount    = protoErr("too big mbulk count string")
	errTooBigBulkCount     = protoErr("too big bulk count string")
	errUnauthMultibulkLen  = protoErr("unauthenticated multibulk length")
	errUnauthBulkLen       = protoErr("unauthenticated bulk length")
)

// errExpectedDollar builds "expected '$', got 'c'". Redis formats it with
// addReplyErrorFormat, which turns CR and LF into spaces.
func errExpectedDollar(c byte) *ProtocolError {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return protoErr("expected '$', got '" + string([]byte{c}) + "'")
}

// ErrQueryBufferLimit is returned by ReadCommand when more than
// Limits.MaxQueryBuffer bytes are pending. Redis sends no reply in this case:
// it logs "Closing client that reached max query buffer length" and closes
// the connection, and a server should do the same.
var ErrQueryBufferLimit = errors.New("protocol: client reached max query buffer length")

// ErrWouldBlock is what a Reader's source returns from Read when it has no
// bytes at hand and ReadCommand should return rather than wait for some.
// ReadCommand then returns it too, keeping what it has parsed of a command
// that is partly there, and the next call carries on from that point. Unlike
// the Reader's other errors it is not sticky.
var ErrWouldBlock = errors.New("protocol: no request bytes ready")

type span struct{ start, end int }

// Reader parses client requests (RESP multibulk or inline commands) from an
// io.Reader. It is not safe for concurrent use.
type Reader struct {
	rd  io.Reader
	lim Limits

	buf   []byte
	w     int // end of buffered data
	pos   int // first byte the parser has not consumed
	start int // first byte still referenced by the command being parsed/returned
	peak  int // largest w-start seen since the last shrink check

	// State of a multibulk request whose bytes have not all arrived; Redis
	// keeps the same state in client.multibulklen/bulklen.
	inMulti bool
	mbulk   int64 // arguments still to read
	bulk    int64 // length of the argument being read, -1 while at its header
	need    int   // bytes known to be missing, a growth hint (0 if unknown)

	// Progress of the terminator search at pos, so that a line trickling in
	// is not rescanned from its start on every read: buf[pos:pos+scanned]
	// holds no terminator, and nul records that a NUL byte ended the search.
	scanned int
	nul     bool

	spans []span
	argv  [][]byte

	unauth bool
	err    error // sticky: once set, every ReadCommand returns it
	rerr   error // read error deferred until the bytes read with it are used
}

// NewReader returns a Reader of requests from r. Zero fields of lim take
// their defaults.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{rd: r, lim: lim.withDefaults(), bulk: -1}
}

// SetLimits replaces the limits, as CONFIG SET does for connected clients in
// Redis: a new MaxBulkLen or MaxMultibulkLen applies from the next header
// parsed, a new MaxQueryBuffer from the next read.
func (r *Reader) SetLimits(lim Limits) { r.lim = lim.withDefaults() }

// Limits returns the limits in force.
func (r *Reader) Limits() Limits { return r.lim }

// BufferSize is the capacity of the read buffer: 16 KB, more after big
// requests, 0 after Release.
func (r *Reader) BufferSize() int { return cap(r.buf) }

// Release gives the read buffer back while nothing is pending (Buffered is
// 0 and no command is half read), as Redis frees an idle client's query
// buffer; the next read takes a 16 KB buffer from a pool shared by all
// Readers and Writers (a larger one is dropped, not pooled). It invalidates
// the last command's arguments. A connection that waits long for its next
// request holds no buffer that way.
func (r *Reader) Release() {
	if r.pos != r.w || r.inMulti || r.buf == nil {
		return
	}
	if cap(r.buf) == readChunk {
		putBuffer(r.buf)
	}
	r.buf = nil
	r.pos, r.start, r.w, r.peak = 0, 0, 0, 0
	r.scanned, r.nul = 0, false
	clear(r.argv[:cap(r.argv)])
}

// Reset discards all buffered data and state, including a sticky error, and
// makes the Reader read from r. The buffers are kept for reuse.
func (r *Reader) Reset(rd io.Reader) {
	*r = Reader{rd: rd, lim: r.lim, buf: r.buf, spans: r.spans[:0], argv: r.argv[:0], bulk: -1}
}

// SetUnauthenticated makes the Reader apply Redis's limits for connections
// that still have to authenticate (requirepass or ACL): more than 10
// arguments or a bulk longer than 16384 bytes is a protocol error. The server
// turns it off once AUTH succeeds; it takes effect from the next header parsed.
func (r *Reader) SetUnauthenticated(on bool) { r.unauth = on }

// Pending returns the bytes received and not yet consumed: what Redis calls
// the query buffer, for logging (it aliases the Reader's buffer).
func (r *Reader) Pending() []byte { return r.buf[r.pos:r.w] }

// Buffered returns how many bytes following the last returned command are
// already buffered. They may hold several commands, or only part of one: use
// CommandReady to know whether ReadCommand can proceed without reading.
func (r *Reader) Buffered() int { return r.w - r.pos }

// ReadCommand returns the next command's arguments. The returned slices alias
// the reader's internal buffer and are valid only until the next ReadCommand
// call.
//
// Requests starting with '*' are RESP multibulks; anything else is an inline
// command, split like Redis's sdssplitargs (double quotes with \n, \r, \t,
// \b, \a and \xHH escapes, single quotes with \' only). Empty inline lines
// and "*0"/"*-1" multibulks are skipped, as Redis does.
//
// A malformed request yields a *ProtocolError; too much pending data yields
// ErrQueryBufferLimit; a connection closed between commands yields io.EOF and
// one closed inside a command io.ErrUnexpectedEOF. Errors are sticky.
func (r *Reader) ReadCommand() ([][]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	// The previous command's arguments are no longer referenced (unless a
	// command is half parsed: ErrWouldBlock left it so).
	if !r.inMulti {
		r.start = r.pos
		if r.pos == r.w {
			r.resetBuffer()
		}
	}
	for {
		if r.pos < r.w {
			argv, done, err := r.parse()
			if err != nil {
				r.err = err
				return nil, err
			}
			if done {
				if len(argv) > 0 {
					return argv, nil
				}
				// Empty command: skipped like Redis's resetClient path.
				r.start = r.pos
				if r.pos == r.w {
					r.resetBuffer()
				}
				continue
			}
		}
		if err := r.fill(); err != nil {
			if err != ErrWouldBlock {
				r.err = err
			}
			return nil, err
		}
	}
}

// resetBuffer rewinds an empty buffer, and gives memory back when the last
// commands used far less than it holds.
func (r *Reader) resetBuffer() {
	if r.w-r.start > r.peak {
		r.peak = r.w - r.start
	}
	r.pos, r.start, r.w = 0, 0, 0
	r.scanned, r.nul = 0, false
	if len(r.buf) > shrinkAbove {
		if r.peak < len(r.buf)/4 {
			r.buf = nil
			if cap(r.argv) > argvKeep {
				r.argv, r.spans = nil, nil
			}
		}
		r.peak = 0
	}
}

// parse tries to complete one command from buf[pos:w]. done reports that a
// whole command (possibly empty) was consumed.
func (r *Reader) parse() (argv [][]byte, done bool, err error) {
	if !r.inMulti {
		r.spans = r.spans[:0]
		if r.buf[r.pos] != '*' {
			return r.parseInline()
		}
		ok, err := r.parseMultibulkHeader()
		if err != nil || !ok {
			return nil, false, err
		}
		if !r.inMulti {
			return nil, true, nil // "*0" or a negative count
		}
	}
	buf := r.buf
	for r.mbulk > 0 {
		if r.bulk < 0 {
			rest := buf[r.pos:r.w]
			if ll, i := fastLen(rest, '$'); i > 0 && ll <= r.lim.MaxBulkLen && (ll <= unauthBulkMax || !r.unauth) {
				r.advance(i + 2)
				r.bulk = ll
				goto data
			}
			i := r.find('\r')
			if i < 0 {
				if len(rest) > inlineMaxSize {
					return nil, false, errTooBigBulkCount
				}
				r.need = 0
				return nil, false, nil
			}
			if i > len(rest)-2 {
				r.need = 1
				return nil, false, nil
			}
			if rest[0] != '$' {
				return nil, false, errExpectedDollar(rest[0])
			}
			ll, ok := parseLL(rest[1:i])
			if !ok || ll < 0 || ll > r.lim.MaxBulkLen {
				return nil, false, errInvalidBulkLen
			}
			if ll > unauthBulkMax && r.unauth {
				return nil, false, errUnauthBulkLen
			}
			r.advance(i + 2)
			r.bulk = ll
		}
	data:
		// Redis skips the two bytes after the data without checking them.
		if avail := int64(r.w - r.pos); avail < r.bulk+2 {
			r.need = int(r.bulk + 2 - avail)
			return nil, false, nil
		}
		end := r.pos + int(r.bulk)
		r.spans = append(r.spans, span{r.pos, end})
		r.advance(int(r.bulk) + 2)
		r.bulk = -1
		r.mbulk--
	}
	r.inMulti = false
	r.need = 0
	return r.buildArgv(), true, nil
}

// parseMultibulkHeader parses "*N\r\n" at pos. ok is false when more data is
// needed. On success with N > 0 it enters the inMulti state.
func (r *Reader) parseMultibulkHeader() (ok bool, err error) {
	rest := r.buf[r.pos:r.w]
	if ll, i := fastLen(rest, '*'); i > 0 && ll <= r.lim.MaxMultibulkLen && (ll <= unauthMultibulkMax || !r.unauth) {
		r.advance(i + 2)
		if ll > 0 {
			r.inMulti = true
			r.mbulk = ll
			r.bulk = -1
		}
		return true, nil
	}
	i := r.find('\r')
	if i < 0 {
		if len(rest) > inlineMaxSize {
			return false, errTooBigMbulkCount
		}
		r.need = 0
		return false, nil
	}
	// Like Redis, the byte after '\r' is required but not checked.
	if i > len(rest)-2 {
		r.need = 1
		return false, nil
	}
	ll, valid := parseLL(rest[1:i])
	if !valid || ll > r.lim.MaxMultibulkLen {
		return false, errInvalidMultibulkLen
	}
	if ll > unauthMultibulkMax && r.unauth {
		return false, errUnauthMultibulkLen
	}
	r.advance(i + 2)
	if ll > 0 {
		r.inMulti = true
		r.mbulk = ll
		r.bulk = -1
	}
	return true, nil
}

// parseInline parses one inline command line at pos.
func (r *Reader) parseInline() (argv [][]byte, done bool, err error) {
	rest := r.buf[r.pos:r.w]
	nl := r.find('\n')
	if nl < 0 {
		if len(rest) > inlineMaxSize {
			return nil, false, errTooBigInline
		}
		r.need = 0
		return nil, false, nil
	}
	line := rest[:nl]
	if nl > 0 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	var ok bool
	r.spans, ok = splitArgs(line, r.spans[:0], r.pos)
	if !ok {
		return nil, false, errUnbalancedQuotes
	}
	r.advance(nl + 1)
	r.need = 0
	return r.buildArgv(), true, nil
}

func (r *Reader) buildArgv() [][]byte {
	n := len(r.spans)
	if cap(r.argv) < n {
		r.argv = make([][]byte, n, max(n, 2*cap(r.argv)))
	}
	argv := r.argv[:n]
	buf := r.buf
	for i, s := range r.spans {
		argv[i] = buf[s.start:s.end:s.end]
	}
	return argv
}

// fill reads more data, making room first: it compacts the retained part of
// the buffer to its start, and grows the buffer only when it is full of data
// that actually arrived (see grow), so a declared length never allocates by
// itself.
func (r *Reader) fill() error {
	if r.rerr != nil {
		return r.eofError(r.rerr)
	}
	if r.start > 0 && len(r.buf)-r.w < readChunk {
		n := copy(r.buf, r.buf[r.start:r.w])
		d := r.start
		for i := range r.spans {
			r.spans[i].start -= d
			r.spans[i].end -= d
		}
		r.pos -= d
		r.w = n
		r.start = 0
	}
	if free := len(r.buf) - r.w; free == 0 || (free < minReadSpace && r.need > free) {
		r.grow()
	}
	for tries := 0; ; tries++ {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			return errors.New("protocol: invalid Read count")
		}
		r.w += n
		if r.w-r.start > r.peak {
			r.peak = r.w - r.start
		}
		if int64(r.w-r.pos) > r.lim.MaxQueryBuffer {
			return ErrQueryBufferLimit
		}
		if n > 0 {
			if r.need > 0 {
				r.need = max(r.need-n, 1)
			}
			if err != ErrWouldBlock {
				r.rerr = err // reported once the bytes are used up
			}
			return nil
		}
		if err == ErrWouldBlock {
			return err
		}
		if err != nil {
			return r.eofError(err)
		}
		if tries >= 100 {
			return io.ErrNoProgress
		}
	}
}

func (r *Reader) eofError(err error) error {
	if err == io.EOF && (r.inMulti || r.pos < r.w) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (r *Reader) grow() {
	// Geometric growth keeps the copying linear in the data received; when
	// the missing bytes of the pending element are known, the step is
	// trimmed to fit them (but stays geometric), or stretched a little so
	// that a huge argument completes without one more doubling.
	size := max(2*len(r.buf), readChunk)
	if r.need > 0 {
		want := r.w + r.need + readChunk
		if want < size {
			size = max(want, len(r.buf)+len(r.buf)/2)
		} else if want <= size+size/4 {
			size = want
		}
	}
	// A read never needs to exceed the query buffer limit by more than a
	// byte (the limit may be up to MaxInt64: no overflow).
	if limit := int64(r.pos-r.start) + 1; r.lim.MaxQueryBuffer < math.MaxInt64-limit && int64(size) > limit+r.lim.MaxQueryBuffer {
		size = int(limit + r.lim.MaxQueryBuffer)
	}
	if size < r.w+minReadSpace {
		size = r.w + minReadSpace
	}
	var nb []byte
	if size == readChunk {
		nb = getBuffer()[:readChunk]
	} else {
		nb = make([]byte, size)
	}
	copy(nb, r.buf[r.start:r.w])
	d := r.start
	for i := range r.spans {
		r.spans[i].start -= d
		r.spans[i].end -= d
	}
	r.pos -= d
	r.w -= d
	r.start = 0
	r.buf = nb
}

// CommandReady reports whether ReadCommand will return without reading from
// the connection: a complete command or a protocol error is buffered, or an
// error (such as the peer's EOF) is pending. Redis executes every complete command it has buffered and
// then writes the replies; a server mirrors that by flushing its Writer when
// CommandReady is false. Buffered > 0 is not enough, since a client may have
// sent only part of its next command.
func (r *Reader) CommandReady() bool {
	if r.err != nil || r.rerr != nil {
		return true // a pending error is returned without reading
	}
	buf, p, w := r.buf, r.pos, r.w
	if r.inMulti {
		// The rest of a command ErrWouldBlock left half parsed.
		if r.bulk < 0 {
			return r.bulksReady(p, r.mbulk)
		}
		if int64(w-p) < r.bulk+2 {
			return false
		}
		return r.bulksReady(p+int(r.bulk)+2, r.mbulk-1)
	}
	for p < w {
		rest := buf[p:w]
		if rest[0] != '*' {
			nl := indexLF(rest)
			if nl < 0 {
				return len(rest) > inlineMaxSize
			}
			for _, c := range rest[:nl] {
				if !isSpace(c) {
					return true // arguments, or an unbalanced-quotes error
				}
			}
			p += nl + 1
			continue
		}
		i := indexCR(rest)
		if i < 0 {
			return len(rest) > inlineMaxSize
		}
		if i > len(rest)-2 {
			return false
		}
		ll, ok := parseLL(rest[1:i])
		if !ok || ll > r.lim.MaxMultibulkLen || (ll > unauthMultibulkMax && r.unauth) {
			return true
		}
		p += i + 2
		if ll <= 0 {
			continue // "*0" and negative counts carry no command
		}
		return r.bulksReady(p, ll)
	}
	return false
}

// bulksReady reports whether n bulk arguments, or an error in them, are
// buffered from p on.
func (r *Reader) bulksReady(p int, n int64) bool {
	buf, w := r.buf, r.w
	for ; n > 0; n-- {
		rest := buf[p:w]
		i := indexCR(rest)
		if i < 0 {
			return len(rest) > inlineMaxSize
		}
		if i > len(rest)-2 {
			return false
		}
		if rest[0] != '$' {
			return true
		}
		bl, ok := parseLL(rest[1:i])
		if !ok || bl < 0 || bl > r.lim.MaxBulkLen || (bl > unauthBulkMax && r.unauth) {
			return true
		}
		p += i + 2
		if int64(w-p) < bl+2 {
			return false
		}
		p += int(bl) + 2
	}
	return true
}

// find returns the index of the terminator c ('\r' or '\n') of the element
// at pos, or -1 if it has not arrived; like Redis's strchr, the search never
// gets past a NUL byte.
func (r *Reader) find(c byte) int {
	if r.nul {
		return -1
	}
	rest := r.buf[r.pos:r.w]
	for i := r.scanned; i < len(rest); i++ {
		if rest[i] == c {
			return i
		}
		if rest[i] == 0 {
			r.nul = true
			return -1
		}
	}
	r.scanned = len(rest)
	return -1
}

// advance consumes n bytes at pos.
func (r *Reader) advance(n int) {
	r.pos += n
	r.scanned = 0
	r.nul = false
}

// fastLen parses the common form of a count line, prefix followed by 1 to 18
// digits without a leading zero (or a lone "0") and '\r' with a byte after
// it. It returns the value and the index of '\r', or i = -1 when b does not
// have that form, in which case the general path (find, parseLL) decides.
func fastLen(b []byte, prefix byte) (n int64, i int) {
	if len(b) < 4 || b[0] != prefix {
		return 0, -1
	}
	c := b[1]
	if c == '0' {
		if b[2] == '\r' {
			return 0, 2
		}
		return 0, -1
	}
	if c < '1' || c > '9' {
		return 0, -1
	}
	n = int64(c - '0')
	for i = 2; i < len(b)-1 && i < 20; i++ {
		c = b[i]
		if c == '\r' {
			return n, i
		}
		if c < '0' || c > '9' || i == 19 {
			return 0, -1
		}
		n = n*10 + int64(c-'0')
	}
	return 0, -1
}

// indexCR returns the index of the first '\r' in b, or -1 if there is none
// or a NUL byte comes first: Redis searches with strchr, which stops at NUL.
func indexCR(b []byte) int {
	for i, c := range b {
		if c == '\r' {
			return i
		}
		if c == 0 {
			return -1
		}
	}
	return -1
}

// indexLF is indexCR for '\n', the inline request terminator.
func indexLF(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
		if c == 0 {
			return -1
		}
	}
	return -1
}

// parseLL is Redis's string2ll: an optional '-', no '+', no leading zeros,
// no spaces, at most 20 characters, within int64.
func parseLL(b []byte) (int64, bool) {
	n := len(b)
	if n == 0 || n >= 21 {
		return 0, false
	}
	if n == 1 && b[0] == '0' {
		return 0, true
	}
	i := 0
	neg := false
	if b[0] == '-' {
		neg = true
		i++
		if i == n {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	v := uint64(b[i] - '0')
	for i++; i < n; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// SplitArgs splits line into arguments as Redis's sdssplitargs does (inline
// commands, ACL selectors): white space separates them, "double quotes"
// take backslash escapes (\n, \xHH...) and 'single quotes' \'; ok is false on
// unbalanced quotes or a closing quote followed by something other than a
// space. line must not contain a NUL byte (where a C string would end).
func SplitArgs(line string) (args []string, ok bool) {
	buf := []byte(line)
	spans, ok := splitArgs(buf, nil, 0)
	if !ok {
		return nil, false
	}
	for _, s := range spans {
		args = append(args, string(buf[s.start:s.end]))
	}
	return args, true
}

// splitArgs splits an inline request line like Redis's sdssplitargs,
// unescaping in place (the output never outruns the input), and appends the
// arguments' positions, offset by base, to spans. ok is false on unbalanced
// quotes or a closing quote followed by something other than a space.
func splitArgs(line []byte, spans []span, base int) ([]span, bool) {
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0 // the C string's terminator
	}
	p, wp := 0, 0
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return spans, true
		}
		tok := wp
		inq, insq := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					line[wp] = hexVal(at(p+2))<<4 | hexVal(at(p+3))
					wp++
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					e := line[p]
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					line[wp] = e
					wp++
				case c == '"':
					if nx := at(p + 1); nx != 0 && !isSpace(nx) {
						return spans, false
					}
					done = true
				case c == 0:
					return spans, false
				default:
					line[wp] = c
					wp++
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					line[wp] = '\''
					wp++
				case c == '\'':
					if nx := at(p + 1); nx != 0 && !isSpace(nx) {
						return spans, false
					}
					done = true
				case c == 0:
					return spans, false
				default:
					line[wp] = c
					wp++
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					line[wp] = c
					wp++
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		spans = append(spans, span{base + tok, base + wp})
	}
}
