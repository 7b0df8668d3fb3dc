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

// SetAcuityWebhooks turns the webhooks of the Acuity account behind the
// instance on or off, as pasting the instance's Webhook URL into Acuity's
// webhook settings (or removing it) does: the platform's documentation for
// Acuity has its users copy that URL into Acuity, so an account sends
// nothing until then. While they are on, each write through the scheduling
// hub makes the account send the webhook a real account sends:
//
//	POST   /hubs/scheduling/appointments                   scheduled
//	PATCH  /hubs/scheduling/appointments/{id}/reschedule   rescheduled
//	PATCH  /hubs/scheduling/appointments/{id}              changed
//	DELETE /hubs/scheduling/appointments/{id}              canceled (not again once canceled)
//
// with the appointment's id, calendarID and appointmentTypeID, in the
// classic action names, signed with the key of [Server.SetAcuityAPIKey]
// (unsigned without one). It takes the ingress's path, as a webhook POSTed
// to acuity.WebhookURL(srv.URL, id) does: checked, standardized (the event
// typed by acuity.PlatformEvent) and, when the instance has events enabled
// and is not disabled, delivered to its event.notification.callback.url.
// The delivery has started when the hub call answers; wait for it with
// [Server.WaitForDeliveries]. A real account also sends changed alongside
// each of the others (receivers see duplicates); the fake sends one webhook
// per write. SetAppointment and the other setters send nothing. It returns
// ErrNotFound for an unknown instance.
func (s *Server) SetAcuityWebhooks(instanceID int64, on bool) error {
	return s.withAccount(instanceID, func(a *acuityAccount) { a.webhooks = on })
}

// webhook queues the webhook the account sends for a write through the
// hub, if its webhooks are on; the hub call sends it once it unlocks (see
// takeAcuityWebhooks). s.mu must be held.
func (a *acuityAccount) webhook(action string, id int64, st *storedAppointment) {
	if a.webhooks && action != "" {
		a.outbox = append(a.outbox, acuity.Webhook{Action: action, ID: id, CalendarID: st.calendarID, AppointmentTypeID: st.typeID})
	}
}

// takeAcuityWebhooks empties the outbox of the instance's account and
// returns what sends it, each webhook signed with the instance's Acuity API
// key and taken through receiveAcuity; nil when there is nothing to send.
// s.mu must be held; call the result without it.
func (s *Server) takeAcuityWebhooks(in *instance) func() {
	if in.acuity == nil || len(in.acuity.outbox) == 0 {
		return nil
	}
	hooks, id, key := in.acuity.outbox, in.id, in.acuityKey
	in.acuity.outbox = nil
	return func() {
		for _, h := range hooks {
			body, sig := AcuityWebhook(key, h)
			_ = s.receiveAcuity(id, body, sig) // Acuity does not act on the platform's answer
		}
	}
}
