package elementstest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/internal/flex"
)

// ceqlAnd splits a CEQL where clause into its conditions.
var ceqlAnd = regexp.MustCompile(`(?i)\s+and\s+`)

// appointmentFilter is what a where clause on appointments selects.
type appointmentFilter struct {
	minDate, maxDate   string
	calendarID, typeID int64
	email              string
	canceled           bool
}

// parseAppointmentsWhere reads the CEQL the acuity package sends (its
// appointmentsWhere, an inferred mapping): conditions joined by "and", each
// key='text' or key=number, for minDate, maxDate (dates read leniently,
// as the hub reads them), calendarID, appointmentTypeID, email and
// canceled. Anything else is a 400.
func parseAppointmentsWhere(where string) (appointmentFilter, error) {
	var f appointmentFilter
	if strings.TrimSpace(where) == "" {
		return f, nil
	}
	for _, cond := range ceqlAnd.Split(strings.TrimSpace(where), -1) {
		key, val, ok := strings.Cut(cond, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok {
			return f, fmt.Errorf("where: condition %q is not key=value", cond)
		}
		if len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'' {
			val = val[1 : len(val)-1]
		}
		var err error
		switch key {
		case "minDate", "maxDate":
			day, derr := lenientDate(val, dayLayout, looseDayLayout)
			if derr != nil {
				return f, fmt.Errorf("where: %s must be a date YYYY-MM-DD (or YYYY-M-D), got %q", key, val)
			}
			val = day
			if key == "minDate" {
				f.minDate = val
			} else {
				f.maxDate = val
			}
		case "calendarID":
			f.calendarID, err = strconv.ParseInt(val, 10, 64)
		case "appointmentTypeID":
			f.typeID, err = strconv.ParseInt(val, 10, 64)
		case "email":
			f.email = val
		case "canceled":
			f.canceled, err = strconv.ParseBool(val)
		default:
			return f, fmt.Errorf("where: unknown field %q", key)
		}
		if err != nil {
			return f, fmt.Errorf("where: %s has an invalid value %q", key, val)
		}
	}
	return f, nil
}

func (f *appointmentFilter) match(st *storedAppointment) bool {
	return st.canceled == f.canceled &&
		(f.minDate == "" || st.date >= f.minDate) &&
		(f.maxDate == "" || st.date <= f.maxDate) &&
		(f.calendarID == 0 || st.calendarID == f.calendarID) &&
		(f.typeID == 0 || st.typeID == f.typeID) &&
		(f.email == "" || strings.EqualFold(st.email, f.email))
}

// listAppointments answers GET /hubs/scheduling/appointments?where=...,
// oldest first (then by id; the fake's choice), without canceled
// appointments unless the where clause asks for canceled='true' (then only
// those, as Acuity's canceled=true).
func (s *Server) listAppointments(r *http.Request, a *acuityAccount) (any, error) {
	f, err := parseAppointmentsWhere(r.URL.Query().Get("where"))
	if err != nil {
		return nil, err
	}
	type hit struct {
		id int64
		st *storedAppointment
	}
	var hits []hit
	for id, st := range a.appointments {
		if f.match(st) {
			hits = append(hits, hit{id, st})
		}
	}
	slices.SortFunc(hits, func(x, y hit) int {
		return cmp.Or(x.st.datetime.Compare(y.st.datetime), cmp.Compare(x.id, y.id))
	})
	items := make([]json.RawMessage, len(hits))
	for i, h := range hits {
		items[i] = h.st.raw
	}
	return pageOf{"appointments", items}, nil
}

func (s *Server) getAppointment(r *http.Request, a *acuityAccount) (any, error) {
	_, st, err := a.appointment(r)
	if err != nil {
		return nil, err
	}
	return st.raw, nil
}

// bookAppointment answers POST /hubs/scheduling/appointments: it books the
// body's appointment type (one of the account's) at its datetime, on its
// calendarID or the type's first calendar, and answers the new appointment
// in Acuity's JSON, its datetime in the calendar's time zone when that zone
// is known. Availability is not checked (as for an admin booking); a booked
// slot is taken out of the type's availability.
func (s *Server) bookAppointment(r *http.Request, a *acuityAccount) (any, error) {
	var b struct {
		AppointmentTypeID flex.Int64  `json:"appointmentTypeID"`
		CalendarID        flex.Int64  `json:"calendarID"`
		Datetime          string      `json:"datetime"`
		FirstName         string      `json:"firstName"`
		LastName          string      `json:"lastName"`
		Email             string      `json:"email"`
		Phone             flex.String `json:"phone"`
		Notes             string      `json:"notes"`
	}
	if err := decodeBody(r, &b); err != nil {
		return nil, err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"firstName", b.FirstName}, {"lastName", b.LastName}, {"email", b.Email}, {"datetime", b.Datetime}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("required fields missing: %s", strings.Join(missing, ", "))
	}
	start, err := parseAcuityTime(b.Datetime)
	if err != nil {
		return nil, fmt.Errorf("datetime %q is not in the layout %s", b.Datetime, acuity.DatetimeLayout)
	}
	rawType, ok := a.types[int64(b.AppointmentTypeID)]
	if !ok {
		return nil, fmt.Errorf("appointmentTypeID %d is not an appointment type of this account", b.AppointmentTypeID)
	}
	var typ struct {
		Name     flex.String `json:"name"`
		Duration flex.Int64  `json:"duration"`
		Price    flex.String `json:"price"`
		Category flex.String `json:"category"`
	}
	_ = json.Unmarshal(rawType, &typ) // stored by SetAppointmentType; missing fields stay zero
	calID := int64(b.CalendarID)
	if calID == 0 {
		calID = typeCalendar(rawType)
	}
	var cal struct {
		Name     flex.String `json:"name"`
		Timezone flex.String `json:"timezone"`
	}
	if rawCal, ok := a.calendars[calID]; ok {
		_ = json.Unmarshal(rawCal, &cal)
	} else if b.CalendarID != 0 {
		return nil, fmt.Errorf("calendarID %d is not a calendar of this account", b.CalendarID)
	}
	if loc, err := time.LoadLocation(string(cal.Timezone)); err == nil && cal.Timezone != "" {
		start = start.In(loc)
	}
	var id int64
	for k := range a.appointments {
		id = max(id, k)
	}
	id++
	now := time.Now().In(start.Location())
	price := string(typ.Price)
	if price == "" {
		price = "0.00"
	}
	appt := map[string]any{
		"id": id, "firstName": b.FirstName, "lastName": b.LastName, "phone": string(b.Phone), "email": b.Email,
		"dateCreated": now.Format("January 2, 2006"), "datetimeCreated": now.Format(acuity.DatetimeLayout),
		"price": price, "priceSold": price, "amountPaid": "0.00", "paid": "no",
		"type": string(typ.Name), "appointmentTypeID": int64(b.AppointmentTypeID), "classID": nil, "addonIDs": []int64{},
		"category": string(typ.Category), "calendar": string(cal.Name), "calendarID": calID,
		"canClientCancel": true, "canClientReschedule": true, "canceled": false, "noShow": false,
		"location": "", "certificate": nil, "confirmationPage": fmt.Sprintf("https://acuityscheduling.com/schedule.php?action=appt&id=%d", id),
		"formsText": "", "notes": b.Notes, "timezone": string(cal.Timezone), "calendarTimezone": string(cal.Timezone),
		"scheduledBy": nil, "forms": []any{}, "labels": nil,
	}
	setStart(appt, start, time.Duration(typ.Duration)*time.Minute)
	raw, err := json.Marshal(appt)
	if err != nil {
		return nil, err
	}
	st := indexAppointment(raw)
	a.appointments[id] = st
	a.webhook(acuity.ActionScheduled, id, st)
	tid := int64(b.AppointmentTypeID)
	a.slots[tid] = slices.DeleteFunc(a.slots[tid], start.Equal)
	return json.RawMessage(raw), nil
}

