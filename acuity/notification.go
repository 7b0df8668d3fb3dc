package acuity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
	"github.com/elementsgo/elements/webhook"
)

// ErrWrongElement means a notification came from an element other than
// Acuity Scheduling.
var ErrWrongElement = errors.New("acuity: notification is not from the Acuity Scheduling element")

// WebhookFromNotification returns the Acuity webhook inside a platform
// notification (its Raw field); see ParseRaw. A notification whose
// ElementKey is set to another element returns an error wrapping
// ErrWrongElement. The platform's signature on the notification is checked
// by webhook.Handler; Acuity's own signature is not available here.
func WebhookFromNotification(n *webhook.Notification) (*Webhook, error) {
	if n == nil {
		return nil, errors.New("acuity: WebhookFromNotification: nil notification")
	}
	if n.ElementKey != "" && n.ElementKey != ElementKey {
		return nil, fmt.Errorf("%w: element key %s", ErrWrongElement, redact.Quote(n.ElementKey))
	}
	return ParseRaw(n.Raw)
}

// ParseRaw parses the Acuity webhook the platform passed on in a
// notification's message.raw. The platform passes it either as a JSON object
// of the form's fields, whose values may be strings or numbers:
//
//	{"action": "rescheduled", "id": "8801", "calendarID": 12, "appointmentTypeID": "3"}
//
// or as a JSON string holding the form-encoded body:
//
//	"action=rescheduled&id=8801&calendarID=12&appointmentTypeID=3"
//
// Both give the same Webhook, validated as ParseWebhook does and with its
// errors; fields other than the four it knows are ignored (and, as with
// encoding/json, a key repeated in the object takes its last value). A missing or null
// raw, or one that is neither an object nor a string, returns an error
// wrapping ErrMalformedWebhook.
func ParseRaw(raw json.RawMessage) (*Webhook, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, fmt.Errorf("%w: the notification has no raw webhook", ErrMalformedWebhook)
	case raw[0] == '"':
		var form string
		if err := json.Unmarshal(raw, &form); err != nil {
			return nil, fmt.Errorf("%w: raw is not a valid JSON string", ErrMalformedWebhook)
		}
		return ParseWebhook([]byte(form))
	case raw[0] == '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, fmt.Errorf("%w: raw is not a valid JSON object", ErrMalformedWebhook)
		}
		form := url.Values{}
		for _, k := range []string{"action", "id", "calendarID", "appointmentTypeID"} {
			v, ok := fields[k]
			if !ok {
				continue
			}
			var s flex.String
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("%w: raw field %s is not a string or number", ErrMalformedWebhook, k)
			}
			if s != "" {
				form.Set(k, string(s))
			}
		}
		return webhookFromForm(form)
	}
	return nil, fmt.Errorf("%w: raw is neither a JSON object nor a JSON string", ErrMalformedWebhook)
}
