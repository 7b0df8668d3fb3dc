package elements

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// isIdempotent reports whether repeating the method cannot change the
// outcome. POST and PATCH are not: retrying them after the request may have
// reached the platform could create an instance twice.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryPolicy is the CheckRetry for one request.
//
//   - idempotent methods: connection errors (except certificate failures),
//     502, 503 and 504;
//   - POST and PATCH: dial errors (the request never left);
//   - never a refused redirect, a turn given up (WithPaceWait), nor once
//     the context has ended;
//   - never a 429: the pacer (pacing.go) sends any method again after a
//     429, which means the request was not processed, without counting it
//     as a retry; a 429 that reaches this policy is one the call returns
//     (WithRateLimitWait or the deadline would be passed).
func retryPolicy(idempotent bool) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		if err != nil {
			if errors.Is(err, ErrRedirect) || errors.Is(err, ErrRateLimited) {
				return false, nil // the same answer again; a turn given up (WithPaceWait)
			}
			if idempotent {
				return !isCertificateError(err), nil
			}
			return isDialError(err), nil
		}
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return idempotent, nil
		}
		return false, nil
	}
}

// isDialError reports whether err happened while connecting, before any
// byte of the request was written.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func isCertificateError(err error) bool {
	var cv *tls.CertificateVerificationError
	return errors.As(err, &cv)
}

// backoff waits min·2^attempt with jitter in [d/2, d], capped at max; a
// Retry-After header on the answer replaces it, also capped at max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(d, maxWait)
		}
	}
	d := maxWait
	if attempt < 32 {
		if e := minWait << attempt; e > 0 && e < maxWait {
			d = e
		}
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// parseRetryAfter reads a Retry-After value: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// lastResponse is the ErrorHandler: when retries are exhausted on an
// answer, hand that answer back (it becomes an *APIError) instead of
// retryablehttp's "giving up" error; on an error, close any answer and
// return the error unchanged.
func lastResponse(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("no answer")
	}
	return resp, nil
}
