package lua

import (
	"encoding/binary"
	"errors"
	"hash/crc64"
	"strings"

	"github.com/cachee/cachee/engine"
)

// FUNCTION DUMP and RESTORE use Redis's serialization: for each library the
// RDB opcode FUNCTION2 (245) and its code as an RDB string, then the RDB
// version (10 for Redis 7.0, two bytes little endian) and a CRC64 (Jones
// polynomial, as Redis's crc64) of everything before it, little endian. We
// write strings uncompressed (valid RDB, which Redis reads) and read both
// plain and LZF-compressed ones, so payloads move between cachee and Redis
// both ways.

const (
	rdbOpcodeFunction2 = 245
	rdbOpcodeFunction  = 246 // pre-GA format, refused as by Redis
	rdbVersion         = 10
)

// crcTable is Redis's crc64: Jones polynomial 0xad93d23594c935a9, given reflected as hash/crc64 wants it.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// crc64Jones is Redis's crc64(0, p).
func crc64Jones(p []byte) uint64 {
	// hash/crc64 inverts the value before and after; Redis's does not.
	return ^crc64.Update(^uint64(0), crcTable, p)
}

// FunctionDump implements engine.Scripting: FUNCTION DUMP.
func (sc *scripting) FunctionDump(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	sc.mu.Lock()
	var out []byte
	for _, lib := range sortedLibs(sc.libs) {
		out = append(out, rdbOpcodeFunction2)
		out = appendRDBString(out, lib.code)
	}
	sc.mu.Unlock()
	out = binary.LittleEndian.AppendUint16(out, rdbVersion)
	out = binary.LittleEndian.AppendUint64(out, crc64Jones(out))
	w.Bulk(out)
}

// appendRDBString appends s as an uncompressed RDB string: its length in
// RDB's length encoding, then its bytes.
func appendRDBString(b []byte, s string) []byte {
	n := uint64(len(s))
	switch {
	case n < 1<<6:
		b = append(b, byte(n))
	case n < 1<<14:
		b = append(b, byte(n>>8)|0x40, byte(n))
	case n <= 0xffffffff:
		b = append(b, 0x80)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	default:
		b = append(b, 0x81)
		b = binary.BigEndian.AppendUint64(b, n)
	}
	return append(b, s...)
}

const (
	errRestorePayload = "ERR DUMP payload version or checksum are wrong"
	errRestorePolicy  = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	errRestoreArgs    = "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP."
)

// FunctionRestore implements engine.Scripting: FUNCTION RESTORE payload
// [FLUSH|APPEND|REPLACE].
func (sc *scripting) FunctionRestore(s *engine.Session, argv [][]byte, w engine.ReplyWriter) {
	policy := "append"
	switch {
	case len(argv) > 4:
		w.Error(errRestoreArgs)
		return
	case len(argv) == 4:
		policy = strings.ToLower(string(argv[3]))
		if policy != "flush" && policy != "append" && policy != "replace" {
			w.Error(errRestorePolicy)
			return
		}
	}
	payload := argv[2]
	if !validPayload(payload) {
		w.Error(errRestorePayload)
		return
	}
	codes, msg := readLibraries(payload[:len(payload)-10])
	if msg != "" {
		w.Error(msg)
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	// Load into a scratch set first: a bad library leaves everything as it was.
	loaded := map[string]*library{}
	for _, code := range codes {
		lib, msg := sc.loadLibrary(code, false, loaded)
		if msg != "" {
			w.Error(msg)
			return
		}
		loaded[lib.name] = lib
	}
	if policy == "flush" {
		sc.resetFunctions(nil)
	}
	if msg := sc.joinable(loaded, policy == "replace"); msg != "" {
		w.Error(msg)
		return
	}
	for _, lib := range sortedLibs(loaded) {
		sc.link(lib)
	}
	w.Status("OK")
}

// joinable is Redis's libraryJoin check: with APPEND a restored library may
// not share a name with a current one; no restored function may share a
// name with a current function of another library.
func (sc *scripting) joinable(loaded map[string]*library, replace bool) string {
	for _, lib := range sortedLibs(loaded) {
		if sc.libs[lib.name] != nil && !replace {
			return "ERR Library " + lib.name + " already exists"
		}
		for key, f := range lib.functions {
			if other := sc.functions[key]; other != nil && other.lib.name != lib.name {
				return "ERR Function " + f.name + " already exists"
			}
		}
	}
	return ""
}

// validPayload is Redis's verifyDumpPayload: an RDB version Redis 7.0 reads
// and a matching checksum.
func validPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return binary.LittleEndian.Uint64(footer[2:]) == crc64Jones(p[:len(p)-8])
}

