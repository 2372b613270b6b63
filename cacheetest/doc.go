// Package cacheetest runs an isolated cachee engine for one test, the way
// miniredis is used, but with the real engine: every command behaves as in
// production and as in Redis 7.
//
//	func TestCache(t *testing.T) {
//		s := cacheetest.Run(t) // stopped by t.Cleanup
//		rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
//		defer rdb.Close()
//
//		rdb.Set(ctx, "k", "v", time.Minute)
//		s.FastForward(time.Minute + time.Millisecond)
//		// "k" has expired: no sleeping.
//	}
//
// Each Server has its own engine, a TCP listener on a free loopback port
// (Addr), the in-process DB for setting up and checking state without a
// client (DB), and an in-memory dialer for clients that should not use a
// socket at all (Dialer). Servers of parallel tests share nothing.
//
// # Time
//
// Keys expire in real time by default, as they do in production: a key set
// with a 50 ms TTL is gone 50 ms later, both when read and by the engine's
// background expiry. The clock can also be moved by hand: FastForward adds
// to it, SetTime sets it, Freeze stops it so that TTLs read back exactly.
// Every time-dependent result follows that clock: expiry, TTL and PTTL, the
// EX/PX/EXAT options, TIME, OBJECT IDLETIME.
package cacheetest
