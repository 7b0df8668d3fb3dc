package elements

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// DefaultRateLimitWait is how long one call waits out 429 answers in
// total unless WithRateLimitWait sets another bound.
const DefaultRateLimitWait = 5 * time.Minute

// pacer is the Transport of the http.Client the retrying clients send
// through, so it runs for every attempt: it waits for the account's turn in
// the Limiter (requests with an element token), sends the attempt with the
// http.Client the caller gave (its Transport, its Timeout for the attempt
// alone, no redirects) and waits out 429 answers, sending again.
type pacer struct{ c *Client }

func (p pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	c, ctx := p.c, req.Context()
	var account string
	if tok := elementToken(req); tok != "" {
		account = accountKey(tok)
	}
	var limited time.Time // when the first 429 came
	for n := 0; ; n++ {
		done := noop
		if account != "" {
			var err error
			if done, err = c.waitTurn(ctx, account); err != nil {
				return nil, err
			}
		}
		resp, err := c.httpClient.Do(req)
		if err != nil {
			done()
			if ue, ok := err.(*url.Error); ok {
				err = ue.Err // the outer http.Client wraps it again
			}
			return nil, err
		}
		if account != "" {
			resp.Body = &doneBody{ReadCloser: resp.Body, done: done}
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp, nil
		}
		if n == 0 {
			limited = time.Now()
		}
		wait := rateLimitWait(c.minWait, c.maxWait, n, resp)
		if account != "" {
			if err := c.limiter.Backoff(ctx, account, wait); err != nil && c.logger != nil {
				c.logger.LogAttrs(ctx, slog.LevelWarn, "elements: the limiter failed to note a 429",
					slog.String("error", c.redactorFor(req, callOptions{}).redact(err.Error())))
			}
		}
		if !c.mayWait(ctx, time.Since(limited), wait) {
			return resp, nil // the call returns the 429
		}
		next, ok := rewound(req)
		if !ok {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if c.logger != nil {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "elements: rate limited (429), sending again after a wait",
				slog.String("method", req.Method), slog.String("url", c.loggedURL(req)), slog.Duration("wait", wait))
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		req = next
	}
}

// minRateLimitWait is the least a 429 without a Retry-After is waited.
const minRateLimitWait = time.Second

// rateLimitWait is how long to wait after the n-th 429 (resp) before
// sending again: its Retry-After whole, whatever WithRetry's waits are (the
// total is bounded by WithRateLimitWait), or without one the retry backoff,
// at least minRateLimitWait. WithRetry(0, 0, 0) turns retries off; it must
// not make a 429 a storm of requests sent again at once.
func rateLimitWait(minWait, maxWait time.Duration, n int, resp *http.Response) time.Duration {
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return d
	}
	return max(backoff(minWait, maxWait, n, nil), minWait, minRateLimitWait)
}

// waitTurn waits for the account's turn in the Limiter, for at most
// WithPaceWait when it is set: past it, a *RateLimitError.
func (c *Client) waitTurn(ctx context.Context, account string) (func(), error) {
	if c.paceWait <= 0 {
		return c.limiter.Wait(ctx, account)
	}
	wctx, cancel := context.WithTimeout(ctx, c.paceWait)
	defer cancel()
	done, err := c.limiter.Wait(wctx, account)
	if err != nil && ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded) {
		return nil, &RateLimitError{Wait: c.paceWait}
	}
	return done, err
}

// mayWait reports whether a call that met its first 429 waited ago may
// wait d more and send again: within WithRateLimitWait, and ending
// before the context's deadline.
func (c *Client) mayWait(ctx context.Context, waited, d time.Duration) bool {
	if waited+d > c.rateLimitWait {
		return false
	}
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// rewound returns a copy of req to send again, with a fresh body; false
// if its body cannot be read again (never for a request of NewRequest).
func rewound(req *http.Request) (*http.Request, bool) {
	next := *req
	if req.Body == nil || req.Body == http.NoBody {
		return &next, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	next.Body = body
	return &next, true
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doneBody is an answer's body that tells the Limiter the attempt is over
// when it is closed.
type doneBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *doneBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// RateLimitError is the cause of a call that gave up waiting for its
// account's turn (WithPaceWait): nothing was sent. It wraps
// [ErrRateLimited]; RetryAfter says when to try again, so that a queue
// (riverinbox) snoozes the job rather than failing it.
type RateLimitError struct {
	Wait time.Duration // how long the call waited for its turn
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v: the account's turn did not come within %v (WithPaceWait); nothing was sent, try again later", ErrRateLimited, e.Wait)
}

// Unwrap returns [ErrRateLimited].
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RetryAfter reports how long to wait before the call is tried again: the
// wait it gave up after, by when other calls have had their turns.
func (e *RateLimitError) RetryAfter() (time.Duration, bool) { return e.Wait, true }
