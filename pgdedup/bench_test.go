package pgdedup_test

import (
	"context"
	"testing"

	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
)

// BenchmarkClaimDone measures the de-duplication cost of one notification
// (Claim, then Done) with pgdedup on the test server (loopback, fsync off),
// beside the in-memory store as the baseline; roundtrips/op counts the
// client's writes on its one connection.
func BenchmarkClaimDone(b *testing.B) {
	b.Run("store=memory", func(b *testing.B) { testserver.BenchClaimDone(b, webhook.NewMemoryDeduplicator(0), nil) })
	b.Run("store=postgres", func(b *testing.B) {
		var w writes
		s, err := pgdedup.New(context.Background(), newPool(b, &w), pgdedup.WithTable(table()))
		if err != nil {
			b.Fatal(err)
		}
		testserver.BenchClaimDone(b, s, w.n.Load)
	})
}
