package acuity

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzHubResources checks that decoding appointment types, calendars,
// payments and a page of appointments (as the lists do) never panics, that
// durations are whole non-negative minutes, and that a payment and each
// appointment of a page keep their own JSON in Raw (decoding Raw again
// gives the same record).
func FuzzHubResources(f *testing.F) {
	f.Add([]byte(`{"id": 3, "duration": 45, "paddingAfter": "15", "calendarIDs": [12], "active": true}`))
	f.Add([]byte(`{"id": "12", "name": "Front Desk", "timezone": "America/Chicago"}`))
	f.Add([]byte(`[{"id": 1, "duration": "30"}, null, {"id": 2, "datetime": "2026-12-01T10:15:00-0700"}]`))
	f.Add([]byte(`{"duration": -5}`))
	f.Add([]byte(`{"transactionID": "pi_1", "created": "2016-01-22T09:27:51-0800", "processor": "stripe", "amount": "300.00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var at AppointmentType
		if err := json.Unmarshal(b, &at); err == nil {
			for _, d := range []time.Duration{at.Duration, at.PaddingBefore, at.PaddingAfter} {
				if d < 0 || d%time.Minute != 0 {
					t.Fatalf("duration %v is not whole non-negative minutes", d)
				}
			}
		}
		var c Calendar
		_ = json.Unmarshal(b, &c)
		var p, again Payment
		if err := json.Unmarshal(b, &p); err == nil {
			if err := json.Unmarshal(p.Raw, &again); err != nil || !cmp.Equal(p, again) {
				t.Fatalf("payment %+v decoded from its Raw: %+v, %v", p, again, err)
			}
		}

		page, err := decodeSDKPage(b)
		if err != nil {
			return
		}
		// Each element's Raw is that element's JSON: decoding it again
		// gives the same appointment.
		for i, appt := range page {
			var again Appointment
			if err := json.Unmarshal(appt.Raw, &again); err != nil {
				t.Fatalf("element %d: its Raw %s does not decode: %v", i, appt.Raw, err)
			}
			if diff := cmp.Diff(appt, &again); diff != "" {
				t.Fatalf("element %d decoded from its Raw differs:\n%s", i, diff)
			}
		}
	})
}
