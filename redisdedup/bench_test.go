package redisdedup_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/redisdedup"
)

// BenchmarkClaimDone measures the de-duplication cost of one notification
// (Claim, then Done) with redisdedup on the test server (loopback, no
// persistence), through a plain and a cluster client, beside the in-memory
// store as the baseline; roundtrips/op counts the commands sent.
func BenchmarkClaimDone(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, d elements.Deduplicator, c *commands) {
		b.ReportAllocs()
		i := 0
		var before int64
		if c != nil {
			before = c.n.Load()
		}
		for b.Loop() {
			key := strconv.Itoa(i)
			i++
			if st, err := d.Claim(ctx, key); err != nil || st != elements.DedupClaimed {
				b.Fatalf("Claim = %v, %v", st, err)
			}
			if err := d.Done(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
		if c != nil {
			b.ReportMetric(float64(c.n.Load()-before)/float64(i), "roundtrips/op")
		}
	}
	b.Run("store=memory", func(b *testing.B) { run(b, elements.NewMemoryDeduplicator(0), nil) })
	for _, name := range []string{"plain", "cluster"} {
		b.Run("store=redis-"+name, func(b *testing.B) {
			var c commands
			run(b, redisdedup.New(clients(b, &c)[name], redisdedup.WithPrefix(prefix())), &c)
		})
	}
}
