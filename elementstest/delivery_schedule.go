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

// platformTimeout is the fake's choice of the platform's delivery attempt
// timeout, which the platform does not document.
const platformTimeout = 2 * time.Second

// retryWait is the real wait before retry x.
func (s *Server) retryWait(x int) time.Duration {
	if rs := s.cfg.schedule; rs != nil { // the platform's time, scaled
		if x <= 1 {
			return scale(rs.At(1), s.cfg.scale)
		}
		return scale(rs.At(x)-rs.At(x-1), s.cfg.scale)
	}
	w := s.cfg.minWait // WithDeliveryRetry's: doubling up to maxWait
	for i := 1; i < x && w > 0 && w < s.cfg.maxWait; i++ {
		if w > s.cfg.maxWait/2 {
			return s.cfg.maxWait
		}
		w *= 2
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
