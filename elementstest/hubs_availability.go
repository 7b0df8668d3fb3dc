package elementstest

import (
	"fmt"
	"net/http"
	"time"

	"github.com/elementsgo/elements/acuity"
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
