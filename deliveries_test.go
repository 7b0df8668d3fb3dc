package elements_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/paging"
)

const (
	apiPrefix = "/elements/api-v2"
	policyKey = "notification.webhook.failure.policy"
)

// wantWhere is the where clause Queued and Redeliver send for a callback URL.
func wantWhere(callbackURL string) string {
	return "channel='webhook' and status='queued' and config.url='" + callbackURL + "'"
}

func TestFailurePolicyWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answer  wireAnswer
		want    elements.FailurePolicy
		wantErr error
	}{
		{"queue", jsonAnswer(200, `{"`+policyKey+`":"queue","other.setting":"x"}`), elements.FailurePolicyQueue, nil},
		{"retry", jsonAnswer(200, `{"`+policyKey+`":"retry"}`), elements.FailurePolicyRetry, nil},
		{"never set: missing key is retry", jsonAnswer(200, `{"other.setting":"x"}`), elements.FailurePolicyRetry, nil},
		{"null is retry", jsonAnswer(200, `{"`+policyKey+`":null}`), elements.FailurePolicyRetry, nil},
		{"empty is retry", jsonAnswer(200, `{"`+policyKey+`":""}`), elements.FailurePolicyRetry, nil},
		{"a value the SDK does not know is kept", jsonAnswer(200, `{"`+policyKey+`":"drop"}`), "drop", nil},
		{"not a string", jsonAnswer(200, `{"`+policyKey+`":5}`), "", elements.ErrInvalidResponse},
		{"a list", jsonAnswer(200, `[]`), "", elements.ErrInvalidResponse},
		{"malformed JSON", jsonAnswer(200, `{"`+policyKey+`":"queue"`), "", elements.ErrInvalidResponse},
		{"HTML page", htmlAnswer(200, "<html><title>Maintenance</title></html>"), "", elements.ErrInvalidResponse},
		{"500", jsonAnswer(500, `{"message":"boom"}`), "", &elements.APIError{}},
		{"401", jsonAnswer(401, `{"message":"bad secrets"}`), "", elements.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newWirePlatform(t, tt.answer)
			got, err := c.Deliveries.FailurePolicy(context.Background())
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("policy = %q, want %q", got, tt.want)
			}
			p.check(t, wireRequest{Method: "GET", Path: apiPrefix + "/accounts/settings"})
		})
	}
}

// checkErr checks err against want: nil, a sentinel (errors.Is) or an
// *APIError (errors.As).
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	switch w := want.(type) {
	case nil:
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
	case *elements.APIError:
		if !errors.As(err, &w) {
			t.Fatalf("err = %v, want an *APIError", err)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}
}

func TestSetFailurePolicyWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		policy  elements.FailurePolicy
		answers []wireAnswer
		calls   int
		wantErr error
	}{
		{"queue, confirmed", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(200, `{"`+policyKey+`":"queue"}`)}, 1, nil},
		{"retry, confirmed", elements.FailurePolicyRetry, []wireAnswer{jsonAnswer(200, `{"`+policyKey+`":"retry"}`)}, 1, nil},
		{"retry, answer without the key (the default)", elements.FailurePolicyRetry, []wireAnswer{jsonAnswer(200, `{}`)}, 1, nil},
		{"queue, answer names retry", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(200, `{"`+policyKey+`":"retry"}`)}, 1, elements.ErrInvalidResponse},
		{"queue, answer without the key", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(200, `{}`)}, 1, elements.ErrInvalidResponse},
		{"empty answer", elements.FailurePolicyQueue, []wireAnswer{{204, "", "", nil}}, 1, elements.ErrInvalidResponse},
		{"HTML page", elements.FailurePolicyQueue, []wireAnswer{htmlAnswer(200, "<html>ok</html>")}, 1, elements.ErrInvalidResponse},
		{"malformed JSON", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(200, `{"`+policyKey+`":`)}, 1, elements.ErrInvalidResponse},
		{"500 is not retried", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(500, `{"message":"boom"}`)}, 1, &elements.APIError{}},
		{"503 is not retried (PATCH)", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(503, `{"message":"busy"}`), jsonAnswer(200, `{"`+policyKey+`":"queue"}`)}, 1, &elements.APIError{}},
		{"429 is retried", elements.FailurePolicyQueue, []wireAnswer{jsonAnswer(429, `{"message":"slow down"}`, "Retry-After: 0"), jsonAnswer(200, `{"`+policyKey+`":"queue"}`)}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newWirePlatform(t, tt.answers...)
			err := c.Deliveries.SetFailurePolicy(context.Background(), tt.policy)
			checkErr(t, err, tt.wantErr)
			want := make([]wireRequest, tt.calls)
			for i := range want {
				want[i] = wireRequest{Method: "PATCH", Path: apiPrefix + "/accounts/settings", ContentType: "application/json",
					Body: `{"` + policyKey + `":"` + string(tt.policy) + `"}`}
			}
			p.check(t, want...)
		})
	}
}

