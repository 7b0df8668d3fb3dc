package elementstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/internal/paging"
	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	signingKey = "callback-signing-key"
	acuityKey  = "acuity-api-key"
)

// received is what a route saw.
type received struct {
	n *webhook.Notification
	e webhook.Event
}

// receiver is a callback server running a WebhookHandler.
type receiver struct {
	handler *webhook.Handler
	srv     *httptest.Server
	got     chan received
}

func newReceiver(t *testing.T, configure func(h *webhook.Handler)) *receiver {
	t.Helper()
	r := &receiver{handler: &webhook.Handler{SigningKeys: []string{signingKey}}, got: make(chan received, 16)}
	r.handler.HandleDefault(func(_ context.Context, n *webhook.Notification, e webhook.Event) error {
		r.got <- received{n, e}
		return nil
	})
	if configure != nil {
		configure(r.handler)
	}
	r.srv = httptest.NewServer(r.handler)
	t.Cleanup(r.srv.Close)
	return r
}

// setup starts a fake and a receiver and creates an Acuity instance whose
// callback is the receiver, with an Acuity API key set on the fake.
func setup(t *testing.T, rcv *receiver, opts ...elementstest.Option) (*elementstest.Server, *elements.Instance) {
	t.Helper()
	srv := elementstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	in, err := client.Instances.Create(context.Background(), &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: acuity.ElementKey},
		ProviderData: elements.ProviderData{Code: "code"},
		Configuration: elements.Configuration{
			OAuthAPIKey: "client", OAuthAPISecret: "secret", OAuthCallbackURL: "http://127.0.0.1/cb",
			EventsEnabled: true, EventCallbackURL: rcv.srv.URL, EventSignatureKey: signingKey,
		},
		Name: "Front desk",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetAcuityAPIKey(in.ID, acuityKey); err != nil {
		t.Fatal(err)
	}
	return srv, in
}

// fire POSTs an Acuity webhook form to the instance's webhook URL, signed with
// key unless key is empty, and returns the status.
func fire(t *testing.T, srv *elementstest.Server, id int64, form, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, acuity.WebhookURL(srv.URL, id), strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set(acuity.SignatureHeader, elementstest.SignAcuity(key, []byte(form)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ignoreTiming compares attempts by their outcome; TestAttemptTimes checks
// their times.
var ignoreTiming = cmpopts.IgnoreFields(elementstest.Attempt{}, "Start", "Duration")

func wait(t *testing.T, srv *elementstest.Server, n int) []elementstest.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := srv.WaitForDeliveries(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAcuityWebhookReachesRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		form       string
		objectType string
		eventType  webhook.EventType
		raw        string
	}{
		{"action=scheduled&id=8801&calendarID=12&appointmentTypeID=3", "appointments", webhook.EventCreated,
			`{"action":"scheduled","appointmentTypeID":"3","calendarID":"12","id":"8801"}`},
		{"action=canceled&id=8801&calendarID=12&appointmentTypeID=3", "appointments", webhook.EventUpdated,
			`{"action":"canceled","appointmentTypeID":"3","calendarID":"12","id":"8801"}`},
		{"action=appointment.rescheduled&id=8801&calendarID=12&appointmentTypeID=3", "appointments", webhook.EventUpdated,
			`{"action":"appointment.rescheduled","appointmentTypeID":"3","calendarID":"12","id":"8801"}`},
		{"action=order.completed&id=8801", "orders", webhook.EventCreated, `{"action":"order.completed","id":"8801"}`},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, nil)
			srv, in := setup(t, rcv)
			if got := fire(t, srv, in.ID, tt.form, acuityKey); got != http.StatusOK {
				t.Fatalf("ingress answered %d", got)
			}
			r := <-rcv.got
			wantEvent := webhook.Event{ElementKey: acuity.ElementKey, ObjectID: "8801", ObjectType: tt.objectType, EventType: tt.eventType}
			if diff := cmp.Diff(wantEvent, r.e, cmpopts.IgnoreFields(webhook.Event{}, "Date")); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
			if r.e.Date.IsZero() {
				t.Error("event has no date")
			}
			if r.n.InstanceID != in.ID || r.n.InstanceName != "Front desk" || r.n.ElementKey != acuity.ElementKey || r.n.EventID == "" {
				t.Errorf("notification: %+v", r.n)
			}
			if string(r.n.Raw) != tt.raw {
				t.Errorf("raw = %s, want %s", r.n.Raw, tt.raw)
			}
			wh, err := acuity.ParseWebhook([]byte(tt.form))
			if err != nil {
				t.Fatal(err)
			}
			if wh.ID != 8801 {
				t.Errorf("webhook id %d", wh.ID)
			}

			d := wait(t, srv, 1)
			if len(d) != 1 || !d[0].Delivered || !cmp.Equal(d[0].Attempts, []elementstest.Attempt{{StatusCode: 200}}, ignoreTiming) {
				t.Fatalf("deliveries: %+v", d)
			}
			if err := webhook.VerifySignature(d[0].Body, d[0].Signature, signingKey); err != nil {
				t.Errorf("recorded signature: %v", err)
			}
			if d[0].EventID != r.n.EventID || d[0].InstanceID != in.ID || d[0].URL != rcv.srv.URL || d[0].WebhookID == "" {
				t.Errorf("delivery record: %+v", d[0])
			}
		})
	}
}

