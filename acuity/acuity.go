package acuity

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/redact"
)

// Identity of the Acuity Scheduling element on the platform.
const (
	// ElementKey is the platform's key for the Acuity Scheduling element.
	ElementKey = "acuityscheduling"
	// ElementID is the platform's numeric id for the Acuity Scheduling element.
	ElementID = 6156
	// Hub is the platform hub the element belongs to; its resources live
	// under /hubs/scheduling.
	Hub = "scheduling"
)

// WebhookURL returns the URL to paste into Acuity's webhook settings so that
// Acuity's webhooks for the instance reach the platform:
//
//	<baseURL>/events/acuityscheduling/<base64 of the instance id>
//
// baseURL is the platform base URL the client uses (client.BaseURL(), for
// example elements.DefaultBaseURL); a trailing slash is ignored and an empty
// baseURL means elements.DefaultBaseURL.
//
// The pattern is inferred: the platform's documentation describes the URL as
// the element's event path followed by a base64-encoded id, but does not
// spell it out for Acuity. The platform's UI shows the real Webhook URL of an
// instance; prefer it when in doubt. This function and its inverse,
// InstanceIDFromWebhookURL, are the one place the pattern lives.
//
// The id is written in decimal and that string is encoded with standard
// base64 with padding (what common base64 tools produce): for example
// instance 12345 gives "MTIzNDU=". For a string of decimal digits the standard
// and URL-safe alphabets produce the same characters ('+' and '/' cannot
// occur), and '=' is allowed in a URL path, so the result needs no escaping.
func WebhookURL(baseURL string, instanceID int64) string {
	if baseURL == "" {
		baseURL = elements.DefaultBaseURL
	}
	id := base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(instanceID, 10)))
	return strings.TrimRight(baseURL, "/") + webhookPathPrefix + id
}

// webhookPathPrefix is the part of the (inferred) Webhook URL between the
// base URL and the encoded instance id.
const webhookPathPrefix = "/events/" + ElementKey + "/"

// ErrNotWebhookURL is wrapped by InstanceIDFromWebhookURL's errors.
var ErrNotWebhookURL = errors.New("acuity: not an Acuity Webhook URL")

// InstanceIDFromWebhookURL is the inverse of WebhookURL: it returns the
// instance id from a Webhook URL or from its path alone (as a server sees it
// in r.URL.Path). It is meant for fakes of the platform that receive Acuity's
// webhooks. The URL must end in /events/acuityscheduling/<id> with <id> the
// standard base64 of a positive decimal integer; otherwise the error wraps
// ErrNotWebhookURL.
func InstanceIDFromWebhookURL(rawURL string) (int64, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNotWebhookURL, err)
	}
	i := strings.LastIndex(u.Path, webhookPathPrefix)
	if i < 0 {
		return 0, fmt.Errorf("%w: path has no %s segment", ErrNotWebhookURL, webhookPathPrefix)
	}
	enc := u.Path[i+len(webhookPathPrefix):]
	dec, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil || strings.ContainsAny(enc, "\r\n") {
		return 0, fmt.Errorf("%w: id segment %s is not standard base64", ErrNotWebhookURL, redact.Quote(enc))
	}
	id, err := strconv.ParseInt(string(dec), 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != string(dec) {
		return 0, fmt.Errorf("%w: id segment %s does not encode a positive decimal id", ErrNotWebhookURL, redact.Quote(enc))
	}
	return id, nil
}
