package elements_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/internal/paging"
	"github.com/elementsgo/elements/webhook"
)

// TestE2ERecoveryAfterTheRetryWindow runs the README's recovery runbook
// through the client against the fake, under both documented retry
// schedules (scaled down) and under the queue policy: a receiver down
// longer than the retry window, the subscription deactivated, later
// notifications queued and seen through Deliveries.Queued, the receiver
// back, Deliveries.Redeliver, and every notification handled exactly once,
// the one whose answer was lost during the outage included (the
// receiver's Deduplicator knows it).
func TestE2ERecoveryAfterTheRetryWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		schedule elementstest.RetrySchedule
		scale    float64
		policy   elements.FailurePolicy
	}{
		{"devportal schedule", elementstest.DevPortalSchedule, 1e-6, elements.FailurePolicyRetry},
		{"SAP help schedule", elementstest.SAPHelpSchedule, 1e-5, elements.FailurePolicyRetry},
		{"queue policy", elementstest.DevPortalSchedule, 1e-6, elements.FailurePolicyQueue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			rcv := newFlakyReceiver(t, "sig-key")
			srv, c := e2e(t, elementstest.WithRetrySchedule(tc.schedule), elementstest.WithTimeScale(tc.scale),
				elementstest.WithDeliveryTimeout(10*time.Second))
			if err := c.Deliveries.SetFailurePolicy(ctx, tc.policy); err != nil {
				t.Fatal(err)
			}
			if got, err := c.Deliveries.FailurePolicy(ctx); err != nil || got != tc.policy {
				t.Fatalf("FailurePolicy = %q, %v; want %q", got, err, tc.policy)
			}
			req := acuityRequest(t, "Front desk")
			req.Configuration.EventCallbackURL = rcv.srv.URL
			in, err := c.Instances.Create(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			deliver := func(objectID string) string {
				t.Helper()
				id, err := srv.Deliver(in.ID, webhook.Event{ElementKey: acuity.ElementKey, ObjectType: acuity.ObjectAppointments,
					EventType: webhook.EventCreated, ObjectID: objectID})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			waitFor := func(n int) {
				t.Helper()
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if _, err := srv.WaitForDeliveries(wctx, n); err != nil {
					t.Fatal(err)
				}
			}

			// The receiver is down through the whole retry window; the
			// first delivery is handled, but its answer is lost.
			rcv.down.Store(true)
			rcv.loseNext.Store(true)
			ids := []string{deliver("1")}
			waitFor(1)
			ids = append(ids, deliver("2"), deliver("3")) // queued at once: the subscription is off
			waitFor(3)

			var queued []string
			for d, err := range c.Deliveries.Queued(ctx, rcv.srv.URL) {
				if err != nil {
					t.Fatal(err)
				}
				if d.Status != elements.DeliveryStatusQueued {
					t.Errorf("queued delivery %s has status %q", d.EventID, d.Status)
				}
				queued = append(queued, d.EventID)
			}
			if diff := cmp.Diff(ids, queued); diff != "" {
				t.Errorf("Queued (-want +got event ids):\n%s", diff)
			}
			events, err := paging.Collect(c.Instances.Events(ctx, in.ID, nil))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range events {
				if e.Status == elements.EventStatusNotified {
					t.Errorf("event %s reads NOTIFIED during the outage", e.ID)
				}
			}

			// The receiver is fixed; Redeliver sends what waited.
			rcv.down.Store(false)
			if err := c.Deliveries.Redeliver(ctx, rcv.srv.URL); err != nil {
				t.Fatal(err)
			}
			waitFor(3)
			if n := srv.Queued(rcv.srv.URL); n != 0 {
				t.Errorf("%d notifications still queued after Redeliver", n)
			}
			for d, err := range c.Deliveries.Queued(ctx, rcv.srv.URL) {
				t.Errorf("Queued after Redeliver: %+v, %v", d, err)
			}
			want := map[string]int{ids[0]: 1, ids[1]: 1, ids[2]: 1}
			if diff := cmp.Diff(want, rcv.handledByEvent()); diff != "" {
				t.Errorf("notifications handled (-want +got):\n%s", diff)
			}
		})
	}
}

// flakyReceiver is a webhook.Handler with a MemoryDeduplicator behind a
// switch: while down it answers 503 without handling, except that
// loseNext has the next request handled and its answer lost (503 instead
// of 200), as a receiver that stored an event and then timed out.
type flakyReceiver struct {
	srv      *httptest.Server
	down     atomic.Bool
	loseNext atomic.Bool
	mu       sync.Mutex
	handled  map[string]int
}

func newFlakyReceiver(t *testing.T, key string) *flakyReceiver {
	t.Helper()
	f := &flakyReceiver{handled: map[string]int{}}
	h := &webhook.Handler{SigningKeys: webhook.Secrets{key}, Deduplicator: webhook.NewMemoryDeduplicator(0)}
	h.HandleDefault(func(_ context.Context, n *webhook.Notification, _ webhook.Event) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.handled[n.EventID]++
		return nil
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() {
			if f.loseNext.CompareAndSwap(true, false) {
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flakyReceiver) handledByEvent() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.handled)
}
