package engine

import (
	"hash/maphash"
	"strconv"
	"testing"
)

func newTestEntry(seed maphash.Seed, key string) *entry {
	e := &entry{hash: keyHash(maphash.String(seed, key)), ttlIdx: -1, klen: uint32(len(key))}
	kv, n := newKV([]byte(key), 0)
	e.setKV(kv, n, 0)
	return e
}

// scanAll runs a full SCAN-style iteration, calling between(step) after each
// step so the test can mutate the table mid-iteration.
func scanAll(d *dict, between func(step int)) map[string]int {
	seen := map[string]int{}
	var c uint64
	for step := 0; ; step++ {
		c = d.scan(c, func(e *entry) { seen[e.key()]++ })
		if c == 0 {
			return seen
		}
		between(step)
	}
}

// Every key present for the whole iteration is returned at least once, even
// when the table grows and shrinks between steps (Redis's SCAN guarantee).
func TestDictScanGuaranteeAcrossResizes(t *testing.T) {
	seed := maphash.MakeSeed()
	for _, tc := range []struct {
		name   string
		mutate func(d *dict, step int)
	}{
		{"grow", func(d *dict, step int) {
			if step >= 20 {
				return // growth without end would outrun any cursor, in Redis too
			}
			for i := 0; i < 500; i++ {
				d.insert(newTestEntry(seed, "extra:"+strconv.Itoa(step)+":"+strconv.Itoa(i)))
			}
		}},
		{"shrink", func(d *dict, step int) {
			var victims []*entry
			d.each(func(e *entry) {
				if len(victims) < 40 && e.key()[0] == 't' {
					victims = append(victims, e)
				}
			})
			for _, e := range victims {
				d.remove(e)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &dict{}
			stable := map[string]bool{}
			for i := 0; i < 2000; i++ {
				k := "stable:" + strconv.Itoa(i)
				d.insert(newTestEntry(seed, k))
				stable[k] = true
				d.insert(newTestEntry(seed, "temp:"+strconv.Itoa(i)))
			}
			seen := scanAll(d, func(step int) { tc.mutate(d, step) })
			for k := range stable {
				if seen[k] == 0 {
					t.Fatalf("key %s present throughout was never returned", k)
				}
			}
		})
	}
}

func TestDictInsertFindRemoveAndTTLList(t *testing.T) {
	seed := maphash.MakeSeed()
	d := &dict{}
	var es []*entry
	for i := 0; i < 1000; i++ {
		e := newTestEntry(seed, strconv.Itoa(i))
		d.insert(e)
		if i%3 == 0 {
			d.setExpire(e, int64(i+1))
		}
		es = append(es, e)
	}
	if d.count != 1000 || len(d.ttl) != 334 {
		t.Fatalf("count %d ttl %d, want 1000 and 334", d.count, len(d.ttl))
	}
	for _, e := range es {
		if got := d.find(maphash.String(seed, e.key()), e.keyBytes()); got != e {
			t.Fatalf("find(%s) = %v", e.key(), got)
		}
	}
	for _, e := range es[:900] {
		d.remove(e)
	}
	if d.count != 100 || d.size() >= 1024 {
		t.Fatalf("after removals: count %d, %d buckets (table should shrink)", d.count, d.size())
	}
	for i, slot := range d.ttl {
		if int(slot.e.ttlIdx) != i || slot.at == 0 || d.expireOf(slot.e) != slot.at {
			t.Fatalf("ttl list corrupt at %d", i)
		}
	}
	d.setExpire(es[950], 0)
	d.setExpire(es[951], 5)
	if es[950].ttlIdx >= 0 || es[951].ttlIdx < 0 {
		t.Fatal("setExpire did not keep the TTL list current")
	}
	if d.find(maphash.String(seed, es[0].key()), es[0].keyBytes()) != nil {
		t.Fatal("removed key still found")
	}
}

// random must return only live entries and reach all of them.
func TestDictRandomCoversAllEntries(t *testing.T) {
	seed := maphash.MakeSeed()
	d := &dict{}
	for i := 0; i < 20; i++ {
		d.insert(newTestEntry(seed, strconv.Itoa(i)))
	}
	seen := map[string]bool{}
	for i := 0; i < 5000; i++ {
		seen[d.random().key()] = true
	}
	if len(seen) != 20 {
		t.Fatalf("random reached %d of 20 keys", len(seen))
	}
	if (&dict{}).random() != nil {
		t.Fatal("random on empty dict returned an entry")
	}
}
