package elements_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
)

// starts runs one Wait per context on l for account, each in its own
// goroutine in the given order, calls done at once, and returns when each
// one started (relative to the first ask) or the error it got, in the
// order they were asked.
func starts(t *testing.T, l elements.Limiter, account string, ctxs ...context.Context) []string {
	t.Helper()
	t0 := time.Now()
	out := make([]string, len(ctxs))
	var wg sync.WaitGroup
	for i, ctx := range ctxs {
		wg.Go(func() {
			done, err := l.Wait(ctx, account)
			if err != nil {
				out[i] = err.Error()
				return
			}
			out[i] = time.Since(t0).String()
			done()
		})
		synctest.Wait() // queued in this order
	}
	wg.Wait()
	return out
}

func background(n int) []context.Context {
	ctxs := make([]context.Context, n)
	for i := range ctxs {
		ctxs[i] = context.Background()
	}
	return ctxs
}

func TestMemoryLimiterSpacesRequests(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(100*time.Millisecond, 0)
		got := starts(t, l, "a", background(4)...)
		if diff := cmp.Diff([]string{"0s", "100ms", "200ms", "300ms"}, got); diff != "" {
			t.Errorf("starts (-want +got):\n%s", diff)
		}
		// Another account has a pace of its own; this one's next turn is
		// 100 ms after its last start.
		if got := starts(t, l, "b", background(2)...); !cmp.Equal([]string{"0s", "100ms"}, got) {
			t.Errorf("another account's starts = %v, want [0s 100ms]", got)
		}
		time.Sleep(time.Second)
		if got := starts(t, l, "a", background(1)...); !cmp.Equal([]string{"0s"}, got) {
			t.Errorf("after a pause, starts = %v, want [0s]", got)
		}
	})
}

// TestMemoryLimiterDefaultWindow: at the default pace, no one-second
// window (both ends included) ever holds more than 10 starts, Acuity's
// limit, and the pace keeps 9 a second.
func TestMemoryLimiterDefaultWindow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(elements.DefaultRequestInterval, elements.DefaultConcurrentRequests)
		var mu sync.Mutex
		var at []time.Time
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				done, err := l.Wait(context.Background(), "a")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				at = append(at, time.Now())
				mu.Unlock()
				done()
			})
		}
		wg.Wait()
		if n := maxInWindow(at, time.Second); n != 10 {
			t.Errorf("at most %d starts in a one-second window, want 10", n)
		}
		if span := at[len(at)-1].Sub(at[0]); span != 99*elements.DefaultRequestInterval {
			t.Errorf("100 starts spanned %v, want %v", span, 99*elements.DefaultRequestInterval)
		}
	})
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

// TestMemoryLimiterGiveUp (issue 16): a request whose context is already
// done takes no turn, and one whose context ends while it waits leaves the
// queue: the ones behind it move up.
func TestMemoryLimiterGiveUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(100*time.Millisecond, 0)
		canceled, cancel := context.WithCancel(context.Background())
		cancel()
		short, cancelShort := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancelShort()
		bg := context.Background()
		got := starts(t, l, "a", bg, bg, canceled, short, bg, bg)
		want := []string{"0s", "100ms", "context canceled", "context deadline exceeded", "200ms", "300ms"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("starts (-want +got):\n%s", diff)
		}

		// One start, 100 requests that give up 50 ms later, before their
		// turn, then one more at 60 ms: it starts at 100 ms, one interval
		// after the last start, not 100 intervals later.
		done, err := l.Wait(context.Background(), "b")
		if err != nil {
			t.Fatal(err)
		}
		done()
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				if _, err := l.Wait(ctx, "b"); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("a Wait with a deadline before its turn = %v, want DeadlineExceeded", err)
				}
			})
		}
		wg.Wait()
		time.Sleep(10 * time.Millisecond)
		if got := starts(t, l, "b", background(2)...); !cmp.Equal([]string{"40ms", "140ms"}, got) {
			t.Errorf("at 60 ms, after 100 gave up, starts = %v, want [40ms 140ms]", got)
		}
	})
}

