package elementstest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/internal/flex"
)

// acuityAccount is the Acuity account behind an instance, as the scheduling
// hub serves it; guarded by Server.mu.
type acuityAccount struct {
	appointments map[int64]*storedAppointment
	types        map[int64]json.RawMessage
	calendars    map[int64]json.RawMessage
	slots        map[int64][]time.Time       // free start times by appointment type
	expired      bool                        // ExpireInstance: hub calls answer 401
	payments     map[int64][]json.RawMessage // by appointment id; SetPayments
	webhooks     bool                        // SetAcuityWebhooks: writes send webhooks
	outbox       []acuity.Webhook            // sent by the hub call under way, once it unlocks
}

// storedAppointment is an appointment in Acuity's JSON with the fields the
// list filters read.
type storedAppointment struct {
	raw        json.RawMessage
	datetime   time.Time // zero when missing or unparseable
	date       string    // the datetime's date as sent, YYYY-MM-DD
	calendarID int64
	typeID     int64
	email      string
	canceled   bool
}

// account returns the instance's Acuity account, creating it empty; s.mu
// must be held.
func (in *instance) account() *acuityAccount {
	if in.acuity == nil {
		in.acuity = &acuityAccount{
			appointments: make(map[int64]*storedAppointment),
			types:        make(map[int64]json.RawMessage),
			calendars:    make(map[int64]json.RawMessage),
			slots:        make(map[int64][]time.Time),
		}
	}
	return in.acuity
}

// storedAppointment returns the appointment with this id in the
// instance's account, or nil; unlike account, it makes no account. s.mu
// must be held.
func (in *instance) storedAppointment(id int64) *storedAppointment {
	if in.acuity == nil {
		return nil
	}
	return in.acuity.appointments[id]
}

// objectWithID compacts raw, which must be a JSON object with a positive
// "id" (a number or a numeric string), and returns it with the id.
func objectWithID(call, what string, raw json.RawMessage) (json.RawMessage, int64, error) {
	obj, err := compactObject(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("elementstest: %s: %s %w", call, what, err)
	}
	var head struct {
		ID flex.Int64 `json:"id"`
	}
	if err := json.Unmarshal(obj, &head); err != nil {
		return nil, 0, fmt.Errorf("elementstest: %s: %s id: %w", call, what, err)
	}
	if head.ID <= 0 {
		return nil, 0, fmt.Errorf("elementstest: %s: %s has no positive id (got %d)", call, what, head.ID)
	}
	return obj, int64(head.ID), nil
}

// compactObject compacts raw, which must be a JSON object; its error says
// what raw is not.
func compactObject(raw json.RawMessage) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("is not valid JSON: %w", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("{")) {
		return nil, errors.New("is not a JSON object")
	}
	return buf.Bytes(), nil
}

// withAccount runs f on the Acuity account of a known instance under s.mu.
func (s *Server) withAccount(instanceID int64, f func(*acuityAccount)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[instanceID]
	if !ok {
		return ErrNotFound
	}
	f(in.account())
	return nil
}

// SetAppointment puts an appointment in the Acuity account behind an
// instance, so that the scheduling hub serves it (GET
// /hubs/scheduling/appointments/{id} and the list). appt is the appointment
// in Acuity's own JSON, as Acuity's API returns it (for example acuity/testdata's
// appointment.json); its id is read from the "id" field, a positive integer
// (a number or a numeric string). Setting an id again replaces the
// appointment; the JSON is stored as given (compacted) and not otherwise
// checked, so a test can serve an appointment its code must reject. It
// returns ErrNotFound for an unknown instance and an error for JSON that is
// not an object with a positive id. To book through the API instead, use
// acuity.Account.Book (after SetAppointmentType).
//
// The hub is scoped by the instance token: a request needs the
// Authorization header "User …, Organization …, Element <token>" with the
// token of an existing instance (401 otherwise), and sees only that
// instance's account. Storing appointments does not send webhooks.
func (s *Server) SetAppointment(instanceID int64, appt json.RawMessage) error {
	raw, id, err := objectWithID("SetAppointment", "appointment", appt)
	if err != nil {
		return err
	}
	return s.withAccount(instanceID, func(a *acuityAccount) { a.appointments[id] = indexAppointment(raw) })
}

