package elements_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements"
)

// redirectingPlatform answers every request with a redirect of the given
// status to target+path+query, and counts the requests it got.
func redirectingPlatform(t *testing.T, status int, target string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	n := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		// Offer the secrets back in the Location, as a hostile server may.
		w.Header().Set("Location", target+r.URL.Path+"?"+r.URL.RawQuery)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, n
}

// Every redirect is refused, whatever its status and wherever it points
// (another host, another port, the same origin): no request reaches the
// target, so neither the Authorization header, nor a 307/308's body, nor a
// Referer holding the OAuth URL's query goes anywhere. The call fails with
// a *RedirectError wrapping ErrRedirect and is not retried; no text holds a
// secret. It holds for the client NewClient builds and for one passed with
// WithHTTPClient, which is left unchanged.
func TestRedirectsAreRefused(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reached []string
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reached = append(reached, fmt.Sprintf("%s %s auth=%q referer=%q body=%q", r.Method, r.URL, r.Header.Get("Authorization"), r.Referer(), body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id": 1, "oauthUrl": "https://x.test/"}`)
	}))
	defer target.Close()
	// The same host name as the platform's loopback server, another port.
	otherPort := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)

	calls := map[string]func(*elements.Client) error{
		"Get": func(c *elements.Client) error {
			_, err := c.Instances.Get(context.Background(), 1)
			return err
		},
		"Create": func(c *elements.Client) error {
			r := seedRequest()
			r.Configuration.EventSignatureKey = testSigningKey
			_, err := c.Instances.Create(context.Background(), r)
			return err
		},
		"OAuthURL": func(c *elements.Client) error {
			_, err := c.Instances.OAuthURL(context.Background(), "acuityscheduling",
				&elements.OAuthURLParams{APIKey: "k3y", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"})
			return err
		},
		"element-scoped": func(c *elements.Client) error {
			req, err := c.NewRequest(context.Background(), "GET", "/hubs/scheduling/appointments/1", nil, elements.WithElementToken(testToken))
			if err != nil {
				return err
			}
			_, err = c.Do(req, nil)
			return err
		},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for targetName, to := range map[string]string{"other host": target.URL, "other port": otherPort, "same origin": ""} {
			for callName, call := range calls {
				for _, own := range []bool{false, true} {
					name := fmt.Sprintf("%d/%s/%s/WithHTTPClient=%t", status, targetName, callName, own)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						platform, sent := redirectingPlatform(t, status, to)
						opts := []elements.Option{elements.WithBaseURL(platform.URL), elements.WithRetry(2, 0, time.Millisecond)}
						var hc *http.Client
						if own {
							hc = &http.Client{Timeout: 5 * time.Second}
							opts = append(opts, elements.WithHTTPClient(hc))
						}
						c, err := elements.NewClient(testUserSecret, testOrgSecret, opts...)
						if err != nil {
							t.Fatal(err)
						}
						err = call(c)
						var re *elements.RedirectError
						if !errors.As(err, &re) || !errors.Is(err, elements.ErrRedirect) {
							t.Fatalf("err = %v, want a *RedirectError wrapping ErrRedirect", err)
						}
						if re.StatusCode != status {
							t.Errorf("StatusCode = %d, want %d", re.StatusCode, status)
						}
						if want := to; want != "" && re.Target != strings.TrimSuffix(want, "/") {
							t.Errorf("Target = %q, want %q", re.Target, want)
						}
						if n := sent.Load(); n != 1 {
							t.Errorf("the platform got %d requests, want 1 (a refused redirect is not retried)", n)
						}
						for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), re.Error()} {
							assertNoSecret(t, "error", text)
						}
						if !strings.Contains(err.Error(), "redirect refused") {
							t.Errorf("error %q does not say the redirect was refused", err)
						}
						if hc != nil && hc.CheckRedirect != nil {
							t.Error("WithHTTPClient's http.Client was changed")
						}
					})
				}
			}
		}
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(reached) > 0 {
			t.Errorf("%d redirected requests reached the target, e.g. %s", len(reached), reached[0])
		}
	})
}

// A CheckRedirect of the caller's own that would follow the redirect does
// not apply: the client's copy refuses it, and the caller's http.Client
// keeps its policy for its other uses.
func TestRedirectPolicyOfTheCallerIsNotUsedNorChanged(t *testing.T) {
	t.Parallel()
	platform, _ := redirectingPlatform(t, http.StatusTemporaryRedirect, "")
	follow := func(*http.Request, []*http.Request) error { return nil }
	hc := &http.Client{CheckRedirect: follow}
	c, err := elements.NewClient(testUserSecret, testOrgSecret, elements.WithBaseURL(platform.URL),
		elements.WithHTTPClient(hc), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instances.Get(context.Background(), 1); !errors.Is(err, elements.ErrRedirect) {
		t.Errorf("err = %v, want ErrRedirect", err)
	}
	if hc.CheckRedirect == nil || fmt.Sprintf("%p", hc.CheckRedirect) != fmt.Sprintf("%p", follow) {
		t.Error("the caller's CheckRedirect was replaced")
	}
}
