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
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
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
	// that the instance is disabled (enable it). For other calls it means
	// the client's user or organization secret is wrong.
	ErrUnauthorized = errors.New("elements: unauthorized")
	// ErrMaskedValue is wrapped by the error of a call that would send
	// [MaskedValue] ("********", which the platform answers in place of a
	// secret) as a configuration value or in providerData: sent back, it
	// would overwrite the real secret (the signing key, the OAuth client id
	// or secret) and silently break the instance. Instances.Create, Update,
	// Replace, Reauthenticate, UpdateConfiguration and OAuthURL check before
	// sending anything ([Client.Do] sends what it is given). Build such a
	// body from the secrets the application stored, not from what Get
	// returned (for Acuity, acuity.ReauthRequest).
	ErrMaskedValue = errors.New(`elements: the masked value "********" where a secret belongs`)
)

// MaskedValue is what the platform answers instead of a secret
// configuration value (oauth.api.key, oauth.api.secret,
// event.notification.signature.key, passwords, tokens).
const MaskedValue = "********"

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
	}
	return false
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
		e.Message = summarize(body)
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

// oneLine makes text from an answer safe to print in one line of a log:
// control characters, other non-printing characters and invalid UTF-8 are
// quoted as Go escapes (\n, \x00, \u2028), so a message cannot forge
// log lines, and the text is cut after maxErrorField bytes, marked by "…".
func oneLine(s string) string {
	clean := len(s) <= maxErrorField
	for _, r := range s {
		if !clean || !unicode.IsPrint(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= maxErrorField {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

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

// summarize turns a non-JSON body (an HTML error page, plain text) into a
// short one-line message: the page title if any, else the first words of
// its text (scripts and styles dropped, entities decoded), without control
// characters.
func summarize(body []byte) string {
	if len(body) > maxSummarized {
		body = body[:maxSummarized]
	}
	s := string(body)
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

// redactor replaces known secret values in text: raw, in any mix of the
// encodings a server, a proxy or an error page plausibly echoes them in
// (see [canonAt]), and in their base64url form and their form without
// base64 '=' padding. It holds the raw values; the text is scanned only when
// it is actually redacted (errors and logs), keeping the success path
// cheap, and in time linear in its length.
type redactor []string

// minSecretLen keeps absurdly short "secrets" from mangling every message.
const minSecretLen = 4

func (r redactor) redact(s string) string {
	var spans, decSpans []span // where secrets are, in s and in its decoded form
	var dec string
	decoded := false
	for _, secret := range r {
		if len(secret) < minSecretLen {
			continue
		}
		b64url := strings.NewReplacer("+", "-", "/", "_").Replace(secret)
		forms := [...]string{secret, strings.TrimRight(secret, "="), b64url, strings.TrimRight(b64url, "=")}
		for i, form := range forms {
			if len(form) < minSecretLen || slices.Contains(forms[:i], form) {
				continue
			}
			spans = appendIndexes(spans, s, form)
			if !decoded {
				dec, _ = decode(s, false)
				decoded = true
			}
			f, _ := decode(form, false)
			decSpans = appendIndexes(decSpans, dec, f)
		}
	}
	if len(decSpans) > 0 {
		_, origin := decode(s, true)
		for _, d := range decSpans {
			end := d.end
			for end < len(origin)-1 && origin[end] == origin[d.end-1] {
				end++ // the rest of a character the span ends inside
			}
			spans = append(spans, span{int(origin[d.start]), int(origin[end])})
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.end <= last {
			continue
		}
		b.WriteString(s[last:max(last, sp.start)])
		if sp.start >= last {
			b.WriteString(redact.Text)
		}
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// A span is the byte range [start, end) of a text.
type span struct{ start, end int }

// appendIndexes appends the spans of the non-overlapping occurrences of sub
// in s.
func appendIndexes(spans []span, s, sub string) []span {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return spans
		}
		spans = append(spans, span{i + j, i + j + len(sub)})
		i += j + len(sub)
	}
}

// decode returns s with every character read by canonAt, so that a secret
// and any encoded form of it decode alike. With origins, it also returns,
// for each byte of the result and one past its end, the offset in s of the
// character it was read from.
func decode(s string, origins bool) (string, []int32) {
	if !origins && !strings.ContainsAny(s, " %\\&") {
		return s, nil // nothing to decode
	}
	var b strings.Builder
	var origin []int32
	if origins {
		origin = make([]int32, 0, len(s)+1)
	}
	for i := 0; i < len(s); {
		c := canonAt(s[i:])
		b.Write(c.dec[:c.nd])
		for range c.nd {
			if origins {
				origin = append(origin, int32(i))
			}
		}
		i += c.n
	}
	if origins {
		origin = append(origin, int32(len(s)))
	}
	return b.String(), origin
}

// A reading is the character at the start of a text: the bytes it stands
// for and how many bytes of the text it takes.
type reading struct {
	dec [utf8.UTFMax]byte
	nd  int // bytes in dec
	n   int // bytes of the text
}

// canonAt reads the character at the start of s (not empty), decoding the
// escapes servers, proxies and their error pages write:
//
//   - percent-encoding, upper or lower case (%2F, %2f), also encoded twice
//     (%252F);
//   - JSON and Go string escapes: \/ \" \' \\ and \u002F (also a UTF-16
//     surrogate pair), as PHP, Gson (which writes '=' as \u003d) or an
//     ASCII-only encoder write them;
//   - HTML character references: &#47; &#x2f; &amp; &quot; and the like.
//
// A space, '+' or an encoded '+' all read as '+' (a query writes a space as
// '+', and a space encoded twice becomes %2B), which at worst redacts a
// little more than the secret.
func canonAt(s string) reading {
	r := reading{dec: [utf8.UTFMax]byte{s[0]}, nd: 1, n: 1}
	switch s[0] {
	case ' ':
		r.dec[0] = '+'
	case '%':
		if strings.HasPrefix(s, "%25") {
			if b, ok := hexByte(s[3:]); ok {
				r.dec[0], r.n = b, 5
				break
			}
		}
		if b, ok := hexByte(s[1:]); ok {
			r.dec[0], r.n = b, 3
		}
	case '\\':
		if len(s) >= 2 && strings.IndexByte(`/"'\\`, s[1]) >= 0 {
			r.dec[0], r.n = s[1], 2
		} else if c, n := jsonEscape(s); n > 0 {
			r.nd, r.n = utf8.EncodeRune(r.dec[:], c), n
		}
	case '&':
		if c, n := htmlReference(s); n > 0 {
			r.nd, r.n = utf8.EncodeRune(r.dec[:], c), n
		}
	}
	if r.nd == 1 && r.dec[0] == ' ' {
		r.dec[0] = '+'
	}
	return r
}

// hexByte decodes two hex digits, either case, at the start of s.
func hexByte(s string) (byte, bool) {
	if len(s) < 2 {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:2], 16, 8)
	return byte(v), err == nil
}

// jsonEscape decodes a \uXXXX escape (or a surrogate pair of two) at the
// start of s: the rune and the bytes it takes, or -1 and 0.
func jsonEscape(s string) (rune, int) {
	u := func(s string) rune {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return -1
		}
		v, err := strconv.ParseUint(s[2:6], 16, 16)
		if err != nil {
			return -1
		}
		return rune(v)
	}
	r := u(s)
	if utf16.IsSurrogate(r) {
		if r2 := u(s[6:]); r2 >= 0 {
			if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
				return p, 12
			}
		}
		return -1, 0
	}
	if r < 0 {
		return -1, 0
	}
	return r, 6
}

// htmlEntities are the named references HTML escapers write for the
// characters a secret may hold.
var htmlEntities = map[string]rune{"amp": '&', "quot": '"', "apos": '\'', "lt": '<', "gt": '>',
	"sol": '/', "plus": '+', "equals": '=', "percnt": '%'}

// htmlReference decodes an HTML character reference (&#47; &#x2F; &amp;)
// at the start of s: the rune and the bytes it takes, or -1 and 0.
func htmlReference(s string) (rune, int) {
	end := strings.IndexByte(s[:min(len(s), 12)], ';')
	if end < 2 {
		return -1, 0
	}
	name := s[1:end]
	if name[0] != '#' {
		if r, ok := htmlEntities[name]; ok {
			return r, end + 1
		}
		return -1, 0
	}
	base, digits := 10, name[1:]
	if digits != "" && (digits[0] == 'x' || digits[0] == 'X') {
		base, digits = 16, digits[1:]
	}
	v, err := strconv.ParseUint(digits, base, 21)
	if err != nil || !utf8.ValidRune(rune(v)) {
		return -1, 0
	}
	return rune(v), end + 1
}

// header returns h, or, if any value holds a secret, a copy with the
// secrets redacted.
func (r redactor) header(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		for i, v := range vs {
			if rv := r.redact(v); rv != v {
				if out == nil {
					out = h.Clone()
				}
				out[k][i] = rv
			}
		}
	}
	if out == nil {
		return h
	}
	return out
}
