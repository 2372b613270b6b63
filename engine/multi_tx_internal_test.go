package engine

import (
	"strings"
	"testing"
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
		t.Run(tc.name, func(t *testing.T) {
			var sessions [2]*Session
			var replies [2][]Reply
			engines := [2]*Engine{New(Config{}), New(Config{})}
			for i, e := range engines {
				defer e.Close()
				s := e.NewSession(ConnInfo{}, false)
				sessions[i] = s
				for _, l := range tc.setup {
					execArgs(e, s, strings.Fields(l)...)
				}
				other := e.NewSession(ConnInfo{}, false)
				for _, l := range tc.spoil {
					execArgs(e, other, strings.Fields(l)...)
				}
			}
			replies[0] = execTx(engines[0], sessions[0], tc.tx...)
			replies[1] = []Reply{execArgs(engines[1], sessions[1], "MULTI")}
			for _, l := range tc.tx {
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
			after := []string{"mget a b n", "lrange l 0 -1", "type a"}
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
		})
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
	before := s.cmds.Load()
	execArgs(e, s, "get", "x")
	execTx(e, s, "set a 1", "incr n", "get a")
	if got := s.lastCmd.Load().Name; got != "exec" {
		t.Errorf("last command after ExecTx: %q, want exec", got)
	}
	if got := s.cmds.Load() - before; got != 5 {
		t.Errorf("commands processed: %d, want 5 (GET, EXEC and its three)", got)
	}
}
