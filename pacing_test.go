package elements_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/elementsgo/elements"
)

// The client's pacing and its handling of 429 answers, in synctest bubbles
// on in-memory transports: every wait is exact.

// clock records when each request reached the transport, relative to its
// start, and answers with the responses in turn (the last one repeats).
type clock struct {
	t0        time.Time
	mu        sync.Mutex
	at        []string
	bodies    []string
	responses []func() (*http.Response, error)
}

func newClock(mt *httpmock.MockTransport, responses ...func() (*http.Response, error)) *clock {
	c := &clock{t0: time.Now(), responses: responses}
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		var body bytes.Buffer
		if r.Body != nil {
			_, _ = body.ReadFrom(r.Body)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.at = append(c.at, time.Since(c.t0).String())
		c.bodies = append(c.bodies, body.String())
		return c.responses[min(len(c.at), len(c.responses))-1]()
	})
	return c
}

func (c *clock) starts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.at...)
}

// hubGet sends GET path with the test token, as acuity.Account does.
func hubGet(ctx context.Context, c *elements.Client, path string) error {
	req, err := c.NewRequest(ctx, "GET", path, nil, elements.WithElementToken(testToken))
	if err != nil {
		return err
	}
	_, err = c.Do(req, nil)
	return err
}

func TestRateLimitedRequestIsSentAgain(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c, mt := newTestClient(t, elements.WithRetry(0, time.Millisecond, time.Minute), elements.WithLogger(logger))
		clk := newClock(mt, answer(429, "", "Retry-After: 2"), answer(429, "", "Retry-After: 1"), answer(200, `{}`))
		if err := hubGet(context.Background(), c, "/hubs/scheduling/ping"); err != nil {
			t.Fatalf("GET after two 429s, with no retries for failures: %v", err)
		}
		if diff := cmp.Diff([]string{"0s", "2s", "3s"}, clk.starts()); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
		if n := strings.Count(logs.String(), "rate limited (429)"); n != 2 {
			t.Errorf("%d rate-limit waits logged, want 2:\n%s", n, logs.String())
		}
		assertNoSecret(t, "logs", logs.String())
	})
	t.Run("POST", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			c, mt := newTestClient(t, elements.WithRetry(0, time.Millisecond, time.Minute))
			clk := newClock(mt, answer(429, "", "Retry-After: 1"), answer(200, `{"id": 5}`))
			if _, err := c.Instances.Create(context.Background(), seedRequest()); err != nil {
				t.Fatalf("Create after a 429: %v", err)
			}
			if diff := cmp.Diff([]string{"0s", "1s"}, clk.starts()); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
			if clk.bodies[0] != clk.bodies[1] || clk.bodies[0] == "" {
				t.Errorf("sent again with another body:\n%s\n%s", clk.bodies[0], clk.bodies[1])
			}
		})
	})
	t.Run("a Retry-After past WithRateLimitWait: the 429 at once; none: the backoff", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			c, mt := newTestClient(t, elements.WithRetry(0, time.Second, time.Second))
			clk := newClock(mt, answer(429, "", "Retry-After: 3600"), answer(429, ""), answer(200, `{}`))
			var apiErr *elements.APIError
			if err := hubGet(context.Background(), c, "/hubs/scheduling/ping"); !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
				t.Fatalf("an hour's Retry-After, past the default WithRateLimitWait of 5 minutes: %v, want the 429", err)
			}
			if err := hubGet(context.Background(), c, "/hubs/scheduling/ping"); err != nil {
				t.Fatal(err)
			}
			// The account stays held for the hour the platform asked for; then
			// a 429 without a Retry-After waits the backoff.
			if diff := cmp.Diff([]string{"0s", "1h0m0s", "1h0m1s"}, clk.starts()); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
		})
	})
}

// TestRateLimitWait: a call waits out 429s for WithRateLimitWait in total,
// then returns the 429 as an *APIError with its Retry-After; it returns it
// at once when the wait would pass its deadline; a context that ends during
// the wait ends the call.
func TestRateLimitWait(t *testing.T) {
	t.Parallel()
	tooMany := answer(429, `{"message": "slow down"}`, "Retry-After: 1")
	tests := []struct {
		name     string
		wait     time.Duration // WithRateLimitWait
		deadline time.Duration // 0: none
		cancelAt time.Duration // 0: never
		want     []string      // attempts
		wantAt   time.Duration // when the call returned
		wantErr  error         // errors.Is; nil: the 429 as an *APIError
	}{
		{name: "within the wait", wait: 3 * time.Second, want: []string{"0s", "1s", "2s", "3s"}, wantAt: 3 * time.Second},
		{name: "0: the first 429 at once", wait: 0, want: []string{"0s"}},
		{name: "the deadline comes first", wait: time.Minute, deadline: 2500 * time.Millisecond, want: []string{"0s", "1s", "2s"}, wantAt: 2 * time.Second},
		{name: "canceled during the wait", wait: time.Minute, cancelAt: 1500 * time.Millisecond, want: []string{"0s", "1s"},
			wantAt: 1500 * time.Millisecond, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := newTestClient(t, elements.WithRateLimitWait(tt.wait), elements.WithRetry(3, time.Millisecond, time.Minute))
				clk := newClock(mt, tooMany)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tt.deadline > 0 {
					ctx, cancel = context.WithTimeout(ctx, tt.deadline)
					defer cancel()
				}
				if tt.cancelAt > 0 {
					time.AfterFunc(tt.cancelAt, cancel)
				}
				err := hubGet(ctx, c, "/hubs/scheduling/ping")
				if at := time.Since(clk.t0); at != tt.wantAt {
					t.Errorf("returned after %v, want %v", at, tt.wantAt)
				}
				if diff := cmp.Diff(tt.want, clk.starts()); diff != "" {
					t.Errorf("attempts (-want +got):\n%s", diff)
				}
				if tt.wantErr != nil {
					var reqErr *elements.RequestError
					if !errors.Is(err, tt.wantErr) || !errors.As(err, &reqErr) {
						t.Errorf("err = %v, want a *RequestError wrapping %v", err, tt.wantErr)
					}
					return
				}
				var apiErr *elements.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Header.Get("Retry-After") != "1" {
					t.Errorf("err = %v, want the 429 as an *APIError with its Retry-After", err)
				}
			})
		})
	}
}

