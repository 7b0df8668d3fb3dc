package elementstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
)

var denver = time.FixedZone("", -7*3600)

// newAccount creates an instance on a fresh fake through Server.NewClient
// and returns the fake, the instance and its acuity.Account, with appointment
// type 3 (45 minutes, calendar 12) and calendar 12 in the account.
func newAccount(t *testing.T) (*Server, *elements.Instance, *acuity.Account) {
	t.Helper()
	srv := newServer(t)
	c, err := srv.NewClient(elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	in := newAcuityInstance(t, c, "https://app.example/events")
	a, err := acuity.NewAccount(c, in.Token)
	if err != nil {
		t.Fatal(err)
	}
	must(t, srv.SetAppointmentType(in.ID, json.RawMessage(`{"id": 3, "name": "Initial consultation", "duration": 45,
		"price": "60.00", "category": "Consultations", "calendarIDs": [12], "type": "service", "active": true}`)))
	must(t, srv.SetCalendar(in.ID, json.RawMessage(`{"id": 12, "name": "Front Desk", "timezone": "America/Denver"}`)))
	return srv, in, a
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func book(t *testing.T, a *acuity.Account, at time.Time, email string) *acuity.Appointment {
	t.Helper()
	appt, err := a.Book(context.Background(), &acuity.Booking{AppointmentTypeID: 3, Datetime: at,
		FirstName: "Jane", LastName: "Doe", Email: email, Phone: "+1 555 0100", Notes: "first visit"})
	if err != nil {
		t.Fatalf("Book: %v", err)
	}
	return appt
}

func listIDs(t *testing.T, seq func(func(*acuity.Appointment, error) bool)) []int64 {
	t.Helper()
	ids := []int64{}
	for appt, err := range seq {
		if err != nil {
			t.Fatalf("Appointments: %v", err)
		}
		ids = append(ids, appt.ID)
	}
	return ids
}

func TestHubBookAndRead(t *testing.T) {
	t.Parallel()
	_, _, a := newAccount(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 15, 0, 0, denver)
	got := book(t, a, at, "jane@example.com")
	want := &acuity.Appointment{ID: 1, FirstName: "Jane", LastName: "Doe", Phone: "+1 555 0100", Email: "jane@example.com",
		Date: "December 1, 2026", Time: "10:15am", EndTime: "11:00am", Datetime: at, Duration: 45 * time.Minute,
		Price: "60.00", PriceSold: "60.00", AmountPaid: "0.00", Type: "Initial consultation", AppointmentTypeID: 3,
		AddonIDs: []int64{}, Category: "Consultations", Calendar: "Front Desk", CalendarID: 12, CanClientCancel: true,
		CanClientReschedule: true, ConfirmationPage: "https://acuityscheduling.com/schedule.php?action=appt&id=1",
		Notes: "first visit", Timezone: "America/Denver", CalendarTimezone: "America/Denver", Forms: []acuity.Form{}}
	ignoreCreated := cmp.FilterPath(func(p cmp.Path) bool {
		f := p.Last().String()
		return f == ".DateCreated" || f == ".DatetimeCreated"
	}, cmp.Ignore())
	if diff := cmp.Diff(want, got, ignoreCreated, ignoreRaw); diff != "" {
		t.Errorf("booked (-want +got):\n%s", diff)
	}
	if got.DatetimeCreated.IsZero() || got.Datetime.Format(acuity.DatetimeLayout) != "2026-12-01T10:15:00-0700" {
		t.Errorf("datetimes %v, %v", got.Datetime, got.DatetimeCreated)
	}
	fetched, err := a.Appointment(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, fetched); diff != "" {
		t.Errorf("fetched (-booked +fetched):\n%s", diff)
	}

	// Reschedule keeps the duration; cancel keeps the appointment.
	later := at.Add(26 * time.Hour)
	moved, err := a.Reschedule(ctx, got.ID, later)
	if err != nil || !moved.Datetime.Equal(later) || moved.EndTime != "1:00pm" || moved.Date != "December 2, 2026" {
		t.Fatalf("Reschedule = %+v, %v", moved, err)
	}
	must(t, a.Cancel(ctx, got.ID))
	must(t, a.Cancel(ctx, got.ID)) // a retried DELETE succeeds too
	canceled, err := a.Appointment(ctx, got.ID)
	if err != nil || !canceled.Canceled || !canceled.Datetime.Equal(later) {
		t.Errorf("after Cancel: %+v, %v", canceled, err)
	}
	if _, err := a.Reschedule(ctx, got.ID, at); err == nil {
		t.Error("rescheduling a canceled appointment succeeded")
	}
	if ids := listIDs(t, a.Appointments(ctx, nil)); len(ids) != 0 {
		t.Errorf("list without canceled = %v, want none", ids)
	}
	if ids := listIDs(t, a.Appointments(ctx, &acuity.AppointmentQuery{Canceled: true})); !cmp.Equal([]int64{1}, ids) {
		t.Errorf("canceled list = %v, want [1]", ids)
	}
}

func TestHubBookRejects(t *testing.T) {
	t.Parallel()
	_, _, a := newAccount(t)
	at := time.Date(2026, 12, 1, 10, 15, 0, 0, denver)
	for _, tc := range []struct {
		b    acuity.Booking
		want string
	}{
		{acuity.Booking{AppointmentTypeID: 99, Datetime: at, FirstName: "J", LastName: "D", Email: "j@d.e"}, "not an appointment type"},
		{acuity.Booking{AppointmentTypeID: 3, CalendarID: 77, Datetime: at, FirstName: "J", LastName: "D", Email: "j@d.e"}, "not a calendar"},
	} {
		_, err := a.Book(context.Background(), &tc.b)
		var apiErr *elements.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Message, tc.want) {
			t.Errorf("Book(%+v) = %v, want a 400 mentioning %q", tc.b, err, tc.want)
		}
	}
}

func TestHubListFiltersAndPages(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	ctx := context.Background()
	must(t, srv.SetAppointmentType(in.ID, json.RawMessage(`{"id": 4, "name": "Follow-up", "duration": "30", "calendarIDs": [13]}`)))
	must(t, srv.SetCalendar(in.ID, json.RawMessage(`{"id": 13, "name": "Back Office"}`)))
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, denver) }
	// Booked out of order; listed oldest first.
	book(t, a, day(3, 9), "b@example.com")  // 1
	book(t, a, day(1, 9), "a@example.com")  // 2
	book(t, a, day(1, 14), "b@example.com") // 3
	book(t, a, day(31, 9), "A@example.com") // 4
	typ4, err := a.Book(ctx, &acuity.Booking{AppointmentTypeID: 4, Datetime: day(2, 9), FirstName: "F", LastName: "U", Email: "a@example.com"})
	must(t, err) // 5, on calendar 13
	if typ4.CalendarID != 13 || typ4.Duration != 30*time.Minute {
		t.Errorf("type 4 booked on calendar %d for %v", typ4.CalendarID, typ4.Duration)
	}

	tests := []struct {
		name string
		q    *acuity.AppointmentQuery
		want []int64
	}{
		{"all, one per page", &acuity.AppointmentQuery{PageSize: 1}, []int64{2, 3, 5, 1, 4}},
		{"all, pages of 2", &acuity.AppointmentQuery{PageSize: 2}, []int64{2, 3, 5, 1, 4}},
		{"default page size", nil, []int64{2, 3, 5, 1, 4}},
		{"date range, both ends included", &acuity.AppointmentQuery{MinDate: day(1, 23), MaxDate: day(2, 0)}, []int64{2, 3, 5}},
		{"from a date", &acuity.AppointmentQuery{MinDate: day(3, 0)}, []int64{1, 4}},
		{"calendar", &acuity.AppointmentQuery{CalendarID: 13}, []int64{5}},
		{"type", &acuity.AppointmentQuery{AppointmentTypeID: 3, PageSize: 3}, []int64{2, 3, 1, 4}},
		{"email, any case", &acuity.AppointmentQuery{Email: "a@example.com"}, []int64{2, 5, 4}},
		{"no match", &acuity.AppointmentQuery{Email: "nobody@example.com"}, []int64{}},
	}
	for _, tt := range tests {
		if got := listIDs(t, a.Appointments(ctx, tt.q)); !cmp.Equal(tt.want, got) {
			t.Errorf("%s: ids %v, want %v", tt.name, got, tt.want)
		}
	}

	// Breaking out of the loop stops the paging.
	n := 0
	for _, err := range a.Appointments(ctx, &acuity.AppointmentQuery{PageSize: 1}) {
		must(t, err)
		if n++; n == 2 {
			break
		}
	}

	var types []string
	for typ, err := range a.AppointmentTypes(ctx) {
		must(t, err)
		types = append(types, fmt.Sprint(typ.ID, " ", typ.Name, " ", typ.Duration))
	}
	if want := []string{"3 Initial consultation 45m0s", "4 Follow-up 30m0s"}; !cmp.Equal(want, types) {
		t.Errorf("types %v, want %v", types, want)
	}
	var cals []string
	for c, err := range a.Calendars(ctx) {
		must(t, err)
		cals = append(cals, c.Name+" "+c.Timezone)
	}
	if want := []string{"Front Desk America/Denver", "Back Office "}; !cmp.Equal(want, cals) {
		t.Errorf("calendars %v, want %v", cals, want)
	}
}

