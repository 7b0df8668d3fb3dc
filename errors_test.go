package elements_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements"
)

// A hostile answer cannot make an *APIError huge, nor forge log lines: each
// field taken from the answer is cut to a few hundred bytes and control
// characters are quoted, so Error() is one short line.
func TestAPIErrorTextIsBoundedAndOneLine(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("A", 900<<10)
	forged := "bad request\nlevel=ERROR msg=\"forged record\"\r\x00\u2028\u0085done"
	for name, body := range map[string]map[string]any{
		"huge message":            {"message": huge},
		"huge provider message":   {"message": "m", "providerMessage": huge},
		"huge request id":         {"message": "m", "requestId": huge},
		"huge error object":       {"error": map[string]string{"detail": huge}},
		"forged lines":            {"message": forged, "providerMessage": forged, "requestId": forged},
		"forged lines, long":      {"message": forged + huge},
		"invalid UTF-8 and lines": {"message": "a\xff\xfe\nb"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			b, _ := json.Marshal(body)
			mock(mt, answer(400, string(b), "Elements-Request-Id: "+strings.Repeat("r", 4000)))
			_, err := c.Instances.Get(context.Background(), 1)
			var apiErr *elements.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			text := err.Error()
			if len(text) > 1200 {
				t.Errorf("Error() is %d bytes long, want a few hundred per field", len(text))
			}
			for field, v := range map[string]string{"Message": apiErr.Message, "ProviderMessage": apiErr.ProviderMessage, "RequestID": apiErr.RequestID} {
				if len(v) > 320 {
					t.Errorf("%s is %d bytes long", field, len(v))
				}
			}
			if strings.ContainsAny(text, "\n\r\x00\u2028\u0085") {
				t.Errorf("Error() is not one line: %q", text)
			}
			if strings.Contains(name, "forged") && !strings.Contains(text, `bad request\nlevel=ERROR msg="forged record"\r\x00\u2028\u0085done`) {
				t.Errorf("Error() = %q, want the control characters quoted", text)
			}
			if strings.Contains(name, "huge message") && !strings.Contains(text, strings.Repeat("A", 250)+"…") {
				t.Errorf("Error() = %.400q, want the message's start and a mark where it was cut", text)
			}
		})
	}
}

// A secret that straddles the cut is still redacted: the text is redacted
// whole before it is cut.
func TestAPIErrorCutDoesNotHalveASecret(t *testing.T) {
	t.Parallel()
	// A JSON message is cut at maxErrorField bytes; a page that is not JSON
	// (plain text, HTML) at maxMessage characters.
	bodies := map[string]func(pad int) string{
		"JSON": func(pad int) string {
			b, _ := json.Marshal(map[string]string{"message": strings.Repeat("x", pad) + testUserSecret + " and more"})
			return string(b)
		},
		"text": func(pad int) string { return strings.Repeat("x", pad-100) + testUserSecret + " and more" },
		"HTML": func(pad int) string {
			return "<html><title>" + strings.Repeat("y", pad-100) + testUserSecret + " and more</title></html>"
		},
	}
	for name, body := range bodies {
		for pad := 260; pad < 310; pad++ {
			c, mt := newTestClient(t)
			mock(mt, answer(400, body(pad)))
			_, err := c.Instances.Get(context.Background(), 1)
			if err == nil {
				t.Fatal("no error")
			}
			for i := minSecretPart; i <= len(testUserSecret); i++ {
				if strings.Contains(err.Error(), testUserSecret[:i]) {
					t.Fatalf("%s, pad %d: %d bytes of the secret in %q", name, pad, i, err)
				}
			}
		}
	}
}

// minSecretPart is the shortest start of a secret that counts as a leak.
const minSecretPart = 6

// InvalidResponse, for code that converts what Do decoded, makes the error
// Do makes for an answer it cannot decode: it wraps ErrInvalidResponse,
// names the call, redacts every secret of the request (the element token
// included) from the cause, is one bounded line and is logged. Nil
// arguments make an error, not a panic.
func TestInvalidResponse(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	c, mt := newTestClient(t, elements.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	mock(mt, answer(200, `[{"date": "x"}]`, "Content-Type: application/json"))
	ctx := context.Background()
	req, err := c.NewRequest(ctx, http.MethodGet, "/hubs/scheduling/things", nil, elements.WithElementToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	var v []map[string]string
	resp, err := c.Do(req, &v)
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("date \"" + testToken + "\" or \"" + testOrgSecret + "\" is not a date\nforged=1" + strings.Repeat("x", 1000))
	got := c.InvalidResponse(req, resp, cause)
	msg := got.Error()
	if !errors.Is(got, elements.ErrInvalidResponse) || !strings.HasPrefix(msg, "elements: GET /elements/api-v2/hubs/scheduling/things: ") {
		t.Errorf("got %q, want an error naming the call and wrapping ErrInvalidResponse", msg)
	}
	if strings.Contains(msg, testToken) || strings.Contains(msg, testOrgSecret) || strings.Contains(msg, "\n") || len(msg) > 600 {
		t.Errorf("got %q, want one bounded line without secrets", msg)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), testToken) {
		t.Errorf("log %q, want the error logged without the token", logs.String())
	}
	for name, err := range map[string]error{
		"nil request":  c.InvalidResponse(nil, resp, cause),
		"nil response": c.InvalidResponse(req, nil, cause),
		"nil cause":    c.InvalidResponse(req, resp, nil),
	} {
		if !errors.Is(err, elements.ErrInvalidResponse) || strings.Contains(err.Error(), testOrgSecret) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// RetryAfter says when a rate-limited (429) call may be tried again, and
// nothing for other answers.
func TestAPIErrorRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status   int
		header   string
		wantWait time.Duration
		wantOK   bool
	}{
		{429, "3", 3 * time.Second, true},
		{429, "", 0, true},
		{429, "soon", 0, true},
		{429, "-5", 0, true},
		{429, "999999999", 24 * time.Hour, true},
		{429, "Wed, 21 Oct 2015 07:28:00 GMT", 0, true}, // a date in the past: now
		{503, "3", 0, false},
		{500, "", 0, false},
	}
	for _, tt := range tests {
		e := &elements.APIError{StatusCode: tt.status, Header: http.Header{}}
		if tt.header != "" {
			e.Header.Set("Retry-After", tt.header)
		}
		if d, ok := e.RetryAfter(); d != tt.wantWait || ok != tt.wantOK {
			t.Errorf("%d with Retry-After %q: RetryAfter() = %v, %t; want %v, %t", tt.status, tt.header, d, ok, tt.wantWait, tt.wantOK)
		}
	}
	future := &elements.APIError{StatusCode: 429, Header: http.Header{"Retry-After": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}}
	if d, ok := future.RetryAfter(); !ok || d < 58*time.Minute || d > time.Hour {
		t.Errorf("Retry-After an hour from now: %v, %t", d, ok)
	}
	if d, ok := (&elements.APIError{StatusCode: 429}).RetryAfter(); d != 0 || !ok {
		t.Errorf("429 without headers: %v, %t; want 0, true", d, ok)
	}
}
