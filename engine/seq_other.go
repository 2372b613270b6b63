//go:build !amd64

package engine

import "sync/atomic"

// seqCounter is a shard's seq (optimistic.go). Elsewhere than on amd64
// (seq_amd64.go) the bump is atomic, so that on weakly ordered processors
// the writes it covers are not seen before the odd seq nor after the even
// one.
type seqCounter struct{ v atomic.Uint64 }

func (c *seqCounter) bump()        { c.v.Add(1) }
func (c *seqCounter) load() uint64 { return c.v.Load() }
