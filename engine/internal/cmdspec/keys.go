package cmdspec

import (
	"bytes"
	"errors"
)

// Errors with the text Redis 7.0's COMMAND GETKEYS replies (Writer.Error takes
// them as they are).
var (
	ErrInvalidCommand   = errors.New("ERR Invalid command specified")
	ErrNoKeyArguments   = errors.New("ERR The command has no key arguments")
	ErrInvalidArity     = errors.New("ERR Invalid number of arguments specified for command")
	ErrInvalidArguments = errors.New("ERR Invalid arguments specified for command")
)

// getKeysProc names one of the C "getkeys_proc" functions Redis 7.0 attaches
// to some commands. Redis uses it instead of the key specs when a spec cannot
// be resolved (bad numkeys, begin_search "unknown", an INCOMPLETE spec that
// matched) or when a spec has VARIABLE_FLAGS.
type getKeysProc uint8

const (
	procNone      getKeysProc = iota
	procEval                  // evalGetKeys, functionGetKeys: numkeys at 2, keys from 3
	procNumKeys1              // zunionInterDiffGetKeys, sintercard, lmpop, zmpop: numkeys at 1, keys from 2
	procNumKeys2              // blmpopGetKeys (BLMPOP, BZMPOP): numkeys at 2, keys from 3
	procStore                 // zunionInterDiffStoreGetKeys: dest at 1, numkeys at 2, keys from 3
	procSort                  // sortGetKeys
	procSortRO                // sortROGetKeys: argv[1]
	procSet                   // setGetKeys: argv[1]
	procBitfield              // bitfieldGetKeys: argv[1]
	procMigrate               // migrateGetKeys
	procGeoradius             // georadiusGetKeys
	procXread                 // xreadGetKeys
)

// procFor maps a command to its Redis 7.0 getkeys_proc (src/commands.c).
func procFor(name string) getKeysProc {
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return procEval
	case "zunion", "zinter", "zdiff", "zintercard", "sintercard", "lmpop", "zmpop":
		return procNumKeys1
	case "blmpop", "bzmpop":
		return procNumKeys2
	case "zunionstore", "zinterstore", "zdiffstore":
		return procStore
	case "sort":
		return procSort
	case "sort_ro":
		return procSortRO
	case "set":
		return procSet
	case "bitfield":
		return procBitfield
	case "migrate":
		return procMigrate
	case "georadius", "georadiusbymember":
		return procGeoradius
	case "xread", "xreadgroup":
		return procXread
	}
	return procNone
}

// GetKeys answers COMMAND GETKEYS for argv (the command line without the
// "COMMAND GETKEYS" prefix) as Redis 7.0 does: it appends the argv indexes of
// the keys to dst, or returns one of the Err* values above. A nil slice with a
// nil error never happens; an empty result is a valid (empty array) reply.
func GetKeys(argv [][]byte, dst []int) ([]int, error) {
	s := LookupArgv(argv)
	switch {
	case s == nil:
		return dst, ErrInvalidCommand
	case !s.hasKeys:
		return dst, ErrNoKeyArguments
	case !s.ArityOK(len(argv)):
		return dst, ErrInvalidArity
	}
	return s.KeyPositions(argv, dst)
}

// KeyPositions appends to dst the argv indexes of the keys in argv (argv[0] is
// the command name; for a subcommand spec argv[1] is the subcommand name) and
// returns the extended slice. It follows Redis 7.0's getKeysFromCommandWithSpecs
// exactly, so the positions (and their order) are those COMMAND GETKEYS prints:
//
//   - key specs are used when the command has one not flagged NOT_KEY and none
//     flagged VARIABLE_FLAGS (SET and BITFIELD use their getkeys_proc, which
//     returns argv[1] alike);
//   - a spec that cannot be resolved (numkeys not a strict integer or negative,
//     numkeys 0, keys past the end, begin_search "unknown" as in SORT, or an
//     INCOMPLETE spec whose keyword matched as in MIGRATE ... KEYS) makes Redis
//     discard every spec's keys and fall back to the command's getkeys_proc,
//     which parses differently (atoi numkeys: "2abc" counts as 2; destination
//     key last for ZUNIONSTORE and friends; SORT's last STORE; MIGRATE's KEYS);
//   - key specs flagged NOT_KEY (the shard channels of SPUBLISH, SSUBSCRIBE,
//     SUNSUBSCRIBE) are never keys.
//
// The keys are always a superset of what the command touches except for the
// key names SORT ... BY/GET derive from data, which no parser can know.
// When no key is found for a command that has key arguments and lacks the
// no_mandatory_keys flag it returns ErrInvalidArguments, as COMMAND GETKEYS
// does (the command itself will reject such a line with its own error). For
// commands without key arguments it returns dst unchanged and no error. It
// never panics on short argv and does not allocate when dst has capacity.
func (s *Spec) KeyPositions(argv [][]byte, dst []int) ([]int, error) {
	if s.onePos > 0 && s.onePos < len(argv) {
		return append(dst, s.onePos), nil
	}
	return s.keys(argv, dst, nil)
}

