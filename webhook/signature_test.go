package webhook

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
)

const fixtureKey = "shared-demo-key"

// fixtureSignature returns the Elements-Webhook-Signature that openssl
// computed for testdata/<name> (testdata/SIGNATURES.txt, a copy of
// ../shared/fixtures/SIGNATURES.txt).
func fixtureSignature(t testing.TB, name string) string {
	t.Helper()
	f, err := os.Open("testdata/SIGNATURES.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[0] == name && fields[1] == SignatureHeader+":" {
			return fields[2]
		}
	}
	t.Fatalf("no %s signature for %s in testdata/SIGNATURES.txt", SignatureHeader, name)
	return ""
}

func readRawFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Vectors computed outside Go, with
// printf '<body>' | openssl dgst -sha256 -hmac '<key>' -binary | base64
var signVectors = []struct {
	key, body, want string
}{
	{"k", "", "sha256=i7mQxAp9YcuXWXqUISUCW+UKyL63RDbjc1uYiTp/ZiA="},
	{"rotated-key-2", "hello world", "sha256=OPLouyjd+uedmU4G1JVWpxyqtF8b+lZhrTTu2tq/hHk="},
	{fixtureKey, `{"message":{"events":[]}}`, "sha256=hXjpCVOXu43J6pFWYEXaSqHPgeB1YPSjH2iw296cRvM="},
}

func TestSignFixture(t *testing.T) {
	t.Parallel()
	body := readRawFixture(t, "notification_acuity.json")
	want := fixtureSignature(t, "notification_acuity.json")
	if got := Sign(fixtureKey, body); got != want {
		t.Errorf("Sign(fixture) = %q, want %q (openssl)", got, want)
	}
	if err := VerifySignature(body, want, fixtureKey); err != nil {
		t.Errorf("VerifySignature(fixture, openssl signature) = %v, want nil", err)
	}
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	for _, v := range signVectors {
		if got := Sign(v.key, []byte(v.body)); got != v.want {
			t.Errorf("Sign(%q, %q) = %q, want %q", v.key, v.body, got, v.want)
		}
		if err := VerifySignature([]byte(v.body), v.want, v.key); err != nil {
			t.Errorf("VerifySignature(%q, %q) = %v, want nil", v.body, v.want, err)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	body := readRawFixture(t, "notification_acuity.json")
	good := fixtureSignature(t, "notification_acuity.json")
	mac := strings.TrimPrefix(good, "sha256=")
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)/2] ^= 0x01

	tests := []struct {
		name   string
		body   []byte
		header string
		keys   []string
		want   error // nil, or the sentinel errors.Is must find
	}{
		{"valid", body, good, []string{fixtureKey}, nil},
		{"rotation: new key first", body, good, []string{"new-key", fixtureKey}, nil},
		{"rotation: old key last of three", body, good, []string{"a", "b", fixtureKey}, nil},
		{"scheme name case-insensitive", body, "SHA256=" + mac, []string{fixtureKey}, nil},
		{"surrounding spaces", body, "  " + good + " ", []string{fixtureKey}, nil},
		{"wrong key", body, good, []string{"not-the-key"}, ErrInvalidSignature},
		{"tampered body", tampered, good, []string{fixtureKey}, ErrInvalidSignature},
		{"empty body signed differently", nil, good, []string{fixtureKey}, ErrInvalidSignature},
		{"missing header", body, "", []string{fixtureKey}, ErrMissingSignature},
		{"blank header", body, "   ", []string{fixtureKey}, ErrMissingSignature},
		{"no keys", body, good, nil, ErrNoSigningKey},
		{"empty key", body, good, []string{""}, ErrNoSigningKey},
		{"empty key beside the right one", body, good, []string{fixtureKey, ""}, ErrNoSigningKey},
		{"empty key, signature under empty key", body, Sign("", body), []string{""}, ErrNoSigningKey},
		// The platform's mask, copied from a Get answer, is a public string:
		// anyone can sign with it, so it is never a key.
		{"the platform's mask as the key, body signed with it", body, Sign("********", body), []string{"********"}, ErrNoSigningKey},
		{"the mask beside the right key", body, good, []string{fixtureKey, "********"}, ErrNoSigningKey},
		{"sha1 scheme (pre-2016)", []byte(`{"message":{"events":[]}}`), "sha1=DgKPiRFLNce2fjgihQdeIqWKhJc=", []string{fixtureKey}, ErrInvalidSignature},
		{"sha1 scheme with a sha256 MAC", body, "sha1=" + mac, []string{fixtureKey}, ErrInvalidSignature},
		{"unknown scheme", body, "sha512=" + mac, []string{fixtureKey}, ErrInvalidSignature},
		{"bare MAC, no scheme", body, mac, []string{fixtureKey}, ErrInvalidSignature},
		{"empty MAC", body, "sha256=", []string{fixtureKey}, ErrInvalidSignature},
		{"bad base64", body, "sha256=" + strings.Repeat("!", 44), []string{fixtureKey}, ErrInvalidSignature},
		{"base64 missing padding", body, "sha256=" + strings.TrimSuffix(mac, "="), []string{fixtureKey}, ErrInvalidSignature},
		{"raw url base64", body, "sha256=" + strings.NewReplacer("+", "-", "/", "_").Replace(mac), []string{fixtureKey}, ErrInvalidSignature},
		{"MAC too short", body, "sha256=" + mac[:40] + "AA==", []string{fixtureKey}, ErrInvalidSignature},
		{"MAC too long", body, good + "AAAA", []string{fixtureKey}, ErrInvalidSignature},
		{"newline inside MAC", body, "sha256=" + mac[:20] + "\n" + mac[21:], []string{fixtureKey}, ErrInvalidSignature},
		{"non-canonical trailing bits", body, "sha256=" + mac[:42] + "x=", []string{fixtureKey}, ErrInvalidSignature},
		{"two signatures", body, good + " " + good, []string{fixtureKey}, ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := VerifySignature(tt.body, tt.header, tt.keys...)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifySignature = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifySignature = %v, want errors.Is %v", err, tt.want)
			}
			assertNoneOf(t, err.Error(), append(tt.keys, good, mac, Sign(fixtureKey, tt.body), tt.header)...)
		})
	}
}

// assertNoneOf fails if text contains any non-empty secret.
func assertNoneOf(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if s != "" && strings.Contains(text, s) {
			t.Errorf("text %q contains secret %q", text, s)
		}
		if _, mac, ok := strings.Cut(s, "="); ok && len(mac) > 8 && strings.Contains(text, mac) {
			t.Errorf("text %q contains signature MAC %q", text, mac)
		}
	}
}

func TestVerifySignatureAllocs(t *testing.T) {
	body := readRawFixture(t, "notification_acuity.json")
	good := fixtureSignature(t, "notification_acuity.json")
	allocs := testing.AllocsPerRun(100, func() {
		if err := VerifySignature(body, good, fixtureKey); err != nil {
			t.Fatal(err)
		}
	})
	// Baseline: hmac.New, as in any hand-written verifier. The header
	// decoding itself must not allocate.
	base := testing.AllocsPerRun(100, func() { _ = Sign(fixtureKey, body) })
	if allocs > base {
		t.Errorf("VerifySignature: %v allocs, want at most Sign's %v", allocs, base)
	}
}
