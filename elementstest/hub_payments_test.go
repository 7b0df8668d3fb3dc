package elementstest

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements/acuity"
)

// hubAuth is the Authorization header of a hub call with the instance's
// token.
func hubAuth(token string) string { return testAuth + ", Element " + token }

// GET /hubs/scheduling/appointments/{id}/payments answers the payments
// SetPayments seeded, in Acuity's JSON; [] for none; 404 for an appointment
// the instance's account does not have.
func TestHubPayments(t *testing.T) {
	t.Parallel()
	srv, in, _ := newAccount(t)
	raw, _ := appointmentFixture(t)
	must(t, srv.SetAppointment(in.ID, raw)) // appointment 8801
	path := "/hubs/scheduling/appointments/8801/payments"

	a := do(t, srv, call{method: "GET", path: path, auth: hubAuth(in.Token)})
	if a.status != http.StatusOK || string(a.body) != "[]" {
		t.Errorf("no payments: status %d, body %s; want 200 []", a.status, a.body)
	}

	stripe := `{"transactionID": "ch_1ExAmPlE", "created": "2026-12-01T09:05:00-0700", "processor": "stripe",
		"amount": "60.00", "paymentNote": null}`
	cash := `{"transactionID": "", "created": "2026-12-02T10:00:00-0700", "processor": "", "amount": "15.50",
		"paymentNote": "cash at the desk"}`
	must(t, srv.SetPayments(in.ID, 8801, json.RawMessage(stripe), json.RawMessage(cash)))
	a = do(t, srv, call{method: "GET", path: path, auth: hubAuth(in.Token)})
	if a.status != http.StatusOK || a.header.Get("Content-Type") != "application/json" {
		t.Fatalf("payments: status %d, Content-Type %q: %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	type payment struct {
		TransactionID, Created, Processor, Amount string
		PaymentNote                               *string
	}
	var got []payment
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	note := "cash at the desk"
	want := []payment{
		{TransactionID: "ch_1ExAmPlE", Created: "2026-12-01T09:05:00-0700", Processor: "stripe", Amount: "60.00"},
		{Created: "2026-12-02T10:00:00-0700", Amount: "15.50", PaymentNote: &note},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payments (-want +got):\n%s", diff)
	}
	for _, p := range got {
		if _, err := time.Parse(acuity.DatetimeLayout, p.Created); err != nil {
			t.Errorf("created %q is not in Acuity's layout: %v", p.Created, err)
		}
	}

	// Replaced, then cleared.
	must(t, srv.SetPayments(in.ID, 8801, json.RawMessage(cash)))
	if a := do(t, srv, call{method: "GET", path: path, auth: hubAuth(in.Token)}); len(decodeList(t, a)) != 1 {
		t.Errorf("after replacing: %s", a.body)
	}
	must(t, srv.SetPayments(in.ID, 8801))
	if a := do(t, srv, call{method: "GET", path: path, auth: hubAuth(in.Token)}); string(a.body) != "[]" {
		t.Errorf("after clearing: %s", a.body)
	}

	for _, tc := range []struct {
		name, path, auth string
		status           int
	}{
		{"unknown appointment", "/hubs/scheduling/appointments/9999/payments", hubAuth(in.Token), http.StatusNotFound},
		{"bad id", "/hubs/scheduling/appointments/abc/payments", hubAuth(in.Token), http.StatusNotFound},
		{"no Element token", path, testAuth, http.StatusUnauthorized},
	} {
		if a := do(t, srv, call{method: "GET", path: tc.path, auth: tc.auth}); a.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, a.status, tc.status, a.body)
		}
	}

	if err := srv.SetPayments(424242, 8801); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPayments(unknown instance) = %v, want ErrNotFound", err)
	}
	for name, err := range map[string]error{
		"unknown appointment": srv.SetPayments(in.ID, 9999, json.RawMessage(stripe)),
		"not an object":       srv.SetPayments(in.ID, 8801, json.RawMessage(`["x"]`)),
		"not JSON":            srv.SetPayments(in.ID, 8801, json.RawMessage(`{"amount": `)),
	} {
		if err == nil {
			t.Errorf("SetPayments with %s: no error", name)
		}
	}
}

// decodeList decodes a 200 answer holding a JSON array.
func decodeList(t *testing.T, a answer) []json.RawMessage {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(a.body, &list); a.status != http.StatusOK || err != nil {
		t.Fatalf("status %d, %v: %s", a.status, err, a.body)
	}
	return list
}
