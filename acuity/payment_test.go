package acuity

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
)

func TestPayments(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments/8801/payments"
	stripe := `{"transactionID": "pi_123456abcdef", "created": "2016-01-22T09:27:51-0800", "processor": "stripe",
		"amount": "300.00", "refunded": false}`
	cash := `{"transactionID": 991, "created": "2026-12-01T10:15:00Z", "processor": "cash", "amount": 20}`
	a, _ := newHubAccount(t, wantCall{method: "GET", path: path, answer: "[" + stripe + ", " + cash + "]"})
	got, err := a.Payments(context.Background(), 8801)
	if err != nil {
		t.Fatal(err)
	}
	want := []*Payment{
		{TransactionID: "pi_123456abcdef", Created: time.Date(2016, 1, 22, 9, 27, 51, 0, time.FixedZone("", -8*3600)),
			Processor: "stripe", Amount: "300.00", Raw: json.RawMessage(stripe)},
		{TransactionID: "991", Created: time.Date(2026, 12, 1, 10, 15, 0, 0, time.UTC), Processor: "cash", Amount: "20",
			Raw: json.RawMessage(cash)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Payments reads every page: the platform's token on the last page leads
// to an empty page, which ends the list.
func TestPaymentsPages(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments/5/payments"
	a, _ := newHubAccount(t,
		wantCall{method: "GET", path: path, answer: `[{"transactionID": "a"}]`, next: "p2"},
		wantCall{method: "GET", path: path, query: url.Values{"nextPage": {"p2"}}, answer: `[{"transactionID": "b"}]`, next: "p3"},
		wantCall{method: "GET", path: path, query: url.Values{"nextPage": {"p3"}}, answer: `[]`, next: "p4"})
	got, err := a.Payments(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.TransactionID)
	}
	if diff := cmp.Diff([]string{"a", "b"}, ids); diff != "" {
		t.Errorf("transaction ids (-want +got):\n%s", diff)
	}
}

func TestPaymentsNone(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments/8801/payments"
	for _, c := range []wantCall{
		{method: "GET", path: path, answer: `[]`},
		{method: "GET", path: path, status: 404, answer: `{"message": "No payments found"}`},
	} {
		a, _ := newHubAccount(t, c)
		got, err := a.Payments(context.Background(), 8801)
		if err != nil || got != nil {
			t.Errorf("answer %d %s: Payments = %v, %v; want nil, nil", cmpOr(c.status, 200), c.answer, got, err)
		}
	}
}

func TestPaymentsErrors(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments/8801/payments"
	tests := []struct {
		name   string
		answer wantCall
		is     error // errors.Is
		status int   // *elements.APIError's status, 0 for none
	}{
		{"unknown appointment", wantCall{status: 404, answer: `{"message": "Appointment not found ` + testToken + `"}`}, elements.ErrNotFound, 404},
		{"404 HTML page", wantCall{status: 404, ctype: "text/html", answer: `<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr>nginx</body></html>`}, elements.ErrNotFound, 404},
		{"server error", wantCall{status: 500, answer: `{"message": "boom", "requestId": "r1"}`}, nil, 500},
		{"unauthorized", wantCall{status: 401, answer: `{"message": "Invalid Element token"}`}, elements.ErrUnauthorized, 401},
		{"HTML with 200", wantCall{ctype: "text/html", answer: `<html>maintenance</html>`}, elements.ErrInvalidResponse, 0},
		{"malformed JSON", wantCall{answer: `[{"transactionID": "a"`}, elements.ErrInvalidResponse, 0},
		{"not a list", wantCall{answer: `{"transactionID": "a"}`}, elements.ErrInvalidResponse, 0},
		{"null payment", wantCall{answer: `[null]`}, elements.ErrInvalidResponse, 0},
		{"bad created", wantCall{answer: `[{"transactionID": "a", "created": "Jan 22"}]`}, elements.ErrInvalidResponse, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.answer
			c.method, c.path = "GET", path
			a, _ := newHubAccount(t, c)
			got, err := a.Payments(context.Background(), 8801)
			if err == nil || got != nil {
				t.Fatalf("Payments = %v, %v; want an error", got, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.is)
			}
			status := 0
			if ae := (*elements.APIError)(nil); errors.As(err, &ae) {
				status = ae.StatusCode
			}
			if status != tt.status {
				t.Errorf("err = %v: *APIError status %d, want %d (0: no *APIError)", err, status, tt.status)
			}
			if !strings.Contains(err.Error(), "Payments") {
				t.Errorf("err = %v does not name the call", err)
			}
			checkNoSecret(t, err.Error())
		})
	}
	t.Run("appointment id", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t) // nothing may be sent
		if _, err := a.Payments(context.Background(), 0); err == nil || !strings.Contains(err.Error(), "not positive") {
			t.Errorf("Payments(0) = %v, want an error about the id", err)
		}
	})
}
