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
	// APPEND past the room makes room for twice the length.
	h.check("set k 0123456789", "+OK")
	look("0123456789", allocSize(1+10)-1, false)
	h.check("append k 0123456789", ":20")
	look("01234567890123456789", allocSize(1+40)-1, true)
	h.check("append k x", ":21")
	look("01234567890123456789x", allocSize(1+40)-1, true)
	// RENAME moves the value into an allocation sized for its length.
	h.check("rename k k2", "+OK")
	h.check("rename k2 k", "+OK")
	look("01234567890123456789x", allocSize(1+21)-1, false)
	h.check("append k 0123456789", ":31")
	look("01234567890123456789x0123456789", allocSize(1+62)-1, true)
	// A write storing new bytes drops the room.
	h.check("set k v", "+OK")
	look("v", allocSize(1+1)-1, false)
	h.check("set k 01234567890123456789", "+OK")
	look("01234567890123456789", allocSize(1+20)-1, false)
}
