package elements

import (
	"errors"
	"net/http"
	"strconv"
)

// ErrRedirect is wrapped by the error of a call the platform (or something
// between the client and it) answered with a redirect. The client follows
// none: the platform's API never redirects, and a followed redirect would
// carry the Authorization header (the organization's secrets, an instance
// token) or the request body (OAuth secrets, codes, signing keys) to
// wherever it points, possibly in clear text or to another host.
var ErrRedirect = errors.New("elements: redirect refused")

// RedirectError is the cause of a call's failure when the answer was a
// redirect. It wraps [ErrRedirect]; the call returns it inside a
// [*RequestError], so use errors.As or errors.Is(err, ErrRedirect).
type RedirectError struct {
	// StatusCode is the redirect's status (301, 302, 303, 307 or 308).
	StatusCode int
	// Target is the scheme and host (with any port) the redirect pointed
	// to, without its path, query or user information; any known secret in
	// it is replaced by [REDACTED].
	Target string
}

// Error says that the redirect was refused, where it pointed and why.
func (e *RedirectError) Error() string {
	return "redirect refused: the answer was " + strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode) +
		" to " + e.Target + "; the client follows no redirect (it would carry the credentials along): check the base URL"
}

// Unwrap returns [ErrRedirect].
func (e *RedirectError) Unwrap() error { return ErrRedirect }

// withoutRedirects returns a shallow copy of hc (never hc itself, which may
// belong to the caller) that refuses every redirect with a *RedirectError,
// whose target redactorFor's redactor (for the request sent) cleans of
// secrets.
func withoutRedirects(hc *http.Client, redactorFor func(*http.Request) redactor) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		// req is the redirect not taken, via[0] the request the client sent.
		e := &RedirectError{Target: req.URL.Scheme + "://" + req.URL.Host}
		if req.Response != nil {
			e.StatusCode = req.Response.StatusCode
		}
		if len(via) > 0 {
			e.Target = redactorFor(via[0]).redact(e.Target)
		}
		return e
	}
	return &cp
}
