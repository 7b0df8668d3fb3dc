package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// Two tenants, each an instance with its own signing key (one in the
// middle of a rotation), send events to the one URL: each reaches its
// route, and a tenant's key cannot speak for the other.
func TestEventsReachTheirRoutes(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	keys := &keyStore{}
	app := httptest.NewServer(newMux(keys, webhook.NewMemoryDeduplicator(0), slog.New(slog.NewTextHandler(&logs, nil))))
	t.Cleanup(app.Close)

	platform := elementstest.NewServer()
	t.Cleanup(platform.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := platform.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	create := func(name, key string) int64 {
		req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
			Code: "c", ClientID: "id", ClientSecret: "s", RedirectURI: "https://app.example/cb",
			EventCallbackURL: app.URL + "/events", SignatureKey: key, Name: name,
		})
		if err != nil {
			t.Fatal(err)
		}
		in, err := client.Instances.Create(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	a := create("Front desk A", "key-a")
	b := create("Front desk B", "key-b-old") // the platform still signs with the old key
	keys.Set(a, "key-a")
	keys.Set(b, "key-b-new", "key-b-old")

	for _, ev := range []struct {
		instance int64
		form     string
	}{
		{a, "action=scheduled&id=8801"},
		{b, "action=canceled&id=8802"},
		{a, "action=order.completed&id=77"},
	} {
		resp, err := http.Post(acuity.WebhookURL(platform.URL, ev.instance), "application/x-www-form-urlencoded", strings.NewReader(ev.form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	deliveries, err := platform.WaitForDeliveries(ctx, 3)
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
		fmt.Sprintf("appointment scheduled\" instance=%d appointment=8801", a),
		fmt.Sprintf("appointment updated\" instance=%d appointment=8802 action=canceled", b),
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
	forged := []byte(fmt.Sprintf(`{"message":{"eventId":"x","instanceId":%d,"events":[]}}`, b))
	if code := post(t, app.URL+"/events", forged, "key-a"); code != http.StatusUnauthorized {
		t.Errorf("A's key for B: status %d, want 401", code)
	}
	keys.Remove(a)
	gone := []byte(fmt.Sprintf(`{"message":{"eventId":"y","instanceId":%d,"events":[]}}`, a))
	if code := post(t, app.URL+"/events", gone, "key-a"); code != http.StatusUnauthorized {
		t.Errorf("a removed tenant: status %d, want 401", code)
	}
	// An asynchronous request's result: acknowledged.
	async := []byte(fmt.Sprintf(`{"eventId":"z","instanceId":%d,"response":{"events":[{}]},"notificationId":"n"}`, b))
	if code := post(t, app.URL+"/events", async, "key-b-new"); code != http.StatusOK {
		t.Errorf("asynchronous-request callback: status %d, want 200", code)
	}
	if out := logs.String(); !strings.Contains(out, fmt.Sprintf("asynchronous request done\" instance=%d events=1", b)) {
		t.Errorf("log lacks the asynchronous request:\n%s", out)
	}
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
	keys, err := parseKeys("1001=k")
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(newMux(keys, webhook.NewMemoryDeduplicator(0), slog.New(slog.NewTextHandler(io.Discard, nil))))
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

func TestParseKeys(t *testing.T) {
	t.Parallel()
	s, err := parseKeys(" 1001 = new , old ;; 1002=k;")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64][]string{1001: {"new", "old"}, 1002: {"k"}} {
		got, err := s.KeysFor(context.Background(), id)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("KeysFor(%d) = %q, %v; want %q", id, got, err, want)
		}
	}
	if _, err := s.KeysFor(context.Background(), 1003); !errors.Is(err, webhook.ErrUnknownInstance) {
		t.Errorf("KeysFor(1003): %v, want ErrUnknownInstance", err)
	}
	for _, bad := range []string{"1001", "x=k", "-1=k", "1001=,"} {
		if _, err := parseKeys(bad); err == nil {
			t.Errorf("parseKeys(%q): no error", bad)
		}
	}
	if s, err := parseKeys(""); err != nil || s.Len() != 0 {
		t.Errorf("parseKeys(\"\") = %d instances, %v", s.Len(), err)
	}
}