// TestRateLimitHoldsTheAccount: a 429 tells the limiter, so the account's
// other requests wait for the Retry-After too instead of meeting 429s.
func TestRateLimitHoldsTheAccount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := newTestClient(t, elements.WithRetry(3, time.Millisecond, time.Minute))
		clk := newClock(mt, answer(429, "", "Retry-After: 2"), answer(200, `{}`))
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := hubGet(context.Background(), c, "/hubs/scheduling/ping"); err != nil {
					t.Error(err)
				}
			})
			synctest.Wait()
		}
		wg.Wait()
		// The first gets the 429; the second, queued for 111 ms, goes at
		// 2 s; the first goes again an interval later.
		want := []string{"0s", "2s", (2*time.Second + elements.DefaultRequestInterval).String()}
		if diff := cmp.Diff(want, clk.starts()); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
	})
}

// TestRetriesArePaced: a retry reaches the vendor like any request, so it
// waits for the account's turn too; requests without an element token are
// not paced.
func TestRetriesArePaced(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := newTestClient(t, elements.WithRetry(3, time.Millisecond, time.Millisecond))
		clk := newClock(mt, answer(503, ""), answer(200, `{}`))
		if err := hubGet(context.Background(), c, "/hubs/scheduling/ping"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"0s", elements.DefaultRequestInterval.String()}, clk.starts()); diff != "" {
			t.Errorf("attempts (-want +got):\n%s", diff)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		c, mt := newTestClient(t)
		clk := newClock(mt, answer(200, `{"id": 1}`))
		for range 3 {
			if _, err := c.Instances.Get(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff([]string{"0s", "0s", "0s"}, clk.starts()); diff != "" {
			t.Errorf("requests without an element token (-want +got):\n%s", diff)
		}
	})
}

// TestPacedPlacesAreFreed: every way a call ends frees its place among the
// account's concurrent requests; with one place, a call that kept its place
// would block the next one for good (synctest reports the deadlock).
func TestPacedPlacesAreFreed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := newTestClient(t, elements.WithLimiter(elements.NewMemoryLimiter(0, 1)), elements.WithRetry(1, time.Millisecond, time.Millisecond))
		clk := newClock(mt,
			answer(200, `{"a": 1}`), // decoded
			answer(200, `{}`),       // not decoded
			answer(404, `{"message": "no"}`),
			answer(429, "", "Retry-After: 1"), answer(200, `{}`),
			answer(503, ""), answer(503, ""), // retried, then the 503
			failWith(&tls.CertificateVerificationError{Err: errors.New("x509: unknown authority")}),
			answer(200, `{"a": `), // cut short
			answer(200, `{}`),
		)
		ctx := context.Background()
		for i := range 8 {
			req, err := c.NewRequest(ctx, "GET", "/hubs/scheduling/ping", nil, elements.WithElementToken(testToken))
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]int
			if i == 1 {
				_, err = c.Do(req, nil)
			} else {
				_, err = c.Do(req, &v)
			}
			if wantErr := i >= 2 && i != 3 && i != 7; (err != nil) != wantErr {
				t.Errorf("call %d: err = %v, want an error: %t", i, err, wantErr)
			}
		}
		if n := len(clk.starts()); n != 10 {
			t.Errorf("%d attempts, want 10", n)
		}
	})
}

// WithRetry(0, 0, 0) turns retries off; it must not turn a 429's
// Retry-After into a storm of requests sent again at once (6,502 in 300 ms
// before). The answer's Retry-After is waited whole, and a 429 without one
// waits at least a second.
func TestRateLimitWaitsWithoutRetryWaits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		first func() (*http.Response, error)
		want  []string
	}{
		{"Retry-After 10", answer(429, "", "Retry-After: 10"), []string{"0s", "10s"}},
		{"no Retry-After", answer(429, ""), []string{"0s", "1s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
				clk := newClock(mt, tt.first, answer(200, `{}`))
				if err := hubGet(context.Background(), c, "/hubs/scheduling/ping"); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, clk.starts()); diff != "" {
					t.Errorf("attempts (-want +got):\n%s", diff)
				}
			})
		})
	}
}