// TestMemoryLimiterGiveBack: a request let go just as its context ended
// either starts (and the next waits its interval) or gives its turn back
// (and the next starts at once); never both nor neither.
func TestMemoryLimiterGiveBack(t *testing.T) {
	t.Parallel()
	for i := range 20 {
		synctest.Test(t, func(t *testing.T) {
			l := elements.NewMemoryLimiter(100*time.Millisecond, 0)
			done, err := l.Wait(context.Background(), "a")
			if err != nil {
				t.Fatal(err)
			}
			done()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond) // ends at its turn
			defer cancel()
			done, err = l.Wait(ctx, "a")
			if err == nil {
				done()
			}
			got := starts(t, l, "a", background(1)...)
			want := "100ms"
			if err != nil {
				want = "0s"
			}
			if !cmp.Equal([]string{want}, got) {
				t.Errorf("run %d: second Wait = %v; the next started after %v, want %s", i, err, got, want)
			}
		})
	}
}

func TestMemoryLimiterConcurrency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(0, 2)
		var running, most int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 7 {
			wg.Go(func() {
				done, err := l.Wait(context.Background(), "a")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				running++
				most = max(most, running)
				mu.Unlock()
				time.Sleep(time.Second)
				mu.Lock()
				running--
				mu.Unlock()
				done()
				done() // a second call frees nothing more
			})
		}
		start := time.Now()
		wg.Wait()
		if most != 2 {
			t.Errorf("%d requests in flight at once, want 2", most)
		}
		if took := time.Since(start); took != 4*time.Second {
			t.Errorf("7 requests of 1 s, 2 at a time, took %v, want 4s", took)
		}
	})
}

func TestMemoryLimiterBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(100*time.Millisecond, 0)
		if err := l.Backoff(context.Background(), "a", 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if err := l.Backoff(context.Background(), "a", time.Second); err != nil { // shorter: changes nothing
			t.Fatal(err)
		}
		if got := starts(t, l, "a", background(2)...); !cmp.Equal([]string{"2s", "2.1s"}, got) {
			t.Errorf("after Backoff(2s), starts = %v, want [2s 2.1s]", got)
		}
		if got := starts(t, l, "b", background(1)...); !cmp.Equal([]string{"0s"}, got) {
			t.Errorf("another account starts after %v, want at once", got)
		}
	})
}

func TestMemoryLimiterOff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(0, 0)
		if got := starts(t, l, "a", background(3)...); !cmp.Equal([]string{"0s", "0s", "0s"}, got) {
			t.Errorf("starts = %v, want all at once", got)
		}
	})
}

// TestMemoryLimiterForgetsIdleAccounts: the limiter's memory follows the
// accounts in use, not every account it ever saw.
func TestMemoryLimiterForgetsIdleAccounts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := elements.NewMemoryLimiter(100*time.Millisecond, 0)
		for round := range 5 {
			for i := range 1000 {
				done, err := l.Wait(context.Background(), fmt.Sprint(round, "-", i))
				if err != nil {
					t.Fatal(err)
				}
				done()
			}
			time.Sleep(time.Second)
		}
		if n := elements.LimiterAccounts(l); n > 2000 {
			t.Errorf("%d accounts remembered after 5 rounds of 1000 idle ones, want at most 2000", n)
		}
	})
}

func TestLimiterOptions(t *testing.T) {
	t.Parallel()
	if _, err := elements.NewClient(testUserSecret, testOrgSecret, elements.WithLimiter(nil)); err == nil {
		t.Error("WithLimiter(nil) accepted")
	}
	if _, err := elements.NewClient(testUserSecret, testOrgSecret, elements.WithRateLimitWait(-time.Second)); err == nil {
		t.Error("WithRateLimitWait(-1s) accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, l := range []elements.Limiter{elements.NewMemoryLimiter(0, 0), elements.NewMemoryLimiter(time.Hour, 1)} {
		if done, err := l.Wait(ctx, "a"); !errors.Is(err, context.Canceled) || done != nil {
			t.Errorf("Wait with a canceled context = (done: %t), %v; want nil, Canceled", done != nil, err)
		}
	}
}
