package acuity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
)

// wantCall is one request a test expects, in order, and the answer to it.
type wantCall struct {
	method, path string
	query        url.Values // nil: no query
	body         string     // expected JSON body; "" for none
	status       int        // 0: 200
	answer       string
	next         string // Elements-Next-Page-Token to answer
	total        string // Elements-Total-Count to answer, if not ""
	ctype        string // Content-Type to answer; "": application/json
}

// hubServer is a plain httptest server that checks every request against
// the expected calls: method, path, query, headers and body.
type hubServer struct {
	t     *testing.T
	mu    sync.Mutex
	calls []wantCall
	n     int
}

func newHubAccount(t *testing.T, calls ...wantCall) (*Account, *hubServer) {
	t.Helper()
	hs := &hubServer{t: t, calls: calls}
	srv := httptest.NewServer(hs)
	t.Cleanup(srv.Close)
	c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL(srv.URL+"/elements/api-v2"),
		elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccount(c, testToken)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		hs.mu.Lock()
		defer hs.mu.Unlock()
		if hs.n != len(hs.calls) {
			t.Errorf("%d requests made, want %d", hs.n, len(hs.calls))
		}
	})
	return a, hs
}

func (hs *hubServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := hs.t
	hs.mu.Lock()
	i := hs.n
	hs.n++
	hs.mu.Unlock()
	if i >= len(hs.calls) {
		t.Errorf("unexpected request %d: %s %s", i+1, r.Method, r.URL)
		http.Error(w, "unexpected", 500)
		return
	}
	want := hs.calls[i]
	if r.Method != want.method {
		t.Errorf("request %d: method %s, want %s", i+1, r.Method, want.method)
	}
	if p := "/elements/api-v2" + want.path; r.URL.Path != p {
		t.Errorf("request %d: path %s, want %s", i+1, r.URL.Path, p)
	}
	gotQuery := r.URL.Query()
	if len(gotQuery) == 0 {
		gotQuery = nil
	}
	if diff := cmp.Diff(want.query, gotQuery); diff != "" {
		t.Errorf("request %d: query (-want +got):\n%s", i+1, diff)
	}
	wantAuth := "User " + testUser + ", Organization " + testOrg + ", Element " + testToken
	if got := r.Header.Get("Authorization"); got != wantAuth {
		t.Errorf("request %d: Authorization %q, want %q", i+1, got, wantAuth)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("request %d: Accept %q", i+1, got)
	}
	if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "elements-go/") {
		t.Errorf("request %d: User-Agent %q", i+1, got)
	}
	body, _ := io.ReadAll(r.Body)
	switch {
	case want.body == "" && len(body) > 0:
		t.Errorf("request %d: body %s, want none", i+1, body)
	case want.body != "":
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("request %d: Content-Type %q", i+1, ct)
		}
		var got, exp any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("request %d: body %s is not JSON", i+1, body)
		}
		if err := json.Unmarshal([]byte(want.body), &exp); err != nil {
			t.Fatalf("bad test body %s", want.body)
		}
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("request %d: body (-want +got):\n%s", i+1, diff)
		}
	}
	if want.next != "" {
		w.Header().Set("Elements-Next-Page-Token", want.next)
	}
	if want.total != "" {
		w.Header().Set("Elements-Total-Count", want.total)
	}
	ctype := want.ctype
	if ctype == "" {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(cmpOr(want.status, 200))
	_, _ = io.WriteString(w, want.answer)
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// collectIDs ranges over seq and returns the ids, or the first error.
func collectIDs[T any](seq func(func(*T, error) bool), id func(*T) int64) ([]int64, error) {
	var out []int64
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, id(v))
	}
	return out, nil
}

func apptID(a *Appointment) int64 { return a.ID }

func TestAppointmentsQueries(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 12, d, 23, 30, 0, 0, time.FixedZone("", -7*3600)) }
	tests := []struct {
		name      string
		q         *AppointmentQuery
		wantQuery url.Values
	}{
		{"nil query", nil, nil},
		{"page size only", &AppointmentQuery{PageSize: 50}, url.Values{"pageSize": {"50"}}},
		{"date range, dates in the time's own zone", &AppointmentQuery{MinDate: day(1), MaxDate: day(31)},
			url.Values{"where": {"minDate='2026-12-01' and maxDate='2026-12-31'"}}},
		{"every filter", &AppointmentQuery{MinDate: day(1), MaxDate: day(1), CalendarID: 12, AppointmentTypeID: 3,
			Email: "ada@example.com", Canceled: true, PageSize: 100},
			url.Values{"pageSize": {"100"}, "where": {"minDate='2026-12-01' and maxDate='2026-12-01' and calendarID=12 and appointmentTypeID=3 and email='ada@example.com' and canceled='true'"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/appointments", query: tt.wantQuery,
				answer: `[{"id": 1}, {"id": 2}]`})
			got, err := collectIDs(a.Appointments(context.Background(), tt.q), apptID)
			if err != nil || !cmp.Equal([]int64{1, 2}, got) {
				t.Errorf("got %v, %v; want [1 2]", got, err)
			}
		})
	}
}

