package elementstest_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/webhook"
)

// Deliver's raw is Acuity's webhook, so acuity.WebhookFromNotification reads
// it off a delivered notification.
func TestDeliverSendsAcuityRaw(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)
	c, err := srv.NewClient()
	mustOK(t, err)
	a, err := acuity.NewAccount(c, in.Token)
	mustOK(t, err)
	mustOK(t, srv.SetAppointmentType(in.ID, json.RawMessage(`{"id": 3, "duration": 30, "calendarIDs": [12]}`)))
	appt := bookOne(t, a)

	tests := []struct {
		event webhook.Event
		want  acuity.Webhook
	}{
		{webhook.Event{ObjectType: "appointments", EventType: webhook.EventCreated, ObjectID: fmt.Sprint(appt.ID)},
			acuity.Webhook{Action: "scheduled", ID: appt.ID, CalendarID: 12, AppointmentTypeID: 3}},
		{webhook.Event{ObjectType: "appointments", EventType: webhook.EventUpdated, ObjectID: fmt.Sprint(appt.ID)},
			acuity.Webhook{Action: "changed", ID: appt.ID, CalendarID: 12, AppointmentTypeID: 3}},
		{webhook.Event{ObjectType: "appointments", EventType: webhook.EventUpdated, ObjectID: "777"}, // none stored
			acuity.Webhook{Action: "changed", ID: 777}},
		{webhook.Event{ObjectType: "orders", EventType: webhook.EventCreated, ObjectID: fmt.Sprint(appt.ID)},
			acuity.Webhook{Action: "order.completed", ID: appt.ID}},
	}
	for _, tt := range tests {
		if _, err := srv.Deliver(in.ID, tt.event); err != nil {
			t.Fatal(err)
		}
		got := <-rcv.got
		wh, err := acuity.WebhookFromNotification(got.n)
		if err != nil {
			t.Errorf("%+v: WebhookFromNotification: %v (raw %s)", tt.event, err, got.n.Raw)
			continue
		}
		if diff := cmp.Diff(&tt.want, wh); diff != "" {
			t.Errorf("%+v: webhook (-want +got):\n%s", tt.event, diff)
		}
	}
	// An id Acuity cannot have leaves raw empty.
	if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated, ObjectID: "abc"}); err != nil {
		t.Fatal(err)
	}
	if got := <-rcv.got; string(got.n.Raw) != "{}" {
		t.Errorf("raw for a non-numeric id = %s, want {}", got.n.Raw)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func bookOne(t *testing.T, a *acuity.Account) *acuity.Appointment {
	t.Helper()
	appt, err := a.Book(t.Context(), &acuity.Booking{AppointmentTypeID: 3, FirstName: "Jane", LastName: "Doe",
		Email: "jane@example.com", Datetime: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)})
	mustOK(t, err)
	return appt
}