// SetAppointmentType puts an appointment type, in Acuity's JSON (with a
// positive "id"; "name", "duration" in minutes, "price", "category" and
// "calendarIDs" are used when booking), in the instance's account, replacing
// one with the same id. Book accepts only the account's types.
func (s *Server) SetAppointmentType(instanceID int64, appointmentType json.RawMessage) error {
	raw, id, err := objectWithID("SetAppointmentType", "appointment type", appointmentType)
	if err != nil {
		return err
	}
	return s.withAccount(instanceID, func(a *acuityAccount) { a.types[id] = raw })
}

// SetCalendar puts a calendar, in Acuity's JSON (with a positive "id";
// "name" and "timezone" are used when booking), in the instance's account,
// replacing one with the same id.
func (s *Server) SetCalendar(instanceID int64, calendar json.RawMessage) error {
	raw, id, err := objectWithID("SetCalendar", "calendar", calendar)
	if err != nil {
		return err
	}
	return s.withAccount(instanceID, func(a *acuityAccount) { a.calendars[id] = raw })
}

// SetAvailability sets the free start times of an appointment type, which
// available-dates and available-times serve (dates and times read in each
// slot's own offset). Booking a slot takes it away. It replaces the type's
// earlier slots; none clears them.
func (s *Server) SetAvailability(instanceID, appointmentTypeID int64, slots ...time.Time) error {
	sorted := slices.Clone(slots)
	slices.SortFunc(sorted, time.Time.Compare)
	return s.withAccount(instanceID, func(a *acuityAccount) { a.slots[appointmentTypeID] = sorted })
}

// ExpireInstance makes the instance's token answer 401 on every hub call
// until the instance is re-authenticated (PUT ?reAuthenticate=true), as the
// platform does once the tenant's OAuth grant is revoked or has expired: the
// tenant must reconnect. The /instances API still serves the instance, with
// "valid": false (the platform's mark of an instance whose provider
// authentication failed; disabling sets "disabled" instead). It returns
// ErrNotFound for an unknown instance.
func (s *Server) ExpireInstance(id int64) error {
	return s.withAccount(id, func(a *acuityAccount) { a.expired = true })
}

// indexAppointment reads the fields the list filters use; values it cannot
// read are left zero.
func indexAppointment(raw json.RawMessage) *storedAppointment {
	var head struct {
		Datetime          flex.String `json:"datetime"`
		CalendarID        flex.Int64  `json:"calendarID"`
		AppointmentTypeID flex.Int64  `json:"appointmentTypeID"`
		Email             flex.String `json:"email"`
		Canceled          flex.String `json:"canceled"`
	}
	_ = json.Unmarshal(raw, &head) // a test may store what the SDK must reject
	st := &storedAppointment{raw: raw, calendarID: int64(head.CalendarID), typeID: int64(head.AppointmentTypeID),
		email: string(head.Email), canceled: head.Canceled == "true"}
	if len(head.Datetime) >= 10 {
		st.date = string(head.Datetime[:10])
	}
	st.datetime, _ = parseAcuityTime(string(head.Datetime))
	return st
}

func parseAcuityTime(v string) (time.Time, error) {
	t, err := time.Parse(acuity.DatetimeLayout, v)
	if err != nil {
		t, err = time.Parse(time.RFC3339, v)
	}
	return t, err
}

// statusError is an answer other than 200: its status and message.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func statusErrorf(status int, format string, args ...any) error {
	return &statusError{status, fmt.Sprintf(format, args...)}
}

// pageOf is a hub list answer, written page by page by writePage.
type pageOf struct {
	what  string
	items []json.RawMessage
}

