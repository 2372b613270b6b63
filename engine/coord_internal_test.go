package engine

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrency tests of transactions, blocking pops and pub/sub through Exec,
// each goroutine with its own session, meant for the race detector: they
// check invariants that hold whatever the interleaving.

// execReplies runs one command and returns its replies: none when a blocked
// command was cancelled, several when messages were written into the reply.
func execReplies(e *Engine, s *Session, args ...string) []Reply {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	w := NewCapture(s.Proto())
	e.Exec(s, argv, w)
	return w.Replies()
}

// execOne runs one command that must answer with exactly one reply.
func execOne(t *testing.T, e *Engine, s *Session, args ...string) Reply {
	t.Helper()
	r := execReplies(e, s, args...)
	if len(r) != 1 {
		t.Errorf("%q: %d replies, want 1", args, len(r))
		return Reply{}
	}
	return r[0]
}

// TestWatchRace runs optimistic increments (WATCH, GET, MULTI, SET, EXEC)
// from many sessions beside plain INCRs of the same key and writes to other
// keys: every EXEC that ran must have seen the latest value, so the counter
// ends equal to the successful EXECs plus the INCRs.
func TestWatchRace(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	const workers, rounds, incrs = 6, 150, 300
	var committed, aborted atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.NewSession(ConnInfo{}, false)
			defer s.Close()
			for i := 0; i < rounds; i++ {
				execOne(t, e, s, "WATCH", "n")
				v := execOne(t, e, s, "GET", "n")
				n, _ := strconv.Atoi(v.Str)
				execOne(t, e, s, "MULTI")
				execOne(t, e, s, "SET", "n", strconv.Itoa(n+1))
				execOne(t, e, s, "SET", "other:"+strconv.Itoa(i), "x")
				switch r := execOne(t, e, s, "EXEC"); r.Kind {
				case KindArray:
					committed.Add(1)
				case KindNull:
					aborted.Add(1)
				default:
					t.Errorf("EXEC: %s", render(r))
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := e.NewSession(ConnInfo{}, false)
		defer s.Close()
		for i := 0; i < incrs; i++ {
			execOne(t, e, s, "INCR", "n")
			execOne(t, e, s, "SET", "unrelated:"+strconv.Itoa(i), "y")
		}
	}()
	wg.Wait()
	s := e.NewSession(ConnInfo{}, false)
	got := execOne(t, e, s, "GET", "n").Str
	if want := strconv.FormatInt(committed.Load()+incrs, 10); got != want {
		t.Fatalf("counter %s, want %s (%d EXECs committed, %d aborted, %d INCRs)",
			got, want, committed.Load(), aborted.Load(), incrs)
	}
	if committed.Load()+aborted.Load() != workers*rounds {
		t.Fatalf("%d EXECs answered, want %d", committed.Load()+aborted.Load(), workers*rounds)
	}
	if e.watching.Load() != 0 {
		t.Fatalf("%d WATCHes left after every EXEC", e.watching.Load())
	}
	t.Logf("%d committed, %d aborted", committed.Load(), aborted.Load())
}

// TestBlockingPushRace has waiters popping with BLPOP (from two lists),
// BLMOVE (one list into a third) and BRPOP (the third) while pushers push
// with RPUSH, LPUSH and MULTI/EXEC: every element pushed is popped exactly
// once, and no waiter is left behind.
func TestBlockingPushRace(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	const pushers, perPusher = 4, 600
	var stop atomic.Bool
	var mu sync.Mutex
	popped := map[string]int{}
	record := func(v string) {
		mu.Lock()
		popped[v]++
		mu.Unlock()
	}
	var total atomic.Int64
	waiters := []func(s *Session){
		func(s *Session) { // BLPOP l1 l2
			if r := execReplies(e, s, "BLPOP", "l1", "l2", "0"); len(r) == 1 && r[0].Kind == KindArray {
				record(r[0].Elems[1].Str)
				total.Add(1)
			}
		},
		func(s *Session) { // BLMOVE l2 -> l3
			execReplies(e, s, "BLMOVE", "l2", "l3", "LEFT", "RIGHT", "0")
		},
		func(s *Session) { // BRPOP l3
			if r := execReplies(e, s, "BRPOP", "l3", "0"); len(r) == 1 && r[0].Kind == KindArray {
				record(r[0].Elems[1].Str)
				total.Add(1)
			}
		},
	}
	var sessions []*Session
	var wwg sync.WaitGroup
	for i := 0; i < 9; i++ {
		s := e.NewSession(ConnInfo{}, false)
		sessions = append(sessions, s)
		wwg.Add(1)
		go func(pop func(*Session)) {
			defer wwg.Done()
			for !stop.Load() {
				pop(s)
			}
		}(waiters[i%len(waiters)])
	}
	var pwg sync.WaitGroup
	for p := 0; p < pushers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			s := e.NewSession(ConnInfo{}, false)
			defer s.Close()
			for i := 0; i < perPusher; i += 3 {
				v := func(j int) string { return fmt.Sprintf("p%d-%d", p, i+j) }
				execOne(t, e, s, "RPUSH", "l1", v(0))
				execOne(t, e, s, "LPUSH", "l2", v(1))
				execOne(t, e, s, "MULTI")
				execOne(t, e, s, "RPUSH", []string{"l1", "l2"}[i%2], v(2))
				execOne(t, e, s, "EXEC")
			}
		}(p)
	}
	pwg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for total.Load() < pushers*perPusher {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d elements popped", total.Load(), pushers*perPusher)
		}
		time.Sleep(time.Millisecond)
	}
	// Release the waiters now blocked for good.
	stop.Store(true)
	done := make(chan struct{})
	go func() { wwg.Wait(); close(done) }()
	for released := false; !released; {
		for _, s := range sessions {
			e.unblock(s, false)
		}
		select {
		case <-done:
			released = true
		case <-time.After(time.Millisecond):
		}
	}
	if len(popped) != pushers*perPusher {
		t.Fatalf("%d distinct elements popped, want %d", len(popped), pushers*perPusher)
	}
	for v, n := range popped {
		if n != 1 {
			t.Errorf("%s popped %d times", v, n)
		}
	}
	if n := e.BlockedClients(); n != 0 {
		t.Fatalf("%d waiters left", n)
	}
	if got := render(execOne(t, e, sessions[0], "EXISTS", "l1", "l2", "l3")); got != ":0" {
		t.Fatalf("lists left behind: EXISTS %s", got)
	}
}

