package acuity_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

// These fuzz tests are external: they make Acuity's form and signature with
// elementstest, which imports acuity.

// FuzzParseWebhook checks that ParseWebhook either fails with exactly one of
// its sentinels or returns a webhook whose fields hold their documented
// invariants and survive Acuity's form (elementstest.AcuityWebhook) ->
// ParseWebhook unchanged. Seeds: testdata/fuzz/FuzzParseWebhook.
func FuzzParseWebhook(f *testing.F) {
	sentinels := []error{acuity.ErrMalformedWebhook, acuity.ErrUnknownAction, acuity.ErrInvalidID}
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := acuity.ParseWebhook(body)
		if err != nil {
			if w != nil {
				t.Fatalf("returned %+v with error %v", w, err)
			}
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %v matches %d sentinels, want 1", err, n)
			}
			return
		}
		if w.ID <= 0 || w.CalendarID < 0 || w.AppointmentTypeID < 0 {
			t.Fatalf("parsed ids out of range: %+v", w)
		}
		if _, _, ok := acuity.PlatformEvent(w.Action); !ok {
			t.Fatalf("parsed unknown action %q", w.Action)
		}
		enc, _ := elementstest.AcuityWebhook("k", *w)
		w2, err := acuity.ParseWebhook(enc)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", enc, err)
		}
		if diff := cmp.Diff(w, w2); diff != "" {
			t.Fatalf("re-parse of %q differs (-first +second):\n%s", enc, diff)
		}
		if enc2, _ := elementstest.AcuityWebhook("k", *w2); !bytes.Equal(enc, enc2) {
			t.Fatalf("the form is not stable: %q then %q", enc, enc2)
		}
		// The platform's raw shape round-trips too.
		raw, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		w3, err := acuity.ParseRaw(raw)
		if err != nil {
			t.Fatalf("ParseRaw(%s): %v", raw, err)
		}
		if diff := cmp.Diff(w, w3); diff != "" {
			t.Fatalf("ParseRaw(%s) differs (-first +raw):\n%s", raw, diff)
		}
	})
}

// FuzzVerifySignature checks that a body signed with a key verifies, that a
// one-byte change to the body or the signature does not, that an arbitrary
// signature verifies only if it decodes to the true MAC, and that errors are
// the documented sentinels and never carry the key or the expected signature.
// Seeds: testdata/fuzz/FuzzVerifySignature.
func FuzzVerifySignature(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte, key, sig string, pos uint) {
		checkErr := func(err error) {
			t.Helper()
			if err == nil {
				return
			}
			if !errors.Is(err, acuity.ErrNoSigningKey) && !errors.Is(err, acuity.ErrMissingSignature) && !errors.Is(err, acuity.ErrInvalidSignature) {
				t.Fatalf("undocumented error %v", err)
			}
			if len(key) >= 8 && strings.Contains(err.Error(), key) {
				t.Fatalf("error %q contains the key", err)
			}
			if key != "" && strings.Contains(err.Error(), elementstest.SignAcuity(key, body)) {
				t.Fatalf("error %q contains the expected signature", err)
			}
		}

		// An arbitrary signature.
		err := acuity.VerifySignature(body, sig, key)
		checkErr(err)
		if key == "" && !errors.Is(err, acuity.ErrNoSigningKey) {
			t.Fatalf("empty key: got %v, want ErrNoSigningKey", err)
		}
		if err == nil {
			got, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
			mac, _ := base64.StdEncoding.DecodeString(elementstest.SignAcuity(key, body))
			if derr != nil || !bytes.Equal(got, mac) {
				t.Fatalf("accepted signature %q that is not the MAC", sig)
			}
		}
		if key == "" {
			return
		}

		// Sign -> Verify holds.
		good := elementstest.SignAcuity(key, body)
		if err := acuity.VerifySignature(body, good, key); err != nil {
			t.Fatalf("SignAcuity then VerifySignature: %v", err)
		}
		// One byte changed in the body fails.
		if len(body) > 0 {
			changed := bytes.Clone(body)
			changed[pos%uint(len(body))] ^= 0x01 | byte(pos>>8)
			err := acuity.VerifySignature(changed, good, key)
			checkErr(err)
			if !errors.Is(err, acuity.ErrInvalidSignature) {
				t.Fatalf("changed body: got %v, want ErrInvalidSignature", err)
			}
		}
		// One character of the signature changed fails.
		b := []byte(good)
		i := pos % uint(len(b)-1) // keep the padding character
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		err = acuity.VerifySignature(body, string(b), key)
		checkErr(err)
		if !errors.Is(err, acuity.ErrInvalidSignature) {
			t.Fatalf("changed signature %q: got %v, want ErrInvalidSignature", b, err)
		}
	})
}
