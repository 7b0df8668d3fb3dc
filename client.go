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
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements/internal/redact"
	"github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.1.0"

// Base URLs of the platform's hosts. All of them serve the same API; pick
// the one your account lives on with [WithBaseURL].
const (
	BaseURLCloudElementsUS      = "https://api.cloud-elements.com/elements/api-v2"
	BaseURLCloudElementsEU      = "https://api.cloud-elements.co.uk/elements/api-v2"
	BaseURLCloudElementsStaging = "https://staging.cloud-elements.com/elements/api-v2"
	BaseURLOpenConnectorsUS2    = "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2"
	BaseURLOpenConnectorsEU10   = "https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2"

	// DefaultBaseURL is the host a Client talks to without WithBaseURL.
	DefaultBaseURL = BaseURLCloudElementsUS
)

// Retry defaults, used unless WithRetry is given.
const (
	DefaultMaxRetries = 3
	DefaultMinWait    = 500 * time.Millisecond
	DefaultMaxWait    = 30 * time.Second
)

const defaultUserAgent = "elements-go/" + Version

// Client talks to the platform's REST API. Create it with [NewClient]; it is
// safe for concurrent use. Its secrets never appear in its printed form.
type Client struct {
	// Instances manages element instances (the /instances API).
	Instances *InstancesService

	baseURL    *url.URL
	base       string // baseURL.String(), computed once
	httpClient *http.Client
	userSecret string
	orgSecret  string
	userAgent  string
	logger     *slog.Logger

	maxRetries int
	minWait    time.Duration
	maxWait    time.Duration

	maxAnswer int64 // MaxResponseBytes; smaller in tests

	// retriers for requests without a logger (which needs the request's
	// context): [0] for requests that may be repeated, [1] for the others.
	// Built once in NewClient; retryablehttp.Client is safe for concurrent use.
	retriers [2]*retryablehttp.Client
}

// An Option configures a Client in NewClient.
type Option func(*Client) error

// WithBaseURL sets the platform host, for example [BaseURLOpenConnectorsEU10]
// or the URL of an elementstest server. A trailing slash is ignored and the
// path is kept. The URL must be absolute http or https, without query or
// fragment.
func WithBaseURL(rawURL string) Option {
	return func(c *Client) error {
		u, err := url.Parse(rawURL)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // not the URL itself: it may hold credentials
			}
			return fmt.Errorf("elements: WithBaseURL: invalid URL: %w", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return fmt.Errorf("elements: WithBaseURL: scheme must be http or https, got %q", u.Scheme)
		}
		if u.Host == "" {
			return errors.New("elements: WithBaseURL: URL has no host")
		}
		if u.User != nil {
			return errors.New("elements: WithBaseURL: URL must not carry user information")
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return errors.New("elements: WithBaseURL: URL must not have a query or fragment")
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = strings.TrimRight(u.RawPath, "/")
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the http.Client whose Transport sends each attempt; the
// retry logic runs around it. Its Timeout, if any, bounds each attempt.
//
// go-retryablehttp, which runs the retries, calls hc.CloseIdleConnections
// when a call fails for good or its context ends, so give the client its own
// http.Client (it may share a Transport's configuration, not the pool) if
// other parts of the program depend on keeping idle connections warm.
//
// The client uses a copy of hc whose CheckRedirect refuses every redirect
// (see [ErrRedirect]); hc itself is not changed.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("elements: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithRetry sets the retry policy: at most maxRetries retries after the first
// attempt (0 disables retries), waiting between minWait and maxWait, growing
// exponentially. A Retry-After header is honoured but never waited longer
// than maxWait.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return func(c *Client) error {
		switch {
		case maxRetries < 0:
			return fmt.Errorf("elements: WithRetry: maxRetries must be >= 0, got %d", maxRetries)
		case minWait < 0:
			return fmt.Errorf("elements: WithRetry: minWait must be >= 0, got %v", minWait)
		case maxWait < minWait:
			return fmt.Errorf("elements: WithRetry: maxWait (%v) must be >= minWait (%v)", maxWait, minWait)
		}
		c.maxRetries, c.minWait, c.maxWait = maxRetries, minWait, maxWait
		return nil
	}
}

// WithLogger makes the client log requests, retries and failures at Debug
// and Error level. Secrets are redacted. Without it the client is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("elements: WithLogger: nil *slog.Logger")
		}
		c.logger = l
		return nil
	}
}

