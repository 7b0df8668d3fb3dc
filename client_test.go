package elements_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jarcoal/httpmock"

	"github.com/elementsgo/elements"
)

func TestNewClientRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		user, org string
		opts      []elements.Option
		want      string
	}{
		{"empty user secret", "", testOrgSecret, nil, "user secret is empty"},
		{"empty organization secret", testUserSecret, "", nil, "organization secret is empty"},
		{"secret with a comma", testUserSecret + ",x", testOrgSecret, nil, "user secret contains"},
		// Shorter secrets would escape the redactor (minSecretLen).
		{"user secret of 1 character", "q", testOrgSecret, nil, "user secret is shorter than 4 characters"},
		{"organization secret of 3 characters", testUserSecret, "q7z", nil, "organization secret is shorter than 4 characters"},
		{"secret of 3 bytes, 1 character", "€", testOrgSecret, nil, "user secret is shorter than 4 characters"},
		{"secret with a newline", testUserSecret, testOrgSecret + "\n", nil, "organization secret contains"},
		{"base URL not http", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL("ftp://h.test/x")}, "scheme must be http or https"},
		{"base URL relative", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL("/elements/api-v2")}, "scheme must be http or https"},
		{"base URL without host", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL("https:///x")}, "no host"},
		{"base URL with query", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL("https://h.test/x?a=b")}, "query or fragment"},
		{"base URL with user info", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL("https://u:p@h.test/")}, "user information"},
		{"base URL unparsable", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL("https://h.test/%zz")}, "invalid URL"},
		{"nil http client", testUserSecret, testOrgSecret, []elements.Option{elements.WithHTTPClient(nil)}, "nil *http.Client"},
		{"negative retries", testUserSecret, testOrgSecret, []elements.Option{elements.WithRetry(-1, 0, 0)}, "maxRetries must be >= 0"},
		{"negative min wait", testUserSecret, testOrgSecret, []elements.Option{elements.WithRetry(1, -time.Second, time.Second)}, "minWait must be >= 0"},
		{"max wait below min wait", testUserSecret, testOrgSecret, []elements.Option{elements.WithRetry(1, 2*time.Second, time.Second)}, "must be >= minWait"},
		{"nil logger", testUserSecret, testOrgSecret, []elements.Option{elements.WithLogger(nil)}, "nil *slog.Logger"},
		{"empty user agent", testUserSecret, testOrgSecret, []elements.Option{elements.WithUserAgent(" ")}, "empty or multi-line"},
		{"multi-line user agent", testUserSecret, testOrgSecret, []elements.Option{elements.WithUserAgent("a\nb")}, "empty or multi-line"},
		{"nil limiter", testUserSecret, testOrgSecret, []elements.Option{elements.WithLimiter(nil)}, "WithLimiter: nil Limiter"},
		{"negative rate limit wait", testUserSecret, testOrgSecret, []elements.Option{elements.WithRateLimitWait(-time.Second)}, "WithRateLimitWait: total must be >= 0, got -1s"},
		{"a bad base URL after a good one", testUserSecret, testOrgSecret, []elements.Option{elements.WithBaseURL(testBaseURL), elements.WithBaseURL("h.test")}, "scheme must be http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := elements.NewClient(tt.user, tt.org, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewClient = %v, %v; want an error containing %q", c, err, tt.want)
			}
			assertNoSecret(t, "NewClient error", err.Error())
			for _, short := range []string{"q7z", "€"} {
				if strings.Contains(err.Error(), short) {
					t.Errorf("NewClient error quotes the secret: %v", err)
				}
			}
		})
	}
	if _, err := elements.NewClient("q7zX", "€x"); err != nil {
		t.Errorf("NewClient with 4-byte secrets: %v", err)
	}
}