func TestAppointmentsPaging(t *testing.T) {
	t.Parallel()
	q := func(next string) url.Values {
		v := url.Values{"pageSize": {"2"}, "where": {"calendarID=12"}}
		if next != "" {
			v.Set("nextPage", next)
		}
		return v
	}
	const path = "/hubs/scheduling/appointments"
	a, _ := newHubAccount(t,
		wantCall{method: "GET", path: path, query: q(""), answer: `[{"id": 1}, {"id": 2}]`, next: "t1"},
		wantCall{method: "GET", path: path, query: q("t1"), answer: `[{"id": 3}]`, next: "t2"},
		// The platform's last page carries a token too; the empty page after it ends the list.
		wantCall{method: "GET", path: path, query: q("t2"), answer: `[]`, next: "t3"},
	)
	got, err := collectIDs(a.Appointments(context.Background(), &AppointmentQuery{CalendarID: 12, PageSize: 2}), apptID)
	if err != nil || !cmp.Equal([]int64{1, 2, 3}, got) {
		t.Errorf("got %v, %v; want [1 2 3]", got, err)
	}
}

// Every appointment of a page keeps its own JSON, byte for byte, fields the
// SDK does not model included.
func TestAppointmentsKeepRaw(t *testing.T) {
	t.Parallel()
	first := `{"id": 1, "isVerified": true, "subCalendarID": 7}`
	second := `{ "id" : 2,
		"smsOptIn": false, "nested": {"a": [1, "\u00e9"]} }`
	a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/appointments",
		answer: "[" + first + ",\n  " + second + "\n]"})
	var got []json.RawMessage
	for appt, err := range a.Appointments(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, appt.Raw)
	}
	want := []json.RawMessage{json.RawMessage(first), json.RawMessage(second)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Raw (-want +got):\n%s", diff)
	}
}

// A null in a page is an invalid answer (as in the root package's lists):
// never a nil appointment, never skipped silently.
func TestAppointmentsNullElement(t *testing.T) {
	t.Parallel()
	a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/appointments", answer: `[{"id": 1}, null, {"id": 2}]`})
	var got []int64
	var gotErr error
	for ap, err := range a.Appointments(context.Background(), nil) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, ap.ID)
	}
	if len(got) != 0 || !errors.Is(gotErr, elements.ErrInvalidResponse) {
		t.Errorf("got %v, %v; want no appointment and ErrInvalidResponse", got, gotErr)
	}
}

