package elementstest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// hubCall makes one raw call to the fake's scheduling hub with the
// instance's token and returns the status and the body.
func hubCall(t *testing.T, srv *elementstest.Server, token, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+"/hubs/scheduling"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "User user-secret, Organization org-secret, Element "+token)
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
	return resp.StatusCode, b
}

// next returns what the receiver's route saw next, failing after 10s.
func next(t *testing.T, rcv *receiver) received {
	t.Helper()
	select {
	case got := <-rcv.got:
		return got
	case <-time.After(10 * time.Second):
		t.Fatal("no notification reached the receiver")
		return received{}
	}
}

// Writes through the hub make the Acuity account send its webhook, which
// takes the ingress's path (its signature checked against the instance's
// Acuity API key) and reaches the instance's callback as the notification
// acuity.PlatformEvent types.
func TestHubWritesSendAcuityWebhooks(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv) // events on, Acuity API key set
	mustOK(t, srv.SetAppointmentType(in.ID, json.RawMessage(`{"id": 3, "duration": 30, "calendarIDs": [12]}`)))
	call := func(method, path, body string) []byte {
		t.Helper()
		status, b := hubCall(t, srv, in.Token, method, path, body)
		if status != http.StatusOK {
			t.Fatalf("%s %s: status %d: %s", method, path, status, b)
		}
		return b
	}
	const booking = `{"appointmentTypeID": 3, "datetime": "2026-12-01T09:00:00-0700",
		"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}`

	// Until the account's webhooks point at the platform, it sends nothing.
	call("POST", "/appointments", booking)
	if d := srv.Deliveries(); len(d) != 0 {
		t.Fatalf("webhooks off: %d deliveries, want none", len(d))
	}

	mustOK(t, srv.SetAcuityWebhooks(in.ID, true))
	var appt struct{ ID int64 }
	mustOK(t, json.Unmarshal(call("POST", "/appointments", booking), &appt))
	path := fmt.Sprintf("/appointments/%d", appt.ID)
	steps := []struct {
		method, path, body string
		action             string
	}{
		{"", "", "", acuity.ActionScheduled}, // the booking above
		{"PATCH", path, `{"notes": "bring the forms"}`, acuity.ActionChanged},
		{"PATCH", path + "/reschedule", `{"datetime": "2026-12-02T10:00:00-0700"}`, acuity.ActionRescheduled},
		{"DELETE", path, "", acuity.ActionCanceled},
	}
	for _, st := range steps {
		if st.method != "" {
			call(st.method, st.path, st.body)
		}
		got := next(t, rcv)
		wantType := webhook.EventCreated
		if st.action != acuity.ActionScheduled {
			wantType = webhook.EventUpdated
		}
		if got.e.EventType != wantType || got.e.ObjectType != acuity.ObjectAppointments || got.e.ObjectID != fmt.Sprint(appt.ID) {
			t.Errorf("%s: event %+v, want %s appointments %d", st.action, got.e, wantType, appt.ID)
		}
		wh, err := acuity.WebhookFromNotification(got.n)
		if err != nil {
			t.Fatalf("%s: raw %s: %v", st.action, got.n.Raw, err)
		}
		want := &acuity.Webhook{Action: st.action, ID: appt.ID, CalendarID: 12, AppointmentTypeID: 3}
		if diff := cmp.Diff(want, wh); diff != "" {
			t.Errorf("%s: the account's webhook (-want +got):\n%s", st.action, diff)
		}
	}

	// Canceling again, a refused write and the webhooks turned off send
	// nothing more.
	call("DELETE", path, "")
	if status, _ := hubCall(t, srv, in.Token, "PATCH", path, `{"datetime": "2026-12-03T10:00:00-0700"}`); status != http.StatusBadRequest {
		t.Errorf("PATCH of a field that cannot change: status %d, want 400", status)
	}
	mustOK(t, srv.SetAcuityWebhooks(in.ID, false))
	call("POST", "/appointments", booking)
	if d := srv.Deliveries(); len(d) != len(steps) {
		t.Errorf("%d deliveries, want %d (one per write while the webhooks were on)", len(d), len(steps))
	}
	if err := srv.SetAcuityWebhooks(424242, true); !errors.Is(err, elementstest.ErrNotFound) {
		t.Errorf("SetAcuityWebhooks(unknown) = %v, want ErrNotFound", err)
	}
}

// With events off, the platform takes the account's webhook and drops it,
// as it does one POSTed to the Webhook URL.
func TestHubWritesWithEventsOff(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	mustOK(t, srv.SetAppointmentType(in.ID, json.RawMessage(`{"id": 3, "duration": 30}`)))
	mustOK(t, srv.SetAcuityWebhooks(in.ID, true))
	req, err := http.NewRequest("PATCH", fmt.Sprintf("%s/instances/%d", srv.URL, in.ID),
		strings.NewReader(`{"configuration": {"event.notification.enabled": false}}`))
	mustOK(t, err)
	req.Header.Set("Authorization", "User user-secret, Organization org-secret")
	resp, err := http.DefaultClient.Do(req)
	mustOK(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("turning events off: status %d", resp.StatusCode)
	}

	status, b := hubCall(t, srv, in.Token, "POST", "/appointments", `{"appointmentTypeID": 3,
		"datetime": "2026-12-01T09:00:00-0700", "firstName": "A", "lastName": "B", "email": "a@b.example"}`)
	if status != http.StatusOK {
		t.Fatalf("book: status %d: %s", status, b)
	}
	if d := srv.Deliveries(); len(d) != 0 {
		t.Errorf("events off: %d deliveries, want none", len(d))
	}
}