// NewClient checks what the options set, after applying them all: the last
// of an option given twice counts, a nil Option is skipped, and every
// option it cannot use is in its error.
func TestNewClientChecksTheOptions(t *testing.T) {
	t.Parallel()
	c, err := elements.NewClient(testUserSecret, testOrgSecret,
		elements.WithBaseURL("ftp://h.test"), elements.WithRetry(-1, 0, 0), nil,
		elements.WithBaseURL("https://h.test/"), elements.WithRetry(0, 0, 0))
	if err != nil || c.BaseURL() != "https://h.test" {
		t.Fatalf("bad options set right later: %v, %v; want a client on https://h.test", c, err)
	}
	_, err = elements.NewClient(testUserSecret, testOrgSecret, elements.WithBaseURL("https://u:p@h.test/"),
		elements.WithHTTPClient(nil), elements.WithRetry(0, time.Second, 0), elements.WithLogger(nil))
	want := []string{
		"elements: WithBaseURL: URL must not carry user information",
		"elements: WithHTTPClient: nil *http.Client",
		"elements: WithRetry: maxWait (0s) must be >= minWait (1s)",
		"elements: WithLogger: nil *slog.Logger",
	}
	if err == nil {
		t.Fatal("NewClient accepted four bad options")
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), "u:p") {
		t.Errorf("the error quotes the URL's credentials: %v", err)
	}
}

func TestNewClientDefaultsAndBaseURL(t *testing.T) {
	t.Parallel()
	c, err := elements.NewClient(testUserSecret, testOrgSecret)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != elements.DefaultBaseURL || elements.DefaultBaseURL != "https://api.cloud-elements.com/elements/api-v2" {
		t.Errorf("BaseURL() = %q, want the Cloud Elements US host", c.BaseURL())
	}
	if c.Instances == nil {
		t.Fatal("Instances is nil")
	}

	tests := []struct{ base, wantURL string }{
		{"https://h.test/elements/api-v2", "https://h.test/elements/api-v2/instances/1"},
		{"https://h.test/elements/api-v2/", "https://h.test/elements/api-v2/instances/1"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/instances/1"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/instances/1"},
		{elements.BaseURLOpenConnectorsEU10, "https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2/instances/1"},
	}
	for _, tt := range tests {
		c, err := elements.NewClient(testUserSecret, testOrgSecret, elements.WithBaseURL(tt.base))
		if err != nil {
			t.Fatalf("%s: %v", tt.base, err)
		}
		req, err := c.NewRequest(context.Background(), "GET", "/instances/1", nil)
		if err != nil {
			t.Fatal(err)
		}
		if req.URL.String() != tt.wantURL {
			t.Errorf("base %q: URL = %q, want %q", tt.base, req.URL, tt.wantURL)
		}
	}
}

func TestNewRequestHeadersAndElementToken(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t, elements.WithUserAgent("myapp/1.2"))
	rec := mock(mt, answer(200, `{"id":42,"firstName":"Ada"}`,
		"Elements-Request-Id: req-9", "Elements-Next-Page-Token: next-1",
		"Elements-Total-Count: 120", "Elements-Returned-Count: 20"))

	req, err := c.NewRequest(context.Background(), "GET", "hubs/scheduling/appointments/42", nil, elements.WithElementToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ID        int64  `json:"id"`
		FirstName string `json:"firstName"`
	}
	resp, err := c.Do(req, &got)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	sent := rec.last(t)
	if sent.Path != "/elements/api-v2/hubs/scheduling/appointments/42" {
		t.Errorf("path = %q", sent.Path)
	}
	wantHeaders := map[string]string{
		"Authorization": wantAuth + ", Element " + testToken,
		"Accept":        "application/json",
		"User-Agent":    "myapp/1.2 elements-go/" + elements.Version,
		"Content-Type":  "",
	}
	for k, want := range wantHeaders {
		if v := sent.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if got.ID != 42 || got.FirstName != "Ada" {
		t.Errorf("decoded %+v", got)
	}
	type respFields struct {
		Status                    int
		RequestID, NextPageToken  string
		TotalCount, ReturnedCount int
	}
	want := respFields{200, "req-9", "next-1", 120, 20}
	gotFields := respFields{resp.StatusCode, resp.RequestID, resp.NextPageToken, resp.TotalCount, resp.ReturnedCount}
	if diff := cmp.Diff(want, gotFields); diff != "" {
		t.Errorf("Response (-want +got):\n%s", diff)
	}
}

