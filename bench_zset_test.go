package cachee_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/cachee/cachee"
)

// Leaderboard benchmarks: one sorted set of 100 000 players with scores
// spread over a million values. Each operation picks a random player, so
// the order index (a B+tree) is walked cold, not along a cached path.
// go test -run '^$' -bench Leaderboard -benchmem .

const lbPlayers = 100_000

func leaderboard(b *testing.B) (*cachee.DB, []string) {
	db := benchDB(b)
	ctx := context.Background()
	players := make([]string, lbPlayers)
	batch := make([]cachee.Z, 0, 1000)
	for i := range players {
		players[i] = "player:" + strconv.Itoa(i)
		batch = append(batch, cachee.Z{Score: float64(rand.IntN(1_000_000)), Member: players[i]})
		if len(batch) == cap(batch) {
			if _, err := db.ZAdd(ctx, "lb", batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	return db, players
}

// randomPicks is a fixed sequence of random player indexes and scores, so
// the timed loop does not measure the random generator.
func randomPicks() (idx []int, scores []float64) {
	idx, scores = make([]int, 1<<16), make([]float64, 1<<16)
	for i := range idx {
		idx[i], scores[i] = rand.IntN(lbPlayers), float64(rand.IntN(1_000_000))
	}
	return idx, scores
}

// ZADD of an existing player with a new score: a hash lookup, a B+tree
// delete and a B+tree insert.
func BenchmarkLeaderboardZAddUpdate(b *testing.B) {
	idx, scores := randomPicks()
	db, players := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		j := i & (1<<16 - 1)
		if _, err := db.ZAdd(ctx, "lb", cachee.Z{Score: scores[j], Member: players[idx[j]]}); err != nil {
			b.Fatal(err)
		}
	}
}

// The top 50 with their scores (ZREVRANGE lb 0 49 WITHSCORES).
func BenchmarkLeaderboardTop50(b *testing.B) {
	db, _ := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if zs, err := db.ZRevRangeWithScores(ctx, "lb", 0, 49); err != nil || len(zs) != 50 {
			b.Fatal(len(zs), err)
		}
	}
}

// A page of 50 from the middle of the board: positional access, O(log n).
func BenchmarkLeaderboardPage50(b *testing.B) {
	db, _ := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if zs, err := db.ZRevRangeWithScores(ctx, "lb", 50_000, 50_049); err != nil || len(zs) != 50 {
			b.Fatal(len(zs), err)
		}
	}
}

// A random player's rank: a hash lookup and a counted B+tree descent.
func BenchmarkLeaderboardZRank(b *testing.B) {
	idx, _ := randomPicks()
	db, players := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := db.ZRevRank(ctx, "lb", players[idx[i&(1<<16-1)]]); err != nil {
			b.Fatal(err)
		}
	}
}

// The same three operations through Do (argv and reply values), the path
// of commands without a typed method.
func BenchmarkLeaderboardDoZAdd(b *testing.B) {
	idx, scores := randomPicks()
	db, players := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		j := i & (1<<16 - 1)
		if _, err := db.Do(ctx, "ZADD", "lb", int64(scores[j]), players[idx[j]]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLeaderboardDoTop50(b *testing.B) {
	db, _ := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "ZRANGE", "lb", 0, 49, "REV", "WITHSCORES"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLeaderboardDoZRank(b *testing.B) {
	idx, _ := randomPicks()
	db, players := leaderboard(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		if _, err := db.Do(ctx, "ZREVRANK", "lb", players[idx[i&(1<<16-1)]]); err != nil {
			b.Fatal(err)
		}
	}
}
