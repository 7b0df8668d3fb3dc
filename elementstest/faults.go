package elementstest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// A Fault is what the fake does to one API call (under [APIPath], not the
// event ingress or the authorize page) instead of answering it normally. The
// zero Fault is no fault: the call is handled and answered as usual.
//
// Without AfterHandling the call has no effect: the fault is applied before
// authentication is checked. With AfterHandling the call is handled first, so
// what it does stays done (an instance is created, deleted, ...), and only the
// answer is replaced: the case a client must not blindly retry a POST for.
type Fault struct {
	// Status, if non-zero, answers the call with this status and a platform
	// error body {"message", "requestId"}.
	Status int
	// RetryAfter, with Status, is sent as the Retry-After header: delay
	// seconds ("0", "120") or an HTTP date, as the platform's rate limiter
	// sends it. It is sent as given, so a test can also send a malformed one.
	// Empty sends no header.
	RetryAfter string
	// Drop closes the connection with a TCP reset instead of answering, after
	// the whole request has been read.
	Drop bool
	// AfterHandling handles the call before Status or Drop replaces its answer.
	AfterHandling bool
}

// faultRun is n API calls in a row that meet the same fault.
type faultRun struct {
	fault Fault
	n     int
}

// faults are the injected failures; guarded by Server.mu.
type faults struct {
	pending    []faultRun // for the next API calls, in order
	latency    time.Duration
	duplicateN int
}

// InjectNext makes the next API calls meet the given faults, one call each,
// in the order the fake receives the calls; calls after them are handled
// normally. A zero Fault in the list lets its call through. It replaces the
// faults still pending from earlier calls to InjectNext, [Server.FailNext]
// or [Server.DropNext]; InjectNext() clears them. Use [slices.Repeat] for a
// storm:
//
//	tooMany := elementstest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}
//	srv.InjectNext(slices.Repeat([]elementstest.Fault{tooMany}, 10)...)
//
// It panics on a Fault that sets both Status and Drop, RetryAfter without
// Status, AfterHandling without Status or Drop, or a Status outside 100-599.
func (s *Server) InjectNext(faults ...Fault) {
	runs := make([]faultRun, 0, len(faults))
	for _, f := range faults {
		checkFault(f)
		runs = append(runs, faultRun{f, 1})
	}
	s.setPending(runs)
}

func checkFault(f Fault) {
	switch {
	case f.Status != 0 && f.Drop:
		panic("elementstest: a Fault answers with Status or drops the connection, not both")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		panic(fmt.Sprintf("elementstest: Fault.Status %d is not an HTTP status", f.Status))
	case f.RetryAfter != "" && f.Status == 0:
		panic("elementstest: Fault.RetryAfter needs a Status to answer with")
	case f.AfterHandling && f.Status == 0 && !f.Drop:
		panic("elementstest: Fault.AfterHandling needs a Status or Drop to replace the answer with")
	}
}

func (s *Server) setPending(runs []faultRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.pending = runs
}

// FailNext makes the next n API calls fail with status and a platform error
// body, without effect: InjectNext with n times Fault{Status: status}.
// It replaces the faults still pending from earlier calls, and panics if
// status is outside 100-599.
func (s *Server) FailNext(n, status int) {
	if n <= 0 {
		s.setPending(nil)
		return
	}
	if status < 100 || status > 599 {
		panic(fmt.Sprintf("elementstest: FailNext status %d is not an HTTP status", status))
	}
	s.setPending([]faultRun{{Fault{Status: status}, n}})
}

// DropNext makes the next n API calls lose their connection without effect:
// the fake reads the request, then resets the connection without answering.
// It is InjectNext with n times Fault{Drop: true}, and replaces the faults
// still pending from earlier calls.
func (s *Server) DropNext(n int) {
	if n <= 0 {
		s.setPending(nil)
		return
	}
	s.setPending([]faultRun{{Fault{Drop: true}, n}})
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

// nextFault takes the fault for one API call and waits out the latency. It
// reports false when the call is over (its context ended, or the server is
// closing and has answered).
func (s *Server) nextFault(w http.ResponseWriter, r *http.Request) (Fault, bool) {
	s.mu.Lock()
	latency := s.faults.latency
	var f Fault
	if p := s.faults.pending; len(p) > 0 {
		f = p[0].fault
		if p[0].n--; p[0].n == 0 {
			s.faults.pending = p[1:]
		}
	}
	s.mu.Unlock()

	if latency > 0 {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return f, false
		case <-s.ctx.Done():
			writeError(w, http.StatusServiceUnavailable, "server is shutting down")
			return f, false
		}
	}
	return f, true
}

// answerFault answers a call with f's status, or drops its connection.
func answerFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Drop {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxAPIBody)) // the whole request has arrived
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // closes the connection without an answer
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // Close sends a reset, not an orderly end
		}
		_ = conn.Close()
		return
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeError(w, f.Status, fmt.Sprintf("injected failure (%d %s)", f.Status, http.StatusText(f.Status)))
}

// handleWithFault handles one API call under its fault: handle runs the call
// (authentication included) and writes its answer to the writer it is given.
func (s *Server) handleWithFault(w http.ResponseWriter, r *http.Request, handle func(http.ResponseWriter, *http.Request)) {
	f, ok := s.nextFault(w, r)
	switch {
	case !ok: // the call is over
	case f == Fault{}:
		handle(w, r)
	case f.AfterHandling:
		handle(httptest.NewRecorder(), r) // the call takes effect; its answer is lost
		answerFault(w, r, f)
	default:
		answerFault(w, r, f)
	}
}
