package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
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

func TestEventsReachTheirRoutes(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	app := httptest.NewServer(newMux([]string{"new-key", "old-key"}, slog.New(slog.NewTextHandler(&logs, nil))))
	t.Cleanup(app.Close)

	platform := elementstest.NewServer()
	t.Cleanup(platform.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL))
	if err != nil {
		t.Fatal(err)
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "c", ClientID: "id", ClientSecret: "s", RedirectURI: "https://app.example/cb",
		EventCallbackURL: app.URL + "/events", SignatureKey: "old-key", Name: "Front desk",
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := client.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{"action=scheduled&id=8801", "action=canceled&id=8802", "action=order.completed&id=77"} {
		resp, err := http.Post(acuity.WebhookURL(platform.URL, in.ID), "application/x-www-form-urlencoded", strings.NewReader(form))
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
		"appointment scheduled\" instance=1001 appointment=8801",
		"appointment updated\" instance=1001 appointment=8802 action=canceled",
		"other event\" element=acuityscheduling object=orders type=CREATED id=77",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "old-key") {
		t.Error("the log shows a signing key")
	}
}

func TestAppRoutesAndUnsignedEvents(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(newMux([]string{"k"}, slog.New(slog.NewTextHandler(io.Discard, nil))))
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

func TestSigningKeys(t *testing.T) {
	t.Parallel()
	if got := signingKeys(" new , old,,"); len(got) != 2 || got[0] != "new" || got[1] != "old" {
		t.Errorf("signingKeys = %q", got)
	}
	if got := signingKeys(""); got != nil {
		t.Errorf("signingKeys(\"\") = %q", got)
	}
}
