package protocol

import "sync"

// bufferPool holds the 16 KB buffers that idle connections give back
// (Reader.Release, Writer.Release), so that thousands of idle clients do not
// each keep two of them, and a client waking up takes one without
// allocating.
var bufferPool = sync.Pool{New: func() any {
	b := make([]byte, 0, readChunk)
	return &b
}}

func getBuffer() []byte { return (*bufferPool.Get().(*[]byte))[:0] }

func putBuffer(b []byte) {
	b = b[:0]
	bufferPool.Put(&b)
}
