package elementstest

import (
	"fmt"
	"net/http"
	"time"
)

// faults are the injected failures; guarded by Server.mu.
type faults struct {
	failN      int
	failStatus int
	dropN      int
	latency    time.Duration
	duplicateN int
}

// FailNext makes the next n API calls (under [APIPath], not the event ingress
// or the authorize page) fail with status and a platform error body, before
// authentication is checked. Calls made later replace earlier settings.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failN, s.faults.failStatus = n, status
}

// DropNext makes the next n API calls lose their connection: the fake reads
// the request, then closes the connection without answering.
func (s *Server) DropNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.dropN = n
}

// SetLatency delays every API call by d before it is handled (0 turns it
// off). The wait ends early when the request's context ends or the server
// closes.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

// DuplicateNext makes the next n event notifications be delivered twice: the
// same body, event id and Elements-Webhook-Id, as the platform does when it
// redelivers. Each copy is delivered (and retried) on its own.
func (s *Server) DuplicateNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.duplicateN = n
}

// applyFaults applies the injected faults to one API call and reports whether
// the call should go on.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	latency := s.faults.latency
	drop := s.faults.dropN > 0
	if drop {
		s.faults.dropN--
	}
	fail := !drop && s.faults.failN > 0
	status := s.faults.failStatus
	if fail {
		s.faults.failN--
	}
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		case <-s.ctx.Done():
			t.Stop()
			writeError(w, http.StatusServiceUnavailable, "server is shutting down")
			return false
		}
	}
	switch {
	case drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // closes the connection without an answer
		}
		_ = conn.Close()
		return false
	case fail:
		writeError(w, status, fmt.Sprintf("injected failure (%d %s)", status, http.StatusText(status)))
		return false
	}
	return true
}
