package elementstest

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"
)

// getSettings answers GET /accounts/settings: the account's settings as a
// flat object, as set; notification.webhook.failure.policy is missing until
// set (missing means retry), as on the platform.
func (s *Server) getSettings(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	settings := maps.Clone(s.policy.settings)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, settings)
}

// setSettings answers PATCH and POST /accounts/settings: the body's keys are
// merged into the settings and the settings are answered. A
// notification.webhook.failure.policy other than "retry" or "queue", or a
// body that is not a JSON object, is a 400 and changes nothing. Other keys
// are kept as given.
func (s *Server) setSettings(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := decodeBody(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if body == nil {
		writeError(w, http.StatusBadRequest, "request body must be a JSON object of settings")
		return
	}
	if raw, ok := body[keyFailurePolicy]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != policyRetry && v != policyQueue) {
			writeError(w, http.StatusBadRequest, keyFailurePolicy+` must be "retry" or "queue"`)
			return
		}
	}
	s.mu.Lock()
	maps.Copy(s.policy.settings, body)
	settings := maps.Clone(s.policy.settings)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, settings)
}

// deliveryJSON is a delivery as the platform answers it (the platform
// makers' delivery.schema.json): no id of its own; with hydrate=true its
// notification and subscription too.
type deliveryJSON struct {
	NotificationID int64             `json:"notificationId"`
	SubscriptionID int64             `json:"subscriptionId"`
	Status         string            `json:"status"`
	CreatedDate    string            `json:"createdDate"`
	UpdatedDate    string            `json:"updatedDate"`
	Notification   *notificationJSON `json:"notification,omitempty"`
	Subscription   *subscriptionJSON `json:"subscription,omitempty"`
}

// notificationJSON is a notification as the platform's notifications API
// shows it (notification.schema.json). For an event, message is the
// standardized message, the body's "message" object with its eventId
// (inferred: the schema types message loosely). from is the element key,
// topic "events" and severity "low": the fake's choices.
type notificationJSON struct {
	ID           int64           `json:"id"`
	From         string          `json:"from"`
	Topic        string          `json:"topic"`
	Severity     string          `json:"severity"`
	Message      json.RawMessage `json:"message"`
	CreatedDate  string          `json:"createdDate"`
	Active       bool            `json:"active"`
	Acknowledged bool            `json:"acknowledged"`
}

// subscriptionJSON is a webhook subscription (subscription.schema.json).
type subscriptionJSON struct {
	ID      int64    `json:"id"`
	Channel string   `json:"channel"`
	Topics  []string `json:"topics"`
	Config  struct {
		URL string `json:"url"`
	} `json:"config"`
}

// The fake's notification topic and severity for events.
const (
	eventsTopic    = "events"
	eventsSeverity = "low"
)

func wireDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// json is d as the platform answers it; s.mu must be held.
func (d *delivery) json(hydrate bool) deliveryJSON {
	j := deliveryJSON{
		NotificationID: d.note.id,
		SubscriptionID: d.sub.id,
		Status:         d.Status,
		CreatedDate:    wireDate(d.note.created),
		UpdatedDate:    wireDate(d.updated),
	}
	if hydrate {
		j.Notification = &notificationJSON{ID: d.note.id, From: d.note.from, Topic: eventsTopic, Severity: eventsSeverity,
			Message: d.note.message, CreatedDate: wireDate(d.note.created), Active: true}
		j.Subscription = &subscriptionJSON{ID: d.sub.id, Channel: channelWebhook, Topics: []string{eventsTopic}}
		j.Subscription.Config.URL = d.sub.url
	}
	return j
}

// hydrateParam reads the hydrate parameter: "true" or "false" (or absent).
func hydrateParam(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("hydrate") {
	case "true":
		return true, nil
	case "", "false":
		return false, nil
	}
	return false, badRequest(`hydrate must be "true" or "false"`)
}

// listDeliveries answers GET /notifications/subscriptions/deliveries: the
// deliveries the where clause selects (all without one), oldest first,
// hydrated with hydrate=true, paged by writePage (so none at all is a 404
// "No deliveries found", as the platform's lists may answer). A where
// clause it cannot read is a 400.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	f, hydrate, err := deliveriesQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	var list []deliveryJSON
	for _, d := range s.deliveries {
		if f.match(d) {
			list = append(list, d.json(hydrate))
		}
	}
	s.mu.Unlock()
	writePage(w, r, "deliveries", list)
}

// deliveriesQuery reads the where clause and hydrate of a deliveries call.
func deliveriesQuery(r *http.Request) (deliveryFilter, bool, error) {
	f, err := parseDeliveriesWhere(r.URL.Query().Get("where"))
	if err != nil {
		return f, false, err
	}
	hydrate, err := hydrateParam(r)
	return f, hydrate, err
}

// redeliver answers PUT /notifications/subscriptions/deliveries?where=...:
// the where clause must select status='queued' (400 otherwise); every
// webhook subscription it selects (by config.url, or all) is reactivated
// and its queued deliveries are sent again in order, through the normal
// path: signed, retried, queued again if they fail for good. The answer
// is 200 with the deliveries taken from the queues, now status retry (a
// JSON array, [] when none waited; hydrated with hydrate=true).
func (s *Server) redeliver(w http.ResponseWriter, r *http.Request) {
	f, hydrate, err := deliveriesQuery(r)
	if err == nil && f.status != DeliveryQueued {
		err = badRequest("where must select status='queued': a PUT redelivers the queued deliveries")
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "server is shutting down")
		return
	}
	var runs []pendingRun
	if f.channel == "" || f.channel == channelWebhook {
		subs := slices.Collect(maps.Values(s.policy.subs))
		slices.SortFunc(subs, func(a, b *subscription) int { return cmp.Compare(a.id, b.id) })
		for _, sub := range subs {
			if !f.hasURL || sub.url == f.url {
				runs = append(runs, s.takeQueue(sub)...)
			}
		}
	}
	list := make([]deliveryJSON, 0, len(runs))
	for _, p := range runs {
		list = append(list, p.d.json(hydrate))
	}
	if len(runs) > 0 {
		s.wg.Add(1) // not closed, so Close is not waiting yet
		go s.redeliverInOrder(runs)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}