// hub wraps a scheduling-hub handler: it finds the instance by the
// Authorization header's Element token (401 without one or for an unknown
// or expired token, 403 for a disabled instance) and runs f under s.mu. f
// returns the answer: a pageOf (written by writePage), a json.RawMessage or
// another value (written as JSON), or an error (a *statusError with its
// status, anything else a 400). The webhooks f's writes queued (see
// SetAcuityWebhooks) are sent once s.mu is released, before the answer. The
// API middleware has already checked the User and Organization parts.
func (s *Server) hub(f func(r *http.Request, a *acuityAccount) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := elementToken(r.Header.Get("Authorization"))
		if token == "" {
			writeError(w, http.StatusUnauthorized, "Authorization header must be 'User <user secret>, Organization <organization secret>, Element <instance token>' for hub resources")
			return
		}
		// Read the body before taking the lock: a slow client must not
		// hold up the fake. decodeBody checks its size.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, "cannot read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		in := s.instanceByToken(token)
		var v any
		var send func()
		switch {
		case in == nil:
			err = statusErrorf(http.StatusUnauthorized, "the Element token is not the token of any instance")
		case in.disabled:
			err = statusErrorf(http.StatusForbidden, "the instance is disabled; enable it to use its hub resources")
		case in.acuity != nil && in.acuity.expired:
			err = statusErrorf(http.StatusUnauthorized, "the instance's authorization with the provider has expired; re-authenticate the instance")
		default:
			v, err = f(r, in.account())
			send = s.takeAcuityWebhooks(in)
		}
		s.mu.Unlock()
		if send != nil {
			send() // before the answer, so the delivery is under way when the caller sees it
		}
		var he *statusError
		if errors.As(err, &he) {
			writeError(w, he.status, he.msg)
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		switch x := v.(type) {
		case pageOf:
			writePage(w, r, x.what, x.items)
		case json.RawMessage:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(x)
		default:
			writeJSON(w, http.StatusOK, v)
		}
	}
}

// elementToken returns the token of the "Element <token>" part of an
// Authorization header, or "".
func elementToken(header string) string {
	for _, part := range strings.Split(header, ",") {
		if name, value, _ := strings.Cut(strings.TrimSpace(part), " "); name == "Element" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// instanceByToken finds the instance with this token, comparing every
// instance's token in constant time; s.mu must be held.
func (s *Server) instanceByToken(token string) *instance {
	var found *instance
	for _, in := range s.instances {
		if subtle.ConstantTimeCompare([]byte(in.token), []byte(token)) == 1 {
			found = in
		}
	}
	return found
}

// pathID reads the {name} path value as a positive id, or answers 404.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, statusErrorf(http.StatusNotFound, "%s id %q is not a number", what, r.PathValue(name))
	}
	return id, nil
}

// appointment finds the appointment named in the path, or answers 404.
func (a *acuityAccount) appointment(r *http.Request) (int64, *storedAppointment, error) {
	id, err := pathID(r, "id", "appointment")
	if err != nil {
		return 0, nil, err
	}
	st := a.appointments[id]
	if st == nil {
		return 0, nil, statusErrorf(http.StatusNotFound, "no appointment with id %d in this instance's account", id)
	}
	return id, st, nil
}

// sortedRaw returns m's values ordered by id.
func sortedRaw(m map[int64]json.RawMessage) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id])
	}
	return out
}

func (s *Server) ping(*http.Request, *acuityAccount) (any, error) {
	return json.RawMessage(`{}`), nil
}

func (s *Server) listAppointmentTypes(_ *http.Request, a *acuityAccount) (any, error) {
	return pageOf{"appointment types", sortedRaw(a.types)}, nil
}

func (s *Server) listCalendars(_ *http.Request, a *acuityAccount) (any, error) {
	return pageOf{"calendars", sortedRaw(a.calendars)}, nil
}
