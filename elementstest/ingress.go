package elementstest

import "net/http"

// registerIngress records in's webhook path; s.mu must be held.
func (s *Server) registerIngress(in *instance) {}

func (s *Server) acuityIngress(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}

type delivery struct{}
