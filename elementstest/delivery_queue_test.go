package elementstest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
)

// failingReceiver answers 503 to every delivery, after holding the one for
// objectId "held" until release is called; got receives each objectId as it
// arrives.
func failingReceiver(t *testing.T) (srv *httptest.Server, got chan string, release func()) {
	t.Helper()
	got = make(chan string, 16)
	gate := make(chan struct{})
	release = sync.OnceFunc(func() { close(gate) })
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		n, err := webhook.ParseNotification(b)
		if err != nil {
			t.Errorf("receiver: %v", err)
			return
		}
		got <- n.Events[0].ObjectID
		if n.Events[0].ObjectID == "held" {
			<-gate
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(release) // runs before srv.Close
	return srv, got, release
}

func queuedIDs(t *testing.T, srv *elementstest.Server, callbackURL string) []string {
	t.Helper()
	return eventIDs(listQueued(t, srv, callbackURL))
}

// When a subscription is deactivated, every delivery for its URL that is
// not done is queued with it: one waiting for its retry (here an hour away)
// at once, one being attempted when its attempt fails, one made later
// without an attempt. The queue keeps the order the notifications were
// made in.
func TestDeactivationQueuesEveryPendingDelivery(t *testing.T) {
	t.Parallel()
	t.Run("waiting for a retry", func(t *testing.T) {
		t.Parallel()
		cb, got, _ := failingReceiver(t)
		srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryRetry(1, time.Hour, time.Hour))
		waiting := deliver(t, srv, in.ID, "waiting")
		<-got // its first attempt failed (or is failing): its retry is an hour away
		if status, _, b := wire(t, srv, http.MethodPatch, "/accounts/settings", `{"notification.webhook.failure.policy":"queue"}`); status != http.StatusOK {
			t.Fatalf("PATCH settings: %d %s", status, b)
		}
		// Its attempt is over by now, all but always; should its outcome be
		// recorded only after the PATCH, the queue policy deactivates the
		// subscription at it instead, and it is queued all the same.
		failing := deliver(t, srv, in.ID, "failing") // fails once: the queue policy deactivates
		ds := wait(t, srv, 2)
		if d := byEventID(ds, waiting); d.Status != elementstest.DeliveryQueued || len(d.Attempts) != 1 {
			t.Errorf("%+v: want queued after its one attempt, not waiting an hour for its retry", d)
		}
		if d := byEventID(ds, failing); d.Status != elementstest.DeliveryQueued || len(d.Attempts) > 1 {
			t.Errorf("%+v: want queued after at most one attempt", d)
		}
		if diff := cmp.Diff([]string{waiting, failing}, queuedIDs(t, srv, cb.URL)); diff != "" {
			t.Errorf("queue (-want +got):\n%s", diff)
		}
	})
	t.Run("being attempted", func(t *testing.T) {
		t.Parallel()
		cb, got, release := failingReceiver(t)
		srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryRetry(0, 0, 0))
		held := deliver(t, srv, in.ID, "held")
		<-got
		failing := deliver(t, srv, in.ID, "failing") // its only attempt fails: deactivated
		if d := wait(t, srv, 1); d[0].EventID != failing || srv.Queued(cb.URL) != 1 {
			t.Fatalf("finished %+v, Queued %d: want the failing one queued alone", d, srv.Queued(cb.URL))
		}
		release() // the held attempt fails now, after the deactivation
		later := deliver(t, srv, in.ID, "later")
		ds := wait(t, srv, 3)
		for id, attempts := range map[string]int{held: 1, failing: 1, later: 0} {
			if d := byEventID(ds, id); d.Status != elementstest.DeliveryQueued || len(d.Attempts) != attempts {
				t.Errorf("%+v: want queued after %d attempts", d, attempts)
			}
		}
		if diff := cmp.Diff([]string{held, failing, later}, queuedIDs(t, srv, cb.URL)); diff != "" {
			t.Errorf("queue (-want +got):\n%s", diff)
		}
	})
}

// A redelivery that fails goes the normal way: retried, then queued again
// with the subscription deactivated anew; GET lists it queued again.
func TestFailedRedeliveryIsQueuedAgain(t *testing.T) {
	t.Parallel()
	cb, _, _ := failingReceiver(t)
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryRetry(1, 0, 0))
	id := deliver(t, srv, in.ID, "1")
	wait(t, srv, 1)
	q := url.Values{"where": {whereQueued(cb.URL)}}
	if status, _, b := wire(t, srv, http.MethodPut, "/notifications/subscriptions/deliveries?"+q.Encode(), ""); status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, b)
	}
	d := wait(t, srv, 1)[0]
	want := []elementstest.Attempt{{StatusCode: 503}, {StatusCode: 503}, {StatusCode: 503, Redelivery: true}, {StatusCode: 503, Redelivery: true}}
	if diff := cmp.Diff(want, d.Attempts, ignoreTiming); diff != "" || d.Status != elementstest.DeliveryQueued {
		t.Errorf("status %q, attempts (-want +got):\n%s", d.Status, diff)
	}
	if diff := cmp.Diff([]string{id}, queuedIDs(t, srv, cb.URL)); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
}
