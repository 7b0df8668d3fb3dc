package acuity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SignatureHeader is the header in which Acuity sends the signature of its
// webhooks: base64(HMAC-SHA256(API key, raw body)).
const SignatureHeader = "X-Acuity-Signature"

// Errors returned by VerifySignature; test for them with errors.Is.
var (
	// ErrNoSigningKey means no API key was given to verify with. Without a key
	// nothing can be verified, so nothing is accepted.
	ErrNoSigningKey = errors.New("acuity: no API key to verify the webhook signature with")
	// ErrMissingSignature means the request carried no signature.
	ErrMissingSignature = errors.New("acuity: webhook signature missing")
	// ErrInvalidSignature means the signature is malformed or does not match
	// the body.
	ErrInvalidSignature = errors.New("acuity: webhook signature invalid")
)

// VerifySignature checks signature (the value of the X-Acuity-Signature
// header) against the raw request body and the Acuity account's API key.
// Verify the bytes exactly as received: parsing and re-encoding the form
// changes them.
//
// It fails closed: an empty apiKey returns ErrNoSigningKey, an empty signature
// ErrMissingSignature, and a signature that is not base64 or does not match
// ErrInvalidSignature. The comparison takes constant time, and error messages
// never include the key or the expected signature. For tests,
// elementstest.AcuityWebhook and elementstest.SignAcuity make webhooks signed
// as Acuity signs them.
func VerifySignature(body []byte, signature, apiKey string) error {
	if apiKey == "" {
		return ErrNoSigningKey
	}
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return ErrMissingSignature
	}
	got, err := base64.StdEncoding.Strict().DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: not standard base64", ErrInvalidSignature)
	}
	if !hmac.Equal(got, mac(body, apiKey)) {
		return fmt.Errorf("%w: does not match the body", ErrInvalidSignature)
	}
	return nil
}

// mac computes HMAC-SHA256 of body with key.
func mac(body []byte, key string) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write(body)
	return h.Sum(nil)
}