func TestNotificationBodyIsTheDocumentedShape(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	fire(t, srv, in.ID, "action=rescheduled&id=8801&calendarID=12&appointmentTypeID=3", acuityKey)
	d := wait(t, srv, 1)
	var got, want map[string]any
	if err := json.Unmarshal(d[0].Body, &got); err != nil {
		t.Fatal(err)
	}
	// The documented example, with this instance's id and name.
	doc := fmt.Sprintf(`{"message":{"elementKey":"acuityscheduling","eventId":"x","accountId":31,"companyId":7,
		"instance_id":%[1]d,"instanceId":%[1]d,"instanceName":"Front desk","userId":12345,
		"raw":{"action":"rescheduled","id":"8801","calendarID":"12","appointmentTypeID":"3"},
		"events":[{"date":"x","elementKey":"acuityscheduling","eventType":"UPDATED","objectId":"8801","objectType":"appointments"}]}}`, in.ID)
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	volatile := cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "eventId" || k == "date" })
	if diff := cmp.Diff(want, got, volatile); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	if _, err := webhook.ParseNotification(d[0].Body); err != nil {
		t.Errorf("ParseNotification: %v", err)
	}
	var dates struct {
		Message struct{ Events []struct{ Date string } }
	}
	if err := json.Unmarshal(d[0].Body, &dates); err != nil || len(dates.Message.Events) != 1 {
		t.Fatalf("events: %v", err)
	}
	date := dates.Message.Events[0].Date
	if _, err := time.Parse(time.RFC3339, date); err != nil || !strings.HasSuffix(date, "Z") {
		t.Errorf("date %q: want RFC 3339 in UTC (%v)", date, err)
	}
}

