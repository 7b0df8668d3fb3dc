package elements_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/elementsgo/elements"
)

// The client's pacing, in synctest bubbles on in-memory transports: every
// wait is exact.

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