// KeyRefs is KeyPositions with how the command uses each key, as Redis 7.0's
// getKeysFromCommandWithSpecs reports it (COMMAND GETKEYSANDFLAGS, and the
// flags ACL key patterns are checked against): a key found by a key spec has
// that spec's flags; one found by a getkeys procedure has the flags the
// procedure gives it (SET: OW update, or RW access update with GET; BITFIELD:
// RO access when it only reads; SORT's STORE key OW update...), which are 0
// for the procedures of commands whose key specs are complete. flags gets one
// entry per position appended to pos.
func (s *Spec) KeyRefs(argv [][]byte, pos []int, flags []KeyFlag) ([]int, []KeyFlag, error) {
	if s.oneKey > 0 && s.oneKey < len(argv) {
		return append(pos, s.oneKey), append(flags, s.KeySpecs[0].Flags), nil
	}
	pos, err := s.keys(argv, pos, &flags)
	return pos, flags, err
}

// keys is KeyPositions' general path; when flags is not nil it also gets
// each key's flags.
func (s *Spec) keys(argv [][]byte, dst []int, flags *[]KeyFlag) ([]int, error) {
	base := len(dst)
	fbase := 0
	if flags != nil {
		fbase = len(*flags)
	}
	if s.useSpecs {
		var ok bool
		if dst, ok = s.specKeys(argv, dst, flags); ok {
			return s.finish(dst, base)
		}
		dst = dst[:base]
		if flags != nil {
			*flags = (*flags)[:fbase]
		}
	}
	dst = s.proc.keys(argv, dst, flags)
	return s.finish(dst, base)
}

func (s *Spec) finish(dst []int, base int) ([]int, error) {
	if len(dst) == base && s.hasKeys && s.Flags&NoMandatoryKeys == 0 {
		return dst, ErrInvalidArguments
	}
	return dst, nil
}

// specKeys is Redis 7.0's getKeysUsingKeySpecs with GET_KEYSPEC_DEFAULT; ok is
// false where Redis returns -1.
func (s *Spec) specKeys(argv [][]byte, dst []int, flags *[]KeyFlag) (_ []int, ok bool) {
	argc := len(argv)
	for i := range s.KeySpecs {
		spec := &s.KeySpecs[i]
		if spec.Flags&KeyNotKey != 0 {
			continue
		}
		first := 0
		switch spec.BeginSearch {
		case BeginSearchIndex:
			first = spec.Index
		case BeginSearchKeyword:
			start, end := spec.StartFrom, 1
			if spec.StartFrom > 0 {
				end = argc - 1
			} else {
				start = argc + spec.StartFrom
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if cstrEqualFold(argv[j], spec.Keyword) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue // keyword not found
			}
		default:
			return dst, false
		}

		var last, step int
		switch spec.FindKeys {
		case FindKeysRange:
			step = spec.Range.KeyStep
			switch {
			case spec.Range.LastKey >= 0:
				last = first + spec.Range.LastKey
			case spec.Range.Limit == 0:
				last = argc + spec.Range.LastKey
			default:
				last = first + ((argc-first)/spec.Range.Limit + spec.Range.LastKey)
			}
		case FindKeysKeyNum:
			step = spec.KeyNum.KeyStep
			idx := first + spec.KeyNum.KeyNumIdx
			if spec.KeyNum.KeyNumIdx >= argc || idx < 0 || idx >= argc {
				return dst, false
			}
			numkeys, valid := string2ll(argv[idx])
			if !valid || numkeys < 0 {
				return dst, false
			}
			first += spec.KeyNum.FirstKey
			last = first + int(int32(numkeys)) - 1
		default:
			return dst, false
		}

		if last >= argc || last < first || first >= argc || step <= 0 {
			return dst, false
		}
		for j := first; j <= last; j += step {
			dst = add(dst, flags, j, spec.Flags)
		}
		if spec.Flags&KeyIncomplete != 0 {
			return dst, false
		}
	}
	return dst, true
}

