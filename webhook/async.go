package webhook

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
// [Handler] verifies it, hands it to OnAsyncResponse and answers 2xx
// (never 400: the platform would retry for days and then deactivate the
// subscription).
type AsyncResponse struct {
	EventID        string // "eventId"; numbers are kept as their decimal text
	InstanceID     int64  // "instanceId"
	NotificationID string // "notificationId"; numbers are kept as their decimal text

	// Response is the "response" object exactly as sent.
	Response json.RawMessage

	// Events holds the elements of "response.events" exactly as sent (the
	// documentation does not fix their shape); nil when absent, or when
	// "response" is not an object or its "events" not a list (Response
	// still has them as sent).
	Events []json.RawMessage
}

type wireAsync struct {
	EventID        flex.String     `json:"eventId"`
	InstanceID     flex.Int64      `json:"instanceId"`
	NotificationID flex.String     `json:"notificationId"`
	Response       json.RawMessage `json:"response"`
}

// ParseAsyncResponse decodes the body of an asynchronous-request callback.
// Ids may be JSON numbers or strings and unknown fields are ignored. The
// shape of "response" is not documented, so any JSON value is kept as sent
// (Events is filled only from an object's "events" list): a signed callback
// the platform sent is handed on, not refused, since a refusal makes the
// platform retry for days and then deactivate the subscription. A body that
// is not a JSON object, has no "response", or has ids of the wrong type is
// an error wrapping [ErrMalformedNotification]. It does not verify the
// signature: see [VerifySignature].
func ParseAsyncResponse(body []byte) (*AsyncResponse, error) {
	var w wireAsync
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: asynchronous-request callback: %v", ErrMalformedNotification, err)
	}
	if len(w.Response) == 0 {
		return nil, fmt.Errorf(`%w: asynchronous-request callback: "response" is missing`, ErrMalformedNotification)
	}
	var r struct {
		Events []json.RawMessage `json:"events"`
	}
	if resp := bytes.TrimSpace(w.Response); resp[0] == '{' && json.Unmarshal(resp, &r) != nil {
		r.Events = nil // "events" is not a list: kept in Response only
	}
	return &AsyncResponse{
		EventID:        string(w.EventID),
		InstanceID:     int64(w.InstanceID),
		NotificationID: string(w.NotificationID),
		Response:       w.Response,
		Events:         r.Events,
	}, nil
}