func TestAppointmentsErrors(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments"

	t.Run("404 is an empty list", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "GET", path: path, status: 404, answer: `{"message": "No appointments found"}`})
		got, err := collectIDs(a.Appointments(context.Background(), nil), apptID)
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v; want an empty list", got, err)
		}
	})
	// Only the platform's "No … found" is an empty list: any other 404 (an
	// unknown instance, a proxy's page) is an error, as the doc says.
	for name, answer := range map[string]string{"other message": `{"message": "No instance with id 5"}`, "HTML page": `<html><title>404 Not Found</title></html>`} {
		t.Run("404 "+name+" is an error", func(t *testing.T) {
			t.Parallel()
			a, _ := newHubAccount(t, wantCall{method: "GET", path: path, status: 404, answer: answer})
			got, err := collectIDs(a.Appointments(context.Background(), nil), apptID)
			if len(got) != 0 || !errors.Is(err, elements.ErrNotFound) {
				t.Errorf("got %v, %v; want an error matching ErrNotFound", got, err)
			}
		})
	}
	for _, status := range []int{401, 403, 500} {
		t.Run(fmt.Sprintf("%d on page 2 after page 1", status), func(t *testing.T) {
			t.Parallel()
			a, _ := newHubAccount(t,
				wantCall{method: "GET", path: path, answer: `[{"id": 1}]`, next: "t1"},
				wantCall{method: "GET", path: path, query: url.Values{"nextPage": {"t1"}}, status: status,
					answer: `{"message": "nope ` + testToken + `"}`})
			var ids []int64
			var errs []error
			for appt, err := range a.Appointments(context.Background(), nil) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				ids = append(ids, appt.ID)
			}
			var apiErr *elements.APIError
			if len(errs) != 1 || !errors.As(errs[0], &apiErr) || apiErr.StatusCode != status {
				t.Fatalf("errors = %v, want one *APIError %d", errs, status)
			}
			if !cmp.Equal([]int64{1}, ids) {
				t.Errorf("ids = %v, want [1]", ids)
			}
			checkNoSecret(t, errs[0].Error())
		})
	}
	t.Run("invalid page", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "GET", path: path, answer: `[{"id": 1, "datetime": "soon"}]`})
		_, err := collectIDs(a.Appointments(context.Background(), nil), apptID)
		if !errors.Is(err, elements.ErrInvalidResponse) {
			t.Errorf("err = %v, want ErrInvalidResponse", err)
		}
	})
	bad := []struct {
		name string
		q    AppointmentQuery
		want string
	}{
		{"negative page size", AppointmentQuery{PageSize: -1}, "page size"},
		{"range backwards", AppointmentQuery{MinDate: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), MaxDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, "before MinDate"},
		{"negative calendar", AppointmentQuery{CalendarID: -1}, "calendarID"},
		{"negative type", AppointmentQuery{AppointmentTypeID: -2}, "appointmentTypeID"},
		{"quote in email", AppointmentQuery{Email: "o'hara@example.com"}, "quote"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newHubAccount(t) // no request may be sent
			n := 0
			for appt, err := range a.Appointments(context.Background(), &tt.q) {
				n++
				if appt != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("got %v, %v; want an error mentioning %q", appt, err, tt.want)
				}
			}
			if n != 1 {
				t.Errorf("yields = %d, want 1", n)
			}
		})
	}
	t.Run("ended context", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := collectIDs(a.Appointments(ctx, nil), apptID)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func checkNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testUser, testOrg, testToken} {
		if strings.Contains(s, secret) {
			t.Errorf("%q leaks %q", s, secret)
		}
	}
}

