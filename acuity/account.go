package acuity

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/redact"
)

// Account is the Acuity Scheduling account behind one element instance,
// read and changed through the platform's scheduling hub
// (/hubs/scheduling/...) with the instance's token. Create it with
// NewAccount; it is safe for concurrent use. Every call goes through the
// client's NewRequest and Do, so it has the client's retries (429 answers
// wait for their Retry-After), *elements.APIError for platform answers and
// the redaction of secrets and the token from errors and logs.
//
// Acuity allows about 10 requests a second (and 20 at once) per account.
// The client paces every request it sends with the instance's token, from
// any number of Account values, GetAppointment calls and goroutines, to
// that limit (see elements.Limiter): an Account is cheap and holds no pace
// of its own. Replicas that work on the same accounts share the pace
// through a shared limiter (the redislimit module).
type Account struct {
	client *elements.Client
	token  string
}

// NewAccount returns the account behind the instance whose token is
// instanceToken (Instance.Token, kept from Instances.Create). The token is
// checked as Client.NewRequest checks it; no request is sent. The token is a
// secret: it never appears in the Account's printed form, errors or logs.
func NewAccount(c *elements.Client, instanceToken string) (*Account, error) {
	if c == nil {
		return nil, errors.New("acuity: NewAccount: nil client")
	}
	if instanceToken == "" {
		return nil, errors.New("acuity: NewAccount: empty instance token")
	}
	if _, err := c.NewRequest(context.Background(), http.MethodGet, AppointmentsPath, nil, elements.WithElementToken(instanceToken)); err != nil {
		return nil, fmt.Errorf("acuity: NewAccount: %w", err)
	}
	return &Account{client: c, token: instanceToken}, nil
}

// String describes the account without its token.
func (a Account) String() string {
	base := ""
	if a.client != nil {
		base = a.client.BaseURL()
	}
	return "acuity.Account{BaseURL: " + base + ", InstanceToken: " + redact.Mask(a.token) + "}"
}

// GoString is like String, so %#v does not print the token either.
func (a Account) GoString() string { return a.String() }

// Format prints the redacted form for every verb.
func (a Account) Format(f fmt.State, verb rune) { redact.Format(f, verb, a) }

// LogValue makes slog print the base URL and whether a token is set,
// never the token.
func (a Account) LogValue() slog.Value {
	base := ""
	if a.client != nil {
		base = a.client.BaseURL()
	}
	return slog.GroupValue(slog.String("baseURL", base), slog.String("instanceToken", redact.Mask(a.token)))
}

// do sends one hub request with the instance token (paced by the client)
// and decodes the answer into v (unless nil). If check is not nil, it then
// converts or checks what was decoded: its error, which may quote what the
// hub sent, becomes the client's invalid answer
// (elements.Client.InvalidResponse), which wraps elements.ErrInvalidResponse,
// redacts every secret of the request from it and is logged, like an answer
// Do itself cannot decode.
func (a *Account) do(ctx context.Context, method, path string, body, v any, check func() error) (*elements.Response, error) {
	if a.client == nil {
		return nil, errors.New("the Account was not created with NewAccount")
	}
	req, err := a.client.NewRequest(ctx, method, path, body, elements.WithElementToken(a.token))
	if err != nil {
		return nil, err
	}
	resp, err := a.client.Do(req, v)
	if err == nil && check != nil {
		if err := check(); err != nil {
			return resp, a.client.InvalidResponse(req, resp, err)
		}
	}
	return resp, err
}

// list reads a paged hub list from its first page, afresh for each range,
// with the account's token: the client's one paging adapter
// (elements.Pager), so the empty-list rule, nulls (an invalid answer) and
// the paging rule are the root package's. Each element is decoded through
// T's UnmarshalJSON, which keeps its Raw (BENCHMARKS.md says what that
// costs).
func list[T any](ctx context.Context, a *Account, name, path string) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		named(name, hubPager[T](a, path, nil, 0, "").All(ctx))(yield)
	}
}

// hubPager returns the pager of a hub list of the account.
func hubPager[T any](a *Account, path string, q url.Values, pageSize int, start string) *elements.Pager[T] {
	return elements.NewPager[T](a.client, path, q, pageSize, start, elements.WithElementToken(a.token))
}

// named puts the call's name in front of seq's error, as every Account
// call does.
func named[T any](name string, seq iter.Seq2[*T, error]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for it, err := range seq {
			if err != nil {
				err = fmt.Errorf("acuity: %s: %w", name, err)
			}
			if !yield(it, err) {
				return
			}
		}
	}
}

