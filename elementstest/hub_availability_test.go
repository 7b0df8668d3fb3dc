package elementstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// POST /hubs/scheduling/available-times/validate answers as Acuity's
// check-times does for one time: the body's fields back, with "valid" true
// for a free slot of the type and false, with a reason, otherwise.
func TestHubValidateTime(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t) // type 3 on calendar 12
	must(t, srv.SetCalendar(in.ID, json.RawMessage(`{"id": 13, "name": "Back Office"}`)))
	must(t, srv.SetAvailability(in.ID, 3, time.Date(2026, 12, 1, 9, 0, 0, 0, denver)))
	validate := func(body string) answer {
		t.Helper()
		return do(t, srv, call{method: "POST", path: "/hubs/scheduling/available-times/validate", body: body, auth: hubAuth(in.Token)})
	}
	type check struct {
		Datetime          string `json:"datetime"`
		AppointmentTypeID int64  `json:"appointmentTypeID"`
		CalendarID        int64  `json:"calendarID"`
		Valid             bool   `json:"valid"`
		Reason            string `json:"reason"`
	}
	decode := func(a answer) check {
		t.Helper()
		var c check
		if err := json.Unmarshal(a.body, &c); a.status != http.StatusOK || err != nil {
			t.Fatalf("status %d, %v: %s", a.status, err, a.body)
		}
		return c
	}

	tests := []struct {
		name, body string
		want       check
	}{
		{"free slot", `{"appointmentTypeID": 3, "datetime": "2026-12-01T09:00:00-0700"}`,
			check{Datetime: "2026-12-01T09:00:00-0700", AppointmentTypeID: 3, CalendarID: 12, Valid: true}},
		{"same instant, other offset", `{"appointmentTypeID": "3", "datetime": "2026-12-01T16:00:00+0000"}`,
			check{Datetime: "2026-12-01T16:00:00+0000", AppointmentTypeID: 3, CalendarID: 12, Valid: true}},
		{"calendar named", `{"appointmentTypeID": 3, "datetime": "2026-12-01T09:00:00-0700", "calendarID": 13}`,
			check{Datetime: "2026-12-01T09:00:00-0700", AppointmentTypeID: 3, CalendarID: 13, Valid: true}},
		{"not a slot", `{"appointmentTypeID": 3, "datetime": "2026-12-01T10:00:00-0700"}`,
			check{Datetime: "2026-12-01T10:00:00-0700", AppointmentTypeID: 3, CalendarID: 12, Reason: notAvailable}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, decode(validate(tt.body))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}

	// Booking takes the slot.
	book(t, a, time.Date(2026, 12, 1, 9, 0, 0, 0, denver), "x@example.com")
	if c := decode(validate(`{"appointmentTypeID": 3, "datetime": "2026-12-01T09:00:00-0700"}`)); c.Valid {
		t.Errorf("a booked slot: %+v, want valid false", c)
	}

	for _, tc := range []struct{ name, body, want string }{
		{"unknown type", `{"appointmentTypeID": 99, "datetime": "2026-12-01T09:00:00-0700"}`, "appointmentTypeID 99"},
		{"no type", `{"datetime": "2026-12-01T09:00:00-0700"}`, "appointmentTypeID"},
		{"unknown calendar", `{"appointmentTypeID": 3, "datetime": "2026-12-01T09:00:00-0700", "calendarID": 99}`, "calendarID 99"},
		{"no datetime", `{"appointmentTypeID": 3}`, "datetime"},
		{"bad datetime", `{"appointmentTypeID": 3, "datetime": "tomorrow at 9"}`, "datetime"},
		{"empty body", ``, "body"},
		{"array", `[{"appointmentTypeID": 3, "datetime": "2026-12-01T09:00:00-0700"}]`, "body"},
	} {
		a := validate(tc.body)
		if a.status != http.StatusBadRequest || !strings.Contains(errorMessage(t, a), tc.want) {
			t.Errorf("%s: status %d %s, want 400 mentioning %q", tc.name, a.status, a.body, tc.want)
		}
	}
}

// The hub reads dates leniently, as the platform makers' tests send them:
// month=2018-4 and date=2018-4-13 as well as 2018-04 and 2018-04-13, and
// the same in the appointments' where clause.
func TestHubLenientDates(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	must(t, srv.SetAvailability(in.ID, 3, time.Date(2018, 4, 13, 9, 0, 0, 0, denver), time.Date(2018, 4, 20, 10, 0, 0, 0, denver),
		time.Date(2018, 5, 1, 9, 0, 0, 0, denver)))
	get := func(path string) answer {
		t.Helper()
		return do(t, srv, call{method: "GET", path: "/hubs/scheduling/appointment-types/3" + path, auth: hubAuth(in.Token)})
	}
	wantDates := `[{"date":"2018-04-13"},{"date":"2018-04-20"}]`
	for _, month := range []string{"2018-4", "2018-04"} {
		if a := get("/available-dates?month=" + month); a.status != http.StatusOK || string(a.body) != wantDates {
			t.Errorf("month=%s: status %d %s, want %s", month, a.status, a.body, wantDates)
		}
	}
	wantTimes := `[{"time":"2018-04-13T09:00:00-0700","slotsAvailable":1}]`
	for _, date := range []string{"2018-4-13", "2018-04-13"} {
		if a := get("/available-times?date=" + date); a.status != http.StatusOK || string(a.body) != wantTimes {
			t.Errorf("date=%s: status %d %s, want %s", date, a.status, a.body, wantTimes)
		}
	}
	for _, bad := range []string{"/available-dates?month=2018-13", "/available-dates?month=18-4", "/available-dates",
		"/available-times?date=2018-4-31", "/available-times?date=13-4-2018", "/available-times?date=2018-4"} {
		if a := get(bad); a.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", bad, a.status, a.body)
		}
	}

	book(t, a, time.Date(2018, 4, 13, 9, 0, 0, 0, denver), "x@example.com")
	list := do(t, srv, call{method: "GET", auth: hubAuth(in.Token),
		path: "/hubs/scheduling/appointments?where=" + url.QueryEscape("minDate='2018-4-13' and maxDate='2018-4-13'")})
	if n := len(decodeList(t, list)); n != 1 {
		t.Errorf("where with lenient dates: %d appointments, want 1", n)
	}
}
