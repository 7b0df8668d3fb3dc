package acuity

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// FuzzHubResources checks that decoding appointment types, calendars and a
// page of appointments (as the lists do) never panics, that durations are
// whole non-negative minutes, and that a page decodes as its items do one
// by one.
func FuzzHubResources(f *testing.F) {
	f.Add([]byte(`{"id": 3, "duration": 45, "paddingAfter": "15", "calendarIDs": [12], "active": true}`))
	f.Add([]byte(`{"id": "12", "name": "Front Desk", "timezone": "America/Chicago"}`))
	f.Add([]byte(`[{"id": 1, "duration": "30"}, null, {"id": 2, "datetime": "2026-12-01T10:15:00-0700"}]`))
	f.Add([]byte(`{"duration": -5}`))
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

		var wire []*appointmentJSON
		if json.Unmarshal(b, &wire) != nil {
			return
		}
		hasNull := slices.Contains(wire, nil)
		page, err := convertPage(wire, (*appointmentJSON).appointment) // clears wire
		if hasNull {
			if err == nil {
				t.Fatal("a page with a null element converted without error")
			}
			return
		}
		var one []*Appointment
		errOne := json.Unmarshal(b, &one)
		if (err == nil) != (errOne == nil) {
			t.Fatalf("page decode %v, item by item %v", err, errOne)
		}
		if err == nil && len(page) != len(one) {
			t.Fatalf("page of %d, item by item %d", len(page), len(one))
		}
	})
}
