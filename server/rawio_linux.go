//go:build linux && !386

package server

import (
	"io"
	"syscall"
	"time"
	"unsafe"

	"github.com/cachee/cachee/protocol"
)

// Raw socket I/O for TCP and Unix-socket connections.
//
// A socket the network poller manages is non-blocking, so its read, write
// and MSG_PEEK|MSG_DONTWAIT receive return at once (EAGAIN when they would
// wait). They need not tell the scheduler that they may block, as
// syscall.Syscall does: its entersyscall wakes the runtime's monitor
// thread, which then polls every 20 µs, finds the Ps of connections in the
// middle of a write and hands them to other threads. Under redis-benchmark's
// 50 clients that monitor alone took 16 % of the server's CPU, and the
// hand-offs more in thread wake-ups (perf record -e cpu-clock). RawConn's
// Read and Write still park the goroutine in the poller when a call would
// block, and honour the deadlines.

// rawIO says the connections of this system read and write through rawRead
// and rawWrite.
const rawIO = true

// peekOne receives one byte without consuming it or waiting: EAGAIN when
// nothing is there.
func peekOne(fd uintptr) syscall.Errno {
	var b [1]byte
	_, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return e
}

// rawRW makes the read or write system call trap on fd with p, which is not
// empty, again as long as a signal interrupts it.
func rawRW(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		if e != syscall.EINTR {
			return int(n), e
		}
	}
}

// rawRead is RawConn.Read's callback for connReader.read: one read into
// r.rbuf, or false to wait for the socket to become readable.
func (r *connReader) rawRead(fd uintptr) bool {
	n, e := rawRW(syscall.SYS_READ, fd, r.rbuf)
	switch {
	case e == syscall.EAGAIN:
		return false
	case e != 0:
		r.rn, r.rerr = 0, e
	case n == 0:
		r.rn, r.rerr = 0, io.EOF
	default:
		r.rn, r.rerr = n, nil
	}
	return true
}

// rawWrite is RawConn.Write's callback for connOutput.write: it writes
// o.wbuf until all of it is gone, or returns false to wait for room.
func (o *connOutput) rawWrite(fd uintptr) bool {
	for len(o.wbuf) > 0 {
		n, e := rawRW(syscall.SYS_WRITE, fd, o.wbuf)
		switch e {
		case syscall.EAGAIN:
			return false
		case 0:
			o.wn += n
			o.wbuf = o.wbuf[n:]
		default:
			o.werr = e
			return true
		}
	}
	return true
}

// stepRead is Read inside step (step.go): one read into p, or ErrWouldBlock
// without a system call when the last read emptied the socket.
func (r *connReader) stepRead(p []byte) (int, error) {
	if r.drained {
		return 0, protocol.ErrWouldBlock
	}
	n, e := rawRW(syscall.SYS_READ, r.fd, p)
	switch {
	case e == syscall.EAGAIN:
		r.drained = true
		return 0, protocol.ErrWouldBlock
	case e != 0:
		return 0, e
	case n == 0:
		return 0, io.EOF
	}
	// A stream socket's read takes everything queued, up to len(p).
	r.drained = n < len(p)
	r.last = time.Now()
	return n, nil
}

// shutdownSocket shuts the socket fd down both ways, without closing it.
func shutdownSocket(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) }
