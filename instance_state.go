package elements

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/elementsgo/elements/internal/flex"
)

// InstanceState is what an instance can do for its tenant right now, and so
// what the host should do about it; see [InstancesService.State].
type InstanceState string

// The states of an instance.
const (
	// InstanceActive: the instance serves calls and events. Nothing to do.
	InstanceActive InstanceState = "active"
	// InstanceNeedsReconnect: the vendor refused the instance's
	// authentication (its OAuth grant expired or was revoked): hub calls
	// answer 401. Ask the tenant to connect again and re-authenticate the
	// instance with the new code (InstancesService.Reauthenticate); keep
	// its data.
	InstanceNeedsReconnect InstanceState = "needs-reconnect"
	// InstanceDisabled: someone disabled the instance: its calls answer 403
	// and it sends no events. Enable it (InstancesService.Enable) if that
	// was not meant; once enabled it may still need a reconnect.
	InstanceDisabled InstanceState = "disabled"
	// InstanceDeleted: the instance no longer exists: its token answers
	// 401 and re-authenticating it answers 404. Clean up what the host
	// keeps for it; the tenant must connect anew (InstancesService.Create).
	InstanceDeleted InstanceState = "deleted"
)

// State tells, in one call, whether an instance is active, must be
// reconnected, is disabled or was deleted: GET /instances/{id}. Call it when
// a call scoped to the instance answers 401 or 403 (errors.Is(err,
// ErrUnauthorized)), which by itself cannot tell a tenant who must reconnect
// from one that is gone.
//
// A 404 answer is [InstanceDeleted] with a nil error, provided it is the
// platform's own answer: JSON with the platform's request id (in the body
// or the Elements-Request-Id header). A 404 of another kind (a proxy's HTML,
// a gateway's or framework's JSON for a base URL without /elements/api-v2)
// is returned as an error matching [ErrNotFound], so a misconfigured client
// never reads every instance as deleted. Any other failure, a 401 or 403 included (this call uses the
// client's user and organization secrets: they are wrong), is returned as
// an error with state "".
//
// The state is read from the answer's disabled and valid fields (see the
// constants for what to do in each):
//   - disabled: true is [InstanceDisabled], whatever valid says: disabling
//     is a decision (the host's or the platform's), and a disabled instance
//     answers 403 whether or not its grant is good; once enabled, State
//     tells whether it also needs a reconnect;
//   - otherwise valid: false is [InstanceNeedsReconnect];
//   - otherwise (valid true or absent) [InstanceActive].
func (s *InstancesService) State(ctx context.Context, id int64) (InstanceState, error) {
	path, err := instancePath(id)
	if err != nil {
		return "", err
	}
	c := s.client
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return "", err
	}
	// Only the fields State reads, so that an absent flag is told from
	// false (an Instance reads both as false).
	var w struct {
		ID       flex.Int64 `json:"id"`
		Valid    *bool      `json:"valid"`
		Disabled *bool      `json:"disabled"`
	}
	resp, err := c.do(req, &w, callOptions{})
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound && isJSON(ae.Header) && ae.RequestID != "" {
		return InstanceDeleted, nil
	}
	if err != nil {
		return "", err
	}
	if w.ID == 0 {
		return "", c.failed(c.invalidAnswer(req, resp, callOptions{}, errors.New("the answer has no instance id")))
	}
	return instanceState(w.Disabled, w.Valid), nil
}

// instanceState maps the instance answer's disabled and valid flags (nil
// when absent) to a state; disabled comes first (see State).
//
// Inferred: the platform documents neither flag's meaning. disabled: true
// marks a disabled instance and valid: false one whose provider
// authentication failed, as the field names and the console's "invalid
// instance" flag suggest. An absent flag is read as the harmless value (not
// disabled, valid), so that an answer without them never asks a tenant to
// reconnect.
func instanceState(disabled, valid *bool) InstanceState {
	switch {
	case disabled != nil && *disabled:
		return InstanceDisabled
	case valid != nil && !*valid:
		return InstanceNeedsReconnect
	}
	return InstanceActive
}

// isJSON reports whether h announces a JSON body (application/json or a
// +json type).
func isJSON(h http.Header) bool {
	t, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (t == "application/json" || strings.HasSuffix(t, "+json"))
}
