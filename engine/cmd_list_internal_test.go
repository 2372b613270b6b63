package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
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
	l := &list{}
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
