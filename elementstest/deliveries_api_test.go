package elementstest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
)

// deliveriesPath is the deliveries call with a query.
func deliveriesPath(q url.Values) string {
	return "/notifications/subscriptions/deliveries?" + q.Encode()
}

func quoteCEQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func TestSettingsWire(t *testing.T) {
	t.Parallel()
	srv := newServer(t, WithCredentials("u-secret", "o-secret"))
	steps := []struct {
		c      call
		status int
		body   string // the exact answer for a 200, a part of the message otherwise
	}{
		{call{method: "GET", path: "/accounts/settings"}, 200, `{}`},
		{call{method: "PATCH", path: "/accounts/settings", body: `{"notification.webhook.failure.policy": "queue"}`}, 200,
			`{"notification.webhook.failure.policy":"queue"}`},
		{call{method: "GET", path: "/accounts/settings"}, 200, `{"notification.webhook.failure.policy":"queue"}`},
		{call{method: "POST", path: "/accounts/settings", body: `{"notification.webhook.failure.policy": "retry", "other.setting": 5}`}, 200,
			`{"notification.webhook.failure.policy":"retry","other.setting":5}`},
		{call{method: "PATCH", path: "/accounts/settings", body: `{"notification.webhook.failure.policy": "drop"}`}, 400, `"retry" or "queue"`},
		{call{method: "PATCH", path: "/accounts/settings", body: `{"notification.webhook.failure.policy": 1}`}, 400, `"retry" or "queue"`},
		{call{method: "PATCH", path: "/accounts/settings", body: `["queue"]`}, 400, "not the expected JSON"},
		{call{method: "PATCH", path: "/accounts/settings", body: `null`}, 400, "JSON object"},
		{call{method: "PATCH", path: "/accounts/settings"}, 400, "empty"},
		{call{method: "GET", path: "/accounts/settings"}, 200, `{"notification.webhook.failure.policy":"retry","other.setting":5}`},
		{call{method: "GET", path: "/accounts/settings", auth: "User u-secret, Organization wrong"}, 401, "invalid user or organization secret"},
		{call{method: "PATCH", path: "/accounts/settings", auth: "-", body: `{}`}, 401, "Authorization header"},
	}
	for i, st := range steps {
		a := do(t, srv, st.c)
		switch {
		case a.status != st.status:
			t.Errorf("step %d, %s %s: status %d %s, want %d", i, st.c.method, st.c.path, a.status, a.body, st.status)
		case st.status == 200 && string(a.body) != st.body:
			t.Errorf("step %d, %s %s: body %s, want %s", i, st.c.method, st.c.path, a.body, st.body)
		case st.status != 200 && !strings.Contains(errorMessage(t, a), st.body):
			t.Errorf("step %d, %s %s: message %q, want it to mention %q", i, st.c.method, st.c.path, a.body, st.body)
		}
	}
}

