package pgdedup_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/pgdedup"
)

// BenchmarkClaimDone measures the de-duplication cost of one notification
// (Claim, then Done) with pgdedup on the test server (loopback, fsync off),
// beside the in-memory store as the baseline; roundtrips/op counts the
// client's writes on its one connection.
func BenchmarkClaimDone(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, d elements.Deduplicator, w *writes) {
		b.ReportAllocs()
		i := 0
		var before int64
		if w != nil {
			before = w.n.Load()
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
		if w != nil {
			b.ReportMetric(float64(w.n.Load()-before)/float64(i), "roundtrips/op")
		}
	}
	b.Run("store=memory", func(b *testing.B) { run(b, elements.NewMemoryDeduplicator(0), nil) })
	b.Run("store=postgres", func(b *testing.B) {
		var w writes
		s, err := pgdedup.New(ctx, newPool(b, &w), pgdedup.WithTable(table()))
		if err != nil {
			b.Fatal(err)
		}
		run(b, s, &w)
	})
}
