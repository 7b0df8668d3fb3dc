package redisdedup_test

import (
	"os"
	"time"

	"github.com/elementsgo/elements/redisdedup"
	"github.com/elementsgo/elements/webhook"
	"github.com/redis/go-redis/v9"
)

// A receiver on several replicas sharing one Redis (a cluster client works
// the same way).
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	_ = &webhook.Handler{
		SigningKeys:  []string{os.Getenv("ELEMENTS_SIGNING_KEY")},
		Deduplicator: redisdedup.New(rdb, redisdedup.WithClaimTTL(2*time.Minute)),
		// OnNotification or routes ...
	}
}
