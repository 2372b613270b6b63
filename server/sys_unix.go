//go:build unix

package server

import "syscall"

// canPeek says wouldBlock works here.
const canPeek = true

// wouldBlock reports whether a read on the non-blocking socket fd would
// block: nothing to read, and no EOF or error either. It peeks one byte.
func wouldBlock(fd uintptr) bool {
	for {
		err := peekOne(fd)
		if err == syscall.EINTR {
			continue
		}
		return err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
	}
}

// raiseFileLimit raises RLIMIT_NOFILE to want if it is lower, and returns
// the limit it ends with. Like Redis it settles for less when the system
// refuses, stepping down 16 descriptors at a time (jumping at once to the
// first step under the hard limit, which is where an unprivileged process
// stops), but never below the current limit.
func raiseFileLimit(want uint64) (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	old, hard := uint64(lim.Cur), uint64(lim.Max)
	if old >= want {
		return old, true
	}
	set := func(n uint64) bool {
		l := lim
		setRlim(&l.Cur, n)
		setRlim(&l.Max, max(n, hard))
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l) == nil
	}
	const step = 16
	if set(want) {
		return want, true
	}
	best := want - step
	if want > hard {
		best = want - (want-hard+step-1)/step*step
	}
	for tries := 0; best > old && tries < 4096; tries++ {
		if set(best) {
			return best, true
		}
		if best < step {
			break
		}
		best -= step
	}
	return old, true
}

// setRlim stores n in an rlimit field: uint64 on most systems, int64 on
// FreeBSD and DragonFly.
func setRlim[T ~int64 | ~uint64](f *T, n uint64) { *f = T(n) }
