package acuity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
)

// DatetimeLayout is the time layout of Acuity's datetime and datetimeCreated
// fields, for example "2013-06-17T10:15:00-0700".
const DatetimeLayout = "2006-01-02T15:04:05-0700"

// Appointment is an Acuity Scheduling appointment as Acuity's API (and the
// platform's /hubs/scheduling/appointments resource) returns it.
//
// Decoding turns Acuity's string-typed fields into Go types where the
// meaning is unambiguous: datetime and datetimeCreated become time.Time (with
// the offset Acuity sent), duration (minutes, sent as a string) becomes a
// time.Duration, and paid ("yes"/"no") becomes a bool. Money amounts stay
// decimal strings such as "30.00", exactly as sent, so no precision is lost;
// parse them with the decimal type of your choice. Ids sent as numbers or as
// strings are both accepted. Raw keeps the record exactly as it came, so
// fields the SDK does not model (isVerified, subCalendarID, whatever Acuity
// adds) are not lost: store Raw to keep everything.
//
// Appointment has no MarshalJSON: encoding it with encoding/json produces Go
// field names and types, not Acuity's format (Raw is Acuity's format).
type Appointment struct {
	ID        int64
	FirstName string
	LastName  string
	Phone     string
	Email     string

	// Date, Time, EndTime and DateCreated are Acuity's display strings
	// ("June 17, 2013", "10:15am"), in the calendar's time zone.
	Date        string
	Time        string
	EndTime     string
	DateCreated string
	// Datetime is the start of the appointment.
	Datetime time.Time
	// DatetimeCreated is when the appointment was booked; zero if absent.
	DatetimeCreated time.Time
	// Duration is the length of the appointment.
	Duration time.Duration

	// Price, PriceSold and AmountPaid are decimal strings, e.g. "30.00".
	Price      string
	PriceSold  string
	AmountPaid string
	// Paid is Acuity's paid field: true for "yes", false for "no" (a JSON
	// boolean is accepted too).
	Paid bool

	Type              string // name of the appointment type
	AppointmentTypeID int64
	// ClassID is the class the appointment books, or 0 when it is not a class
	// booking (Acuity sends null).
	ClassID    int64
	AddonIDs   []int64
	Category   string
	Calendar   string // name of the calendar
	CalendarID int64

	CanClientCancel     bool
	CanClientReschedule bool
	Canceled            bool
	NoShow              bool

	Location         string
	Certificate      string // package or coupon code, empty when none
	ConfirmationPage string // URL of the client's confirmation page
	Notes            string
	FormsText        string // all intake form answers as one text
	Timezone         string // client's IANA time zone, e.g. "America/New_York"
	CalendarTimezone string // calendar's IANA time zone
	ScheduledBy      string // who booked it, empty when the client did

	Forms []Form
	// Labels is nil when Acuity sends null (no labels).
	Labels []Label

	// Raw is the appointment's JSON exactly as the platform sent it, the
	// fields above and every field the SDK does not model.
	Raw json.RawMessage
}

// Form is one intake form filled in for an appointment.
type Form struct {
	ID     int64
	Name   string
	Values []FormValue
}

// FormValue is the answer to one field of an intake form.
type FormValue struct {
	ID      int64
	FieldID int64
	Name    string // the field's label
	Value   string
}

// Label is a label attached to an appointment.
type Label struct {
	ID    int64
	Name  string
	Color string
}

// maxMinutes is the longest duration, in minutes, a time.Duration holds.
const maxMinutes = int64(math.MaxInt64 / time.Minute)

// appointmentJSON is Acuity's wire shape of an appointment.
type appointmentJSON struct {
	ID                  flex.Int64   `json:"id"`
	FirstName           flex.String  `json:"firstName"`
	LastName            flex.String  `json:"lastName"`
	Phone               flex.String  `json:"phone"`
	Email               flex.String  `json:"email"`
	Date                flex.String  `json:"date"`
	Time                flex.String  `json:"time"`
	EndTime             flex.String  `json:"endTime"`
	DateCreated         flex.String  `json:"dateCreated"`
	Datetime            flex.String  `json:"datetime"`
	DatetimeCreated     flex.String  `json:"datetimeCreated"`
	Duration            flex.String  `json:"duration"`
	Price               flex.String  `json:"price"`
	PriceSold           flex.String  `json:"priceSold"`
	AmountPaid          flex.String  `json:"amountPaid"`
	Paid                flex.String  `json:"paid"`
	Type                flex.String  `json:"type"`
	AppointmentTypeID   flex.Int64   `json:"appointmentTypeID"`
	ClassID             flex.Int64   `json:"classID"`
	AddonIDs            []flex.Int64 `json:"addonIDs"`
	Category            flex.String  `json:"category"`
	Calendar            flex.String  `json:"calendar"`
	CalendarID          flex.Int64   `json:"calendarID"`
	CanClientCancel     bool         `json:"canClientCancel"`
	CanClientReschedule bool         `json:"canClientReschedule"`
	Canceled            bool         `json:"canceled"`
	NoShow              bool         `json:"noShow"`
	Location            flex.String  `json:"location"`
	Certificate         flex.String  `json:"certificate"`
	ConfirmationPage    flex.String  `json:"confirmationPage"`
	Notes               flex.String  `json:"notes"`
	FormsText           flex.String  `json:"formsText"`
	Timezone            flex.String  `json:"timezone"`
	CalendarTimezone    flex.String  `json:"calendarTimezone"`
	ScheduledBy         flex.String  `json:"scheduledBy"`
	Forms               []formJSON   `json:"forms"`
	Labels              []labelJSON  `json:"labels"`
}