// deliveriesFixture makes a fake whose first failed delivery deactivates
// the subscription, with instances delivering to a URL full of quotes (3
// notifications) and to a plain one (1), all queued. It returns the URLs
// and the deliveries.
func deliveriesFixture(t *testing.T) (srv *Server, quoted, plain string, ds []Delivery) {
	t.Helper()
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(cb.Close)
	srv = newServer(t, WithCredentials("u-secret", "o-secret"), WithDeliveryRetry(0, 0, 0))
	quoted, plain = cb.URL+"/o'brien/' or config.url='x", cb.URL+"/plain"
	for _, u := range []string{quoted, plain} {
		body, _ := json.Marshal(map[string]any{"element": map[string]string{"key": "acuityscheduling"}, "providerData": map[string]string{"code": "c"},
			"name": "n", "configuration": map[string]any{"oauth.api.key": "k", "oauth.api.secret": "s",
				"event.notification.enabled": true, "event.notification.callback.url": u}})
		if a := do(t, srv, call{method: "POST", path: "/instances", body: string(body)}); a.status != 200 {
			t.Fatalf("create: %d %s", a.status, a.body)
		}
	}
	for _, id := range []int64{1001, 1001, 1001, 1002} {
		if _, err := srv.Deliver(id, webhook.Event{EventType: webhook.EventCreated, ObjectType: "appointments", ObjectID: "7"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := srv.WaitForDeliveries(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	return srv, quoted, plain, ds
}

func TestDeliveriesListWire(t *testing.T) {
	t.Parallel()
	srv, quoted, plain, ds := deliveriesFixture(t)
	where := "channel='webhook' and status='queued' and config.url=" + quoteCEQL(quoted)

	// Paged by the platform's rule: 2, 1, then an empty page with the same token.
	var pages [][]map[string]any
	var tokens []string
	next := ""
	for range 3 {
		a := do(t, srv, call{method: "GET", path: deliveriesPath(url.Values{"where": {where}, "pageSize": {"2"}, "nextPage": {next}})})
		var page []map[string]any
		if err := json.Unmarshal(a.body, &page); a.status != 200 || err != nil {
			t.Fatalf("GET: %d %s", a.status, a.body)
		}
		if a.header.Get("Elements-Total-Count") != "3" {
			t.Errorf("Elements-Total-Count %q, want 3", a.header.Get("Elements-Total-Count"))
		}
		pages = append(pages, page)
		next = a.header.Get("Elements-Next-Page-Token")
		tokens = append(tokens, next)
	}
	if len(pages[0]) != 2 || len(pages[1]) != 1 || len(pages[2]) != 0 || tokens[2] != tokens[1] || tokens[0] == "" {
		t.Fatalf("pages of %d, %d, %d with tokens %q", len(pages[0]), len(pages[1]), len(pages[2]), tokens)
	}

	// Without hydrate: the delivery's own fields, as the schema has them.
	first := pages[0][0]
	created, _ := first["createdDate"].(string)
	if _, err := time.Parse(time.RFC3339, created); err != nil {
		t.Errorf("createdDate %q: %v", created, err)
	}
	for _, k := range []string{"createdDate", "updatedDate"} {
		delete(first, k)
	}
	if diff := cmp.Diff(map[string]any{"notificationId": 1.0, "subscriptionId": 1.0, "status": "queued"}, first); diff != "" {
		t.Errorf("delivery (-want +got):\n%s", diff)
	}

	// With hydrate: the notification (its message the standardized one) and
	// the subscription.
	a := do(t, srv, call{method: "GET", path: deliveriesPath(url.Values{"where": {where}, "hydrate": {"true"}})})
	var hydrated []struct {
		NotificationID int64 `json:"notificationId"`
		Notification   map[string]any
		Subscription   map[string]any
	}
	if err := json.Unmarshal(a.body, &hydrated); a.status != 200 || err != nil || len(hydrated) != 3 {
		t.Fatalf("GET hydrated: %d %s", a.status, a.body)
	}
	n := hydrated[1].Notification
	msg, _ := n["message"].(map[string]any)
	if msg["eventId"] != ds[1].EventID || msg["instanceId"] != 1001.0 {
		t.Errorf("notification.message %v, want the second notification's message", msg)
	}
	for _, k := range []string{"message", "createdDate"} {
		delete(n, k)
	}
	wantNote := map[string]any{"id": 2.0, "from": "acuityscheduling", "topic": "events", "severity": "low", "active": true, "acknowledged": false}
	if diff := cmp.Diff(wantNote, n); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	wantSub := map[string]any{"id": 1.0, "channel": "webhook", "topics": []any{"events"}, "config": map[string]any{"url": quoted}}
	if diff := cmp.Diff(wantSub, hydrated[1].Subscription); diff != "" {
		t.Errorf("subscription (-want +got):\n%s", diff)
	}

	// Other selections.
	for _, tc := range []struct {
		where string
		ids   []int64 // notificationIds; nil: 404 "No deliveries found"
	}{
		{"config.url=" + quoteCEQL(plain), []int64{4}},
		{"channel='webhook'", []int64{1, 2, 3, 4}},
		{"", []int64{1, 2, 3, 4}},
		{"CHANNEL='webhook' AND status='queued'", nil}, // field names are case-sensitive: a 400
		{"channel='webhook' AND status='queued'", []int64{1, 2, 3, 4}},
		{"status='delivered'", nil},
		{"channel='email'", nil},
		{"config.url='" + plain + "/'", nil},
	} {
		a := do(t, srv, call{method: "GET", path: deliveriesPath(url.Values{"where": {tc.where}})})
		if tc.ids == nil {
			if a.status == 200 {
				t.Errorf("where %q: %s, want none", tc.where, a.body)
			}
			continue
		}
		var list []deliveryJSON
		_ = json.Unmarshal(a.body, &list)
		var got []int64
		for _, d := range list {
			got = append(got, d.NotificationID)
		}
		if diff := cmp.Diff(tc.ids, got); diff != "" || a.status != 200 {
			t.Errorf("where %q: %d (-want +got):\n%s", tc.where, a.status, diff)
		}
	}
	if a := do(t, srv, call{method: "GET", path: deliveriesPath(url.Values{"where": {"status='delivered'"}})}); a.status != 404 || errorMessage(t, a) != "No deliveries found" {
		t.Errorf("nothing selected: %d %s, want 404 No deliveries found", a.status, a.body)
	}
}

func TestDeliveriesWireErrors(t *testing.T) {
	t.Parallel()
	srv, quoted, _, _ := deliveriesFixture(t)
	naive := "channel='webhook' and status='queued' and config.url='" + quoted + "'" // quotes not doubled
	for _, tc := range []struct {
		method, where, extra string
		auth                 string
		status               int
		msg                  string
	}{
		{"GET", naive, "", "", 400, "where:"},
		{"GET", "status='queued' or channel='webhook'", "", "", 400, `expected "and"`},
		{"GET", "status=queued", "", "", 400, "quoted string"},
		{"GET", "status='bogus'", "", "", 400, `status "bogus" is not one of`},
		{"GET", "channel='fax'", "", "", 400, `channel "fax"`},
		{"GET", "topic='events'", "", "", 400, `unknown field "topic"`},
		{"GET", "config.url='unterminated", "", "", 400, "no closing quote"},
		{"GET", "status='queued' and", "", "", 400, `expected "and"`},
		{"GET", "status='queued' and status='queued'", "", "", 400, "given twice"},
		{"GET", "status>'queued'", "", "", 400, "expected ="},
		{"GET", "'queued'", "", "", 400, "expected a field name"},
		{"GET", "status='queued'", "hydrate=yes", "", 400, "hydrate"},
		{"GET", "status='queued'", "pageSize=0", "", 400, "pageSize"},
		{"GET", "status='queued'", "", "User u-secret, Organization wrong", 401, "invalid user or organization secret"},
		{"GET", "status='queued'", "", "-", 401, "Authorization header"},
		{"PUT", "", "", "", 400, "status='queued'"},
		{"PUT", "channel='webhook'", "", "", 400, "status='queued'"},
		{"PUT", "status='retry'", "", "", 400, "status='queued'"},
		{"PUT", naive, "", "", 400, "where:"},
		{"PUT", "status='queued'", "hydrate=1", "", 400, "hydrate"},
		{"PUT", "status='queued'", "", "User wrong, Organization o-secret", 401, "invalid user or organization secret"},
	} {
		path := deliveriesPath(url.Values{"where": {tc.where}})
		if tc.extra != "" {
			path += "&" + tc.extra
		}
		a := do(t, srv, call{method: tc.method, path: path, auth: tc.auth})
		if a.status != tc.status || !strings.Contains(errorMessage(t, a), tc.msg) {
			t.Errorf("%s where %q %s: %d %s, want %d mentioning %q", tc.method, tc.where, tc.extra, a.status, a.body, tc.status, tc.msg)
		}
	}
	if n := srv.Queued(quoted); n != 3 {
		t.Errorf("Queued after refused calls = %d, want the 3 still queued", n)
	}
}

func TestRedeliverWire(t *testing.T) {
	t.Parallel()
	srv, quoted, plain, _ := deliveriesFixture(t)
	// A URL with no queue (and no subscription): 200 and an empty array.
	a := do(t, srv, call{method: "PUT", path: deliveriesPath(url.Values{"where": {"status='queued' and config.url='http://nowhere.invalid/'"}})})
	if a.status != 200 || string(a.body) != "[]" {
		t.Errorf("PUT for an unknown URL: %d %s, want 200 []", a.status, a.body)
	}
	// The quoted URL's queue only, hydrated: the deliveries taken, now retry.
	where := "channel='webhook' and status='queued' and config.url=" + quoteCEQL(quoted)
	a = do(t, srv, call{method: "PUT", path: deliveriesPath(url.Values{"where": {where}, "hydrate": {"true"}})})
	var taken []deliveryJSON
	if err := json.Unmarshal(a.body, &taken); a.status != 200 || err != nil {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
	var ids []int64
	for _, d := range taken {
		ids = append(ids, d.NotificationID)
		if d.Status != DeliveryRetry || d.Subscription == nil || d.Subscription.Config.URL != quoted || d.Notification == nil {
			t.Errorf("taken %+v", d)
		}
	}
	if diff := cmp.Diff([]int64{1, 2, 3}, ids); diff != "" {
		t.Errorf("taken (-want +got):\n%s", diff)
	}
	if srv.Queued(plain) != 1 {
		t.Errorf("the plain URL's queue was touched: Queued = %d", srv.Queued(plain))
	}
	// The receiver still answers 503: the first one's redelivery fails, the
	// subscription is deactivated again, and all three are back in the queue
	// in order, the two after it without an attempt.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := srv.WaitForDeliveries(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		redelivered := slices.ContainsFunc(d.Attempts, func(a Attempt) bool { return a.Redelivery })
		if d.Status != DeliveryQueued || redelivered != (d.NotificationID == 1) {
			t.Errorf("notification %d: status %s, attempts %+v", d.NotificationID, d.Status, d.Attempts)
		}
	}
	a = do(t, srv, call{method: "GET", path: deliveriesPath(url.Values{"where": {where}})})
	if err := json.Unmarshal(a.body, &taken); err != nil || len(taken) != 3 || taken[0].NotificationID != 1 || taken[2].NotificationID != 3 {
		t.Errorf("queued again: %d %s", a.status, a.body)
	}
	// Without config.url, every webhook subscription's queue.
	a = do(t, srv, call{method: "PUT", path: deliveriesPath(url.Values{"where": {"channel='webhook' and status='queued'"}})})
	if err := json.Unmarshal(a.body, &taken); a.status != 200 || err != nil || len(taken) != 4 {
		t.Errorf("PUT for all: %d %s, want the 4 queued", a.status, a.body)
	}
}
