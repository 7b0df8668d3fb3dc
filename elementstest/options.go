package elementstest

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"time"
)

// An Option configures a [Server] in [NewServer]. Options only record what
// they set; NewServer checks it and panics, naming the option, on a value
// it cannot use (a fake for tests has no error to return, like
// httptest.NewServer). When an option is given twice, the last one counts.
type Option func(*options)

// options are what the Options set, with NewServer's defaults.
type options struct {
	userSecret, orgSecret string
	issuedCodesOnly       bool
	// Deliveries are retried on WithRetrySchedule's schedule, in the
	// platform's time, if one is set, else on WithDeliveryRetry's waits.
	schedule      *RetrySchedule
	retries       int           // WithDeliveryRetry's maxRetries
	minWait       time.Duration // WithDeliveryRetry's waits, real time
	maxWait       time.Duration
	scale         float64       // WithTimeScale
	timeout       time.Duration // WithDeliveryTimeout; 0: the fake's assumed 2 s, scaled
	workers       int           // WithDeliveryConcurrency; 0: unbounded
	hubPerSecond  int           // WithHubRateLimit; 0: no limit
	hubConcurrent int
	listener      net.Listener // WithListener; nil: a fresh loopback port
	logger        *slog.Logger // WithLogger; nil: silent

	given struct{ timeout bool } // WithDeliveryTimeout(0) is an error, not the default
}

// defaultOptions are the options of a Server without any: 9 quick retries.
func defaultOptions() options {
	return options{retries: 9, minWait: 5 * time.Millisecond, maxWait: 100 * time.Millisecond, scale: 1}
}

// WithCredentials makes the fake accept only this user and organization
// secret in the Authorization header. Without it, any non-empty pair is
// accepted.
func WithCredentials(userSecret, organizationSecret string) Option {
	return func(o *options) { o.userSecret, o.orgSecret = userSecret, organizationSecret }
}

// WithIssuedCodesOnly makes instance creation (and PUT ?reAuthenticate=true)
// accept only a providerData.code that the fake's authorize page issued for
// the same oauth.api.key and oauth.callback.url (client id and redirect URI),
// and only once. Without it any non-empty code is accepted, so
// the documentation's example request works as is.
func WithIssuedCodesOnly() Option {
	return func(o *options) { o.issuedCodesOnly = true }
}

// WithDeliveryRetry sets how event deliveries are retried after a non-2xx
// answer, a timeout or a connection error: at most maxRetries more attempts,
// waiting minWait before the first retry and doubling up to maxWait, in real
// time ([WithTimeScale] does not scale them). When the last retry fails, the
// subscription is deactivated and the delivery queued, as under
// [WithRetrySchedule], which it replaces (the last of the two options
// wins). The default is 9 retries between 5ms and 100ms. It needs
// maxRetries >= 0 and 0 <= minWait <= maxWait.
func WithDeliveryRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(o *options) { o.schedule, o.retries, o.minWait, o.maxWait = nil, maxRetries, minWait, maxWait }
}

// WithDeliveryTimeout bounds each delivery attempt to d of real time; an
// attempt that runs longer counts as failed and is retried. Without it the
// bound is the fake's assumed 2 s (the platform documents none), scaled by
// [WithTimeScale]. It needs d > 0.
func WithDeliveryTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout, o.given.timeout = d, true }
}

// WithRetrySchedule makes deliveries follow a documented schedule, usually
// [DevPortalSchedule] or [SAPHelpSchedule], in the platform's time: run it
// faster with [WithTimeScale]. It replaces [WithDeliveryRetry]'s waits (the
// last of the two options wins).
//
// Under either, the platform's failure policy decides what a failure does.
// With "retry" (the account's default; see GET /accounts/settings), a failed
// delivery is retried on the schedule; when the last retry fails, the
// subscription of that callback URL is deactivated and the delivery, every
// other one for the URL waiting to retry and every later one wait queued
// ([Server.Queued], GET /notifications/subscriptions/deliveries) until a
// redelivery (PUT /notifications/subscriptions/deliveries) reactivates the
// subscription. With "queue", the first failure does the same at once.
//
// It needs Retries >= 0, Base >= 2, and a last retry no further than
// time.Duration can count.
func WithRetrySchedule(rs RetrySchedule) Option {
	return func(o *options) { o.schedule = &rs }
}

