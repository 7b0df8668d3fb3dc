package elements

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/elementsgo/elements/internal/redact"
	"github.com/hashicorp/go-retryablehttp"
)

// A RequestOption changes one request built by [Client.NewRequest].
type RequestOption func(*requestOptions)

type requestOptions struct {
	elementToken string
	hasToken     bool // WithElementToken was given, even with ""
}

// WithElementToken scopes a request to one element instance: the
// Authorization header becomes "User …, Organization …, Element <token>".
// The token is redacted from errors and logs like the other secrets; like
// them it must be at least 4 characters long, printable, without spaces or
// commas, or NewRequest returns an error.
func WithElementToken(token string) RequestOption {
	return func(o *requestOptions) { o.elementToken, o.hasToken = token, true }
}

// NewRequest builds an API request. path is relative to the base URL (for
// example "/instances/123" or "instances?searchText=x"); body, if not nil, is
// encoded as JSON. The request carries the Authorization, Accept, User-Agent
// and, with a body, Content-Type headers. Send it with [Client.Do].
func (c *Client) NewRequest(ctx context.Context, method, path string, body any, opts ...RequestOption) (*http.Request, error) {
	if ctx == nil {
		return nil, errors.New("elements: NewRequest: nil context")
	}
	if c.baseURL == nil {
		return nil, errors.New("elements: NewRequest: the Client was not created with NewClient")
	}
	var o requestOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.hasToken {
		if err := checkSecret("element token", o.elementToken); err != nil {
			return nil, err
		}
	}
	rawURL := c.base + "/" + strings.TrimLeft(path, "/")
	var buf io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			if u, perr := url.Parse(rawURL); perr == nil {
				return nil, fmt.Errorf("elements: %s %s: encoding the request body: %w", method, u.EscapedPath(), err)
			}
			return nil, fmt.Errorf("elements: %s: encoding the request body: %w", method, err)
		}
		buf = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, buf)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("elements: NewRequest: invalid path: %w", err)
		}
		return nil, fmt.Errorf("elements: NewRequest: %w", err)
	}
	auth := "User " + c.userSecret + ", Organization " + c.orgSecret
	if o.elementToken != "" {
		auth += ", Element " + o.elementToken
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Response is a platform answer. It embeds the *http.Response (whose Body
// has already been read and closed) and exposes the platform's headers.
type Response struct {
	*http.Response

	// RequestID is the Elements-Request-Id header.
	RequestID string
	// NextPageToken is the Elements-Next-Page-Token header: pass it back
	// (nextPage) to get the next page. The platform sends one on the last
	// page too: a list ends on a page without a token, an empty page or a
	// token seen before, as InstancesService.All reads it.
	NextPageToken string
	// TotalCount and ReturnedCount are the Elements-Total-Count and
	// Elements-Returned-Count headers; -1 when absent or not a number.
	TotalCount    int
	ReturnedCount int
}

func newResponse(r *http.Response) *Response {
	return &Response{
		Response:      r,
		RequestID:     r.Header.Get("Elements-Request-Id"),
		NextPageToken: r.Header.Get("Elements-Next-Page-Token"),
		TotalCount:    headerInt(r.Header, "Elements-Total-Count"),
		ReturnedCount: headerInt(r.Header, "Elements-Returned-Count"),
	}
}

func headerInt(h http.Header, name string) int {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// Do sends req (built by [Client.NewRequest]) with the client's retry
// policy and decodes a 2xx JSON answer into v, unless v is nil. A non-2xx
// answer returns *[APIError]; a 2xx answer that cannot be decoded into v
// (trailing data after the JSON value included), or that is larger than
// [MaxResponseBytes], returns an error wrapping [ErrInvalidResponse].
// Transport failures and the end of req's context are returned wrapped
// (errors.Is(err, context.DeadlineExceeded) works). No error text carries
// the client's secrets or the request's element token.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	return c.do(req, v, callOptions{})
}

// callOptions are the per-call settings of do.
type callOptions struct {
	// secrets are values to redact from errors besides the client's
	// secrets and the element token (codes, OAuth secrets in a query).
	secrets []string
	// once marks a request that must not be repeated once it may have
	// reached the platform, whatever its method: a PUT that exchanges a
	// single-use OAuth code, for example.
	once bool
}

// do is the one request path: it sends req with the retry policy of its
// method (or once), turns a non-2xx answer into an *APIError and decodes a
// 2xx answer into v.
func (c *Client) do(req *http.Request, v any, o callOptions) (*Response, error) {
	if c.retry == nil {
		return nil, errors.New("elements: Do: the Client was not created with NewClient")
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, c.failed(newRequestError(req, err, c.redactorFor(req, o)))
	}
	rc := c.retry
	if o.once || !isIdempotent(req.Method) {
		rc = c.retryOnce
	}
	resp, err := rc.Do(rreq)
	if err != nil {
		return nil, c.failed(newRequestError(req, err, c.redactorFor(req, o)))
	}
	defer resp.Body.Close()
	r := newResponse(resp)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, c.failed(newAPIError(req.Method, req.URL.EscapedPath(), resp, c.redactorFor(req, o)))
	}
	if v == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return r, nil
	}
	if err := decodeAnswer(&cappedReader{r: resp.Body, max: c.maxAnswer, left: c.maxAnswer + 1}, v); err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil && !errors.Is(err, errTrailingData) {
			return r, c.failed(newRequestError(req, ctxErr, c.redactorFor(req, o)))
		}
		return r, c.failed(c.invalidAnswer(req, r, o, err))
	}
	return r, nil
}

