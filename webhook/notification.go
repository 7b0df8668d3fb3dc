package webhook

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
)

// ErrMalformedNotification is wrapped by every error [ParseNotification]
// returns; the error text after it says what was wrong.
var ErrMalformedNotification = errors.New("webhook: malformed notification")

// Notification is one event callback the platform POSTs to an instance's
// event.notification.callback.url: the standardized events of one element
// instance plus the vendor's own payload.
//
// The JSON body is {"message": {...}}; some accounts add the wrapper fields
// "severity", "topic", "action", "id" and "user" beside "message", which fill
// the fields of the same names here (zero otherwise).
type Notification struct {
	ElementKey   string // element key, e.g. "acuityscheduling"
	EventID      string // the platform's id for this notification; numbers are kept as their decimal text
	InstanceID   int64  // from "instanceId", or "instance_id" when "instanceId" is absent, null or 0
	InstanceName string
	AccountID    int64
	CompanyID    int64
	UserID       int64

	// Raw is the vendor's own webhook exactly as the platform passed it on
	// (the bytes of message.raw, untouched); nil when absent. For Acuity it
	// is an object of form fields or a form-encoded string: see package acuity.
	Raw json.RawMessage

	// Events holds the standardized events, in the order sent; the platform
	// sends up to 20 per notification. It is never nil for a parsed
	// notification, but may be empty.
	Events []Event

	// Optional wrapper fields, sent beside "message" by some accounts; zero
	// when absent. They describe the delivery, not the vendor's event.
	ID       string          // the wrapper's "id"; numbers kept as their decimal text
	Severity string          // "severity"
	Topic    string          // "topic"
	Action   string          // "action"
	User     json.RawMessage // "user", as sent (its shape is undocumented)
}

// Event is one standardized change inside a [Notification].
type Event struct {
	Date       time.Time // when the change happened; zero if the platform sent no date
	ElementKey string
	ObjectID   string // the vendor's id of the object; numbers are kept as their decimal text
	ObjectType string // e.g. "appointments"
	EventType  EventType
	HubKey     string    // e.g. "scheduling"; empty when absent
	PollDate   time.Time // for polled elements; zero when absent
}

// Shadow structs of the wire format, for decoding ([ParseNotification]) and
// encoding ([Notification.MarshalJSON]). Ids take a JSON number or a string:
// numeric ones through flex.Int64, textual ones through flex.String; dates
// go through flex.Time. Fields the documentation shows as strings stay plain
// strings, so a wrong type is reported rather than guessed at. The omitempty
// and omitzero options only shape the encoding: optional fields are left
// out when empty.
type wireBody struct {
	Message  *wireMessage    `json:"message"`
	ID       flex.String     `json:"id,omitempty"`
	Severity string          `json:"severity,omitempty"`
	Topic    string          `json:"topic,omitempty"`
	Action   string          `json:"action,omitempty"`
	User     json.RawMessage `json:"user,omitempty"`
}

type wireMessage struct {
	ElementKey   string          `json:"elementKey"`
	EventID      flex.String     `json:"eventId"`
	AccountID    flex.Int64      `json:"accountId"`
	CompanyID    flex.Int64      `json:"companyId"`
	InstanceID   flex.Int64      `json:"instanceId"`
	InstanceID2  flex.Int64      `json:"instance_id"`
	InstanceName string          `json:"instanceName"`
	UserID       flex.Int64      `json:"userId"`
	Raw          json.RawMessage `json:"raw,omitempty"`
	Events       []wireEvent     `json:"events"`
}

type wireEvent struct {
	Date       flex.Time   `json:"date,omitzero"`
	ElementKey string      `json:"elementKey"`
	EventType  string      `json:"eventType"`
	ObjectID   flex.String `json:"objectId"`
	ObjectType string      `json:"objectType"`
	HubKey     string      `json:"hubKey,omitempty"`
	PollDate   flex.Time   `json:"pollDate,omitzero"`
}

