package elementstest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/webhook"
)

// maxWebhookBody caps the body of a vendor webhook the ingress reads.
const maxWebhookBody = 64 << 10

// SetAcuityAPIKey sets the Acuity API key that the ingress checks
// X-Acuity-Signature against for this instance, as Acuity signs with the
// account's API key. Until a key is set (or after setting ""), the ingress
// accepts unsigned webhooks for the instance.
func (s *Server) SetAcuityAPIKey(instanceID int64, apiKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[instanceID]
	if !ok {
		return ErrNotFound
	}
	in.acuityKey = apiKey
	return nil
}

// acuityIngress receives Acuity's form webhook at an instance's
// acuity.WebhookURL(srv.URL, id). It checks X-Acuity-Signature when the
// instance has an Acuity API key (401 if it does not match), parses the form
// with acuity.ParseWebhook (400 if malformed), answers 200 and delivers the
// standardized notification in the background. For an instance with events
// disabled, or a disabled instance, the webhook is answered 200 and dropped.
func (s *Server) acuityIngress(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "webhooks must be POSTed")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read the webhook body")
		return
	}
	if len(body) > maxWebhookBody {
		writeError(w, http.StatusRequestEntityTooLarge, "webhook body is larger than 64 KiB")
		return
	}
	id, ok := s.webhookInstanceID(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "no instance has this webhook URL")
		return
	}
	var se *statusError
	if err := s.receiveAcuity(id, body, r.Header.Get(acuity.SignatureHeader)); errors.As(err, &se) {
		writeError(w, se.status, se.msg)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// receiveAcuity is the platform's side of an Acuity webhook for the
// instance, whether POSTed to its Webhook URL or sent by its account (see
// SetAcuityWebhooks): it checks the signature against the instance's Acuity
// API key when it has one, standardizes the form and starts the delivery.
// It returns nil when the webhook is taken (delivered, or dropped because
// events are off) and a *statusError otherwise.
func (s *Server) receiveAcuity(id int64, body []byte, signature string) error {
	s.mu.Lock()
	in, known := s.instances[id]
	var key string
	if known {
		key = in.acuityKey
	}
	s.mu.Unlock()
	if !known {
		return statusErrorf(http.StatusNotFound, "no instance has this webhook URL")
	}
	if key != "" {
		if err := acuity.VerifySignature(body, signature, key); err != nil {
			return statusErrorf(http.StatusUnauthorized, "%s does not match the body and the instance's Acuity API key", acuity.SignatureHeader)
		}
	}
	raw, event, err := standardize(body, time.Now())
	if err != nil {
		return statusErrorf(http.StatusBadRequest, "%s", err.Error())
	}
	_, err = s.notify(id, raw, []webhook.Event{event})
	switch {
	case errors.Is(err, ErrClosed):
		return statusErrorf(http.StatusServiceUnavailable, "server is shutting down")
	case errors.Is(err, ErrNotFound):
		return statusErrorf(http.StatusNotFound, "no instance has this webhook URL")
	}
	return nil // delivered, or dropped because events are off
}

// webhookInstanceID reads the instance id off the path of an Acuity
// webhook request (r.URL.Path, unescaped). The id is the path's last
// segment, decoded from base64, and the path must be exactly the path of
// acuity.WebhookURL(s.URL, id): that function is the one place the
// (inferred) pattern lives, so a path it would not make, with a
// non-canonical id or another prefix, names no instance.
func (s *Server) webhookInstanceID(path string) (int64, bool) {
	seg := path[strings.LastIndexByte(path, '/')+1:]
	dec, err := base64.StdEncoding.Strict().DecodeString(seg)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(dec), 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	u, err := url.Parse(acuity.WebhookURL(s.URL, id))
	return id, err == nil && u.Path == path
}

// standardize turns the raw body of an Acuity webhook into what the platform
// sends on: message.raw (the form's fields as a JSON object of strings) and
// one event, typed by acuity.PlatformEvent.
func standardize(body []byte, now time.Time) (json.RawMessage, webhook.Event, error) {
	wh, err := acuity.ParseWebhook(body)
	if err != nil {
		return nil, webhook.Event{}, err
	}
	objectType, eventType, _ := acuity.PlatformEvent(wh.Action) // ParseWebhook accepted the action
	form, _ := url.ParseQuery(string(body))                     // ParseWebhook parsed it already
	return acuityRaw(form), webhook.Event{
		Date:       now.UTC().Truncate(time.Second),
		ElementKey: acuity.ElementKey,
		ObjectID:   strconv.FormatInt(wh.ID, 10),
		ObjectType: objectType,
		EventType:  eventType,
	}, nil
}

// acuityRaw is Acuity's form webhook as the platform passes it on in
// message.raw: a JSON object of every field the form holds, as strings (the
// shape of acuity.Webhook's MarshalJSON, which Deliver sends, with any other
// fields Acuity sent kept).
func acuityRaw(form url.Values) json.RawMessage {
	fields := make(map[string]string, len(form))
	for k := range form {
		fields[k] = form.Get(k)
	}
	raw, _ := json.Marshal(fields) // a map of strings always encodes
	return raw
}

// acuityActions are the classic actions of Acuity's webhooks, in the order
// acuityActionFor prefers them when several map to the same event
// (rescheduled, changed and canceled are all UPDATED).
var acuityActions = []string{acuity.ActionScheduled, acuity.ActionChanged, acuity.ActionRescheduled,
	acuity.ActionCanceled, acuity.ActionOrderCompleted}

// acuityActionFor inverts acuity.PlatformEvent, the one mapping of Acuity's
// actions to the platform's events, which the SDK's receivers use too: it
// returns the first of acuityActions that acuity maps to objectType and
// eventType. ok is false for an event no Acuity webhook causes (with the
// mapping as it is: DELETED, UNKNOWN, and object types other than
// appointments and orders).
func acuityActionFor(objectType string, eventType webhook.EventType) (action string, ok bool) {
	for _, a := range acuityActions {
		if o, et, _ := acuity.PlatformEvent(a); o == objectType && et == eventType {
			return a, true
		}
	}
	return "", false
}

// acuityRawFor makes the Acuity webhook behind a platform event, for
// Deliver, in the shape the platform passes it on (acuity.Webhook's
// MarshalJSON): the action acuityActionFor finds for the event, id the
// event's ObjectID, and for appointments the calendarID and
// appointmentTypeID of the stored appointment, when there is one. An event
// no Acuity webhook causes, or an ObjectID that is not a positive integer
// (which cannot be an Acuity id), gets an empty object. s.mu must be held.
func acuityRawFor(in *instance, e webhook.Event) json.RawMessage {
	action, ok := acuityActionFor(e.ObjectType, e.EventType)
	id, err := strconv.ParseInt(e.ObjectID, 10, 64)
	if !ok || err != nil || id <= 0 {
		return json.RawMessage(`{}`)
	}
	w := acuity.Webhook{Action: action, ID: id}
	if st := in.storedAppointment(id); st != nil && e.ObjectType == acuity.ObjectAppointments {
		w.CalendarID, w.AppointmentTypeID = st.calendarID, st.typeID
	}
	raw, _ := json.Marshal(w) // acuity.Webhook always encodes
	return raw
}
