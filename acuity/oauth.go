package acuity

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"

	"github.com/elementsgo/elements/internal/redact"
	"golang.org/x/oauth2"
)

// Endpoint is Acuity Scheduling's OAuth2 endpoint. Acuity takes the client
// id and secret as form parameters of the token request.
var Endpoint = oauth2.Endpoint{
	AuthURL:   "https://acuityscheduling.com/oauth2/authorize",
	TokenURL:  "https://acuityscheduling.com/oauth2/token",
	AuthStyle: oauth2.AuthStyleInParams,
}

// ScopeAPIV1 is the OAuth2 scope that grants access to Acuity's API; it is
// the only scope Acuity defines.
const ScopeAPIV1 = "api-v1"

// OAuthConfig returns the OAuth2 configuration of an Acuity app: its client
// id and secret (from Acuity's developer settings), the redirect URI
// registered there, Endpoint and ScopeAPIV1.
//
// Step 1 of creating an instance is sending the user's browser to Acuity's
// authorize page. There are two ways to get that URL:
//
//   - locally, with config.AuthCodeURL(state), which needs no network call;
//   - from the platform, with
//     client.Instances.OAuthURL(ctx, ElementKey, &elements.OAuthURLParams{...})
//     (GET /elements/acuityscheduling/oauth/url) given the same client id,
//     secret, redirect URI, ScopeAPIV1 and state; it answers the URL the
//     platform itself would use.
//
// Either way, Acuity then redirects the browser to the redirect URI with a
// code and the state; read them with CodeFromRedirect and pass the code to
// NewInstanceRequest. The platform, not this package, exchanges the code for
// tokens, so config.Exchange is not part of the usual flow.
//
// The returned *oauth2.Config holds the client secret in a plain field:
// do not log or print it.
func OAuthConfig(clientID, clientSecret, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Endpoint:     Endpoint,
		Scopes:       []string{ScopeAPIV1},
	}
}

// Errors returned by CodeFromRedirect; test for them with errors.Is. A
// refusal reported by Acuity is an *AuthError instead (use errors.As).
var (
	// ErrStateMismatch means the redirect's state is not the one the flow
	// started with (or no state was given to compare with): the redirect may
	// be forged and must not be used.
	ErrStateMismatch = errors.New("acuity: OAuth redirect state does not match")
	// ErrMissingCode means the redirect carried neither a code nor an error.
	ErrMissingCode = errors.New("acuity: OAuth redirect carries no authorization code")
)

// AuthError is the error Acuity reported on the redirect instead of a code,
// for example when the user denied access. Its fields are Acuity's
// error, error_description and error_uri query parameters.
type AuthError struct {
	ErrorCode   string // error, e.g. "access_denied"
	Description string // error_description, may be empty
	URI         string // error_uri, may be empty
}

// maxDescription bounds, in bytes, the description an AuthError prints.
const maxDescription = 200

// Error implements error.
func (e *AuthError) Error() string {
	// Both come from the redirect's query, which anyone can craft: by the
	// SDK's one rule they are one line and bounded, the code (a value)
	// shown whole or named by its length. The description is prose, cut
	// after 200 bytes: an error redirect carries no authorization code, so
	// it holds no secret the SDK knows.
	msg := "acuity: authorization refused: " + redact.Quote(e.ErrorCode)
	if e.Description != "" {
		msg += ": " + redact.Line(e.Description, maxDescription)
	}
	return msg
}

// CodeFromRedirect reads the result of Acuity's authorize step off the
// redirect request that reached the app's redirect URI, and returns the
// authorization code.
//
// state is the value the flow started with (given to AuthCodeURL or to the
// platform's OAuth URL call); it is compared with the redirect's state in
// constant time. It returns an *AuthError when Acuity reported an error (the
// user refused, say), ErrStateMismatch when the state is missing, different
// or state is empty, and ErrMissingCode when there is no code. Acuity's
// error is reported whatever the state, since it grants nothing. Error
// messages never include the code or the state.
func CodeFromRedirect(r *http.Request, state string) (string, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", &AuthError{ErrorCode: e, Description: q.Get("error_description"), URI: q.Get("error_uri")}
	}
	if state == "" {
		return "", fmt.Errorf("%w: no expected state given to compare with", ErrStateMismatch)
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return "", ErrStateMismatch
	}
	code := q.Get("code")
	if code == "" {
		return "", ErrMissingCode
	}
	return code, nil
}
