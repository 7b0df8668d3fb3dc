package elementstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// eventRecord is one record of GET /instances/{id}/events, in the
// platform's shape: one per notification, id its message.eventId, status
// DISPATCHED once the delivery started and NOTIFIED once the callback
// answered 2xx, providerData the vendor's payload as text (the fake's
// message.raw).
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
