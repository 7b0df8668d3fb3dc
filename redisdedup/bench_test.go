package redisdedup_test

import (
	"testing"

	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/redisdedup"
	"github.com/elementsgo/elements/webhook"
)

// BenchmarkClaimDone measures the de-duplication cost of one notification
// (Claim, then Done) with redisdedup on the test server (loopback, no
// persistence), through a plain and a cluster client, beside the in-memory
// store as the baseline; roundtrips/op counts the commands sent.
func BenchmarkClaimDone(b *testing.B) {
	b.Run("store=memory", func(b *testing.B) { testserver.BenchClaimDone(b, webhook.NewMemoryDeduplicator(0), nil) })
	for _, name := range []string{"plain", "cluster"} {
		b.Run("store=redis-"+name, func(b *testing.B) {
			var c commands
			rdb := clients(b)[name]
			rdb.AddHook(&c)
			testserver.BenchClaimDone(b, redisdedup.New(rdb, redisdedup.WithPrefix(prefix())), c.n.Load)
		})
	}
}
