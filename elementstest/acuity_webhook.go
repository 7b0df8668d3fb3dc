package elementstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/elementsgo/elements/acuity"
)

// AcuityWebhook returns w as Acuity sends it: the
// application/x-www-form-urlencoded body, its fields in Acuity's order
// (action, id, calendarID, appointmentTypeID; a zero calendarID or
// appointmentTypeID left out), and the X-Acuity-Signature Acuity sends with
// it, signed with the account's API key (see [SignAcuity]). The key comes
// first, as in webhook.Sign.
//
// POST the two to acuity.WebhookURL(srv.URL, id) to play Acuity against the
// fake (whose ingress checks the key set with [Server.SetAcuityAPIKey]), or
// to an app's own endpoint to test its acuity.VerifySignature and
// acuity.ParseWebhook, which read the body back into w:
//
//	body, sig := elementstest.AcuityWebhook(apiKey, acuity.Webhook{Action: acuity.ActionScheduled, ID: 8801})
//	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
//	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
//	req.Header.Set(acuity.SignatureHeader, sig)
//
// It does not check w: a test may send an action or an id that the SDK must
// refuse.
func AcuityWebhook(apiKey string, w acuity.Webhook) (body []byte, signature string) {
	body = encodeAcuityForm(w)
	return body, SignAcuity(apiKey, body)
}

// SignAcuity returns the X-Acuity-Signature Acuity sends with body: the
// standard base64 encoding of HMAC-SHA256 of the raw body, keyed with the
// Acuity account's API key. The key comes first, as in webhook.Sign. Use it
// for bodies [AcuityWebhook] does not make, such as a malformed form that
// must be refused although its signature is good.
func SignAcuity(apiKey string, body []byte) string {
	h := hmac.New(sha256.New, []byte(apiKey))
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// encodeAcuityForm writes w as Acuity's form body; see AcuityWebhook.
func encodeAcuityForm(w acuity.Webhook) []byte {
	var b strings.Builder
	b.WriteString("action=")
	b.WriteString(url.QueryEscape(w.Action))
	b.WriteString("&id=")
	b.WriteString(strconv.FormatInt(w.ID, 10))
	if w.CalendarID != 0 {
		b.WriteString("&calendarID=")
		b.WriteString(strconv.FormatInt(w.CalendarID, 10))
	}
	if w.AppointmentTypeID != 0 {
		b.WriteString("&appointmentTypeID=")
		b.WriteString(strconv.FormatInt(w.AppointmentTypeID, 10))
	}
	return []byte(b.String())
}
