package acuity

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

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

func TestInstanceIDFromWebhookURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"https://api.cloud-elements.com/elements/api-v2/events/acuityscheduling/MTIzNDU=", 12345, false},
		{"/elements/api-v2/events/acuityscheduling/NDI0Mg==", 4242, false},
		{"/events/acuityscheduling/NDI0Mg%3D%3D", 4242, false},
		{WebhookURL("http://127.0.0.1:1234", 9223372036854775807), 9223372036854775807, false},
		{"/events/acuityscheduling/", 0, true},
		{"/events/other/MTIzNDU=", 0, true},
		{"/events/acuityscheduling/MTIzNDU", 0, true},        // padding missing
		{"/events/acuityscheduling/MTIzNDU=/x", 0, true},     // trailing segment
		{"/events/acuityscheduling/YWJj", 0, true},           // "abc"
		{"/events/acuityscheduling/MA==", 0, true},           // "0"
		{"/events/acuityscheduling/LTU=", 0, true},           // "-5"
		{"/events/acuityscheduling/MDEy", 0, true},           // "012" is not canonical
		{"/events/acuityscheduling/MTIz\nNDU=", 0, true},     // newline
		{"://bad url/events/acuityscheduling/MTIz", 0, true}, // unparseable
	}
	for _, tt := range tests {
		got, err := InstanceIDFromWebhookURL(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("InstanceIDFromWebhookURL(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrNotWebhookURL) {
			t.Errorf("InstanceIDFromWebhookURL(%q): %v does not wrap ErrNotWebhookURL", tt.in, err)
		}
	}
	for _, id := range []int64{1, 42, 12345, 1 << 50} {
		if got, err := InstanceIDFromWebhookURL(WebhookURL("", id)); err != nil || got != id {
			t.Errorf("round trip %d: got %d, %v", id, got, err)
		}
	}
}
