package acuity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"
)

const (
	testBaseURL   = "https://platform.example.test/elements/api-v2"
	testUser      = "user-secret-abc"
	testOrg       = "org-secret-def"
	testToken     = "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="
	appointmentID = 8801
)

var appointmentURL = testBaseURL + "/hubs/scheduling/appointments/8801"

func newTestClient(t *testing.T, mt *httpmock.MockTransport) *elements.Client {
	t.Helper()
	c, err := elements.NewClient(testUser, testOrg,
		elements.WithBaseURL(testBaseURL),
		elements.WithHTTPClient(&http.Client{Transport: mt}),
		elements.WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkAuth wraps a responder with the checks every appointment call must
// pass: method, path and the instance-scoped Authorization header.
func checkAuth(t *testing.T, next httpmock.Responder) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet {
			t.Errorf("method = %s, want GET", r.Method)
		}
		if r.URL.Path != "/elements/api-v2/hubs/scheduling/appointments/8801" {
			t.Errorf("path = %s", r.URL.Path)
		}
		want := "User " + testUser + ", Organization " + testOrg + ", Element " + testToken
		if got := r.Header.Get("Authorization"); got != want {
			t.Errorf("Authorization = %q, want %q", got, want)
		}
		if !strings.HasSuffix(r.Header.Get("Authorization"), ", Element "+testToken) {
			t.Errorf("Authorization does not end with the element token")
		}
		return next(r)
	}
}

func TestGetAppointment(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder("GET", appointmentURL,
		checkAuth(t, httpmock.NewBytesResponder(200, readFixture(t, "appointment.json"))))
	got, err := GetAppointment(context.Background(), newTestClient(t, mt), testToken, appointmentID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixtureWithRaw(readFixture(t, "appointment.json")), got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if n := mt.GetTotalCallCount(); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}

func TestGetAppointmentRetries(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	fixture := readFixture(t, "appointment.json")
	calls := 0
	mt.RegisterResponder("GET", appointmentURL, checkAuth(t, func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 1 {
			return httpmock.NewStringResponse(503, `{"message": "busy"}`), nil
		}
		return httpmock.NewBytesResponse(200, fixture), nil
	}))
	got, err := GetAppointment(context.Background(), newTestClient(t, mt), testToken, appointmentID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != appointmentID || calls != 2 {
		t.Errorf("ID = %d after %d calls, want %d after 2", got.ID, calls, appointmentID)
	}
}

func TestGetAppointmentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		wantIs    error
		wantAPI   bool
		wantCalls int
		wantMsg   string
	}{
		{"not found", 404, `{"message": "No appointment 8801", "requestId": "req-1"}`, elements.ErrNotFound, true, 1, "No appointment"},
		{"unauthorized echoing the token", 401, `{"message": "bad token ` + testToken + `"}`, nil, true, 1, "401"},
		{"server error after retries", 503, `busy`, nil, true, 3, "503"},
		{"not an appointment", 200, `{"id": 8801, "datetime": "tomorrow"}`, elements.ErrInvalidResponse, false, 1, "datetime"},
		{"not JSON", 200, `<html>oops</html>`, elements.ErrInvalidResponse, false, 1, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder("GET", appointmentURL, checkAuth(t, httpmock.NewStringResponder(tt.status, tt.body)))
			got, err := GetAppointment(context.Background(), newTestClient(t, mt), testToken, appointmentID)
			if err == nil {
				t.Fatalf("got %+v, want error", got)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			var apiErr *elements.APIError
			if errors.As(err, &apiErr) != tt.wantAPI {
				t.Errorf("errors.As(*APIError) = %v, want %v (err %v)", !tt.wantAPI, tt.wantAPI, err)
			}
			if apiErr != nil && apiErr.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, tt.status)
			}
			if n := mt.GetTotalCallCount(); n != tt.wantCalls {
				t.Errorf("calls = %d, want %d", n, tt.wantCalls)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			for _, secret := range []string{testUser, testOrg, testToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks %q", err, secret)
				}
			}
		})
	}
}

func TestGetAppointmentBadInput(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	c := newTestClient(t, mt)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		c       *elements.Client
		token   string
		id      int64
		wantMsg string
	}{
		{"nil client", context.Background(), nil, testToken, 1, "nil client"},
		{"empty token", context.Background(), c, "", 1, "empty instance token"},
		{"zero id", context.Background(), c, testToken, 0, "not positive"},
		{"negative id", context.Background(), c, testToken, -3, "not positive"},
		{"canceled context", canceled, c, testToken, 1, "canceled"},
	}
	for _, tt := range tests {
		_, err := GetAppointment(tt.ctx, tt.c, tt.token, tt.id)
		if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: err = %v, want one mentioning %q", tt.name, err, tt.wantMsg)
		}
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error leaks the token", tt.name)
		}
	}
	if _, err := GetAppointment(canceled, c, testToken, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: err = %v, want errors.Is context.Canceled", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("calls = %d, want 0", n)
	}
}
