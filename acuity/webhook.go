package acuity

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/elementsgo/elements/internal/redact"
	"github.com/elementsgo/elements/webhook"
)

// Actions Acuity sends in the action field of its webhooks.
//
// Webhooks set up in Acuity's settings page use the classic names
// (ActionScheduled, ...); webhooks created through Acuity's webhooks API use
// the "appointment."-prefixed names (ActionAppointmentScheduled, ...). Both
// use ActionOrderCompleted for orders. Acuity sends ActionChanged alongside
// the other appointment actions, so receivers see the same change twice.
const (
	ActionScheduled      = "scheduled"
	ActionRescheduled    = "rescheduled"
	ActionCanceled       = "canceled"
	ActionChanged        = "changed"
	ActionOrderCompleted = "order.completed"

	ActionAppointmentScheduled   = "appointment.scheduled"
	ActionAppointmentRescheduled = "appointment.rescheduled"
	ActionAppointmentCanceled    = "appointment.canceled"
	ActionAppointmentChanged     = "appointment.changed"
)

// Object types of the platform's standardized events for Acuity.
const (
	ObjectAppointments = "appointments"
	ObjectOrders       = "orders"
)

// dynamicPrefix is what Acuity's webhooks API puts before appointment actions.
const dynamicPrefix = "appointment."

// Errors returned by ParseWebhook; test for them with errors.Is.
var (
	// ErrMalformedWebhook means the body is not a well-formed
	// application/x-www-form-urlencoded Acuity webhook: bad escaping, a field
	// given twice, or a calendarID/appointmentTypeID that is not an integer.
	ErrMalformedWebhook = errors.New("acuity: malformed webhook body")
	// ErrUnknownAction means the action field is missing or not one of the
	// documented Action constants.
	ErrUnknownAction = errors.New("acuity: webhook action missing or unknown")
	// ErrInvalidID means the id field is missing or not a positive integer.
	ErrInvalidID = errors.New("acuity: webhook id missing or not a positive integer")
)

// Webhook is Acuity's own webhook: the thin, form-encoded notice Acuity POSTs
// when an appointment or order changes. It carries ids only; fetch the
// appointment for details (see GetAppointment).
type Webhook struct {
	// Action is the action as Acuity sent it, in the classic
	// ("scheduled") or the dynamic ("appointment.scheduled") form.
	Action string
	// ID is the appointment's id, or the order's id for order.completed.
	ID int64
	// CalendarID is the calendar of the appointment; zero when absent
	// (orders).
	CalendarID int64
	// AppointmentTypeID is the appointment type; zero when absent (orders).
	AppointmentTypeID int64
}

// ParseWebhook parses the raw application/x-www-form-urlencoded body of an
// Acuity webhook, for example
//
//	action=scheduled&id=8801&calendarID=12&appointmentTypeID=3
//
// It accepts the classic and the dynamic action names and order.completed,
// and ignores fields it does not know. It returns an error wrapping
// ErrUnknownAction when the action is missing or unknown, ErrInvalidID when
// the id is missing or not a positive integer, and ErrMalformedWebhook for any
// other defect. Verify the signature over the same raw bytes (VerifySignature)
// before trusting the result.
func ParseWebhook(body []byte) (*Webhook, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: not a valid form encoding", ErrMalformedWebhook)
	}
	return webhookFromForm(form)
}

