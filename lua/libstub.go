package lua

import glua "github.com/yuin/gopher-lua"

func openCjson(L *glua.LState) *glua.LTable    { return L.NewTable() }
func openCmsgpack(L *glua.LState) *glua.LTable { return L.NewTable() }
func openStruct(L *glua.LState) *glua.LTable   { return L.NewTable() }
