package elementstest_test

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"log/slog"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/elementstest"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A fake on a listener of the caller's logs each request on one line,
// without the query (the OAuth URL call carries the OAuth secret there).
func TestListenerAndRequestLog(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	srv := elementstest.NewServer(elementstest.WithListener(l), elementstest.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	t.Cleanup(srv.Close)
	if want := "http://" + l.Addr().String() + elementstest.APIPath; srv.URL != want {
		t.Errorf("URL = %s, want %s", srv.URL, want)
	}
	c, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Instances.OAuthURL(ctx, "acuityscheduling", &elements.OAuthURLParams{APIKey: "id", APISecret: "the-oauth-secret", CallbackURL: "https://app.example/cb"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instances.Get(ctx, 4242); err == nil {
		t.Fatal("Get of an unknown instance: no error")
	}
	got := logs.String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "method=GET path=/elements/api-v2/elements/acuityscheduling/oauth/url status=200") ||
		!strings.Contains(lines[1], "path=/elements/api-v2/instances/4242 status=404") || !strings.Contains(lines[1], "requestId=") {
		t.Errorf("request log:\n%s", got)
	}
	if strings.Contains(got, "the-oauth-secret") || strings.Contains(got, "apiSecret") {
		t.Errorf("the log holds the query:\n%s", got)
	}
}
