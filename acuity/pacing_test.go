package acuity

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/elementsgo/elements"
	"github.com/jarcoal/httpmock"
)

// pacedAccount returns, inside a synctest bubble, an Account on an
// in-memory transport paced at interval, and the start times of the
// requests that reached the transport.
func pacedAccount(t *testing.T, interval time.Duration) (*Account, func() []time.Time) {
	t.Helper()
	var mu sync.Mutex
	var starts []time.Time
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", "https://platform.test/elements/api-v2/hubs/scheduling/ping", func(*http.Request) (*http.Response, error) {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return httpmock.NewStringResponse(http.StatusOK, `{}`), nil
	})
	c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL("https://platform.test/elements/api-v2"),
		elements.WithRetry(0, 0, 0), elements.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccount(c, testToken)
	if err != nil {
		t.Fatal(err)
	}
	a.SetMinInterval(interval)
	return a, func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Time(nil), starts...)
	}
}

// TestPacerSlotsReturned: callers that gave up (their context ended while
// they waited, as deliveries the platform timed out do) or that came with
// a context already done hold no place in the pace: the next caller starts
// within one interval of the last request that was sent.
func TestPacerSlotsReturned(t *testing.T) {
	t.Parallel()
	const interval = 100 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		a, starts := pacedAccount(t, interval)
		if err := a.Ping(context.Background()); err != nil { // takes the first slot
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 100 { // each would wait; each gives up after 50 ms
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), interval/2)
				defer cancel()
				if err := a.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Ping with a 50 ms deadline = %v, want DeadlineExceeded", err)
				}
			})
		}
		wg.Wait()
		done, cancel := context.WithCancel(context.Background())
		cancel()
		for range 100 { // a context already done takes no slot
			if err := a.Ping(done); !errors.Is(err, context.Canceled) {
				t.Fatalf("Ping with a canceled context = %v, want Canceled", err)
			}
		}
		before := time.Now()
		if err := a.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := starts()
		if len(got) != 2 {
			t.Fatalf("%d requests sent, want 2 (the first and the last caller)", len(got))
		}
		if wait := got[1].Sub(before); wait > interval {
			t.Errorf("the next caller waited %v after 200 callers gave up, want at most one interval (%v)", wait, interval)
		}
		if gap := got[1].Sub(got[0]); gap < interval {
			t.Errorf("two requests %v apart, want at least %v", gap, interval)
		}
	})
}

// TestPacerOrder: waiters are served in the order they came, one interval
// apart, and one that gives up in the middle of the queue lets the ones
// behind it move up.
func TestPacerOrder(t *testing.T) {
	t.Parallel()
	const interval = 100 * time.Millisecond
	synctest.Test(t, func(t *testing.T) {
		a, starts := pacedAccount(t, interval)
		t0 := time.Now()
		var wg sync.WaitGroup
		for i := range 5 {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if i == 2 { // the third gives up at 150 ms, before its turn at 200 ms
				ctx, cancel = context.WithTimeout(ctx, 150*time.Millisecond)
			}
			wg.Go(func() {
				defer cancel()
				err := a.Ping(ctx)
				if (i == 2) != (err != nil) {
					t.Errorf("caller %d: Ping = %v", i, err)
				}
			})
			synctest.Wait() // queued in this order
		}
		wg.Wait()
		var got []time.Duration
		for _, at := range starts() {
			got = append(got, at.Sub(t0))
		}
		want := []time.Duration{0, interval, 2 * interval, 3 * interval}
		if len(got) != len(want) {
			t.Fatalf("requests started at %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("requests started at %v, want %v", got, want)
				break
			}
		}
	})
}
