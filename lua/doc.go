// Package lua will embed the Lua 5.1 interpreter (yuin/gopher-lua) for EVAL,
// EVALSHA and FUNCTION: the sandbox, the script cache and the redis.call
// bridge, which calls engine.Exec like any other caller. It is empty until
// scripting lands; until then the scripting commands are absent and answer
// Redis's unknown-command error.
package lua