// add appends key position pos and, when flags is not nil, its flags f.
func add(dst []int, flags *[]KeyFlag, pos int, f KeyFlag) []int {
	if flags != nil {
		*flags = append(*flags, f)
	}
	return append(dst, pos)
}

func (p getKeysProc) keys(argv [][]byte, dst []int, flags *[]KeyFlag) []int {
	argc := len(argv)
	switch p {
	case procEval, procNumKeys2:
		return genericGetKeys(0, 2, 3, 1, argv, dst, flags)
	case procNumKeys1:
		return genericGetKeys(0, 1, 2, 1, argv, dst, flags)
	case procStore:
		return genericGetKeys(1, 2, 3, 1, argv, dst, flags)
	case procSortRO:
		if argc > 1 {
			dst = add(dst, flags, 1, KeyRO|KeyAccess)
		}
	case procSet:
		if argc > 1 {
			f := KeyOW | KeyUpdate
			for _, a := range argv[min(3, argc):] {
				if cstrEqualFold(a, "get") {
					f = KeyRW | KeyAccess | KeyUpdate
					break
				}
			}
			dst = add(dst, flags, 1, f)
		}
	case procBitfield:
		if argc > 1 {
			f := KeyRO | KeyAccess
			if !bitfieldReadOnly(argv) {
				f = KeyRW | KeyAccess | KeyUpdate
			}
			dst = add(dst, flags, 1, f)
		}
	case procSort:
		if argc < 2 {
			return dst
		}
		dst = add(dst, flags, 1, KeyRO|KeyAccess)
		store := -1
		for i := 2; i < argc; i++ {
			switch a := argv[i]; {
			case cstrEqualFold(a, "limit"):
				i += 2
			case cstrEqualFold(a, "store") && i+1 < argc:
				store = i + 1 // the last STORE wins, as in SORT
			case cstrEqualFold(a, "get"), cstrEqualFold(a, "by"):
				i++
			}
		}
		if store > 0 {
			dst = add(dst, flags, store, KeyOW|KeyUpdate)
		}
	case procMigrate:
		first, num := 3, 1
		if argc > 6 {
		scan:
			for i := 6; i < argc; i++ {
				switch a := argv[i]; {
				case cstrEqualFold(a, "keys"):
					if len(argv[3]) > 0 {
						return dst // KEYS needs an empty key argument
					}
					first, num = i+1, argc-i-1
					break scan
				case cstrEqualFold(a, "auth"):
					i++
				case cstrEqualFold(a, "auth2"):
					i += 2
				}
			}
		}
		for i := 0; i < num && first+i < argc; i++ {
			dst = add(dst, flags, first+i, KeyRW|KeyAccess|KeyDelete)
		}
	case procGeoradius:
		if argc < 2 {
			return dst
		}
		dst = add(dst, flags, 1, 0)
		stored := -1
		for i := 5; i < argc; i++ {
			if (cstrEqualFold(argv[i], "store") || cstrEqualFold(argv[i], "storedist")) && i+1 < argc {
				stored = i + 1
				i++
			}
		}
		if stored > 0 {
			dst = add(dst, flags, stored, 0)
		}
	case procXread:
		streams := -1
	parse:
		for i := 1; i < argc; i++ {
			switch a := argv[i]; {
			case cstrEqualFold(a, "block"), cstrEqualFold(a, "count"):
				i++
			case cstrEqualFold(a, "group"):
				i += 2
			case cstrEqualFold(a, "noack"):
			case cstrEqualFold(a, "streams"):
				streams = i
				break parse
			default:
				break parse
			}
		}
		num := argc - streams - 1
		if streams == -1 || num == 0 || num%2 != 0 {
			return dst
		}
		for i := streams + 1; i < argc-num/2; i++ {
			dst = add(dst, flags, i, 0)
		}
	}
	return dst
}

