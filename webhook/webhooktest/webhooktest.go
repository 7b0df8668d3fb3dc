// Package webhooktest checks a [webhook.Deduplicator] implementation
// against the rules the webhook handler relies on, as testing/fstest does
// for file systems: call [TestDeduplicator] from a test of your store.
package webhooktest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/elementsgo/elements/webhook"
)

// The claim TTL and retention that [TestDeduplicator] expects of the stores
// its open function returns. They are short so that the suite takes about
// a second and a half.
const (
	DeduplicatorClaimTTL  = 400 * time.Millisecond
	DeduplicatorRetention = 1200 * time.Millisecond
)

// TestDeduplicator checks an [webhook.Deduplicator] implementation against
// the rules a [webhook.Handler] on several replicas relies on, as
// testing/fstest.TestFS does for file systems. It reports failures through
// t; it runs its checks as parallel subtests.
//
// open returns a store to test; the suite calls it two or three times in
// each subtest, with that subtest's t (for t.Cleanup). Every store open
// returns during one TestDeduplicator call must
//   - share one backend with the others, as the stores of several replicas
//     share one database: a claim made through one is seen by all;
//   - hold its claims under an owner of its own, as a separate replica's
//     store value does;
//   - be configured with a claim TTL of [DeduplicatorClaimTTL] and a
//     retention of [DeduplicatorRetention].
//
// Every key the suite uses starts with a random prefix, so a backend may
// hold other keys and may be shared by several runs. A store over a
// database opens a new store value on the one shared pool each time:
//
//	func TestStore(t *testing.T) {
//		pool := openTestDatabase(t) // one backend for the whole suite
//		webhooktest.TestDeduplicator(t, func(t *testing.T) webhook.Deduplicator {
//			s, err := mystore.New(pool, mystore.WithClaimTTL(webhooktest.DeduplicatorClaimTTL),
//				mystore.WithRetention(webhooktest.DeduplicatorRetention))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The rules checked:
//   - Claim of a new key returns DedupClaimed; of a key held in flight (by
//     any store, the caller included), DedupInFlight; of a done key,
//     DedupDone. Keys are compared byte for byte, and any bytes work: a
//     key may come from a header (Elements-Webhook-Id), so it may contain
//     NUL or not be UTF-8.
//   - Of concurrent Claims of one key, new or with an expired claim, exactly
//     one returns DedupClaimed.
//   - Done and Release by the holder succeed: Done makes the key done for
//     every store; Release makes it claimable again at once.
//   - Done and Release by a store that does not hold the claim (never
//     claimed, held by another store, already done) change nothing and
//     return an error wrapping [webhook.ErrClaimLost].
//   - A claim expires after the claim TTL: another store's Claim then takes
//     it over, and the former holder can no longer complete or release it.
//   - A store's Claim never takes over its own claim, expired or not: it
//     returns DedupInFlight. The holder is a live process (a restarted
//     process opens a new store, a new owner), whose callback may still
//     run; taking the claim over would let that callback's Release or Done
//     end the new claim.
//   - A done key stays done after the claim TTL and is forgotten (claimable
//     again, by the store that made it too) after the retention.
//
// Left open: Done or Release by a holder whose claim expired but that no
// other store has taken over may succeed or report ErrClaimLost.
//
// The suite waits out the claim TTL and the retention on the real clock
// (about a second and a half), as a store over a database needs; a store
// whose time is Go's own clock passes [InBubble] and waits for nothing.
func TestDeduplicator(t *testing.T, open func(t *testing.T) webhook.Deduplicator, opts ...Option) {
	t.Helper()
	var cfg options
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	prefix := "elementstest-" + rand.Text()[:12] + "/"
	tests := []struct {
		name string
		run  func(c *dedupChecker)
	}{
		{"ClaimDoneRelease", dedupClaimDoneRelease},
		{"DistinctKeys", dedupDistinctKeys},
		{"ConcurrentClaims", dedupConcurrentClaims},
		{"ConcurrentTakeover", dedupConcurrentTakeover},
		{"NotHeld", dedupNotHeld},
		{"Expiry", dedupExpiry},
		{"ExpiredOwnClaim", dedupExpiredOwnClaim},
		{"Retention", dedupRetention},
		{"OwnRetention", dedupOwnRetention},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check := func(t *testing.T) { tt.run(&dedupChecker{t: t, open: open, prefix: prefix + tt.name + "/"}) }
			if cfg.bubble {
				synctest.Test(t, check)
				return
			}
			check(t)
		})
	}
}

// Option changes how [TestDeduplicator] runs.
type Option func(*options)

// options are what the Options set.
type options struct{ bubble bool }

