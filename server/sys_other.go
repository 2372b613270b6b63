//go:build !unix

package server

// canPeek says wouldBlock works here: not on this system, where idle
// connections keep their buffers.
const canPeek = false

func wouldBlock(uintptr) bool { return false }

// raiseFileLimit has no open-file limit to raise here.
func raiseFileLimit(uint64) (uint64, bool) { return 0, false }
