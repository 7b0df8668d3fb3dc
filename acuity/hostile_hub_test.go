package acuity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
)

// hostileHub is an Account whose hub answers every request with answer (a
// 200), and the log records its client wrote, at debug level.
func hostileHub(t *testing.T, user, org, token, answer string) (*Account, func() string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(answer))
	}))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{mu: &mu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := elements.NewClient(user, org, elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0), elements.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccount(c, token)
	if err != nil {
		t.Fatal(err)
	}
	return a, func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// leaksPart reports the first 8-byte part of secret in s, if any.
func leaksPart(s, secret string) (string, bool) {
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+8]) {
			return secret[i : i+8], true
		}
	}
	return "", false
}

// hubCall is one call of an Account whose answer holds a value the package
// converts.
type hubCall struct {
	name   string
	answer func(secret string) string // the hub's answer, with secret in the field
	call   func(a *Account) error
}

// A hub (hostile, or broken and echoing what it was sent) that puts a
// secret in a field the package converts gets an error wrapping
// ErrInvalidResponse that holds no 8 bytes of it, from a single resource, a
// list page or the free dates and times, in the error's text and in the
// client's log. Before, a conversion error quoted the first 40 bytes of the
// value (36 of a 44-character token), and a list page's were not redacted
// at all (a short secret appeared whole).
func TestConversionErrorsHoldNoPartOfASecret(t *testing.T) {
	t.Parallel()
	const (
		realUser  = "Ad8fJq0zLw3mXv7nRb2cTy5uHk9pSe4gNf6iOa1sKd0=" // the platform's secrets are 44 characters
		realOrg   = "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c0=" // likewise
		realToken = "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="
	)
	clients := []struct{ name, user, org, token string }{
		{"platform-length secrets", realUser, realOrg, realToken},
		{"short secrets", testUser, testOrg, testToken},
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var calls []hubCall
	for _, field := range []string{"datetime", "datetimeCreated", "duration", "paid"} {
		one := func(s string) string { return fmt.Sprintf(`{"id": 1, %q: %q}`, field, s) }
		calls = append(calls,
			hubCall{"Appointment " + field, one, func(a *Account) error { _, err := a.Appointment(ctx, 1); return err }},
			hubCall{"Appointments " + field, func(s string) string { return "[" + one(s) + "]" }, func(a *Account) error {
				_, err := collectIDs(a.Appointments(ctx, nil), apptID)
				return err
			}})
	}
	for _, field := range []string{"duration", "paddingBefore", "paddingAfter"} {
		calls = append(calls, hubCall{"AppointmentTypes " + field, func(s string) string { return fmt.Sprintf(`[{"id": 1, %q: %q}]`, field, s) }, func(a *Account) error {
			for _, err := range a.AppointmentTypes(ctx) {
				if err != nil {
					return err
				}
			}
			return nil
		}})
	}
	calls = append(calls,
		hubCall{"AvailableDates date", func(s string) string { return fmt.Sprintf(`[{"date": %q}]`, s) }, func(a *Account) error {
			_, err := a.AvailableDates(ctx, 3, at)
			return err
		}},
		hubCall{"AvailableTimes time", func(s string) string { return fmt.Sprintf(`[{"time": %q}]`, s) }, func(a *Account) error {
			_, err := a.AvailableTimes(ctx, 3, at)
			return err
		}})

	for _, cl := range clients {
		for who, secret := range map[string]string{"user": cl.user, "org": cl.org, "token": cl.token} {
			for _, c := range calls {
				t.Run(cl.name+"/"+who+"/"+c.name, func(t *testing.T) {
					t.Parallel()
					a, logs := hostileHub(t, cl.user, cl.org, cl.token, c.answer(secret))
					err := c.call(a)
					if !errors.Is(err, elements.ErrInvalidResponse) {
						t.Fatalf("err = %v, want ErrInvalidResponse", err)
					}
					for what, text := range map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "log": logs()} {
						if part, ok := leaksPart(text, secret); ok {
							t.Errorf("%s holds %q of the secret: %s", what, part, text)
						}
						if strings.ContainsAny(text, "\r") {
							t.Errorf("%s is not one line: %q", what, text)
						}
					}
				})
			}
		}
	}
}

// The webhook parsers and the OAuth redirect's error name a long value by
// its length: before, they quoted its first 40 or 64 bytes.
func TestWebhookAndRedirectErrorsHoldNoPartOfALongValue(t *testing.T) {
	t.Parallel()
	const long = "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc=ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="
	errs := map[string]error{}
	_, errs["ParseWebhook action"] = ParseWebhook([]byte("action=" + strings.ReplaceAll(long, "=", "%3D") + "&id=1"))
	_, errs["ParseWebhook id"] = ParseWebhook([]byte("action=scheduled&id=" + strings.ReplaceAll(long, "=", "%3D")))
	_, errs["ParseWebhook calendarID"] = ParseWebhook([]byte("action=scheduled&id=1&calendarID=" + strings.ReplaceAll(long, "=", "%3D")))
	errs["AuthError"] = &AuthError{ErrorCode: long, Description: "denied"}
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if part, ok := leaksPart(err.Error(), long); ok {
			t.Errorf("%s: %q holds %q of the value", name, err, part)
		}
	}
}
