package elementstest

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements/acuity"
)

// The shared fixture and its signature, computed with openssl
// (/work/shared/fixtures/SIGNATURES.txt): AcuityWebhook makes exactly
// Acuity's bytes, in its field order, and its signature.
func TestAcuityWebhookFixture(t *testing.T) {
	t.Parallel()
	const key, signature = "shared-demo-key", "2CbHY5QkF75gWPRbdyqbC0hjjzgh9qiaGAqXpkcKsvA="
	fixture, err := os.ReadFile("../acuity/testdata/acuity_webhook.form")
	if err != nil {
		t.Fatal(err)
	}
	w, err := acuity.ParseWebhook(fixture)
	if err != nil {
		t.Fatal(err)
	}
	body, sig := AcuityWebhook(key, *w)
	if string(body) != string(fixture) || sig != signature {
		t.Errorf("AcuityWebhook(%+v) = %q, %q; want the fixture %q, %q (openssl)", *w, body, sig, fixture, signature)
	}
	if got := SignAcuity(key, fixture); got != signature {
		t.Errorf("SignAcuity(fixture) = %q, want %q (openssl)", got, signature)
	}
}

func TestAcuityWebhookForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   acuity.Webhook
		want string
	}{
		{acuity.Webhook{Action: "scheduled", ID: 1, CalendarID: 2, AppointmentTypeID: 3}, "action=scheduled&id=1&calendarID=2&appointmentTypeID=3"},
		{acuity.Webhook{Action: "appointment.canceled", ID: 1, AppointmentTypeID: 3}, "action=appointment.canceled&id=1&appointmentTypeID=3"},
		{acuity.Webhook{Action: "order.completed", ID: 9}, "action=order.completed&id=9"},
		{acuity.Webhook{Action: "a b&c", ID: 9}, "action=a+b%26c&id=9"}, // not checked, escaped
		{acuity.Webhook{}, "action=&id=0"},
	}
	for _, tt := range tests {
		body, sig := AcuityWebhook("k", tt.in)
		if string(body) != tt.want {
			t.Errorf("AcuityWebhook(%+v) body = %q, want %q", tt.in, body, tt.want)
		}
		if err := acuity.VerifySignature(body, sig, "k"); err != nil {
			t.Errorf("AcuityWebhook(%+v): VerifySignature: %v", tt.in, err)
		}
		if err := acuity.VerifySignature(body, sig, "other"); !errors.Is(err, acuity.ErrInvalidSignature) {
			t.Errorf("AcuityWebhook(%+v): VerifySignature with another key = %v, want ErrInvalidSignature", tt.in, err)
		}
	}
	// What ParseWebhook accepts comes back whole.
	w := acuity.Webhook{Action: acuity.ActionAppointmentRescheduled, ID: 8801, CalendarID: 12, AppointmentTypeID: 3}
	body, _ := AcuityWebhook("k", w)
	got, err := acuity.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&w, got); diff != "" {
		t.Errorf("ParseWebhook(AcuityWebhook(w)) (-w +got):\n%s", diff)
	}
}

// The ingress reads an instance id only off a path acuity.WebhookURL makes.
func TestWebhookInstanceID(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	const prefix = APIPath + "/events/acuityscheduling/"
	tests := []struct {
		path string
		want int64 // 0: refused
	}{
		{prefix + "MTIzNDU=", 12345},
		{prefix + "NDI0Mg==", 4242},
		{prefix + "OTIyMzM3MjAzNjg1NDc3NTgwNw==", 9223372036854775807},
		{prefix, 0},
		{APIPath + "/events/other/MTIzNDU=", 0},
		{"/events/acuityscheduling/MTIzNDU=", 0},     // not under the fake's base URL
		{prefix + "MTIzNDU", 0},                      // padding missing
		{prefix + "MTIzNDU=/x", 0},                   // trailing segment
		{prefix + "YWJj", 0},                         // "abc"
		{prefix + "MA==", 0},                         // "0"
		{prefix + "LTU=", 0},                         // "-5"
		{prefix + "KzU=", 0},                         // "+5" is not canonical
		{prefix + "MDEy", 0},                         // "012" is not canonical
		{prefix + "MTIz\nNDU=", 0},                   // newline, which base64 skips
		{prefix + "OTIyMzM3MjAzNjg1NDc3NTgwOA==", 0}, // overflows int64
	}
	for _, tt := range tests {
		id, ok := srv.webhookInstanceID(tt.path)
		if ok != (tt.want != 0) || (ok && id != tt.want) {
			t.Errorf("webhookInstanceID(%q) = %d, %v; want %d", tt.path, id, ok, tt.want)
		}
	}
	for _, id := range []int64{1, 42, 12345, 1 << 50} {
		u := acuity.WebhookURL(srv.URL, id)
		if got, ok := srv.webhookInstanceID(u[len(srv.URL)-len(APIPath):]); !ok || got != id {
			t.Errorf("round trip %d through %s: got %d, %v", id, u, got, ok)
		}
	}
}
