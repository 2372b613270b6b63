package protocol

import "sync"

// bufferPool holds the 16 KB buffers that idle connections give back
// (Reader.Release, Writer.Release), so that thousands of idle clients do not
// each keep two of them, and a client waking up takes one without
// allocating. It holds array pointers: putting a slice would allocate.
var bufferPool = sync.Pool{New: func() any { return new([readChunk]byte) }}

func getBuffer() []byte { return bufferPool.Get().(*[readChunk]byte)[:0] }

// putBuffer pools b, which must have a capacity of readChunk.
func putBuffer(b []byte) { bufferPool.Put((*[readChunk]byte)(b[:readChunk])) }
