package cachee_test

import (
	"context"
	"testing"

	"github.com/cachee/cachee"
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