func TestAccountCalls(t *testing.T) {
	t.Parallel()
	fixture := string(readFixture(t, "appointment.json"))
	at := time.Date(2026, 12, 1, 10, 15, 0, 0, time.FixedZone("", -7*3600))
	ctx := context.Background()

	t.Run("Appointment", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/appointments/8801", answer: fixture})
		got, err := a.Appointment(ctx, 8801)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fixtureWithRaw([]byte(fixture)), got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("Book", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "POST", path: "/hubs/scheduling/appointments",
			body: `{"appointmentTypeID": 3, "datetime": "2026-12-01T10:15:00-0700", "firstName": "Ada",
				"lastName": "Lovelace", "email": "ada@example.com", "phone": "+1 555 0100", "notes": "hi", "calendarID": 12}`,
			answer: fixture})
		got, err := a.Book(ctx, &Booking{AppointmentTypeID: 3, CalendarID: 12, Datetime: at, FirstName: "Ada",
			LastName: "Lovelace", Email: "ada@example.com", Phone: "+1 555 0100", Notes: "hi"})
		if err != nil || got.ID != 8801 {
			t.Errorf("Book = %v, %v", got, err)
		}
	})
	t.Run("Book without the optional fields", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "POST", path: "/hubs/scheduling/appointments",
			body: `{"appointmentTypeID": 3, "datetime": "2026-12-01T10:15:00-0700", "firstName": "Ada",
				"lastName": "Lovelace", "email": "ada@example.com"}`, answer: `{"id": 5}`})
		if _, err := a.Book(ctx, &Booking{AppointmentTypeID: 3, Datetime: at, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}); err != nil {
			t.Error(err)
		}
	})
	t.Run("Reschedule", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "PATCH", path: "/hubs/scheduling/appointments/8801/reschedule",
			body: `{"datetime": "2026-12-01T10:15:00-0700"}`, answer: fixture})
		if got, err := a.Reschedule(ctx, 8801, at); err != nil || got.ID != 8801 {
			t.Errorf("Reschedule = %v, %v", got, err)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "DELETE", path: "/hubs/scheduling/appointments/8801", answer: fixture})
		if err := a.Cancel(ctx, 8801); err != nil {
			t.Error(err)
		}
	})
	t.Run("Ping", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/ping", answer: `{}`},
			wantCall{method: "GET", path: "/hubs/scheduling/ping", status: 401, answer: `{"message": "expired"}`})
		if err := a.Ping(ctx); err != nil {
			t.Error(err)
		}
		var apiErr *elements.APIError
		if err := a.Ping(ctx); !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
			t.Errorf("Ping = %v, want a 401 *APIError", err)
		}
	})
	t.Run("AppointmentTypes", func(t *testing.T) {
		t.Parallel()
		const consultation = `{"id": 3, "active": true,
				"name": "Initial Consultation", "description": "First visit", "duration": 45, "price": "45.00",
				"category": "Consultations", "color": "#ED7087", "private": false, "type": "service", "classSize": null,
				"paddingAfter": 15, "paddingBefore": "5", "calendarIDs": [12, 13], "addonIDs": [], "formIDs": [1],
				"image": "", "schedulingUrl": "https://app.acuityscheduling.com/schedule.php?owner=1&appointmentType=3",
				"lateCancellationFee": "10.00"}`
		const yoga = `{"id": "4", "name": "Yoga", "duration": "60", "type": "class", "classSize": 10, "private": "true"}`
		a, _ := newHubAccount(t,
			wantCall{method: "GET", path: "/hubs/scheduling/appointment-types", next: "p2", answer: "[" + consultation + "]"},
			wantCall{method: "GET", path: "/hubs/scheduling/appointment-types", query: url.Values{"nextPage": {"p2"}},
				next: "p2", answer: "[\n\t" + yoga + "\n]"})
		var got []*AppointmentType
		for at, err := range a.AppointmentTypes(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, at)
		}
		want := []*AppointmentType{
			{ID: 3, Name: "Initial Consultation", Description: "First visit", Duration: 45 * time.Minute, Price: "45.00",
				Category: "Consultations", Color: "#ED7087", Active: true, Type: "service", PaddingBefore: 5 * time.Minute,
				PaddingAfter: 15 * time.Minute, CalendarIDs: []int64{12, 13}, AddonIDs: []int64{}, FormIDs: []int64{1},
				SchedulingURL: "https://app.acuityscheduling.com/schedule.php?owner=1&appointmentType=3",
				Raw:           json.RawMessage(consultation)}, // with the field the SDK does not model
			{ID: 4, Name: "Yoga", Duration: time.Hour, Type: "class", ClassSize: 10, Private: true, Raw: json.RawMessage(yoga)},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("Calendars", func(t *testing.T) {
		t.Parallel()
		const desk = `{"id": 12,
			"name": "Front Desk", "email": "desk@example.com", "replyTo": "no-reply@example.com", "description": "",
			"location": "Suite 200", "timezone": "America/Chicago", "thumbnail": "t.png", "image": "i.png"}`
		a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/calendars", answer: "[" + desk + "]"})
		var got []*Calendar
		for c, err := range a.Calendars(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, c)
		}
		want := []*Calendar{{ID: 12, Name: "Front Desk", Email: "desk@example.com", ReplyTo: "no-reply@example.com",
			Location: "Suite 200", Timezone: "America/Chicago", Thumbnail: "t.png", Image: "i.png", Raw: json.RawMessage(desk)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("AvailableDates", func(t *testing.T) {
		t.Parallel()
		chicago := time.FixedZone("CST", -6*3600)
		a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/appointment-types/3/available-dates",
			query: url.Values{"month": {"2026-12"}}, answer: `[{"date": "2026-12-01"}, {"date": "2026-12-03"}]`})
		got, err := a.AvailableDates(ctx, 3, time.Date(2026, 12, 17, 0, 0, 0, 0, chicago))
		want := []time.Time{time.Date(2026, 12, 1, 0, 0, 0, 0, chicago), time.Date(2026, 12, 3, 0, 0, 0, 0, chicago)}
		if err != nil || !cmp.Equal(want, got) {
			t.Errorf("AvailableDates = %v, %v; want %v", got, err, want)
		}
	})
	t.Run("AvailableTimes", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t, wantCall{method: "GET", path: "/hubs/scheduling/appointment-types/3/available-times",
			query: url.Values{"date": {"2026-12-01"}}, answer: `[{"time": "2026-12-01T10:15:00-0700", "slotsAvailable": 1}]`})
		got, err := a.AvailableTimes(ctx, 3, at)
		if err != nil || len(got) != 1 || !got[0].Equal(at) {
			t.Errorf("AvailableTimes = %v, %v; want [%v]", got, err, at)
		}
	})
	t.Run("invalid dates and times", func(t *testing.T) {
		t.Parallel()
		a, _ := newHubAccount(t,
			wantCall{method: "GET", path: "/hubs/scheduling/appointment-types/3/available-dates", query: url.Values{"month": {"2026-12"}}, answer: `[{"date": "Dec 1"}]`},
			wantCall{method: "GET", path: "/hubs/scheduling/appointment-types/3/available-times", query: url.Values{"date": {"2026-12-01"}}, answer: `[{"time": ""}]`})
		if _, err := a.AvailableDates(ctx, 3, at); !errors.Is(err, elements.ErrInvalidResponse) {
			t.Errorf("AvailableDates err = %v", err)
		}
		if _, err := a.AvailableTimes(ctx, 3, at); !errors.Is(err, elements.ErrInvalidResponse) {
			t.Errorf("AvailableTimes err = %v", err)
		}
	})
}

