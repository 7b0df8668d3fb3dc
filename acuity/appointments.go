package acuity

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements"
)

// AppointmentsPath is the platform resource of an instance's appointments.
const AppointmentsPath = "/hubs/" + Hub + "/appointments"

// GetAppointment fetches the full appointment with the given id through the
// platform: GET /hubs/scheduling/appointments/{id}, scoped to the instance by
// its token (Authorization "User …, Organization …, Element <token>").
// It is NewAccount(c, instanceToken) followed by Account.Appointment.
//
// Acuity's webhooks carry only ids; this is how a receiver gets the details
// behind Webhook.ID or a platform event's ObjectID. The call goes through
// c.NewRequest and c.Do, so it has the client's retries, *elements.APIError
// for platform answers (errors.Is(err, elements.ErrNotFound) for an unknown
// id) and redaction of secrets and the token from errors and logs.
func GetAppointment(ctx context.Context, c *elements.Client, instanceToken string, id int64) (*Appointment, error) {
	a, err := NewAccount(c, instanceToken)
	if err != nil {
		return nil, err
	}
	return a.Appointment(ctx, id)
}

func appointmentPath(id int64) string { return AppointmentsPath + "/" + strconv.FormatInt(id, 10) }

// Appointment fetches one appointment (GET /hubs/scheduling/appointments/{id}),
// canceled ones included; errors.Is(err, elements.ErrNotFound) for an id the
// account does not have.
func (a *Account) Appointment(ctx context.Context, id int64) (*Appointment, error) {
	if err := checkID("Appointment", "appointment", id); err != nil {
		return nil, err
	}
	var appt Appointment
	if _, err := a.do(ctx, http.MethodGet, appointmentPath(id), nil, &appt, nil); err != nil {
		return nil, fmt.Errorf("acuity: Appointment: %w", err)
	}
	return &appt, nil
}

// AppointmentQuery selects appointments for Account.Appointments and
// Account.AppointmentPager. Zero fields do not filter. A nil query lists
// what Acuity lists by default.
type AppointmentQuery struct {
	// MinDate and MaxDate bound the appointments' dates, both days
	// included. Only the date counts, read in the time's own location:
	// pass times in the calendar's time zone.
	MinDate, MaxDate time.Time
	// CalendarID and AppointmentTypeID select one calendar or type.
	CalendarID        int64
	AppointmentTypeID int64
	// Email selects the appointments of one client.
	Email string
	// Canceled lists canceled appointments instead of the others (Acuity
	// leaves canceled appointments out of its lists unless asked).
	Canceled bool
	// PageSize is the number of appointments per request; 0 leaves it to
	// the platform.
	PageSize int
	// NextPage starts the listing at the page this token names, for
	// example a position saved from AppointmentPager.Position to resume
	// an interrupted backfill; "" starts at the first page. A token
	// belongs to the listing it came from: resume with the same filters
	// and PageSize.
	NextPage string
}

// Appointments lists the account's appointments that match q
// (GET /hubs/scheduling/appointments with a CEQL where clause), fetching a
// page only when the caller ranges past the previous one, so a backfill of
// any size holds one page in memory:
//
//	for appt, err := range account.Appointments(ctx, q) {
//		if err != nil {
//			return err // the platform's error, or ctx's
//		}
//		...
//	}
//
// The listing ends by the platform's paging rule (its paging guide):
// a page without a next-page token, an empty page, or a token seen before
// (one of the last 1024, remembered as digests); a listing that never ends
// by itself ends when the caller breaks out of the loop or ctx ends.
// An error (a bad query, a platform error, the end of ctx) is yielded once,
// as (nil, err), and ends the listing; breaking out of the loop stops it
// without another request. A 404 whose message is the platform's "No
// appointments found" is an empty list; any other 404 (an unknown instance,
// a proxy's error page) is an error matching elements.ErrNotFound. Each
// range starts at q.NextPage.
//
// To resume a backfill after a crash instead of starting over, list with
// an AppointmentPager, which says where it is.
func (a *Account) Appointments(ctx context.Context, q *AppointmentQuery) iter.Seq2[*Appointment, error] {
	return func(yield func(*Appointment, error) bool) {
		a.AppointmentPager(q).All(ctx)(yield)
	}
}