// TestBlockingKillRace kills blocked sessions while pushers serve them: an
// element is either in the reply of the waiter that popped it or still in
// the list, never lost.
func TestBlockingKillRace(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	const n = 3000
	var got atomic.Int64
	var stop atomic.Bool
	var sessions []*Session
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		s := e.NewSession(ConnInfo{}, false)
		sessions = append(sessions, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				r := execReplies(e, s, "BLPOP", "q", "0.02")
				if len(r) == 1 && r[0].Kind == KindArray {
					got.Add(1)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			sessions[rand.IntN(len(sessions))].kill()
			time.Sleep(50 * time.Microsecond)
		}
	}()
	pusher := e.NewSession(ConnInfo{}, false)
	for i := 0; i < n; i++ {
		execOne(t, e, pusher, "RPUSH", "q", strconv.Itoa(i))
	}
	stop.Store(true)
	wg.Wait()
	left := execOne(t, e, pusher, "LLEN", "q").Int
	if got.Load()+left != n {
		t.Fatalf("%d popped + %d left != %d pushed", got.Load(), left, n)
	}
	if b := e.BlockedClients(); b != 0 {
		t.Fatalf("%d waiters left", b)
	}
}

// TestSlowSubscriberDropped publishes to an in-process subscriber that never
// takes its messages and to one that does: the slow one's queue never grows
// past the pubsub hard limit and it is disconnected there, the other gets
// every message in order, and PUBLISH never waits.
func TestSlowSubscriberDropped(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	admin := e.NewSession(ConnInfo{}, false)
	if r := render(execOne(t, e, admin, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 32kb 60")); r != "+OK" {
		t.Fatalf("CONFIG SET: %s", r)
	}
	slow := e.NewSession(ConnInfo{}, false)
	slow.EnablePush(func() {}, false)
	execOne(t, e, slow, "SUBSCRIBE", "ch")

	// The fast subscriber takes its messages as soon as it is woken, in the
	// publisher's goroutine: a reader that always keeps up.
	fast := e.NewSession(ConnInfo{}, false)
	var got []string
	var msgs []Message
	fast.EnablePush(func() {
		msgs = fast.TakeMessages(msgs)
		for _, m := range msgs {
			got = append(got, m.Payload)
		}
	}, false)
	execOne(t, e, fast, "SUBSCRIBE", "ch")
	const n = 2000

	pub := e.NewSession(ConnInfo{}, false)
	payload := make([]byte, 1000)
	counts := map[int64]int{}
	for i := 0; i < n; i++ {
		copy(payload, strconv.Itoa(i)+":")
		r := execOne(t, e, pub, "PUBLISH", "ch", string(payload))
		counts[r.Int]++
		slow.push.mu.Lock()
		queued := slow.push.bytes
		slow.push.mu.Unlock()
		if queued > 64*1024 {
			t.Fatalf("slow subscriber's queue at %d bytes, over the 64kb hard limit", queued)
		}
	}
	waitFor(t, "the slow subscriber is disconnected", slow.Closing)
	if counts[2] != n {
		t.Errorf("PUBLISH receiver counts %v: want 2 throughout (a dropped client stays subscribed until freed)", counts)
	}
	if len(got) != n {
		t.Fatalf("the fast subscriber got %d messages of %d", len(got), n)
	}
	for i, p := range got {
		if want := strconv.Itoa(i) + ":"; p[:len(want)] != want {
			t.Fatalf("fast subscriber's message %d is %.10q", i, p)
		}
	}
	slow.Close()
	if r := execOne(t, e, pub, "PUBLISH", "ch", "x"); r.Int != 1 {
		t.Fatalf("PUBLISH after the slow subscriber closed reached %d", r.Int)
	}
}

// TestBlockedSubscriberOverLimit serves a blocked client whose own pop's
// event overflows its pubsub limit: disconnecting it must not wait for the
// serving (which would deadlock the pusher).
func TestBlockedSubscriberOverLimit(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	admin := e.NewSession(ConnInfo{}, false)
	execOne(t, e, admin, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 10 0 0")
	execOne(t, e, admin, "CONFIG", "SET", "notify-keyspace-events", "El")
	b := e.NewSession(ConnInfo{}, false)
	b.EnablePush(func() {}, false)
	execOne(t, e, b, "HELLO", "3")
	execOne(t, e, b, "SUBSCRIBE", "__keyevent@0__:lpop")
	blocked := make(chan []Reply)
	go func() { blocked <- execReplies(e, b, "BLPOP", "l", "0") }()
	deadline := time.Now().Add(5 * time.Second)
	for e.BlockedClients() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP did not block")
		}
		time.Sleep(time.Millisecond)
	}
	pushed := make(chan Reply)
	go func() { pushed <- execOne(t, e, admin, "RPUSH", "l", "a", "b") }()
	select {
	case r := <-pushed:
		if render(r) != ":2" {
			t.Errorf("RPUSH: %s", render(r))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RPUSH is stuck serving a client it disconnects")
	}
	r := <-blocked
	if len(r) != 1 || render(r[0]) != "*[$l, $a]" {
		t.Errorf("BLPOP served: %v", r)
	}
	waitFor(t, "the subscriber is disconnected", b.Closing)
	if got := render(execOne(t, e, admin, "LRANGE", "l", "0", "-1")); got != "*[$b]" {
		t.Errorf("list after serving: %s", got)
	}
}

// TestPubsubSubscribeRace subscribes and unsubscribes sessions while others
// publish: PUBLISH never counts more receivers than sessions, and the
// registry ends empty.
func TestPubsubSubscribeRace(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	var wg sync.WaitGroup
	var stop atomic.Bool
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := e.NewSession(ConnInfo{}, false)
			s.EnablePush(func() {}, false)
			defer s.Close()
			for i := 0; !stop.Load(); i++ {
				execReplies(e, s, "SUBSCRIBE", "a", "b")
				execReplies(e, s, "PSUBSCRIBE", "*")
				s.TakeMessages(nil)
				execReplies(e, s, "UNSUBSCRIBE")
				if i%2 == 0 {
					execReplies(e, s, "PUNSUBSCRIBE")
				}
			}
		}(g)
	}
	pub := e.NewSession(ConnInfo{}, false)
	for i := 0; i < 2000; i++ {
		if r := execOne(t, e, pub, "PUBLISH", "a", "x"); r.Int > 8 {
			t.Fatalf("PUBLISH reached %d receivers of 4 sessions", r.Int)
		}
	}
	stop.Store(true)
	wg.Wait()
	names := func(args ...string) string {
		r := execOne(t, e, pub, args...)
		var out []string
		for _, el := range r.Elems {
			out = append(out, el.Str)
		}
		sort.Strings(out)
		return fmt.Sprint(out)
	}
	if got := names("PUBSUB", "CHANNELS"); got != "[]" {
		t.Fatalf("channels left: %s", got)
	}
	if got := render(execOne(t, e, pub, "PUBSUB", "NUMPAT")); got != ":0" {
		t.Fatalf("patterns left: %s", got)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestExecAtomicRace writes two keys (on different shards) in one
// transaction while readers read both, in one MGET and in a transaction of
// their own: no reader ever sees them differ.
func TestExecAtomicRace(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	a, b := "a", "b"
	for i := 0; e.ks.shardOf(e.ks.hash([]byte(a))) == e.ks.shardOf(e.ks.hash([]byte(b))); i++ {
		b = "b" + strconv.Itoa(i)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := e.NewSession(ConnInfo{}, false)
			for i := 0; !stop.Load(); i++ {
				v := strconv.Itoa(g*1_000_000 + i)
				execOne(t, e, s, "MULTI")
				execOne(t, e, s, "SET", a, v)
				execOne(t, e, s, "INCR", "writes")
				execOne(t, e, s, "SET", b, v)
				execOne(t, e, s, "EXEC")
			}
		}(g)
	}
	s := e.NewSession(ConnInfo{}, false)
	for i := 0; i < 2000; i++ {
		var x, y Reply
		if i%2 == 0 {
			r := execOne(t, e, s, "MGET", a, b)
			x, y = r.Elems[0], r.Elems[1]
		} else {
			execOne(t, e, s, "MULTI")
			execOne(t, e, s, "GET", a)
			execOne(t, e, s, "GET", b)
			r := execOne(t, e, s, "EXEC")
			x, y = r.Elems[0], r.Elems[1]
		}
		if x.Str != y.Str {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("read %s and %s: a transaction was seen half done", render(x), render(y))
		}
	}
	stop.Store(true)
	wg.Wait()
}