// setStart sets an appointment's datetime, duration and display fields.
func setStart(appt map[string]any, start time.Time, d time.Duration) {
	appt["datetime"] = start.Format(acuity.DatetimeLayout)
	appt["date"] = start.Format("January 2, 2006")
	appt["time"] = start.Format("3:04pm")
	appt["endTime"] = start.Add(d).Format("3:04pm")
	appt["duration"] = strconv.FormatInt(int64(d/time.Minute), 10)
}

// changeAppointment applies change to the stored appointment named in the
// path, as a map of its JSON fields, stores and answers the result, and
// queues the webhook whose action change returns ("" for none).
func (a *acuityAccount) changeAppointment(r *http.Request, change func(appt map[string]any, st *storedAppointment) (action string, err error)) (any, error) {
	id, st, err := a.appointment(r)
	if err != nil {
		return nil, err
	}
	var appt map[string]any
	if err := json.Unmarshal(st.raw, &appt); err != nil {
		return nil, statusErrorf(http.StatusInternalServerError, "stored appointment %d is not a JSON object", id)
	}
	action, err := change(appt, st)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(appt)
	if err != nil {
		return nil, err
	}
	st = indexAppointment(raw)
	a.appointments[id] = st
	a.webhook(action, id, st)
	return json.RawMessage(raw), nil
}