// InBubble runs each check in a [testing/synctest] bubble, where the claim
// TTL and the retention pass at once and exactly: for an in-process store
// that reads Go's clock (time.Now), such as [webhook.MemoryDeduplicator].
// A store whose clock is elsewhere (a database server's) must not use it:
// its claims would not expire while the bubble's clock jumps.
func InBubble() Option { return func(o *options) { o.bubble = true } }

type dedupChecker struct {
	t      *testing.T
	open   func(t *testing.T) webhook.Deduplicator
	prefix string
}

// stores opens n stores over the shared backend.
func (c *dedupChecker) stores(n int) []webhook.Deduplicator {
	c.t.Helper()
	ds := make([]webhook.Deduplicator, n)
	for i := range ds {
		if ds[i] = c.open(c.t); ds[i] == nil {
			c.t.Fatal("open returned nil")
		}
	}
	return ds
}

func (c *dedupChecker) key(k string) string { return c.prefix + k }

// claim checks that store who's Claim of key returns want.
func (c *dedupChecker) claim(d webhook.Deduplicator, who, key string, want webhook.DedupState) {
	c.t.Helper()
	got, err := d.Claim(context.Background(), c.key(key))
	if err != nil {
		c.t.Fatalf("store %s: Claim(%q): %v", who, key, err)
	}
	if got != want {
		c.t.Errorf("store %s: Claim(%q) = %v, want %v", who, key, got, want)
	}
}

// finish checks Done (done) or Release of key by store who: it succeeds if
// held, else fails with ErrClaimLost.
func (c *dedupChecker) finish(d webhook.Deduplicator, who, key string, done, held bool) {
	c.t.Helper()
	op, f := "Release", d.Release
	if done {
		op, f = "Done", d.Done
	}
	err := f(context.Background(), c.key(key))
	switch {
	case held && err != nil:
		c.t.Errorf("store %s: %s(%q) by the holder: %v", who, op, key, err)
	case !held && !errors.Is(err, webhook.ErrClaimLost):
		c.t.Errorf("store %s: %s(%q) by a store that does not hold it: %v, want an error wrapping ErrClaimLost", who, op, key, err)
	}
}

const (
	claimed  = webhook.DedupClaimed
	inFlight = webhook.DedupInFlight
	done     = webhook.DedupDone
)

func dedupClaimDoneRelease(c *dedupChecker) {
	s := c.stores(2)
	a, b := s[0], s[1]
	c.claim(a, "A", "k", claimed)
	c.claim(a, "A", "k", inFlight) // a store does not re-grant its own claim
	c.claim(b, "B", "k", inFlight)
	c.finish(a, "A", "k", false, true)
	c.claim(b, "B", "k", claimed) // released: claimable at once
	c.finish(b, "B", "k", true, true)
	c.claim(a, "A", "k", done)
	c.claim(b, "B", "k", done)
}

func dedupDistinctKeys(c *dedupChecker) {
	a := c.stores(1)[0]
	keys := []string{"x", "X", "x ", " x", "x\x00y", "ünïcode", "\xff\xfe not UTF-8", "{tag}x", "a:b", "a*", "a?", "%", "'; --",
		strings.Repeat("long", 128)}
	for _, k := range keys {
		c.claim(a, "A", k, claimed)
	}
	for _, k := range keys {
		c.finish(a, "A", k, true, true)
	}
	for _, k := range keys {
		c.claim(a, "A", k, done)
	}
	c.claim(a, "A", "x\x00", claimed) // a prefix of a done key is its own key
	c.claim(a, "A", "\xff", claimed)
}

func dedupConcurrentClaims(c *dedupChecker) {
	c.race(c.stores(2), "new")
}

// A claim that expired is taken over by exactly one of concurrent Claims
// of two other stores.
func dedupConcurrentTakeover(c *dedupChecker) {
	s := c.stores(3)
	for k := range dedupRaceKeys {
		c.claim(s[2], "C", fmt.Sprint("expired", k), claimed)
	}
	time.Sleep(DeduplicatorClaimTTL + DeduplicatorClaimTTL/4)
	c.race(s[:2], "expired")
}

const dedupRaceKeys = 8