func TestResponseCountsAbsent(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	mock(mt, answer(200, `{}`))
	req, _ := c.NewRequest(context.Background(), "GET", "/x", nil)
	resp, err := c.Do(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.TotalCount != -1 || resp.ReturnedCount != -1 || resp.NextPageToken != "" {
		t.Errorf("absent headers: TotalCount=%d ReturnedCount=%d NextPageToken=%q", resp.TotalCount, resp.ReturnedCount, resp.NextPageToken)
	}
}

func TestNewRequestRejects(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t)
	//lint:ignore SA1012 checking the nil-context error on purpose
	if _, err := c.NewRequest(nil, "GET", "/x", nil); err == nil { //nolint:staticcheck
		t.Error("nil context accepted")
	}
	if _, err := c.NewRequest(context.Background(), "GET", "/x", make(chan int)); err == nil {
		t.Error("unencodable body accepted")
	}
	if _, err := c.NewRequest(context.Background(), "GET", "/x", nil, elements.WithElementToken("a b\n")); err == nil ||
		!strings.Contains(err.Error(), "element token") || strings.Contains(err.Error(), "a b") {
		t.Errorf("bad token: err = %v", err)
	}
	// A token shorter than 4 characters would escape the redactor.
	for _, tok := range []string{"", "Q", "Q9Z"} {
		_, err := c.NewRequest(context.Background(), "GET", "/x", nil, elements.WithElementToken(tok))
		if err == nil || !strings.Contains(err.Error(), "element token is") || (tok != "" && strings.Contains(err.Error(), tok)) {
			t.Errorf("token %q: err = %v, want it rejected without quoting it", tok, err)
		}
	}
	if _, err := c.NewRequest(context.Background(), "GET", "/x", nil, elements.WithElementToken("k9Zq")); err != nil {
		t.Errorf("4-character token: %v", err)
	}
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	longHTML := "<html><body><h1>Oops</h1><p>" + strings.Repeat("word ", 400) + "</p></body></html>"
	tests := []struct {
		name    string
		respond func() (*http.Response, error)
		want    *elements.APIError
	}{
		{
			name:    "JSON error",
			respond: answer(400, `{"message":"Invalid code","requestId":"req-1","providerMessage":"invalid_grant"}`),
			want:    &elements.APIError{StatusCode: 400, RequestID: "req-1", Message: "Invalid code", ProviderMessage: "invalid_grant"},
		},
		{
			name:    "JSON error, request id from the header",
			respond: answer(409, `{"message":"Duplicate name"}`, "Elements-Request-Id: hdr-2"),
			want:    &elements.APIError{StatusCode: 409, RequestID: "hdr-2", Message: "Duplicate name"},
		},
		{
			name:    "Acuity-style error with error field",
			respond: answer(401, `{"status_code":401,"error":"unauthorized"}`),
			want:    &elements.APIError{StatusCode: 401, Message: "unauthorized"},
		},
		{
			name:    "HTML page with a title",
			respond: answer(502, "<!DOCTYPE html><html><head><title>502 Bad Gateway &amp; more</title><style>body{}</style></head><body><h1>Bad Gateway</h1></body></html>", "Content-Type: text/html", "Elements-Request-Id: hdr-3"),
			want:    &elements.APIError{StatusCode: 502, RequestID: "hdr-3", Message: "502 Bad Gateway & more"},
		},
		{
			name:    "long HTML page without a title",
			respond: answer(500, longHTML, "Content-Type: text/html"),
			want:    &elements.APIError{StatusCode: 500, Message: "Oops " + strings.TrimSpace(strings.Repeat("word ", 39)) + "…"},
		},
		{
			name:    "HTML page without a title: scripts and styles dropped",
			respond: answer(503, "<html><head><style>p{color:red}</style></head><body><script>var x=1;</script><p>Service\n  Unavailable</p></body></html>"),
			want:    &elements.APIError{StatusCode: 503, Message: "Service Unavailable"},
		},
		{
			name:    "plain text",
			respond: answer(503, "upstream connect error\r\n\x00"),
			want:    &elements.APIError{StatusCode: 503, Message: "upstream connect error"},
		},
		{
			name:    "empty body",
			respond: answer(500, ""),
			want:    &elements.APIError{StatusCode: 500, Message: "Internal Server Error"},
		},
		{
			name:    "404",
			respond: answer(404, `{"message":"Instance 7 not found","requestId":"r404"}`),
			want:    &elements.APIError{StatusCode: 404, RequestID: "r404", Message: "Instance 7 not found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
			mock(mt, tt.respond)
			_, err := c.Instances.Get(context.Background(), 7)
			var got *elements.APIError
			if !errors.As(err, &got) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			tt.want.Method, tt.want.Path = "GET", "/elements/api-v2/instances/7"
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(elements.APIError{}, "Header")); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if n := utf8.RuneCountInString(got.Message); n > 201 {
				t.Errorf("Message has %d runes, want a short one", n)
			}
			if got.Header == nil {
				t.Error("Header not kept")
			}
			if errors.Is(err, elements.ErrNotFound) != (tt.want.StatusCode == 404) {
				t.Errorf("errors.Is(err, ErrNotFound) = %v for status %d", errors.Is(err, elements.ErrNotFound), got.StatusCode)
			}
			for _, part := range []string{"GET /elements/api-v2/instances/7", got.Message} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("Error() = %q, want it to contain %q", err.Error(), part)
				}
			}
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	e := &elements.APIError{StatusCode: 400, RequestID: "r1", Message: "Invalid code", ProviderMessage: "invalid_grant", Method: "POST", Path: "/instances"}
	want := "elements: POST /instances: 400 Bad Request: Invalid code (provider: invalid_grant) [request id r1]"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestErrorBodyReadIsBounded(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
	body := &countingReader{r: io.LimitReader(zeroReader{}, 8<<20)}
	mt.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(body)}, nil
	})
	_, err := c.Instances.Get(context.Background(), 1)
	var apiErr *elements.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	if body.n > 1<<20 {
		t.Errorf("read %d bytes of an error body, want at most 1 MiB", body.n)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestInvalid2xxBodies(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"HTML", "<html><body>Welcome to the captive portal</body></html>"},
		{"empty", ""},
		{"wrong shape", `["a"]`},
		{"truncated", `{"id": 12`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			mock(mt, answer(200, tt.body))
			inst, err := c.Instances.Get(context.Background(), 1)
			if !errors.Is(err, elements.ErrInvalidResponse) {
				t.Fatalf("Get = %v, %v; want ErrInvalidResponse", inst, err)
			}
			var apiErr *elements.APIError
			if errors.As(err, &apiErr) {
				t.Errorf("a 2xx answer became an *APIError: %v", err)
			}
		})
	}
}

