package acuity

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/elementsgo/elements"
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
// instance; prefer it when in doubt. This function is the one place the
// pattern lives (the fake platform, elementstest, reads instance ids off
// webhook paths by checking them against it).
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
