package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// syncBuffer is a bytes.Buffer safe for the handler's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeTenants is a fake platform with two tenants' instances calling back
// to callbackURL, each with its own signing key (B in the middle of a
// rotation: the platform still signs with the old key) and an appointment
// in its account.
type fakeTenants struct {
	platform *elementstest.Server
	client   *elements.Client
	tenants  *tenants
	a, b     int64
}

func newFakeTenants(t *testing.T, callbackURL string) *fakeTenants {
	t.Helper()
	platform := elementstest.NewServer()
	t.Cleanup(platform.Close)
	client, err := platform.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeTenants{platform: platform, client: client, tenants: &tenants{}}
	create := func(name, key string) int64 {
		req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
			Code: "c", ClientID: "id", ClientSecret: "s", RedirectURI: "https://app.example/cb",
			EventCallbackURL: callbackURL, SignatureKey: key, Name: name,
		})
		if err != nil {
			t.Fatal(err)
		}
		in, err := client.Instances.Create(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		f.tenants.SetToken(in.ID, in.Token)
		return in.ID
	}
	f.a = create("Front desk A", "key-a")
	f.b = create("Front desk B", "key-b-old")
	f.tenants.SetKeys(f.a, "key-a")
	f.tenants.SetKeys(f.b, "key-b-new", "key-b-old")
	f.setAppointment(t, f.a, 8801, false)
	f.setAppointment(t, f.b, 8802, true)
	return f
}

func (f *fakeTenants) setAppointment(t *testing.T, instance, id int64, canceled bool) {
	t.Helper()
	appt := fmt.Sprintf(`{"id": %d, "firstName": "Ada", "lastName": "Lovelace", "type": "Consultation",
		"datetime": "2026-02-14T10:30:00-0500", "duration": "45", "calendarID": 12, "appointmentTypeID": 3, "canceled": %t}`, id, canceled)
	if err := f.platform.SetAppointment(instance, json.RawMessage(appt)); err != nil {
		t.Fatal(err)
	}
}

// acuityWebhook plays Acuity calling the platform about one instance.
func (f *fakeTenants) acuityWebhook(t *testing.T, instance int64, form string) {
	t.Helper()
	resp, err := http.Post(acuity.WebhookURL(f.platform.URL, instance), "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the platform's webhook answered %d", resp.StatusCode)
	}
}

