package elements_test

// End-to-end tests of the client against the in-process fake platform
// (elementstest): real HTTP on loopback, the documented wire format.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	e2eUser = "e2e-user-secret"
	e2eOrg  = "e2e-org-secret"
)

// e2e starts a fake that accepts e2eUser/e2eOrg and a client for it with
// short retry waits.
func e2e(t *testing.T, opts ...elementstest.Option) (*elementstest.Server, *elements.Client) {
	t.Helper()
	srv := elementstest.NewServer(append([]elementstest.Option{elementstest.WithCredentials(e2eUser, e2eOrg)}, opts...)...)
	t.Cleanup(srv.Close)
	c, err := elements.NewClient(e2eUser, e2eOrg, elements.WithBaseURL(srv.URL), elements.WithRetry(3, time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func acuityRequest(t *testing.T, name string, tags ...string) *elements.InstanceRequest {
	t.Helper()
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "auth-code", ClientID: "client-id", ClientSecret: "client-secret",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: "https://app.example/events",
		SignatureKey: "sig-key", Tags: tags, Name: name,
	})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestE2ECreateMatchesDocumentedAnswer(t *testing.T) {
	t.Parallel()
	_, c := e2e(t)
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var req elements.InstanceRequest
	if err := json.Unmarshal(read("instance_create_request.json"), &req); err != nil {
		t.Fatal(err)
	}
	var want elements.Instance
	if err := json.Unmarshal(read("instance_create_response.json"), &want); err != nil {
		t.Fatal(err)
	}
	got, err := c.Instances.Create(context.Background(), &req)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID <= 0 || len(got.Token) != 44 || got.CreatedDate.IsZero() {
		t.Errorf("id %d, token length %d, created %v: want an id, a 44-character token and a date", got.ID, len(got.Token), got.CreatedDate)
	}
	// The documentation's answer is for an instance without events; the
	// fake echoes the request's configuration (the OAuth client id and
	// secret masked, as the platform masks them).
	wantConfig := elements.Configuration{
		OAuthAPIKey: "********", OAuthAPISecret: "********", OAuthCallbackURL: "https://mycoolapp.com",
		EventsEnabled: true, EventCallbackURL: "https://mycoolapp.com/events",
	}
	if diff := cmp.Diff(wantConfig, got.Configuration, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
	if !got.EventsEnabled || got.EventsNotificationCallbackURL != "https://mycoolapp.com/events" {
		t.Errorf("eventsEnabled %v, callback %q", got.EventsEnabled, got.EventsNotificationCallbackURL)
	}
	ignore := cmpopts.IgnoreFields(elements.Instance{}, "ID", "Token", "CreatedDate", "Configuration", "EventsEnabled", "EventsNotificationCallbackURL")
	if diff := cmp.Diff(want, *got, ignore, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("instance differs from the documented answer (-want +got):\n%s", diff)
	}
}

func TestE2EInstanceLifecycle(t *testing.T) {
	t.Parallel()
	_, c := e2e(t)
	ctx := context.Background()

	front, err := c.Instances.Create(ctx, acuityRequest(t, "Front desk", "prod", "eu"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := c.Instances.Create(ctx, acuityRequest(t, "Back office", "prod"))
	if err != nil {
		t.Fatal(err)
	}
	if front.ID == back.ID || front.Token == back.Token {
		t.Fatal("two instances share an id or a token")
	}
	if front.Configuration.EventSignatureKey != "********" || front.Configuration.OAuthAPISecret != "********" {
		t.Errorf("secrets not masked: %+v", front.Configuration)
	}

	got, err := c.Instances.Get(ctx, front.ID)
	if err != nil || got.Token != front.Token || got.Name != "Front desk" {
		t.Fatalf("Get = %v, %v", got, err)
	}

	names := func(list []*elements.Instance) []string {
		var n []string
		for _, in := range list {
			n = append(n, in.Name)
		}
		return n
	}
	for _, tc := range []struct {
		opts *elements.ListOptions
		want []string
	}{
		{nil, []string{"Front desk", "Back office"}},
		{&elements.ListOptions{Tags: []string{"prod", "eu"}}, []string{"Front desk"}},
		{&elements.ListOptions{SearchText: "office", SkipHydrate: true}, []string{"Back office"}},
		{&elements.ListOptions{Tags: []string{"nowhere"}}, nil}, // the platform's 404 is an empty list
	} {
		list, err := c.Instances.List(ctx, tc.opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", tc.opts, err)
		}
		if diff := cmp.Diff(tc.want, names(list)); diff != "" {
			t.Errorf("List(%+v) (-want +got):\n%s", tc.opts, diff)
		}
	}

	upd, err := c.Instances.Update(ctx, front.ID, &elements.InstanceRequest{Name: "Reception", Tags: []string{"lobby"}})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Name != "Reception" || !cmp.Equal(upd.Tags, []string{"lobby"}) || upd.Configuration.OAuthAPIKey != elements.MaskedValue {
		t.Errorf("Update: %+v", upd)
	}

	rep, err := c.Instances.Replace(ctx, front.ID, acuityRequest(t, "Replaced"))
	if err != nil || rep.Name != "Replaced" {
		t.Errorf("Replace = %v, %v", rep, err)
	}
	if _, err := c.Instances.Reauthenticate(ctx, front.ID, acuityRequest(t, "Reauthenticated")); err != nil {
		t.Errorf("Reauthenticate: %v", err)
	}

	entries, err := c.Instances.Configuration(ctx, front.ID)
	if err != nil {
		t.Fatal(err)
	}
	var cbID int64
	for _, e := range entries {
		if e.Key == "event.notification.callback.url" {
			cbID = e.ID
		}
		if e.Key == "oauth.api.secret" && e.PropertyValue != "********" {
			t.Errorf("configuration entry for the client secret is not masked")
		}
	}
	entry, err := c.Instances.UpdateConfiguration(ctx, front.ID, cbID, "https://app.example/v2/events")
	if err != nil || entry.PropertyValue != "https://app.example/v2/events" {
		t.Errorf("UpdateConfiguration = %v, %v", entry, err)
	}
	if got, _ := c.Instances.Get(ctx, front.ID); got == nil || got.EventsNotificationCallbackURL != "https://app.example/v2/events" {
		t.Errorf("callback URL after UpdateConfiguration: %v", got)
	}

	if err := c.Instances.Disable(ctx, front.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Instances.Get(ctx, front.ID); got == nil || !got.Disabled {
		t.Errorf("after Disable: %v", got)
	}
	if err := c.Instances.Enable(ctx, front.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Instances.Get(ctx, front.ID); got == nil || got.Disabled {
		t.Errorf("after Enable: %v", got)
	}

	if err := c.Instances.Delete(ctx, front.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Instances.Get(ctx, front.ID)
	var apiErr *elements.APIError
	if !errors.Is(err, elements.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.RequestID == "" || apiErr.Message == "" {
		t.Errorf("Get after Delete: %v (want a 404 APIError with request id and message)", err)
	}
}

func TestE2EOAuthFlow(t *testing.T) {
	t.Parallel()
	srv, c := e2e(t, elementstest.WithIssuedCodesOnly())
	ctx := context.Background()
	const redirect = "http://127.0.0.1:9/oauth"
	oauthURL, err := c.Instances.OAuthURL(ctx, acuity.ElementKey, &elements.OAuthURLParams{
		APIKey: "client-id", APISecret: "client-secret", CallbackURL: redirect, State: "xyz",
	})
	if err != nil {
		t.Fatal(err)
	}
	// "Visit" the URL as the user's browser would, stopping at the redirect.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(oauthURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, redirect+"?") {
		t.Fatalf("redirected to %q, want the callback URL", loc)
	}
	if _, err := acuity.CodeFromRedirect(httptest.NewRequest("GET", loc, nil), "other-state"); err == nil {
		t.Error("CodeFromRedirect accepted a wrong state")
	}
	code, err := acuity.CodeFromRedirect(httptest.NewRequest("GET", loc, nil), "xyz")
	if err != nil {
		t.Fatal(err)
	}

	req := acuityRequest(t, "OAuth")
	req.ProviderData.Code = "not-issued"
	req.Configuration.OAuthCallbackURL = redirect
	if _, err := c.Instances.Create(ctx, req); err == nil {
		t.Fatal("Create accepted a code the provider never issued")
	} else if strings.Contains(err.Error(), "client-secret") || strings.Contains(err.Error(), "not-issued") {
		t.Errorf("error text leaks a secret: %v", err)
	}
	req.ProviderData.Code = code
	if _, err := c.Instances.Create(ctx, req); err != nil {
		t.Fatalf("Create with the issued code: %v", err)
	}
	if list := srv.Deliveries(); len(list) != 0 {
		t.Errorf("unexpected deliveries: %v", list)
	}
}

func TestE2EErrors(t *testing.T) {
	t.Parallel()
	srv, c := e2e(t)
	ctx := context.Background()

	wrong, err := elements.NewClient("not-the-user", "not-the-org", elements.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Instances.List(ctx, nil)
	var apiErr *elements.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.RequestID == "" {
		t.Errorf("wrong secrets: %v, want a 401 APIError with a request id", err)
	}
	if strings.Contains(err.Error(), "not-the-user") || strings.Contains(err.Error(), "not-the-org") {
		t.Errorf("error text leaks a secret: %v", err)
	}

	req := acuityRequest(t, "Unknown")
	req.Element.Key = "salesforce"
	_, err = c.Instances.Create(ctx, req)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(apiErr.Message, "salesforce") {
		t.Errorf("unknown element: %v, want a 400 APIError naming it", err)
	}
	for _, secret := range []string{"client-secret", "sig-key", "auth-code", e2eUser, e2eOrg} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error text leaks %q: %v", secret, err)
		}
	}
}

func TestE2EFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	count := func(t *testing.T, c *elements.Client) int {
		t.Helper()
		list, err := c.Instances.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}

	t.Run("503 on GET is retried", func(t *testing.T) {
		t.Parallel()
		srv, c := e2e(t)
		in, err := c.Instances.Create(ctx, acuityRequest(t, "x"))
		if err != nil {
			t.Fatal(err)
		}
		srv.FailNext(3, http.StatusServiceUnavailable)
		if _, err := c.Instances.Get(ctx, in.ID); err != nil {
			t.Errorf("Get after 3 injected 503s with 3 retries: %v", err)
		}
	})
	t.Run("503 on create is not retried", func(t *testing.T) {
		t.Parallel()
		srv, c := e2e(t)
		srv.FailNext(1, http.StatusServiceUnavailable)
		_, err := c.Instances.Create(ctx, acuityRequest(t, "x"))
		var apiErr *elements.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("Create: %v, want the 503", err)
		}
		if n := count(t, c); n != 0 {
			t.Errorf("%d instances after a failed create", n)
		}
	})
	t.Run("429 on create is retried once", func(t *testing.T) {
		t.Parallel()
		srv, c := e2e(t)
		srv.FailNext(1, http.StatusTooManyRequests)
		if _, err := c.Instances.Create(ctx, acuityRequest(t, "x")); err != nil {
			t.Errorf("Create after a 429: %v", err)
		}
		if n := count(t, c); n != 1 {
			t.Errorf("%d instances, want exactly 1", n)
		}
	})
	t.Run("dropped connection on GET is retried", func(t *testing.T) {
		t.Parallel()
		srv, c := e2e(t)
		srv.DropNext(2)
		if n := count(t, c); n != 0 {
			t.Errorf("List after 2 dropped connections: %d instances", n)
		}
	})
	t.Run("dropped connection on create fails without a duplicate", func(t *testing.T) {
		t.Parallel()
		srv, c := e2e(t)
		srv.DropNext(1)
		if _, err := c.Instances.Create(ctx, acuityRequest(t, "x")); err == nil {
			t.Error("Create succeeded over a dropped connection")
		}
		if n := count(t, c); n != 0 {
			t.Errorf("%d instances, want 0", n)
		}
	})
	t.Run("latency ends with the context", func(t *testing.T) {
		t.Parallel()
		srv, c := e2e(t)
		srv.SetLatency(time.Hour)
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := c.Instances.List(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("List with latency: %v, want a deadline error", err)
		}
	})
}
