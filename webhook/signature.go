package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/elementsgo/elements/internal/redact"
)

// SignatureHeader is the request header that carries the signature of an
// event callback: "sha256=" followed by the standard, padded base64 encoding
// of HMAC-SHA256(signing key, raw request body). The platform sends it when
// the instance has an event.notification.signature.key.
const SignatureHeader = "Elements-Webhook-Signature"

// IDHeader is the request header that carries the platform's id for a
// notification delivery. [Handler] uses it as the de-duplication key
// when the notification itself has no eventId.
const IDHeader = "Elements-Webhook-Id"

// Errors returned by [VerifySignature], usable with [errors.Is]. The texts
// never contain a key, the received signature or the expected one.
var (
	// ErrMissingSignature means the signature header was absent or empty.
	ErrMissingSignature = errors.New("webhook: missing signature")

	// ErrInvalidSignature means a signature was present but did not verify:
	// an unsupported scheme (including the pre-2016 "sha1="), bad base64, a
	// wrong length, or no key produced it.
	ErrInvalidSignature = errors.New("webhook: invalid signature")

	// ErrNoSigningKey means the verifier was given no key, an empty key, or
	// the platform's mask "********" (what Get answers in place of the real
	// key; anyone can sign with it).
	// It is a configuration error on the receiving side, not a bad request:
	// an empty key is never accepted, because anyone can compute an HMAC
	// under it.
	ErrNoSigningKey = errors.New("webhook: no usable signing key configured")
)

// sigPrefix is the scheme Sign writes and the only one VerifySignature
// accepts (its name is matched case-insensitively).
const sigPrefix = "sha256="

// sigEncodedLen is the length of a padded base64 encoding of a 32-byte
// SHA-256 MAC: base64.StdEncoding.EncodedLen(sha256.Size).
const sigEncodedLen = 44

// Sign returns the value of the [SignatureHeader] the platform would send
// for body when the instance's signature key is key:
// "sha256=" + base64(HMAC-SHA256(key, body)). It is meant for tests and fakes
// that need real signed payloads.
func Sign(key string, body []byte) string {
	var sum [sha256.Size]byte
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return sigPrefix + base64.StdEncoding.EncodeToString(mac.Sum(sum[:0]))
}

// VerifySignature reports whether header, the value of the [SignatureHeader],
// is a valid signature of body under any one of keys. Several keys allow
// rotation: list the new key and the old one until the platform has switched.
//
// body must be the raw request bytes exactly as received; re-encoded JSON
// will not verify. MACs are compared in constant time.
//
// It fails closed: it returns an error wrapping [ErrNoSigningKey] when keys is
// empty or holds an empty string or the platform's mask "********" (never a
// key: it is public), [ErrMissingSignature] when header is empty,
// and [ErrInvalidSignature] for a "sha1=" or any other scheme than "sha256=",
// bad base64, a MAC of the wrong length, or a MAC that no key produced.
func VerifySignature(body []byte, header string, keys ...string) error {
	if err := checkKeys(keys); err != nil {
		return err
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrMissingSignature
	}
	scheme, enc, ok := strings.Cut(header, "=")
	switch {
	case !ok:
		return sigError("the header is not of the form sha256=<base64>")
	case strings.EqualFold(scheme, "sha1"):
		return sigError("the sha1= scheme is no longer accepted; the platform signs with sha256=")
	case !strings.EqualFold(scheme, "sha256"):
		return sigError("unsupported scheme; want sha256=<base64>")
	case len(enc) != sigEncodedLen:
		return sigError("the MAC is not a base64-encoded 32-byte SHA-256 value")
	}
	// Decode through fixed-size arrays: no allocation on the hot path.
	var src [sigEncodedLen]byte
	var got [sha256.Size + 1]byte // one spare byte, so an over-long decode is detected
	copy(src[:], enc)
	n, err := base64.StdEncoding.Strict().Decode(got[:], src[:])
	switch {
	case err != nil:
		return sigError("the MAC is not valid base64")
	case n != sha256.Size:
		return sigError("the MAC is not a base64-encoded 32-byte SHA-256 value")
	}
	var want [sha256.Size]byte
	for _, k := range keys {
		mac := hmac.New(sha256.New, []byte(k))
		mac.Write(body)
		if hmac.Equal(mac.Sum(want[:0]), got[:n]) {
			return nil
		}
	}
	return sigError("no signing key matches")
}

// checkKeys returns an error wrapping ErrNoSigningKey, saying why, if keys
// cannot verify anything: none, an empty one, or the platform's mask, which
// a host that copied its key from an instance answer would hold.
func checkKeys(keys []string) error {
	if len(keys) == 0 {
		return fmt.Errorf("%w: the key list is empty", ErrNoSigningKey)
	}
	for _, k := range keys {
		switch k {
		case "":
			return fmt.Errorf("%w: a key is empty", ErrNoSigningKey)
		case redact.PlatformMask:
			return fmt.Errorf("%w: a key is the platform's mask of eight asterisks, read back from the platform in place of the real key (anyone can sign with it)", ErrNoSigningKey)
		}
	}
	return nil
}

// sigError wraps ErrInvalidSignature with a reason. Reasons are fixed texts:
// they never hold a key, the received MAC or the expected one.
func sigError(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidSignature, reason)
}