// What an invalid 2xx answer's error quotes of the answer is bounded and in
// one line, however large the answer's Content-Type.
func TestInvalidAnswerErrorIsBounded(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	mock(mt, answer(200, "<html>portal</html>", "Content-Type: text/html; x="+strings.Repeat("\u2028y", 50<<10)))
	_, err := c.Instances.Get(context.Background(), 1)
	if !errors.Is(err, elements.ErrInvalidResponse) {
		t.Fatalf("Get = %v; want ErrInvalidResponse", err)
	}
	if msg := err.Error(); len(msg) > 1000 || strings.ContainsAny(msg, "\n\r\u2028") || !strings.Contains(msg, `"text/html; x=`) {
		t.Errorf("error of %d bytes, want one line of at most 1000 quoting the start of the Content-Type: %.1200q", len(msg), msg)
	}
}

// A call that fails for good makes go-retryablehttp close the idle
// connections of the client's transport. The client NewClient builds has a
// pool of its own, so that touches no other code's connections: an idle
// connection of http.DefaultTransport survives (with a shared pool, it was
// closed, and a request taking it at that moment failed). Not parallel: it
// watches http.DefaultTransport's pool.
func TestFailedCallLeavesOtherConnectionsAlone(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer other.Close()
	reused := func() bool {
		var got bool
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i.Reused }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", other.URL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return got
	}
	reused() // leaves an idle connection in http.DefaultTransport's pool
	if !reused() {
		t.Fatal("http.DefaultTransport did not keep the connection (the test cannot see the pool)")
	}
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer platform.Close()
	c, err := elements.NewClient(testUserSecret, testOrgSecret, elements.WithBaseURL(platform.URL), elements.WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instances.Get(context.Background(), 1); err == nil {
		t.Fatal("Get on a 503 platform succeeded")
	}
	if !reused() {
		t.Error("a failed call closed the idle connections of http.DefaultTransport")
	}
}

