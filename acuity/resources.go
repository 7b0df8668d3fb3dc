package acuity

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
)

// AppointmentType is one of the account's appointment types (services,
// classes, series), as /hubs/scheduling/appointment-types returns it.
// Durations come from Acuity's minutes; the price stays a decimal string.
// Raw keeps the record as it came, fields the SDK does not model included.
type AppointmentType struct {
	ID          int64
	Name        string
	Description string
	// Duration is the length of one appointment of this type.
	Duration time.Duration
	// Price is a decimal string, e.g. "30.00".
	Price    string
	Category string
	Color    string
	Active   bool
	Private  bool
	// Type is "service", "class" or "series".
	Type string
	// ClassSize is the number of seats of a class; 0 for services.
	ClassSize     int64
	PaddingBefore time.Duration
	PaddingAfter  time.Duration
	CalendarIDs   []int64
	AddonIDs      []int64
	FormIDs       []int64
	Image         string
	SchedulingURL string
	// Raw is the appointment type's JSON exactly as the platform sent it.
	Raw json.RawMessage
}

type appointmentTypeJSON struct {
	ID            flex.Int64   `json:"id"`
	Name          flex.String  `json:"name"`
	Description   flex.String  `json:"description"`
	Duration      flex.String  `json:"duration"`
	Price         flex.String  `json:"price"`
	Category      flex.String  `json:"category"`
	Color         flex.String  `json:"color"`
	Active        flex.String  `json:"active"`
	Private       flex.String  `json:"private"`
	Type          flex.String  `json:"type"`
	ClassSize     flex.Int64   `json:"classSize"`
	PaddingBefore flex.String  `json:"paddingBefore"`
	PaddingAfter  flex.String  `json:"paddingAfter"`
	CalendarIDs   []flex.Int64 `json:"calendarIDs"`
	AddonIDs      []flex.Int64 `json:"addonIDs"`
	FormIDs       []flex.Int64 `json:"formIDs"`
	Image         flex.String  `json:"image"`
	SchedulingURL flex.String  `json:"schedulingUrl"`
}

// UnmarshalJSON decodes Acuity's JSON for an appointment type. It fails on
// a value that is not an object and on durations or paddings that are not
// whole minutes. Ids and numbers sent as strings are accepted. It keeps a
// copy of b in Raw.
func (t *AppointmentType) UnmarshalJSON(b []byte) error {
	return decodeRecord(t, b, "appointment type", (*appointmentTypeJSON).appointmentType)
}

// appointmentType converts the wire form, keeping raw as Raw; see
// AppointmentType.UnmarshalJSON.
func (in *appointmentTypeJSON) appointmentType(raw json.RawMessage) (AppointmentType, error) {
	var d [3]time.Duration
	for i, f := range []struct {
		name string
		v    flex.String
	}{{"duration", in.Duration}, {"paddingBefore", in.PaddingBefore}, {"paddingAfter", in.PaddingAfter}} {
		var err error
		if d[i], err = minutes(f.name, string(f.v)); err != nil {
			return AppointmentType{}, err
		}
	}
	return AppointmentType{
		ID: int64(in.ID), Name: string(in.Name), Description: string(in.Description),
		Duration: d[0], Price: string(in.Price), Category: string(in.Category), Color: string(in.Color),
		Active: in.Active == "true", Private: in.Private == "true", Type: string(in.Type),
		ClassSize: int64(in.ClassSize), PaddingBefore: d[1], PaddingAfter: d[2],
		CalendarIDs: ids(in.CalendarIDs), AddonIDs: ids(in.AddonIDs), FormIDs: ids(in.FormIDs),
		Image: string(in.Image), SchedulingURL: string(in.SchedulingURL), Raw: raw,
	}, nil
}

// Calendar is one of the account's calendars (staff members, rooms), as
// /hubs/scheduling/calendars returns it. Raw keeps the record as it came.
type Calendar struct {
	ID          int64
	Name        string
	Email       string
	ReplyTo     string
	Description string
	Location    string
	// Timezone is the calendar's IANA time zone, e.g. "America/Chicago".
	Timezone  string
	Thumbnail string
	Image     string
	// Raw is the calendar's JSON exactly as the platform sent it.
	Raw json.RawMessage
}

type calendarJSON struct {
	ID          flex.Int64  `json:"id"`
	Name        flex.String `json:"name"`
	Email       flex.String `json:"email"`
	ReplyTo     flex.String `json:"replyTo"`
	Description flex.String `json:"description"`
	Location    flex.String `json:"location"`
	Timezone    flex.String `json:"timezone"`
	Thumbnail   flex.String `json:"thumbnail"`
	Image       flex.String `json:"image"`
}

// UnmarshalJSON decodes Acuity's JSON for a calendar; ids sent as strings
// are accepted. It keeps a copy of b in Raw.
func (c *Calendar) UnmarshalJSON(b []byte) error {
	return decodeRecord(c, b, "calendar", (*calendarJSON).calendar)
}

// calendar converts the wire form, keeping raw as Raw; it cannot fail.
func (in *calendarJSON) calendar(raw json.RawMessage) (Calendar, error) {
	return Calendar{
		ID: int64(in.ID), Name: string(in.Name), Email: string(in.Email), ReplyTo: string(in.ReplyTo),
		Description: string(in.Description), Location: string(in.Location), Timezone: string(in.Timezone),
		Thumbnail: string(in.Thumbnail), Image: string(in.Image), Raw: raw,
	}, nil
}

// minutes reads one of Acuity's minute counts ("45" or 45); "" is zero.
func minutes(field, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	m, err := strconv.ParseInt(v, 10, 64)
	if err != nil || m < 0 || m > maxMinutes {
		return 0, fmt.Errorf("%s %s is not a whole number of minutes", field, redact.Quote(v))
	}
	return time.Duration(m) * time.Minute, nil
}

// ids converts a list of ids, keeping nil as nil.
func ids(in []flex.Int64) []int64 {
	if in == nil {
		return nil
	}
	out := make([]int64, len(in))
	for i, id := range in {
		out[i] = int64(id)
	}
	return out
}
