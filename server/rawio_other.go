//go:build !linux || 386

package server

// rawIO says connections use net.Conn's Read and Write here.
const rawIO = false

func (r *connReader) rawRead(uintptr) bool  { return true }
func (o *connOutput) rawWrite(uintptr) bool { return true }
