package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Internal tests of the list family: the deque against a naive slice model,
// its growth and shrinking, and what the differential tests cannot pin down
// (TTLs on the test clock, big lists, encodings).

// checkList compares l with the model, element by element, and checks the
// ring buffer's invariants.
func checkList(t *testing.T, step string, l *list, model []string) {
	t.Helper()
	if l.len() != len(model) {
		t.Fatalf("%s: len %d, model %d", step, l.len(), len(model))
	}
	for i, v := range model {
		if got := l.at(i); got != v {
			t.Fatalf("%s: at(%d) = %q, model %q", step, i, got, v)
		}
	}
	c := len(l.buf)
	if c != 0 && c&(c-1) != 0 {
		t.Fatalf("%s: capacity %d is not a power of two", step, c)
	}
	if c > listMinCap && l.n <= c/4 {
		t.Fatalf("%s: capacity %d for %d elements was not shrunk", step, c, l.n)
	}
	// Slots outside the elements are cleared, so popped strings can be collected.
	for j := l.n; j < c; j++ {
		if s := l.buf[l.slot(j)]; s != "" {
			t.Fatalf("%s: free slot %d holds %q", step, j, s)
		}
	}
}

func TestListDequeModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l := newList()
	var model []string
	val := func() string { return strconv.Itoa(rng.IntN(8)) } // few values: LREM/index find matches
	for step := 0; step < 20000; step++ {
		var name string
		// Bias towards growth in the first half and shrinking in the second,
		// so the buffer doubles and halves many times.
		grow := step%4000 < 2000
		switch op := rng.IntN(10); {
		case op < 3 && (grow || rng.IntN(3) == 0):
			v := val()
			if rng.IntN(2) == 0 {
				name = "pushFront " + v
				l.push(v, listHead)
				model = append([]string{v}, model...)
			} else {
				name = "pushBack " + v
				l.push(v, listTail)
				model = append(model, v)
			}
		case op < 5 && len(model) > 0:
			if rng.IntN(2) == 0 {
				name = "popFront"
				if got := l.pop(listHead); got != model[0] {
					t.Fatalf("step %d: pop head %q, model %q", step, got, model[0])
				}
				model = model[1:]
			} else {
				name = "popBack"
				if got := l.pop(listTail); got != model[len(model)-1] {
					t.Fatalf("step %d: pop tail %q, model %q", step, got, model[len(model)-1])
				}
				model = model[:len(model)-1]
			}
		case op == 5:
			i, v := rng.IntN(len(model)+1), val()
			name = fmt.Sprintf("insert %d %s", i, v)
			l.insert(i, v)
			model = slices.Insert(model, i, v)
		case op == 6 && len(model) > 0:
			start := rng.IntN(len(model))
			count := rng.IntN(min(len(model)-start, 1+len(model)/3) + 1)
			name = fmt.Sprintf("removeRange %d %d", start, count)
			l.removeRange(start, count)
			model = slices.Delete(model, start, start+count)
		case op == 7:
			v, limit, fromTail := val(), rng.IntN(3), rng.IntN(2) == 0
			name = fmt.Sprintf("removeEqual %s %d %v", v, limit, fromTail)
			got := l.removeEqual(v, limit, fromTail)
			want := 0
			if fromTail {
				slices.Reverse(model)
			}
			model = slices.DeleteFunc(model, func(s string) bool {
				if s == v && (limit == 0 || want < limit) {
					want++
					return true
				}
				return false
			})
			if fromTail {
				slices.Reverse(model)
			}
			if got != want {
				t.Fatalf("step %d: %s removed %d, model %d", step, name, got, want)
			}
		case op == 8 && len(model) > 0:
			i, v := rng.IntN(len(model)), val()
			name = fmt.Sprintf("set %d %s", i, v)
			l.set(i, v)
			model[i] = v
		default:
			v := val()
			name = "index " + v
			if got, want := l.index(v), slices.Index(model, v); got != want {
				t.Fatalf("step %d: index(%s) = %d, model %d", step, v, got, want)
			}
		}
		checkList(t, fmt.Sprintf("step %d (%s)", step, name), l, model)
	}
}

func TestListGrowShrink(t *testing.T) {
	l := &list{}
	for i := 0; i < 1000; i++ {
		l.push(strconv.Itoa(i), listTail)
	}
	if len(l.buf) != 1024 {
		t.Fatalf("capacity %d for 1000 elements, want 1024", len(l.buf))
	}
	for i := 0; i < 990; i++ {
		if got := l.pop(listHead); got != strconv.Itoa(i) {
			t.Fatalf("pop %d: %q", i, got)
		}
	}
	// 10 elements left: the buffer halved down to 32 (10 > 32/4).
	if len(l.buf) != 32 {
		t.Fatalf("capacity %d after popping to 10 elements, want 32", len(l.buf))
	}
	checkList(t, "after pops", l, []string{"990", "991", "992", "993", "994", "995", "996", "997", "998", "999"})

	// Wrapping around the end of the buffer from both sides.
	l = &list{}
	var model []string
	for i := 0; i < 3; i++ {
		l.push("t"+strconv.Itoa(i), listTail)
		l.push("h"+strconv.Itoa(i), listHead)
		model = append(append([]string{"h" + strconv.Itoa(i)}, model...), "t"+strconv.Itoa(i))
	}
	checkList(t, "wrapped", l, model)
	c := l.clone().(*list)
	l.set(0, "changed")
	checkList(t, "clone is independent", c, model)
}

