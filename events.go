package elements

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/elementsgo/elements/internal/flex"
)

// ErrMalformedNotification is wrapped by every error [ParseNotification]
// returns; the error text after it says what was wrong.
var ErrMalformedNotification = errors.New("elements: malformed notification")

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

// Shadow structs for decoding. Ids go through internal/flex, which takes a
// JSON number or a string. Strings that the documentation shows as strings
// stay plain strings, so a wrong type is reported rather than guessed at.
type evBody struct {
	Message  *evMessage      `json:"message"`
	ID       flex.String     `json:"id"`
	Severity string          `json:"severity"`
	Topic    string          `json:"topic"`
	Action   string          `json:"action"`
	User     json.RawMessage `json:"user"`
}

type evMessage struct {
	ElementKey   string          `json:"elementKey"`
	EventID      flex.String     `json:"eventId"`
	AccountID    flex.Int64      `json:"accountId"`
	CompanyID    flex.Int64      `json:"companyId"`
	InstanceID   flex.Int64      `json:"instanceId"`
	InstanceID2  flex.Int64      `json:"instance_id"`
	InstanceName string          `json:"instanceName"`
	UserID       flex.Int64      `json:"userId"`
	Raw          json.RawMessage `json:"raw"`
	Events       []evEvent       `json:"events"`
}

type evEvent struct {
	Date       string      `json:"date"`
	ElementKey string      `json:"elementKey"`
	EventType  string      `json:"eventType"`
	ObjectID   flex.String `json:"objectId"`
	ObjectType string      `json:"objectType"`
	HubKey     string      `json:"hubKey"`
	PollDate   string      `json:"pollDate"`
}

// ParseNotification decodes the body of an event callback, the whole
// {"message": {...}} document.
//
// It is tolerant where real payloads vary: ids may be JSON numbers or
// strings, the instance id may come as "instanceId" or "instance_id", the
// wrapper fields are optional and unknown fields are ignored. An eventType
// other than the four documented ones is kept as sent (so a type the platform
// adds later is not lost; see [EventType.Valid]); a missing or empty one
// becomes [EventUnknown].
//
// It is strict where it matters: a body that is not a JSON object, has no
// "message" object, has no "events" list, or holds a date that is not
// RFC 3339, is an error wrapping [ErrMalformedNotification] that says what
// was wrong. It does not verify the signature: see [VerifySignature].
func ParseNotification(body []byte) (*Notification, error) {
	var b evBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, evDecodeError(body, err)
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
		date, err := evParseTime(e.Date)
		if err != nil {
			return nil, fmt.Errorf("%w: message.events[%d].date: %v", ErrMalformedNotification, i, err)
		}
		poll, err := evParseTime(e.PollDate)
		if err != nil {
			return nil, fmt.Errorf("%w: message.events[%d].pollDate: %v", ErrMalformedNotification, i, err)
		}
		typ := EventType(e.EventType)
		if typ == "" {
			typ = EventUnknown
		}
		n.Events[i] = Event{
			Date:       date,
			ElementKey: e.ElementKey,
			ObjectID:   string(e.ObjectID),
			ObjectType: e.ObjectType,
			EventType:  typ,
			HubKey:     e.HubKey,
			PollDate:   poll,
		}
	}
	return n, nil
}

// evParseTime parses an RFC 3339 time (fractional seconds allowed); "" is
// the zero time.
func evParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%.40q is not an RFC 3339 time", s)
	}
	return t, nil
}

// evDecodeError turns an encoding/json error into one that names the
// problem in the terms of the wire format, not of our shadow types.
func evDecodeError(body []byte, err error) error {
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
		return fmt.Errorf("%w: %q is a JSON %s; want %s", ErrMalformedNotification, typ.Field, typ.Value, evKindName(typ.Type))
	}
	// An id that is neither a number nor a string (flex's error carries no
	// field name): find which one, off the hot path.
	detail := strings.TrimPrefix(err.Error(), "flex: ")
	if field := evBadIDField(body); field != "" {
		return fmt.Errorf("%w: %q: %s", ErrMalformedNotification, field, detail)
	}
	return fmt.Errorf("%w: %s", ErrMalformedNotification, detail)
}

func evKindName(t reflect.Type) string {
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

// evBadIDField returns the path of the first id field of body that flex
// refuses, or "".
func evBadIDField(body []byte) string {
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
			} `json:"events"`
		} `json:"message"`
	}
	// Best effort: a partial decode still fills the fields before the error.
	_ = json.Unmarshal(body, &b)
	var s flex.String
	var n flex.Int64
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
		if bad(e.ObjectID, &s) {
			return fmt.Sprintf("message.events[%d].objectId", i)
		}
	}
	return ""
}
