package elements_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/elementsgo/elements"
)

// Secrets used by the tests; testSecrets lists every one of them so leak
// checks can look for each.
const (
	testUserSecret  = "uSeRsEcReT-7f3a9c"
	testOrgSecret   = "oRgSeCrEt-2b8e4d"
	testToken       = "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="
	testOAuthSecret = "fak3AP1-s3Cr3t"
	testCode        = "xoz8AFqScK2ngM04kSSM"
	testSigningKey  = "sIgNiNgKeY-5d1e"
	testBaseURL     = "https://platform.test/elements/api-v2"
)

var testSecrets = []string{testUserSecret, testOrgSecret, testToken, testOAuthSecret, testCode, testSigningKey}

const wantAuth = "User " + testUserSecret + ", Organization " + testOrgSecret

// newTestClient returns a client on a fresh mock transport with tiny retry
// waits.
func newTestClient(t *testing.T, opts ...elements.Option) (*elements.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	all := append([]elements.Option{
		elements.WithBaseURL(testBaseURL),
		elements.WithHTTPClient(&http.Client{Transport: mt}),
		elements.WithRetry(3, time.Millisecond, 2*time.Millisecond),
	}, opts...)
	c, err := elements.NewClient(testUserSecret, testOrgSecret, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mt
}

// recorded is what a responder saw of one request.
type recorded struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// recorder answers every request with the responses in turn (the last one
// repeats) and records the requests.
type recorder struct {
	mu        sync.Mutex
	requests  []recorded
	responses []func() (*http.Response, error)
}

func (r *recorder) responder(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, recorded{
		Method: req.Method,
		Path:   req.URL.EscapedPath(),
		Query:  req.URL.RawQuery,
		Header: req.Header.Clone(),
		Body:   body,
	})
	i := min(len(r.requests)-1, len(r.responses)-1)
	return r.responses[i]()
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.requests) == 0 {
		t.Fatal("no request was sent")
	}
	return r.requests[len(r.requests)-1]
}

// answer builds a response with a body and headers as "Key: value" pairs.
func answer(status int, body string, headers ...string) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ": ")
			resp.Header.Add(k, v)
		}
		if resp.Header.Get("Content-Type") == "" && strings.HasPrefix(strings.TrimSpace(body), "{") {
			resp.Header.Set("Content-Type", "application/json")
		}
		return resp, nil
	}
}

func failWith(err error) func() (*http.Response, error) {
	return func() (*http.Response, error) { return nil, err }
}

// mock installs a recorder answering everything on mt.
func mock(mt *httpmock.MockTransport, responses ...func() (*http.Response, error)) *recorder {
	r := &recorder{responses: responses}
	mt.RegisterNoResponder(r.responder)
	return r
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// assertNoSecret fails if text contains any test secret.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range testSecrets {
		if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) {
			t.Errorf("%s leaks secret %q: %s", where, s, text)
		}
	}
}

// handDeadline is a context whose deadline the test passes by hand (Err is
// then context.DeadlineExceeded): unlike a timer, it cannot pass before the
// work the test waits for, however loaded the machine.
type handDeadline struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newHandDeadline() *handDeadline {
	return &handDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (c *handDeadline) Done() <-chan struct{} { return c.done }

func (c *handDeadline) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// pass makes the deadline pass.
func (c *handDeadline) pass() { c.once.Do(func() { close(c.done) }) }

// passOnClose makes answer's deadline pass when the client closes the
// answer's body: it has then read the answer (a retrying client, before it
// waits to retry).
func (c *handDeadline) passOnClose(answer func() (*http.Response, error)) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		resp, err := answer()
		if resp != nil {
			resp.Body = closeHook{ReadCloser: resp.Body, hook: c.pass}
		}
		return resp, err
	}
}

type closeHook struct {
	io.ReadCloser
	hook func()
}

func (b closeHook) Close() error {
	defer b.hook()
	return b.ReadCloser.Close()
}
