package elements

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	withRetryAfter := func(status int, v string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {v}}}
	}
	tests := []struct {
		name             string
		minWait, maxWait time.Duration
		attempt          int
		resp             *http.Response
		lo, hi           time.Duration // inclusive bounds of the wait
	}{
		{"first retry", 100 * time.Millisecond, 10 * time.Second, 0, nil, 50 * time.Millisecond, 100 * time.Millisecond},
		{"grows exponentially", 100 * time.Millisecond, 10 * time.Second, 3, nil, 400 * time.Millisecond, 800 * time.Millisecond},
		{"capped at maxWait", 100 * time.Millisecond, time.Second, 10, nil, 500 * time.Millisecond, time.Second},
		{"huge attempt does not overflow", time.Second, 30 * time.Second, 200, nil, 15 * time.Second, 30 * time.Second},
		{"zero waits", 0, 0, 5, nil, 0, 0},
		{"Retry-After seconds honoured", time.Millisecond, time.Minute, 0, withRetryAfter(429, "7"), 7 * time.Second, 7 * time.Second},
		{"Retry-After capped at maxWait", time.Millisecond, 5 * time.Second, 0, withRetryAfter(429, "3600"), 5 * time.Second, 5 * time.Second},
		{"Retry-After on a 503", time.Millisecond, time.Minute, 0, withRetryAfter(503, "2"), 2 * time.Second, 2 * time.Second},
		{"Retry-After date in the past", time.Millisecond, time.Minute, 0, withRetryAfter(429, "Mon, 02 Jan 2006 15:04:05 GMT"), 0, 0},
		{"Retry-After far-future date capped", time.Millisecond, 3 * time.Second, 0, withRetryAfter(429, "Fri, 31 Dec 2100 23:59:59 GMT"), 3 * time.Second, 3 * time.Second},
		{"bad Retry-After falls back", 100 * time.Millisecond, time.Minute, 0, withRetryAfter(429, "soon"), 50 * time.Millisecond, 100 * time.Millisecond},
		{"negative Retry-After falls back", 100 * time.Millisecond, time.Minute, 0, withRetryAfter(429, "-5"), 50 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		for range 20 { // jitter: check the bounds several times
			got := backoff(tt.minWait, tt.maxWait, tt.attempt, tt.resp)
			if got < tt.lo || got > tt.hi {
				t.Errorf("%s: backoff = %v, want within [%v, %v]", tt.name, got, tt.lo, tt.hi)
				break
			}
		}
	}
}

func TestParseRetryAfterDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got, ok := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now)
	if !ok || got != 90*time.Second {
		t.Errorf("parseRetryAfter = %v, %v; want 90s", got, ok)
	}
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, m := range []string{"GET", "HEAD", "OPTIONS", "PUT", "DELETE"} {
		if !isIdempotent(m) {
			t.Errorf("%s should be idempotent", m)
		}
	}
	for _, m := range []string{"POST", "PATCH", "CONNECT", ""} {
		if isIdempotent(m) {
			t.Errorf("%s should not be idempotent", m)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	retry, err := retryPolicy(true)(canceled, &http.Response{StatusCode: 503}, nil)
	if retry || !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: retry=%v err=%v; want no retry and the context error", retry, err)
	}
}
