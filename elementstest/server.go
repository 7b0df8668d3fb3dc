package elementstest

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/elementsgo/elements"
)

// APIPath is the path prefix under which the platform serves its API. It is
// part of [Server.URL], as it is of the real hosts' base URLs.
const APIPath = "/elements/api-v2"

// RequestIDHeader is the response header that carries the platform's request
// id. The fake sets it on every answer, including errors.
const RequestIDHeader = "Elements-Request-Id"

// ErrNotFound is returned by Server methods given an instance id the fake does
// not know.
var ErrNotFound = errors.New("elementstest: no such instance")

// ErrClosed is returned by Server methods called after [Server.Close].
var ErrClosed = errors.New("elementstest: server closed")

// Server is a running fake platform. Create one with [NewServer] and stop it
// with [Server.Close]. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the fake API, for elements.WithBaseURL:
	// "http://127.0.0.1:<port>/elements/api-v2".
	URL string

	ts        *httptest.Server
	cfg       options
	ctx       context.Context // ends at Close; stops waits and deliveries
	cancel    context.CancelFunc
	wg        sync.WaitGroup  // delivery goroutines
	transport *http.Transport // deliveries' own, so Close can drop its idle connections
	client    *http.Client

	mu           sync.Mutex
	closed       bool
	nextID       int64
	nextConfigID int64
	instances    map[int64]*instance
	codes        map[string]issuedCode
	denials      int // DenyConsentNext: consent page visits still to refuse
	faults       faults
	deliveries   []*delivery
	finished     int           // how many of deliveries are Done
	changed      chan struct{} // closed and replaced when deliveries change
	policy       policyState   // subscriptions, queues, account settings (delivery_policy.go)
	workers      chan struct{} // delivery attempts in flight; nil: unbounded
	hubLoad      *rateLimiter  // hub calls per instance (ratelimit.go)
}

// NewServer starts a fake platform on 127.0.0.1 (or [WithListener]'s
// listener) and returns it. The caller must call Close when done. It
// panics, naming the option, on an option value it cannot use (see
// [Option]).
func NewServer(opts ...Option) *Server {
	cfg := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if err := cfg.check(); err != nil {
		if cfg.listener != nil {
			_ = cfg.listener.Close()
		}
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:       cfg,
		ctx:       ctx,
		cancel:    cancel,
		transport: &http.Transport{MaxIdleConnsPerHost: 4},
		nextID:    1001,
		instances: make(map[int64]*instance),
		codes:     make(map[string]issuedCode),
		changed:   make(chan struct{}),
		policy:    newPolicyState(),
		hubLoad:   newRateLimiter(cfg.hubPerSecond, cfg.hubConcurrent),
	}
	if cfg.workers > 0 {
		s.workers = make(chan struct{}, cfg.workers)
	}
	s.client = &http.Client{
		Transport: s.transport,
		// A redirect is a failed delivery, as any non-2xx answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	s.ts = httptest.NewUnstartedServer(s.logRequests(s.routes()))
	if cfg.listener != nil {
		s.ts.Listener.Close()
		s.ts.Listener = cfg.listener
	}
	s.ts.Start()
	s.URL = s.ts.URL + APIPath
	return s
}

// Close stops pending deliveries and waits for their goroutines, then shuts
// the server down and blocks until all its requests have finished.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.ts.Close()
	s.transport.CloseIdleConnections()
}

