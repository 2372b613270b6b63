package engine

import (
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// valueType is the Redis type of a key's value, as TYPE reports it.
type valueType uint8

const (
	typeString valueType = iota + 1
	typeList
	typeSet
	typeZSet
	typeHash
)

var typeNames = [...]string{"none", "string", "list", "set", "zset", "hash"}

func (t valueType) String() string { return typeNames[t] }

// object is what every aggregate value (hash, set, sorted set, list) held by
// an entry implements.
type object interface {
	// clone returns a deep copy (COPY).
	clone() any
	// encoding is the name OBJECT ENCODING reports: the encoding Redis would
	// use for this value given the writes it has seen (Redis converts small
	// encodings to big ones when a write crosses a threshold, never back).
	encoding() string
}

// entry is one key of the keyspace: 48 bytes (one Go size class), plus one
// allocation holding the key's bytes followed, for strings, by the value's.
// Aggregate types keep their value in obj. The expiry time lives in the
// dict's TTL list (ttlIdx), so keys without one do not pay for it.
//
// String values are never modified below their length once handed out:
// APPEND writes only past the old length and every other write stores new
// bytes, or overwrites bytes nobody has seen (flagFresh). That lets the
// in-process API hand out the stored bytes without a copy.
type entry struct {
	next *entry
	kv   unsafe.Pointer // key bytes, then the string value's
	// obj is the value of an aggregate, of the type typ says (hold, value).
	// For a string it is nil, or points at the last byte of the value's room
	// when APPEND left more room than newKV gives the value's length (valCap).
	obj    unsafe.Pointer
	hash   uint32 // the top half of the key's hash (dictHash)
	klen   uint32
	vlen   uint32
	ttlIdx int32  // position in dict.ttl, or -1
	access uint32 // engine clock in seconds at the last access (OBJECT IDLETIME)
	typ    valueType
	flags  entryFlags
}

// entryFlags say how OBJECT ENCODING reports a string.
type entryFlags uint8

const (
	// flagRaw: modified in place (APPEND, SETRANGE): "raw".
	flagRaw entryFlags = 1 << iota
	// flagNotInt: stored as a string object even if it reads as an
	// integer (an INCRBYFLOAT result): "embstr", never "int".
	flagNotInt
	// flagGone: removed from the keyspace (the accounting skips it).
	flagGone
	// flagFresh: nothing has read the string value's bytes since they were
	// stored (val clears it), so the next write may overwrite them in place
	// (storeValue): a rate limiter's counter allocates once, not per request.
	flagFresh
)

// entrySize is what an entry costs besides its key and value bytes: the
// struct and its share of a bucket array.
const entrySize = 48 + 8

// keyHash is the part of a key's hash an entry keeps: its top half, all a
// dict's bucket index uses while the dict has at most 2^32 buckets.
func keyHash(h uint64) uint32 { return uint32(h >> 32) }

// dictHash is the entry's hash as a dict indexes it: the key's hash with
// its low half (which chooses the shard) zeroed.
func (e *entry) dictHash() uint64 { return uint64(e.hash) << 32 }

// key is the entry's key; it shares the entry's bytes.
func (e *entry) key() string { return unsafe.String((*byte)(e.kv), int(e.klen)) }

// keyBytes is key as bytes, which must not be modified.
func (e *entry) keyBytes() []byte { return unsafe.Slice((*byte)(e.kv), int(e.klen)) }

// val is a string entry's value, with its spare capacity: bytes below its
// length must not be modified (see entry). The caller may keep them, so
// val ends flagFresh.
func (e *entry) val() []byte {
	if e.flags&flagFresh != 0 {
		e.flags &^= flagFresh
	}
	return e.peek()
}

// peek is val for a caller that does not keep the bytes: it leaves
// flagFresh.
func (e *entry) peek() []byte {
	n := e.valCap()
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(e.kv, e.klen)), n)[:e.vlen]
}

// valCap is the room for the value after the key: what newKV gave the
// value's length, unless obj marks the end of a larger room.
func (e *entry) valCap() int {
	if e.typ == typeString && e.obj != nil {
		return int(uintptr(e.obj)-uintptr(e.kv)) + 1 - int(e.klen)
	}
	return allocSize(int(e.klen)+int(e.vlen)) - int(e.klen)
}

// setKV gives e the key/value buffer kv from newKV, with room for n value
// bytes, and its value's length vlen; a string whose room exceeds what its
// length implies records the room's end in obj.
func (e *entry) setKV(kv unsafe.Pointer, n, vlen int) {
	e.kv, e.vlen = kv, uint32(vlen)
	if e.typ != typeString {
		return
	}
	e.obj = nil
	if n > allocSize(int(e.klen)+vlen)-int(e.klen) {
		e.obj = unsafe.Add(kv, int(e.klen)+n-1)
	}
}

// setLen sets the string value's length to n, within its room.
func (e *entry) setLen(n int) { e.setKV(e.kv, e.valCap(), n) }

// newKV allocates room for key then n value bytes, rounded up to the
// allocator's size class (the rounding becomes value capacity), and copies
// key in. It returns the buffer and the value's capacity.
func newKV(key []byte, n int) (unsafe.Pointer, int) {
	size := allocSize(len(key) + n)
	if size == 0 {
		return nil, 0
	}
	b := make([]byte, size)
	copy(b, key)
	return unsafe.Pointer(unsafe.SliceData(b)), size - len(key)
}