// dialErr is a failure before the request left: retrying a POST is safe.
var dialErr = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

// resetErr is a failure after the request was sent: a POST may have
// been processed.
var resetErr = &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}

func TestRetryRules(t *testing.T) {
	t.Parallel()
	ok := answer(200, `{"id":1}`)
	tests := []struct {
		name      string
		method    string
		responses []func() (*http.Response, error)
		wantCalls int
		wantErr   bool
		wantCode  int // status of the *APIError, if wantErr
	}{
		{"GET 503 then 200", "GET", []func() (*http.Response, error){answer(503, ""), answer(503, ""), ok}, 3, false, 0},
		{"GET 502, 504 then 200", "GET", []func() (*http.Response, error){answer(502, ""), answer(504, ""), ok}, 3, false, 0},
		{"GET 429 then 200", "GET", []func() (*http.Response, error){answer(429, ""), ok}, 2, false, 0},
		{"GET 500 is not retried", "GET", []func() (*http.Response, error){answer(500, ""), ok}, 1, true, 500},
		{"GET 501 is not retried", "GET", []func() (*http.Response, error){answer(501, ""), ok}, 1, true, 501},
		{"GET 400 is not retried", "GET", []func() (*http.Response, error){answer(400, ""), ok}, 1, true, 400},
		{"GET 503 until retries run out", "GET", []func() (*http.Response, error){answer(503, `{"message":"down","requestId":"last"}`)}, 4, true, 503},
		{"GET connection reset then 200", "GET", []func() (*http.Response, error){failWith(resetErr), ok}, 2, false, 0},
		{"GET dial error then 200", "GET", []func() (*http.Response, error){failWith(dialErr), ok}, 2, false, 0},
		{"GET certificate error is not retried", "GET", []func() (*http.Response, error){failWith(&tls.CertificateVerificationError{Err: errors.New("x509: unknown authority")}), ok}, 1, true, 0},
		{"PUT 503 then 200", "PUT", []func() (*http.Response, error){answer(503, ""), ok}, 2, false, 0},
		{"DELETE 504 then 200", "DELETE", []func() (*http.Response, error){answer(504, ""), ok}, 2, false, 0},
		{"POST 503 is not retried", "POST", []func() (*http.Response, error){answer(503, ""), ok}, 1, true, 503},
		{"POST 502 is not retried", "POST", []func() (*http.Response, error){answer(502, ""), ok}, 1, true, 502},
		{"POST 504 is not retried", "POST", []func() (*http.Response, error){answer(504, ""), ok}, 1, true, 504},
		{"POST 429 then 200", "POST", []func() (*http.Response, error){answer(429, ""), ok}, 2, false, 0},
		{"POST dial error then 200", "POST", []func() (*http.Response, error){failWith(dialErr), ok}, 2, false, 0},
		{"POST connection reset is not retried", "POST", []func() (*http.Response, error){failWith(resetErr), ok}, 1, true, 0},
		{"POST unexpected EOF is not retried", "POST", []func() (*http.Response, error){failWith(io.ErrUnexpectedEOF), ok}, 1, true, 0},
		{"PATCH 503 is not retried", "PATCH", []func() (*http.Response, error){answer(503, ""), ok}, 1, true, 503},
		{"PATCH 429 then 200", "PATCH", []func() (*http.Response, error){answer(429, ""), ok}, 2, false, 0},
		{"PATCH 429s do not use up the retries", "PATCH", []func() (*http.Response, error){answer(429, ""), answer(429, ""), answer(429, ""), answer(429, ""), answer(429, ""), ok}, 6, false, 0},
		{"GET 429s between 503s do not use up the retries", "GET", []func() (*http.Response, error){answer(503, ""), answer(429, ""), answer(503, ""), answer(429, ""), answer(503, ""), answer(429, ""), ok}, 7, false, 0},
		{"GET 503s past the retries, with 429s between", "GET", []func() (*http.Response, error){answer(503, ""), answer(429, ""), answer(503, ""), answer(503, ""), answer(429, ""), answer(503, ""), ok}, 6, true, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			rec := mock(mt, tt.responses...)
			var body any
			if tt.method == "POST" || tt.method == "PATCH" || tt.method == "PUT" {
				body = map[string]string{"name": "x"}
			}
			req, err := c.NewRequest(context.Background(), tt.method, "/instances", body)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Do(req, nil)
			if got := rec.calls(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			var apiErr *elements.APIError
			if tt.wantCode != 0 {
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantCode {
					t.Fatalf("err = %v (%T), want *APIError %d", err, err, tt.wantCode)
				}
				if strings.Contains(err.Error(), "giving up") {
					t.Errorf("retryablehttp's error leaked: %v", err)
				}
				return
			}
			var reqErr *elements.RequestError
			if !errors.As(err, &reqErr) || reqErr.Method != tt.method || reqErr.Path != "/elements/api-v2/instances" {
				t.Errorf("err = %v (%T), want *RequestError for %s /elements/api-v2/instances", err, err, tt.method)
			}
			if strings.Contains(err.Error(), "giving up") {
				t.Errorf("retryablehttp's error leaked: %v", err)
			}
		})
	}
}