// webhookFromForm validates the fields of an Acuity webhook; see ParseWebhook.
func webhookFromForm(form url.Values) (*Webhook, error) {
	for _, k := range []string{"action", "id", "calendarID", "appointmentTypeID"} {
		if len(form[k]) > 1 {
			return nil, fmt.Errorf("%w: field %s given %d times", ErrMalformedWebhook, k, len(form[k]))
		}
	}
	w := &Webhook{Action: form.Get("action")}
	if !knownAction(w.Action) {
		if w.Action == "" {
			return nil, fmt.Errorf("%w: no action field", ErrUnknownAction)
		}
		return nil, fmt.Errorf("%w: action %s", ErrUnknownAction, redact.Quote(w.Action))
	}
	if !form.Has("id") {
		return nil, fmt.Errorf("%w: no id field", ErrInvalidID)
	}
	var err error
	w.ID, err = strconv.ParseInt(form.Get("id"), 10, 64)
	if err != nil || w.ID <= 0 {
		return nil, fmt.Errorf("%w: id %s", ErrInvalidID, redact.Quote(form.Get("id")))
	}
	if w.CalendarID, err = optionalID(form, "calendarID"); err != nil {
		return nil, err
	}
	if w.AppointmentTypeID, err = optionalID(form, "appointmentTypeID"); err != nil {
		return nil, err
	}
	return w, nil
}

// optionalID parses a non-negative integer field that may be absent or empty.
func optionalID(form url.Values, key string) (int64, error) {
	v := form.Get(key)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s %s is not a non-negative integer", ErrMalformedWebhook, key, redact.Quote(v))
	}
	return n, nil
}

// MarshalJSON encodes w the way the platform passes Acuity's webhook on in a
// notification's message.raw: an object of the form's fields with string
// values, zero calendarID and appointmentTypeID left out, e.g.
//
//	{"action":"rescheduled","id":"8801","calendarID":"12","appointmentTypeID":"3"}
//
// ParseRaw reads it back.
func (w Webhook) MarshalJSON() ([]byte, error) {
	raw := struct {
		Action            string `json:"action"`
		ID                string `json:"id"`
		CalendarID        string `json:"calendarID,omitempty"`
		AppointmentTypeID string `json:"appointmentTypeID,omitempty"`
	}{Action: w.Action, ID: strconv.FormatInt(w.ID, 10)}
	if w.CalendarID != 0 {
		raw.CalendarID = strconv.FormatInt(w.CalendarID, 10)
	}
	if w.AppointmentTypeID != 0 {
		raw.AppointmentTypeID = strconv.FormatInt(w.AppointmentTypeID, 10)
	}
	return json.Marshal(raw)
}

// ClassicAction returns the action in its classic form: "scheduled" for both
// "scheduled" and "appointment.scheduled"; other actions are returned as they
// are.
func (w Webhook) ClassicAction() string {
	return classicAction(w.Action)
}

// PlatformEvent returns the object type and event type the platform reports
// for this webhook; see the package-level PlatformEvent.
func (w Webhook) PlatformEvent() (objectType string, eventType webhook.EventType) {
	objectType, eventType, _ = PlatformEvent(w.Action)
	return objectType, eventType
}

// PlatformEvent maps an Acuity webhook action, in either form, to the object
// type and event type of the platform's standardized event:
//
//	scheduled                       appointments  CREATED
//	rescheduled, changed, canceled  appointments  UPDATED
//	order.completed                 orders        CREATED
//
// A canceled appointment still exists in Acuity, hence UPDATED rather than
// DELETED. For an unknown action it returns "", webhook.EventUnknown, false.
//
// The mapping is inferred from the platform's documentation and observed
// notifications, not stated by it; this function is the one place it lives.
func PlatformEvent(action string) (objectType string, eventType webhook.EventType, ok bool) {
	switch classicAction(action) {
	case ActionScheduled:
		return ObjectAppointments, webhook.EventCreated, true
	case ActionRescheduled, ActionChanged, ActionCanceled:
		return ObjectAppointments, webhook.EventUpdated, true
	case ActionOrderCompleted:
		return ObjectOrders, webhook.EventCreated, true
	}
	return "", webhook.EventUnknown, false
}

// classicAction strips the dynamic-webhook prefix from appointment actions.
func classicAction(action string) string {
	switch action {
	case ActionAppointmentScheduled, ActionAppointmentRescheduled,
		ActionAppointmentCanceled, ActionAppointmentChanged:
		return strings.TrimPrefix(action, dynamicPrefix)
	}
	return action
}

// knownAction reports whether action is one of the documented actions.
func knownAction(action string) bool {
	_, _, ok := PlatformEvent(action)
	return ok
}
