// Package protocol implements RESP, the Redis serialization protocol, for
// cachee: the server-side command reader, the reply writer and a client-side
// reply decoder.
//
// Reader parses client requests exactly as Redis 7.0 does (networking.c:
// processMultibulkBuffer, processInlineBuffer and sdssplitargs), including
// its limits, its quirks and the text of every protocol error, so that a
// client sees the same bytes from cachee as from redis-server. Writer encodes
// replies in RESP2 or RESP3, degrading RESP3-only types for RESP2 clients the
// way Redis does. ReadValue, ReadRaw and AppendCommand form the client side,
// used by tests, the differential oracle and the benchmark client.
//
// The server hot path does not allocate: Reader reuses one input buffer and
// one argument slice and returns arguments that alias the buffer; Writer and
// the Append* helpers append into a reused output buffer. Neither side sizes
// memory from lengths announced by the peer: a bulk declared as 500 MB costs
// memory only as its bytes actually arrive.
//
// This package imports nothing else from cachee.
package protocol
