package elementstest

import (
	"fmt"
	"math"
	"time"
)

// A RetrySchedule is when the platform retries a failed delivery: Retries
// retries, retry x (from 1) sent Base^x seconds of the platform's time after
// the first failure. When the last retry fails too, the platform deactivates
// the callback URL's subscription and queues the delivery (see
// [WithRetrySchedule]).
type RetrySchedule struct {
	Retries int
	Base    int
}

// The two schedules the platform documents. They disagree; a receiver must
// cope with both.
var (
	// DevPortalSchedule is the devportal guide's: up to 9 retries at
	// 2^(2x) seconds (4 s, 16 s, 64 s, ...), the last 262144 s (a little
	// under 73 hours) after the first failure.
	DevPortalSchedule = RetrySchedule{Retries: 9, Base: 4}
	// SAPHelpSchedule is the SAP help page's ("Event Retry and Queueing"):
	// 5 retries at 2^(3x) seconds (8 s, 64 s, ...), the last 32768 s
	// (9.1 hours; the page says about 9.5) after the first failure.
	SAPHelpSchedule = RetrySchedule{Retries: 5, Base: 8}
)

// At returns when retry x (1 to Retries) is due, counted from the first
// failure, in the platform's time: Base^x seconds. The docs give the retries'
// times, not the waits between them; the fake reads them as counted from the
// first failure, which puts DevPortalSchedule's last retry at the documented
// "a little under 73 hours" (adding the waits up would make it 97).
func (rs RetrySchedule) At(x int) time.Duration {
	d := time.Second
	for range x {
		d *= time.Duration(rs.Base)
	}
	return d
}

// String names the schedule by its numbers.
func (rs RetrySchedule) String() string {
	return fmt.Sprintf("%d retries at %d^x s", rs.Retries, rs.Base)
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
// It panics on a schedule with Retries < 0, Base < 2, or a last retry
// further than time.Duration can count.
func WithRetrySchedule(rs RetrySchedule) Option {
	if rs.Retries < 0 || rs.Base < 2 {
		panic("elementstest: WithRetrySchedule needs Retries >= 0 and Base >= 2")
	}
	if float64(rs.Retries)*math.Log(float64(rs.Base)) >= math.Log(float64(math.MaxInt64)/float64(time.Second)) {
		panic(fmt.Sprintf("elementstest: WithRetrySchedule: %v runs past what time.Duration counts", rs))
	}
	return func(c *config) {
		c.retries, c.platformWaits = rs.Retries, true
		c.retryWait = func(retry int) time.Duration {
			if retry <= 1 {
				return rs.At(1)
			}
			return rs.At(retry) - rs.At(retry-1)
		}
	}
}

// platformTimeout is the fake's choice of the platform's delivery attempt
// timeout, which the platform does not document.
const platformTimeout = 2 * time.Second

// WithTimeScale runs the platform's clock f times as fast as real time: the
// waits of [WithRetrySchedule]'s schedule and the platform's attempt timeout
// (2s) are multiplied by f, together, so a test keeps the platform's
// proportions: with f = 0.001 an attempt times out after 2 ms and, on
// [DevPortalSchedule], the first retry comes 4 ms after the first failure. Durations given to [WithDeliveryRetry] and
// [WithDeliveryTimeout] are real time and not scaled.
//
// A scale that fits a retry window of days into milliseconds (1e-6: the
// devportal schedule's 73 hours last 262 ms) would leave an attempt 2 µs,
// less than a loopback round trip: set [WithDeliveryTimeout] then. It
// panics unless 0 < f <= 1.
func WithTimeScale(f float64) Option {
	if !(f > 0 && f <= 1) {
		panic("elementstest: WithTimeScale needs 0 < f <= 1")
	}
	return func(c *config) { c.scale = f }
}

// WithDeliveryConcurrency bounds how many delivery attempts the fake makes
// at once, to all callback URLs together, like a platform's pool of
// delivery workers: an attempt waits for a free worker (and its Start is
// when it got one). Deliveries waiting for a retry hold no worker. Without
// it (or with n = 0) attempts are not bounded. It panics if n < 0.
func WithDeliveryConcurrency(n int) Option {
	if n < 0 {
		panic("elementstest: WithDeliveryConcurrency needs n >= 0")
	}
	return func(c *config) { c.workers = n }
}

// retryWait is the real wait before retry x.
func (s *Server) retryWait(x int) time.Duration {
	w := s.cfg.retryWait(x)
	if s.cfg.platformWaits {
		w = scale(w, s.cfg.scale)
	}
	return w
}

// attemptTimeout is the real bound of one attempt.
func (s *Server) attemptTimeout() time.Duration {
	if s.cfg.timeout > 0 {
		return s.cfg.timeout
	}
	return max(scale(platformTimeout, s.cfg.scale), time.Nanosecond)
}

func scale(d time.Duration, f float64) time.Duration {
	return time.Duration(math.Round(float64(d) * f))
}