// The fake's pages follow the platform's rule: a token on every page, the
// last included; past the end an empty page with the same token.
func TestWritePageRule(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	for d := 1; d <= 3; d++ {
		book(t, a, time.Date(2026, 12, d, 9, 0, 0, 0, denver), "x@example.com")
	}
	get := func(query string) answer {
		return do(t, srv, call{method: "GET", path: "/hubs/scheduling/appointments?" + query,
			auth: "User u, Organization o, Element " + in.Token})
	}
	token := ""
	var seen []string
	for page := 1; ; page++ {
		q := url.Values{"pageSize": {"2"}}
		if token != "" {
			q.Set("nextPage", token)
		}
		ans := get(q.Encode())
		if ans.status != 200 {
			t.Fatalf("page %d: %d %s", page, ans.status, ans.body)
		}
		var items []json.RawMessage
		must(t, json.Unmarshal([]byte(ans.body), &items))
		next := ans.header.Get("Elements-Next-Page-Token")
		if next == "" {
			t.Fatalf("page %d has no token; the platform sends one on every page", page)
		}
		seen = append(seen, fmt.Sprintf("%d items, total %s, returned %s", len(items),
			ans.header.Get("Elements-Total-Count"), ans.header.Get("Elements-Returned-Count")))
		if len(items) == 0 {
			if next != token {
				t.Errorf("past the end: token %q, want the same %q", next, token)
			}
			break
		}
		token = next
	}
	want := []string{"2 items, total 3, returned 2", "1 items, total 3, returned 1", "0 items, total 3, returned 0"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	for _, q := range []string{"pageSize=0", "pageSize=x", "nextPage=bogus", "where=" + url.QueryEscape("color='red'"),
		"where=" + url.QueryEscape("minDate='tomorrow'"), "where=" + url.QueryEscape("calendarID=twelve")} {
		if ans := get(q); ans.status != 400 {
			t.Errorf("%s: %d, want 400", q, ans.status)
		}
	}
	if ans := get("where=" + url.QueryEscape("email='nobody@example.com'")); ans.status != 404 || !strings.Contains(string(ans.body), "No appointments found") {
		t.Errorf("empty list: %d %s, want 404 No appointments found", ans.status, ans.body)
	}
}

func TestHubPatch(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	appt := book(t, a, time.Date(2026, 12, 1, 9, 0, 0, 0, denver), "x@example.com")
	patch := func(body string) answer {
		return do(t, srv, call{method: "PATCH", path: fmt.Sprintf("/hubs/scheduling/appointments/%d", appt.ID),
			auth: "User u, Organization o, Element " + in.Token, body: body})
	}
	if ans := patch(`{"firstName": "Janet", "notes": "moved desk"}`); ans.status != 200 {
		t.Fatalf("PATCH: %d %s", ans.status, ans.body)
	}
	got, err := a.Appointment(context.Background(), appt.ID)
	if err != nil || got.FirstName != "Janet" || got.Notes != "moved desk" || got.LastName != "Doe" {
		t.Errorf("after PATCH: %+v, %v", got, err)
	}
	if ans := patch(`{"datetime": "2026-12-02T09:00:00-0700"}`); ans.status != 400 {
		t.Errorf("PATCH datetime: %d, want 400", ans.status)
	}
	if ans := patch(`{"firstName": ["x"]}`); ans.status != 400 {
		t.Errorf("PATCH non-string: %d, want 400", ans.status)
	}
}

func TestHubAvailability(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	ctx := context.Background()
	slot := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, denver) }
	must(t, srv.SetAvailability(in.ID, 3, slot(3, 9), slot(1, 14), slot(1, 9), time.Date(2027, 1, 1, 9, 0, 0, 0, denver)))
	dates, err := a.AvailableDates(ctx, 3, slot(15, 0))
	want := []time.Time{time.Date(2026, 12, 1, 0, 0, 0, 0, denver), time.Date(2026, 12, 3, 0, 0, 0, 0, denver)}
	if err != nil || !cmp.Equal(want, dates) {
		t.Errorf("AvailableDates = %v, %v; want %v", dates, err, want)
	}
	times, err := a.AvailableTimes(ctx, 3, slot(1, 0))
	if err != nil || len(times) != 2 || !times[0].Equal(slot(1, 9)) || !times[1].Equal(slot(1, 14)) {
		t.Errorf("AvailableTimes = %v, %v", times, err)
	}
	book(t, a, slot(1, 9), "x@example.com") // takes the slot
	if times, err = a.AvailableTimes(ctx, 3, slot(1, 0)); err != nil || len(times) != 1 || !times[0].Equal(slot(1, 14)) {
		t.Errorf("after booking 9:00: %v, %v", times, err)
	}
	if times, err = a.AvailableTimes(ctx, 3, slot(2, 0)); err != nil || len(times) != 0 {
		t.Errorf("a day without slots: %v, %v", times, err)
	}
	if _, err := a.AvailableDates(ctx, 99, slot(1, 0)); !errors.Is(err, elements.ErrNotFound) {
		t.Errorf("unknown type: %v, want 404", err)
	}
}

