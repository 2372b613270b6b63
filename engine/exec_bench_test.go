package engine

import (
	"strconv"
	"testing"
)

// nopWriter discards replies: benchmarks of the dispatcher alone.
type nopWriter struct{ discard }

func (nopWriter) Proto() int { return 2 }

func BenchmarkExecSet(b *testing.B) {
	e := New(Config{})
	e.Close() // no background expire cycle: Exec alone is measured
	s := e.NewSession(ConnInfo{}, false)
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	argv := [][]byte{[]byte("SET"), nil, []byte("value-of-sixteen")}
	var w ReplyWriter = nopWriter{}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		argv[1] = keys[i&1023]
		e.Exec(s, argv, w)
	}
}

func BenchmarkExecGet(b *testing.B) {
	e := New(Config{})
	e.Close() // no background expire cycle: Exec alone is measured
	s := e.NewSession(ConnInfo{}, false)
	e.Exec(s, [][]byte{[]byte("SET"), []byte("k"), []byte("v")}, nopWriter{})
	argv := [][]byte{[]byte("GET"), []byte("k")}
	var w ReplyWriter = nopWriter{}
	b.ReportAllocs()
	for b.Loop() {
		e.Exec(s, argv, w)
	}
}

func BenchmarkLookupCommand(b *testing.B) {
	e := New(Config{})
	defer e.Close()
	name := []byte("GET")
	for b.Loop() {
		e.table.Lookup(name)
	}
}

func BenchmarkKeyPositions(b *testing.B) {
	e := New(Config{})
	defer e.Close()
	cmd := e.table.Lookup([]byte("set"))
	argv := [][]byte{[]byte("SET"), []byte("k"), []byte("v")}
	dst := make([]int, 0, 8)
	for b.Loop() {
		dst, _ = cmd.Spec.KeyPositions(argv, dst[:0])
	}
}
