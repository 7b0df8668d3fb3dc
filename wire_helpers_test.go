package elements_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
)

// wireRequest is what a plain httptest platform saw of one request.
type wireRequest struct {
	Method      string
	Path        string     // decoded URL path
	Query       url.Values // decoded query
	Body        string
	ContentType string
	Auth        string
}

// wireAnswer is one scripted answer: status, Content-Type ("" for none)
// and body.
type wireAnswer struct {
	status      int
	contentType string
	body        string
	header      []string // extra "Key: value" headers
}

func jsonAnswer(status int, body string, header ...string) wireAnswer {
	return wireAnswer{status, "application/json", body, header}
}

func htmlAnswer(status int, body string) wireAnswer {
	return wireAnswer{status, "text/html; charset=utf-8", body, nil}
}

// wirePlatform is a plain httptest server standing in for the platform: it
// records every request and answers the script in turn (the last answer
// repeats).
type wirePlatform struct {
	mu       sync.Mutex
	requests []wireRequest
	answers  []wireAnswer
}

// newWirePlatform starts a platform answering the script and a client on
// it, with tiny retry waits.
func newWirePlatform(t *testing.T, answers ...wireAnswer) (*wirePlatform, *elements.Client) {
	t.Helper()
	p := &wirePlatform{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	c, err := elements.NewClient(testUserSecret, testOrgSecret,
		elements.WithBaseURL(srv.URL+"/elements/api-v2"),
		elements.WithRetry(2, time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

func (p *wirePlatform) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.requests = append(p.requests, wireRequest{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: string(body),
		ContentType: r.Header.Get("Content-Type"), Auth: r.Header.Get("Authorization"),
	})
	a := p.answers[min(len(p.requests), len(p.answers))-1]
	p.mu.Unlock()
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	for _, h := range a.header {
		k, v, _ := strings.Cut(h, ": ")
		w.Header().Add(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// seen returns the requests so far.
func (p *wirePlatform) seen() []wireRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]wireRequest(nil), p.requests...)
}

// check compares the requests so far with want, filling in what every
// request carries (the client's Authorization header).
func (p *wirePlatform) check(t *testing.T, want ...wireRequest) {
	t.Helper()
	for i := range want {
		want[i].Auth = wantAuth
		if want[i].Query == nil {
			want[i].Query = url.Values{}
		}
	}
	if diff := cmp.Diff(want, p.seen()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
