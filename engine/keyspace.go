package engine

import (
	"hash/maphash"
	"sync"
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

// object is what every aggregate value (hash, set, sorted set, list) stored
// in entry.obj implements.
type object interface {
	// clone returns a deep copy (COPY).
	clone() any
	// encoding is the name OBJECT ENCODING reports: the encoding Redis would
	// use for this value given the writes it has seen (Redis converts small
	// encodings to big ones when a write crosses a threshold, never back).
	encoding() string
}

// entry is one key of the keyspace. Strings live in str; aggregate types in obj.
//
// String values are never modified below their length once stored: APPEND
// writes only past the old length and SETRANGE copies. That lets the in-process
// API hand out the stored bytes without a copy.
type entry struct {
	key      string
	next     *entry
	hash     uint64
	expireAt int64 // unix milliseconds; 0 means no expiry
	ttlIdx   int32 // position in dict.ttl, or -1
	typ      valueType
	raw      bool   // string modified in place: OBJECT ENCODING reports "raw"
	access   uint32 // engine clock in seconds at the last access (OBJECT IDLETIME)
	str      []byte
	obj      any
}

// shard is one lock's worth of the keyspace: the same key maps to the same
// shard in every database, so MOVE and COPY ... DB touch a single shard.
type shard struct {
	mu  sync.Mutex
	dbs []dict
	// counters maintained under mu and summed by INFO
	hits, misses, expired int64
	watch                 watchers // WATCHed keys of this shard (multi.go)
	_                     [64]byte // keep neighbouring shards' locks off one cache line
}

// keyspace is every database's keys, spread over shards by a seeded hash
// (seeded so that clients cannot flood one bucket with chosen keys).
type keyspace struct {
	seed   maphash.Seed
	shards []shard
	mask   uint64
	bits   uint
}

func newKeyspace(nshards, ndbs int) *keyspace {
	ks := &keyspace{seed: maphash.MakeSeed(), shards: make([]shard, nshards), mask: uint64(nshards - 1)}
	for n := nshards; n > 1; n >>= 1 {
		ks.bits++
	}
	for i := range ks.shards {
		ks.shards[i].dbs = make([]dict, ndbs)
	}
	return ks
}

func (ks *keyspace) hash(key []byte) uint64 { return maphash.Bytes(ks.seed, key) }

// shardOf maps a hash to its shard; the bucket index inside a dict uses the
// hash's upper bits so that shard and bucket choice stay independent.
func (ks *keyspace) shardOf(h uint64) int { return int(h & ks.mask) }

// bucketHash is the part of h a dict indexes by.
func (ks *keyspace) bucketHash(h uint64) uint64 { return h >> ks.bits }

// lockAll locks every shard in index order (the global lock order).
func (ks *keyspace) lockAll() {
	for i := range ks.shards {
		ks.shards[i].mu.Lock()
	}
}

func (ks *keyspace) unlockAll() {
	for i := range ks.shards {
		ks.shards[i].mu.Unlock()
	}
}