// TestListTTLSurvives: pushes, pops and in-place edits keep the key's TTL;
// a list emptied and pushed again is a new key without one.
func TestListTTLSurvives(t *testing.T) {
	h := newHarness(t)
	h.script(
		"rpush l a b c d e f", ":6",
		"pexpire l 10000", ":1",
	)
	for _, cmd := range []string{
		"lpush l x", "rpush l y", "lpushx l z", "rpushx l w", "lpop l", "rpop l", "lpop l 1", "rpop l 1",
		"lset l 0 q", "linsert l before q p", "lrem l 1 p", "ltrim l 0 -1", "lmove l l left right",
		"rpoplpush l l", "lmpop 1 l left", "lmove l other right left",
	} {
		h.clock.advance(100 * time.Millisecond)
		h.do(splitArgs(cmd)...)
		if got := h.do("pttl", "l"); got != fmt.Sprintf(":%d", 10000-h.nowMs()+t0) {
			t.Fatalf("after %s: pttl %s", cmd, got)
		}
	}
	h.script(
		"pttl other", ":-1",
		"del l", ":1",
		"rpush l a", ":1",
		"pexpire l 1000", ":1",
		"lpop l", "$a",
		"exists l", ":0",
		"rpush l b", ":1",
		"pttl l", ":-1",
	)
	// An expired list is gone for every list command.
	h.script("rpush e a b", ":2", "pexpire e 10", ":1")
	h.clock.advance(11 * time.Millisecond)
	h.script(
		"llen e", ":0",
		"lrange e 0 -1", "*[]",
		"lpushx e x", ":0",
		"lmove e f left left", "_",
		"exists e f", ":0",
	)
}

func TestListEncodingAndTypes(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("v", 10000)
	h.script(
		"rpush l a", ":1",
		"object encoding l", "$quicklist",
		"rpush l "+long, ":2",
		"object encoding l", "$quicklist",
		"type l", "+list",
		"copy l c", ":1",
		"lset c 0 changed", "+OK",
		"lrange l 0 0", "*[$a]",
		"lrange c 0 0", "*[$changed]",
		"object encoding c", "$quicklist",
	)
	// addTyped lists are real one-element lists.
	h.addTyped("t", typeList)
	h.script("llen t", ":1", "lpop t", "$x", "exists t", ":0")
}

// TestListBig runs the commands that must not be quadratic on a big list and
// checks their results against a model.
func TestListBig(t *testing.T) {
	h := newHarness(t)
	const n = 100000
	args := []string{"rpush", "l"}
	var model []string
	for i := 0; i < n; i++ {
		v := strconv.Itoa(i % 10)
		args = append(args, v)
		model = append(model, v)
	}
	if got := h.do(args...); got != fmt.Sprintf(":%d", n) {
		t.Fatalf("rpush: %s", got)
	}
	h.script("lindex l 54321", "$1", "lindex l -1", "$9", "lindex l -100001", "_")

	h.check("lrem l 0 3", fmt.Sprintf(":%d", n/10))
	model = slices.DeleteFunc(model, func(s string) bool { return s == "3" })
	h.check("lrem l -5 9", ":5")
	for k, i := 0, len(model)-1; k < 5; i-- {
		if model[i] == "9" {
			model = slices.Delete(model, i, i+1)
			k++
		}
	}
	seven := slices.Index(model, "7")
	model = slices.Insert(model, seven, "new")
	h.check("linsert l before 7 new", fmt.Sprintf(":%d", len(model)))
	h.check("lindex l "+strconv.Itoa(seven), "$new")
	last9 := len(model) - 1
	for model[last9] != "9" {
		last9--
	}
	h.check("lpos l 9 rank -1", fmt.Sprintf(":%d", last9))
	h.check("ltrim l 1000 -1000", "+OK")
	model = model[1000 : len(model)-999]
	h.check("lrange l 0 -1", renderStrings(model))
	h.check("lpop l 100000000", renderStrings(model))
	h.check("exists l", ":0")
}

// renderStrings renders an array of bulk strings as render does.
func renderStrings(s []string) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = "$" + v
	}
	return "*[" + strings.Join(parts, ", ") + "]"
}
