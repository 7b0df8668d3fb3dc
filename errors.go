package elements

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/elementsgo/elements/internal/redact"
)

// Sentinel errors callers can test with errors.Is.
var (
	// ErrNotFound matches an *APIError with status 404.
	ErrNotFound = errors.New("elements: not found")
	// ErrInvalidResponse is wrapped when a 2xx answer cannot be decoded or
	// lacks what the call needs (for example a created instance without an id).
	ErrInvalidResponse = errors.New("invalid response from the platform")
	// ErrUnauthorized matches an *APIError with status 401 or 403: the
	// platform refused the credentials of the call. For a call scoped to an
	// instance (its Element token, as acuity.Account sends it) a 401 means
	// the tenant must reconnect (the instance was deleted, or its OAuth grant
	// expired or was revoked: re-authenticate it with a new code) and a 403
	// that the instance is disabled (enable it); [InstancesService.State]
	// tells which in one call. For other calls it means the client's user
	// or organization secret is wrong.
	ErrUnauthorized = errors.New("elements: unauthorized")
	// ErrRateLimited matches a call the account's rate limit stopped: an
	// *APIError of a 429 answer the call returned (WithRateLimitWait), or a
	// [*RateLimitError] from a call that gave up waiting for its turn
	// (WithPaceWait). Either has a RetryAfter method saying when to try
	// again.
	ErrRateLimited = errors.New("elements: rate limited")
	// ErrMaskedValue is wrapped by the error of a call that would send
	// [MaskedValue] ("********", which the platform answers in place of a
	// secret) as a configuration value or in providerData: sent back, it
	// would overwrite the real secret (the signing key, the OAuth client id
	// or secret) and silently break the instance. Instances.Create, Update,
	// Replace, Reauthenticate, UpdateConfiguration and OAuthURL check before
	// sending anything ([Client.Do] sends what it is given), and they check
	// what would be sent: the mask as any string of the encoded
	// configuration or providerData, at any depth, whatever Go type held
	// it in Extra (a *string, a named string type, a json.RawMessage). Build such a
	// body from the secrets the application stored, not from what Get
	// returned (for Acuity, acuity.ReauthRequest).
	ErrMaskedValue = errors.New(`elements: the masked value "********" where a secret belongs`)
)

// MaskedValue is what the platform answers instead of a secret
// configuration value (oauth.api.key, oauth.api.secret,
// event.notification.signature.key, passwords, tokens).
const MaskedValue = redact.PlatformMask

// maxMessage bounds APIError.Message when it comes from a non-JSON page,
// and maxSummarized how much of such a page is looked at.
const (
	maxMessage    = 200
	maxSummarized = 64 << 10
)