// WithTimeScale runs the platform's clock f times as fast as real time: the
// waits of [WithRetrySchedule]'s schedule and the attempt timeout, the
// fake's assumed 2 s (the platform documents none), are multiplied by f,
// together, so a test keeps the fake's proportions: with f = 0.001 an
// attempt times out after 2 ms and, on [DevPortalSchedule], the first
// retry comes 4 ms after the first failure.
// Durations given to [WithDeliveryRetry] and [WithDeliveryTimeout] are real
// time and not scaled.
//
// A scale that fits a retry window of days into milliseconds (1e-6: the
// devportal schedule's 73 hours last 262 ms) would leave an attempt 2 µs,
// less than a loopback round trip: set [WithDeliveryTimeout] then. It
// needs 0 < f <= 1.
func WithTimeScale(f float64) Option {
	return func(o *options) { o.scale = f }
}

// WithDeliveryConcurrency bounds how many delivery attempts the fake makes
// at once, to all callback URLs together, like a platform's pool of
// delivery workers: an attempt waits for a free worker (and its Start is
// when it got one). Deliveries waiting for a retry hold no worker. Without
// it (or with n = 0) attempts are not bounded. It needs n >= 0.
func WithDeliveryConcurrency(n int) Option {
	return func(o *options) { o.workers = n }
}

// WithHubRateLimit limits each instance's scheduling-hub calls as Acuity
// limits an account (about 10 a second and 20 at once:
// WithHubRateLimit(10, 20)): a call beyond perSecond calls in the last
// second (a sliding window), or beyond concurrent calls in progress, is
// answered 429 with Retry-After (whole seconds) and an error body, and has
// no effect. Refused calls do not count toward the window. Zero leaves that
// bound off; without the option the hub is not limited. [Server.HubLoad]
// shows what each instance sent, with or without a limit. It needs
// perSecond >= 0 and concurrent >= 0.
func WithHubRateLimit(perSecond, concurrent int) Option {
	return func(o *options) { o.hubPerSecond, o.hubConcurrent = perSecond, concurrent }
}

// WithListener serves the fake on l instead of a fresh loopback port, for a
// fake that runs on its own at a known address (cmd/elementstest). The
// Server owns l and closes it in Close (or in NewServer, if it panics).
func WithListener(l net.Listener) Option {
	return func(o *options) { o.listener = l }
}

// WithLogger logs every request the fake answers, one record each at info
// level: method, path (never the query, which may carry OAuth secrets),
// status, duration and Elements-Request-Id.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// check returns every reason o cannot make a Server, joined.
func (o *options) check() error {
	var errs []error
	if rs := o.schedule; rs != nil {
		switch {
		case rs.Retries < 0 || rs.Base < 2:
			errs = append(errs, fmt.Errorf("elementstest: WithRetrySchedule needs Retries >= 0 and Base >= 2, got %v", *rs))
		case float64(rs.Retries)*math.Log(float64(rs.Base)) >= math.Log(float64(math.MaxInt64)/float64(time.Second)):
			errs = append(errs, fmt.Errorf("elementstest: WithRetrySchedule: %v runs past what time.Duration counts", *rs))
		}
	} else if o.retries < 0 || o.minWait < 0 || o.maxWait < o.minWait {
		errs = append(errs, fmt.Errorf("elementstest: WithDeliveryRetry needs maxRetries >= 0 and 0 <= minWait <= maxWait, got %d, %v, %v", o.retries, o.minWait, o.maxWait))
	}
	if o.given.timeout && o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("elementstest: WithDeliveryTimeout needs a positive duration, got %v", o.timeout))
	}
	if !(o.scale > 0 && o.scale <= 1) {
		errs = append(errs, fmt.Errorf("elementstest: WithTimeScale needs 0 < f <= 1, got %v", o.scale))
	}
	if o.workers < 0 {
		errs = append(errs, fmt.Errorf("elementstest: WithDeliveryConcurrency needs n >= 0, got %d", o.workers))
	}
	if o.hubPerSecond < 0 || o.hubConcurrent < 0 {
		errs = append(errs, fmt.Errorf("elementstest: WithHubRateLimit needs perSecond >= 0 and concurrent >= 0, got %d, %d", o.hubPerSecond, o.hubConcurrent))
	}
	return errors.Join(errs...)
}

// maxRetries is how many times a failed delivery is retried.
func (o *options) maxRetries() int {
	if o.schedule != nil {
		return o.schedule.Retries
	}
	return o.retries
}
