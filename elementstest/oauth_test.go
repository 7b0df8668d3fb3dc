package elementstest

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements/acuity"
)

// visitConsent GETs the consent page at oauthURL without following the
// redirect and returns where it redirects to.
func visitConsent(t *testing.T, oauthURL string) *url.URL {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(oauthURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("consent page: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc
}

// The consent page refuses as many times as DenyConsentNext says: it
// redirects to the callback with error=access_denied and the state, and no
// code, which acuity.CodeFromRedirect reports as an *acuity.AuthError.
func TestConsentDenied(t *testing.T) {
	t.Parallel()
	srv := newServer(t, WithIssuedCodesOnly())
	oauthURL, err := url.Parse(srv.ts.URL + authorizePath)
	if err != nil {
		t.Fatal(err)
	}
	oauthURL.RawQuery = url.Values{"client_id": {"client-1"}, "redirect_uri": {"https://app.example/cb?x=1"},
		"response_type": {"code"}, "scope": {"api-v1"}, "state": {"st4te"}}.Encode()

	srv.DenyConsentNext(2)
	for i := range 2 {
		loc := visitConsent(t, oauthURL.String())
		want := url.Values{"x": {"1"}, "error": {"access_denied"}, "error_description": {"The user denied access."}, "state": {"st4te"}}
		if diff := cmp.Diff(want, loc.Query()); diff != "" || loc.Host != "app.example" || loc.Path != "/cb" {
			t.Errorf("refusal %d: redirect %s (query -want +got):\n%s", i+1, loc, diff)
		}
		_, err := acuity.CodeFromRedirect(&http.Request{URL: loc}, "st4te")
		var authErr *acuity.AuthError
		if !errors.As(err, &authErr) || authErr.ErrorCode != "access_denied" {
			t.Errorf("refusal %d: CodeFromRedirect = %v, want an *acuity.AuthError access_denied", i+1, err)
		}
	}
	srv.mu.Lock()
	issued := len(srv.codes)
	srv.mu.Unlock()
	if issued != 0 {
		t.Errorf("refusals issued %d codes, want none", issued)
	}

	// Then it consents again.
	loc := visitConsent(t, oauthURL.String())
	code, err := acuity.CodeFromRedirect(&http.Request{URL: loc}, "st4te")
	if err != nil || code == "" || loc.Query().Has("error") {
		t.Errorf("after the refusals: redirect %s: code %q, %v", loc, code, err)
	}

	// A refusal without a state carries none.
	srv.DenyConsentNext(1)
	q := oauthURL.Query()
	q.Del("state")
	oauthURL.RawQuery = q.Encode()
	if loc := visitConsent(t, oauthURL.String()); loc.Query().Has("state") || loc.Query().Get("error") != "access_denied" {
		t.Errorf("refusal without state: redirect %s", loc)
	}

	// Zero cancels the refusals still pending.
	srv.DenyConsentNext(3)
	srv.DenyConsentNext(0)
	if loc := visitConsent(t, oauthURL.String()); !loc.Query().Has("code") {
		t.Errorf("after DenyConsentNext(0): redirect %s, want a code", loc)
	}
}
