package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// env is a fake environment.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var testEnv = env(map[string]string{
	"ELEMENTS_USER_SECRET": "user-secret", "ELEMENTS_ORG_SECRET": "org-secret",
	"ACUITY_CLIENT_ID": "client-id", "ACUITY_CLIENT_SECRET": "client-secret",
	"ELEMENTS_EVENT_CALLBACK_URL": "https://app.example/events", "ELEMENTS_SIGNING_KEY": "sig-key",
})

// runAgainstFake runs the program against a fake platform, playing the user:
// it reads the printed URL, visits it (the browser follows the redirect to
// the program's listener) and returns everything the program printed.
func runAgainstFake(t *testing.T, extraArgs ...string) (string, *elementstest.Server) {
	t.Helper()
	return runAgainstFakeEnv(t, testEnv, extraArgs...)
}

func runAgainstFakeEnv(t *testing.T, getenv func(string) string, extraArgs ...string) (string, *elementstest.Server) {
	t.Helper()
	srv := elementstest.NewServer(elementstest.WithIssuedCodesOnly(), elementstest.WithCredentials("user-secret", "org-secret"))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args := append([]string{"-base-url", srv.URL, "-redirect", "http://127.0.0.1:0/oauth/callback", "-tags", "a, b"}, extraArgs...)
	go func() {
		err := run(ctx, args, getenv, pw)
		pw.CloseWithError(err)
		done <- err
	}()

	var out strings.Builder
	sc := bufio.NewScanner(pr)
	visited := false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if u := strings.TrimSpace(line); !visited && strings.HasPrefix(u, "http://") {
			visited = true
			resp, err := http.Get(u)
			if err != nil {
				t.Fatalf("visiting %s: %v", u, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("the redirect listener answered %s", resp.Status)
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	return out.String(), srv
}

func TestCreateInstanceAgainstFake(t *testing.T) {
	t.Parallel()
	out, srv := runAgainstFake(t)
	for _, want := range []string{
		`Created instance 1001 ("Acuity Scheduling").`,
		"Instance token: ******** (pass -show-token to print it)",
		"  " + acuity.WebhookURL(srv.URL, 1001),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"user-secret", "org-secret", "client-secret", "sig-key"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows the secret %q:\n%s", secret, out)
		}
	}
}

// Without a signing key one is generated and printed, and the platform
// signs the instance's events with it: a receiver holding the printed key
// accepts them.
func TestCreateInstanceGeneratesASigningKey(t *testing.T) {
	t.Parallel()
	var key atomic.Value
	key.Store("")
	handled := make(chan struct{}, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := &webhook.Handler{SigningKeys: webhook.Secrets{key.Load().(string)}}
		h.HandleDefault(func(context.Context, *webhook.Notification, webhook.Event) error { handled <- struct{}{}; return nil })
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(rcv.Close)
	noKey := env(map[string]string{
		"ELEMENTS_USER_SECRET": "user-secret", "ELEMENTS_ORG_SECRET": "org-secret",
		"ACUITY_CLIENT_ID": "client-id", "ACUITY_CLIENT_SECRET": "client-secret",
	})
	out, srv := runAgainstFakeEnv(t, noKey, "-callback-url", rcv.URL)
	m := regexp.MustCompile(`(?s)Signing key \(generated.*?\): (\S+)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated signing key printed:\n%s", out)
	}
	key.Store(m[1])
	if _, err := srv.Deliver(1001, webhook.Event{ObjectType: "appointments", EventType: webhook.EventCreated, ObjectID: "1"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatalf("the receiver holding the printed key never accepted the event: %+v", srv.Deliveries())
	}
}

func TestCreateInstanceShowToken(t *testing.T) {
	t.Parallel()
	// The last -redirect wins: a redirect URI without a path works too.
	out, _ := runAgainstFake(t, "-show-token", "-redirect", "http://127.0.0.1:0")
	i := strings.Index(out, "Instance token: ")
	if i < 0 || strings.HasPrefix(out[i+len("Instance token: "):], "*") {
		t.Errorf("token not shown:\n%s", out)
	}
}

func TestCreateInstanceUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"unknown host", []string{"-host", "mars"}, testEnv, `unknown -host "mars"`},
		{"missing secrets", nil, env(nil), "missing -user, -org, -client-id, -client-secret, -callback-url"},
		{"bad flag", []string{"-nope"}, testEnv, "-nope"},
		{"bad redirect", []string{"-base-url", "http://127.0.0.1:1/elements/api-v2", "-redirect", "https://app.example/cb"}, testEnv, "-redirect must be an http URL"},
	}
	for _, tt := range tests {
		err := run(ctx, tt.args, tt.env, io.Discard)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want a usage error mentioning %q", tt.name, err, tt.want)
		}
	}
	for _, name := range hostNames() {
		c, err := parseFlags([]string{"-host", name}, testEnv, io.Discard)
		if err != nil || c.baseURL != hosts[name] || !strings.HasSuffix(c.baseURL, "/elements/api-v2") {
			t.Errorf("-host %s: err %v", name, err)
		}
	}
	if len(hosts) != 5 {
		t.Errorf("%d hosts, want the five documented ones", len(hosts))
	}
}
