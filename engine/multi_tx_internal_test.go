package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// splitArgv turns "set a 1" into an argv.
func splitArgv(line string) [][]byte {
	var argv [][]byte
	for _, f := range strings.Fields(line) {
		argv = append(argv, []byte(f))
	}
	return argv
}

// execTx runs lines through ExecTx on s and returns its replies.
func execTx(e *Engine, s *Session, lines ...string) []Reply {
	cmds := make([][][]byte, len(lines))
	for i, l := range lines {
		cmds[i] = splitArgv(l)
	}
	w := NewCapture(s.Proto())
	e.ExecTx(s, cmds, w)
	return w.Replies()
}

// TestExecTxMatchesMultiExec runs each transaction twice, on two engines in
// the same state: through ExecTx, and as MULTI, the commands and EXEC sent
// one by one. ExecTx's one reply must be EXEC's, or the first refusal when
// MULTI or a command was refused, and the two engines (data and WATCHes)
// must end the same.
func TestExecTxMatchesMultiExec(t *testing.T) {
	cases := []struct {
		name  string
		setup []string // on the transaction's session, before it
		spoil []string // on another session, after setup
		tx    []string
	}{
		{"three commands", nil, nil, []string{"set a 1", "incr n", "get a"}},
		{"no commands", nil, nil, nil},
		{"run-time error fails alone", []string{"set a x"}, nil, []string{"incr a", "set b 2", "lpush a y", "get a"}},
		{"unknown command refuses all", nil, nil, []string{"set a 1", "nosuch x", "set b 2"}},
		{"wrong arity refuses all", nil, nil, []string{"set a 1", "get"}},
		{"unknown subcommand", nil, nil, []string{"set a 1", "config nosuch"}},
		{"no-multi command", nil, nil, []string{"set a 1", "subscribe ch"}},
		{"watched key changed", []string{"set a 1", "watch a"}, []string{"set a 2"}, []string{"set a 3", "incr n"}},
		{"watched key unchanged", []string{"set a 1", "watch a"}, []string{"set b 2"}, []string{"set a 3", "incr n"}},
		{"refusal drops the watches", []string{"watch a"}, []string{"set a 2"}, []string{"nosuch"}},
		{"lists and blocking pops do not block", []string{"rpush l x"}, nil, []string{"blpop l 0", "blpop l 0", "rpush l y z", "lrange l 0 -1"}},
		{"unwatch is queued", []string{"watch a"}, []string{"set a 2"}, []string{"unwatch", "set a 3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { compareTx(t, tc.setup, tc.spoil, tc.tx) })
	}
}

// TestExecTxRandomMatchesMultiExec is the same comparison over random
// transactions (a fixed seed, so a failure reproduces): commands that
// succeed, fail at run time, or are refused while queueing, on keys of
// every type, after WATCHes that another session may spoil.
func TestExecTxRandomMatchesMultiExec(t *testing.T) {
	// The first 20 run, the rest may fail at run time; refused are refused
	// while queueing. (MULTI, EXEC and WATCH, which ExecTx refuses and
	// MULTI runs at once, are TestExecTxRefusals's.)
	pool := []string{
		"set a 1", "set b x", "incr n", "incrby n 5", "get a", "mget a b n", "append b yz", "rpush l x y",
		"lpop l", "lrange l 0 -1", "hset h f v", "hincrby h g 2", "hgetall h", "sadd s m", "spop s",
		"zadd z 1 m", "zincrby z 2 m", "zrange z 0 -1 withscores", "ttl a", "exists a b",
		"del a", "blpop l 0", "expire a 100", "type l", "lpush a q", "incr b", "rename l l2",
		"flushdb", "swapdb 0 1", "select 1", "unwatch", "ping", "echo hi",
	}
	refused := []string{"nosuch x", "get", "config nosuch", "subscribe ch", "set a"}
	keys := []string{"a", "b", "n", "l", "h", "s", "z"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		var setup, spoil, tx []string
		for range rng.IntN(3) {
			setup = append(setup, pool[rng.IntN(20)]) // commands that run
		}
		if rng.IntN(2) == 0 {
			setup = append(setup, "watch "+keys[rng.IntN(len(keys))])
			for range rng.IntN(2) {
				spoil = append(spoil, pool[rng.IntN(20)])
			}
		}
		for range rng.IntN(6) {
			if rng.IntN(10) == 0 {
				tx = append(tx, refused[rng.IntN(len(refused))])
			} else {
				tx = append(tx, pool[rng.IntN(len(pool))])
			}
		}
		if !t.Run(fmt.Sprint(i), func(t *testing.T) { compareTx(t, setup, spoil, tx) }) {
			t.Fatalf("setup %q, spoil %q, transaction %q", setup, spoil, tx)
		}
	}
}

// compareTx runs tx on two engines in the same state, through ExecTx and
// as MULTI, the commands and EXEC, and compares the replies, the data
// after it and whether WATCHes were left.
func compareTx(t *testing.T, setup, spoil, tx []string) {
	t.Helper()
	var sessions [2]*Session
	var replies [2][]Reply
	engines := [2]*Engine{New(Config{}), New(Config{})}
	for i, e := range engines {
		defer e.Close()
		s := e.NewSession(ConnInfo{}, false)
		sessions[i] = s
		for _, l := range setup {
			execArgs(e, s, strings.Fields(l)...)
		}
		other := e.NewSession(ConnInfo{}, false)
		for _, l := range spoil {
			execArgs(e, other, strings.Fields(l)...)
		}
	}
	replies[0] = execTx(engines[0], sessions[0], tx...)
	replies[1] = []Reply{execArgs(engines[1], sessions[1], "MULTI")}
	for _, l := range tx {
		replies[1] = append(replies[1], execArgs(engines[1], sessions[1], strings.Fields(l)...))
	}
	replies[1] = append(replies[1], execArgs(engines[1], sessions[1], "EXEC"))

	want := replies[1][len(replies[1])-1]
	for _, r := range replies[1][:len(replies[1])-1] {
		if r.Kind == KindError {
			want = r
			break
		}
	}
	if len(replies[0]) != 1 || render(replies[0][0]) != render(want) {
		t.Fatalf("ExecTx replied %v, MULTI/EXEC %v", replies[0], replies[1])
	}
	// The same data, and the same WATCHes left: a change by another
	// session fails a later transaction on both or on neither.
	after := []string{"mget a b n", "lrange l 0 -1", "type a", "hgetall h", "smembers s", "zrange z 0 -1 withscores", "dbsize", "lrange l2 0 -1"}
	for _, l := range after {
		a := execArgs(engines[0], sessions[0], strings.Fields(l)...)
		b := execArgs(engines[1], sessions[1], strings.Fields(l)...)
		if render(a) != render(b) {
			t.Errorf("%s after ExecTx: %s, after MULTI/EXEC: %s", l, render(a), render(b))
		}
	}
	for i, e := range engines {
		execArgs(e, e.NewSession(ConnInfo{}, false), "set a 9")
		replies[i] = execTx(e, sessions[i], "incr n")
	}
	if render(replies[0][0]) != render(replies[1][0]) {
		t.Errorf("a later transaction: %v after ExecTx, %v after MULTI/EXEC", replies[0], replies[1])
	}
}

// TestExecTxRefusals covers what has no MULTI/EXEC equivalent to compare
// with: commands MULTI would run at once, an empty command, ExecTx inside an
// open MULTI, and a session that must authenticate first.
func TestExecTxRefusals(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	s := e.NewSession(ConnInfo{}, false)
	for _, ctl := range []string{"exec", "multi", "discard", "watch a", "reset"} {
		if got := execTx(e, s, "set a 1", ctl); len(got) != 1 || got[0].Str != errNoMulti {
			t.Errorf("ExecTx with %q: %v, want %q", ctl, got, errNoMulti)
		}
	}
	w := NewCapture(2)
	e.ExecTx(s, [][][]byte{splitArgv("set a 1"), nil}, w)
	if r := w.Replies(); len(r) != 1 || r[0].Str != "ERR unknown command '', with args beginning with: " {
		t.Errorf("ExecTx with an empty command: %v", r)
	}
	if got := render(execArgs(e, s, "exists", "a")); got != ":0" {
		t.Errorf("a refused transaction ran: exists a = %s", got)
	}

	execArgs(e, s, "multi")
	if got := execTx(e, s, "set a 1"); len(got) != 1 || got[0].Str != errMultiNested {
		t.Errorf("ExecTx inside MULTI: %v", got)
	}
	execArgs(e, s, "set", "b", "1")
	if got := render(execArgs(e, s, "exec")); got != "*[+OK]" {
		t.Errorf("the open MULTI after a nested ExecTx: EXEC = %s", got)
	}

	locked := New(Config{RequirePass: "pw"})
	defer locked.Close()
	ls := locked.NewSession(ConnInfo{}, false)
	if got := execTx(locked, ls, "set a 1"); len(got) != 1 || got[0].Str != ErrNoAuth {
		t.Errorf("ExecTx before AUTH: %v", got)
	}
}

// TestExecTxSessionStats: the session's last command is EXEC, as after
// MULTI/EXEC, and every command counts as processed.
func TestExecTxSessionStats(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	s := e.NewSession(ConnInfo{}, false)
	before := s.stats.cmds.Load()
	execArgs(e, s, "get", "x")
	execTx(e, s, "set a 1", "incr n", "get a")
	if got := s.lastCmd.Load().Name; got != "exec" {
		t.Errorf("last command after ExecTx: %q, want exec", got)
	}
	if got := s.stats.cmds.Load() - before; got != 5 {
		t.Errorf("commands processed: %d, want 5 (GET, EXEC and its three)", got)
	}
}

// TestUnlistedSessionsCount: the commands of sessions CLIENT LIST does not
// show (the in-process client's) count in total_commands_processed, also
// after such a session is garbage collected.
func TestUnlistedSessionsCount(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	func() {
		s := e.NewSession(ConnInfo{}, false)
		for range 5 {
			execArgs(e, s, "incr", "n")
		}
	}()
	if got := commandsOf(e); got != 5 {
		t.Fatalf("commands with the session alive: %d, want 5", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		e.clients.mu.Lock()
		n := len(e.clients.unlisted)
		e.clients.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the unlisted session's counter was never dropped")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := commandsOf(e); got != 5 {
		t.Errorf("commands after the session was collected: %d, want 5", got)
	}
}

func commandsOf(e *Engine) int64 { n, _ := e.clients.sum(); return n }