// APIError is a non-2xx answer from the platform. Every call returns it
// (possibly wrapped) for such answers; use errors.As to get it.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// RequestID is the platform's request id, from the body or the
	// Elements-Request-Id header. Quote it to the platform's support.
	RequestID string
	// Message is the platform's message, or for a non-JSON answer (an HTML
	// error page of a proxy) a short plain-text summary of it, or the
	// status text for an empty body. Never empty.
	Message string
	// ProviderMessage is the message of the vendor behind the element, if any.
	ProviderMessage string
	// Method and Path are the request's method and URL path (never its query).
	Method string
	Path   string
	// Header holds the answer's headers (Retry-After, Elements-* ...), with
	// any known secret a header echoed replaced by [REDACTED].
	Header http.Header
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("elements: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" && e.Message != http.StatusText(e.StatusCode) {
		b.WriteString(": " + e.Message)
	}
	if e.ProviderMessage != "" {
		b.WriteString(" (provider: " + e.ProviderMessage + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404, and
// errors.Is(err, ErrUnauthorized) true for a 401 or a 403.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// RetryAfter reports whether e is a 429 Too Many Requests answer and, if
// so, how long the platform asked the caller to wait: its Retry-After
// header (delay seconds or an HTTP date, at most 24 hours), or 0 when it
// sent none. A queue's worker waits that long instead of counting a failed
// attempt (riverinbox's Worker snoozes the job).
func (e *APIError) RetryAfter() (time.Duration, bool) {
	if e.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	d, _ := parseRetryAfter(e.Header.Get("Retry-After"), time.Now())
	return d, true
}

// LogValue makes slog print the error's safe fields.
func (e *APIError) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("status", e.StatusCode), slog.String("method", e.Method), slog.String("path", e.Path),
		slog.String("message", e.Message), slog.String("providerMessage", e.ProviderMessage), slog.String("requestId", e.RequestID))
}

// RequestError is a failure to get an answer from the platform: a
// transport error, or the end of the request's context (while sending or
// while waiting to retry). Its text names the method and path, never the
// query, and holds no secret: Err prints as the cause's text with every
// known secret replaced by [REDACTED], even when a RequestError is copied
// and printed by value; errors.Is(err, context.DeadlineExceeded) and
// errors.As(err, &netErr) reach the cause through it.
type RequestError struct {
	Method string
	Path   string
	Err    error
}

// Error implements error.
func (e *RequestError) Error() string {
	return "elements: " + e.Method + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns Err, which unwraps to the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// LogValue makes slog print the error's fields, the cause redacted.
func (e *RequestError) LogValue() slog.Value {
	return slog.GroupValue(slog.String("method", e.Method), slog.String("path", e.Path), slog.String("error", e.Err.Error()))
}

func newRequestError(req *http.Request, err error, red redactor) *RequestError {
	var ue *url.Error
	if errors.As(err, &ue) {
		// Strip the query from the wrapped *url.Error too.
		u := *req.URL
		u.RawQuery = ""
		ue.URL = u.String()
	}
	msg := err.Error()
	if ue != nil {
		msg = ue.Err.Error() // the URL's query may hold an OAuth secret
	}
	return &RequestError{Method: req.Method, Path: req.URL.EscapedPath(), Err: &redactedError{text: red.redact(msg), err: err}}
}

// redactedError is a cause whose text is redacted; it unwraps to the
// original error. Only its redacted text is printed, whatever the verb.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string                 { return e.text }
func (e *redactedError) Unwrap() error                 { return e.err }
func (e *redactedError) Format(f fmt.State, verb rune) { redact.Format(f, verb, e) }
func (e *redactedError) String() string                { return e.text }
func (e *redactedError) GoString() string              { return strconv.Quote(e.text) }

// newAPIError reads (a bounded part of) resp's body into an *APIError.
func newAPIError(method, path string, resp *http.Response, red redactor) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		Header:     red.header(resp.Header),
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var wire struct {
		Message         any `json:"message"`
		Error           any `json:"error"`
		RequestID       any `json:"requestId"`
		ProviderMessage any `json:"providerMessage"`
	}
	if err := json.Unmarshal(body, &wire); err == nil {
		e.Message = jsonText(wire.Message)
		if e.Message == "" {
			e.Message = jsonText(wire.Error)
		}
		e.RequestID = jsonText(wire.RequestID)
		e.ProviderMessage = jsonText(wire.ProviderMessage)
	} else {
		e.Message = summarize(red.redact(string(body)))
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("Elements-Request-Id")
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Message == "" {
		e.Message = "unknown status"
	}
	// Redacted whole, then cut: a cut secret would escape the redactor.
	e.Message = oneLine(red.redact(e.Message))
	e.ProviderMessage = oneLine(red.redact(e.ProviderMessage))
	e.RequestID = oneLine(red.redact(e.RequestID))
	return e
}

// maxErrorField bounds, in bytes, each text field of an *APIError taken
// from the answer.
const maxErrorField = 300

// oneLine makes text from an answer, redacted whole, safe to print in one
// line of a log and bounded: redact.Line (the SDK's one quoting rule) with
// the bound of an *APIError's fields, maxErrorField bytes.
func oneLine(s string) string { return redact.Line(s, maxErrorField) }

// jsonText renders a decoded JSON value as text: strings as they are,
// numbers and booleans in JSON form, objects and arrays compactly.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var (
	titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	dropRE  = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// summarize turns a non-JSON body (an HTML error page, plain text), already
// redacted whole, into a short message: the page title if any, else the
// first words of its text (scripts and styles dropped, entities decoded,
// whitespace and non-printing characters made single spaces), at most
// maxMessage characters. The cuts come after the redaction, as the SDK's
// one quoting rule wants (redact.Line, which oneLine applies to the result):
// a secret cut in two would escape the redactor.
func summarize(s string) string {
	if len(s) > maxSummarized {
		s = s[:maxSummarized]
	}
	if m := titleRE.FindStringSubmatch(s); m != nil && strings.TrimSpace(tagRE.ReplaceAllString(m[1], "")) != "" {
		s = m[1]
	} else {
		s = dropRE.ReplaceAllString(s, " ")
	}
	s = html.UnescapeString(tagRE.ReplaceAllString(s, " "))
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxMessage {
		s = strings.TrimSpace(string([]rune(s)[:maxMessage])) + "…"
	}
	return s
}