// race has the two stores claim each of dedupRaceKeys keys (named from
// prefix) sixteen times at once, checks that one Claim of each key won, and
// has the winner complete it.
func (c *dedupChecker) race(s []webhook.Deduplicator, prefix string) {
	const claimers = 16
	type result struct {
		store int
		state webhook.DedupState
		err   error
	}
	results := make([][]result, dedupRaceKeys)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for k := range dedupRaceKeys {
		results[k] = make([]result, claimers)
		for i := range claimers {
			wg.Go(func() {
				<-start
				st, err := s[i%2].Claim(context.Background(), c.key(fmt.Sprint(prefix, k)))
				results[k][i] = result{i % 2, st, err}
			})
		}
	}
	close(start)
	wg.Wait()
	for k, rs := range results {
		key := fmt.Sprint(prefix, k)
		winners := 0
		for _, r := range rs {
			switch {
			case r.err != nil:
				c.t.Fatalf("Claim(%q): %v", key, r.err)
			case r.state == claimed:
				winners++
				c.finish(s[r.store], "winner", key, true, true)
			case r.state != inFlight:
				c.t.Errorf("Claim(%q) during the race: %v, want in flight", key, r.state)
			}
		}
		if winners != 1 {
			c.t.Errorf("key %q: %d of %d concurrent Claims returned claimed, want exactly 1", key, winners, claimers)
		}
		c.claim(s[0], "A", key, done)
		c.claim(s[1], "B", key, done)
	}
}

func dedupNotHeld(c *dedupChecker) {
	s := c.stores(2)
	a, b := s[0], s[1]
	c.finish(a, "A", "never", true, false)
	c.finish(a, "A", "never", false, false)
	c.claim(b, "B", "never", claimed) // a stray Done did not mark it done
	c.finish(a, "A", "never", true, false)
	c.finish(a, "A", "never", false, false)
	c.claim(a, "A", "never", inFlight) // still B's
	c.finish(b, "B", "never", true, true)
	c.finish(b, "B", "never", true, false) // done already
	c.finish(b, "B", "never", false, false)
	c.finish(a, "A", "never", false, false)
	c.claim(a, "A", "never", done)
}

func dedupExpiry(c *dedupChecker) {
	s := c.stores(3)
	a, b, third := s[0], s[1], s[2]
	c.claim(a, "A", "k", claimed)
	c.claim(b, "B", "k", inFlight)
	time.Sleep(DeduplicatorClaimTTL + DeduplicatorClaimTTL/4)
	c.claim(b, "B", "k", claimed) // A's claim expired: B takes it over
	c.claim(third, "C", "k", inFlight)
	c.finish(a, "A", "k", true, false) // A cannot complete B's claim
	c.claim(third, "C", "k", inFlight)
	c.finish(a, "A", "k", false, false) // nor release it
	c.claim(third, "C", "k", inFlight)
	c.finish(b, "B", "k", true, true)
	c.claim(third, "C", "k", done)
	c.claim(a, "A", "k", done)
}

// A store's own expired claim is in flight to it, and only another store
// takes it over.
func dedupExpiredOwnClaim(c *dedupChecker) {
	s := c.stores(3)
	a, b, third := s[0], s[1], s[2]
	c.claim(a, "A", "k", claimed)
	time.Sleep(DeduplicatorClaimTTL + DeduplicatorClaimTTL/4)
	c.claim(a, "A", "k", inFlight) // expired, but A's own: A's callback may still run
	c.claim(a, "A", "k", inFlight)
	c.claim(b, "B", "k", claimed) // another store takes it over
	c.claim(a, "A", "k", inFlight)
	c.finish(a, "A", "k", false, false) // A's late Release does not end B's claim
	c.claim(third, "C", "k", inFlight)
	c.finish(a, "A", "k", true, false) // nor does its Done
	c.claim(third, "C", "k", inFlight)
	c.finish(b, "B", "k", true, true)
	c.claim(a, "A", "k", done)
	c.claim(third, "C", "k", done)
}

func dedupRetention(c *dedupChecker) {
	s := c.stores(2)
	a, b := s[0], s[1]
	c.claim(a, "A", "k", claimed)
	c.finish(a, "A", "k", true, true)
	doneAt := time.Now()
	time.Sleep(DeduplicatorClaimTTL + DeduplicatorClaimTTL/4)
	c.claim(b, "B", "k", done) // kept past the claim TTL
	time.Sleep(time.Until(doneAt.Add(DeduplicatorRetention + DeduplicatorClaimTTL/4)))
	c.claim(b, "B", "k", claimed) // forgotten after the retention
	c.finish(b, "B", "k", true, true)
	c.claim(a, "A", "k", done)
}

// A store's own done key is forgotten after the retention too: the rule
// that a store does not take over its own claim is for claims in flight.
func dedupOwnRetention(c *dedupChecker) {
	a := c.stores(1)[0]
	c.claim(a, "A", "k", claimed)
	c.finish(a, "A", "k", true, true)
	time.Sleep(DeduplicatorRetention + DeduplicatorClaimTTL/4)
	c.claim(a, "A", "k", claimed)
	c.finish(a, "A", "k", true, true)
	c.claim(a, "A", "k", done)
}