// TestTypedOpsSignal checks that the typed in-process operations, which
// bypass Exec, still spoil WATCHes and serve blocked clients.
func TestTypedOpsSignal(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	s, other := e.NewSession(ConnInfo{}, false), e.NewSession(ConnInfo{}, false)
	for i, write := range []func(){
		func() { e.Set(other, "k", "v", 0) },
		func() { e.IncrBy(other, "k", 1) },
		func() { e.RPush(other, "k", []string{"x"}) },
		func() { e.LPop(other, "l") },
		func() { e.HSet(other, "k", []string{"f", "v"}) },
		func() { e.SAdd(other, "k", []string{"m"}) },
	} {
		execOne(t, e, s, "DEL", "k")
		execOne(t, e, s, "RPUSH", "l", "a", "b")
		execOne(t, e, s, "WATCH", "k", "l")
		write()
		execOne(t, e, s, "MULTI")
		execOne(t, e, s, "PING")
		if r := execOne(t, e, s, "EXEC"); r.Kind != KindNull {
			t.Errorf("write %d: EXEC after a typed write to a WATCHed key: %s", i, render(r))
		}
	}
	execOne(t, e, s, "DEL", "q")
	got := make(chan Reply, 1)
	go func() { got <- execOne(t, e, s, "BLPOP", "q", "0") }()
	waitFor(t, "BLPOP blocks", func() bool { return e.BlockedClients() == 1 })
	if n, err := e.RPush(other, "q", []string{"a", "b"}); n != 2 || err != "" {
		t.Fatalf("RPush: %d %q", n, err)
	}
	if r := <-got; render(r) != "*[$q, $a]" {
		t.Fatalf("BLPOP served by a typed push: %s", render(r))
	}
	if v, ok, _ := e.LPop(other, "q"); v != "b" || !ok {
		t.Fatalf("LPop after serving: %q %v", v, ok)
	}
}

