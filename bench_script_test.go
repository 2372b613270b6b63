package cachee_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachee/cachee"
	"github.com/cachee/cachee/internal/redistest"
	"github.com/cachee/cachee/server"
)

// scoringScript is the seed's content-scoring script: two HGETs and a
// ZADD. Until the sorted-set family lands, scoringScriptHash stands in for
// it with an HSET into a scores hash (same shape: 2 reads, 1 write).
const scoringScriptHash = `
local views = tonumber(redis.call('HGET', KEYS[1], 'views') or 0)
local likes = tonumber(redis.call('HGET', KEYS[1], 'likes') or 0)
local score = views * tonumber(ARGV[1]) + likes * tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], score)
return score`

func BenchmarkEvalShaReturn1(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	s := cachee.NewScript("return 1")
	if err := s.Load(ctx, db); err != nil {
		b.Fatal(err)
	}
	sha := s.Hash()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.EvalSha(ctx, sha, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalShaScoring(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	db.Do(ctx, "HSET", "post:1", "views", 120, "likes", 7)
	s := cachee.NewScript(scoringScriptHash)
	if err := s.Load(ctx, db); err != nil {
		b.Fatal(err)
	}
	sha := s.Hash()
	keys := []string{"post:1", "scores"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.EvalSha(ctx, sha, keys, 1, 10, "post:1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalShaOverTCP compares EVALSHA of the scoring script over a
// loopback connection (go-redis, one request at a time) against redis-server
// and cachee's server in the same run.
func BenchmarkEvalShaOverTCP(b *testing.B) {
	for _, target := range []struct {
		name string
		addr func(b *testing.B) string
	}{
		{"redis-server", func(b *testing.B) string { return redistest.Start(b) }},
		{"cachee", serveScripting},
	} {
		b.Run(target.name, func(b *testing.B) {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: target.addr(b)})
			defer rdb.Close()
			rdb.HSet(ctx, "post:1", "views", 120, "likes", 7)
			s := redis.NewScript(scoringScriptHash)
			keys := []string{"post:1", "scores"}
			if err := s.Run(ctx, rdb, keys, 1, 10, "post:1").Err(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.EvalSha(ctx, rdb, keys, 1, 10, "post:1").Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// serveScripting starts cachee's server with scripting attached, as
// cachee serve does.
func serveScripting(b *testing.B) string {
	db, err := cachee.Open(cachee.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(db.Engine(), server.Config{Port: 0})
	if err := srv.Listen(); err != nil {
		b.Fatal(err)
	}
	go srv.Serve()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		db.Close()
	})
	return srv.Addrs()[0].String()
}
