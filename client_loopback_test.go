package elements_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/elementsgo/elements"
)

// These tests use real sockets on loopback, so the retry policy is checked
// against the errors net/http really returns, not only synthetic ones.

func TestLoopbackRefusedConnectionIsRetriedEvenForPOST(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused

	counting := &countingTransport{next: &http.Transport{DisableKeepAlives: true}}
	c, err := elements.NewClient(testUserSecret, testOrgSecret,
		elements.WithBaseURL("http://"+addr+"/elements/api-v2"),
		elements.WithHTTPClient(&http.Client{Transport: counting}),
		elements.WithRetry(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Instances.Create(context.Background(), seedRequest())
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v, want it to wrap ECONNREFUSED", err)
	}
	if counting.n != 3 {
		t.Errorf("attempts = %d, want 3 (a refused dial never reached the platform)", counting.n)
	}
	assertNoSecret(t, "error", err.Error())
}

func TestLoopbackConnectionDroppedAfterSending(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // the request arrived; the answer never comes
		}
	}))
	defer srv.Close()

	for _, tt := range []struct {
		method    string
		wantCalls int32
	}{
		{http.MethodPost, 1}, // may have been processed: never repeated
		{http.MethodGet, 3},  // idempotent: retried
	} {
		hits.Store(0)
		c, err := elements.NewClient(testUserSecret, testOrgSecret,
			elements.WithBaseURL(srv.URL),
			elements.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}),
			elements.WithRetry(2, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if tt.method == http.MethodPost {
			body = seedRequest()
		}
		req, err := c.NewRequest(context.Background(), tt.method, "/instances", body)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Do(req, nil)
		var reqErr *elements.RequestError
		if !errors.As(err, &reqErr) {
			t.Errorf("%s: err = %v (%T), want *RequestError", tt.method, err, err)
		}
		if got := hits.Load(); got != tt.wantCalls {
			t.Errorf("%s: server saw %d requests, want %d", tt.method, got, tt.wantCalls)
		}
	}
}

// A call that fails for good (here one that gave up its account's turn,
// WithPaceWait) leaves the connection pool alone: other calls, for other
// tenants, keep their warm connections. go-retryablehttp closed the idle
// connections after every such failure, before.
func TestFailedCallKeepsIdleConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": 1}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := elements.NewClient("user-secret-x", "org-secret-x", elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0),
		elements.WithLimiter(elements.NewMemoryLimiter(time.Hour, 20)), elements.WithPaceWait(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := hubGet(ctx, c, "/hubs/scheduling/ping"); err != nil {
		t.Fatal(err)
	}
	if err := hubGet(ctx, c, "/hubs/scheduling/ping"); !errors.Is(err, elements.ErrRateLimited) {
		t.Fatalf("a second call within the hour: %v, want ErrRateLimited", err)
	}
	if _, err := c.Instances.Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for three sequential calls, want 1: the call that gave up closed the idle ones", n)
	}
}