// bitfieldReadOnly is bitfieldGetKeys' test: only GET and OVERFLOW
// operations, each with its arguments; anything else (a syntax error
// included) counts as a write.
func bitfieldReadOnly(argv [][]byte) bool {
	for i := 2; i < len(argv); i++ {
		left := len(argv) - i - 1
		switch a := argv[i]; {
		case cstrEqualFold(a, "get") && left >= 2:
			i += 2
		case cstrEqualFold(a, "overflow") && left >= 1:
			i++
		default:
			return false
		}
	}
	return true
}

// genericGetKeys is Redis 7.0's helper behind the numkeys getkeys procs: the
// count is read with atoi, and a destination key (storeOfs > 0) comes last.
func genericGetKeys(storeOfs, countOfs, firstOfs, step int, argv [][]byte, dst []int, flags *[]KeyFlag) []int {
	argc := len(argv)
	if countOfs >= argc {
		return dst
	}
	num := atoi(argv[countOfs])
	if num < 1 || num > (argc-firstOfs)/step {
		return dst
	}
	for i := 0; i < num; i++ {
		dst = add(dst, flags, firstOfs+i*step, 0)
	}
	if storeOfs > 0 {
		dst = add(dst, flags, storeOfs, 0)
	}
	return dst
}

// cstrEqualFold is strcasecmp(arg, kw) == 0 for a C string arg: it stops at a
// NUL byte, as Redis's comparison does.
func cstrEqualFold(arg []byte, kw string) bool {
	arg = cstr(arg)
	if len(arg) != len(kw) {
		return false
	}
	for i := 0; i < len(arg); i++ {
		a, b := arg[i], kw[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// string2ll is Redis's strict integer parser: optional '-', no leading zeros
// or spaces or '+', at most 20 bytes, within int64.
func string2ll(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		if v > 1<<64-1-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// atoi is C's atoi as glibc implements it, (int)strtol(s, NULL, 10): leading
// white space, an optional sign, then digits up to the first other byte (or
// NUL); the long saturates and is then truncated to a 32-bit int.
func atoi(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v uint64
	over := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if !over {
			v = v*10 + uint64(b[i]-'0')
			if v > 1<<63 {
				over = true
			}
		}
	}
	var l int64
	switch {
	case neg && (over || v == 1<<63):
		l = -1 << 63
	case neg:
		l = -int64(v)
	case over || v > 1<<63-1:
		l = 1<<63 - 1
	default:
		l = int64(v)
	}
	return int(int32(l))
}

// DerivedKeys reports whether a SORT or SORT_RO line reads keys named by the
// data it sorts: a BY pattern, or a GET pattern other than "#", containing '*'
// (patterns without '*' make Redis look nothing up). Those keys cannot be known
// before the command runs, and neither KeyPositions nor COMMAND GETKEYS lists
// them, so a dispatcher that locks per key must lock more broadly for such a
// line. It is false for every other command.
func (s *Spec) DerivedKeys(argv [][]byte) bool {
	if s.Name != "sort" && s.Name != "sort_ro" {
		return false
	}
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch a := argv[j]; {
		case cstrEqualFold(a, "limit") && left >= 2:
			j += 2
		case s.Name == "sort" && cstrEqualFold(a, "store") && left >= 1:
			j++
		case cstrEqualFold(a, "by") && left >= 1:
			if bytes.IndexByte(cstr(argv[j+1]), '*') >= 0 {
				return true
			}
			j++
		case cstrEqualFold(a, "get") && left >= 1:
			p := cstr(argv[j+1])
			if !(len(p) == 1 && p[0] == '#') && bytes.IndexByte(p, '*') >= 0 {
				return true
			}
			j++
		}
	}
	return false
}

// cstr truncates b at its first NUL byte, as C string functions see it.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}