// ParseNotification decodes the body of an event callback, the whole
// {"message": {...}} document.
//
// It is tolerant where real payloads vary: ids may be JSON numbers or
// strings, the instance id may come as "instanceId" or "instance_id", dates
// may be RFC 3339 (also without the colon in the offset, or without an
// offset, read as UTC) or epoch milliseconds, the wrapper fields are optional
// and unknown fields are ignored. An eventType
// other than the four documented ones is kept as sent (so a type the platform
// adds later is not lost; see [EventType.Valid]); a missing or empty one
// becomes [EventUnknown].
//
// It is strict where it matters: a body that is not a JSON object, has no
// "message" object, has no "events" list, or holds an id or a date it cannot
// read, is an error wrapping [ErrMalformedNotification] that says what was
// wrong, in one line, quoting at most a few dozen bytes of any value. It does
// not verify the signature: see [VerifySignature].
func ParseNotification(body []byte) (*Notification, error) {
	var b wireBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, decodeError(body, err)
	}
	m := b.Message
	switch {
	case m == nil:
		return nil, fmt.Errorf(`%w: no "message" object`, ErrMalformedNotification)
	case m.Events == nil:
		return nil, fmt.Errorf(`%w: "message.events" is missing or null; want a list`, ErrMalformedNotification)
	}
	n := &Notification{
		ElementKey:   m.ElementKey,
		EventID:      string(m.EventID),
		InstanceID:   int64(m.InstanceID2),
		InstanceName: m.InstanceName,
		AccountID:    int64(m.AccountID),
		CompanyID:    int64(m.CompanyID),
		UserID:       int64(m.UserID),
		Raw:          m.Raw,
		Events:       make([]Event, len(m.Events)),
		ID:           string(b.ID),
		Severity:     b.Severity,
		Topic:        b.Topic,
		Action:       b.Action,
		User:         b.User,
	}
	if m.InstanceID != 0 {
		n.InstanceID = int64(m.InstanceID)
	}
	for i, e := range m.Events {
		typ := EventType(e.EventType)
		if typ == "" {
			typ = EventUnknown
		}
		n.Events[i] = Event{
			Date:       e.Date.Time,
			ElementKey: e.ElementKey,
			ObjectID:   string(e.ObjectID),
			ObjectType: e.ObjectType,
			EventType:  typ,
			HubKey:     e.HubKey,
			PollDate:   e.PollDate.Time,
		}
	}
	return n, nil
}

// decodeError turns an encoding/json error into one that names the
// problem in the terms of the wire format, not of our shadow types.
func decodeError(body []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("%w: not valid JSON (at byte %d: %v)", ErrMalformedNotification, syn.Offset, syn)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("%w: the body is a JSON %s; want an object", ErrMalformedNotification, typ.Value)
		}
		if typ.Field == "message.events" && typ.Type.Kind() == reflect.Struct {
			return fmt.Errorf("%w: an element of \"message.events\" is a JSON %s; want an object", ErrMalformedNotification, typ.Value)
		}
		return fmt.Errorf("%w: %q is a JSON %s; want %s", ErrMalformedNotification, typ.Field, typ.Value, kindName(typ.Type))
	}
	// An id or a date that its decoder refused (such errors carry no field
	// name): find which one, off the hot path.
	detail := redact.Line(strings.TrimPrefix(err.Error(), "flex: "), 300)
	if field := badField(body); field != "" {
		return fmt.Errorf("%w: %q: %s", ErrMalformedNotification, field, detail)
	}
	return fmt.Errorf("%w: %s", ErrMalformedNotification, detail)
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Pointer, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Int64, reflect.Int:
		return "an integer"
	}
	return "another type"
}