// readLibraries reads the library codes of a payload without its footer.
func readLibraries(p []byte) ([]string, string) {
	var codes []string
	for len(p) > 0 {
		op := p[0]
		p = p[1:]
		switch op {
		case rdbOpcodeFunction2:
		case rdbOpcodeFunction:
			return nil, "ERR Pre-GA function format not supported"
		default:
			return nil, "ERR given type is not a function"
		}
		code, rest, err := readRDBString(p)
		if err != nil {
			return nil, "ERR failed loading the given functions payload"
		}
		codes = append(codes, code)
		p = rest
	}
	return codes, ""
}

var errShortRDB = errors.New("short RDB string")

// readRDBLen reads an RDB length; enc reports the special encodings (the
// low six bits then say which).
func readRDBLen(p []byte) (n uint64, enc bool, rest []byte, err error) {
	if len(p) == 0 {
		return 0, false, nil, errShortRDB
	}
	switch p[0] >> 6 {
	case 0:
		return uint64(p[0] & 0x3f), false, p[1:], nil
	case 1:
		if len(p) < 2 {
			return 0, false, nil, errShortRDB
		}
		return uint64(p[0]&0x3f)<<8 | uint64(p[1]), false, p[2:], nil
	case 2:
		switch {
		case p[0] == 0x80 && len(p) >= 5:
			return uint64(binary.BigEndian.Uint32(p[1:])), false, p[5:], nil
		case p[0] == 0x81 && len(p) >= 9:
			return binary.BigEndian.Uint64(p[1:]), false, p[9:], nil
		}
		return 0, false, nil, errShortRDB
	}
	return uint64(p[0] & 0x3f), true, p[1:], nil
}

// readRDBString reads an RDB string: plain, or LZF-compressed (encoding 3).
func readRDBString(p []byte) (string, []byte, error) {
	n, enc, p, err := readRDBLen(p)
	if err != nil {
		return "", nil, err
	}
	if !enc {
		if uint64(len(p)) < n {
			return "", nil, errShortRDB
		}
		return string(p[:n]), p[n:], nil
	}
	if n != 3 {
		return "", nil, errors.New("unsupported RDB string encoding")
	}
	clen, _, p, err := readRDBLen(p)
	if err != nil {
		return "", nil, err
	}
	ulen, _, p, err := readRDBLen(p)
	if err != nil || uint64(len(p)) < clen {
		return "", nil, errShortRDB
	}
	out, err := lzfDecompress(p[:clen], int(ulen))
	if err != nil {
		return "", nil, err
	}
	return string(out), p[clen:], nil
}

// lzfDecompress is LZF's decompressor (the format of Redis's compressed
// RDB strings).
func lzfDecompress(in []byte, size int) ([]byte, error) {
	out := make([]byte, 0, size)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 { // literal run of ctrl+1 bytes
			n := ctrl + 1
			if i+n > len(in) || len(out)+n > size {
				return nil, errShortRDB
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if i >= len(in) {
				return nil, errShortRDB
			}
			n += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, errShortRDB
		}
		back := (ctrl&0x1f)<<8 + int(in[i]) + 1
		i++
		n += 2
		if back > len(out) || len(out)+n > size {
			return nil, errShortRDB
		}
		for k := 0; k < n; k++ {
			out = append(out, out[len(out)-back])
		}
	}
	if len(out) != size {
		return nil, errShortRDB
	}
	return out, nil
}