func TestSetFailurePolicyRefusesUnknownPolicies(t *testing.T) {
	t.Parallel()
	p, c := newWirePlatform(t, jsonAnswer(200, `{}`))
	for _, bad := range []elements.FailurePolicy{"", "Queue", "drop", "queue ", "retry\n"} {
		err := c.Deliveries.SetFailurePolicy(context.Background(), bad)
		if err == nil || !strings.Contains(err.Error(), `"retry" or "queue"`) {
			t.Errorf("SetFailurePolicy(%q) = %v, want an error naming the two policies", bad, err)
		}
	}
	p.check(t) // nothing sent
}

func TestQueuedWire(t *testing.T) {
	t.Parallel()
	p, c := newWirePlatform(t,
		jsonAnswer(200, `[`+queuedRecord+`,{"notificationId":5013,"subscriptionId":77,"status":"queued","createdDate":"2026-03-04T09:31:00Z"}]`,
			"Elements-Next-Page-Token: page-2"),
		jsonAnswer(200, `[{"notificationId":5014,"subscriptionId":77,"status":"queued","createdDate":"2026-03-04T09:32:00Z"}]`,
			"Elements-Next-Page-Token: page-3"),
		jsonAnswer(200, `[]`, "Elements-Next-Page-Token: page-3"),
	)
	got, err := paging.Collect(c.Deliveries.Queued(context.Background(), testCallbackURL))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d deliveries, want 3", len(got))
	}
	if diff := cmp.Diff(queuedDelivery(), got[0]); diff != "" {
		t.Errorf("first delivery (-want +got):\n%s", diff)
	}
	if got[1].NotificationID != 5013 || got[2].NotificationID != 5014 || got[2].Notification != nil || got[2].EventID != "" {
		t.Errorf("later deliveries = %v, %v", got[1], got[2])
	}
	page := func(next string) wireRequest {
		q := url.Values{"where": {wantWhere(testCallbackURL)}, "hydrate": {"true"}}
		if next != "" {
			q.Set("nextPage", next)
		}
		return wireRequest{Method: "GET", Path: apiPrefix + "/notifications/subscriptions/deliveries", Query: q}
	}
	p.check(t, page(""), page("page-2"), page("page-3"))
}

func TestQueuedAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers []wireAnswer
		want    int // deliveries before the end or the error
		wantErr error
	}{
		{"empty list", []wireAnswer{jsonAnswer(200, `[]`)}, 0, nil},
		{`404 "No deliveries found" is empty`, []wireAnswer{jsonAnswer(404, `{"message":"No deliveries found"}`)}, 0, nil},
		{"another 404 is an error", []wireAnswer{htmlAnswer(404, "<html><title>404 page not found</title></html>")}, 0, elements.ErrNotFound},
		{"500", []wireAnswer{jsonAnswer(500, `{"message":"boom","requestId":"r-1"}`)}, 0, &elements.APIError{}},
		{"503 is retried", []wireAnswer{jsonAnswer(503, `{}`), jsonAnswer(200, `[`+queuedRecord+`]`)}, 1, nil},
		{"HTML page", []wireAnswer{htmlAnswer(200, "<html><body>Sign in</body></html>")}, 0, elements.ErrInvalidResponse},
		{"malformed JSON", []wireAnswer{jsonAnswer(200, `[{"notificationId":1`)}, 0, elements.ErrInvalidResponse},
		{"null item", []wireAnswer{jsonAnswer(200, `[`+queuedRecord+`,null]`)}, 0, elements.ErrInvalidResponse},
		{"an object, not a list", []wireAnswer{jsonAnswer(200, queuedRecord)}, 0, elements.ErrInvalidResponse},
		{"an item that is not an object", []wireAnswer{jsonAnswer(200, `[5]`)}, 0, elements.ErrInvalidResponse},
		{"an id that is not a number", []wireAnswer{jsonAnswer(200, `[{"notificationId":"five"}]`)}, 0, elements.ErrInvalidResponse},
		{"a later page fails", []wireAnswer{
			jsonAnswer(200, `[`+queuedRecord+`]`, "Elements-Next-Page-Token: t"),
			jsonAnswer(500, `{"message":"boom"}`),
		}, 1, &elements.APIError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, c := newWirePlatform(t, tt.answers...)
			got, err := paging.Collect(c.Deliveries.Queued(context.Background(), testCallbackURL))
			checkErr(t, err, tt.wantErr)
			if len(got) != tt.want {
				t.Errorf("got %d deliveries, want %d", len(got), tt.want)
			}
			for _, d := range got {
				if d == nil {
					t.Error("nil delivery handed out")
				}
			}
		})
	}
}

func TestRedeliverWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers []wireAnswer
		calls   int
		wantErr error
	}{
		{"200 with a body", []wireAnswer{jsonAnswer(200, `[{"notificationId":1}]`)}, 1, nil},
		{"202 with a body that is not JSON", []wireAnswer{htmlAnswer(202, "<html>accepted</html>")}, 1, nil},
		{"204", []wireAnswer{{204, "", "", nil}}, 1, nil},
		{"503 is retried (PUT)", []wireAnswer{jsonAnswer(503, `{}`), {204, "", "", nil}}, 2, nil},
		{"500", []wireAnswer{jsonAnswer(500, `{"message":"boom"}`)}, 1, &elements.APIError{}},
		{"401", []wireAnswer{jsonAnswer(401, `{"message":"bad secrets"}`)}, 1, elements.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newWirePlatform(t, tt.answers...)
			err := c.Deliveries.Redeliver(context.Background(), testCallbackURL)
			checkErr(t, err, tt.wantErr)
			want := make([]wireRequest, tt.calls)
			for i := range want {
				want[i] = wireRequest{Method: "PUT", Path: apiPrefix + "/notifications/subscriptions/deliveries",
					Query: url.Values{"where": {wantWhere(testCallbackURL)}}}
			}
			p.check(t, want...)
		})
	}
}

