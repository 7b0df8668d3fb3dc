package testserver

import (
	"context"
	"strconv"
	"testing"

	"github.com/elementsgo/elements/webhook"
)

// RoundTrips checks that Claim, Done and Release of d each take one round
// trip once warmed up; roundTrips counts them so far (the store's writes
// or commands).
func RoundTrips(t *testing.T, d webhook.Deduplicator, roundTrips func() int64) {
	t.Helper()
	ctx := context.Background()
	calls := []struct {
		name string
		call func(key string) error
	}{
		{"Claim", func(k string) error { _, err := d.Claim(ctx, k); return err }},
		{"Done", func(k string) error { return d.Done(ctx, k) }},
		{"Claim of a done key", func(k string) error { _, err := d.Claim(ctx, k); return err }},
		{"Claim of another key", func(k string) error { _, err := d.Claim(ctx, k+"x"); return err }},
		{"Release", func(k string) error { return d.Release(ctx, k+"x") }},
	}
	for _, key := range []string{"warm-up", "measured"} {
		for _, c := range calls {
			before := roundTrips()
			if err := c.call(key); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if n := roundTrips() - before; key == "measured" && n != 1 {
				t.Errorf("%s: %d round trips, want 1", c.name, n)
			}
		}
	}
}

// BenchClaimDone measures what d adds to a notification: Claim, then Done.
// roundTrips, if not nil, counts the round trips so far; their mean is
// reported as roundtrips/op.
func BenchClaimDone(b *testing.B, d webhook.Deduplicator, roundTrips func() int64) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	var before int64
	if roundTrips != nil {
		before = roundTrips()
	}
	for b.Loop() {
		key := strconv.Itoa(i)
		i++
		if st, err := d.Claim(ctx, key); err != nil || st != webhook.DedupClaimed {
			b.Fatalf("Claim = %v, %v", st, err)
		}
		if err := d.Done(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
	if roundTrips != nil {
		b.ReportMetric(float64(roundTrips()-before)/float64(i), "roundtrips/op")
	}
}