// WithUserAgent puts product (for example "myapp/1.2") in front of the
// SDK's own User-Agent.
func WithUserAgent(product string) Option {
	return func(c *Client) error {
		product = strings.TrimSpace(product)
		if product == "" || strings.ContainsAny(product, "\r\n") {
			return errors.New("elements: WithUserAgent: empty or multi-line user agent")
		}
		c.userAgent = product + " " + defaultUserAgent
		return nil
	}
}

// NewClient returns a client that authenticates with the organization's
// user secret and organization secret (Authorization: User …, Organization …).
// Without options it talks to [DefaultBaseURL] through an http.Client with a
// 60-second timeout per attempt, retries with [DefaultMaxRetries],
// [DefaultMinWait] and [DefaultMaxWait], and logs nothing.
//
// Each secret must be at least 4 characters long, printable, without spaces
// or commas, as the platform issues them; NewClient rejects anything else
// with an error that names the secret, never its value. (The minimum lets
// the client redact the secrets from every error and log: a shorter
// "secret" is a truncated or placeholder value anyway.)
func NewClient(userSecret, organizationSecret string, opts ...Option) (*Client, error) {
	if err := checkSecret("user secret", userSecret); err != nil {
		return nil, err
	}
	if err := checkSecret("organization secret", organizationSecret); err != nil {
		return nil, err
	}
	base, _ := url.Parse(DefaultBaseURL)
	c := &Client{
		baseURL:    base,
		httpClient: &http.Client{Timeout: 60 * time.Second},
		userSecret: userSecret,
		orgSecret:  organizationSecret,
		userAgent:  defaultUserAgent,
		maxRetries: DefaultMaxRetries,
		minWait:    DefaultMinWait,
		maxWait:    DefaultMaxWait,
		maxAnswer:  MaxResponseBytes,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	c.base = c.baseURL.String()
	c.httpClient = withoutRedirects(c.httpClient, c) // a copy: the caller's stays as it is
	c.retriers[0] = c.retrier(true)
	c.retriers[1] = c.retrier(false)
	c.Instances = &InstancesService{client: c}
	return c, nil
}

// checkSecret rejects empty secrets, ones too short to be redacted from
// errors and logs, and ones that cannot go in a header. The message names
// the secret, never its value.
func checkSecret(name, s string) error {
	if s == "" {
		return fmt.Errorf("elements: the %s is empty", name)
	}
	if len(s) < minSecretLen {
		return fmt.Errorf("elements: the %s is shorter than %d characters; pass the whole value the platform issued", name, minSecretLen)
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f || r == ',' {
			return fmt.Errorf("elements: the %s contains whitespace, a comma or a control character", name)
		}
	}
	return nil
}

// BaseURL returns the base URL the client sends requests to, without a
// trailing slash.
func (c *Client) BaseURL() string { return c.base }

// String describes the client without its secrets.
func (c Client) String() string {
	return fmt.Sprintf("elements.Client{BaseURL: %s, UserSecret: %s, OrganizationSecret: %s}",
		c.baseURL, redact.Mask(c.userSecret), redact.Mask(c.orgSecret))
}

// GoString is like String, so %#v does not print the secrets either.
func (c Client) GoString() string { return c.String() }

// Format prints the redacted form for every verb.
func (c Client) Format(f fmt.State, verb rune) { redact.Format(f, verb, c) }

// LogValue makes slog print the redacted form.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// A RequestOption changes one request built by [Client.NewRequest].
type RequestOption func(*requestConfig)

type requestConfig struct {
	elementToken string
	hasToken     bool     // WithElementToken was given, even with ""
	secrets      []string // values to redact from errors and logs
	once         bool     // not repeatable once sent, whatever the method
}

// WithElementToken scopes a request to one element instance: the
// Authorization header becomes "User …, Organization …, Element <token>".
// The token is redacted from errors and logs like the other secrets; like
// them it must be at least 4 characters long, printable, without spaces or
// commas, or NewRequest returns an error.
func WithElementToken(token string) RequestOption {
	return func(rc *requestConfig) {
		rc.elementToken, rc.hasToken = token, true
		rc.secrets = append(rc.secrets, token)
	}
}

// withSecrets marks further values (OAuth secrets in a query, codes) for
// redaction from errors and logs of this request.
func withSecrets(values ...string) RequestOption {
	return func(rc *requestConfig) { rc.secrets = append(rc.secrets, values...) }
}

// sendOnce marks a request that must not be repeated once it may have
// reached the platform, even if its method is idempotent: a PUT that
// exchanges a single-use OAuth code, for example.
func sendOnce() RequestOption {
	return func(rc *requestConfig) { rc.once = true }
}

// configKey carries the request's requestConfig from NewRequest to Do.
type configKey struct{}

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
	var rc requestConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&rc)
		}
	}
	if rc.hasToken {
		if err := checkSecret("element token", rc.elementToken); err != nil {
			return nil, err
		}
	}
	rawURL := c.base + "/" + strings.TrimLeft(path, "/")
	var buf io.Reader
	if body != nil {
		b, err := marshalBody(body)
		if err != nil {
			if u, perr := url.Parse(rawURL); perr == nil {
				return nil, fmt.Errorf("elements: %s %s: encoding the request body: %w", method, u.EscapedPath(), err)
			}
			return nil, fmt.Errorf("elements: %s: encoding the request body: %w", method, err)
		}
		buf = bytes.NewReader(b)
		if s, ok := body.(interface{ secretValues() []string }); ok {
			if rc.secrets == nil {
				rc.secrets = s.secretValues()
			} else {
				rc.secrets = append(rc.secrets, s.secretValues()...)
			}
		}
	}
	if len(rc.secrets) > 0 || rc.once {
		ctx = context.WithValue(ctx, configKey{}, &rc)
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
	if rc.elementToken != "" {
		auth += ", Element " + rc.elementToken
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// marshalBody is json.Marshal(body), calling the SDK's own request types'
// encoder directly (their output is valid, compact JSON already); a failure
// reads as json.Marshal's would.
func marshalBody(body any) ([]byte, error) {
	m, ok := body.(interface{ marshalWire() ([]byte, error) })
	if !ok {
		return json.Marshal(body)
	}
	b, err := m.marshalWire()
	if err != nil {
		return nil, &json.MarshalerError{Type: reflect.TypeOf(body), Err: err}
	}
	return b, nil
}

// Response is a platform answer. It embeds the *http.Response (whose Body
// has already been read and closed) and exposes the platform's headers.
type Response struct {
	*http.Response

	// RequestID is the Elements-Request-Id header.
	RequestID string
	// NextPageToken is the Elements-Next-Page-Token header: pass it back to
	// get the next page; empty on the last page.
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
// answer returns *[APIError]; a 2xx answer that cannot be decoded into v, or
// that is larger than [MaxResponseBytes], returns an error wrapping
// [ErrInvalidResponse]. Transport failures and the
// end of req's context are returned wrapped (errors.Is(err,
// context.DeadlineExceeded) works). No error text carries a secret.
//
// NewRequest records its options (secrets to redact, retry restrictions) in
// the request's context: if you swap the context, derive the new one from
// req.Context().
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	cfg, _ := req.Context().Value(configKey{}).(*requestConfig)
	if cfg == nil {
		cfg = &requestConfig{}
	}
	// The redactor is built only where text may leave: the logger and the
	// error paths.
	var red redactor
	redactorOnce := func() redactor {
		if red == nil {
			red = c.redactorFor(req, cfg)
		}
		return red
	}

	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, newRequestError(req, err, redactorOnce())
	}
	repeatable := isIdempotent(req.Method) && !cfg.once
	var rc *retryablehttp.Client
	switch {
	case c.logger != nil:
		rc = c.retrier(repeatable)
		rc.Logger = &leveledLogger{ctx: req.Context(), l: c.logger, red: redactorOnce()}
	case repeatable:
		rc = c.retriers[0]
	default:
		rc = c.retriers[1]
	}
	if rc == nil { // a Client not made by NewClient
		rc = c.retrier(repeatable)
	}
	resp, err := rc.Do(rreq)
	if err != nil {
		return nil, newRequestError(req, err, redactorOnce())
	}
	defer resp.Body.Close()
	r := newResponse(resp)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, newAPIError(req.Method, req.URL.EscapedPath(), resp, redactorOnce())
	}
	if v == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return r, nil
	}
	body := &cappedReader{r: resp.Body, max: c.maxAnswer, left: c.maxAnswer + 1}
	if d, ok := v.(interface{ decodeBody(io.Reader, int64) error }); ok {
		err = d.decodeBody(body, resp.ContentLength) // the SDK's own fast path, same result
	} else {
		err = json.NewDecoder(body).Decode(v)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("empty body")
		} else if ctxErr := req.Context().Err(); ctxErr != nil {
			return r, newRequestError(req, ctxErr, redactorOnce())
		}
		return r, fmt.Errorf("elements: %s %s: %w: %d answer with Content-Type %q: %s",
			req.Method, req.URL.EscapedPath(), ErrInvalidResponse, resp.StatusCode, resp.Header.Get("Content-Type"), redactorOnce().redact(err.Error()))
	}
	return r, nil
}

