//go:build unix && (!linux || 386)

package server

import "syscall"

// peekOne receives one byte without consuming it: EAGAIN when nothing is
// there.
func peekOne(fd uintptr) error {
	var b [1]byte
	_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
	return err
}