func TestIngressRejectsBadWebhooks(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	const form = "action=scheduled&id=1"
	tests := []struct {
		name, form, key string
		want            int
	}{
		{"no signature", form, "", http.StatusUnauthorized},
		{"wrong key", form, "other-key", http.StatusUnauthorized},
		{"unknown action", "action=deleted&id=1", acuityKey, http.StatusBadRequest},
		{"no id", "action=scheduled", acuityKey, http.StatusBadRequest},
		{"bad escaping", "action=%zz&id=1", acuityKey, http.StatusBadRequest},
	}
	for _, tt := range tests {
		if got := fire(t, srv, in.ID, tt.form, tt.key); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := fire(t, srv, in.ID+1000, form, acuityKey); got != http.StatusNotFound {
		t.Errorf("unknown instance: status %d", got)
	}
	if got := fire(t, srv, in.ID, form+"&pad="+strings.Repeat("x", 64<<10), acuityKey); got != http.StatusRequestEntityTooLarge {
		t.Errorf("body over 64 KiB: status %d", got)
	}
	if resp, err := http.Get(acuity.WebhookURL(srv.URL, in.ID)); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if d := srv.Deliveries(); len(d) != 0 {
		t.Errorf("rejected webhooks were delivered: %+v", d)
	}

	// Without an Acuity key the ingress accepts unsigned webhooks.
	if err := srv.SetAcuityAPIKey(in.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got := fire(t, srv, in.ID, form, ""); got != http.StatusOK {
		t.Errorf("unsigned webhook without a key: status %d", got)
	}
	wait(t, srv, 1)
	if err := srv.SetAcuityAPIKey(424242, "k"); !errors.Is(err, elementstest.ErrNotFound) {
		t.Errorf("SetAcuityAPIKey on an unknown instance: %v", err)
	}
}

func TestDeliveryRetriesFailingCallback(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	rcv := newReceiver(t, func(h *webhook.Handler) {
		h.OnNotification = func(context.Context, *webhook.Notification) error {
			if calls.Add(1) <= 2 {
				return errors.New("database down")
			}
			return nil
		}
	})
	srv, in := setup(t, rcv, elementstest.WithDeliveryRetry(5, time.Millisecond, 2*time.Millisecond))
	fire(t, srv, in.ID, "action=scheduled&id=7", acuityKey)
	d := wait(t, srv, 1)
	want := []elementstest.Attempt{{StatusCode: 500}, {StatusCode: 500}, {StatusCode: 200}}
	if diff := cmp.Diff(want, d[0].Attempts, ignoreTiming); diff != "" || !d[0].Delivered {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if r := <-rcv.got; r.e.ObjectID != "7" {
		t.Errorf("route got object %q", r.e.ObjectID)
	}
	if len(rcv.got) != 0 {
		t.Errorf("route called %d more times", len(rcv.got))
	}
}

func TestDeliveryGivesUp(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(cb.Close)
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryRetry(2, 0, 0))
	fire(t, srv, in.ID, "action=scheduled&id=7", acuityKey)
	d := wait(t, srv, 1)
	if len(d[0].Attempts) != 3 || d[0].Delivered || !d[0].Done || hits.Load() != 3 {
		t.Errorf("delivery %+v after %d hits: want 3 failed attempts", d[0], hits.Load())
	}
}

func TestDeliveryTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	// The first attempt hangs until the test ends, so it always times out,
	// whatever the load; the next ones answer at once. The timeout is long
	// enough for an answer on a loaded machine, and should an answer still
	// miss it, the next attempt is tried: what must hold is that the first
	// attempt timed out and the delivery was retried to success.
	release := make(chan struct{})
	var hits atomic.Int32
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			// Reading the body first lets the server notice the closed
			// connection.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(cb.Close)
	t.Cleanup(func() { close(release) }) // runs before cb.Close
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryTimeout(500*time.Millisecond), elementstest.WithDeliveryRetry(3, 0, 0))
	fire(t, srv, in.ID, "action=scheduled&id=7", acuityKey)
	d := wait(t, srv, 1)
	a := d[0].Attempts
	if len(a) < 2 || !d[0].Delivered || a[len(a)-1].StatusCode != http.StatusNoContent {
		t.Fatalf("attempts %+v, delivered %v: want a timeout, then 204", a, d[0].Delivered)
	}
	for i, x := range a[:len(a)-1] {
		if !strings.Contains(x.Err, "timeout") || x.StatusCode != 0 {
			t.Errorf("attempt %d: %+v, want a timeout", i, x)
		}
	}
}

