package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseNotificationFixture(t *testing.T) {
	t.Parallel()
	body := readRawFixture(t, "notification_acuity.json")
	got, err := ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	want := &Notification{
		ElementKey:   "acuityscheduling",
		EventID:      "4e2a9c",
		InstanceID:   4242,
		InstanceName: "Front desk",
		AccountID:    31,
		CompanyID:    7,
		UserID:       55,
		Raw:          json.RawMessage(`{"action":"rescheduled","id":"8801","calendarID":"12","appointmentTypeID":"3"}`),
		Events: []Event{{
			Date:       time.Date(2020, 2, 14, 9, 30, 0, 0, time.UTC),
			ElementKey: "acuityscheduling",
			ObjectID:   "8801",
			ObjectType: "appointments",
			EventType:  EventUpdated,
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseNotification(fixture) mismatch (-want +got):\n%s", diff)
	}
}

func TestParseNotification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want *Notification
	}{
		{
			name: "documented example",
			body: `{"message": {
  "elementKey": "acuityscheduling", "eventId": "a1b2c3", "accountId": 123,
  "companyId": 456, "instanceId": 12345, "instance_id": 12345,
  "instanceName": "API Instance", "userId": 789,
  "raw": { "action" : "scheduled" },
  "events": [{"date": "2015-09-22T19:52:16Z", "elementKey": "acuityscheduling",
              "eventType": "CREATED", "objectId": "123",
              "objectType": "appointments"}]}}`,
			want: &Notification{
				ElementKey: "acuityscheduling", EventID: "a1b2c3", AccountID: 123, CompanyID: 456,
				InstanceID: 12345, InstanceName: "API Instance", UserID: 789,
				Raw: json.RawMessage(`{ "action" : "scheduled" }`),
				Events: []Event{{
					Date: time.Date(2015, 9, 22, 19, 52, 16, 0, time.UTC), ElementKey: "acuityscheduling",
					EventType: EventCreated, ObjectID: "123", ObjectType: "appointments",
				}},
			},
		},
		{
			name: "ids as strings and numbers, instance_id only",
			body: `{"message":{"eventId":987654321,"accountId":"1","companyId":"2","instance_id":"3","userId":"4",
				"events":[{"objectId":8801,"eventType":"DELETED","date":"2021-01-02T03:04:05.123+02:00"}]}}`,
			want: &Notification{
				EventID: "987654321", AccountID: 1, CompanyID: 2, InstanceID: 3, UserID: 4,
				Events: []Event{{
					ObjectID: "8801", EventType: EventDeleted,
					Date: time.Date(2021, 1, 2, 1, 4, 5, 123e6, time.UTC),
				}},
			},
		},
		{
			name: "instanceId wins over instance_id",
			body: `{"message":{"instanceId":5,"instance_id":6,"events":[]}}`,
			want: &Notification{InstanceID: 5, Events: []Event{}},
		},
		{
			name: "null ids are zero; a null instanceId falls back to instance_id",
			body: `{"message":{"eventId":null,"accountId":null,"instanceId":null,"instance_id":7,"events":[]}}`,
			want: &Notification{InstanceID: 7, Events: []Event{}},
		},
		{
			name: "wrapper fields and unknown fields",
			body: `{"severity":"info","topic":"events","action":"notify","id":42,"user":{"id":9,"email":"a@b.c"},
				"extra":[1,2,3],"message":{"elementKey":"acuityscheduling","future":{"x":1},
				"events":[{"eventType":"UPDATED","hubKey":"scheduling","pollDate":"2020-01-01T00:00:00Z","newField":true}]}}`,
			want: &Notification{
				ElementKey: "acuityscheduling",
				ID:         "42", Severity: "info", Topic: "events", Action: "notify",
				User: json.RawMessage(`{"id":9,"email":"a@b.c"}`),
				Events: []Event{{
					EventType: EventUpdated, HubKey: "scheduling",
					PollDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
				}},
			},
		},
		{
			name: "unknown event type kept, missing one is UNKNOWN",
			body: `{"message":{"events":[{"eventType":"ARCHIVED"},{"eventType":""},{},{"eventType":"UNKNOWN"}]}}`,
			want: &Notification{Events: []Event{
				{EventType: "ARCHIVED"}, {EventType: EventUnknown}, {EventType: EventUnknown}, {EventType: EventUnknown},
			}},
		},
		{
			name: "dates as epoch milliseconds, without an offset (UTC), without the offset's colon",
			body: `{"message":{"events":[{"date":1442951536000,"pollDate":"2015-09-22T19:52:16"},{"date":"2015-09-22T21:52:16+0200"}]}}`,
			want: &Notification{Events: []Event{
				{EventType: EventUnknown, Date: time.Date(2015, 9, 22, 19, 52, 16, 0, time.UTC), PollDate: time.Date(2015, 9, 22, 19, 52, 16, 0, time.UTC)},
				{EventType: EventUnknown, Date: time.Date(2015, 9, 22, 19, 52, 16, 0, time.UTC)},
			}},
		},
		{
			name: "raw as a form string",
			body: `{"message":{"raw":"action=scheduled&id=1","events":[]}}`,
			want: &Notification{Raw: json.RawMessage(`"action=scheduled&id=1"`), Events: []Event{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseNotification([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseNotification: %v", err)
			}
			// time.Time values from different zones: compare instants.
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseNotificationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		wantText   string // must appear in the error text
	}{
		{"empty", ``, "not valid JSON"},
		{"not JSON", `hello`, "not valid JSON"},
		{"truncated", `{"message":{"events":[`, "not valid JSON"},
		{"trailing garbage", `{"message":{"events":[]}} x`, "not valid JSON"},
		{"array body", `[{"message":{}}]`, "body is a JSON array; want an object"},
		{"string body", `"message"`, "body is a JSON string; want an object"},
		{"null body", `null`, `no "message" object`},
		{"no message", `{"events":[]}`, `no "message" object`},
		{"message null", `{"message":null}`, `no "message" object`},
		{"message a string", `{"message":"{\"events\":[]}"}`, `"message" is a JSON string; want an object`},
		{"message a list", `{"message":[]}`, `"message" is a JSON array; want an object`},
		{"no events", `{"message":{"elementKey":"x"}}`, `"message.events" is missing`},
		{"events null", `{"message":{"events":null}}`, `"message.events" is missing`},
		{"events an object", `{"message":{"events":{"date":"x"}}}`, `"message.events" is a JSON object; want a list`},
		{"events a string", `{"message":{"events":"[]"}}`, `"message.events" is a JSON string; want a list`},
		{"event not an object", `{"message":{"events":[1]}}`, `an element of "message.events" is a JSON number; want an object`},
		{"bad date", `{"message":{"events":[{},{"date":"22/09/2015"}]}}`, `"message.events[1].date": "22/09/2015" is not a date (RFC 3339`},
		{"date a fraction", `{"message":{"events":[{"date":1442951536.5}]}}`, `"message.events[0].date": 1442951536.5 is neither a date string nor epoch milliseconds`},
		{"date outside RFC 3339's years in UTC", `{"message":{"events":[{"date":"0000-01-01T00:00:00+01:00"}]}}`, `"message.events[0].date": "0000-01-01T00:00:00+01:00" is outside the years 0 to 9999 in UTC`},
		{"date out of range", `{"message":{"events":[{"date":-99999999999999999}]}}`, `"message.events[0].date": epoch milliseconds -99999999999999999 out of range`},
		{"bad pollDate", `{"message":{"events":[{"pollDate":"yesterday"}]}}`, `"message.events[0].pollDate"`},
		{"instance id not an integer", `{"message":{"instanceId":"abc","events":[]}}`, `"message.instanceId": "abc" is not an integer`},
		{"instance_id a float", `{"message":{"instance_id":1.5,"events":[]}}`, `"message.instance_id"`},
		{"account id an object", `{"message":{"accountId":{},"events":[]}}`, `"message.accountId"`},
		{"objectId an object", `{"message":{"events":[{},{"objectId":{"id":1}}]}}`, `"message.events[1].objectId"`},
		{"wrapper id a list", `{"id":[1],"message":{"events":[]}}`, `"id"`},
		{"elementKey a number", `{"message":{"elementKey":5,"events":[]}}`, `"message.elementKey" is a JSON number; want a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := ParseNotification([]byte(tt.body))
			if err == nil {
				t.Fatalf("ParseNotification(%s) = %+v, want an error", tt.body, n)
			}
			if n != nil {
				t.Errorf("ParseNotification returned a notification beside the error")
			}
			if !errors.Is(err, ErrMalformedNotification) {
				t.Errorf("error %q does not wrap ErrMalformedNotification", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not say %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "wireMessage") || strings.Contains(err.Error(), "wireEvent") {
				t.Errorf("error %q names internal types", err)
			}
		})
	}
}

func TestParseNotificationTwentyEvents(t *testing.T) {
	t.Parallel()
	body := testBody(20)
	n, err := ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Events) != 20 {
		t.Fatalf("got %d events, want 20", len(n.Events))
	}
	for i, e := range n.Events {
		if want := testObjectID(i); e.ObjectID != want {
			t.Errorf("events[%d].ObjectID = %q, want %q (order kept)", i, e.ObjectID, want)
		}
	}
}

// testObjectID is the object id of event i in testBody.
func testObjectID(i int) string { return "88" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// testBody returns a realistic notification body with n events.
func testBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"message":{"elementKey":"acuityscheduling","eventId":"4e2a9c","accountId":31,"companyId":7,` +
		`"instance_id":4242,"instanceId":4242,"instanceName":"Front desk","userId":55,` +
		`"raw":{"action":"rescheduled","id":"8801","calendarID":"12","appointmentTypeID":"3"},"events":[`)
	types := []string{"CREATED", "UPDATED", "DELETED", "UNKNOWN"}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"date":"2020-02-14T09:30:00Z","elementKey":"acuityscheduling","eventType":"` + types[i%4] +
			`","objectId":"` + testObjectID(i) + `","objectType":"appointments"}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// An error from a hostile body quotes a bounded part of the offending value,
// in one line, and still names the field.
func TestParseNotificationErrorsAreBounded(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("9x\u2028", 100<<10)
	tests := []struct{ name, body, field string }{
		{"huge id string", `{"message":{"instanceId":"` + big + `","events":[]}}`, `"message.instanceId"`},
		{"huge id object", `{"message":{"accountId":{"a":"` + big + `",` + "\n" + `"b":1},"events":[]}}`, `"message.accountId"`},
		{"huge id number", `{"message":{"userId":1` + strings.Repeat("0", 100<<10) + `,"events":[]}}`, `"message.userId"`},
		{"huge object id", `{"message":{"events":[{"objectId":{"a":"` + big + `"}}]}}`, `"message.events[0].objectId"`},
		{"huge date", `{"message":{"events":[{"date":"` + big + `"}]}}`, `"message.events[0].date"`},
		{"huge date number", `{"message":{"events":[{"date":1` + strings.Repeat("0", 100<<10) + `}]}}`, `"message.events[0].date"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseNotification([]byte(tt.body))
			if !errors.Is(err, ErrMalformedNotification) {
				t.Fatalf("err = %.200v, want ErrMalformedNotification", err)
			}
			msg := err.Error()
			if len(msg) > 400 || strings.ContainsAny(msg, "\n\r\u2028") {
				t.Errorf("error of %d bytes, want one line of at most 400: %.500q", len(msg), msg)
			}
			if !strings.Contains(msg, tt.field) {
				t.Errorf("error %q does not name %s", msg, tt.field)
			}
		})
	}
}
