// Package elementstest runs an in-memory fake of the Cloud Elements / SAP Open
// Connectors platform on loopback, for tests and offline examples. It is to the
// platform what [net/http/httptest] is to a server:
//
//	srv := elementstest.NewServer()
//	defer srv.Close()
//	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))
//
// # The API
//
// The fake serves the platform's /instances API under [APIPath] with the
// documented JSON: create (POST /instances and /elements/{keyOrId}/instances),
// get, list (tags[], searchText), PATCH, PUT (?reAuthenticate=true), delete,
// enable and disable, the configuration list and its PATCH, the instance's
// events, and the OAuth URL call. It also serves the Acuity element's
// scheduling hub (/hubs/scheduling: appointments listed with CEQL filters,
// fetched, booked, patched, rescheduled and canceled; appointment types;
// available dates and times; calendars; ping) per instance, to the
// instance's Element token: 401 without a valid token or after
// [Server.ExpireInstance], 403 while the instance is disabled. Its data comes
// from the API itself (acuity.Account.Book) and from [Server.SetAppointment],
// [Server.SetAppointmentType], [Server.SetCalendar] and
// [Server.SetAvailability]. Every list is paged by the platform's rule:
// pageSize (default 200) and nextPage, a next-page token on every page, the
// last one included, and an empty page past the end. [Server.NewClient]
// returns a client pointed at the fake. Every answer
// carries Elements-Request-Id;
// errors are {"message", "requestId"}: 401 without a "User …, Organization …"
// Authorization header, 404 for an unknown id, 400 for a bad body (no element
// key, an unknown element, no providerData.code, a non-boolean
// event.notification.enabled, no name, no oauth.api.key or oauth.api.secret, or
// events enabled without event.notification.callback.url). Instances get ids
// 1001, 1002, ... in creation order and a random token; configuration values
// come back as strings, secrets (oauth.api.key and oauth.api.secret
// included) masked as "********".
//
// The OAuth URL call answers a URL on the fake itself: a GET there redirects
// (302) to the callback URL with code and state, as the provider does once the
// user allows access. See [WithIssuedCodesOnly] to require those codes.
//
// # Events
//
// An Acuity webhook POSTed to an instance's acuity.WebhookURL(srv.URL, id) is
// checked against the Acuity API key set with [Server.SetAcuityAPIKey] (401 on
// a bad X-Acuity-Signature), parsed with acuity.ParseWebhook (400 if
// malformed), answered 200, standardized into the documented notification
// (message.raw holds the form's fields; one event typed by
// acuity.PlatformEvent) and delivered in the background to the instance's
// event.notification.callback.url: a JSON POST with Elements-Webhook-Id and,
// when the instance has event.notification.signature.key, the signature from
// webhook.Sign. Non-2xx answers (redirects included), connection errors and
// timeouts are retried with growing waits (see [WithDeliveryRetry], or the
// platform's documented schedules with [WithRetrySchedule], run faster with
// [WithTimeScale]). Webhooks for a disabled instance or one with events off
// are answered 200 and dropped. [Server.Deliver] sends a notification
// without Acuity (message.raw is the Acuity webhook behind its first event);
// [Server.Deliveries] and [Server.WaitForDeliveries] show what was sent,
// attempt by attempt, each attempt timed.
//
// # Delivery policy
//
// The fake plays the platform's failure policy. When a delivery's last
// retry fails, the subscription of its callback URL is deactivated: it and
// every later notification for the URL wait queued ([Server.Queued]) until
// a redelivery; with the account's policy "queue" the first failure does
// the same. The platform's calls for it are served, with the organization
// and user secrets like /instances:
//
//	GET /accounts/settings                          {} until set; then {"notification.webhook.failure.policy": "queue"}
//	PATCH or POST /accounts/settings                {"notification.webhook.failure.policy": "retry" or "queue"}: the settings
//	GET /notifications/subscriptions/deliveries     ?where=channel='webhook' and status='queued' and config.url='<url>'&hydrate=true
//	PUT /notifications/subscriptions/deliveries     ?where=... status='queued' ...: reactivates, sends the queue again in order
//
// A delivery is {"notificationId", "subscriptionId", "status", "createdDate",
// "updatedDate"}, with hydrate=true also "notification" {"id", "from",
// "topic", "severity", "message" (the standardized message, with its
// eventId), "createdDate", "active", "acknowledged"} and "subscription"
// {"id", "channel", "topics", "config": {"url"}}; the list is a plain JSON
// array paged like every list.
//
// # A busy platform
//
// [WithDeliveryConcurrency] bounds the delivery attempts in flight, like a
// platform's pool of delivery workers, and each [Attempt] records its start
// and duration. [WithHubRateLimit] limits each instance's hub calls as
// Acuity limits an account, answering 429 with Retry-After;
// [Server.HubLoad] shows what each instance sent.
//
// # Faults
//
// [Server.InjectNext] gives the next API calls a [Fault] each, in the order
// they arrive:
//
//	Fault{Status: 503}                       503 and an error body; the call has no effect
//	Fault{Status: 429, RetryAfter: "2"}      the same with Retry-After: 2 (a rate-limit storm)
//	Fault{Drop: true}                        the connection is reset; the call has no effect
//	Fault{Drop: true, AfterHandling: true}   the call takes effect, then the connection is reset
//	Fault{Status: 502, AfterHandling: true}  the call takes effect, then 502 is answered
//	Fault{}                                  the call is handled normally
//
// [Server.FailNext] and [Server.DropNext] are short for n calls failed or
// dropped without effect. [Server.SetLatency] slows every API call;
// [Server.DuplicateNext] delivers notifications twice.
//
// Where the platform's behaviour is not documented, the fake makes a choice
// and says so: several tags[] must all match, searchText matches part of the
// name ignoring case, oauth.api.key and keys naming a secret, password,
// token or signature key are masked. GET /instances/{id}/events lists one
// record per notification in the platform's shape ({"id", "eventDate",
// "status", "providerData", "notifiedData"}: id the notification's
// eventId, status RECEIVED, then DISPATCHED once an attempt was sent and
// NOTIFIED once the callback answered 2xx, providerData the message.raw as
// text), paged like every list; an empty /instances or events list answers
// 404 "No instances found" or "No events found".
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
	"time"

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
	cfg       config
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
	faults       faults
	deliveries   []*delivery
	finished     int           // how many of deliveries are Done
	changed      chan struct{} // closed and replaced when deliveries change
	policy       policyState   // subscriptions, queues, account settings (delivery_policy.go)
	workers      chan struct{} // delivery attempts in flight; nil: unbounded
	hubLoad      *rateLimiter  // hub calls per instance (ratelimit.go)
}