func TestHubRefusesInstancesThatCannotServe(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	ctx := context.Background()
	c, err := srv.NewClient(elements.WithRetry(0, 0, 0))
	must(t, err)
	other := newAcuityInstance(t, c, "https://app.example/events")
	otherAccount, err := acuity.NewAccount(c, other.Token)
	must(t, err)
	appt := book(t, a, time.Date(2026, 12, 1, 9, 0, 0, 0, denver), "x@example.com")

	// Another instance's token sees none of this account.
	if _, err := otherAccount.Appointment(ctx, appt.ID); !errors.Is(err, elements.ErrNotFound) {
		t.Errorf("other instance's Appointment: %v, want 404", err)
	}
	if ids := listIDs(t, otherAccount.Appointments(ctx, nil)); len(ids) != 0 {
		t.Errorf("other instance lists %v", ids)
	}

	status := func(err error) int {
		var apiErr *elements.APIError
		if errors.As(err, &apiErr) {
			return apiErr.StatusCode
		}
		return 0
	}
	must(t, a.Ping(ctx))
	if err := c.Instances.Disable(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.Ping(ctx); status(err) != 403 {
		t.Errorf("disabled: Ping = %v, want 403", err)
	}
	for _, err := range a.Appointments(ctx, nil) {
		if status(err) != 403 {
			t.Errorf("disabled: Appointments = %v, want 403", err)
		}
	}
	must(t, c.Instances.Enable(ctx, in.ID))
	must(t, a.Ping(ctx))

	must(t, srv.ExpireInstance(in.ID))
	if _, err := a.Appointment(ctx, appt.ID); status(err) != 401 {
		t.Errorf("expired: Appointment = %v, want 401", err)
	}
	if _, err := c.Instances.Get(ctx, in.ID); err != nil {
		t.Errorf("expired: /instances still serves it, got %v", err)
	}
	must(t, otherAccount.Ping(ctx)) // only that instance expired
	if err := srv.ExpireInstance(424242); !errors.Is(err, ErrNotFound) {
		t.Errorf("ExpireInstance(unknown) = %v, want ErrNotFound", err)
	}

	must(t, c.Instances.Delete(ctx, other.ID))
	if err := otherAccount.Ping(ctx); status(err) != 401 {
		t.Errorf("deleted: Ping = %v, want 401", err)
	}
}

func TestServerNewClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"default secrets", nil}, {"WithCredentials", []Option{WithCredentials("my-user-secret", "my-org-secret")}}} {
		srv := NewServer(tc.opts...)
		t.Cleanup(srv.Close)
		c, err := srv.NewClient(elements.WithUserAgent("test/1"))
		must(t, err)
		if c.BaseURL() != srv.URL {
			t.Errorf("%s: BaseURL %s, want %s", tc.name, c.BaseURL(), srv.URL)
		}
		newAcuityInstance(t, c, "https://app.example/events") // accepted by the fake
	}
	srv := NewServer(WithCredentials("my-user-secret", "my-org-secret"))
	t.Cleanup(srv.Close)
	wrong, err := elements.NewClient(DefaultUserSecret, DefaultOrganizationSecret, elements.WithBaseURL(srv.URL))
	must(t, err)
	if _, err := wrong.Instances.Get(context.Background(), 1001); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("other secrets: %v, want 401", err)
	}
}

