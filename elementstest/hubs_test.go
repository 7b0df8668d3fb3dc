package elementstest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
)

// appointmentFixture returns acuity's realistic appointment fixture, raw and
// decoded by the acuity package: the want of the tests below.
func appointmentFixture(t *testing.T) (json.RawMessage, acuity.Appointment) {
	t.Helper()
	raw, err := os.ReadFile("../acuity/testdata/appointment.json")
	if err != nil {
		t.Fatal(err)
	}
	var want acuity.Appointment
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if want.ID != 8801 || want.LastName == "" {
		t.Fatalf("fixture decoded to %+v, want appointment 8801", want)
	}
	return raw, want
}

// newAcuityInstance creates an Acuity instance through the client, with
// events sent to callbackURL.
func newAcuityInstance(t *testing.T, c *elements.Client, callbackURL string) *elements.Instance {
	t.Helper()
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "code", ClientID: "id", ClientSecret: "secret", RedirectURI: "https://app.example/oauth",
		EventCallbackURL: callbackURL, Name: "Front desk",
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Instances.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func newClient(t *testing.T, srv *Server) *elements.Client {
	t.Helper()
	c, err := elements.NewClient("u-secret", "o-secret", elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGetAppointmentEndToEnd(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	client := newClient(t, srv)
	in := newAcuityInstance(t, client, "https://app.example/events")
	raw, want := appointmentFixture(t)

	if err := srv.SetAppointment(in.ID, raw); err != nil {
		t.Fatalf("SetAppointment: %v", err)
	}
	clear(raw) // the fake keeps its own copy
	got, err := acuity.GetAppointment(context.Background(), client, in.Token, 8801)
	if err != nil {
		t.Fatalf("GetAppointment: %v", err)
	}
	if diff := cmp.Diff(want, *got, ignoreRaw); diff != "" {
		t.Errorf("appointment (-want +got):\n%s", diff)
	}
}

func TestSetAppointmentReplaces(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	client := newClient(t, srv)
	in := newAcuityInstance(t, client, "https://app.example/events")

	for _, name := range []string{"Ada", "Grace"} {
		if err := srv.SetAppointment(in.ID, json.RawMessage(`{"id": "8801", "firstName": "`+name+`"}`)); err != nil {
			t.Fatalf("SetAppointment: %v", err)
		}
	}
	got, err := acuity.GetAppointment(context.Background(), client, in.Token, 8801)
	if err != nil {
		t.Fatalf("GetAppointment: %v", err)
	}
	if got.FirstName != "Grace" {
		t.Errorf("FirstName = %q, want the later appointment's %q", got.FirstName, "Grace")
	}
}

func TestSetAppointmentRejects(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	in := newAcuityInstance(t, newClient(t, srv), "https://app.example/events")
	tests := []struct {
		name     string
		instance int64
		appt     string
		want     string // part of the error
	}{
		{"unknown instance", 999, `{"id": 1}`, "no such instance"},
		{"not JSON", in.ID, `{"id": 1`, "not valid JSON"},
		{"empty", in.ID, ``, "not valid JSON"},
		{"array", in.ID, `[{"id": 1}]`, "not a JSON object"},
		{"string", in.ID, `"8801"`, "not a JSON object"},
		{"no id", in.ID, `{"firstName": "Ada"}`, "no positive id"},
		{"null id", in.ID, `{"id": null}`, "no positive id"},
		{"zero id", in.ID, `{"id": 0}`, "no positive id"},
		{"negative id", in.ID, `{"id": -5}`, "no positive id"},
		{"id not a number", in.ID, `{"id": "abc"}`, "appointment id"},
		{"fractional id", in.ID, `{"id": 1.5}`, "appointment id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := srv.SetAppointment(tt.instance, json.RawMessage(tt.appt))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SetAppointment(%d, %s) = %v, want an error containing %q", tt.instance, tt.appt, err, tt.want)
			}
		})
	}
	if err := srv.SetAppointment(999, json.RawMessage(`{"id": 1}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown instance: %v, want ErrNotFound", err)
	}
}

// TestAppointmentNeedsElementToken checks the resource's Authorization at the
// wire: User and Organization as for every call, plus the Element token of
// an existing instance.
func TestAppointmentNeedsElementToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t, WithCredentials("u-secret", "o-secret"))
	client := newClient(t, srv)
	in := newAcuityInstance(t, client, "https://app.example/events")
	deleted := newAcuityInstance(t, client, "https://app.example/events")
	raw, _ := appointmentFixture(t)
	if err := srv.SetAppointment(in.ID, raw); err != nil {
		t.Fatal(err)
	}
	if err := client.Instances.Delete(context.Background(), deleted.ID); err != nil {
		t.Fatal(err)
	}
	const path = "/hubs/scheduling/appointments/8801"
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"no header", "-", 401},
		{"no element part", testAuth, 401},
		{"empty element token", testAuth + ", Element ", 401},
		{"unknown token", testAuth + ", Element bm90LWEtdG9rZW4=", 401},
		{"deleted instance's token", testAuth + ", Element " + deleted.Token, 401},
		{"token without user and organization", "Element " + in.Token, 401},
		{"wrong organization", "User u-secret, Organization x, Element " + in.Token, 401},
		{"valid", testAuth + ", Element " + in.Token, 200},
		{"valid, parts reordered", "Element " + in.Token + ", User u-secret, Organization o-secret", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, srv, call{method: "GET", path: path, auth: tt.auth})
			if a.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", a.status, tt.status, a.body)
			}
			if tt.status != 200 {
				msg := errorMessage(t, a)
				if msg == "" || strings.Contains(msg, in.Token) || strings.Contains(msg, "o-secret") {
					t.Errorf("message %q: want a reason that shows no secret", msg)
				}
				return
			}
			var got struct{ ID int64 }
			if err := json.Unmarshal(a.body, &got); err != nil || got.ID != 8801 {
				t.Errorf("body %s: want appointment 8801 (%v)", a.body, err)
			}
		})
	}

	// Through the SDK: a wrong token is the platform's 401, and the error
	// text shows neither token.
	_, err := acuity.GetAppointment(context.Background(), client, "bm90LWEtdG9rZW4=", 8801)
	var apiErr *elements.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GetAppointment with a wrong token: %v, want a 401 *elements.APIError", err)
	}
	if strings.Contains(err.Error(), "bm90LWEtdG9rZW4=") || strings.Contains(err.Error(), in.Token) {
		t.Errorf("error %q shows a token", err)
	}
}

func TestAppointmentNotFound(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	client := newClient(t, srv)
	owner := newAcuityInstance(t, client, "https://app.example/events")
	other := newAcuityInstance(t, client, "https://app.example/events")
	raw, _ := appointmentFixture(t)
	if err := srv.SetAppointment(owner.ID, raw); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		id    int64
	}{
		{"unknown id", owner.Token, 9999},
		{"another instance's appointment", other.Token, 8801},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := acuity.GetAppointment(context.Background(), client, tt.token, tt.id)
			var apiErr *elements.APIError
			if !errors.Is(err, elements.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Message == "" || apiErr.RequestID == "" {
				t.Fatalf("GetAppointment = %+v, %v; want a 404 *elements.APIError with message and request id", got, err)
			}
		})
	}

	a := do(t, srv, call{method: "GET", path: "/hubs/scheduling/appointments/abc", auth: testAuth + ", Element " + owner.Token})
	if a.status != http.StatusNotFound || errorMessage(t, a) == "" {
		t.Errorf("non-numeric id: status %d, body %s; want 404 with a message", a.status, a.body)
	}
}

// TestWebhookLeavesAppointmentsAlone checks that the ingress works as before
// for an appointment the account does not hold, and that webhooks do not
// change stored appointments.
func TestWebhookLeavesAppointmentsAlone(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(host.Close)
	client := newClient(t, srv)
	in := newAcuityInstance(t, client, host.URL)
	raw, want := appointmentFixture(t)
	if err := srv.SetAppointment(in.ID, raw); err != nil {
		t.Fatal(err)
	}

	for _, form := range []string{
		"action=scheduled&id=9999&calendarID=12&appointmentTypeID=3", // never stored
		"action=canceled&id=8801&calendarID=12&appointmentTypeID=3",  // stored
	} {
		resp, err := http.Post(acuity.WebhookURL(srv.URL, in.ID), "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook %s: status %d, want 200", form, resp.StatusCode)
		}
	}
	ds, err := srv.WaitForDeliveries(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if !d.Delivered || d.InstanceID != in.ID {
			t.Errorf("delivery %+v: want delivered for instance %d", d, in.ID)
		}
	}

	if _, err := acuity.GetAppointment(context.Background(), client, in.Token, 9999); !errors.Is(err, elements.ErrNotFound) {
		t.Errorf("appointment 9999 after its webhook: %v, want ErrNotFound", err)
	}
	got, err := acuity.GetAppointment(context.Background(), client, in.Token, 8801)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, *got, ignoreRaw); diff != "" {
		t.Errorf("appointment 8801 after a webhook (-want +got):\n%s", diff)
	}
}

// ignoreRaw leaves an appointment's Raw (the bytes as the fake wrote them,
// compact, where the fixture is indented) out of a comparison of its fields.
var ignoreRaw = cmpopts.IgnoreFields(acuity.Appointment{}, "Raw")