// appointmentsQuery checks q (nil: no filter) and returns the list's query
// and page size.
func appointmentsQuery(q *AppointmentQuery) (url.Values, int, error) {
	if q == nil {
		return nil, 0, nil
	}
	if q.PageSize < 0 {
		return nil, 0, fmt.Errorf("acuity: Appointments: page size %d is negative", q.PageSize)
	}
	where, err := appointmentsWhere(q)
	if err != nil {
		return nil, 0, fmt.Errorf("acuity: Appointments: %w", err)
	}
	if where == "" {
		return nil, q.PageSize, nil
	}
	return url.Values{"where": {where}}, q.PageSize, nil
}

// appointmentsWhere turns a query's filters into the platform's CEQL where
// clause, for example
//
//	minDate='2026-12-01' and maxDate='2026-12-31' and calendarID=12 and email='a@b.c'
//
// This mapping is INFERRED, not documented: the platform's own element tests
// show CEQL on appointments (email = '…'), and the platform passes such
// clauses on as Acuity's query parameters of the same names (minDate,
// maxDate, calendarID, appointmentTypeID, email, canceled). This function is
// the one place the mapping lives; change it here if the platform turns out
// to differ. It rejects what it cannot express safely: an email with a
// quote or backslash, negative ids, and MaxDate before MinDate.
func appointmentsWhere(q *AppointmentQuery) (string, error) {
	var clauses []string
	minD, maxD := q.MinDate.Format(time.DateOnly), q.MaxDate.Format(time.DateOnly)
	if !q.MinDate.IsZero() {
		clauses = append(clauses, "minDate='"+minD+"'")
	}
	if !q.MaxDate.IsZero() {
		if !q.MinDate.IsZero() && maxD < minD {
			return "", fmt.Errorf("MaxDate %s is before MinDate %s", maxD, minD)
		}
		clauses = append(clauses, "maxDate='"+maxD+"'")
	}
	for _, f := range []struct {
		name string
		id   int64
	}{{"calendarID", q.CalendarID}, {"appointmentTypeID", q.AppointmentTypeID}} {
		if f.id < 0 {
			return "", fmt.Errorf("%s %d is negative", f.name, f.id)
		}
		if f.id > 0 {
			clauses = append(clauses, f.name+"="+strconv.FormatInt(f.id, 10))
		}
	}
	if q.Email != "" {
		if strings.ContainsAny(q.Email, `'\`) {
			return "", errors.New("the email filter contains a quote or backslash, which a CEQL string cannot carry")
		}
		clauses = append(clauses, "email='"+q.Email+"'")
	}
	if q.Canceled {
		clauses = append(clauses, "canceled='true'")
	}
	return strings.Join(clauses, " and "), nil
}

// Booking is a new appointment for Account.Book. AppointmentTypeID,
// Datetime, FirstName, LastName and Email are required; CalendarID 0 lets
// Acuity pick the calendar.
type Booking struct {
	AppointmentTypeID int64
	CalendarID        int64
	// Datetime is the start; it is sent in Acuity's layout with its offset.
	Datetime  time.Time
	FirstName string
	LastName  string
	Email     string
	Phone     string
	Notes     string
}

// bookingJSON is the wire form of a Booking.
type bookingJSON struct {
	AppointmentTypeID int64  `json:"appointmentTypeID"`
	Datetime          string `json:"datetime"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	Email             string `json:"email"`
	Phone             string `json:"phone,omitempty"`
	Notes             string `json:"notes,omitempty"`
	CalendarID        int64  `json:"calendarID,omitempty"`
}

// check names every missing or invalid field.
func (b *Booking) check() error {
	var bad []string
	if b.AppointmentTypeID <= 0 {
		bad = append(bad, "AppointmentTypeID")
	}
	if b.CalendarID < 0 {
		bad = append(bad, "CalendarID")
	}
	if b.Datetime.IsZero() {
		bad = append(bad, "Datetime")
	}
	for _, f := range []struct{ name, v string }{{"FirstName", b.FirstName}, {"LastName", b.LastName}, {"Email", b.Email}} {
		if strings.TrimSpace(f.v) == "" {
			bad = append(bad, f.name)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("booking lacks or has an invalid %s", strings.Join(bad, ", "))
	}
	return nil
}

// Book books an appointment (POST /hubs/scheduling/appointments) and
// returns it as Acuity created it. A POST is not repeated once it may have
// reached the platform (only a 429 or a failure to send is retried), so a
// lost answer does not book twice; look the appointment up with
// Appointments (by Email and date) before booking again.
func (a *Account) Book(ctx context.Context, b *Booking) (*Appointment, error) {
	if b == nil {
		return nil, errors.New("acuity: Book: nil booking")
	}
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("acuity: Book: %w", err)
	}
	body := bookingJSON{
		AppointmentTypeID: b.AppointmentTypeID, Datetime: b.Datetime.Format(DatetimeLayout),
		FirstName: b.FirstName, LastName: b.LastName, Email: b.Email,
		Phone: b.Phone, Notes: b.Notes, CalendarID: b.CalendarID,
	}
	var appt Appointment
	if _, err := a.do(ctx, http.MethodPost, AppointmentsPath, body, &appt, nil); err != nil {
		return nil, fmt.Errorf("acuity: Book: %w", err)
	}
	return &appt, nil
}

// Reschedule moves an appointment to start at at
// (PATCH /hubs/scheduling/appointments/{id}/reschedule) and returns it.
func (a *Account) Reschedule(ctx context.Context, id int64, at time.Time) (*Appointment, error) {
	if err := checkID("Reschedule", "appointment", id); err != nil {
		return nil, err
	}
	if at.IsZero() {
		return nil, errors.New("acuity: Reschedule: zero time")
	}
	body := struct {
		Datetime string `json:"datetime"`
	}{at.Format(DatetimeLayout)}
	var appt Appointment
	if _, err := a.do(ctx, http.MethodPatch, appointmentPath(id)+"/reschedule", body, &appt, nil); err != nil {
		return nil, fmt.Errorf("acuity: Reschedule: %w", err)
	}
	return &appt, nil
}

// Cancel cancels an appointment (DELETE /hubs/scheduling/appointments/{id}).
// A canceled appointment still exists: Appointment returns it with
// Canceled set.
func (a *Account) Cancel(ctx context.Context, id int64) error {
	if err := checkID("Cancel", "appointment", id); err != nil {
		return err
	}
	if _, err := a.do(ctx, http.MethodDelete, appointmentPath(id), nil, nil, nil); err != nil {
		return fmt.Errorf("acuity: Cancel: %w", err)
	}
	return nil
}

// AppointmentUpdate changes an appointment's details through
// Account.UpdateAppointment. Only what is set is sent: a nil pointer or a
// nil slice leaves that detail as it is, a pointer to "" empties it (where
// Acuity allows that). The date and time change through Reschedule, the
// status through Cancel.
//
// Acuity lets only the account's admins set Notes and Certificate, and
// refuses to remove FirstName or LastName (and, for bookings made by
// clients, Email and, by the account's settings, Phone); its refusal comes
// back as the platform's error. Go 1.26 writes a pointer to a value as
// new("Lovelace"); before it, take the address of a variable.
type AppointmentUpdate struct {
	FirstName *string
	LastName  *string
	Email     *string
	Phone     *string
	Notes     *string
	// Certificate is a package or coupon code.
	Certificate *string
	// Fields sets the answers to intake form fields, each by its form
	// field id (FormValue.FieldID); fields not listed keep their answers.
	Fields []FieldValue
	// LabelIDs replaces the appointment's labels with the labels of these
	// ids (Acuity takes one label at most). A non-nil empty slice sends an
	// empty list, which is taken to remove the label (inferred: Acuity's
	// documentation does not say).
	LabelIDs []int64
	// SMSOptIn records whether the client agreed to text reminders.
	SMSOptIn *bool
}

// FieldValue is the answer to one intake form field, for
// AppointmentUpdate.Fields. A checkbox list takes its choices as one
// comma-separated string.
type FieldValue struct {
	FieldID int64
	Value   string
}

// appointmentUpdateJSON is the wire form of an AppointmentUpdate: only the
// fields that are set, in Acuity's names.
type appointmentUpdateJSON struct {
	FirstName   *string       `json:"firstName,omitempty"`
	LastName    *string       `json:"lastName,omitempty"`
	Email       *string       `json:"email,omitempty"`
	Phone       *string       `json:"phone,omitempty"`
	Notes       *string       `json:"notes,omitempty"`
	Certificate *string       `json:"certificate,omitempty"`
	Fields      []fieldJSON   `json:"fields,omitzero"`
	Labels      []labelIDJSON `json:"labels,omitzero"`
	SMSOptIn    *bool         `json:"smsOptIn,omitempty"`
}

type fieldJSON struct {
	ID    int64  `json:"id"`
	Value string `json:"value"`
}

type labelIDJSON struct {
	ID int64 `json:"id"`
}

// wire checks u and returns its wire form, or an error naming every field
// that is wrong.
func (u *AppointmentUpdate) wire() (*appointmentUpdateJSON, error) {
	w := &appointmentUpdateJSON{FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		Notes: u.Notes, Certificate: u.Certificate, SMSOptIn: u.SMSOptIn}
	var bad []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"FirstName", u.FirstName}, {"LastName", u.LastName}} {
		if f.v != nil && strings.TrimSpace(*f.v) == "" {
			bad = append(bad, f.name+" is blank (Acuity does not remove it)")
		}
	}
	if u.Fields != nil {
		w.Fields = make([]fieldJSON, len(u.Fields))
		for i, f := range u.Fields {
			if f.FieldID <= 0 {
				bad = append(bad, fmt.Sprintf("Fields[%d].FieldID %d is not positive", i, f.FieldID))
			}
			w.Fields[i] = fieldJSON{ID: f.FieldID, Value: f.Value}
		}
	}
	if u.LabelIDs != nil {
		w.Labels = make([]labelIDJSON, len(u.LabelIDs))
		for i, id := range u.LabelIDs {
			if id <= 0 {
				bad = append(bad, fmt.Sprintf("LabelIDs[%d] %d is not positive", i, id))
			}
			w.Labels[i] = labelIDJSON{ID: id}
		}
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "; "))
	}
	strs := []*string{w.FirstName, w.LastName, w.Email, w.Phone, w.Notes, w.Certificate}
	if !slices.ContainsFunc(strs, func(p *string) bool { return p != nil }) && w.SMSOptIn == nil && w.Fields == nil && w.Labels == nil {
		return nil, errors.New("the update sets nothing")
	}
	return w, nil
}

// UpdateAppointment changes the details of an appointment that u sets
// (PATCH /hubs/scheduling/appointments/{id}, only those fields in the
// body) and returns the appointment as changed. Bad input (nothing set, a
// blank name, ids that are not positive) is refused before anything is
// sent.
//
// Like every PATCH, it is not repeated once it may have reached the
// platform (only a 429 or a failure to send is retried): after an error
// that leaves the outcome unknown (a timeout, a 502), read the appointment,
// or send the same update again, which changes nothing more the second time.
func (a *Account) UpdateAppointment(ctx context.Context, id int64, u *AppointmentUpdate) (*Appointment, error) {
	if err := checkID("UpdateAppointment", "appointment", id); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errors.New("acuity: UpdateAppointment: nil update")
	}
	body, err := u.wire()
	if err != nil {
		return nil, fmt.Errorf("acuity: UpdateAppointment: %w", err)
	}
	var appt Appointment
	if _, err := a.do(ctx, http.MethodPatch, appointmentPath(id), body, &appt, nil); err != nil {
		return nil, fmt.Errorf("acuity: UpdateAppointment: %w", err)
	}
	return &appt, nil
}
