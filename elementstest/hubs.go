package elementstest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/elementsgo/elements/internal/flex"
)

// SetAppointment puts an appointment in the Acuity account behind an
// instance, so that GET /hubs/scheduling/appointments/{id} (what
// acuity.GetAppointment calls) serves it. appt is the appointment in Acuity's
// own JSON, as Acuity's API returns it (for example acuity/testdata's
// appointment.json); its id is read from the "id" field, a positive integer
// (a number or a numeric string). Setting an id again replaces the
// appointment, as a reschedule would; the JSON is stored as given (compacted)
// and not otherwise checked, so a test can serve an appointment its code
// must reject. It returns ErrNotFound for an unknown instance and an error
// for JSON that is not an object with a positive id.
//
// The resource is scoped by the instance token: a request needs the
// Authorization header "User …, Organization …, Element <token>" with the
// token of an existing instance (401 otherwise), and sees only that
// instance's appointments (404 for any other id). Storing appointments does
// not change the event ingress: a webhook about an appointment that was
// never stored is delivered as before, and fetching it answers 404.
func (s *Server) SetAppointment(instanceID int64, appt json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, appt); err != nil {
		return fmt.Errorf("elementstest: SetAppointment: appointment is not valid JSON: %w", err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("{")) {
		return fmt.Errorf("elementstest: SetAppointment: appointment is not a JSON object")
	}
	var head struct {
		ID flex.Int64 `json:"id"`
	}
	if err := json.Unmarshal(buf.Bytes(), &head); err != nil {
		return fmt.Errorf("elementstest: SetAppointment: appointment id: %w", err)
	}
	if head.ID <= 0 {
		return fmt.Errorf("elementstest: SetAppointment: appointment has no positive id (got %d)", head.ID)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[instanceID]
	if !ok {
		return ErrNotFound
	}
	if in.appointments == nil {
		in.appointments = make(map[int64]json.RawMessage)
	}
	in.appointments[int64(head.ID)] = buf.Bytes()
	return nil
}

// getAppointment answers GET /hubs/scheduling/appointments/{id} for the
// instance whose token is in the Authorization header's Element part. The
// API middleware has already checked the User and Organization parts.
func (s *Server) getAppointment(w http.ResponseWriter, r *http.Request) {
	token := elementToken(r.Header.Get("Authorization"))
	if token == "" {
		writeError(w, http.StatusUnauthorized, "Authorization header must be 'User <user secret>, Organization <organization secret>, Element <instance token>' for hub resources")
		return
	}
	id, idErr := strconv.ParseInt(r.PathValue("id"), 10, 64)

	s.mu.Lock()
	in := s.instanceByToken(token)
	var appt json.RawMessage
	if in != nil && idErr == nil {
		appt = in.appointments[id]
	}
	s.mu.Unlock()

	switch {
	case in == nil:
		writeError(w, http.StatusUnauthorized, "the Element token is not the token of any instance")
	case idErr != nil:
		writeError(w, http.StatusNotFound, fmt.Sprintf("appointment id %q is not a number", r.PathValue("id")))
	case appt == nil:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no appointment with id %d in this instance's account", id))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(appt)
	}
}

// elementToken returns the token of the "Element <token>" part of an
// Authorization header, or "".
func elementToken(header string) string {
	for _, part := range strings.Split(header, ",") {
		if name, value, _ := strings.Cut(strings.TrimSpace(part), " "); name == "Element" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// instanceByToken finds the instance with this token, comparing every
// instance's token in constant time; s.mu must be held.
func (s *Server) instanceByToken(token string) *instance {
	var found *instance
	for _, in := range s.instances {
		if subtle.ConstantTimeCompare([]byte(in.token), []byte(token)) == 1 {
			found = in
		}
	}
	return found
}