// A callback URL never ends the CEQL string early: a URL that could (a
// quote, a backslash) or that no callback URL needs (control characters,
// invalid UTF-8) is refused before anything is sent; every other one is sent
// exactly, inside the quotes.
func TestCallbackURLStaysInsideTheCEQLString(t *testing.T) {
	t.Parallel()
	refused := []string{
		"",
		"https://x.test/cb' or status='delivered",
		"https://x.test/cb'",
		"'",
		"https://x.test/cb''",
		`https://x.test/cb\`,
		`https://x.test/cb\' or '1'='1`,
		"https://x.test/cb\x00",
		"https://x.test/cb\n and status='delivered'",
		"https://x.test/cb\r",
		"https://x.test/\tcb",
		"https://x.test/cb\x7f",
		"https://x.test/cb\u0085",
		"https://x.test/cb\u2028",
		"https://x.test/cb\u200b", // zero-width space, a format character
		"https://x.test/cb\xff",
		"https://x.test/cb\xe2\x80", // cut UTF-8
		"/relative/cb",
		"ftp://x.test/cb",
		"https:///cb",
		"x.test/cb",
	}
	accepted := []string{
		"https://x.test/cb or 1=1",
		`https://x.test/cb" or status="delivered`,
		"https://x.test/cb%27%20or%20status%3D%27delivered",
		"https://x.test/cb?a=1&b=2;--",
		"https://x.test/cb) or (channel=",
		"https://x.test/ünïcødé/\u02bcquote\u02bc", // modifier letter apostrophe, not a quote
		"https://user:pa55@x.test:8443/cb?token=abc#frag",
	}
	for _, u := range refused {
		p, c := newWirePlatform(t, jsonAnswer(200, `[]`))
		if err := c.Deliveries.Redeliver(context.Background(), u); err == nil {
			t.Errorf("Redeliver(%q) = nil, want an error", u)
		}
		if _, err := paging.Collect(c.Deliveries.Queued(context.Background(), u)); err == nil {
			t.Errorf("Queued(%q) = nil error, want one", u)
		}
		p.check(t) // nothing sent
	}
	for _, u := range accepted {
		p, c := newWirePlatform(t, jsonAnswer(200, `[]`))
		if err := c.Deliveries.Redeliver(context.Background(), u); err != nil {
			t.Errorf("Redeliver(%q) = %v", u, err)
		}
		if _, err := paging.Collect(c.Deliveries.Queued(context.Background(), u)); err != nil {
			t.Errorf("Queued(%q) = %v", u, err)
		}
		for _, r := range p.seen() {
			if got := r.Query.Get("where"); got != wantWhere(u) || strings.Count(got, "'") != 6 {
				t.Errorf("%s where = %q, want %q", r.Method, got, wantWhere(u))
			}
		}
	}
}

// Refusals name the problem and where it is, not the URL (it is the
// caller's own input, and may be long or hold control characters).
func TestCallbackURLRefusalsSayWhy(t *testing.T) {
	t.Parallel()
	_, c := newWirePlatform(t, jsonAnswer(200, `[]`))
	for u, want := range map[string]string{
		"https://x.test/c'b":       "single quote at byte 16",
		`https://x.test/c\b`:       "backslash at byte 16",
		"https://x.test/c\nb":      "(U+000A) at byte 16",
		"https://x.test/c\xffb":    "invalid UTF-8",
		"":                         "empty callback URL",
		"mailto:events@x.test":     "absolute http or https URL",
		"https://x.test/c\u2028b":  "(U+2028) at byte 16",
		"https://x.test/cb'secret": "Redeliver: callback URL:",
	} {
		err := c.Deliveries.Redeliver(context.Background(), u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Redeliver(%q) = %v, want it to say %q", u, err, want)
		}
		if u != "" && err != nil && strings.Contains(err.Error(), u) {
			t.Errorf("Redeliver(%q) error quotes the URL: %v", u, err)
		}
	}
}

func TestDeliveriesHonourTheContext(t *testing.T) {
	t.Parallel()
	p, c := newWirePlatform(t, jsonAnswer(200, `[]`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Deliveries.FailurePolicy(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("FailurePolicy: %v", err)
	}
	if err := c.Deliveries.SetFailurePolicy(ctx, elements.FailurePolicyQueue); !errors.Is(err, context.Canceled) {
		t.Errorf("SetFailurePolicy: %v", err)
	}
	if _, err := paging.Collect(c.Deliveries.Queued(ctx, testCallbackURL)); !errors.Is(err, context.Canceled) {
		t.Errorf("Queued: %v", err)
	}
	if err := c.Deliveries.Redeliver(ctx, testCallbackURL); !errors.Is(err, context.Canceled) {
		t.Errorf("Redeliver: %v", err)
	}
	p.check(t)
}
