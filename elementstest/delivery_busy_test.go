package elementstest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// maxOverlap is the most attempts in progress at one instant, from their
// recorded times.
func maxOverlap(ds []elementstest.Delivery) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, d := range ds {
		for _, a := range d.Attempts {
			edges = append(edges, edge{a.Start, 1}, edge{a.Start.Add(a.Duration), -1})
		}
	}
	// At the same instant an end comes before a start: a worker's next
	// attempt starts after the one before ended.
	slices.SortFunc(edges, func(x, y edge) int {
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		return x.delta - y.delta
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

// With WithDeliveryConcurrency(2), a burst of deliveries reaches the
// receiver at most two at a time, as from a platform's pool of two workers;
// the attempts' recorded times show the same.
func TestDeliveryConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	const workers, burst = 2, 12
	var inFlight, most atomic.Int32
	gate := make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if n >= workers {
			open() // from here on the receiver answers at once
		}
		<-gate // the first attempts wait for one another: the workers are all busy
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(cb.Close)
	t.Cleanup(open)
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryConcurrency(workers))
	for i := range burst {
		deliver(t, srv, in.ID, fmt.Sprint(i+1))
	}
	ds := wait(t, srv, burst)
	for _, d := range ds {
		if !d.Delivered || len(d.Attempts) != 1 {
			t.Errorf("%+v: want delivered at the first attempt", d)
		}
	}
	if got := most.Load(); got != workers {
		t.Errorf("the receiver saw %d deliveries at once, want %d", got, workers)
	}
	if got := maxOverlap(ds); got > workers {
		t.Errorf("the recorded attempts overlap %d at once, want at most %d", got, workers)
	}
}

// WithTimeScale scales the attempt timeout (the fake's assumed 2 s) and
// the retry waits together: at 1/100, an attempt times out after 20 ms and the first
// devportal retry comes 40 ms after it.
func TestTimeScaleScalesTimeoutAndWaits(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var hits atomic.Int32
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1) == 1 {
			select { // hangs until the fake gives up on it
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(cb.Close)
	t.Cleanup(func() { close(release) })
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithRetrySchedule(elementstest.DevPortalSchedule), elementstest.WithTimeScale(0.01))
	if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated}); err != nil {
		t.Fatal(err)
	}
	d := wait(t, srv, 1)[0]
	a := d.Attempts
	if !d.Delivered || len(a) < 2 {
		t.Fatalf("%+v: want a timeout, then delivered", d)
	}
	if a[0].Err != "timeout after 20ms" || a[0].StatusCode != 0 || a[0].Duration < 20*time.Millisecond {
		t.Errorf("first attempt %+v, want a timeout after 20ms", a[0])
	}
	if gap := a[1].Start.Sub(a[0].Start.Add(a[0].Duration)); gap < 40*time.Millisecond {
		t.Errorf("first retry %v after the timeout, want at least 40ms (4 s scaled)", gap)
	}
	// A loaded machine may miss 20 ms again; what follows is retried the
	// same way, and the delivery ends with the receiver's answer.
	if last := a[len(a)-1]; last.StatusCode != http.StatusNoContent {
		t.Errorf("last attempt %+v, want 204", last)
	}
	for _, x := range a[1 : len(a)-1] {
		if !strings.HasPrefix(x.Err, "timeout after 20ms") {
			t.Errorf("attempt %+v between the first and the last: want a timeout", x)
		}
	}
}
