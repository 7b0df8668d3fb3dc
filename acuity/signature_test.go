package acuity_test

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

// From /work/shared/fixtures/SIGNATURES.txt (computed with openssl) for
// testdata/acuity_webhook.form, a copy of the shared fixture.
const (
	fixtureKey       = "shared-demo-key"
	fixtureSignature = "2CbHY5QkF75gWPRbdyqbC0hjjzgh9qiaGAqXpkcKsvA="
)

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/acuity_webhook.form")
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte(nil), body...)
	flipped[len(flipped)-1] ^= 1
	// Same MAC, last base64 character changed in its padding bits only:
	// a lenient decoder would accept it.
	nonCanonical := fixtureSignature[:len(fixtureSignature)-2] + "B="
	if a, b := mustDecode(t, nonCanonical), mustDecode(t, fixtureSignature); string(a) != string(b) {
		t.Fatal("test setup: non-canonical signature decodes to other bytes")
	}

	tests := []struct {
		name    string
		body    []byte
		sig     string
		key     string
		wantErr error
	}{
		{"openssl vector", body, fixtureSignature, fixtureKey, nil},
		{"surrounding space trimmed", body, " " + fixtureSignature + "\t", fixtureKey, nil},
		{"wrong key", body, fixtureSignature, "other-key", acuity.ErrInvalidSignature},
		{"one byte changed", flipped, fixtureSignature, fixtureKey, acuity.ErrInvalidSignature},
		{"body re-encoded", []byte("action=canceled&appointmentTypeID=3&calendarID=12&id=8802"), fixtureSignature, fixtureKey, acuity.ErrInvalidSignature},
		{"empty key", body, fixtureSignature, "", acuity.ErrNoSigningKey},
		{"empty key and signature", body, "", "", acuity.ErrNoSigningKey},
		{"empty signature", body, "", fixtureKey, acuity.ErrMissingSignature},
		{"blank signature", body, "   ", fixtureKey, acuity.ErrMissingSignature},
		{"not base64", body, "not base64!", fixtureKey, acuity.ErrInvalidSignature},
		{"URL-safe alphabet", body, "_-" + fixtureSignature[2:], fixtureKey, acuity.ErrInvalidSignature},
		{"non-canonical base64", body, nonCanonical, fixtureKey, acuity.ErrInvalidSignature},
		{"truncated MAC", body, fixtureSignature[:20], fixtureKey, acuity.ErrInvalidSignature},
		{"hex instead of base64", body, "d826c7e5942417be", fixtureKey, acuity.ErrInvalidSignature},
		{"sha256= prefix", body, "sha256=" + fixtureSignature, fixtureKey, acuity.ErrInvalidSignature},
		{"empty body signed", nil, elementstest.SignAcuity(fixtureKey, nil), fixtureKey, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := acuity.VerifySignature(tt.body, tt.sig, tt.key)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			msg := err.Error()
			for _, secret := range []string{fixtureKey, fixtureSignature, elementstest.SignAcuity(fixtureKey, tt.body)} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q leaks %q", msg, secret)
				}
			}
		})
	}
}
