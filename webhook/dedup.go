package webhook

import (
	"context"
	"errors"
	"strconv"
)

// DedupState is what a [Deduplicator] knows about a notification key.
type DedupState int

const (
	// DedupClaimed means the key was new and is now claimed by the caller,
	// who must later call Done or Release.
	DedupClaimed DedupState = iota
	// DedupInFlight means another delivery of the same notification holds
	// the claim and has not finished. The handler answers 409 so the
	// platform retries later.
	DedupInFlight
	// DedupDone means the notification was processed successfully before.
	// The handler answers 200 without calling the host.
	DedupDone
)

// Deduplicator remembers which notifications were processed, so a
// [Handler] hands each one to the host once even though the platform
// retries for days and vendors send duplicates. Implement it over your own
// store (SQL, Redis, ...) to share it between replicas or keep it across
// restarts; [NewMemoryDeduplicator] is an in-process default.
//
// Keys are printable text, scoped by instance, in one of three namespaces:
// "event:<instanceId>:<eventId>" from the signed body's eventId;
// "event-bytes:<instanceId>:<hex>" for an eventId that is not valid UTF-8
// or holds control characters (its bytes exactly as sent, so such ids never
// merge); and, for a notification without an eventId,
// "delivery:<instanceId>:<hex>", a SHA-256 of the unsigned
// Elements-Webhook-Id header and the body, so a replayed body under a forged
// header can never stand for another notification. A notification with
// neither an eventId nor the header is not de-duplicated. An id over 200
// bytes is replaced by its SHA-256 ("event-sha256:...",
// "event-bytes-sha256:..."), so a key stays short enough for any store's
// index. An asynchronous-request callback ([AsyncResponse]) gets the same
// keys with "async-" in front of the namespace.
//
// The handler calls Claim before any callback; on DedupClaimed it calls
// exactly one of Done (all callbacks returned nil) or
// Release (a callback failed or panicked, so the platform's retry must be
// processed). Claim must be atomic: of concurrent Claims of one key, one
// gets DedupClaimed. Methods must be safe for concurrent use.
//
// A store shared by replicas (github.com/elementsgo/elements/pgdedup,
// .../redisdedup) ties each claim to an owner, the store value that made it
// (a new one for each process); it lets a claim expire after a claim TTL, so
// the notification of a replica that crashed mid-callback is processed on
// redelivery; and it keeps done keys for a retention longer than the
// platform's retry window (about 73 hours). Only another owner takes over an
// expired claim: a Claim of a key its own owner holds, expired or not,
// returns DedupInFlight, as that holder is alive and its callback may still
// run (taken over, its late Release or Done would end the new claim). Done
// and Release of a claim that expired and was taken over change nothing and
// return an error wrapping [ErrClaimLost].
// [github.com/elementsgo/elements/webhook/webhooktest.TestDeduplicator]
// checks an implementation against these rules.
//
// An error from Claim makes the handler answer 500 without calling the host;
// an error from Done or Release is reported to OnError only (the answer is
// already decided by the callbacks). A panic in any of them is recovered and
// treated as such an error, a [*PanicError].
type Deduplicator interface {
	Claim(ctx context.Context, key string) (DedupState, error)
	Done(ctx context.Context, key string) error
	Release(ctx context.Context, key string) error
}

// ErrClaimLost is returned (wrapped) by Done and Release when the store
// does not hold the key's claim: it never claimed the key, or its claim
// expired and another replica took it over (or finished it). Nothing is
// changed. Seen from [Handler.OnError], it means a callback ran longer
// than the store's claim TTL, so the notification may have been handled
// twice: raise the TTL above the slowest callback.
var ErrClaimLost = errors.New("webhook: deduplicator: this store does not hold the claim")

// String returns "claimed", "in flight" or "done".
func (s DedupState) String() string {
	switch s {
	case DedupClaimed:
		return "claimed"
	case DedupInFlight:
		return "in flight"
	case DedupDone:
		return "done"
	}
	return "DedupState(" + strconv.Itoa(int(s)) + ")"
}