var errTrailingData = errors.New("data after the JSON value")

// decodeAnswer decodes exactly one JSON value from body into v.
func decodeAnswer(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body")
		}
		return err
	}
	_, err := dec.Token()
	var syntax *json.SyntaxError
	switch {
	case err == nil || errors.As(err, &syntax):
		return errTrailingData
	case errors.Is(err, io.EOF):
		return nil
	}
	return err // reading failed, the size cap included
}

// maxQuotedHeader bounds, in bytes, how much of a header of the answer an
// error quotes.
const maxQuotedHeader = 100

// invalidAnswer is the error for a 2xx answer the call cannot use: it
// wraps ErrInvalidResponse and names the call and the answer. What it takes
// from the answer (its Content-Type, cause's text) follows the SDK's one
// quoting rule: redacted whole, then put in one line and cut (redact.Line).
func (c *Client) invalidAnswer(req *http.Request, r *Response, o callOptions, cause error) error {
	red := c.redactorFor(req, o)
	return fmt.Errorf("elements: %s %s: %w: %d answer with Content-Type \"%s\": %s",
		req.Method, req.URL.EscapedPath(), ErrInvalidResponse, r.StatusCode,
		redact.Line(red.redact(r.Header.Get("Content-Type")), maxQuotedHeader), oneLine(red.redact(cause.Error())))
}

// InvalidResponse returns the error for a 2xx answer the caller cannot
// use, for code that converts or checks what [Client.Do] decoded (a date in
// a layout it cannot read, say): req is the request given to Do, resp its
// answer. The error is the one Do returns for an answer it cannot decode:
// it wraps [ErrInvalidResponse], names req's method and path, holds
// cause's text with every secret of the request (the client's secrets, the
// element token) redacted, in one line and bounded, and is logged at Error
// level like Do's own failures.
func (c *Client) InvalidResponse(req *http.Request, resp *Response, cause error) error {
	if cause == nil {
		cause = errors.New("unusable answer")
	}
	if req == nil || req.URL == nil {
		red := redactor{c.userSecret, c.orgSecret}
		return c.failed(fmt.Errorf("elements: %w: %s", ErrInvalidResponse, oneLine(red.redact(cause.Error()))))
	}
	if resp == nil || resp.Response == nil {
		resp = &Response{Response: &http.Response{Header: http.Header{}}}
	}
	return c.failed(c.invalidAnswer(req, resp, callOptions{}, cause))
}

// failed logs err, which holds no secret, and returns it: an answer the
// caller may expect (an *APIError, such as a 404) at Debug level, anything
// else (no answer, an unusable answer) at Error level.
func (c *Client) failed(err error) error {
	if c.logger != nil {
		level := slog.LevelError
		if _, ok := err.(*APIError); ok {
			level = slog.LevelDebug
		}
		c.logger.Log(context.Background(), level, "elements: request failed", "error", err.Error())
	}
	return err
}

// redactorFor lists what must never appear in this request's errors or logs.
func (c *Client) redactorFor(req *http.Request, o callOptions) redactor {
	secrets := append([]string{c.userSecret, c.orgSecret}, o.secrets...)
	if tok := elementToken(req); tok != "" {
		secrets = append(secrets, tok)
	}
	return redactor(secrets)
}

// logAttempt is the retrying client's RequestLogHook: it logs each attempt
// at Debug level with the URL's query values and any secret redacted.
func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	msg := "elements: performing request"
	if attempt > 0 {
		msg = "elements: retrying request"
	}
	c.logger.LogAttrs(req.Context(), slog.LevelDebug, msg,
		slog.String("method", req.Method), slog.String("url", c.loggedURL(req)), slog.Int("attempt", attempt))
}

// logAnswer is the retrying client's ResponseLogHook: it logs each answer's
// status at Debug level.
func (c *Client) logAnswer(_ retryablehttp.Logger, resp *http.Response) {
	ctx, desc := context.Background(), "request"
	if req := resp.Request; req != nil { // a custom RoundTripper may leave it nil
		ctx, desc = req.Context(), req.Method+" "+c.loggedURL(req)
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "elements: answer", slog.String("request", fmt.Sprintf("%s (status: %d)", desc, resp.StatusCode)))
}

// loggedURL is req's URL with every query value replaced by [REDACTED] and
// any secret of the request redacted.
func (c *Client) loggedURL(req *http.Request) string {
	u := *req.URL
	if u.RawQuery != "" {
		pairs := strings.Split(u.RawQuery, "&")
		for i, p := range pairs {
			k, _, _ := strings.Cut(p, "=")
			pairs[i] = k + "=" + redact.Text
		}
		u.RawQuery = strings.Join(pairs, "&")
	}
	return c.redactorFor(req, callOptions{}).redact(u.String())
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 1 << 20

// MaxResponseBytes bounds how much of a 2xx answer the client reads: a
// larger answer (a runaway list, a misbehaving proxy) fails with an error
// wrapping [ErrInvalidResponse] instead of exhausting memory.
const MaxResponseBytes = 32 << 20

// cappedReader reads at most max bytes, then fails.
type cappedReader struct {
	r    io.Reader
	max  int64
	left int64 // bytes still allowed, plus one
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return n, fmt.Errorf("the answer is larger than %d bytes", c.max)
	}
	return n, err
}