// allocSize is n rounded up to the Go allocator's size class (what an
// allocation of n bytes really takes), from a table probed at start-up for
// the small sizes; beyond it, n itself.
func allocSize(n int) int {
	if n < len(sizeClasses) {
		return int(sizeClasses[n])
	}
	return n
}

var sizeClasses = func() (t [1025]uint16) {
	for n := 1; n < len(t); n++ {
		// growslice rounds a new slice's capacity up to its size class.
		t[n] = uint16(cap(slices.Grow([]byte(nil), n)))
	}
	return t
}()

// kvSize is the bytes allocated for the entry's key and string value.
func (e *entry) kvSize() int64 { return int64(e.klen) + int64(e.valCap()) }

// value is e's aggregate value as its concrete type, nil for a string.
func (e *entry) value() any {
	if e.obj == nil {
		return nil
	}
	switch e.typ {
	case typeList:
		return (*list)(e.obj)
	case typeSet:
		return (*setValue)(e.obj)
	case typeZSet:
		return (*zset)(e.obj)
	case typeHash:
		return (*hashObj)(e.obj)
	}
	return nil
}

// hold makes v e's value and sets typ to its type: v is a *list, *setValue,
// *zset or *hashObj, or nil for a string about to be stored.
func (e *entry) hold(v any) {
	switch v := v.(type) {
	case nil:
		e.typ, e.obj = typeString, nil
	case *list:
		e.typ, e.obj = typeList, unsafe.Pointer(v)
	case *setValue:
		e.typ, e.obj = typeSet, unsafe.Pointer(v)
	case *zset:
		e.typ, e.obj = typeZSet, unsafe.Pointer(v)
	case *hashObj:
		e.typ, e.obj = typeHash, unsafe.Pointer(v)
	default:
		panic("engine: not a value type")
	}
}

// objOf is obj, which must hold a value of type t: a mismatch panics as the
// type assertion of an interface would, rather than misreading memory.
func (e *entry) objOf(t valueType) unsafe.Pointer {
	if e.typ != t {
		panic("engine: " + t.String() + " value expected, key holds a " + e.typ.String())
	}
	return e.obj
}

func (e *entry) listVal() *list    { return (*list)(e.objOf(typeList)) }
func (e *entry) setVal() *setValue { return (*setValue)(e.objOf(typeSet)) }
func (e *entry) zsetVal() *zset    { return (*zset)(e.objOf(typeZSet)) }
func (e *entry) hashVal() *hashObj { return (*hashObj)(e.objOf(typeHash)) }

// shard is one lock's worth of the keyspace: the same key maps to the same
// shard in every database, so MOVE and COPY ... DB touch a single shard.
type shard struct {
	// mu is taken through lock, unlock and tryLock only: they keep seq.
	mu sync.Mutex
	// seq is odd while the shard is locked and even otherwise, so a reader
	// that sees it even and unchanged before and after reading the shard's
	// data without the lock saw no write in between (a seqlock: optimistic.go).
	seq seqCounter
	dbs []dict
	// counters maintained under mu and summed by INFO; cmds counts the
	// typed calls, which hold this lock anyway (a session's own counter
	// would cost them an atomic add each)
	hits, misses, expired, cmds int64
	// memPending is accounted bytes not yet added to the engine total
	// (memory.go); each dict keeps its own exact count.
	memPending atomic.Int64
	watch      watchers // WATCHed keys of this shard (multi.go)
	_          [64]byte // keep neighbouring shards' locks off one cache line
}

// keyspace is every database's keys, spread over shards by a seeded hash
// (seeded so that clients cannot flood one bucket with chosen keys).
type keyspace struct {
	seed   maphash.Seed
	shards []shard
	mask   uint64
}

func newKeyspace(nshards, ndbs int) *keyspace {
	ks := &keyspace{seed: maphash.MakeSeed(), shards: make([]shard, nshards), mask: uint64(nshards - 1)}
	for i := range ks.shards {
		ks.shards[i].dbs = make([]dict, ndbs)
	}
	return ks
}

func (ks *keyspace) hash(key []byte) uint64 { return maphash.Bytes(ks.seed, key) }

// shardOf maps a hash to its shard; the bucket index inside a dict uses the
// hash's upper bits so that shard and bucket choice stay independent.
func (ks *keyspace) shardOf(h uint64) int { return int(h & ks.mask) }

// lock takes the shard's lock and makes seq odd: everything that changes
// the shard's data does so inside lock and unlock.
func (sh *shard) lock() {
	sh.mu.Lock()
	sh.seq.bump()
}

// tryLock is lock if the lock is free, reporting whether it took it.
func (sh *shard) tryLock() bool {
	if !sh.mu.TryLock() {
		return false
	}
	sh.seq.bump()
	return true
}

func (sh *shard) unlock() {
	sh.seq.bump()
	sh.mu.Unlock()
}

// lockAll locks every shard in index order (the global lock order).
func (ks *keyspace) lockAll() {
	for i := range ks.shards {
		ks.shards[i].lock()
	}
}

func (ks *keyspace) unlockAll() {
	for i := range ks.shards {
		ks.shards[i].unlock()
	}
}