// retrier returns a retrying client with the client's policy, for requests
// that may (repeatable) or may not be repeated once sent.
func (c *Client) retrier(repeatable bool) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		RetryMax:     c.maxRetries,
		RetryWaitMin: c.minWait,
		RetryWaitMax: c.maxWait,
		CheckRetry:   retryPolicy(repeatable),
		Backoff:      backoff,
		ErrorHandler: lastResponse,
	}
}

// redactorFor lists what must never appear in this request's errors or logs.
func (c *Client) redactorFor(req *http.Request, cfg *requestConfig) redactor {
	secrets := append([]string{c.userSecret, c.orgSecret}, cfg.secrets...)
	if _, tok, ok := strings.Cut(req.Header.Get("Authorization"), "Element "); ok {
		secrets = append(secrets, strings.TrimSpace(tok))
	}
	return redactor(secrets)
}

// RequestError is a failure to get an answer from the platform: a
// transport error, or the end of the request's context (while sending or
// while waiting to retry). It wraps the cause, so errors.Is(err,
// context.DeadlineExceeded) and errors.As(err, &netErr) work. Its text names
// the method and path, never the query, and holds no secret. It is returned
// as a *RequestError; its methods have value receivers so that a copy, on
// its own or inside a struct, prints the same redacted text.
type RequestError struct {
	Method string
	Path   string
	Err    error

	red redactor
}

