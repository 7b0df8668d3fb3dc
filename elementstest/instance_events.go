package elementstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/elementsgo/elements"
)

// eventRecord is one record of GET /instances/{id}/events, in the
// platform's shape: one per notification, id its message.eventId, status
// as eventStatus reads the notification's delivery, providerData the
// vendor's payload as text (the fake's message.raw).
type eventRecord struct {
	ID           string            `json:"id"`
	EventDate    string            `json:"eventDate"`
	Status       string            `json:"status"`
	ProviderData string            `json:"providerData"`
	NotifiedData []json.RawMessage `json:"notifiedData"`
}

// listEvents answers GET /instances/{id}/events, oldest first, paged by
// writePage; 404 "No events found" when the instance has none.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	in, err := s.lookup(r)
	var list []eventRecord
	if err == nil {
		list = slices.Clone(in.events)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writePage(w, r, "events", list)
}

// getEvent answers GET /instances/{id}/events/{eventID}.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	s.withInstance(w, r, func(in *instance) (any, error) {
		want := r.PathValue("eventID")
		for _, e := range in.events {
			if e.ID == want {
				return e, nil
			}
		}
		return nil, fmt.Errorf("instance %d has no event %q", in.id, want)
	})
}

// eventStatus is the events log status of a notification whose delivery
// was attempted (an attempt was sent) or delivered (one was answered 2xx).
// The platform names its statuses in order (NEW, RECEIVED, DISPATCHED,
// CONSUMED, NOTIFIED) without defining them; this reading is inferred:
// RECEIVED once the platform made the notification (the fake standardizes
// a vendor event at once, so no record reads NEW), DISPATCHED once an
// attempt was sent to the callback URL, NOTIFIED once one was answered
// 2xx; CONSUMED is not used. A notification never delivered (retrying,
// queued, or given up at Close) never reads NOTIFIED.
func eventStatus(attempted, delivered bool) string {
	switch {
	case delivered:
		return elements.EventStatusNotified
	case attempted:
		return elements.EventStatusDispatched
	}
	return elements.EventStatusReceived
}

// eventStatusOrder ranks the statuses: a record only moves forward.
var eventStatusOrder = []string{elements.EventStatusNew, elements.EventStatusReceived,
	elements.EventStatusDispatched, elements.EventStatusConsumed, elements.EventStatusNotified}

// advanceEvent moves the events log record of d's notification to status,
// unless it is further already (a copy from DuplicateNext may have been
// delivered). s.mu must be held.
func (s *Server) advanceEvent(d *delivery, status string) {
	in, ok := s.instances[d.InstanceID]
	if !ok {
		return
	}
	for i := range in.events {
		e := &in.events[i]
		if e.ID == d.EventID && slices.Index(eventStatusOrder, e.Status) < slices.Index(eventStatusOrder, status) {
			e.Status = status
		}
	}
}
