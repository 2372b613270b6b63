//go:build linux && !386

package server

import (
	"io"
	"syscall"
	"unsafe"
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

// rawRead is RawConn.Read's callback for connReader.read: one read into
// r.rbuf, or false to wait for the socket to become readable.
func (r *connReader) rawRead(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(r.rbuf))), uintptr(len(r.rbuf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
			r.rn, r.rerr = int(n), nil
			if n == 0 {
				r.rerr = io.EOF
			}
		default:
			r.rn, r.rerr = 0, e
		}
		return true
	}
}

// rawWrite is RawConn.Write's callback for connOutput.write: it writes
// o.wbuf until all of it is gone, or returns false to wait for room.
func (o *connOutput) rawWrite(fd uintptr) bool {
	for len(o.wbuf) > 0 {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(o.wbuf))), uintptr(len(o.wbuf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		case 0:
			o.wn += int(n)
			o.wbuf = o.wbuf[n:]
		default:
			o.werr = e
			return true
		}
	}
	return true
}
