package engine

import (
	"testing"
	"unsafe"
)

// The entry must fit the 48-byte size class: at 64 bytes a million keys
// take 16 MB more.
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n > 48 {
		t.Fatalf("entry is %d bytes, want at most 48", n)
	}
}

// The room APPEND leaves a string (marked by obj) lasts through appends
// that fit it and goes when a write stores new bytes, with val and kvSize
// agreeing with it throughout.
func TestEntryAppendRoom(t *testing.T) {
	h := newHarness(t)
	look := func(wantVal string, wantCap int, wantRoom bool) {
		t.Helper()
		h.e.ks.lockAll()
		defer h.e.ks.unlockAll()
		c := &Ctx{e: h.e, s: h.s, db: h.s.DB()}
		e := c.lookup([]byte("k"))
		v := e.val()
		if string(v) != wantVal || cap(v) != wantCap || (e.obj != nil) != wantRoom || e.kvSize() != int64(1+wantCap) {
			t.Fatalf("value %q cap %d room %v kvSize %d, want %q cap %d room %v",
				v, cap(v), e.obj != nil, e.kvSize(), wantVal, wantCap, wantRoom)
		}
	}
	for _, step := range []struct {
		cmd, reply, val string
		size            int // the allocation holds the 1-byte key and a value of up to size-1 bytes
		room            bool
	}{
		{"set k 0123456789", "+OK", "0123456789", 1 + 10, false},
		// APPEND past the room makes room for twice the length...
		{"append k 0123456789", ":20", "01234567890123456789", 1 + 40, true},
		// ...which the next APPEND uses in place.
		{"append k x", ":21", "01234567890123456789x", 1 + 40, true},
		// RENAME moves the value into an allocation sized for its length.
		{"rename k k2", "+OK", "", 0, false},
		{"rename k2 k", "+OK", "01234567890123456789x", 1 + 21, false},
		{"append k 0123456789", ":31", "01234567890123456789x0123456789", 1 + 62, true},
		// A write storing new bytes drops the room.
		{"set k v", "+OK", "v", 1 + 1, false},
		{"set k 01234567890123456789", "+OK", "01234567890123456789", 1 + 20, false},
	} {
		h.check(step.cmd, step.reply)
		if step.size > 0 {
			look(step.val, allocSize(step.size)-1, step.room)
		}
	}
}
