package acuity

import (
	"encoding/base64"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readFixture returns a file of testdata.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base string
		id   int64
		want string
	}{
		{"https://api.cloud-elements.com/elements/api-v2", 12345,
			"https://api.cloud-elements.com/elements/api-v2/events/acuityscheduling/MTIzNDU="},
		{"https://api.cloud-elements.co.uk/elements/api-v2/", 4242,
			"https://api.cloud-elements.co.uk/elements/api-v2/events/acuityscheduling/NDI0Mg=="},
		{"http://127.0.0.1:8080", 1, "http://127.0.0.1:8080/events/acuityscheduling/MQ=="},
		{"", 123, "https://api.cloud-elements.com/elements/api-v2/events/acuityscheduling/MTIz"},
	}
	for _, tt := range tests {
		if got := WebhookURL(tt.base, tt.id); got != tt.want {
			t.Errorf("WebhookURL(%q, %d) = %q, want %q", tt.base, tt.id, got, tt.want)
		}
	}
}

// The documented claim: for decimal ids the std encoding needs no URL
// escaping and matches the URL-safe alphabet, and it decodes back to the id.
func TestWebhookURLEncodingSafe(t *testing.T) {
	t.Parallel()
	for _, id := range []int64{0, 1, 9, 99, 999999, 1 << 40, -5, 9223372036854775807} {
		u := WebhookURL("https://h/elements/api-v2", id)
		last := u[strings.LastIndex(u, "/")+1:]
		if esc := url.PathEscape(last); esc != last {
			t.Errorf("id %d: segment %q would be escaped to %q", id, last, esc)
		}
		if urlSafe := base64.URLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10))); urlSafe != last {
			t.Errorf("id %d: std %q differs from URL-safe %q", id, last, urlSafe)
		}
		dec, err := base64.StdEncoding.DecodeString(last)
		if err != nil || string(dec) != strconv.FormatInt(id, 10) {
			t.Errorf("id %d: segment %q decodes to %q, %v", id, last, dec, err)
		}
	}
}
