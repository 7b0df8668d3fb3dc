package elements

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/elementsgo/elements/internal/redact"
)

// An Option configures a Client in [NewClient]. Options only record what
// they set; NewClient checks it, and a value it cannot use (a base URL
// that is not absolute http(s), a nil *http.Client, negative retries) is
// NewClient's error, naming the option. When an option is given twice, the
// last one counts.
type Option func(*options)

// options are what the Options set, with the defaults NewClient starts
// from; check says whether a Client can be made of them.
type options struct {
	baseURL          string
	httpClient       *http.Client
	maxRetries       int
	minWait, maxWait time.Duration
	logger           *slog.Logger
	product          string // WithUserAgent's, put in front of the SDK's User-Agent
	limiter          Limiter
	rateLimitWait    time.Duration
	paceWait         time.Duration

	// given marks the options given whose nil or empty value is an error,
	// where leaving the option out means the default.
	given struct{ httpClient, logger, limiter, product bool }
}

// WithBaseURL sets the platform host, for example [BaseURLOpenConnectorsEU10]
// or the URL of an elementstest server. A trailing slash is ignored and the
// path is kept. The URL must be absolute http or https, without query or
// fragment.
func WithBaseURL(rawURL string) Option {
	return func(o *options) { o.baseURL = rawURL }
}

// WithHTTPClient sets the http.Client whose Transport sends each attempt; the
// retry logic runs around it. Its Timeout, if any, bounds each attempt. It
// must not be nil.
//
// The client never closes hc's idle connections: one tenant's failed call
// (a timeout, a turn given up) does not cost the others their warm
// connections.
//
// The client uses a copy of hc whose CheckRedirect refuses every redirect
// (see [ErrRedirect]); hc itself is not changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) { o.httpClient, o.given.httpClient = hc, true }
}

// WithRetry sets the retry policy for failures: at most maxRetries retries
// after the first attempt (0 disables retries), waiting between minWait and
// maxWait, growing exponentially; maxRetries and minWait must be >= 0, and
// maxWait >= minWait. A Retry-After header is honoured but never waited
// longer than maxWait. A 429 answer is not a failure (the platform did not
// process the request): it is waited out and sent again without counting
// against maxRetries, within [WithRateLimitWait].
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(o *options) { o.maxRetries, o.minWait, o.maxWait = maxRetries, minWait, maxWait }
}

// WithLogger makes the client log requests, retries and failures at Debug
// and Error level. Secrets are redacted. Without it the client is silent;
// a nil logger is an error.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger, o.given.logger = l, true }
}

// WithUserAgent puts product (for example "myapp/1.2") in front of the
// SDK's own User-Agent. It must be one line, not empty.
func WithUserAgent(product string) Option {
	return func(o *options) { o.product, o.given.product = product, true }
}

// WithLimiter sets the Limiter that paces the client's requests per
// account (see [Limiter]); without it a Client has its own
// NewMemoryLimiter(DefaultRequestInterval, DefaultConcurrentRequests).
// Share one Limiter between Clients that work on the same accounts;
// NewMemoryLimiter(0, 0) turns pacing off (tests against a fake platform).
// A nil Limiter is an error.
func WithLimiter(l Limiter) Option {
	return func(o *options) { o.limiter, o.given.limiter = l, true }
}

// WithRateLimitWait bounds how long one call waits out 429 Too Many
// Requests answers in total. A 429 means the platform did not process the
// request, so every method is sent again after the answer's Retry-After
// (or, without one, the retry backoff, at least a second); these sends do
// not count against WithRetry's maxRetries, which are for failures. The
// call returns the 429 as an *APIError (its Header holds the Retry-After;
// it matches ErrRateLimited) when the next wait would pass total, or the
// context's deadline: a host whose queue reschedules work can then
// reschedule it by the Retry-After instead of holding a worker. 0 returns
// the first 429 at once; total must not be negative. The context ends
// every wait.
func WithRateLimitWait(total time.Duration) Option {
	return func(o *options) { o.rateLimitWait = total }
}

// WithPaceWait bounds how long one attempt waits for its account's turn in
// the Limiter. Past d the call sends nothing, gives its turn back and
// returns an error wrapping [ErrRateLimited] whose RetryAfter() is d: a
// queue worker snoozes the job (riverinbox does) and serves another
// tenant, instead of holding the worker while one tenant's burst waits
// its turns. (MemoryLimiter gives the turn back exactly; redislimit may
// spend it when the wait ends while Redis grants it.) 0, the default, waits
// as long as the context allows, as a backfill wants. d must not be
// negative.
func WithPaceWait(d time.Duration) Option {
	return func(o *options) { o.paceWait = d }
}

// check returns the base URL of o, or every reason o cannot make a Client.
func (o *options) check() (*url.URL, error) {
	base, err := parseBaseURL(o.baseURL)
	errs := []error{err}
	if o.given.httpClient && o.httpClient == nil {
		errs = append(errs, errors.New("elements: WithHTTPClient: nil *http.Client"))
	}
	switch {
	case o.maxRetries < 0:
		errs = append(errs, fmt.Errorf("elements: WithRetry: maxRetries must be >= 0, got %d", o.maxRetries))
	case o.minWait < 0:
		errs = append(errs, fmt.Errorf("elements: WithRetry: minWait must be >= 0, got %v", o.minWait))
	case o.maxWait < o.minWait:
		errs = append(errs, fmt.Errorf("elements: WithRetry: maxWait (%v) must be >= minWait (%v)", o.maxWait, o.minWait))
	}
	if o.given.logger && o.logger == nil {
		errs = append(errs, errors.New("elements: WithLogger: nil *slog.Logger"))
	}
	if p := strings.TrimSpace(o.product); o.given.product && (p == "" || strings.ContainsAny(p, "\r\n")) {
		errs = append(errs, errors.New("elements: WithUserAgent: empty or multi-line user agent"))
	}
	if o.given.limiter && o.limiter == nil {
		errs = append(errs, errors.New("elements: WithLimiter: nil Limiter; NewMemoryLimiter(0, 0) turns pacing off"))
	}
	if o.paceWait < 0 {
		errs = append(errs, fmt.Errorf("elements: WithPaceWait: d must be >= 0, got %v", o.paceWait))
	}
	if o.rateLimitWait < 0 {
		errs = append(errs, fmt.Errorf("elements: WithRateLimitWait: total must be >= 0, got %v", o.rateLimitWait))
	}
	return base, errors.Join(errs...)
}

// parseBaseURL checks WithBaseURL's URL and returns it without a trailing
// slash. Its errors never hold the URL, which may carry credentials.
func parseBaseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // not the URL itself: it may hold credentials
		}
		return nil, fmt.Errorf("elements: WithBaseURL: invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("elements: WithBaseURL: scheme must be http or https, got %s", redact.Quote(u.Scheme))
	}
	if u.Host == "" {
		return nil, errors.New("elements: WithBaseURL: URL has no host")
	}
	if u.User != nil {
		return nil, errors.New("elements: WithBaseURL: URL must not carry user information")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("elements: WithBaseURL: URL must not have a query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}
