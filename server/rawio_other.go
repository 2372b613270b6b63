//go:build !linux || 386

package server

import "io"

// rawIO says connections use net.Conn's Read and Write here.
const rawIO = false

func (r *connReader) rawRead(uintptr) bool  { return true }
func (o *connOutput) rawWrite(uintptr) bool { return true }

// stepRead is never called: without rawIO there is no loopRaw.
func (r *connReader) stepRead([]byte) (int, error) { return 0, io.EOF }

// shutdownSocket is never called: without rawIO there is no loopRaw.
func shutdownSocket(uintptr) {}
