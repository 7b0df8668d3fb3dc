package elements_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
)

// A queue worker must not hold its worker while one tenant's burst waits
// for its turns: with WithPaceWait, a call whose turn is further away
// returns an error wrapping ErrRateLimited with a RetryAfter, sends
// nothing and gives its turn back, so the next call's turn is not delayed.
func TestPaceWaitGivesUpAndSendsNothing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, mt := newTestClient(t, elements.WithLimiter(elements.NewMemoryLimiter(time.Second, 20)),
			elements.WithPaceWait(300*time.Millisecond))
		clk := newClock(mt, answer(200, `{}`))
		ctx := context.Background()
		if err := hubGet(ctx, c, "/hubs/scheduling/ping"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { errs[i] = hubGet(ctx, c, "/hubs/scheduling/ping") })
		}
		wg.Wait()
		if since := time.Since(clk.t0); since != 300*time.Millisecond {
			t.Errorf("the calls gave up after %v, want 300ms", since)
		}
		for i, err := range errs {
			var ra interface{ RetryAfter() (time.Duration, bool) }
			if !errors.Is(err, elements.ErrRateLimited) || !errors.As(err, &ra) {
				t.Fatalf("call %d: %v, want an error wrapping ErrRateLimited with a RetryAfter", i, err)
			}
			if d, ok := ra.RetryAfter(); !ok || d <= 0 {
				t.Errorf("call %d: RetryAfter() = %v, %v", i, d, ok)
			}
		}
		// Nothing was sent for them, and their turns were given back: a
		// call at the first call's next turn, one second in, goes at once
		// (it would wait three turns more, and give up, if they were held).
		time.Sleep(time.Second - time.Since(clk.t0))
		if err := hubGet(ctx, c, "/hubs/scheduling/ping"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"0s", "1s"}, clk.starts()); diff != "" {
			t.Errorf("requests sent (-want +got):\n%s", diff)
		}
	})
}

// A 429 the call returns matches ErrRateLimited too.
func TestAPIError429IsRateLimited(t *testing.T) {
	t.Parallel()
	if !errors.Is(&elements.APIError{StatusCode: 429}, elements.ErrRateLimited) || errors.Is(&elements.APIError{StatusCode: 503}, elements.ErrRateLimited) {
		t.Error("APIError.Is(ErrRateLimited) should hold for a 429 only")
	}
}

func TestPaceWaitOption(t *testing.T) {
	t.Parallel()
	if _, err := elements.NewClient("user-secret-x", "org-secret-x", elements.WithPaceWait(-time.Second)); err == nil {
		t.Error("a negative WithPaceWait: no error")
	}
}