// checkID rejects ids that cannot name anything.
func checkID(call, what string, id int64) error {
	if id <= 0 {
		return fmt.Errorf("acuity: %s: %s id %d is not positive", call, what, id)
	}
	return nil
}

// Ping checks that the instance can serve hub calls (GET
// /hubs/scheduling/ping): nil, or an *elements.APIError (401 when the
// tenant must reconnect, 403 when the instance is disabled).
func (a *Account) Ping(ctx context.Context) error {
	if _, err := a.do(ctx, http.MethodGet, "/hubs/"+Hub+"/ping", nil, nil, nil); err != nil {
		return fmt.Errorf("acuity: Ping: %w", err)
	}
	return nil
}

// AppointmentTypes lists the account's appointment types
// (GET /hubs/scheduling/appointment-types), page by page as the caller
// ranges; see Account.Appointments for how errors arrive.
func (a *Account) AppointmentTypes(ctx context.Context) iter.Seq2[*AppointmentType, error] {
	return list[AppointmentType](ctx, a, "AppointmentTypes", "/hubs/"+Hub+"/appointment-types")
}

// Calendars lists the account's calendars (GET /hubs/scheduling/calendars),
// page by page as the caller ranges; see Account.Appointments for how errors
// arrive.
func (a *Account) Calendars(ctx context.Context) iter.Seq2[*Calendar, error] {
	return list[Calendar](ctx, a, "Calendars", "/hubs/"+Hub+"/calendars")
}

// AvailableDates returns the dates of month (its year and month, in its
// location) on which the appointment type has free slots
// (GET /hubs/scheduling/appointment-types/{id}/available-dates?month=2006-01).
// Each date is midnight in month's location.
func (a *Account) AvailableDates(ctx context.Context, appointmentTypeID int64, month time.Time) ([]time.Time, error) {
	if err := checkID("AvailableDates", "appointment type", appointmentTypeID); err != nil {
		return nil, err
	}
	if month.IsZero() {
		return nil, errors.New("acuity: AvailableDates: zero month")
	}
	path := typePath(appointmentTypeID) + "/available-dates?" + url.Values{"month": {month.Format("2006-01")}}.Encode()
	var dates []struct {
		Date string `json:"date"`
	}
	var out []time.Time
	convert := func() error {
		out = make([]time.Time, len(dates))
		for i, d := range dates {
			t, err := time.ParseInLocation(time.DateOnly, d.Date, month.Location())
			if err != nil {
				return fmt.Errorf("date %s is not YYYY-MM-DD", redact.Quote(d.Date))
			}
			out[i] = t
		}
		return nil
	}
	if _, err := a.do(ctx, http.MethodGet, path, nil, &dates, convert); err != nil {
		return nil, fmt.Errorf("acuity: AvailableDates: %w", err)
	}
	return out, nil
}

// AvailableTimes returns the free start times of the appointment type on
// day (its date in its location)
// (GET /hubs/scheduling/appointment-types/{id}/available-times?date=2006-01-02),
// each with the offset Acuity sent.
func (a *Account) AvailableTimes(ctx context.Context, appointmentTypeID int64, day time.Time) ([]time.Time, error) {
	if err := checkID("AvailableTimes", "appointment type", appointmentTypeID); err != nil {
		return nil, err
	}
	if day.IsZero() {
		return nil, errors.New("acuity: AvailableTimes: zero day")
	}
	path := typePath(appointmentTypeID) + "/available-times?" + url.Values{"date": {day.Format(time.DateOnly)}}.Encode()
	var slots []struct {
		Time string `json:"time"`
	}
	var out []time.Time
	convert := func() error {
		out = make([]time.Time, len(slots))
		for i, s := range slots {
			t, err := parseDatetime("time", s.Time)
			if err != nil {
				return err
			}
			if t.IsZero() {
				return fmt.Errorf("element %d has no time", i)
			}
			out[i] = t
		}
		return nil
	}
	if _, err := a.do(ctx, http.MethodGet, path, nil, &slots, convert); err != nil {
		return nil, fmt.Errorf("acuity: AvailableTimes: %w", err)
	}
	return out, nil
}

func typePath(id int64) string {
	return "/hubs/" + Hub + "/appointment-types/" + strconv.FormatInt(id, 10)
}
