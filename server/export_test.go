package server

import "net"

// SetConnHook makes the server call hook with every accepted connection
// before serving it (tests inspect socket options with it).
func SetConnHook(hook func(net.Conn)) { testConnHook = hook }
