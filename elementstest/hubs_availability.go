package elementstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/internal/flex"
)

// Date layouts of the hub's query parameters: what the SDK sends, and the
// lenient forms without leading zeros that the hub accepts too.
const (
	monthLayout, looseMonthLayout = "2006-01", "2006-1"
	dayLayout, looseDayLayout     = time.DateOnly, "2006-1-2"
)

// lenientDate reads a date as the hub does: in layout, or in loose (the
// month and the day without their leading zero, as the platform makers'
// tests send date=2018-4-13 and month=2018-4). It returns the date in
// layout.
func lenientDate(v, layout, loose string) (string, error) {
	t, err := time.Parse(layout, v)
	if err != nil {
		t, err = time.Parse(loose, v)
	}
	if err != nil {
		return "", err
	}
	return t.Format(layout), nil
}

// freeSlots returns the slots of the appointment type named in the path
// whose start, in layout, is the query parameter param (read leniently);
// 404 for a type the account does not have.
func freeSlots(r *http.Request, a *acuityAccount, param, layout, loose string) ([]time.Time, error) {
	id, err := pathID(r, "typeID", "appointment type")
	if err != nil {
		return nil, err
	}
	if _, ok := a.types[id]; !ok && a.slots[id] == nil {
		return nil, statusErrorf(http.StatusNotFound, "no appointment type with id %d in this instance's account", id)
	}
	want, err := lenientDate(r.URL.Query().Get(param), layout, loose)
	if err != nil {
		return nil, fmt.Errorf("%s must be %s (or %s), got %q", param, layout, loose, r.URL.Query().Get(param))
	}
	var out []time.Time
	for _, t := range a.slots[id] {
		if t.Format(layout) == want {
			out = append(out, t)
		}
	}
	return out, nil
}

// availableDates answers .../available-dates?month=2006-01 (or 2006-1):
// [{"date"}].
func (s *Server) availableDates(r *http.Request, a *acuityAccount) (any, error) {
	slots, err := freeSlots(r, a, "month", monthLayout, looseMonthLayout)
	if err != nil {
		return nil, err
	}
	type day struct {
		Date string `json:"date"`
	}
	out := []day{}
	for _, t := range slots {
		if d := t.Format(time.DateOnly); len(out) == 0 || out[len(out)-1].Date != d {
			out = append(out, day{d})
		}
	}
	return out, nil
}

// availableTimes answers .../available-times?date=2006-01-02 (or
// 2006-1-2): [{"time", "slotsAvailable"}].
func (s *Server) availableTimes(r *http.Request, a *acuityAccount) (any, error) {
	slots, err := freeSlots(r, a, "date", dayLayout, looseDayLayout)
	if err != nil {
		return nil, err
	}
	type slot struct {
		Time           string `json:"time"`
		SlotsAvailable int    `json:"slotsAvailable"`
	}
	out := []slot{}
	for _, t := range slots {
		out = append(out, slot{t.Format(acuity.DatetimeLayout), 1})
	}
	return out, nil
}

// notAvailable is the reason validateTime gives for a time that is not a
// free slot. Acuity documents "valid": false "along with a reason" but not
// its wording; this is the fake's.
const notAvailable = "The time is not an available slot of the appointment type."

// timeCheck is the answer of POST /hubs/scheduling/available-times/validate,
// in the shape of Acuity's POST /availability/check-times for one time.
type timeCheck struct {
	Datetime          string `json:"datetime"`
	AppointmentTypeID int64  `json:"appointmentTypeID"`
	CalendarID        int64  `json:"calendarID,omitempty"`
	Valid             bool   `json:"valid"`
	Reason            string `json:"reason,omitempty"`
}

// validateTime answers POST /hubs/scheduling/available-times/validate with
// {"appointmentTypeID", "datetime"[, "calendarID"]}, as Acuity's check-times
// answers one time: the datetime as sent, the type, the calendar (as sent,
// or the type's first, where a booking would go) and "valid": true when the
// datetime is one of the type's free slots (SetAvailability, less what was
// booked), else "valid": false with a "reason". A type or a calendar the
// account does not have, or a datetime missing or not in Acuity's layout
// (or RFC 3339), is a 400.
func (s *Server) validateTime(r *http.Request, a *acuityAccount) (any, error) {
	var b struct {
		AppointmentTypeID flex.Int64 `json:"appointmentTypeID"`
		CalendarID        flex.Int64 `json:"calendarID"`
		Datetime          string     `json:"datetime"`
	}
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	typeID, calID := int64(b.AppointmentTypeID), int64(b.CalendarID)
	rawType, ok := a.types[typeID]
	if !ok {
		return nil, fmt.Errorf("appointmentTypeID %d is not an appointment type of this account", typeID)
	}
	start, err := parseAcuityTime(b.Datetime)
	if err != nil {
		return nil, fmt.Errorf("datetime %q is not in the layout %s", b.Datetime, acuity.DatetimeLayout)
	}
	if calID == 0 {
		calID = typeCalendar(rawType)
	} else if _, ok := a.calendars[calID]; !ok {
		return nil, fmt.Errorf("calendarID %d is not a calendar of this account", calID)
	}
	check := timeCheck{Datetime: b.Datetime, AppointmentTypeID: typeID, CalendarID: calID,
		Valid: slices.ContainsFunc(a.slots[typeID], start.Equal)}
	if !check.Valid {
		check.Reason = notAvailable
	}
	return check, nil
}

// typeCalendar returns the first of an appointment type's calendarIDs, where
// Acuity books (and checks) a time when no calendar is named; 0 for none.
func typeCalendar(rawType json.RawMessage) int64 {
	var typ struct {
		CalendarIDs []flex.Int64 `json:"calendarIDs"`
	}
	_ = json.Unmarshal(rawType, &typ) // stored by SetAppointmentType; missing fields stay zero
	if len(typ.CalendarIDs) == 0 {
		return 0
	}
	return int64(typ.CalendarIDs[0])
}
