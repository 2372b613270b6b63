package engine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/cachee/cachee/engine/internal/cmdspec"
	"github.com/cachee/cachee/protocol"
)

// fuzzFixture is the keyspace every FuzzExec input starts from: a key of
// each type in both encodings, so that argument parsers reach the code
// behind them.
var fuzzFixture = []string{
	"FLUSHALL",
	"SET s hello", "SET n 10", "SET f 1.5", "SET t v EX 100",
	"RPUSH l a b c a b c 1 2 3",
	"SADD set a b c 1 2 3", "SADD iset 1 2 3 -5",
	"HSET h f1 v1 f2 v2 n 5 fl 2.5",
	"ZADD z 1 a 2 b 3 c 1.5 d -inf m +inf p", "ZADD zl 0 a 0 b 0 c 0 d",
}

// fuzzSeeds are FuzzExec's seed scripts: one command per line, arguments
// split on single spaces (so "a  b" has an empty argument). Together they
// reach every option of the commands with the richest argument parsers.
var fuzzSeeds = []string{
	"SET k v NX EX 10\nSET k v XX KEEPTTL GET\nSET k v PXAT 99999999999999 GET\nSET k v EX 0\nSET k v EX -1 NX XX",
	"SET k v EXAT 1 PX 1\nSET k v GET\nGETEX s PERSIST\nGETEX s EX 9223372036854775807\nGETEX s PX 1 EX 1",
	"ZADD z NX CH INCR 5 a\nZADD z XX GT LT 1 a\nZADD z GT CH 10 a 11 b 12 c\nZADD z INCR 1 a 2 b\nZADD z nan a\nZADD z 1e400 a",
	"ZADD z LT 0x10 a\nZADD z 1 a 2\nZADD k2 NX XX 1 a\nZADD z INCR +inf a\nZADD z INCR -inf a\nZINCRBY z 1 m",
	"ZRANGE z 0 -1 WITHSCORES\nZRANGE z (1 +inf BYSCORE LIMIT 0 2 WITHSCORES\nZRANGE zl [a (c BYLEX REV LIMIT 1 -1\nZRANGE z 5 0 REV",
	"ZRANGE z -inf (2 BYSCORE LIMIT -1 1\nZRANGE zl - + BYLEX\nZRANGE zl a b BYLEX\nZRANGE z 0 -1 BYLEX WITHSCORES\nZRANGE z 0 1 LIMIT 0 1",
	"ZRANGESTORE dst z 0 -1\nZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 1\nZREVRANGEBYSCORE z +inf -inf\nZRANGEBYLEX zl - [b LIMIT 0 -5",
	"ZCOUNT z (1 (3\nZLEXCOUNT zl [a [z\nZREMRANGEBYSCORE z -inf (0\nZREMRANGEBYLEX zl (a +\nZREMRANGEBYRANK z 0 -2",
	"ZUNIONSTORE out 2 z zl WEIGHTS 2 3 AGGREGATE MAX\nZINTER 2 z zl WITHSCORES AGGREGATE SUM\nZDIFF 2 z zl\nZINTERCARD 2 z zl LIMIT 1",
	"ZUNION 3 z zl set WEIGHTS 1 1 nan\nZMPOP 2 z zl MIN COUNT 2\nZPOPMAX z 3\nZRANDMEMBER z -5 WITHSCORES\nZMSCORE z a nope",
	"ZSCAN z 0 MATCH * COUNT 1\nZRANK z a\nZREVRANK z nope\nZSCORE z p\nZCARD z\nZREM z a b",
	"SCAN 0\nSCAN 0 MATCH * COUNT 1000 TYPE string\nSCAN 18446744073709551615 COUNT 0\nSCAN 0 TYPE zset MATCH z*\nSCAN -1",
	"HSCAN h 0 MATCH f* COUNT 1\nSSCAN set 0 COUNT 2\nSCAN 0 COUNT 1 COUNT 2\nSCAN 0 NOVALUES",
	"LPOS l a RANK -1 COUNT 0 MAXLEN 3\nLPOS l b RANK 2\nLPOS l a RANK 0\nLPOS l x COUNT -1\nLPOS l a MAXLEN -1\nLPOS l c RANK -9223372036854775808",
	"LRANGE l 0 -1\nLINSERT l BEFORE b x\nLSET l -1 z\nLREM l -2 a\nLTRIM l 1 -2\nLINDEX l -100\nLMPOP 2 l l2 LEFT COUNT 3",
	"LMOVE l l2 LEFT RIGHT\nRPOPLPUSH l l\nLPOP l 0\nRPOP l 100\nLPUSHX nope a\nRPUSHX l a",
	"INCR n\nINCRBY n 9223372036854775807\nDECRBY n -9223372036854775808\nINCRBYFLOAT f 1e308\nINCRBYFLOAT f inf\nINCR s",
	"APPEND s world\nSETRANGE s 5 xyz\nGETRANGE s -3 -1\nSUBSTR s 0 0\nSTRLEN s\nSETRANGE s -1 x\nSETRANGE k 65000 x",
	"LCS s s IDX MINMATCHLEN 2 WITHMATCHLEN\nLCS s n LEN\nMSET a 1 b 2\nMSETNX a 1 c 3\nMGET a b c\nGETSET a 9\nGETDEL b",
	"SETEX k 10 v\nPSETEX k 0 v\nSETNX s x\nEXPIRE s 100 NX\nEXPIRE s 50 GT\nEXPIRE s 200 LT XX\nPEXPIREAT s 1\nTTL s",
	"HSET h a 1 b\nHINCRBY h n 9223372036854775807\nHINCRBYFLOAT h fl nan\nHRANDFIELD h -3 WITHVALUES\nHMGET h f1 x\nHSTRLEN h f1",
	"SADD set x\nSPOP set 2\nSRANDMEMBER set -10\nSINTERCARD 2 set iset LIMIT 0\nSMOVE set iset a\nSDIFFSTORE d set iset\nSMISMEMBER set a z",
	"COPY z z2 DB 1 REPLACE\nRENAME l l3\nMOVE s 2\nSWAPDB 0 1\nSELECT 1\nDBSIZE\nRANDOMKEY\nKEYS *",
	"OBJECT ENCODING z\nOBJECT FREQ s\nOBJECT IDLETIME h\nTYPE l\nEXISTS s s s\nDEL s n\nUNLINK z\nTOUCH h",
	"MULTI\nSET a 1\nINCR a\nZADD z x y\nEXEC\nMULTI\nBLPOP l 0\nEXEC\nDISCARD\nWATCH a\nUNWATCH",
	"SUBSCRIBE c1 c2\nPING\nPUBLISH c1 hi\nUNSUBSCRIBE\nPSUBSCRIBE c*\nPUNSUBSCRIBE c*\nPUBSUB CHANNELS *\nPUBSUB NUMSUB c1",
	"HELLO 3\nZSCORE z a\nHGETALL h\nSMEMBERS set\nZRANGE z 0 -1 WITHSCORES\nZRANDMEMBER z 2 WITHSCORES\nHELLO 2 SETNAME x",
	"CLIENT SETNAME a\nCLIENT GETNAME\nCLIENT ID\nCLIENT INFO\nCLIENT LIST TYPE normal\nCLIENT KILL ID 999999",
	"COMMAND INFO get zadd\nCOMMAND GETKEYS ZUNIONSTORE d 2 a b\nCOMMAND COUNT\nCONFIG GET *max*\nINFO keyspace\nTIME",
	"ECHO \x00\xff\nPING a\nSELECT -1\nRESET\nAUTH x\nWAIT 0 0\nNOSUCH x\nOBJECT\nCOMMAND GETKEYS",
}

