package elementstest

import (
	"net/http"
	"net/url"
)

// authorizePath is where the fake serves the provider's OAuth authorize page.
// It stands in for https://acuityscheduling.com/oauth2/authorize.
const authorizePath = "/oauth2/authorize"

// issuedCode is an authorization code the authorize page handed out.
type issuedCode struct {
	clientID, redirectURI string
}

// oauthURL answers GET /elements/{keyOrId}/oauth/url. Like the platform it
// needs apiKey, apiSecret and callbackUrl; scope (default "api-v1") and state
// are passed on. The answered oauthUrl points at the fake's authorize page.
func (s *Server) oauthURL(w http.ResponseWriter, r *http.Request) {
	e := findElement(r.PathValue("element"))
	if e == nil {
		writeError(w, http.StatusNotFound, "no element with key or id "+r.PathValue("element"))
		return
	}
	q := r.URL.Query()
	for _, p := range []string{"apiKey", "apiSecret", "callbackUrl"} {
		if q.Get(p) == "" {
			writeError(w, http.StatusBadRequest, "query parameter "+p+" is required")
			return
		}
	}
	v := url.Values{
		"client_id":     {q.Get("apiKey")},
		"redirect_uri":  {q.Get("callbackUrl")},
		"response_type": {"code"},
		"scope":         {"api-v1"},
	}
	if sc := q.Get("scope"); sc != "" {
		v.Set("scope", sc)
	}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"oauthUrl": s.ts.URL + authorizePath + "?" + v.Encode(),
		"element":  e.Key,
	})
}

// DenyConsentNext makes the next n visits to the fake's consent page (the
// oauthUrl the OAuth URL call answers) refuse, as when the user denies
// access: the page redirects (302) to the callback URL with
// error=access_denied, error_description and the state, and no code, as
// OAuth 2.0 (RFC 6749, 4.1.2.1) has the provider do; acuity.CodeFromRedirect
// reports it as an *acuity.AuthError. n <= 0 cancels the refusals still
// pending.
func (s *Server) DenyConsentNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denials = max(n, 0)
}

// authorize is the provider's consent page, already consented: it issues a
// code for client_id and redirects (302) to redirect_uri with code and state,
// as the provider does after the user allows access, unless DenyConsentNext
// has it refuse. A test "visits" it with an http.Client that does not follow
// redirects and reads Location.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") == "" || q.Get("response_type") != "code" {
		http.Error(w, "client_id and response_type=code are required", http.StatusBadRequest)
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !target.IsAbs() {
		http.Error(w, "redirect_uri must be an absolute URL", http.StatusBadRequest)
		return
	}
	code := randomHex(10)
	s.mu.Lock()
	deny := s.denials > 0
	if deny {
		s.denials--
	} else {
		s.codes[code] = issuedCode{clientID: q.Get("client_id"), redirectURI: target.String()}
	}
	s.mu.Unlock()
	tq := target.Query()
	if deny {
		tq.Set("error", "access_denied")
		tq.Set("error_description", "The user denied access.")
	} else {
		tq.Set("code", code)
	}
	if st := q.Get("state"); st != "" {
		tq.Set("state", st)
	}
	target.RawQuery = tq.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}
