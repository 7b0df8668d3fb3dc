package acuity

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
)

func TestParseWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want *Webhook
	}{
		{"classic scheduled", "action=scheduled&id=8801&calendarID=12&appointmentTypeID=3",
			&Webhook{Action: "scheduled", ID: 8801, CalendarID: 12, AppointmentTypeID: 3}},
		{"classic rescheduled", "action=rescheduled&id=8801&calendarID=12&appointmentTypeID=3",
			&Webhook{Action: "rescheduled", ID: 8801, CalendarID: 12, AppointmentTypeID: 3}},
		{"classic canceled", "action=canceled&id=1&calendarID=2&appointmentTypeID=3",
			&Webhook{Action: "canceled", ID: 1, CalendarID: 2, AppointmentTypeID: 3}},
		{"classic changed", "action=changed&id=1&calendarID=2&appointmentTypeID=3",
			&Webhook{Action: "changed", ID: 1, CalendarID: 2, AppointmentTypeID: 3}},
		{"dynamic scheduled", "action=appointment.scheduled&id=8801&calendarID=12&appointmentTypeID=3",
			&Webhook{Action: "appointment.scheduled", ID: 8801, CalendarID: 12, AppointmentTypeID: 3}},
		{"dynamic canceled", "action=appointment.canceled&id=9&calendarID=1&appointmentTypeID=2",
			&Webhook{Action: "appointment.canceled", ID: 9, CalendarID: 1, AppointmentTypeID: 2}},
		{"order completed", "action=order.completed&id=555",
			&Webhook{Action: "order.completed", ID: 555}},
		{"fields in any order", "appointmentTypeID=3&id=7&action=scheduled&calendarID=12",
			&Webhook{Action: "scheduled", ID: 7, CalendarID: 12, AppointmentTypeID: 3}},
		{"escaped action", "action=appointment%2Escheduled&id=7",
			&Webhook{Action: "appointment.scheduled", ID: 7}},
		{"unknown fields ignored", "action=scheduled&id=7&extra=x&calendarID=",
			&Webhook{Action: "scheduled", ID: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWebhook([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseWebhook(%q): %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseWebhook(%q) mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestParseWebhookFixture(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/acuity_webhook.form")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	want := &Webhook{Action: ActionCanceled, ID: 8802, CalendarID: 12, AppointmentTypeID: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseWebhookErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantErr error
		wantMsg string
	}{
		{"empty body", "", ErrUnknownAction, "no action"},
		{"no action", "id=1&calendarID=2", ErrUnknownAction, "no action"},
		{"empty action", "action=&id=1", ErrUnknownAction, "no action"},
		{"unknown action", "action=exploded&id=1", ErrUnknownAction, `"exploded"`},
		{"wrong case action", "action=Scheduled&id=1", ErrUnknownAction, `"Scheduled"`},
		{"unknown dynamic action", "action=appointment.order.completed&id=1", ErrUnknownAction, "appointment.order"},
		{"long action named by its length", "action=" + strings.Repeat("x", 200) + "&id=1", ErrUnknownAction, "a value of 200 bytes"},
		{"no id", "action=scheduled&calendarID=2", ErrInvalidID, "no id"},
		{"empty id", "action=scheduled&id=", ErrInvalidID, `id ""`},
		{"non-numeric id", "action=scheduled&id=abc", ErrInvalidID, `"abc"`},
		{"zero id", "action=scheduled&id=0", ErrInvalidID, `"0"`},
		{"negative id", "action=scheduled&id=-4", ErrInvalidID, `"-4"`},
		{"float id", "action=scheduled&id=1.5", ErrInvalidID, `"1.5"`},
		{"overflowing id", "action=scheduled&id=9223372036854775808", ErrInvalidID, "922337"},
		{"id with space", "action=scheduled&id=+1", ErrInvalidID, `" 1"`},
		{"duplicate id", "action=scheduled&id=1&id=2", ErrMalformedWebhook, "id given 2 times"},
		{"duplicate action", "action=scheduled&action=canceled&id=1", ErrMalformedWebhook, "action given 2 times"},
		{"bad escape", "action=sched%zzuled&id=1", ErrMalformedWebhook, "form encoding"},
		{"semicolon", "action=scheduled;id=1", ErrMalformedWebhook, "form encoding"},
		{"bad calendarID", "action=scheduled&id=1&calendarID=x", ErrMalformedWebhook, `calendarID "x"`},
		{"negative appointmentTypeID", "action=scheduled&id=1&appointmentTypeID=-3", ErrMalformedWebhook, "appointmentTypeID"},
		{"JSON instead of form", `{"action":"scheduled","id":1}`, ErrUnknownAction, "no action"},
	}
	sentinels := []error{ErrMalformedWebhook, ErrUnknownAction, ErrInvalidID}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWebhook([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseWebhook(%q) = %+v, want error", tt.body, got)
			}
			if got != nil {
				t.Errorf("ParseWebhook(%q) returned %+v with the error", tt.body, got)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) != (s == tt.wantErr) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, !(s == tt.wantErr))
				}
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestPlatformEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action     string
		wantObject string
		wantType   webhook.EventType
		wantOK     bool
	}{
		{ActionScheduled, ObjectAppointments, webhook.EventCreated, true},
		{ActionRescheduled, ObjectAppointments, webhook.EventUpdated, true},
		{ActionChanged, ObjectAppointments, webhook.EventUpdated, true},
		{ActionCanceled, ObjectAppointments, webhook.EventUpdated, true},
		{ActionAppointmentScheduled, ObjectAppointments, webhook.EventCreated, true},
		{ActionAppointmentRescheduled, ObjectAppointments, webhook.EventUpdated, true},
		{ActionAppointmentChanged, ObjectAppointments, webhook.EventUpdated, true},
		{ActionAppointmentCanceled, ObjectAppointments, webhook.EventUpdated, true},
		{ActionOrderCompleted, ObjectOrders, webhook.EventCreated, true},
		{"appointment.order.completed", "", webhook.EventUnknown, false},
		{"deleted", "", webhook.EventUnknown, false},
		{"", "", webhook.EventUnknown, false},
	}
	for _, tt := range tests {
		obj, et, ok := PlatformEvent(tt.action)
		if obj != tt.wantObject || et != tt.wantType || ok != tt.wantOK {
			t.Errorf("PlatformEvent(%q) = %q, %q, %v; want %q, %q, %v",
				tt.action, obj, et, ok, tt.wantObject, tt.wantType, tt.wantOK)
		}
		w := &Webhook{Action: tt.action}
		if obj, et := w.PlatformEvent(); obj != tt.wantObject || et != tt.wantType {
			t.Errorf("(&Webhook{Action: %q}).PlatformEvent() = %q, %q", tt.action, obj, et)
		}
	}
}

func TestClassicAction(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"scheduled":               "scheduled",
		"appointment.scheduled":   "scheduled",
		"appointment.rescheduled": "rescheduled",
		"appointment.canceled":    "canceled",
		"appointment.changed":     "changed",
		"order.completed":         "order.completed",
		"appointment.other":       "appointment.other",
	}
	for in, want := range tests {
		if got := (&Webhook{Action: in}).ClassicAction(); got != want {
			t.Errorf("ClassicAction(%q) = %q, want %q", in, got, want)
		}
	}
}