// Inline: two tenants send events to the one URL; each reaches its route,
// which fetches the appointment with that tenant's token, and a tenant's
// key cannot speak for the other.
func TestInlineEventsReachTheirRoutes(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	routes := http.NewServeMux() // the app's routes, once the tenants exist
	app := httptest.NewServer(routes)
	t.Cleanup(app.Close)
	f := newFakeTenants(t, app.URL+"/events")
	routes.Handle("/", newMux(inlineHandler(f, logger)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	f.acuityWebhook(t, f.a, "action=scheduled&id=8801")
	f.acuityWebhook(t, f.b, "action=canceled&id=8802")
	f.acuityWebhook(t, f.a, "action=order.completed&id=77")
	deliveries, err := f.platform.WaitForDeliveries(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deliveries {
		if !d.Delivered {
			t.Errorf("not delivered: %+v", d.Attempts)
		}
	}
	out := logs.String()
	for _, want := range []string{
		fmt.Sprintf("msg=appointment instance=%d appointment=8801 action=scheduled start=2026-02-14T10:30:00.000-05:00 canceled=false", f.a),
		fmt.Sprintf("msg=appointment instance=%d appointment=8802 action=canceled start=2026-02-14T10:30:00.000-05:00 canceled=true", f.b),
		"other event\" element=acuityscheduling object=orders type=CREATED id=77",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "key-") {
		t.Error("the log shows a signing key")
	}

	// Tenant A's key signing a body that names tenant B: refused. So is a
	// tenant the application removed.
	forged := fmt.Appendf(nil, `{"message":{"eventId":"x","instanceId":%d,"events":[]}}`, f.b)
	if code := post(t, app.URL+"/events", forged, "key-a"); code != http.StatusUnauthorized {
		t.Errorf("A's key for B: status %d, want 401", code)
	}
	f.tenants.Remove(f.a)
	gone := fmt.Appendf(nil, `{"message":{"eventId":"y","instanceId":%d,"events":[]}}`, f.a)
	if code := post(t, app.URL+"/events", gone, "key-a"); code != http.StatusUnauthorized {
		t.Errorf("a removed tenant: status %d, want 401", code)
	}
	// An asynchronous request's result: acknowledged.
	async := fmt.Appendf(nil, `{"eventId":"z","instanceId":%d,"response":{"events":[{}]},"notificationId":"n"}`, f.b)
	if code := post(t, app.URL+"/events", async, "key-b-new"); code != http.StatusOK {
		t.Errorf("asynchronous-request callback: status %d, want 200", code)
	}
	if out := logs.String(); !strings.Contains(out, fmt.Sprintf("asynchronous request done\" instance=%d events=1", f.b)) {
		t.Errorf("log lacks the asynchronous request:\n%s", out)
	}
}

// inlineHandler is the handler run builds without a database.
func inlineHandler(f *fakeTenants, logger *slog.Logger) *webhook.Handler {
	h := newHandler(f.tenants, f.client, logSaver{logger}, logger)
	h.Deduplicator = webhook.NewMemoryDeduplicator(0)
	return h
}

// post sends body signed with key and returns the status.
func post(t *testing.T, url string, body []byte, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(key, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAppRoutesAndUnsignedEvents(t *testing.T) {
	t.Parallel()
	ts, err := parseTenants("1001=k", "1001=token")
	if err != nil {
		t.Fatal(err)
	}
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := httptest.NewServer(newMux(newHandler(ts, client, logSaver{logger}, logger)))
	t.Cleanup(app.Close)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 200},
		{"GET", "/healthz", 200},
		{"GET", "/events", 405},
		{"POST", "/events", 401},
	} {
		req, _ := http.NewRequest(tc.method, app.URL+tc.path, strings.NewReader(`{"message":{}}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release // a request in flight when the signal comes
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, h) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel() // SIGINT
	close(release)
	if body := <-got; body != "finished" {
		t.Errorf("request in flight got %q, want it to finish", body)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestParseTenants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := parseTenants(" 1001 = new , old ;; 1002=k;", "1001=t1;1002= t2 ")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64][]string{1001: {"new", "old"}, 1002: {"k"}} {
		got, err := s.KeysFor(ctx, id)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("KeysFor(%d) = %q, %v; want %q", id, got, err, want)
		}
	}
	for id, want := range map[int64]string{1001: "t1", 1002: "t2"} {
		if got, err := s.Token(id); got != want || err != nil {
			t.Errorf("Token(%d) = %q, %v; want %q", id, got, err, want)
		}
	}
	if _, err := s.KeysFor(ctx, 1003); !errors.Is(err, webhook.ErrUnknownInstance) {
		t.Errorf("KeysFor(1003): %v, want ErrUnknownInstance", err)
	}
	if _, err := s.Token(1003); !errors.Is(err, errNoToken) {
		t.Errorf("Token(1003): %v, want errNoToken", err)
	}

	// One value for every instance: what go run ./cmd/elementstest exports.
	one, err := parseTenants("key-new,key-old", "token")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := one.KeysFor(ctx, 4242); err != nil || !slices.Equal(got, []string{"key-new", "key-old"}) {
		t.Errorf("one key list: KeysFor(4242) = %q, %v", got, err)
	}
	if got, err := one.Token(4242); got != "token" || err != nil {
		t.Errorf("one token: Token(4242) = %q, %v", got, err)
	}

	for _, bad := range []struct{ keys, tokens string }{
		{"1001=k;x", "t"}, {"x=k;1002=k", "t"}, {"0=k", "t"}, {"1001=,", "t"}, {"k", "1001=t;oops"}, {"k", "1001= "},
	} {
		if _, err := parseTenants(bad.keys, bad.tokens); err == nil {
			t.Errorf("parseTenants(%q, %q): no error", bad.keys, bad.tokens)
		} else if strings.Contains(err.Error(), "oops") {
			t.Errorf("the error shows a value: %v", err)
		}
	}
}

// env is a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var fullEnv = map[string]string{
	"ELEMENTS_SIGNING_KEY": "1001=k", "ELEMENTS_INSTANCE_TOKEN": "1001=t",
	"ELEMENTS_USER_SECRET": "user-secret", "ELEMENTS_ORG_SECRET": "org-secret",
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var usage bytes.Buffer
	secrets := map[string]string{"DATABASE_URL": "postgres://u:db-password@h/db"}
	for k, v := range fullEnv {
		secrets[k] = v + "-secret-value"
	}
	err := run(context.Background(), []string{"-h"}, env(secrets), &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"ELEMENTS_SIGNING_KEY", "ELEMENTS_INSTANCE_TOKEN", "ELEMENTS_USER_SECRET", "ELEMENTS_ORG_SECRET",
		"ELEMENTS_BASE_URL", "DATABASE_URL", "-database-url", "queue-first", "inline"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, usage.String())
		}
	}
	if strings.Contains(usage.String(), "secret-value") || strings.Contains(usage.String(), "db-password") {
		t.Errorf("usage shows a secret:\n%s", usage.String())
	}

	for missing := range fullEnv {
		m := maps.Clone(fullEnv)
		delete(m, missing)
		err := run(context.Background(), nil, env(m), io.Discard)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "set "+missing) {
			t.Errorf("without %s: %v, want a usage error naming it", missing, err)
		}
	}
	m := maps.Clone(fullEnv)
	m["ELEMENTS_SIGNING_KEY"] = "1001=secret-k;nonsense"
	if err := run(context.Background(), nil, env(m), io.Discard); !errors.Is(err, errUsage) || strings.Contains(err.Error(), "secret-k") {
		t.Errorf("a bad ELEMENTS_SIGNING_KEY: %v, want a usage error without the key", err)
	}
}

// The program itself: -h exits 0, a missing variable exits 2.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want int
	}{
		{[]string{"-h"}, nil, 0},
		{nil, nil, 2},
	} {
		cmd := exec.Command(os.Args[0], tc.args...)
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		for _, k := range []string{"ELEMENTS_SIGNING_KEY", "ELEMENTS_INSTANCE_TOKEN", "ELEMENTS_USER_SECRET", "ELEMENTS_ORG_SECRET", "DATABASE_URL"} {
			cmd.Env = append(cmd.Env, k+"=")
		}
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.want || !strings.Contains(string(out), "ELEMENTS_SIGNING_KEY") {
			t.Errorf("event-receiver %q: exit %d, want %d; output:\n%s", tc.args, code, tc.want, out)
		}
	}
}
