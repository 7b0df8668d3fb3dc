package elementstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/internal/paging"
	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
)

// outageReceiver is a webhook.Handler with a MemoryDeduplicator behind a
// switch: while down it answers 503 without handling the request, except
// that loseNext has the next request handled and its answer lost (503
// instead of 200), as when a receiver stored an event and then timed out.
type outageReceiver struct {
	srv      *httptest.Server
	down     atomic.Bool
	loseNext atomic.Bool

	mu      sync.Mutex
	handled map[string]int // route calls by eventId
	acked   []string       // eventIds answered 2xx, in order
}

func newOutageReceiver(t *testing.T) *outageReceiver {
	t.Helper()
	o := &outageReceiver{handled: map[string]int{}}
	h := &webhook.Handler{SigningKeys: []string{signingKey}, Deduplicator: webhook.NewMemoryDeduplicator(100)}
	h.HandleDefault(func(_ context.Context, n *webhook.Notification, _ webhook.Event) error {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.handled[n.EventID]++
		return nil
	})
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.down.Load() && !o.loseNext.CompareAndSwap(true, false) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if o.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if rec.Code/100 == 2 {
			n, _ := webhook.ParseNotification(body)
			o.mu.Lock()
			o.acked = append(o.acked, n.EventID)
			o.mu.Unlock()
		}
		w.WriteHeader(rec.Code)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *outageReceiver) seen() (map[string]int, []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	handled := make(map[string]int, len(o.handled))
	for k, v := range o.handled {
		handled[k] = v
	}
	return handled, append([]string(nil), o.acked...)
}

// wire makes one raw API call (pathQuery relative to srv.URL) with the
// secrets setup's client uses, and returns the status, headers and body.
func wire(t *testing.T, srv *elementstest.Server, method, pathQuery, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+pathQuery, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "User user-secret, Organization org-secret")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// ceqlQuote is a CEQL string: quoted, a quote inside doubled.
func ceqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func whereQueued(callbackURL string) string {
	return "channel='webhook' and status='queued' and config.url=" + ceqlQuote(callbackURL)
}

// wireDelivery is a hydrated delivery as the fake answers it.
type wireDelivery struct {
	NotificationID int64  `json:"notificationId"`
	SubscriptionID int64  `json:"subscriptionId"`
	Status         string `json:"status"`
	CreatedDate    string `json:"createdDate"`
	UpdatedDate    string `json:"updatedDate"`
	Notification   struct {
		ID       int64  `json:"id"`
		From     string `json:"from"`
		Topic    string `json:"topic"`
		Severity string `json:"severity"`
		Message  struct {
			EventID    string `json:"eventId"`
			InstanceID int64  `json:"instanceId"`
		} `json:"message"`
		CreatedDate  string `json:"createdDate"`
		Active       bool   `json:"active"`
		Acknowledged bool   `json:"acknowledged"`
	} `json:"notification"`
	Subscription struct {
		ID      int64    `json:"id"`
		Channel string   `json:"channel"`
		Topics  []string `json:"topics"`
		Config  struct {
			URL string `json:"url"`
		} `json:"config"`
	} `json:"subscription"`
}

// listQueued reads every page of GET /notifications/subscriptions/deliveries
// for the callback URL's queue, two at a time, by the platform's paging rule.
func listQueued(t *testing.T, srv *elementstest.Server, callbackURL string) []wireDelivery {
	t.Helper()
	var all []wireDelivery
	seen := map[string]bool{}
	next := ""
	for {
		q := url.Values{"where": {whereQueued(callbackURL)}, "hydrate": {"true"}, "pageSize": {"2"}, "nextPage": {next}}
		status, header, body := wire(t, srv, http.MethodGet, "/notifications/subscriptions/deliveries?"+q.Encode(), "")
		if status == http.StatusNotFound && strings.Contains(string(body), "No deliveries found") {
			return all
		}
		var page []wireDelivery
		if err := json.Unmarshal(body, &page); status != http.StatusOK || err != nil {
			t.Fatalf("GET deliveries: %d %s (%v)", status, body, err)
		}
		all = append(all, page...)
		next = header.Get("Elements-Next-Page-Token")
		if len(page) == 0 || next == "" || seen[next] {
			return all
		}
		seen[next] = true
	}
}

