package webhook

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// ParseNotification(body) → json.Marshal → ParseNotification gives the first
// parse back (Raw and User by meaning: encoding/json compacts them).
func TestNotificationMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"fixture", string(readRawFixture(t, "notification_acuity.json"))},
		{"twenty events", string(testBody(20))},
		{"documented example, spaced", `{"message": {
  "elementKey": "acuityscheduling", "eventId": "a1b2c3", "accountId": 123,
  "companyId": 456, "instanceId": 12345, "instance_id": 12345,
  "instanceName": "API Instance", "userId": 789,
  "raw": { "action" : "scheduled" },
  "events": [{"date": "2015-09-22T19:52:16Z", "elementKey": "acuityscheduling",
              "eventType": "CREATED", "objectId": "123",
              "objectType": "appointments"}]}}`},
		{"wrapper fields", `{"severity":"info","topic":"events","action":"create","id":77,"user":{"id":5,"name":"x"},
			"message":{"elementKey":"acuityscheduling","eventId":"e","events":[]}}`},
		{"numeric and string ids", `{"message":{"eventId":123,"accountId":"31","companyId":"7","instance_id":"4242","userId":"55",
			"events":[{"objectId":8801,"eventType":"DELETED"}]}}`},
		{"hub key, poll date, offset and nanoseconds", `{"message":{"instanceId":1,"events":[{"date":"2020-02-14T10:30:00.123456789+01:00",
			"pollDate":"2020-02-14T09:00:00Z","hubKey":"scheduling","eventType":"UPDATED","objectId":"1","objectType":"appointments"}]}}`},
		{"no date, no type, future type", `{"message":{"events":[{"date":null,"objectId":"1"},{"date":"","eventType":""},{"eventType":"MOVED"}]}}`},
		{"raw null", `{"message":{"raw":null,"events":[]}}`},
		{"raw string", `{"message":{"raw":"action=scheduled&id=1","events":[]}}`},
		{"no raw", `{"message":{"events":[]}}`},
		{"escapes", `{"message":{"instanceName":"<Front & \"desk\"> \u00e9\u2028","eventId":"a\\b","events":[{"objectId":"\u00e9"}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first, err := ParseNotification([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(first)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			again, err := ParseNotification(body)
			if err != nil {
				t.Fatalf("ParseNotification(json.Marshal(n)): %v\nbody: %s", err, body)
			}
			if diff := cmp.Diff(first, again, cmp.Comparer(sameJSON)); diff != "" {
				t.Errorf("parse → marshal → parse (-first +second):\n%s\nbody: %s", diff, body)
			}
		})
	}
}

// The fixture, parsed and marshaled, is the fixture again field for field:
// the documented shape, no field added or missing.
func TestNotificationMarshalFixtureShape(t *testing.T) {
	t.Parallel()
	fixture := readRawFixture(t, "notification_acuity.json")
	n, err := ParseNotification(fixture)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	var want, got map[string]any
	if err := json.Unmarshal(fixture, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("json.Marshal(ParseNotification(fixture)) (-fixture +got):\n%s", diff)
	}
}

func TestNotificationMarshalJSON(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		n    Notification
		want string
	}{
		{
			name: "zero value: documented fields, empty events",
			want: `{"message":{"elementKey":"","eventId":"","accountId":0,"companyId":0,"instanceId":0,"instance_id":0,` +
				`"instanceName":"","userId":0,"events":[]}}`,
		},
		{
			name: "all fields; dates in UTC",
			n: Notification{
				ElementKey: "acuityscheduling", EventID: "4e2a9c", InstanceID: 4242, InstanceName: "Front desk",
				AccountID: 31, CompanyID: 7, UserID: 55, Raw: json.RawMessage(`{ "id": "8801" }`),
				Events: []Event{{
					Date: time.Date(2020, 2, 14, 10, 30, 0, 0, paris), ElementKey: "acuityscheduling", ObjectID: "8801",
					ObjectType: "appointments", EventType: EventUpdated, HubKey: "scheduling",
					PollDate: time.Date(2020, 2, 14, 9, 0, 0, 500, time.UTC),
				}},
				ID: "77", Severity: "info", Topic: "events", Action: "update", User: json.RawMessage(`{"id":5}`),
			},
			want: `{"message":{"elementKey":"acuityscheduling","eventId":"4e2a9c","accountId":31,"companyId":7,` +
				`"instanceId":4242,"instance_id":4242,"instanceName":"Front desk","userId":55,"raw":{"id":"8801"},` +
				`"events":[{"date":"2020-02-14T09:30:00Z","elementKey":"acuityscheduling","eventType":"UPDATED",` +
				`"objectId":"8801","objectType":"appointments","hubKey":"scheduling","pollDate":"2020-02-14T09:00:00.0000005Z"}]},` +
				`"id":"77","severity":"info","topic":"events","action":"update","user":{"id":5}}`,
		},
		{
			name: "zero date left out, empty type is UNKNOWN",
			n:    Notification{Events: []Event{{ObjectID: "1"}}},
			want: `{"message":{"elementKey":"","eventId":"","accountId":0,"companyId":0,"instanceId":0,"instance_id":0,` +
				`"instanceName":"","userId":0,"events":[{"elementKey":"","eventType":"UNKNOWN","objectId":"1","objectType":""}]}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, v := range []any{tc.n, &tc.n} {
				got, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tc.want {
					t.Errorf("json.Marshal(%T) =\n%s\nwant\n%s", v, got, tc.want)
				}
				if _, err := ParseNotification(got); err != nil {
					t.Errorf("ParseNotification: %v", err)
				}
			}
		})
	}
}

func TestNotificationMarshalJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    Notification
		want string
	}{
		{"raw not JSON", Notification{Raw: json.RawMessage(`{"id":`)}, "json.RawMessage"},
		{"user not JSON", Notification{User: json.RawMessage(`nope`)}, "json.RawMessage"},
		{"year 10000", Notification{Events: []Event{{Date: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}, "year"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.n)
			var me *json.MarshalerError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("json.Marshal = %s, %v; want a *json.MarshalerError mentioning %q", b, err, tc.want)
			}
		})
	}
}

// n.MarshalJSON, parsed again, is n: every field, and a compact Raw and
// User byte for byte, whatever they hold (\u0000, HTML characters, member
// order, escapes), which a queue storing it needs.
func TestNotificationMarshalJSONKeepsRawBytes(t *testing.T) {
	t.Parallel()
	body := []byte(`{"user":{"z":1,"a":"<&>"},"message":{"elementKey":"acuityscheduling","eventId":"e\u0000<1>",` +
		`"instanceId":7,"instanceName":"Caf\u00e9 & <b>\u2028","raw":{"zeta":"a\u0000b","alpha":"x=1&y=<2>","n":1.50,` +
		`"s":"\/\"\\","nested":{"b":[3,2,1],"a":null}},"events":[{"date":"2020-02-14T09:30:00Z","eventType":"UPDATED",` +
		`"objectId":"1","objectType":"appointments"}]}}`)
	n, err := ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	out, err := n.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseNotification(out)
	if err != nil {
		t.Fatalf("ParseNotification(n.MarshalJSON()): %v\n%s", err, out)
	}
	if diff := cmp.Diff(n, again); diff != "" {
		t.Errorf("parse → MarshalJSON → parse (-first +second):\n%s\nbody: %s", diff, out)
	}
	if want := `{"zeta":"a\u0000b","alpha":"x=1&y=<2>","n":1.50,"s":"\/\"\\","nested":{"b":[3,2,1],"a":null}}`; string(again.Raw) != want {
		t.Errorf("Raw = %s, want the bytes sent %s", again.Raw, want)
	}
}