// badField returns the path of the first id or date field of body that
// its decoder refuses, or "".
func badField(body []byte) string {
	var b struct {
		ID      json.RawMessage `json:"id"`
		Message struct {
			EventID     json.RawMessage `json:"eventId"`
			AccountID   json.RawMessage `json:"accountId"`
			CompanyID   json.RawMessage `json:"companyId"`
			InstanceID  json.RawMessage `json:"instanceId"`
			InstanceID2 json.RawMessage `json:"instance_id"`
			UserID      json.RawMessage `json:"userId"`
			Events      []struct {
				ObjectID json.RawMessage `json:"objectId"`
				Date     json.RawMessage `json:"date"`
				PollDate json.RawMessage `json:"pollDate"`
			} `json:"events"`
		} `json:"message"`
	}
	// Best effort: a partial decode still fills the fields before the error.
	_ = json.Unmarshal(body, &b)
	var s flex.String
	var n flex.Int64
	var t flex.Time
	bad := func(raw json.RawMessage, v json.Unmarshaler) bool {
		return len(bytes.TrimSpace(raw)) > 0 && v.UnmarshalJSON(raw) != nil
	}
	m := &b.Message
	switch {
	case bad(b.ID, &s):
		return "id"
	case bad(m.EventID, &s):
		return "message.eventId"
	case bad(m.AccountID, &n):
		return "message.accountId"
	case bad(m.CompanyID, &n):
		return "message.companyId"
	case bad(m.InstanceID, &n):
		return "message.instanceId"
	case bad(m.InstanceID2, &n):
		return "message.instance_id"
	case bad(m.UserID, &n):
		return "message.userId"
	}
	for i, e := range m.Events {
		switch {
		case bad(e.ObjectID, &s):
			return fmt.Sprintf("message.events[%d].objectId", i)
		case bad(e.Date, &t):
			return fmt.Sprintf("message.events[%d].date", i)
		case bad(e.PollDate, &t):
			return fmt.Sprintf("message.events[%d].pollDate", i)
		}
	}
	return ""
}

// MarshalJSON implements json.Marshaler. It writes n in the platform's wire
// form, the {"message": {...}} body that [ParseNotification] takes:
// InstanceID goes to both "instanceId" and "instance_id", ids are JSON
// strings (EventID, ObjectID, ID) or numbers (AccountID, CompanyID,
// InstanceID, UserID), dates are RFC 3339 in UTC, Raw and User are written
// as they are (compacted). Fields the documentation marks optional are left
// out when zero: the wrapper fields ID, Severity, Topic, Action and User,
// an event's HubKey and PollDate, and also Raw when nil and an event's Date
// when zero (ParseNotification reads either absence as the zero value).
// Nil Events are written as an empty list, an empty EventType as
// [EventUnknown] (as ParseNotification reads it).
//
// So ParseNotification(json.Marshal(n)) gives n back, with its times in UTC
// and Raw and User compacted. It is an error if Raw or User is not valid
// JSON or a time's year is outside 0 to 9999.
//
// Called directly, it leaves <, > and & as they are (json.Marshal escapes
// them, as in every value it writes), so a compact Raw comes back byte for
// byte: a queue that stores n.MarshalJSON() (riverinbox) gives its worker
// the notification the handler verified.
func (n Notification) MarshalJSON() ([]byte, error) {
	m := &wireMessage{
		ElementKey:   n.ElementKey,
		EventID:      flex.String(n.EventID),
		AccountID:    flex.Int64(n.AccountID),
		CompanyID:    flex.Int64(n.CompanyID),
		InstanceID:   flex.Int64(n.InstanceID),
		InstanceID2:  flex.Int64(n.InstanceID),
		InstanceName: n.InstanceName,
		UserID:       flex.Int64(n.UserID),
		Raw:          n.Raw,
		Events:       make([]wireEvent, len(n.Events)),
	}
	for i, e := range n.Events {
		m.Events[i] = wireEvent{
			Date:       flex.Time{Time: e.Date.UTC()},
			ElementKey: e.ElementKey,
			EventType:  string(cmp.Or(e.EventType, EventUnknown)),
			ObjectID:   flex.String(e.ObjectID),
			ObjectType: e.ObjectType,
			HubKey:     e.HubKey,
			PollDate:   flex.Time{Time: e.PollDate.UTC()},
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(wireBody{
		Message:  m,
		ID:       flex.String(n.ID),
		Severity: n.Severity,
		Topic:    n.Topic,
		Action:   n.Action,
		User:     n.User,
	}); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