func (s *Server) routes() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("POST /instances", s.createInstance)
	api.HandleFunc("POST /elements/{element}/instances", s.createInstance)
	api.HandleFunc("GET /instances", s.listInstances)
	api.HandleFunc("GET /instances/{id}", s.getInstance)
	api.HandleFunc("PATCH /instances/{id}", s.updateInstance)
	api.HandleFunc("PUT /instances/{id}", s.replaceInstance)
	api.HandleFunc("DELETE /instances/{id}", s.deleteInstance)
	api.HandleFunc("PUT /instances/{id}/enabled", s.setEnabled(true))
	api.HandleFunc("DELETE /instances/{id}/enabled", s.setEnabled(false))
	api.HandleFunc("GET /instances/{id}/configuration", s.listConfiguration)
	api.HandleFunc("PATCH /instances/{id}/configuration/{configID}", s.updateConfiguration)
	api.HandleFunc("GET /instances/{id}/events", s.listEvents)
	api.HandleFunc("GET /instances/{id}/events/{eventID}", s.getEvent)
	api.HandleFunc("GET /elements/{element}/oauth/url", s.oauthURL)
	api.HandleFunc("GET /hubs/scheduling/ping", s.hub(s.ping))
	api.HandleFunc("GET /hubs/scheduling/appointments", s.hub(s.listAppointments))
	api.HandleFunc("POST /hubs/scheduling/appointments", s.hub(s.bookAppointment))
	api.HandleFunc("GET /hubs/scheduling/appointments/{id}", s.hub(s.getAppointment))
	api.HandleFunc("PATCH /hubs/scheduling/appointments/{id}", s.hub(s.patchAppointment))
	api.HandleFunc("DELETE /hubs/scheduling/appointments/{id}", s.hub(s.cancelAppointment))
	api.HandleFunc("PATCH /hubs/scheduling/appointments/{id}/reschedule", s.hub(s.rescheduleAppointment))
	api.HandleFunc("GET /hubs/scheduling/appointments/{id}/payments", s.hub(s.listPayments))
	api.HandleFunc("GET /hubs/scheduling/appointment-types", s.hub(s.listAppointmentTypes))
	api.HandleFunc("GET /hubs/scheduling/appointment-types/{typeID}/available-dates", s.hub(s.availableDates))
	api.HandleFunc("GET /hubs/scheduling/appointment-types/{typeID}/available-times", s.hub(s.availableTimes))
	api.HandleFunc("POST /hubs/scheduling/available-times/validate", s.hub(s.validateTime))
	api.HandleFunc("GET /hubs/scheduling/calendars", s.hub(s.listCalendars))
	api.HandleFunc("GET /accounts/settings", s.getSettings)
	api.HandleFunc("PATCH /accounts/settings", s.setSettings)
	api.HandleFunc("POST /accounts/settings", s.setSettings)
	api.HandleFunc("GET /notifications/subscriptions/deliveries", s.listDeliveries)
	api.HandleFunc("PUT /notifications/subscriptions/deliveries", s.redeliver)
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API resource: "+r.Method+" "+r.URL.Path)
	})

	mux := http.NewServeMux()
	mux.Handle(APIPath+"/events/", http.HandlerFunc(s.acuityIngress))
	mux.Handle(APIPath+"/", http.StripPrefix(APIPath, s.apiMiddleware(s.limitHubs(api))))
	mux.HandleFunc("GET "+authorizePath, s.authorize)
	return withRequestID(mux)
}

// withRequestID gives every answer an Elements-Request-Id header.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(RequestIDHeader, randomHex(8))
		h.ServeHTTP(w, r)
	})
}

// apiMiddleware applies injected faults around checking the Authorization
// header and handling the call.
func (s *Server) apiMiddleware(h http.Handler) http.Handler {
	handle := func(w http.ResponseWriter, r *http.Request) {
		if msg := s.checkAuth(r.Header.Get("Authorization")); msg != "" {
			writeError(w, http.StatusUnauthorized, msg)
			return
		}
		h.ServeHTTP(w, r)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handleWithFault(w, r, handle)
	})
}

// checkAuth returns why the header is refused, or "" if it is accepted.
func (s *Server) checkAuth(header string) string {
	var user, org string
	for _, part := range strings.Split(header, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), " ")
		switch name {
		case "User":
			user = strings.TrimSpace(value)
		case "Organization":
			org = strings.TrimSpace(value)
		}
	}
	if user == "" || org == "" {
		return "Authorization header must be 'User <user secret>, Organization <organization secret>'"
	}
	if s.cfg.userSecret == "" && s.cfg.orgSecret == "" {
		return ""
	}
	if subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.userSecret)) != 1 ||
		subtle.ConstantTimeCompare([]byte(org), []byte(s.cfg.orgSecret)) != 1 {
		return "invalid user or organization secret"
	}
	return ""
}

// errorBody is the platform's error answer.
type errorBody struct {
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Message: msg, RequestID: w.Header().Get(RequestIDHeader)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"elementstest: cannot encode answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Secrets [Server.NewClient] uses when the server was made without
// [WithCredentials] (which then accepts any pair).
const (
	DefaultUserSecret         = "elementstest-user-secret"
	DefaultOrganizationSecret = "elementstest-organization-secret"
)

// NewClient returns an elements.Client pointed at the fake
// (elements.WithBaseURL(s.URL)) with the fake's own secrets: those of
// [WithCredentials], or [DefaultUserSecret] and [DefaultOrganizationSecret].
// opts come after the base URL, so they may add a logger, an http.Client or
// a faster retry policy for tests (elements.WithRetry).
//
// The client does not pace hub calls, so a test's hundred calls take
// milliseconds, not Acuity's ten seconds, unless the fake limits them as
// Acuity does ([WithHubRateLimit]): then the client keeps its default
// pacing, as in production. elements.WithLimiter in opts decides either way.
func (s *Server) NewClient(opts ...elements.Option) (*elements.Client, error) {
	user, org := s.cfg.userSecret, s.cfg.orgSecret
	if user == "" && org == "" {
		user, org = DefaultUserSecret, DefaultOrganizationSecret
	}
	base := []elements.Option{elements.WithBaseURL(s.URL)}
	if s.cfg.hubPerSecond == 0 && s.cfg.hubConcurrent == 0 {
		base = append(base, elements.WithLimiter(elements.NewMemoryLimiter(0, 0)))
	}
	return elements.NewClient(user, org, append(base, opts...)...)
}

// String describes the server by its URL; it never shows the configured
// credentials or any instance's token or secrets.
func (s *Server) String() string { return "elementstest.Server{URL: " + s.URL + "}" }

// GoString is like String, for %#v.
func (s *Server) GoString() string { return s.String() }