// fuzzDenied are commands FuzzExec does not run: they change the engine's
// configuration for later inputs, end the process, silence replies (so the
// one-reply check cannot apply) or run scripts that may loop.
var fuzzDenied = map[string]bool{
	"config|set": true, "config|resetstat": true, "shutdown": true, "client|reply": true,
	"debug": true, "monitor": true, "client|pause": true,
	"eval": true, "evalsha": true, "eval_ro": true, "evalsha_ro": true,
	"script": true, "function": true, "fcall": true, "fcall_ro": true,
}

// fuzzMultiReply are commands that may write more than one top-level value:
// one confirmation per channel, and messages a session publishes to itself.
var fuzzMultiReply = map[string]bool{
	"subscribe": true, "unsubscribe": true, "psubscribe": true, "punsubscribe": true,
	"ssubscribe": true, "sunsubscribe": true, "publish": true, "spublish": true,
}

// errFuzzCap aborts a reply with more values than a fuzz input should
// need: Redis would stream it, and the fuzzer only wants it to stop.
var errFuzzCap = errors.New("fuzz: reply too long")

const fuzzMaxValues = 100_000

// fuzzWriter is the ReplyWriter FuzzExec hands to Exec: it writes RESP
// through a protocol.Writer (parsed back after each command) and checks the
// stream's structure as it goes: aggregates get exactly their announced
// count, errors carry an upper-case code, no NaN or malformed verbatim.
type fuzzWriter struct {
	*protocol.Writer
	open   []int // values still owed by each open aggregate
	top    int   // top-level values started
	values int
	bad    string
	marks  map[int64]fuzzState
	capped bool
}

