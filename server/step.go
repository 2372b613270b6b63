package server

import (
	"time"

	"github.com/cachee/cachee/protocol"
)

// The raw-I/O connection loop (Linux TCP and Unix sockets).
//
// loop waits for a request with RawConn.Read, and every RawConn.Read begins
// by resetting what the runtime's poller knows of the socket's readiness. A
// request that arrived since the last read is then only found by a system
// call: one more per request than reading and writing (a peek that mostly
// answers EAGAIN). loopRaw instead serves the connection inside a single
// RawConn.Read callback, step, for as long as it can: step reads, runs the
// commands, writes the replies and, once a read has emptied the socket
// (a short read, drained), returns false, which parks the goroutine in the
// poller without that reset. Whatever arrives after the read that emptied
// the socket makes the poller report it readable, so no request is missed
// and a request costs a read and a write.
//
// Whatever must not happen while the socket's read lock is held leaves the
// callback: a command that may block (its block hook reads the socket from
// another goroutine) runs outside it, and deadlines (idle timeout, a pub/sub
// message's interrupt, buffer release, shutdown) end the wait with an error
// that loopRaw handles before it calls RawConn.Read again.

// loopRaw is loop for connections read through rawIO.
func (cn *conn) loopRaw() {
	in := &cn.in
	for {
		if in.fired {
			// A deadline has passed (or the block hook's stop set one):
			// RawConn.Read would fail at once. readyToWait sets the one
			// wanted now.
			_ = cn.c.SetReadDeadline(time.Time{})
			in.deadline, in.fired = time.Time{}, false
			if cn.s.shuttingDown() { // Shutdown's deadline may be the one replaced
				return
			}
		}
		in.stop, in.pending = false, nil
		err := in.raw.Read(cn.stepFn)
		switch {
		case in.stop:
			return
		case in.pending != nil:
			argv := in.pending
			in.pending = nil
			if !cn.run(argv) {
				return
			}
		case err == nil:
		case !isTimeout(err) || cn.s.shuttingDown():
			return
		case in.deadlinePassed():
			// A deadline ended the wait and the client has been idle past
			// the timeout. Any other deadline: the next step sets the one
			// it wants again, and answers a message's interrupt.
			return
		}
	}
}

// step is loopRaw's RawConn.Read callback: it serves the connection until
// it must wait (false) or leave the callback (true, with in.stop or
// in.pending set).
func (cn *conn) step(fd uintptr) bool {
	in, sess := &cn.in, cn.sess
	// Called anew after every wait: the socket may have bytes again.
	in.fd, in.drained, in.stepping = fd, false, true
	defer func() { in.stepping = false }()
	cn.w.Acquire()
	for {
		cn.refresh()
		cn.r.SetUnauthenticated(!sess.Authenticated())
		argv, err := cn.r.ReadCommand()
		switch {
		case err == protocol.ErrWouldBlock:
			// Read has sent the replies: nothing is left to run.
			if !cn.readyToWait() {
				continue
			}
			return in.stop
		case err != nil:
			cn.readFailed(err)
			in.stop = true
			return true
		case cn.s.e.MayBlock(argv):
			in.pending = argv
			return true
		case !cn.run(argv):
			in.stop = true
			return true
		}
	}
}

// readyToWait prepares the wait for the next request, as wait does: the
// deadline (armDeadline), the messages that arrived before that deadline
// could interrupt anything (false: they were written, look again), and the
// buffers given back. It sets in.stop when the connection must end instead.
func (cn *conn) readyToWait() bool {
	in := &cn.in
	in.big = in.bigBuffers()
	if !in.armDeadline() {
		in.stop = true
		return true
	}
	if cn.sess.PendingMessages() {
		cn.drain()
		if cn.flush() != nil {
			in.stop = true
			return true
		}
		return false
	}
	if !in.big {
		cn.r.Release()
		cn.w.Release()
	}
	return true
}