func TestDuplicateDelivery(t *testing.T) {
	t.Parallel()
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			t.Parallel()
			rcv := newReceiver(t, func(h *webhook.Handler) {
				if dedup {
					h.Deduplicator = webhook.NewMemoryDeduplicator(100)
				}
			})
			srv, in := setup(t, rcv, elementstest.WithDeliveryRetry(5, time.Millisecond, time.Millisecond))
			srv.DuplicateNext(1)
			fire(t, srv, in.ID, "action=scheduled&id=7", acuityKey)
			d := wait(t, srv, 2)
			if d[0].WebhookID != d[1].WebhookID || string(d[0].Body) != string(d[1].Body) || d[0].Duplicate == d[1].Duplicate {
				t.Errorf("the two copies differ: %+v", d)
			}
			for _, x := range d {
				if !x.Delivered {
					t.Errorf("copy not delivered: %+v", x)
				}
			}
			want := 1
			if !dedup {
				want = 2
			}
			for range want {
				<-rcv.got
			}
			if len(rcv.got) != 0 {
				t.Errorf("route called %d times, want %d", want+len(rcv.got), want)
			}
		})
	}
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	date := time.Date(2020, 2, 14, 9, 30, 0, 0, time.UTC)
	id, err := srv.Deliver(in.ID,
		webhook.Event{ObjectType: "appointments", EventType: webhook.EventDeleted, ObjectID: "1", Date: date},
		webhook.Event{ObjectType: "calendars", EventType: webhook.EventUnknown, ObjectID: "2", ElementKey: "other", HubKey: "scheduling", PollDate: date},
	)
	if err != nil {
		t.Fatal(err)
	}
	a, b := <-rcv.got, <-rcv.got
	if a.n.EventID != id || a.n.InstanceID != in.ID || string(a.n.Raw) != `{}` { // no Acuity webhook causes a DELETED
		t.Errorf("notification %+v, want event id %s", a.n, id)
	}
	if diff := cmp.Diff(webhook.Event{Date: date, ElementKey: acuity.ElementKey, ObjectID: "1", ObjectType: "appointments", EventType: webhook.EventDeleted}, a.e); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	if b.e.ElementKey != "other" || b.e.HubKey != "scheduling" || !b.e.PollDate.Equal(date) || b.e.EventType != webhook.EventUnknown {
		t.Errorf("second event %+v", b.e)
	}

	for _, tc := range []struct {
		name   string
		id     int64
		events []webhook.Event
		want   string
	}{
		{"no events", in.ID, nil, "1 to 20 events"},
		{"21 events", in.ID, make([]webhook.Event, 21), "1 to 20 events"},
		{"bad type", in.ID, []webhook.Event{{EventType: "MOVED"}}, `"MOVED"`},
		{"unknown instance", 424242, []webhook.Event{{EventType: webhook.EventCreated}}, "no such instance"},
	} {
		if _, err := srv.Deliver(tc.id, tc.events...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestDisabledInstanceDropsEvents(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))
	if err := client.Instances.Disable(context.Background(), in.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated}); !errors.Is(err, elementstest.ErrEventsDisabled) {
		t.Errorf("Deliver to a disabled instance: %v", err)
	}
	if got := fire(t, srv, in.ID, "action=scheduled&id=1", acuityKey); got != http.StatusOK {
		t.Errorf("ingress for a disabled instance: %d", got)
	}
	if d := srv.Deliveries(); len(d) != 0 {
		t.Errorf("deliveries for a disabled instance: %+v", d)
	}
}