func TestRetryResendsTheBody(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	rec := mock(mt, answer(429, ""), answer(200, `{"id":5}`))
	if _, err := c.Instances.Create(context.Background(), seedRequest()); err != nil {
		t.Fatal(err)
	}
	if rec.calls() != 2 {
		t.Fatalf("calls = %d, want 2", rec.calls())
	}
	if string(rec.requests[0].Body) != string(rec.requests[1].Body) || len(rec.requests[1].Body) == 0 {
		t.Errorf("retry sent a different body:\n%s\n%s", rec.requests[0].Body, rec.requests[1].Body)
	}
}

func TestRetryAfterIsCappedAtMaxWait(t *testing.T) {
	t.Parallel()
	// An uncapped Retry-After of an hour would outlive the deadline. (A
	// 429's Retry-After is waited whole, within WithRateLimitWait: see
	// pacing_test.go.)
	c, mt := newTestClient(t, elements.WithRetry(2, time.Millisecond, 5*time.Millisecond))
	rec := mock(mt, answer(503, "", "Retry-After: 3600"), answer(503, "", "Retry-After: Fri, 31 Dec 2100 23:59:59 GMT"), answer(200, `{"id":1}`))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Instances.Get(ctx, 1); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if rec.calls() != 3 {
		t.Errorf("calls = %d, want 3", rec.calls())
	}
}

