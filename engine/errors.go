package engine

import "bytes"

// Error replies, byte for byte as Redis 7 words them. Each is declared once and
// written with w.Error; helpers that build a message from arguments live below.
const (
	ErrSyntax          = "ERR syntax error"
	ErrWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInt          = "ERR value is not an integer or out of range"
	ErrNotFloat        = "ERR value is not a valid float"
	ErrOverflow        = "ERR increment or decrement would overflow"
	ErrFloatNaNInf     = "ERR increment would produce NaN or Infinity"
	ErrNoSuchKey       = "ERR no such key"
	ErrDBIndex         = "ERR DB index is out of range"
	ErrInvalidDBIndex  = "ERR invalid DB index"
	ErrNoAuth          = "NOAUTH Authentication required."
	ErrWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	ErrAuthNotSet      = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	ErrStringTooLong   = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrOffsetRange     = "ERR offset is out of range"
	ErrSameObject      = "ERR source and destination objects are the same"
	ErrNotPositive     = "ERR value is out of range, must be positive"
	ErrTimeoutNegative = "ERR timeout is negative"
	ErrNoProto         = "NOPROTO unsupported protocol version"
	ErrExpireNXOptions = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrExpireGTLT      = "ERR GT and LT options at the same time are not compatible"
	ErrClientName      = "ERR Client names cannot contain spaces, newlines or special characters."
	ErrNoSuchClient    = "ERR No such client"
	ErrLFUNotSelected  = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrLRUNotSelected  = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrOOM             = "OOM command not allowed when used memory > 'maxmemory'."
	ErrInvalidCursor   = "ERR invalid cursor"
	ErrNumkeys         = "ERR numkeys should be greater than 0"
	ErrCountPositive   = "ERR count should be greater than 0"
	ErrLimitNegative   = "ERR LIMIT can't be negative"
	ErrNumkeysArgs     = "ERR Number of keys can't be greater than number of args"
)

// errWrongArgs is Redis's arity error for a command (or "parent|sub" subcommand).
func errWrongArgs(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// errUnknownCommand is Redis's reply to a command name that is not in the table;
// it quotes up to the first 128 bytes of the name and lists the arguments.
func errUnknownCommand(argv [][]byte) string {
	// Redis formats the name and each argument with %.*s, which also stops
	// at a NUL byte.
	name := cbytes(argv[0])
	if len(name) > 128 {
		name = name[:128]
	}
	args := ""
	for _, a := range argv[1:] {
		if len(args) >= 128 {
			break
		}
		a = cbytes(a)
		if len(a) > 128-len(args) {
			a = a[:128-len(args)]
		}
		args += "'" + string(a) + "' "
	}
	return sanitize([]byte("ERR unknown command '" + string(name) + "', with args beginning with: " + args))
}

// errUnknownSubcommand is Redis's reply to "CLIENT NOSUCH" and the like.
func errUnknownSubcommand(sub []byte, parent string) string {
	sub = cbytes(sub)
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return "ERR unknown subcommand '" + sanitize(sub) + "'. Try " + upper(parent) + " HELP."
}

// sanitize replaces the characters Redis refuses to echo inside an error.
// cbytes is b up to its first NUL byte: what C's %s prints of it.
func cbytes(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func sanitize(b []byte) string {
	out := []byte(nil)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			if out == nil {
				out = append([]byte(nil), b...)
			}
			out[i] = ' '
		}
	}
	if out == nil {
		return string(b)
	}
	return string(out)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Errors of the SCAN family and of the random-sampling commands
// (HRANDFIELD, SRANDMEMBER, ZRANDMEMBER).
const (
	ErrOutOfRange = "ERR value is out of range"
	// ErrCountRange is getRangeLongFromObjectOrReply's error for a count
	// outside -LONG_MAX..LONG_MAX (that is, LONG_MIN).
	ErrCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)