// TestEventsAreRecorded checks the instance events log end to end: one
// record per notification in the platform's shape, NOTIFIED once
// delivered, paged by the platform's rule (the fake sends a token on the
// last page too, so the reader stops on the empty page after it).
func TestEventsAreRecorded(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	for _, form := range []string{"action=scheduled&id=8801", "action=rescheduled&id=8801", "action=canceled&id=8801"} {
		fire(t, srv, in.ID, form, acuityKey)
	}
	done := wait(t, srv, 3)
	var queries []string
	client, err := srv.NewClient(elements.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		queries = append(queries, r.URL.Query().Get("pageSize")+"|"+r.URL.Query().Get("nextPage"))
		return http.DefaultTransport.RoundTrip(r)
	})}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := paging.Collect(client.Instances.Events(ctx, in.ID, &elements.EventListOptions{PageSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(queries) != 3 || queries[0] != "2|" || queries[1] == "2|" || queries[2] == queries[1] {
		t.Fatalf("got %d events in requests %q, want 3 in 3 requests (2, 1, an empty page)", len(got), queries)
	}
	byID := make(map[string]bool)
	for _, d := range done {
		byID[d.EventID] = true
	}
	for i, e := range got {
		if !byID[e.ID] || e.Status != elements.EventStatusNotified || e.Date.IsZero() ||
			!strings.Contains(e.ProviderData, "8801") || string(e.NotifiedData) != "[]" || !json.Valid(e.Raw) {
			t.Errorf("event %d = %+v, want a NOTIFIED record of one of the deliveries", i, e)
		}
	}
	one, err := client.Instances.Event(ctx, in.ID, got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got[0], one); diff != "" {
		t.Errorf("Event(%q) differs from the listed record (-list +one):\n%s", got[0].ID, diff)
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCloseStopsDeliveries(t *testing.T) {
	// Not parallel: it counts goroutines.
	before := runtime.NumGoroutine()

	hit := make(chan struct{}, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hit <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	rcv := &receiver{srv: cb}
	srv, in := setup(t, rcv, elementstest.WithDeliveryRetry(9, time.Hour, time.Hour))
	for i := range 3 {
		if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated, ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	<-hit // at least one delivery is waiting an hour to retry

	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while deliveries were waiting to retry")
	}
	for _, d := range srv.Deliveries() {
		if !d.Done || d.Delivered {
			t.Errorf("after Close: %+v", d)
		}
	}
	if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated}); !errors.Is(err, elementstest.ErrClosed) {
		t.Errorf("Deliver after Close: %v", err)
	}
	cb.Close()
	http.DefaultClient.CloseIdleConnections()

	// Goroutines of closed connections exit asynchronously; give them a
	// bounded time to go.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestConcurrentWebhooks(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, func(h *webhook.Handler) { h.Deduplicator = webhook.NewMemoryDeduplicator(1000) })
	rcv.got = make(chan received, 100)
	srv, in := setup(t, rcv)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fire(t, srv, in.ID, fmt.Sprintf("action=scheduled&id=%d", i+1), acuityKey)
		}()
	}
	wg.Wait()
	d := wait(t, srv, 50)
	seen := map[string]bool{}
	for range 50 {
		seen[(<-rcv.got).e.ObjectID] = true
	}
	if len(seen) != 50 || len(d) != 50 {
		t.Errorf("%d distinct objects routed, %d deliveries; want 50", len(seen), len(d))
	}
}

func TestDeliveryTreatsRedirectAsFailure(t *testing.T) {
	t.Parallel()
	cb := httptest.NewServer(http.RedirectHandler("/elsewhere", http.StatusFound))
	t.Cleanup(cb.Close)
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryRetry(1, 0, 0))
	if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated}); err != nil {
		t.Fatal(err)
	}
	d := wait(t, srv, 1)
	if diff := cmp.Diff([]elementstest.Attempt{{StatusCode: 302}, {StatusCode: 302}}, d[0].Attempts, ignoreTiming); diff != "" || d[0].Delivered {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

func TestWaitForDeliveries(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if n, err := webhook.ParseNotification(b); err == nil && n.Events[0].ObjectID == "slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(cb.Close)
	srv, in := setup(t, &receiver{srv: cb}, elementstest.WithDeliveryTimeout(time.Minute))
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce) // before srv.Close and cb.Close, which wait for the handler

	slow, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated, ObjectID: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated, ObjectID: "fast"})
	if err != nil {
		t.Fatal(err)
	}
	eventIDs := func(ds []elementstest.Delivery) []string {
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.EventID)
		}
		return ids
	}

	// Only finished deliveries count and come back.
	d := wait(t, srv, 1)
	if diff := cmp.Diff([]string{fast}, eventIDs(d)); diff != "" {
		t.Fatalf("while one is blocked (-want +got event ids):\n%s", diff)
	}
	if !d[0].Done || !d[0].Delivered {
		t.Errorf("while one is blocked: %+v", d[0])
	}

	// A context that ends first: its error, wrapped, and the finished ones.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err = srv.WaitForDeliveries(ctx, 2)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 of 2 deliveries finished") {
		t.Errorf("ended context: err = %v", err)
	}
	if diff := cmp.Diff([]string{fast}, eventIDs(d)); diff != "" {
		t.Errorf("ended context (-want +got event ids):\n%s", diff)
	}

	// Once released: both, in the order they started, as copies.
	releaseOnce()
	d = wait(t, srv, 2)
	if diff := cmp.Diff([]string{slow, fast}, eventIDs(d)); diff != "" {
		t.Errorf("after release (-want +got event ids):\n%s", diff)
	}
	want := srv.Deliveries()
	d[0].Body[0] = 'X'
	d[0].Attempts[0].StatusCode = 999
	if diff := cmp.Diff(want, srv.Deliveries()); diff != "" {
		t.Errorf("changing the returned deliveries changed the server's (-before +after):\n%s", diff)
	}
}
