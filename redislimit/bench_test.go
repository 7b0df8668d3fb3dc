package redislimit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/elementsgo/elements/redislimit"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// BenchmarkWait measures what a Redis limiter adds to each request, Wait
// then done, on a pace too fast to wait (a million a second) and spread
// over 100 accounts, beside one plain Redis round trip (GET) on the same
// connection pool: the limiter's cost is one script call per request.
//
//	go test -run '^$' -bench Wait -benchmem -count 6 ./redislimit/
func BenchmarkWait(b *testing.B) {
	plain, _ := clients(b)
	ctx := context.Background()
	accounts := make([]string, 100)
	for i := range accounts {
		accounts[i] = fmt.Sprint("acct-", i)
	}
	b.Run("impl=redislimit", func(b *testing.B) {
		lim, err := redislimit.New(plain, redislimit.WithPrefix(prefix()),
			redislimit.WithLimit(redis_rate.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1}))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			done, err := lim.Wait(ctx, accounts[i%len(accounts)])
			if err != nil {
				b.Fatal(err)
			}
			done()
			i++
		}
	})
	b.Run("impl=baseline-GET", func(b *testing.B) {
		p := prefix()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := plain.Get(ctx, p+accounts[i%len(accounts)]).Err(); err != nil && !errors.Is(err, redis.Nil) {
				b.Fatal(err)
			}
			i++
		}
	})
}
