package engine

import (
	"sync/atomic"
	"unsafe"
)

// Optimistic reads: GET, typed or through Exec, reads a string without
// taking its shard's lock, as a seqlock reader. Taking any lock writes its
// cache line, which then moves between cores on about every other read when
// two goroutines read at once; a read that only loads leaves the lines
// shared in both cores' caches, so reads scale with cores.
//
// The shard's seq is odd while the shard is locked (shard.lock), and every
// change to the shard's data happens inside the lock. getOptimistic loads
// seq, reads the entry's fields, and loads seq again: if it is unchanged and
// even, no writer ran in between and the fields belong together. Only then
// does it follow the pointer and lengths it read. Until then it only follows
// pointers (a bucket, an entry's next), each a single word that always holds
// an entry or nil, so a concurrent write can lead it astray but never out of
// the heap; a chain longer than any real one ends the attempt.
//
// The value's bytes are safe to return without the lock: a string's bytes
// are never modified once read. The read clears flagFresh itself, with a
// compare-and-swap checked by seq like the loads, so a later write to the
// key stores new bytes.
//
// Whatever the optimistic read cannot settle exactly as the locked GET would
// goes to the locked path: a miss (counted, maybe a keymiss event), a key
// whose TTL has passed (the lock deletes it), an access that must update the
// LRU time or LFU counter, or a writer in the way. Under the race detector,
// which would report the loads racing with the writes they are checked
// against, every GET takes the lock (raceBuild).

// maxOptimisticChain bounds an optimistic chain walk: chains are about one
// entry long (the load factor is at most 1), so a longer one means a
// concurrent resize led the walk astray.
const maxOptimisticChain = 16

// The loads of an entry's type and flags read the 32-bit word that starts
// at typ; it must be aligned and hold flags too.
var _ [0]struct{} = [unsafe.Offsetof(entry{}.typ) % 4]struct{}{}
var _ [0]struct{} = [unsafe.Offsetof(entry{}.flags) - unsafe.Offsetof(entry{}.typ) - 1]struct{}{}
var _ [0]struct{} = [unsafe.Sizeof(entry{}) - unsafe.Offsetof(entry{}.typ) - 4]struct{}{}

// getOptimistic is GET of key (hash h) for s without the shard lock. ok is
// false when it cannot answer and the locked GET must.
func (e *Engine) getOptimistic(s *Session, key []byte, h uint64) (val string, ok bool) {
	if raceBuild {
		return "", false
	}
	sh := &e.ks.shards[e.ks.shardOf(h)]
	seq := sh.seq.load()
	if seq&1 != 0 {
		return "", false
	}
	d := &sh.dbs[s.DB()]
	t := (*buckets)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&d.tab))))
	if t == nil {
		return "", false
	}
	kh := keyHash(h)
	en := loadEntry(&t.b[h>>t.shift])
	for n := 0; en != nil && n < maxOptimisticChain; n, en = n+1, loadEntry(&en.next) {
		if atomic.LoadUint32(&en.hash) != kh {
			continue
		}
		kv := atomic.LoadPointer(&en.kv)
		klen, vlen := atomic.LoadUint32(&en.klen), atomic.LoadUint32(&en.vlen)
		ttlIdx, access := atomic.LoadInt32(&en.ttlIdx), atomic.LoadUint32(&en.access)
		w := atomic.LoadUint32((*uint32)(unsafe.Pointer(&en.typ)))
		ttls, nttl := loadSlice(&d.ttl)
		if testHookOptimistic != nil {
			testHookOptimistic()
		}
		if sh.seq.load() != seq {
			return "", false
		}
		// The fields above belong together: kv holds klen key bytes, and
		// ttls is an array of at least nttl slots.
		if unsafe.String((*byte)(kv), klen) != string(key) {
			continue
		}
		b := (*[4]byte)(unsafe.Pointer(&w))
		if valueType(b[0]) != typeString || !e.accessRecorded(s, access) {
			return "", false
		}
		if ttlIdx >= 0 {
			if int(ttlIdx) >= nttl {
				return "", false
			}
			slot := (*ttlSlot)(unsafe.Add(ttls, uintptr(ttlIdx)*unsafe.Sizeof(ttlSlot{})))
			if e.expiredOptimistic(sh, seq, en, slot) {
				return "", false
			}
		}
		if flags := entryFlags(b[1]); flags&flagFresh != 0 {
			// The value is about to be handed out: clear flagFresh, as
			// val does, with a compare-and-swap of the word the flags are
			// in. A writer that ran meanwhile changes seq: checked again.
			cleared := w
			(*[4]byte)(unsafe.Pointer(&cleared))[1] = byte(flags &^ flagFresh)
			word := (*uint32)(unsafe.Pointer(&en.typ))
			if !atomic.CompareAndSwapUint32(word, w, cleared) || sh.seq.load() != seq {
				return "", false
			}
		}
		if vlen > 0 {
			val = unsafe.String((*byte)(unsafe.Add(kv, klen)), vlen)
		}
		s.stats.hits.Add(1)
		s.stats.cmds.Add(1)
		s.touch(e.coarseMs())
		return val, true
	}
	return "", false
}

// expiredOptimistic reports whether en, whose TTL is in slot, may have
// expired (Redis's keyIsExpired: a key lives through the millisecond of its
// expiry), or whether a write since seq leaves the slot's content in doubt:
// the locked path then decides, and deletes the key if it expired. The slot
// is in bounds of its array, checked under seq, so loading it is safe even
// if a writer changes it meanwhile; seq is checked again after.
func (e *Engine) expiredOptimistic(sh *shard, seq uint64, en *entry, slot *ttlSlot) bool {
	owner := loadEntry(&slot.e)
	at := atomic.LoadInt64(&slot.at)
	return sh.seq.load() != seq || owner != en || at < e.nowMs()
}

// loadSlice loads a slice's array pointer and length, one word each.
func loadSlice[T any](s *[]T) (unsafe.Pointer, int) {
	h := (*[2]uintptr)(unsafe.Pointer(s))
	return atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(&h[0]))), int(atomic.LoadUintptr(&h[1]))
}

// getExec answers a GET command of key for s without the shard lock when
// getOptimistic can, doing what call does after a command; false means the
// dispatcher must run it. hint is the dispatcher's hash of key (none for
// an empty key).
func (e *Engine) getExec(s *Session, key []byte, hint keyHint, w ReplyWriter) bool {
	h := hint.h
	if hint.p == nil {
		h = e.ks.hash(key)
	}
	val, ok := e.getOptimistic(s, key, h)
	if !ok {
		return false
	}
	writeStored(w, unsafeBytes(val))
	if cmd := e.typed.get; s.lastCmd.Load() != cmd {
		s.lastCmd.Store(cmd)
	}
	return true
}

// accessRecorded reports whether a read by s of an entry whose access field
// holds access would leave it unchanged: the read records no access (CLIENT
// NO-TOUCH), or the LRU time is already the current one. An LFU counter
// changes on reads, so it is never the case under an LFU policy.
func (e *Engine) accessRecorded(s *Session, access uint32) bool {
	if e.conf().policy.lfu() {
		return false
	}
	return s.flags.noTouch || access == e.lruClock()
}

// testHookOptimistic, when set by a test, runs between an optimistic read's
// loads and its check of seq: where a concurrent write would fall.
var testHookOptimistic func()

// loadEntry loads the entry pointer at p as one word.
func loadEntry(p **entry) *entry {
	return (*entry)(atomic.LoadPointer((*unsafe.Pointer)(unsafe.Pointer(p))))
}