// Error implements error. The text names the method and path and the
// cause, with every known secret replaced by [REDACTED].
func (e RequestError) Error() string {
	return "elements: " + e.Method + " " + e.Path + ": " + e.cause()
}

// GoString keeps %#v from printing the secrets the error redacts: it shows
// the cause as text, redacted like Error.
func (e RequestError) GoString() string {
	return fmt.Sprintf("&elements.RequestError{Method:%q, Path:%q, Err:%q}", e.Method, e.Path, e.cause())
}

// cause is the redacted text of Err.
func (e RequestError) cause() string {
	msg := e.Err.Error()
	var ue *url.Error
	if errors.As(e.Err, &ue) {
		msg = ue.Err.Error() // the URL's query may hold an OAuth secret
	}
	return e.red.redact(msg)
}

// Unwrap returns the cause.
func (e RequestError) Unwrap() error { return e.Err }

func newRequestError(req *http.Request, err error, red redactor) *RequestError {
	var ue *url.Error
	if errors.As(err, &ue) {
		// Strip the query from the wrapped *url.Error too.
		u := *req.URL
		u.RawQuery = ""
		ue.URL = u.String()
	}
	return &RequestError{Method: req.Method, Path: req.URL.EscapedPath(), Err: err, red: red}
}

// leveledLogger adapts slog to retryablehttp.LeveledLogger, redacting every
// value it logs.
type leveledLogger struct {
	ctx context.Context
	l   *slog.Logger
	red redactor
}

func (g *leveledLogger) log(level slog.Level, msg string, kv []any) {
	if !g.l.Enabled(g.ctx, level) {
		return
	}
	out := make([]any, len(kv))
	for i, v := range kv {
		switch x := v.(type) {
		case string:
			out[i] = g.red.redact(x)
		case error:
			out[i] = g.red.redact(x.Error())
		case fmt.Stringer:
			out[i] = g.red.redact(x.String())
		default:
			out[i] = v
		}
	}
	g.l.Log(g.ctx, level, "elements: "+msg, out...)
}

func (g *leveledLogger) Error(msg string, kv ...any) { g.log(slog.LevelError, msg, kv) }
func (g *leveledLogger) Info(msg string, kv ...any)  { g.log(slog.LevelInfo, msg, kv) }
func (g *leveledLogger) Debug(msg string, kv ...any) { g.log(slog.LevelDebug, msg, kv) }
func (g *leveledLogger) Warn(msg string, kv ...any)  { g.log(slog.LevelWarn, msg, kv) }
