package elementstest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

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