func TestAccountBadInput(t *testing.T) {
	t.Parallel()
	a, _ := newHubAccount(t) // nothing may be sent
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ok := Booking{AppointmentTypeID: 3, Datetime: at, FirstName: "A", LastName: "B", Email: "a@b.c"}
	with := func(f func(*Booking)) *Booking { b := ok; f(&b); return &b }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"Appointment id 0", func() error { _, err := a.Appointment(ctx, 0); return err }(), "not positive"},
		{"Book nil", func() error { _, err := a.Book(ctx, nil); return err }(), "nil booking"},
		{"Book empty", func() error { _, err := a.Book(ctx, &Booking{}); return err }(), "AppointmentTypeID, Datetime, FirstName, LastName, Email"},
		{"Book negative calendar", func() error { _, err := a.Book(ctx, with(func(b *Booking) { b.CalendarID = -1 })); return err }(), "CalendarID"},
		{"Book blank email", func() error { _, err := a.Book(ctx, with(func(b *Booking) { b.Email = " " })); return err }(), "Email"},
		{"Reschedule id", func() error { _, err := a.Reschedule(ctx, -1, at); return err }(), "not positive"},
		{"Reschedule zero time", func() error { _, err := a.Reschedule(ctx, 1, time.Time{}); return err }(), "zero time"},
		{"Cancel id", a.Cancel(ctx, 0), "not positive"},
		{"AvailableDates type", func() error { _, err := a.AvailableDates(ctx, 0, at); return err }(), "not positive"},
		{"AvailableDates month", func() error { _, err := a.AvailableDates(ctx, 3, time.Time{}); return err }(), "zero month"},
		{"AvailableTimes type", func() error { _, err := a.AvailableTimes(ctx, -3, at); return err }(), "not positive"},
		{"AvailableTimes day", func() error { _, err := a.AvailableTimes(ctx, 3, time.Time{}); return err }(), "zero day"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.name, tt.err, tt.want)
		}
	}

	c, err := elements.NewClient(testUser, testOrg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c     *elements.Client
		token string
		want  string
	}{{nil, testToken, "nil client"}, {c, "", "empty instance token"}, {c, "abc", "shorter"}, {c, "a token", "whitespace"}} {
		if _, err := NewAccount(tc.c, tc.token); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewAccount(%v, %q) = %v, want an error mentioning %q", tc.c, tc.token, err, tc.want)
		}
	}
}

func TestZeroAccount(t *testing.T) {
	t.Parallel()
	var a Account
	if err := a.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "NewAccount") {
		t.Errorf("Ping on a zero Account = %v, want an error naming NewAccount", err)
	}
}

func TestAccountPrintsNoToken(t *testing.T) {
	t.Parallel()
	a, _ := newHubAccount(t)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("account", "a", a, "v", *a)
	if lv := a.LogValue(); lv.Kind() != slog.KindGroup || len(lv.Group()) != 2 || lv.Group()[1].Value.String() != "[REDACTED]" {
		t.Errorf("LogValue() = %v, want a group of the base URL and the token [REDACTED]", lv)
	}
	for _, s := range []string{a.String(), fmt.Sprint(a), fmt.Sprintf("%v %+v %#v %s %q", *a, *a, *a, a, a), logged.String()} {
		checkNoSecret(t, s)
		if !strings.Contains(s, "[REDACTED]") {
			t.Errorf("%q does not show the token as [REDACTED]", s)
		}
	}
}
