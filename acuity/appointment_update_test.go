package acuity

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestUpdateAppointment(t *testing.T) {
	t.Parallel()
	fixture := string(readFixture(t, "appointment.json"))
	const path = "/hubs/scheduling/appointments/8801"
	tests := []struct {
		name string
		u    AppointmentUpdate
		body string
	}{
		{"one field", AppointmentUpdate{Email: ptr("alan@example.com")}, `{"email": "alan@example.com"}`},
		{"client details, notes emptied", AppointmentUpdate{FirstName: ptr("Ada"), LastName: ptr("King"),
			Phone: ptr("+44 20 7946 0000"), Notes: ptr("")},
			`{"firstName": "Ada", "lastName": "King", "phone": "+44 20 7946 0000", "notes": ""}`},
		{"everything Acuity takes", AppointmentUpdate{Email: ptr(""), Certificate: ptr("WELCOME10"),
			Fields: []FieldValue{{FieldID: 1, Value: "no"}, {FieldID: 2, Value: "a, b"}}, LabelIDs: []int64{3}, SMSOptIn: ptr(false)},
			`{"email": "", "certificate": "WELCOME10", "fields": [{"id": 1, "value": "no"}, {"id": 2, "value": "a, b"}],
			  "labels": [{"id": 3}], "smsOptIn": false}`},
		{"labels removed", AppointmentUpdate{LabelIDs: []int64{}}, `{"labels": []}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newHubAccount(t, wantCall{method: "PATCH", path: path, body: tt.body, answer: fixture})
			got, err := a.UpdateAppointment(context.Background(), 8801, &tt.u)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fixtureWithRaw([]byte(fixture)), got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateAppointmentErrors(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments/8801"
	tests := []struct {
		name   string
		answer wantCall
		is     error
		status int
	}{
		{"unknown appointment", wantCall{status: 404, answer: `{"message": "No appointment found with id 8801"}`}, elements.ErrNotFound, 404},
		{"Acuity refuses", wantCall{status: 400, answer: `{"message": "Only admins can set notes.", "providerMessage": "{\"status_code\": 400, \"error\": \"invalid_notes\"}"}`}, nil, 400},
		{"server error", wantCall{status: 500, answer: `{"message": "boom"}`}, nil, 500},
		{"HTML with 200", wantCall{ctype: "text/html", answer: `<html>maintenance</html>`}, elements.ErrInvalidResponse, 0},
		{"malformed appointment", wantCall{answer: `{"id": 8801, "datetime": "soon"}`}, elements.ErrInvalidResponse, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.answer
			c.method, c.path, c.body = "PATCH", path, `{"notes": "VIP"}`
			a, _ := newHubAccount(t, c)
			got, err := a.UpdateAppointment(context.Background(), 8801, &AppointmentUpdate{Notes: ptr("VIP")})
			if err == nil || got != nil {
				t.Fatalf("UpdateAppointment = %v, %v; want an error", got, err)
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
			if !strings.Contains(err.Error(), "UpdateAppointment") {
				t.Errorf("err = %v does not name the call", err)
			}
			checkNoSecret(t, err.Error())
		})
	}
}

func TestUpdateAppointmentBadInput(t *testing.T) {
	t.Parallel()
	a, _ := newHubAccount(t) // nothing may be sent
	ctx := context.Background()
	tests := []struct {
		name string
		id   int64
		u    *AppointmentUpdate
		want string
	}{
		{"id 0", 0, &AppointmentUpdate{Notes: ptr("x")}, "not positive"},
		{"nil update", 1, nil, "nil update"},
		{"nothing set", 1, &AppointmentUpdate{}, "sets nothing"},
		{"blank names", 1, &AppointmentUpdate{FirstName: ptr(" "), LastName: ptr("")}, "FirstName is blank (Acuity does not remove it); LastName is blank"},
		{"bad field id", 1, &AppointmentUpdate{Fields: []FieldValue{{FieldID: 1}, {FieldID: 0, Value: "x"}}}, "Fields[1].FieldID 0"},
		{"bad label id", 1, &AppointmentUpdate{LabelIDs: []int64{-3}}, "LabelIDs[0] -3"},
	}
	for _, tt := range tests {
		got, err := a.UpdateAppointment(ctx, tt.id, tt.u)
		if got != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: UpdateAppointment = %v, %v; want an error mentioning %q", tt.name, got, err, tt.want)
		}
	}
}

// A PATCH that may have reached the platform is not sent again (a 503
// after the request went out); a 429, which the platform did not process,
// is retried. The client here retries idempotent calls up to 3 times.
func TestUpdateAppointmentRetries(t *testing.T) {
	t.Parallel()
	fixture := readFixture(t, "appointment.json")
	for _, tc := range []struct {
		first     int
		wantCalls int32
		wantErr   bool
	}{{http.StatusServiceUnavailable, 1, true}, {http.StatusBadGateway, 1, true}, {http.StatusTooManyRequests, 2, false}} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPatch {
				t.Errorf("method %s", r.Method)
			}
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, `{"message": "try later"}`, tc.first)
				return
			}
			_, _ = w.Write(fixture)
		}))
		c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL(srv.URL), elements.WithRetry(3, time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		a, err := NewAccount(c, testToken)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.UpdateAppointment(context.Background(), 8801, &AppointmentUpdate{Phone: ptr("+1 555 0199")})
		srv.Close()
		if (err != nil) != tc.wantErr || calls.Load() != tc.wantCalls {
			t.Errorf("first answer %d: %d requests, err %v; want %d requests, error %v", tc.first, calls.Load(), err, tc.wantCalls, tc.wantErr)
		}
	}
}
