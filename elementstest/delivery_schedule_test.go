package elementstest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The documented schedules put their last retry where the docs say, and the
// waits between retries add up to it.
func TestRetrySchedules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rs       RetrySchedule
		first    time.Duration
		last     time.Duration
		lastNear time.Duration // what the docs say of the last retry
	}{
		{DevPortalSchedule, 4 * time.Second, 262144 * time.Second, 73 * time.Hour},
		{SAPHelpSchedule, 8 * time.Second, 32768 * time.Second, 9*time.Hour + 30*time.Minute},
	} {
		if got := tc.rs.At(1); got != tc.first {
			t.Errorf("%v: first retry at %v, want %v", tc.rs, got, tc.first)
		}
		if got := tc.rs.At(tc.rs.Retries); got != tc.last || (tc.lastNear-got).Abs() > time.Hour {
			t.Errorf("%v: last retry at %v, want %v (the docs: about %v)", tc.rs, got, tc.last, tc.lastNear)
		}
		s := &Server{cfg: defaultOptions()}
		WithRetrySchedule(tc.rs)(&s.cfg)
		var sum time.Duration
		for x := 1; x <= s.cfg.maxRetries(); x++ {
			sum += s.retryWait(x)
		}
		if s.cfg.maxRetries() != tc.rs.Retries || sum != tc.last {
			t.Errorf("%v: %d retries, waits adding up to %v; want %d, %v", tc.rs, s.cfg.maxRetries(), sum, tc.rs.Retries, tc.last)
		}
	}
}

// WithDeliveryRetry's waits double from minWait up to maxWait, in real time;
// the attempt timeout is the fake's assumed 2 s scaled, unless set.
func TestDeliveryWaitsAndTimeout(t *testing.T) {
	t.Parallel()
	c := &Server{cfg: defaultOptions()}
	WithRetrySchedule(SAPHelpSchedule)(&c.cfg)
	WithDeliveryRetry(9, 5*time.Millisecond, 100*time.Millisecond)(&c.cfg) // the last wins
	var waits []time.Duration
	for x := 1; x <= 9; x++ {
		waits = append(waits, c.retryWait(x))
	}
	ms := time.Millisecond
	if diff := cmp.Diff([]time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 100 * ms, 100 * ms, 100 * ms, 100 * ms}, waits); diff != "" || c.cfg.maxRetries() != 9 {
		t.Errorf("%d retries, waits (-want +got):\n%s", c.cfg.maxRetries(), diff)
	}
	WithDeliveryRetry(100000, 0, time.Second)(&c.cfg)
	if w := c.retryWait(100000); w != 0 {
		t.Errorf("zero minWait: wait %v", w)
	}
	WithDeliveryRetry(3, time.Duration(1<<62), time.Duration(1<<62+1))(&c.cfg)
	if w := c.retryWait(3); w != time.Duration(1<<62+1) {
		t.Errorf("near the limit: wait %v", w)
	}

	for _, tc := range []struct {
		opts []Option
		want time.Duration
	}{
		{nil, 2 * time.Second},
		{[]Option{WithTimeScale(0.001)}, 2 * time.Millisecond},
		{[]Option{WithTimeScale(1e-6), WithDeliveryTimeout(5 * time.Second)}, 5 * time.Second},
	} {
		srv := newServer(t, tc.opts...)
		if got := srv.attemptTimeout(); got != tc.want {
			t.Errorf("attempt timeout %v, want %v", got, tc.want)
		}
	}
	srv := newServer(t, WithRetrySchedule(DevPortalSchedule), WithTimeScale(1e-6))
	if got := srv.retryWait(9); got != 196608*time.Microsecond {
		t.Errorf("devportal's last wait at 1e-6: %v, want 196.608ms", got)
	}
	srv = newServer(t, WithDeliveryRetry(1, time.Second, time.Second), WithTimeScale(1e-6))
	if got := srv.retryWait(1); got != time.Second {
		t.Errorf("WithDeliveryRetry's wait at 1e-6: %v, want 1s, unscaled", got)
	}
}