type fuzzState struct {
	open        []int
	top, values int
}

func (w *fuzzWriter) fail(msg string) {
	if w.bad == "" {
		w.bad = msg
	}
}

// value accounts for one value about to be written: its slot in the open
// aggregate, or a new top-level reply.
func (w *fuzzWriter) value() {
	// Panic once: the dispatcher then writes the contained panic's error,
	// which must not panic again.
	if w.values++; w.values > fuzzMaxValues && !w.capped {
		w.capped = true
		panic(errFuzzCap)
	}
	if n := len(w.open); n > 0 {
		w.open[n-1]--
	} else {
		w.top++
	}
}

// closeDone pops the aggregates whose last value was written.
func (w *fuzzWriter) closeDone() {
	for n := len(w.open); n > 0 && w.open[n-1] == 0; n-- {
		w.open = w.open[:n-1]
	}
}

func (w *fuzzWriter) scalar() { w.value(); w.closeDone() }

func (w *fuzzWriter) aggregate(n int) {
	w.value()
	if n < 0 {
		w.fail("negative aggregate length")
	}
	if n > 0 {
		w.open = append(w.open, n)
	}
	w.closeDone()
}

func (w *fuzzWriter) Status(s string) {
	if strings.ContainsAny(s, "\r\n") {
		w.fail("status with CR/LF: " + s)
	}
	w.scalar()
	w.Writer.Status(s)
}

func (w *fuzzWriter) Error(s string) {
	// CR and LF may occur: the RESP writer turns them into spaces as Redis's
	// addReplyErrorFormat does.
	code, _, _ := strings.Cut(s, " ")
	if code == "" || strings.ToUpper(code) != code {
		w.fail("malformed error: " + s)
	}
	w.scalar()
	w.Writer.Error(s)
}

func (w *fuzzWriter) Int(n int64)         { w.scalar(); w.Writer.Int(n) }
func (w *fuzzWriter) Bulk(b []byte)       { w.scalar(); w.Writer.Bulk(b) }
func (w *fuzzWriter) BulkString(s string) { w.scalar(); w.Writer.BulkString(s) }
func (w *fuzzWriter) Null()               { w.scalar(); w.Writer.Null() }
func (w *fuzzWriter) NullArray()          { w.scalar(); w.Writer.NullArray() }
func (w *fuzzWriter) Bool(b bool)         { w.scalar(); w.Writer.Bool(b) }
func (w *fuzzWriter) Array(n int)         { w.aggregate(n); w.Writer.Array(n) }
func (w *fuzzWriter) Map(n int)           { w.aggregate(2 * n); w.Writer.Map(n) }
func (w *fuzzWriter) Set(n int)           { w.aggregate(n); w.Writer.Set(n) }
func (w *fuzzWriter) Push(n int)          { w.aggregate(n); w.Writer.Push(n) }

func (w *fuzzWriter) Double(f float64) {
	if math.IsNaN(f) {
		w.fail("NaN reply")
	}
	w.scalar()
	w.Writer.Double(f)
}

func (w *fuzzWriter) Verbatim(format, s string) {
	if len(format) != 3 {
		w.fail("verbatim format " + format)
	}
	w.scalar()
	w.Writer.Verbatim(format, s)
}

func (w *fuzzWriter) Mark() int64 {
	m := w.Writer.Mark()
	w.marks[m] = fuzzState{open: append([]int(nil), w.open...), top: w.top, values: w.values}
	return m
}