func eventIDs(ds []wireDelivery) []string {
	ids := make([]string, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.Notification.Message.EventID)
	}
	return ids
}

// eventStatuses reads the instance's events log through the client.
func eventStatuses(t *testing.T, srv *elementstest.Server, id int64) map[string]string {
	t.Helper()
	client, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	events, err := paging.Collect(client.Instances.Events(context.Background(), id, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range events {
		got[e.ID] = e.Status
	}
	return got
}

func deliver(t *testing.T, srv *elementstest.Server, id int64, objectID string) string {
	t.Helper()
	eventID, err := srv.Deliver(id, webhook.Event{ObjectType: "appointments", EventType: webhook.EventCreated, ObjectID: objectID})
	if err != nil {
		t.Fatal(err)
	}
	return eventID
}

func byEventID(ds []elementstest.Delivery, eventID string) elementstest.Delivery {
	for _, d := range ds {
		if d.EventID == eventID {
			return d
		}
	}
	return elementstest.Delivery{}
}

// TestOutageQueuesAndRedelivers plays a receiver down longer than the
// (scaled) retry window, under both documented schedules and under the
// queue policy: the retries fail, the subscription is deactivated, later
// notifications wait queued (Server.Queued, GET deliveries, the events
// log), the receiver comes back, a PUT redelivers, and every notification
// is handled exactly once, the one handled during the outage too.
func TestOutageQueuesAndRedelivers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		schedule elementstest.RetrySchedule
		scale    float64
		policy   string // "" leaves the account's default
		retries  int    // retries before the subscription is deactivated
	}{
		{"devportal schedule", elementstest.DevPortalSchedule, 1e-6, "", 9},
		{"SAP help schedule", elementstest.SAPHelpSchedule, 1e-5, "", 5},
		{"queue policy", elementstest.DevPortalSchedule, 1e-6, "queue", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcv := newOutageReceiver(t)
			srv, in := setup(t, &receiver{srv: rcv.srv}, elementstest.WithRetrySchedule(tc.schedule),
				elementstest.WithTimeScale(tc.scale), elementstest.WithDeliveryTimeout(10*time.Second))
			cb := rcv.srv.URL
			if tc.policy != "" {
				body := `{"notification.webhook.failure.policy": "` + tc.policy + `"}`
				if status, _, b := wire(t, srv, http.MethodPatch, "/accounts/settings", body); status != http.StatusOK {
					t.Fatalf("PATCH settings: %d %s", status, b)
				}
			}
			before := deliver(t, srv, in.ID, "1")
			wait(t, srv, 1)

			// The receiver goes down; the first attempt of the first
			// notification is handled but its answer lost.
			rcv.down.Store(true)
			rcv.loseNext.Store(true)
			first := deliver(t, srv, in.ID, "2")
			d := byEventID(wait(t, srv, 2), first)
			if d.Status != elementstest.DeliveryQueued || d.Delivered || len(d.Attempts) != 1+tc.retries {
				t.Fatalf("first delivery of the outage: status %q, %d attempts; want queued after %d", d.Status, len(d.Attempts), 1+tc.retries)
			}
			for x, a := range d.Attempts {
				if a.StatusCode != http.StatusServiceUnavailable || a.Start.IsZero() || a.Duration <= 0 {
					t.Errorf("attempt %d: %+v, want a timed 503", x, a)
				}
				if x == 0 {
					continue
				}
				prev := d.Attempts[x-1]
				want := time.Duration(float64(tc.schedule.At(x)-tc.schedule.At(x-1)) * tc.scale)
				if x == 1 {
					want = time.Duration(float64(tc.schedule.At(1)) * tc.scale)
				}
				if gap := a.Start.Sub(prev.Start.Add(prev.Duration)); gap < want-time.Nanosecond {
					t.Errorf("retry %d came %v after the attempt before, want at least %v", x, gap, want)
				}
			}
			if tc.retries > 0 {
				last, end0 := d.Attempts[tc.retries].Start, d.Attempts[0].Start.Add(d.Attempts[0].Duration)
				if window := time.Duration(float64(tc.schedule.At(tc.retries)) * tc.scale); last.Sub(end0) < window-time.Duration(tc.retries) {
					t.Errorf("last retry %v after the first failure, want at least the scaled %v", last.Sub(end0), window)
				}
			}

			// Later notifications are queued at once: the subscription is
			// deactivated.
			later := []string{deliver(t, srv, in.ID, "3"), deliver(t, srv, in.ID, "4")}
			for _, id := range later {
				if d := byEventID(srv.Deliveries(), id); d.Status != elementstest.DeliveryQueued || !d.Done || len(d.Attempts) != 0 {
					t.Errorf("notification during the outage: %+v, want queued without an attempt", d)
				}
			}
			queued := append([]string{first}, later...)
			if n := srv.Queued(cb); n != 3 {
				t.Errorf("Queued = %d, want 3", n)
			}
			list := listQueued(t, srv, cb)
			if diff := cmp.Diff(queued, eventIDs(list)); diff != "" {
				t.Errorf("GET queued deliveries (-want +got event ids):\n%s", diff)
			}
			for _, w := range list {
				if w.Status != "queued" || w.Subscription.Config.URL != cb || w.Subscription.Channel != "webhook" ||
					w.SubscriptionID != list[0].SubscriptionID || w.Notification.ID != w.NotificationID || w.Notification.Message.InstanceID != in.ID {
					t.Errorf("queued delivery %+v", w)
				}
			}
			wantLog := map[string]string{before: elements.EventStatusNotified, first: elements.EventStatusDispatched,
				later[0]: elements.EventStatusReceived, later[1]: elements.EventStatusReceived}
			if diff := cmp.Diff(wantLog, eventStatuses(t, srv, in.ID)); diff != "" {
				t.Errorf("events log during the outage (-want +got):\n%s", diff)
			}

			// The receiver is back; a PUT redelivers the queue in order.
			rcv.down.Store(false)
			q := url.Values{"where": {whereQueued(cb)}}
			status, _, body := wire(t, srv, http.MethodPut, "/notifications/subscriptions/deliveries?"+q.Encode(), "")
			var taken []wireDelivery
			if err := json.Unmarshal(body, &taken); status != http.StatusOK || err != nil || len(taken) != 3 || taken[0].Status != "retry" {
				t.Fatalf("PUT deliveries: %d %s", status, body)
			}
			for _, d := range wait(t, srv, 4) {
				last := d.Attempts[len(d.Attempts)-1]
				if !d.Delivered || d.Status != elementstest.DeliveryDelivered || last.StatusCode != http.StatusOK || last.Redelivery != (d.EventID != before) {
					t.Errorf("after the redelivery: %+v", d)
				}
			}
			if n := srv.Queued(cb); n != 0 {
				t.Errorf("Queued after the redelivery = %d", n)
			}
			if list := listQueued(t, srv, cb); len(list) != 0 {
				t.Errorf("GET queued after the redelivery: %+v", list)
			}
			handled, acked := rcv.seen()
			all := append([]string{before}, queued...)
			if diff := cmp.Diff(map[string]int{all[0]: 1, all[1]: 1, all[2]: 1, all[3]: 1}, handled); diff != "" {
				t.Errorf("route calls by event id (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(all, acked); diff != "" {
				t.Errorf("answered 2xx, in order (-want +got):\n%s", diff)
			}
			wantLog = map[string]string{}
			for _, id := range all {
				wantLog[id] = elements.EventStatusNotified
			}
			if diff := cmp.Diff(wantLog, eventStatuses(t, srv, in.ID)); diff != "" {
				t.Errorf("events log after the redelivery (-want +got):\n%s", diff)
			}

			// The subscription is active again.
			after := deliver(t, srv, in.ID, "5")
			if d := byEventID(wait(t, srv, 5), after); !d.Delivered || len(d.Attempts) != 1 || d.Attempts[0].Redelivery {
				t.Errorf("a notification after the redelivery: %+v", d)
			}
		})
	}
}
