package acuity

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
)

func TestWebhookFromNotificationFixture(t *testing.T) {
	t.Parallel()
	n, err := webhook.ParseNotification(readFixture(t, "notification_acuity.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := WebhookFromNotification(n)
	if err != nil {
		t.Fatal(err)
	}
	want := &Webhook{Action: ActionRescheduled, ID: 8801, CalendarID: 12, AppointmentTypeID: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	// The inferred mapping agrees with what the platform sent beside raw.
	if len(n.Events) != 1 {
		t.Fatalf("fixture has %d events, want 1", len(n.Events))
	}
	obj, et := got.PlatformEvent()
	if obj != n.Events[0].ObjectType || et != n.Events[0].EventType {
		t.Errorf("PlatformEvent() = %q, %q; the platform sent %q, %q", obj, et, n.Events[0].ObjectType, n.Events[0].EventType)
	}
}

func TestParseRaw(t *testing.T) {
	t.Parallel()
	full := &Webhook{Action: "scheduled", ID: 8801, CalendarID: 12, AppointmentTypeID: 3}
	tests := []struct {
		name string
		raw  string
		want *Webhook
	}{
		{"object of strings", `{"action": "scheduled", "id": "8801", "calendarID": "12", "appointmentTypeID": "3"}`, full},
		{"object of numbers", `{"action": "scheduled", "id": 8801, "calendarID": 12, "appointmentTypeID": 3}`, full},
		{"mixed, unknown fields and nulls", ` {"id": 8801, "action": "scheduled", "calendarID": "12", "appointmentTypeID": 3, "extra": {"x": [1]}, "foo": null} `, full},
		{"form string", `"action=scheduled&id=8801&calendarID=12&appointmentTypeID=3"`, full},
		{"form string, dynamic action", `"action=appointment.scheduled\u0026id=8801"`, &Webhook{Action: "appointment.scheduled", ID: 8801}},
		{"order object", `{"action": "order.completed", "id": 555, "calendarID": null}`, &Webhook{Action: "order.completed", ID: 555}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRaw(json.RawMessage(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRawErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     string
		wantErr error
		wantMsg string
	}{
		{"absent", ``, ErrMalformedWebhook, "no raw webhook"},
		{"null", `null`, ErrMalformedWebhook, "no raw webhook"},
		{"array", `[1]`, ErrMalformedWebhook, "neither"},
		{"number", `42`, ErrMalformedWebhook, "neither"},
		{"broken object", `{"action": "scheduled", "id": 1`, ErrMalformedWebhook, "not a valid JSON object"},
		{"broken string", `"action=scheduled`, ErrMalformedWebhook, "not a valid JSON string"},
		{"id is an object", `{"action": "scheduled", "id": {"n": 1}}`, ErrMalformedWebhook, "raw field id"},
		{"id is a float", `{"action": "scheduled", "id": 1.5}`, ErrInvalidID, `"1.5"`},
		{"id is a bool", `{"action": "scheduled", "id": true}`, ErrInvalidID, `"true"`},
		{"id null", `{"action": "scheduled", "id": null}`, ErrInvalidID, "no id"},
		{"no action", `{"id": 1}`, ErrUnknownAction, "no action"},
		{"unknown action", `{"action": "deleted", "id": 1}`, ErrUnknownAction, `"deleted"`},
		{"form string, no id", `"action=scheduled"`, ErrInvalidID, "no id"},
		{"form string, bad escape", `"action=%zz&id=1"`, ErrMalformedWebhook, "form encoding"},
		{"bad calendarID", `{"action": "scheduled", "id": 1, "calendarID": "x"}`, ErrMalformedWebhook, "calendarID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRaw(json.RawMessage(tt.raw))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseRaw(%s) = %+v, %v; want %v", tt.raw, got, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestWebhookFromNotificationErrors(t *testing.T) {
	t.Parallel()
	if _, err := WebhookFromNotification(nil); err == nil {
		t.Error("nil notification: no error")
	}
	other := &webhook.Notification{ElementKey: "hubspot", Raw: json.RawMessage(`{"action": "scheduled", "id": 1}`)}
	if _, err := WebhookFromNotification(other); !errors.Is(err, ErrWrongElement) {
		t.Errorf("other element: err = %v, want ErrWrongElement", err)
	}
	noKey := &webhook.Notification{Raw: json.RawMessage(`{"action": "scheduled", "id": 1}`)}
	if w, err := WebhookFromNotification(noKey); err != nil || w.ID != 1 {
		t.Errorf("no element key: %+v, %v; want the webhook", w, err)
	}
	noRaw := &webhook.Notification{ElementKey: ElementKey}
	if _, err := WebhookFromNotification(noRaw); !errors.Is(err, ErrMalformedWebhook) {
		t.Errorf("no raw: err = %v, want ErrMalformedWebhook", err)
	}
}

// FuzzParseRaw checks that ParseRaw fails with exactly one sentinel or
// returns a valid webhook that survives MarshalJSON -> ParseRaw, and that a
// JSON string and the form it holds parse the same.
// Seeds: testdata/fuzz/FuzzParseRaw.
func FuzzParseRaw(f *testing.F) {
	sentinels := []error{ErrMalformedWebhook, ErrUnknownAction, ErrInvalidID}
	f.Fuzz(func(t *testing.T, raw []byte) {
		w, err := ParseRaw(raw)
		if err != nil {
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 || w != nil {
				t.Fatalf("ParseRaw = %+v, %v: want nil and exactly one sentinel", w, err)
			}
		} else {
			raw2, err := json.Marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			w2, err := ParseRaw(raw2)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if diff := cmp.Diff(w, w2); diff != "" {
				t.Fatalf("re-parse differs:\n%s", diff)
			}
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			w3, err3 := ParseWebhook([]byte(s))
			if (err == nil) != (err3 == nil) || !cmp.Equal(w, w3) {
				t.Fatalf("string raw %q: ParseRaw = %+v, %v; ParseWebhook = %+v, %v", s, w, err, w3, err3)
			}
		}
	})
}

func TestWebhookMarshalJSON(t *testing.T) {
	t.Parallel()
	// The shape of message.raw in the shared notification fixture.
	w := Webhook{Action: ActionRescheduled, ID: 8801, CalendarID: 12, AppointmentTypeID: 3}
	got, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	n, err := webhook.ParseNotification(readFixture(t, "notification_acuity.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(jsonMeaning(t, n.Raw), jsonMeaning(t, got)); diff != "" {
		t.Errorf("MarshalJSON differs from the fixture's raw (-fixture +got):\n%s", diff)
	}
	if want := `{"action":"rescheduled","id":"8801","calendarID":"12","appointmentTypeID":"3"}`; string(got) != want {
		t.Errorf("MarshalJSON = %s, want %s", got, want)
	}
	order, err := json.Marshal(&Webhook{Action: ActionOrderCompleted, ID: 5})
	if err != nil || string(order) != `{"action":"order.completed","id":"5"}` {
		t.Errorf("MarshalJSON(order) = %s, %v", order, err)
	}
}
