package elements

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/elementsgo/elements/internal/flex"
)

// AsyncResponse is the callback the platform sends to an instance's
// event.notification.callback.url when an asynchronous API call completes
// and the call named no callback URL of its own:
//
//	{"eventId": "...", "instanceId": 12345, "notificationId": "...",
//	 "response": {"events": [...]}}
//
// It has no "message" wrapper and is signed like a [Notification]. A
// [WebhookHandler] verifies it, hands it to OnAsyncResponse and answers 2xx
// (never 400: the platform would retry for days and then deactivate the
// subscription).
type AsyncResponse struct {
	EventID        string // "eventId"; numbers are kept as their decimal text
	InstanceID     int64  // "instanceId"
	NotificationID string // "notificationId"; numbers are kept as their decimal text

	// Response is the "response" object exactly as sent.
	Response json.RawMessage

	// Events holds the elements of "response.events" exactly as sent (the
	// documentation does not fix their shape); nil when absent.
	Events []json.RawMessage
}

type wireAsync struct {
	EventID        flex.String     `json:"eventId"`
	InstanceID     flex.Int64      `json:"instanceId"`
	NotificationID flex.String     `json:"notificationId"`
	Response       json.RawMessage `json:"response"`
}

// ParseAsyncResponse decodes the body of an asynchronous-request callback.
// Ids may be JSON numbers or strings and unknown fields are ignored; a body
// that is not a JSON object, has no "response" object, or whose
// "response.events" is not a list is an error wrapping
// [ErrMalformedNotification]. It does not verify the signature: see
// [VerifySignature].
func ParseAsyncResponse(body []byte) (*AsyncResponse, error) {
	var w wireAsync
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: asynchronous-request callback: %v", ErrMalformedNotification, err)
	}
	resp := bytes.TrimSpace(w.Response)
	if len(resp) == 0 || resp[0] != '{' {
		return nil, fmt.Errorf(`%w: asynchronous-request callback: "response" is missing or not an object`, ErrMalformedNotification)
	}
	var r struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf(`%w: asynchronous-request callback: "response.events" is not a list: %v`, ErrMalformedNotification, err)
	}
	return &AsyncResponse{
		EventID:        string(w.EventID),
		InstanceID:     int64(w.InstanceID),
		NotificationID: string(w.NotificationID),
		Response:       w.Response,
		Events:         r.Events,
	}, nil
}
