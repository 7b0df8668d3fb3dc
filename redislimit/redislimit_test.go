package redislimit_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/redislimit"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// One Redis server for the package's tests, started on first use: a
// one-node cluster holding every slot, so that both a plain client and a
// cluster client can use it (replicas may use either).
var server = testserver.Once{Start: testserver.StartRedisCluster}

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

// clients returns a plain and a cluster client of the test server, each
// with its own connections, as two replicas would have.
func clients(tb testing.TB) (plain, cluster redis.UniversalClient) {
	tb.Helper()
	addr := server.Get(tb).Addr
	p := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { p.Close() })
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}})
	tb.Cleanup(func() { c.Close() })
	return p, c
}

// prefix is a key prefix of one test's own.
func prefix() string { return "test-" + rand.Text()[:10] + ":" }

func newLimiter(t *testing.T, rdb redis.UniversalClient, opts ...redislimit.Option) *redislimit.Limiter {
	t.Helper()
	l, err := redislimit.New(rdb, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// maxInWindow returns the most times of sorted at within any window of
// length w, both ends included.
func maxInWindow(at []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) > w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

const (
	testUser  = "user-secret-abc"
	testOrg   = "org-secret-def"
	testToken = "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="
)

// replicas sends perReplica hub requests with one token from each of
// len(limiters) Clients (replicas), 4 goroutines each, and returns when
// each request reached the hub, sorted, and how many each replica sent.
func replicas(t *testing.T, perReplica int, limiters ...elements.Limiter) ([]time.Time, []int) {
	t.Helper()
	var mu sync.Mutex
	var arrivals []time.Time
	sent := make([]int, len(limiters))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		mu.Lock()
		arrivals = append(arrivals, now)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	for i, lim := range limiters {
		c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL(srv.URL), elements.WithLimiter(lim),
			elements.WithRetry(0, 0, 0), elements.WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			wg.Go(func() {
				for range perReplica / 4 {
					req, err := c.NewRequest(context.Background(), "GET", "/hubs/scheduling/ping", nil, elements.WithElementToken(testToken))
					if err != nil {
						t.Error(err)
						return
					}
					if _, err := c.Do(req, nil); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					sent[i]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	return arrivals, sent
}

// TestTwoReplicasKeepThePace: two replicas (two Clients, each with its own
// Limiter and Redis connections, one on a plain client and one on a
// cluster client) sending to one account together never put more than 10
// requests in any one-second window, Acuity's limit (the log shows how
// close they keep to the pace of 9 a second). The control shows that the check can fail: replicas
// paced each in its own memory put twice as many in a window.
func TestTwoReplicasKeepThePace(t *testing.T) {
	t.Parallel()
	plain, cluster := clients(t)
	p := prefix()
	arrivals, sent := replicas(t, 16, newLimiter(t, plain, redislimit.WithPrefix(p)), newLimiter(t, cluster, redislimit.WithPrefix(p)))
	if len(arrivals) != 32 || sent[0] != 16 || sent[1] != 16 {
		t.Fatalf("%d requests arrived, replicas sent %v; want 32, 16 each", len(arrivals), sent)
	}
	if n := maxInWindow(arrivals, time.Second); n > 10 {
		t.Errorf("%d requests in the busiest one-second window, want at most Acuity's 10", n)
	}
	t.Logf("32 requests from two replicas in %v; at most %d in a one-second window",
		arrivals[31].Sub(arrivals[0]).Round(time.Millisecond), maxInWindow(arrivals, time.Second))

	t.Run("control: paced in each replica's memory", func(t *testing.T) {
		t.Parallel()
		mem := func() elements.Limiter {
			return elements.NewMemoryLimiter(elements.DefaultRequestInterval, elements.DefaultConcurrentRequests)
		}
		arrivals, _ := replicas(t, 12, mem(), mem())
		n := maxInWindow(arrivals, time.Second)
		if n <= 10 {
			t.Errorf("%d requests in the busiest one-second window from two replicas paced apart, want more than 10", n)
		}
		t.Logf("control: %d requests in the busiest one-second window", n)
	})
}

// TestBackoffHoldsEveryReplica: a 429 one replica met (Backoff) holds the
// account for every replica, for the wait asked; two replicas that met the
// same 429 hold it once, not twice.
func TestBackoffHoldsEveryReplica(t *testing.T) {
	t.Parallel()
	plain, cluster := clients(t)
	p := prefix()
	a, b := newLimiter(t, plain, redislimit.WithPrefix(p)), newLimiter(t, cluster, redislimit.WithPrefix(p))
	ctx := context.Background()
	done, err := a.Wait(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	done()
	start := time.Now()
	for _, l := range []*redislimit.Limiter{a, b} {
		if err := l.Backoff(ctx, "acct", time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Backoff(ctx, "acct", 200*time.Millisecond); err != nil { // shorter: changes nothing
		t.Fatal(err)
	}
	if done, err = b.Wait(ctx, "acct"); err != nil {
		t.Fatal(err)
	}
	done()
	// Booked to within one interval past the second: at least 1 s, and
	// well under the 2 s of two holds one after the other.
	if waited := time.Since(start); waited < 950*time.Millisecond || waited > 1600*time.Millisecond {
		t.Errorf("the other replica's request waited %v after two Backoff(1s), want about 1 s", waited)
	}
	if done, err = b.Wait(ctx, "other"); err != nil { // another account is not held
		t.Fatal(err)
	}
	done()
	if since := time.Since(start); since > 1600*time.Millisecond {
		t.Errorf("another account waited too (%v)", since)
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	plain, _ := clients(t)
	l := newLimiter(t, plain, redislimit.WithPrefix(prefix()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if done, err := l.Wait(ctx, "acct"); !errors.Is(err, context.Canceled) || done != nil {
		t.Errorf("Wait with a canceled context = (done: %t), %v; want Canceled", done != nil, err)
	}
	if err := l.Backoff(context.Background(), "acct", time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if done, err := l.Wait(ctx, "acct"); !errors.Is(err, context.DeadlineExceeded) || done != nil {
		t.Errorf("Wait on a held account past the deadline = (done: %t), %v; want DeadlineExceeded", done != nil, err)
	}
}

// TestConcurrencyPerProcess: at most WithConcurrency requests to one
// account are in flight in the process; done frees a place.
func TestConcurrencyPerProcess(t *testing.T) {
	t.Parallel()
	plain, _ := clients(t)
	l := newLimiter(t, plain, redislimit.WithPrefix(prefix()), redislimit.WithConcurrency(1),
		redislimit.WithLimit(redis_rate.Limit{Rate: 1000, Period: time.Second, Burst: 1}))
	ctx := context.Background()
	first, err := l.Wait(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		done, err := l.Wait(ctx, "acct")
		if err == nil {
			done()
		}
		second <- err
	}()
	select {
	case err := <-second:
		t.Fatalf("a second request started while the first was in flight (%v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	first()
	if err := <-second; err != nil {
		t.Fatal(err)
	}
}

// TestRedisDown: without Redis nothing is sent unpaced: the call fails.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	l := newLimiter(t, rdb)
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL(srv.URL), elements.WithLimiter(l), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.NewRequest(context.Background(), "GET", "/hubs/scheduling/ping", nil, elements.WithElementToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(req, nil)
	if err == nil || !strings.Contains(err.Error(), "redislimit") {
		t.Errorf("Do without Redis = %v, want an error naming redislimit", err)
	}
	if hits != 0 {
		t.Errorf("%d requests sent without Redis, want 0", hits)
	}
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("the error holds the token: %v", err)
	}
}

// TestKeysExpire: an account's key holds no more than its schedule and
// goes when the account is idle; its name holds no token.
func TestKeysExpire(t *testing.T) {
	t.Parallel()
	plain, _ := clients(t)
	ctx := context.Background()
	p := prefix()
	l := newLimiter(t, plain, redislimit.WithPrefix(p))
	done, err := l.Wait(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	done()
	ttl, err := plain.TTL(ctx, "rate:"+p+"acct").Result()
	if err != nil || ttl <= 0 || ttl > time.Second {
		t.Errorf("TTL of the account's key = %v, %v; want at most 1 s", ttl, err)
	}
}

// New checks the options (no Redis needed: it sends nothing): each bad
// value is its error, naming the option; the last of an option given twice
// counts.
func TestOptions(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never reached
	t.Cleanup(func() { _ = rdb.Close() })
	for _, tt := range []struct {
		name string
		opt  redislimit.Option
		want string
	}{
		{"zero rate", redislimit.WithLimit(redis_rate.Limit{Period: time.Second, Burst: 1}), "redislimit: WithLimit: rate, period and burst must be positive"},
		{"zero period", redislimit.WithLimit(redis_rate.Limit{Rate: 1, Burst: 1}), "redislimit: WithLimit: rate, period and burst must be positive"},
		{"zero burst", redislimit.WithLimit(redis_rate.Limit{Rate: 1, Period: time.Second}), "redislimit: WithLimit: rate, period and burst must be positive"},
		{"empty prefix", redislimit.WithPrefix(""), "redislimit: WithPrefix: empty prefix"},
		{"negative concurrency", redislimit.WithConcurrency(-1), "redislimit: WithConcurrency: n must be >= 0, got -1"},
	} {
		if _, err := redislimit.New(rdb, tt.opt); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := redislimit.New(nil); err == nil || err.Error() != "redislimit: New: nil Redis client" {
		t.Errorf("New(nil) = %v, want the nil client's error", err)
	}
	_, err := redislimit.New(nil, redislimit.WithPrefix(""), redislimit.WithConcurrency(-2))
	want := "redislimit: New: nil Redis client\nredislimit: WithPrefix: empty prefix\nredislimit: WithConcurrency: n must be >= 0, got -2"
	if err == nil || err.Error() != want {
		t.Errorf("three bad arguments: %v, want them all", err)
	}
	if _, err := redislimit.New(rdb, redislimit.WithPrefix(""), redislimit.WithConcurrency(-1), nil,
		redislimit.WithPrefix("p:"), redislimit.WithConcurrency(0)); err != nil {
		t.Errorf("bad values set right later: %v", err)
	}
	if got := redislimit.DefaultLimit; got.Period/time.Duration(got.Rate) != elements.DefaultRequestInterval || got.Burst != 1 {
		t.Errorf("DefaultLimit = %v, want one request every %v", got, elements.DefaultRequestInterval)
	}
}