type config struct {
	userSecret, orgSecret string
	issuedCodesOnly       bool
	retries               int                           // retries after the first failed attempt
	retryWait             func(retry int) time.Duration // the wait before a retry (1-based)
	platformWaits         bool                          // retryWait is in the platform's time: scaled
	scale                 float64                       // WithTimeScale
	timeout               time.Duration                 // WithDeliveryTimeout; 0: the platform's, scaled
	workers               int                           // WithDeliveryConcurrency; 0: unbounded
	hubPerSecond          int                           // WithHubRateLimit; 0: no limit
	hubConcurrent         int
}

// An Option configures a [Server] in [NewServer].
type Option func(*config)

// WithCredentials makes the fake accept only this user and organization
// secret in the Authorization header. Without it, any non-empty pair is
// accepted.
func WithCredentials(userSecret, organizationSecret string) Option {
	return func(c *config) { c.userSecret, c.orgSecret = userSecret, organizationSecret }
}

// WithIssuedCodesOnly makes instance creation (and PUT ?reAuthenticate=true)
// accept only a providerData.code that the fake's authorize page issued for
// the same oauth.api.key and oauth.callback.url (client id and redirect URI),
// and only once. Without it any non-empty code is accepted, so
// the documentation's example request works as is.
func WithIssuedCodesOnly() Option {
	return func(c *config) { c.issuedCodesOnly = true }
}

// WithDeliveryRetry sets how event deliveries are retried after a non-2xx
// answer, a timeout or a connection error: at most maxRetries more attempts,
// waiting minWait before the first retry and doubling up to maxWait, in real
// time ([WithTimeScale] does not scale them). When the last retry fails, the
// subscription is deactivated and the delivery queued, as under
// [WithRetrySchedule]. The default is 9 retries between 5ms and 100ms. It
// panics on negative values.
func WithDeliveryRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	if maxRetries < 0 || minWait < 0 || maxWait < minWait {
		panic("elementstest: WithDeliveryRetry needs maxRetries >= 0 and 0 <= minWait <= maxWait")
	}
	return func(c *config) {
		c.retries, c.platformWaits = maxRetries, false
		c.retryWait = func(retry int) time.Duration {
			w := minWait
			for i := 1; i < retry && w > 0 && w < maxWait; i++ {
				if w > maxWait/2 {
					return maxWait
				}
				w *= 2
			}
			return w
		}
	}
}

// WithDeliveryTimeout bounds each delivery attempt to d of real time; an
// attempt that runs longer counts as failed and is retried. Without it the
// bound is the platform's 2s, scaled by [WithTimeScale]. It panics if d <= 0.
func WithDeliveryTimeout(d time.Duration) Option {
	if d <= 0 {
		panic("elementstest: WithDeliveryTimeout needs a positive duration")
	}
	return func(c *config) { c.timeout = d }
}

// NewServer starts a fake platform on 127.0.0.1 and returns it. The caller
// must call Close when done.
func NewServer(opts ...Option) *Server {
	cfg := config{scale: 1}
	WithDeliveryRetry(9, 5*time.Millisecond, 100*time.Millisecond)(&cfg)
	for _, o := range opts {
		o(&cfg)
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
	s.ts = httptest.NewServer(s.routes())
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
	api.HandleFunc("GET /hubs/scheduling/appointment-types", s.hub(s.listAppointmentTypes))
	api.HandleFunc("GET /hubs/scheduling/appointment-types/{typeID}/available-dates", s.hub(s.availableDates))
	api.HandleFunc("GET /hubs/scheduling/appointment-types/{typeID}/available-times", s.hub(s.availableTimes))
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
func (s *Server) NewClient(opts ...elements.Option) (*elements.Client, error) {
	user, org := s.cfg.userSecret, s.cfg.orgSecret
	if user == "" && org == "" {
		user, org = DefaultUserSecret, DefaultOrganizationSecret
	}
	return elements.NewClient(user, org, append([]elements.Option{elements.WithBaseURL(s.URL)}, opts...)...)
}

// String describes the server by its URL; it never shows the configured
// credentials or any instance's token or secrets.
func (s *Server) String() string { return "elementstest.Server{URL: " + s.URL + "}" }

// GoString is like String, for %#v.
func (s *Server) GoString() string { return s.String() }