func (w *fuzzWriter) Rollback(mark int64) bool {
	if !w.Writer.Rollback(mark) {
		return false
	}
	st := w.marks[mark]
	w.open, w.top, w.values = st.open, st.top, st.values
	return true
}

// FuzzExec runs fuzzed command scripts through Exec over the fixture
// keyspace, in RESP2 or RESP3, and checks that no command panics (a
// contained panic counts as a failure), that every reply is well formed
// RESP which a separate decoder reads back, and that each command writes
// exactly one reply (subscription commands at least one).
func FuzzExec(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	// Small bulk limit: SETRANGE/APPEND may not build huge strings.
	e := New(Config{ProtoMaxBulkLen: 1 << 16})
	f.Cleanup(e.Close)
	var out bytes.Buffer
	f.Fuzz(func(t *testing.T, script string, resp3 bool) {
		s := e.NewSession(ConnInfo{}, false)
		defer s.Close()
		lines := strings.Split(script, "\n")
		if len(lines) > 32 {
			lines = lines[:32]
		}
		setup := append([]string(nil), fuzzFixture...)
		if resp3 {
			setup = append(setup, "HELLO 3")
		}
		out.Reset()
		w := &fuzzWriter{Writer: protocol.NewWriter(&out, 2), marks: map[int64]fuzzState{}}
		for _, l := range setup {
			e.Exec(s, splitFuzzLine(l), w)
		}
		_ = w.Flush()
		panics := e.stats.panics.Load()
		for _, l := range lines {
			argv := splitFuzzLine(l)
			if len(argv) > 64 || fuzzSkip(e, s, argv) {
				continue
			}
			out.Reset()
			clear(w.marks)
			w.top, w.values, w.open = 0, 0, w.open[:0]
			e.Exec(s, argv, w)
			if w.capped {
				return // the reply was cut short, and so maybe the command
			}
			if p := e.stats.panics.Load(); p != panics {
				t.Fatalf("%q panicked (see the log above)", l)
			}
			if w.bad != "" {
				t.Fatalf("%q: %s", l, w.bad)
			}
			if len(w.open) > 0 {
				t.Fatalf("%q: reply ends inside an aggregate (%v values missing)", l, w.open)
			}
			name := strings.ToLower(string(argv[0]))
			if w.top != 1 && !(fuzzMultiReply[name] && w.top > 1) {
				t.Fatalf("%q: %d replies", l, w.top)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(bytes.NewReader(out.Bytes()))
			for i := 0; i < w.top; i++ {
				if _, err := protocol.ReadValue(r); err != nil {
					t.Fatalf("%q: reply %d does not decode: %v\n%q", l, i, err, out.Bytes())
				}
			}
			if _, err := r.ReadByte(); err != io.EOF {
				t.Fatalf("%q: bytes left after %d replies: %q", l, w.top, out.Bytes())
			}
		}
	})
}

// splitFuzzLine splits a script line on single spaces.
func splitFuzzLine(l string) [][]byte {
	if l == "" {
		return nil
	}
	parts := strings.Split(l, " ")
	argv := make([][]byte, len(parts))
	for i, p := range parts {
		argv[i] = []byte(p)
	}
	return argv
}

// fuzzSkip reports whether FuzzExec leaves a command out: a denied one, or
// a blocking one outside MULTI (which would wait for its timeout).
func fuzzSkip(e *Engine, s *Session, argv [][]byte) bool {
	if len(argv) == 0 {
		return true
	}
	cmd := e.table.Lookup(argv[0])
	if cmd == nil {
		return false
	}
	name := cmd.Name
	if cmd.subs != nil && len(argv) > 1 {
		if sub := lookupIn(cmd.subs, argv[1]); sub != nil {
			cmd, name = sub, sub.Name
		}
	}
	if fuzzDenied[name] || fuzzDenied[cmd.Name] {
		return true
	}
	return cmd.Spec.Has(cmdspec.Blocking) && s.multi == nil
}

// ExecScripts hands FuzzExec's fixture and seed scripts to the differential
// test that runs them against Redis (TestFuzzScriptsDiff, package
// engine_test, which cannot see unexported names).
func ExecScripts() (fixture, seeds []string) { return fuzzFixture, fuzzSeeds }