type formJSON struct {
	ID     flex.Int64      `json:"id"`
	Name   flex.String     `json:"name"`
	Values []formValueJSON `json:"values"`
}

type formValueJSON struct {
	ID      flex.Int64  `json:"id"`
	FieldID flex.Int64  `json:"fieldID"`
	Name    flex.String `json:"name"`
	Value   flex.String `json:"value"`
}

type labelJSON struct {
	ID    flex.Int64  `json:"id"`
	Name  flex.String `json:"name"`
	Color flex.String `json:"color"`
}

// UnmarshalJSON decodes Acuity's JSON for an appointment; see Appointment.
// It fails on a JSON value that is not an object, an unparseable datetime or
// datetimeCreated, a duration that is not a whole number of minutes, and a
// paid value other than "yes", "no" or a JSON boolean. It keeps a copy of b
// in Raw.
func (a *Appointment) UnmarshalJSON(b []byte) error {
	return decodeRecord(a, b, "appointment", (*appointmentJSON).appointment)
}

// decodeRecord decodes b, one record's JSON, into the wire form W and
// converts that into *dst with conv, which keeps raw (a copy of b) as the
// record's Raw. It is the one decode path of the package's records: a
// single answer and every element of a list page are decoded by the
// records' UnmarshalJSON, which calls it. *dst is changed only on success.
func decodeRecord[T, W any](dst *T, b []byte, what string, conv func(*W, json.RawMessage) (T, error)) error {
	var in W
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("acuity: decoding %s: %w", what, err)
	}
	v, err := conv(&in, bytes.Clone(b))
	if err != nil {
		return fmt.Errorf("acuity: decoding %s: %w", what, err)
	}
	*dst = v
	return nil
}

// appointment converts the wire form, keeping raw as Raw; see
// Appointment.UnmarshalJSON.
func (in *appointmentJSON) appointment(raw json.RawMessage) (Appointment, error) {
	start, err := parseDatetime("datetime", string(in.Datetime))
	if err != nil {
		return Appointment{}, err
	}
	created, err := parseDatetime("datetimeCreated", string(in.DatetimeCreated))
	if err != nil {
		return Appointment{}, err
	}
	duration, err := minutes("duration", string(in.Duration))
	if err != nil {
		return Appointment{}, err
	}
	var paid bool
	switch in.Paid {
	case "yes", "true":
		paid = true
	case "no", "false", "":
	default:
		return Appointment{}, fmt.Errorf("paid %s is not \"yes\" or \"no\"", redact.Quote(string(in.Paid)))
	}

	a := Appointment{
		ID:                  int64(in.ID),
		FirstName:           string(in.FirstName),
		LastName:            string(in.LastName),
		Phone:               string(in.Phone),
		Email:               string(in.Email),
		Date:                string(in.Date),
		Time:                string(in.Time),
		EndTime:             string(in.EndTime),
		DateCreated:         string(in.DateCreated),
		Datetime:            start,
		DatetimeCreated:     created,
		Duration:            duration,
		Price:               string(in.Price),
		PriceSold:           string(in.PriceSold),
		AmountPaid:          string(in.AmountPaid),
		Paid:                paid,
		Type:                string(in.Type),
		AppointmentTypeID:   int64(in.AppointmentTypeID),
		ClassID:             int64(in.ClassID),
		Category:            string(in.Category),
		Calendar:            string(in.Calendar),
		CalendarID:          int64(in.CalendarID),
		CanClientCancel:     in.CanClientCancel,
		CanClientReschedule: in.CanClientReschedule,
		Canceled:            in.Canceled,
		NoShow:              in.NoShow,
		Location:            string(in.Location),
		Certificate:         string(in.Certificate),
		ConfirmationPage:    string(in.ConfirmationPage),
		Notes:               string(in.Notes),
		FormsText:           string(in.FormsText),
		Timezone:            string(in.Timezone),
		CalendarTimezone:    string(in.CalendarTimezone),
		ScheduledBy:         string(in.ScheduledBy),
		Raw:                 raw,
	}
	a.AddonIDs = ids(in.AddonIDs)
	if in.Forms != nil {
		a.Forms = make([]Form, len(in.Forms))
		for i, f := range in.Forms {
			a.Forms[i] = Form{ID: int64(f.ID), Name: string(f.Name)}
			if f.Values != nil {
				a.Forms[i].Values = make([]FormValue, len(f.Values))
				for j, v := range f.Values {
					a.Forms[i].Values[j] = FormValue{ID: int64(v.ID), FieldID: int64(v.FieldID), Name: string(v.Name), Value: string(v.Value)}
				}
			}
		}
	}
	if in.Labels != nil {
		a.Labels = make([]Label, len(in.Labels))
		for i, l := range in.Labels {
			a.Labels[i] = Label{ID: int64(l.ID), Name: string(l.Name), Color: string(l.Color)}
		}
	}
	return a, nil
}

// parseDatetime parses one of Acuity's datetime fields: DatetimeLayout, or
// RFC 3339 as a fallback; an empty value is the zero time. The error names
// the field and the value; the caller says what was being decoded.
func parseDatetime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(DatetimeLayout, v)
	if err != nil {
		var err2 error
		if t, err2 = time.Parse(time.RFC3339, v); err2 != nil {
			return time.Time{}, fmt.Errorf("%s %s is not in the layout %s", field, redact.Quote(v), DatetimeLayout)
		}
	}
	return t, nil
}
