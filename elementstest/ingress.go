package elementstest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
	// The inverse of acuity.WebhookURL, the one place the pattern lives.
	id, err := acuity.InstanceIDFromWebhookURL(r.URL.Path)
	s.mu.Lock()
	in, ok := s.instances[id]
	var key string
	if ok {
		key = in.acuityKey
	}
	s.mu.Unlock()
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, "no instance has this webhook URL")
		return
	}
	if key != "" {
		if err := acuity.VerifySignature(body, r.Header.Get(acuity.SignatureHeader), key); err != nil {
			writeError(w, http.StatusUnauthorized, acuity.SignatureHeader+" does not match the body and the instance's Acuity API key")
			return
		}
	}
	raw, event, err := standardize(body, time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	_, err = s.notify(id, raw, []webhook.Event{event})
	switch {
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "server is shutting down")
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "no instance has this webhook URL")
	default: // delivered, or dropped because events are off
		w.WriteHeader(http.StatusOK)
	}
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
// message.raw: a JSON object of the form's fields, as strings (the one shape
// the fake sends, from the ingress and from Deliver).
func acuityRaw(form url.Values) json.RawMessage {
	fields := make(map[string]string, len(form))
	for k := range form {
		fields[k] = form.Get(k)
	}
	raw, _ := json.Marshal(fields) // a map of strings always encodes
	return raw
}

// acuityRawFor makes the Acuity webhook behind a platform event, for
// Deliver: action scheduled (CREATED), canceled (DELETED) or changed
// (UPDATED, UNKNOWN), or order.completed for objectType orders; id the
// event's ObjectID; calendarID and appointmentTypeID from the stored
// appointment, when there is one. An ObjectID that is not a positive
// integer cannot be an Acuity id: raw is then an empty object. s.mu must be
// held.
func acuityRawFor(in *instance, e webhook.Event) json.RawMessage {
	id, err := strconv.ParseInt(e.ObjectID, 10, 64)
	if err != nil || id <= 0 {
		return json.RawMessage(`{}`)
	}
	form := url.Values{"id": {e.ObjectID}}
	switch {
	case e.ObjectType == acuity.ObjectOrders:
		form.Set("action", acuity.ActionOrderCompleted)
	case e.EventType == webhook.EventCreated:
		form.Set("action", acuity.ActionScheduled)
	case e.EventType == webhook.EventDeleted:
		form.Set("action", acuity.ActionCanceled)
	default:
		form.Set("action", acuity.ActionChanged)
	}
	if in.acuity == nil || e.ObjectType == acuity.ObjectOrders {
		return acuityRaw(form)
	}
	if st := in.acuity.appointments[id]; st != nil { // read only: no account is made for it
		if st.calendarID > 0 {
			form.Set("calendarID", strconv.FormatInt(st.calendarID, 10))
		}
		if st.typeID > 0 {
			form.Set("appointmentTypeID", strconv.FormatInt(st.typeID, 10))
		}
	}
	return acuityRaw(form)
}
