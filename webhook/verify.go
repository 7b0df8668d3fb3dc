package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// verify checks body's signature, with the keys of the instance head names
// when KeysFor is set, else with SigningKeys; it answers the status to
// refuse the callback with, and why.
func (h *Handler) verify(r *http.Request, body []byte, head callbackHead) (int, error) {
	if h.InsecureSkipVerify {
		return 0, nil
	}
	sig := r.Header.Get(SignatureHeader)
	keys := []string(h.SigningKeys)
	if h.KeysFor != nil {
		if strings.TrimSpace(sig) == "" {
			return http.StatusUnauthorized, ErrMissingSignature // no lookup for an unsigned request
		}
		var status int
		var err error
		if keys, status, err = h.lookUpKeys(r, head.instanceID); err != nil {
			return status, err
		}
	}
	if err := VerifySignature(body, sig, keys...); err != nil {
		return http.StatusUnauthorized, err
	}
	return 0, nil
}

// lookUpKeys asks KeysFor for the keys of instance id.
func (h *Handler) lookUpKeys(r *http.Request, id int64) ([]string, int, error) {
	if id <= 0 { // no instance has such an id: KeysFor is not asked
		return nil, http.StatusUnauthorized, fmt.Errorf("%w: the body names no instance (message.instanceId), so no key can verify it", ErrUnknownInstance)
	}
	var keys []string
	err := callSafely(func() (err error) {
		keys, err = h.KeysFor(r.Context(), id)
		return err
	})
	pe, panicked := err.(*PanicError) // callSafely returns it as is
	switch {
	case panicked:
		return nil, http.StatusInternalServerError, fmt.Errorf("KeysFor(%d): %w", id, pe)
	case errors.Is(err, ErrUnknownInstance):
		return nil, http.StatusUnauthorized, fmt.Errorf("KeysFor(%d): %w", id, err)
	case err != nil: // the host's store failed: the platform retries
		return nil, http.StatusInternalServerError, fmt.Errorf("KeysFor(%d): %w", id, err)
	case len(keys) == 0:
		return nil, http.StatusUnauthorized, fmt.Errorf("%w: KeysFor(%d) returned no keys", ErrUnknownInstance, id)
	}
	if err := checkKeys(keys); err != nil {
		return nil, http.StatusInternalServerError, fmt.Errorf("%w: KeysFor(%d): %w", ErrMisconfigured, id, err)
	}
	return keys, 0, nil
}
