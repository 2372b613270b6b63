package lua

import (
	"math"

	glua "github.com/yuin/gopher-lua"
)

// rand48 is the PRNG behind math.random: Redis replaces Lua's (libc's
// rand) with the 48-bit linear congruential generator of rand48, so the
// same seed gives the same sequence everywhere. Like Redis's, the state
// belongs to the server (here the engine) and carries over from one script
// to the next.
type rand48 struct{ x uint64 }

const (
	rand48A    = 0x5DEECE66D
	rand48C    = 0xB
	rand48Mask = 1<<48 - 1
	// rand48Init is Redis's initial state (X0 0x330E, X1 0xABCD, X2 0x1234).
	rand48Init = 0x1234ABCD330E
	// lrand48Max is REDIS_LRAND48_MAX.
	lrand48Max = math.MaxInt32
)

// next is redisLrand48: the next 31-bit value.
func (r *rand48) next() int32 {
	r.x = (rand48A*r.x + rand48C) & rand48Mask
	return int32(r.x >> 17)
}

// seed is redisSrand48.
func (r *rand48) seed(v int32) { r.x = uint64(uint32(v))<<16 | 0x330E }

// mathRandom is Redis's math.random: Lua 5.1's, over rand48.
func (st *state) mathRandom(L *glua.LState) int {
	r := float64(st.sc.rand.next()%lrand48Max) / lrand48Max
	switch L.GetTop() {
	case 0:
		L.Push(glua.LNumber(r))
	case 1:
		u := checkInt(L, 1)
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(glua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := checkInt(L, 1), checkInt(L, 2)
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(glua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

// mathRandomseed is Redis's math.randomseed.
func (st *state) mathRandomseed(L *glua.LState) int {
	st.sc.rand.seed(int32(checkInt(L, 1)))
	return 0
}

// checkInt is luaL_checkint: a number (or numeric string) cast to a C int.
func checkInt(L *glua.LState, n int) int32 {
	return int32(int64(checkNumber(L, n)))
}
