package acuity

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"
)

// From /work/shared/fixtures/SIGNATURES.txt (computed with openssl) for
// testdata/acuity_webhook.form, a copy of the shared fixture.
const (
	fixtureKey       = "shared-demo-key"
	fixtureSignature = "2CbHY5QkF75gWPRbdyqbC0hjjzgh9qiaGAqXpkcKsvA="
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignFixture(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "acuity_webhook.form")
	if got := Sign(body, fixtureKey); got != fixtureSignature {
		t.Errorf("Sign(fixture) = %q, want %q (openssl)", got, fixtureSignature)
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "acuity_webhook.form")
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
		{"wrong key", body, fixtureSignature, "other-key", ErrInvalidSignature},
		{"one byte changed", flipped, fixtureSignature, fixtureKey, ErrInvalidSignature},
		{"body re-encoded", []byte("action=canceled&appointmentTypeID=3&calendarID=12&id=8802"), fixtureSignature, fixtureKey, ErrInvalidSignature},
		{"empty key", body, fixtureSignature, "", ErrNoSigningKey},
		{"empty key and signature", body, "", "", ErrNoSigningKey},
		{"empty signature", body, "", fixtureKey, ErrMissingSignature},
		{"blank signature", body, "   ", fixtureKey, ErrMissingSignature},
		{"not base64", body, "not base64!", fixtureKey, ErrInvalidSignature},
		{"URL-safe alphabet", body, "_-" + fixtureSignature[2:], fixtureKey, ErrInvalidSignature},
		{"non-canonical base64", body, nonCanonical, fixtureKey, ErrInvalidSignature},
		{"truncated MAC", body, fixtureSignature[:20], fixtureKey, ErrInvalidSignature},
		{"hex instead of base64", body, "d826c7e5942417be", fixtureKey, ErrInvalidSignature},
		{"sha256= prefix", body, "sha256=" + fixtureSignature, fixtureKey, ErrInvalidSignature},
		{"empty body signed", nil, Sign(nil, fixtureKey), fixtureKey, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignature(tt.body, tt.sig, tt.key)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			msg := err.Error()
			for _, secret := range []string{fixtureKey, fixtureSignature, Sign(tt.body, fixtureKey)} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q leaks %q", msg, secret)
				}
			}
		})
	}
}