func TestContextEndsTheRetryWait(t *testing.T) {
	t.Parallel()
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t, elements.WithRetry(5, time.Hour, time.Hour))
		ctx := newHandDeadline()
		// The deadline passes once the client has read the answer, before it
		// waits an hour to retry.
		rec := mock(mt, ctx.passOnClose(answer(503, "", "Retry-After: 3600")))
		_, err := c.Instances.Get(ctx, 1)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want it to wrap context.DeadlineExceeded", err)
		}
		if rec.calls() != 1 {
			t.Errorf("calls = %d, want 1", rec.calls())
		}
		var reqErr *elements.RequestError
		if !errors.As(err, &reqErr) || !strings.HasPrefix(err.Error(), "elements: GET /elements/api-v2/instances/1: ") {
			t.Errorf("err = %q (%T), want a *RequestError naming the call", err, err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t, elements.WithRetry(5, time.Hour, time.Hour))
		sent := make(chan struct{}, 1)
		rec := mock(mt, func() (*http.Response, error) {
			sent <- struct{}{}
			return answer(503, "")()
		})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-sent; cancel() }()
		_, err := c.Instances.Get(ctx, 1)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want it to wrap context.Canceled", err)
		}
		if rec.calls() != 1 {
			t.Errorf("calls = %d, want 1", rec.calls())
		}
	})
}

func TestTransportErrorNamesTheCallWithoutQuery(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
	mock(mt, failWith(resetErr))
	_, err := c.Instances.OAuthURL(context.Background(), "acuityscheduling",
		&elements.OAuthURLParams{APIKey: "k3y", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"})
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("err = %v, want it to wrap ECONNRESET", err)
	}
	want := "elements: GET /elements/api-v2/elements/acuityscheduling/oauth/url: read tcp: connection reset by peer"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		assertNoSecret(t, "wrapped error", e.Error())
	}
}

func TestRetriesUseTheGivenTransport(t *testing.T) {
	t.Parallel()
	// WithHTTPClient's transport is the innermost: every attempt goes through it.
	mt := httpmock.NewMockTransport()
	rec := mock(mt, answer(503, ""), answer(200, `{"id":1}`))
	counting := &countingTransport{next: mt}
	c, err := elements.NewClient(testUserSecret, testOrgSecret,
		elements.WithHTTPClient(&http.Client{Transport: counting}),
		elements.WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instances.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if counting.n != 2 || rec.calls() != 2 {
		t.Errorf("transport saw %d attempts, mock %d; want 2", counting.n, rec.calls())
	}
	if got := rec.last(t); !strings.HasPrefix(got.Path, "/elements/api-v2/") {
		t.Errorf("default base URL not used: %q", got.Path)
	}
}

type countingTransport struct {
	next http.RoundTripper
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.next.RoundTrip(r)
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	rec := mock(mt, answer(503, ""), answer(200, `{"id":1}`))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Instances.Get(context.Background(), 1)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := rec.calls(); n != 21 {
		t.Errorf("calls = %d, want 21 (one 503 retried, 20 answers)", n)
	}
}

func TestReauthenticateIsNotRepeatedAfterSending(t *testing.T) {
	t.Parallel()
	// A PUT, but the authorization code in it is single-use.
	req := &elements.InstanceRequest{ProviderData: elements.ProviderData{Code: testCode}}
	for _, tt := range []struct {
		name      string
		responses []func() (*http.Response, error)
		wantCalls int
	}{
		{"503 not retried", []func() (*http.Response, error){answer(503, ""), answer(200, `{"id":7}`)}, 1},
		{"connection reset not retried", []func() (*http.Response, error){failWith(resetErr), answer(200, `{"id":7}`)}, 1},
		{"429 retried", []func() (*http.Response, error){answer(429, ""), answer(200, `{"id":7}`)}, 2},
		{"dial error retried", []func() (*http.Response, error){failWith(dialErr), answer(200, `{"id":7}`)}, 2},
	} {
		c, mt := newTestClient(t)
		rec := mock(mt, tt.responses...)
		_, err := c.Instances.Reauthenticate(context.Background(), 7, req)
		if rec.calls() != tt.wantCalls {
			t.Errorf("%s: calls = %d, want %d (err %v)", tt.name, rec.calls(), tt.wantCalls, err)
		}
		if (err == nil) != (tt.wantCalls == 2) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}