func TestHubSettersReject(t *testing.T) {
	t.Parallel()
	srv, in, _ := newAccount(t)
	for name, err := range map[string]error{
		"type without id":        srv.SetAppointmentType(in.ID, json.RawMessage(`{"name": "x"}`)),
		"calendar not object":    srv.SetCalendar(in.ID, json.RawMessage(`[1]`)),
		"type, unknown instance": srv.SetAppointmentType(99, json.RawMessage(`{"id": 1}`)),
		"calendar, unknown":      srv.SetCalendar(99, json.RawMessage(`{"id": 1}`)),
		"slots, unknown":         srv.SetAvailability(99, 3),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestHubUpdateEveryField sends every field acuity.AppointmentUpdate can
// set through the SDK, and reads the changes back.
func TestHubUpdateEveryField(t *testing.T) {
	t.Parallel()
	srv, in, a := newAccount(t)
	raw, _ := appointmentFixture(t)
	must(t, srv.SetAppointment(in.ID, raw))
	ctx := context.Background()
	str := func(s string) *string { return &s }
	yes := true
	got, err := a.UpdateAppointment(ctx, 8801, &acuity.AppointmentUpdate{
		FirstName: str("Augusta"), Notes: str("VIP"), Certificate: str("SPRING10"), SMSOptIn: &yes,
		Fields:   []acuity.FieldValue{{FieldID: 2, Value: "Allergic to dogs"}},
		LabelIDs: []int64{7},
	})
	if err != nil {
		t.Fatalf("UpdateAppointment: %v", err)
	}
	read, err := a.Appointment(ctx, 8801)
	if err != nil {
		t.Fatal(err)
	}
	for _, appt := range []*acuity.Appointment{got, read} {
		if appt.FirstName != "Augusta" || appt.LastName != "Lovelace" || appt.Notes != "VIP" || appt.Certificate != "SPRING10" {
			t.Errorf("client fields after the update: %+v", appt)
		}
		if len(appt.Forms) != 1 || appt.Forms[0].Values[1].Value != "Allergic to dogs" || appt.Forms[0].Values[0].Value != "yes" {
			t.Errorf("forms after the update: %+v", appt.Forms)
		}
		if len(appt.Labels) != 1 || appt.Labels[0].ID != 7 {
			t.Errorf("labels after the update: %+v", appt.Labels)
		}
		if !strings.Contains(string(appt.Raw), `"smsOptIn":true`) {
			t.Errorf("smsOptIn not in the record: %s", appt.Raw)
		}
	}
	if _, err := a.UpdateAppointment(ctx, 8801, &acuity.AppointmentUpdate{LabelIDs: []int64{}}); err != nil {
		t.Fatal(err)
	}
	if read, err := a.Appointment(ctx, 8801); err != nil || read.Labels != nil {
		t.Errorf("labels after an empty list: %+v, %v; want none", read, err)
	}
	_, err = a.UpdateAppointment(ctx, 8801, &acuity.AppointmentUpdate{Fields: []acuity.FieldValue{{FieldID: 99, Value: "x"}}})
	var ae *elements.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("an unknown form field: %v, want a 400", err)
	}
}