// patchAppointment answers PATCH /hubs/scheduling/appointments/{id} with
// the fields Acuity lets one change: the client's (firstName, lastName,
// email, phone, notes), certificate, smsOptIn, fields ([{id, value}]: the
// answers to intake form fields, by field id) and labels ([{id}]; empty
// removes the label). Any other field, an unknown form field or a value of
// the wrong type is a 400; the time changes through .../reschedule.
func (s *Server) patchAppointment(r *http.Request, a *acuityAccount) (any, error) {
	var body map[string]json.RawMessage
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	return a.changeAppointment(r, func(appt map[string]any, _ *storedAppointment) (string, error) {
		for k, v := range body {
			if err := patchField(appt, k, v); err != nil {
				return "", err
			}
		}
		return acuity.ActionChanged, nil
	})
}

// patchField sets field k of appt from v, the value a PATCH sent.
func patchField(appt map[string]any, k string, v json.RawMessage) error {
	switch k {
	case "firstName", "lastName", "email", "phone", "notes", "certificate":
		var sv flex.String
		if err := json.Unmarshal(v, &sv); err != nil {
			return statusErrorf(http.StatusBadRequest, "field %q must be a string", k)
		}
		appt[k] = string(sv)
	case "smsOptIn":
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return statusErrorf(http.StatusBadRequest, "field %q must be a boolean", k)
		}
		appt[k] = b
	case "labels":
		var ls []struct {
			ID flex.Int64 `json:"id"`
		}
		if err := json.Unmarshal(v, &ls); err != nil {
			return statusErrorf(http.StatusBadRequest, "field %q must be a list of {id}", k)
		}
		labels := make([]any, 0, len(ls))
		for _, l := range ls {
			labels = append(labels, map[string]any{"id": int64(l.ID), "name": "", "color": ""})
		}
		appt[k] = labels
		if len(labels) == 0 {
			appt[k] = nil
		}
	case "fields":
		var fs []struct {
			ID    flex.Int64  `json:"id"`
			Value flex.String `json:"value"`
		}
		if err := json.Unmarshal(v, &fs); err != nil {
			return statusErrorf(http.StatusBadRequest, "field %q must be a list of {id, value}", k)
		}
		for _, f := range fs {
			if !setFormValue(appt, int64(f.ID), string(f.Value)) {
				return statusErrorf(http.StatusBadRequest, "the appointment's forms have no field %d", int64(f.ID))
			}
		}
	default:
		return statusErrorf(http.StatusBadRequest, "field %q cannot be changed; use the reschedule resource for the time", k)
	}
	return nil
}

// setFormValue sets the answer of intake form field id in appt's forms and
// reports whether the appointment has that field.
func setFormValue(appt map[string]any, id int64, value string) bool {
	forms, _ := appt["forms"].([]any)
	found := false
	for _, f := range forms {
		form, _ := f.(map[string]any)
		values, _ := form["values"].([]any)
		for _, fv := range values {
			entry, _ := fv.(map[string]any)
			if n, ok := entry["fieldID"].(float64); ok && int64(n) == id {
				entry["value"] = value
				found = true
			}
		}
	}
	return found
}

// rescheduleAppointment answers PATCH .../appointments/{id}/reschedule with
// {"datetime"}: the appointment moves, keeping its duration and the
// datetime's offset; a canceled appointment cannot move (400).
func (s *Server) rescheduleAppointment(r *http.Request, a *acuityAccount) (any, error) {
	var body struct {
		Datetime string `json:"datetime"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	start, err := parseAcuityTime(body.Datetime)
	if err != nil {
		return nil, fmt.Errorf("datetime %q is not in the layout %s", body.Datetime, acuity.DatetimeLayout)
	}
	return a.changeAppointment(r, func(appt map[string]any, st *storedAppointment) (string, error) {
		if st.canceled {
			return "", fmt.Errorf("a canceled appointment cannot be rescheduled")
		}
		d, _ := flex.Text(appt["duration"]) // Acuity's duration: minutes, as text or a number
		minutes, _ := strconv.ParseInt(d, 10, 64)
		setStart(appt, start, time.Duration(minutes)*time.Minute)
		return acuity.ActionRescheduled, nil
	})
}

// cancelAppointment answers DELETE /hubs/scheduling/appointments/{id}: the
// appointment stays, with canceled true, and is answered. Canceling again
// answers the same (so a retried DELETE succeeds) and changes nothing.
func (s *Server) cancelAppointment(r *http.Request, a *acuityAccount) (any, error) {
	return a.changeAppointment(r, func(appt map[string]any, st *storedAppointment) (string, error) {
		if st.canceled {
			return "", nil
		}
		appt["canceled"] = true
		return acuity.ActionCanceled, nil
	})
}
