package acuity

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/oauth2"
)

func TestOAuthConfig(t *testing.T) {
	t.Parallel()
	cfg := OAuthConfig("client-id", "client-secret", "https://app.example/oauth/acuity")
	want := &oauth2.Config{
		ClientID:     "client-id",
		ClientSecret: "client-secret",
		RedirectURL:  "https://app.example/oauth/acuity",
		Endpoint: oauth2.Endpoint{
			AuthURL:   "https://acuityscheduling.com/oauth2/authorize",
			TokenURL:  "https://acuityscheduling.com/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		Scopes: []string{"api-v1"},
	}
	if diff := cmp.Diff(want, cfg, cmpopts.IgnoreUnexported(oauth2.Config{})); diff != "" {
		t.Fatalf("OAuthConfig mismatch (-want +got):\n%s", diff)
	}

	u, err := url.Parse(cfg.AuthCodeURL("st4te"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://acuityscheduling.com/oauth2/authorize" {
		t.Errorf("authorize URL = %q", got)
	}
	wantQuery := url.Values{
		"client_id":     {"client-id"},
		"redirect_uri":  {"https://app.example/oauth/acuity"},
		"response_type": {"code"},
		"scope":         {"api-v1"},
		"state":         {"st4te"},
	}
	if diff := cmp.Diff(wantQuery, u.Query()); diff != "" {
		t.Errorf("authorize query mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(u.String(), "client-secret") {
		t.Error("authorize URL carries the client secret")
	}
}

func TestCodeFromRedirect(t *testing.T) {
	t.Parallel()
	const state = "expected-state-1234"
	const code = "secret-auth-code-5678"
	tests := []struct {
		name     string
		query    string
		state    string
		wantCode string
		wantErr  error
		wantAuth *AuthError
	}{
		{"good", "code=" + code + "&state=" + state, state, code, nil, nil},
		{"wrong state", "code=" + code + "&state=other", state, "", ErrStateMismatch, nil},
		{"state one char off", "code=" + code + "&state=" + state[:len(state)-1] + "5", state, "", ErrStateMismatch, nil},
		{"state prefix", "code=" + code + "&state=" + state[:5], state, "", ErrStateMismatch, nil},
		{"missing state", "code=" + code, state, "", ErrStateMismatch, nil},
		{"no expected state", "code=" + code + "&state=", "", "", ErrStateMismatch, nil},
		{"missing code", "state=" + state, state, "", ErrMissingCode, nil},
		{"empty query", "", state, "", ErrStateMismatch, nil},
		{"provider error", "error=access_denied&error_description=The+user+denied+access&state=" + state, state, "", nil,
			&AuthError{ErrorCode: "access_denied", Description: "The user denied access"}},
		{"provider error without state", "error=server_error&error_uri=https%3A%2F%2Facuity.example%2Fe", state, "", nil,
			&AuthError{ErrorCode: "server_error", URI: "https://acuity.example/e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "https://app.example/oauth/acuity?"+tt.query, nil)
			got, err := CodeFromRedirect(r, tt.state)
			if got != tt.wantCode {
				t.Errorf("code = %q, want %q", got, tt.wantCode)
			}
			switch {
			case tt.wantAuth != nil:
				var ae *AuthError
				if !errors.As(err, &ae) {
					t.Fatalf("err = %v, want *AuthError", err)
				}
				if diff := cmp.Diff(tt.wantAuth, ae); diff != "" {
					t.Errorf("AuthError mismatch (-want +got):\n%s", diff)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("unexpected error %v", err)
			}
			if err != nil {
				for _, secret := range []string{code, state} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q contains %q", err, secret)
					}
				}
			}
		})
	}
}

func TestAuthErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   AuthError
		want string
	}{
		{AuthError{ErrorCode: "access_denied"}, `acuity: authorization refused: "access_denied"`},
		{AuthError{ErrorCode: "access_denied", Description: "The user denied access"}, `acuity: authorization refused: "access_denied": The user denied access`},
		// Crafted redirect values cannot forge a log line or flood it, and a
		// long code is named by its length, never cut.
		{AuthError{ErrorCode: "x\nlevel=ERROR msg=forged"}, `acuity: authorization refused: "x\nlevel=ERROR msg=forged"`},
		{AuthError{ErrorCode: strings.Repeat("a", 100)}, `acuity: authorization refused: a value of 100 bytes`},
		{AuthError{ErrorCode: "e", Description: "two\nlines" + strings.Repeat("d", 300)},
			`acuity: authorization refused: "e": two\nlines` + strings.Repeat("d", 200-len(`two\nlines`)) + "…"},
	}
	for _, tt := range tests {
		if got := tt.in.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
