package redisdedup_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/redisdedup"
	"github.com/elementsgo/elements/webhook"
	"github.com/elementsgo/elements/webhook/webhooktest"
	"github.com/redis/go-redis/v9"
)

// One Redis server for the package's tests and benchmarks, started on first
// use: a one-node cluster holding every slot, so that both a plain client
// and a cluster client (which sees CROSSSLOT errors) can be tested on it.
var server = testserver.Once{Start: testserver.StartRedisCluster}

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

// clients returns a plain and a cluster client of the test server.
func clients(tb testing.TB) map[string]redis.UniversalClient {
	tb.Helper()
	addr := server.Get(tb).Addr
	plain := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { plain.Close() })
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
	tb.Cleanup(func() { cluster.Close() })
	return map[string]redis.UniversalClient{"plain": plain, "cluster": cluster}
}

func prefix() string { return "test-" + rand.Text()[:10] + ":" }

func TestConformance(t *testing.T) {
	t.Parallel()
	for name, rdb := range clients(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := prefix()
			webhooktest.TestDeduplicator(t, func(*testing.T) webhook.Deduplicator {
				return redisdedup.New(rdb, redisdedup.WithPrefix(p),
					redisdedup.WithClaimTTL(webhooktest.DeduplicatorClaimTTL), redisdedup.WithRetention(webhooktest.DeduplicatorRetention))
			})
		})
	}
}

// Every key carries an expiry: the claim TTL and then the retention while
// in flight (an expired claim stays its owner's), the retention once done;
// so Redis forgets old notifications by itself.
func TestExpiries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := clients(t)["plain"]
	p := prefix()
	s := redisdedup.New(rdb, redisdedup.WithPrefix(p), redisdedup.WithClaimTTL(time.Minute), redisdedup.WithRetention(time.Hour))
	ttl := func(want time.Duration) {
		t.Helper()
		got, err := rdb.PTTL(ctx, p+"k").Result()
		if err != nil || got <= want-time.Second || got > want {
			t.Errorf("PTTL = %v, %v; want about %v", got, err, want)
		}
	}
	if st, err := s.Claim(ctx, "k"); err != nil || st != webhook.DedupClaimed {
		t.Fatalf("Claim = %v, %v", st, err)
	}
	ttl(time.Minute + time.Hour)
	if err := s.Done(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	ttl(time.Hour)
	def := redisdedup.New(rdb, redisdedup.WithPrefix(p), redisdedup.WithClaimTTL(0), redisdedup.WithRetention(-1))
	if _, err := def.Claim(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	want := redisdedup.DefaultClaimTTL + redisdedup.DefaultRetention
	if got, _ := rdb.PTTL(ctx, p+"d").Result(); got <= want-time.Second || got > want {
		t.Errorf("WithClaimTTL(0), WithRetention(-1): PTTL %v, want the defaults' sum %v", got, want)
	}
	if redisdedup.DefaultRetention <= 73*time.Hour {
		t.Errorf("DefaultRetention %v is within the platform's retry window", redisdedup.DefaultRetention)
	}
}

// A value Claim does not know (an earlier version's claim: the bare owner
// id) is in flight until Redis expires it, and only its owner's Done or
// Release could end it.
func TestForeignValue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := clients(t)["plain"]
	p := prefix()
	if err := rdb.Set(ctx, p+"k", "SOMEOTHEROWNERID", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	s := redisdedup.New(rdb, redisdedup.WithPrefix(p))
	if st, err := s.Claim(ctx, "k"); err != nil || st != webhook.DedupInFlight {
		t.Errorf("Claim = %v, %v; want in flight", st, err)
	}
	if err := s.Release(ctx, "k"); !errors.Is(err, webhook.ErrClaimLost) {
		t.Errorf("Release = %v, want ErrClaimLost", err)
	}
	if got, _ := rdb.Get(ctx, p+"k").Result(); got != "SOMEOTHEROWNERID" {
		t.Errorf("value %q, want it unchanged", got)
	}
}

// commands counts the commands sent: one per round trip (no pipelines here).
type commands struct{ n atomic.Int64 }

func (c *commands) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *commands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func TestRoundTrips(t *testing.T) {
	t.Parallel()
	for name, rdb := range clients(t) {
		t.Run(name, func(t *testing.T) {
			var c commands
			rdb.AddHook(&c)
			testserver.RoundTrips(t, redisdedup.New(rdb, redisdedup.WithPrefix(prefix())), c.n.Load)
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := redisdedup.New(clients(t)["plain"])
	if _, err := s.Claim(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Claim with a cancelled context: %v", err)
	}
	if err := s.Done(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Done with a cancelled context: %v", err)
	}
	down := redisdedup.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}))
	if _, err := down.Claim(context.Background(), "k"); err == nil {
		t.Error("Claim against no server: no error")
	}
}