// TestReadyKeyServesItsType puts a waiter for a sorted set ahead of a BLPOP
// on the same key: a push serves the BLPOP (Redis serves a list's waiters
// and a sorted set's separately) instead of stopping at the first waiter.
func TestReadyKeyServesItsType(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	z := e.NewSession(ConnInfo{}, false)
	c := &Ctx{e: e, s: z}
	c.block([][]byte{[]byte("k")}, 0, typeZSet, nil, func(*Ctx, []byte) bool { return true }, writeNullArray)
	s := e.NewSession(ConnInfo{}, false)
	got := make(chan Reply, 1)
	go func() { got <- execOne(t, e, s, "BLPOP", "k", "0") }()
	waitFor(t, "BLPOP blocks", func() bool { return e.BlockedClients() == 2 })
	execOne(t, e, e.NewSession(ConnInfo{}, false), "RPUSH", "k", "x")
	select {
	case r := <-got:
		if render(r) != "*[$k, $x]" {
			t.Fatalf("BLPOP: %s", render(r))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the list waiter behind a sorted-set waiter was not served")
	}
	if !e.unblock(z, false) || e.BlockedClients() != 0 {
		t.Fatalf("the sorted-set waiter: %d waiters left", e.BlockedClients())
	}
}

// TestMultiQueueBuffers queues arguments that outgrow the transaction's
// argument buffer mid-queue, over transactions that reuse the buffers: every
// command runs with the arguments it was queued with.
func TestMultiQueueBuffers(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	s := e.NewSession(ConnInfo{}, false)
	for round := 0; round < 4; round++ {
		sizes := []int{10, 300, 5000, 70000, 3}
		execOne(t, e, s, "MULTI")
		for i, n := range sizes {
			v := strings.Repeat(strconv.Itoa((round+i)%10), n)
			execOne(t, e, s, "SET", "k"+strconv.Itoa(i), v)
		}
		if r := execOne(t, e, s, "EXEC"); r.Kind != KindArray || len(r.Elems) != len(sizes) {
			t.Fatalf("round %d: EXEC %s", round, render(r))
		}
		for i, n := range sizes {
			want := strings.Repeat(strconv.Itoa((round+i)%10), n)
			if got := execOne(t, e, s, "GET", "k"+strconv.Itoa(i)).Str; got != want {
				t.Fatalf("round %d: k%d holds %d bytes %.10q, want %d bytes %.10q", round, i, len(got), got, n, want)
			}
		}
	}
}

// TestServingKeepsPusherSession: a push that serves a blocked client runs
// the pop as the waiter's command in the pusher's next Ctx; the pusher's
// later commands, typed or not, must run as the pusher again (they once ran
// in the waiter's session: its database, its client id).
func TestServingKeepsPusherSession(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	waiterS, pusher := e.NewSession(ConnInfo{}, false), e.NewSession(ConnInfo{}, false)
	execOne(t, e, waiterS, "SELECT", "3")
	blocked := make(chan []Reply)
	go func() { blocked <- execReplies(e, waiterS, "BLPOP", "l", "0") }()
	waitFor(t, "BLPOP blocks", func() bool { return e.BlockedClients() == 1 })
	execOne(t, e, pusher, "SELECT", "3")
	execOne(t, e, pusher, "RPUSH", "l", "a")
	if r := <-blocked; len(r) != 1 || render(r[0]) != "*[$l, $a]" {
		t.Fatalf("BLPOP served: %v", r)
	}
	execOne(t, e, pusher, "SELECT", "0")
	if got, want := render(execOne(t, e, pusher, "CLIENT", "ID")), fmt.Sprintf(":%d", pusher.ID()); got != want {
		t.Errorf("CLIENT ID after serving: %s, want %s", got, want)
	}
	if _, err := e.IncrBy(pusher, "n", 1); err != "" {
		t.Fatal(err)
	}
	if got := render(execOne(t, e, pusher, "GET", "n")); got != "$1" {
		t.Errorf("typed INCR after serving went to another database: GET n = %s in the pusher's", got)
	}
}
