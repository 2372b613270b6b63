package cachee_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cachee/cachee"
)

// A rate limiter in ten lines: INCR a per-window counter, give it a TTL the
// first time, refuse past the limit.
func Example() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		n, _ := db.Incr(ctx, "rate:alice")
		if n == 1 {
			db.Expire(ctx, "rate:alice", time.Minute)
		}
		fmt.Println(n, n <= 3)
	}
	// Output:
	// 1 true
	// 2 true
	// 3 true
	// 4 false
}

func ExampleDB_Do() {
	db, _ := cachee.Open(cachee.Options{})
	defer db.Close()
	ctx := context.Background()
	db.Do(ctx, "SET", "greeting", "hello")
	v, _ := db.Do(ctx, "APPEND", "greeting", " world")
	fmt.Println(v.String())
	_, err := db.Do(ctx, "GET", "missing")
	fmt.Println(err == cachee.Nil)
	// Output:
	// 11
	// true
}
