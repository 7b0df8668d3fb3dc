package elements_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
)

const testCallbackURL = "https://mycoolapp.com/events?tenant=7"

// queuedRecord is a hydrated queued delivery as the platform's schema
// describes it, with ids and dates in the shapes real answers vary in and
// fields the SDK does not model.
const queuedRecord = `{"notificationId":5012,"subscriptionId":"77","status":"queued",` +
	`"createdDate":"2026-03-04T09:30:00Z","updatedDate":1772616600000,"attempts":9,` +
	`"notification":{"id":"5012","from":"events","topic":"acuityscheduling-events","severity":"low",` +
	`"message":{"elementKey":"acuityscheduling","eventId":"ev-8801","instanceId":12345,"events":[{"eventType":"CREATED","objectId":"8801","objectType":"appointments"}]},` +
	`"createdDate":"2026-03-04T09:30:00Z","active":true,"acknowledged":false},` +
	`"subscription":{"id":77,"channel":"webhook","topics":["acuityscheduling-events"],"config":{"url":"` + testCallbackURL + `","secret":"` + testSigningKey + `"}}}`

func queuedDelivery() *elements.Delivery {
	at := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	return &elements.Delivery{
		NotificationID: 5012, SubscriptionID: 77, Status: elements.DeliveryStatusQueued,
		CreatedDate: at, UpdatedDate: at, EventID: "ev-8801",
		Notification: &elements.DeliveryNotification{
			ID: 5012, From: "events", Topic: "acuityscheduling-events", Severity: "low",
			Message:     json.RawMessage(`{"elementKey":"acuityscheduling","eventId":"ev-8801","instanceId":12345,"events":[{"eventType":"CREATED","objectId":"8801","objectType":"appointments"}]}`),
			CreatedDate: at, Active: true,
		},
		Subscription: &elements.DeliverySubscription{ID: 77, Channel: "webhook", Topics: []string{"acuityscheduling-events"}, CallbackURL: testCallbackURL},
		Raw:          json.RawMessage(queuedRecord),
	}
}

func TestDeliveryUnmarshal(t *testing.T) {
	t.Parallel()
	var got elements.Delivery
	if err := json.Unmarshal([]byte(queuedRecord), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*queuedDelivery(), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// Not hydrated, nulls: no notification or subscription, no event id.
	got = elements.Delivery{}
	const bare = `{"notificationId":"9","subscriptionId":null,"status":"retry","createdDate":null,"notification":null}`
	if err := json.Unmarshal([]byte(bare), &got); err != nil {
		t.Fatal(err)
	}
	want := elements.Delivery{NotificationID: 9, Status: elements.DeliveryStatusRetry, Raw: json.RawMessage(bare)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bare record (-want +got):\n%s", diff)
	}

	for _, bad := range []string{`[]`, `"queued"`, `{"notificationId":{}}`, `{"createdDate":"yesterday"}`,
		`{"notification":{"id":"x"}}`, `{"subscription":{"topics":"a"}}`, `{"subscription":{"topics":[{}]}}`} {
		if err := json.Unmarshal([]byte(bad), new(elements.Delivery)); err == nil {
			t.Errorf("Unmarshal(%s) = nil, want an error", bad)
		}
	}
}

// The event id comes from the notification's message, in the shapes the
// platform's loosely typed message may take; anything else leaves it empty
// without failing the record.
func TestDeliveryEventID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		message string
		want    string
	}{
		{`{"eventId":"ev-1","events":[]}`, "ev-1"},
		{`{"eventId":35149}`, "35149"},
		{`{"message":{"eventId":"ev-2","events":[]}}`, "ev-2"},
		{`"{\"eventId\":\"ev-3\"}"`, "ev-3"},
		{`" {\"message\":{\"eventId\":4}} "`, "4"},
		{`{"eventId":"ev-5","message":{"eventId":"other"}}`, "ev-5"},
		{`"this is a test message"`, ""},
		{`{"events":[]}`, ""},
		{`{"eventId":{"id":1}}`, ""},
		{`{"eventId":null}`, ""},
		{`{"message":"text"}`, ""},
		{`["eventId"]`, ""},
		{`null`, ""},
		{`17`, ""},
		{`"\"unterminated"`, ""},
	} {
		rec := `{"notificationId":1,"subscriptionId":2,"status":"queued","notification":{"id":1,"message":` + tt.message + `}}`
		var d elements.Delivery
		if err := json.Unmarshal([]byte(rec), &d); err != nil {
			t.Errorf("message %s: %v", tt.message, err)
			continue
		}
		if d.EventID != tt.want {
			t.Errorf("message %s: EventID = %q, want %q", tt.message, d.EventID, tt.want)
		}
		if tt.message == "null" && d.Notification.Message != nil {
			t.Errorf("null message kept as %s", d.Notification.Message)
		}
		if tt.message != "null" && string(d.Notification.Message) != tt.message {
			t.Errorf("Message = %s, want %s as sent", d.Notification.Message, tt.message)
		}
	}
}

// Printing a delivery shows what identifies it, never its payload: the
// record may hold the subscription's settings (a signing key, credentials)
// and the message the vendor's data and whatever the platform echoes.
func TestDeliveryPrintingHidesThePayload(t *testing.T) {
	t.Parallel()
	rec := strings.Replace(queuedRecord, `"eventId":"ev-8801"`,
		`"eventId":"ev-8801","signature":"sha256=`+testToken+`","raw":{"password":"`+testOrgSecret+`"}`, 1)
	var d elements.Delivery
	if err := json.Unmarshal([]byte(rec), &d); err != nil {
		t.Fatal(err)
	}
	holders := map[string]any{
		"Delivery": d, "*Delivery": &d, "[]*Delivery": []*elements.Delivery{&d},
		"DeliveryNotification": *d.Notification, "*DeliveryNotification": d.Notification,
		"nested": struct{ D elements.Delivery }{d},
	}
	for name, v := range holders {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%10.3v"} {
			assertNoSecret(t, name+" printed with "+verb, fmt.Sprintf(verb, v))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", v)
		assertNoSecret(t, name+" in a slog text log", text.String())
		// As for every type (see TestPrintingRedactsSecrets), a JSON log
		// encodes a value inside a composite with encoding/json, Raw included.
		if name != "[]*Delivery" && name != "nested" {
			assertNoSecret(t, name+" in a slog JSON log", js.String())
		}
	}
	s := fmt.Sprint(d)
	for _, want := range []string{"NotificationID:5012", "SubscriptionID:77", `Status:"queued"`, `EventID:"ev-8801"`,
		"2026-03-04T09:30:00Z", `Topic:"acuityscheduling-events"`, "Subscription:{ID:77 Channel:webhook", "CallbackURL:" + testCallbackURL,
		fmt.Sprintf("Raw:<%d bytes>", len(rec))} {
		if !strings.Contains(s, want) {
			t.Errorf("printed delivery lacks %q: %s", want, s)
		}
	}
	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "d", d)
	for _, want := range []string{`"eventId":"ev-8801"`, `"notificationId":5012`, `"callbackUrl":"` + testCallbackURL + `"`, `"topic":"acuityscheduling-events"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("slog JSON lacks %s: %s", want, js.String())
		}
	}
	if got := fmt.Sprint(elements.Delivery{}); !strings.Contains(got, "Notification:<nil> Subscription:<nil> Raw:<nil>") {
		t.Errorf("zero delivery prints %s", got)
	}
}
