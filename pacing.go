package elements

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// pacer is the Transport of the http.Client the retrying clients send
// through, so it runs for every attempt: it waits for the account's turn in
// the Limiter (requests with an element token), sends the attempt with the
// http.Client the caller gave (its Transport, its Timeout for the attempt
// alone, no redirects), and tells the Limiter of a 429.
type pacer struct{ c *Client }

func (p pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	c, ctx := p.c, req.Context()
	var account string
	if tok := elementToken(req); tok != "" {
		account = accountKey(tok)
	}
	done := noop
	if account != "" {
		var err error
		if done, err = c.limiter.Wait(ctx, account); err != nil {
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
		wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if resp.StatusCode == http.StatusTooManyRequests && ok {
			if err := c.limiter.Backoff(ctx, account, min(wait, c.maxWait)); err != nil && c.logger != nil {
				c.logger.LogAttrs(ctx, slog.LevelWarn, "elements: the limiter failed to note a 429",
					slog.String("error", c.redactorFor(req, callOptions{}).redact(err.Error())))
			}
		}
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the caller's
// http.Client, as go-retryablehttp asks after a call failed.
func (p pacer) CloseIdleConnections() { p.c.httpClient.CloseIdleConnections() }

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
