package elements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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
// [WebhookHandler] hands each one to the host once even though the platform
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
// neither an eventId nor the header is not de-duplicated.
//
// The handler calls Claim before any callback; on DedupClaimed it calls
// exactly one of Done (all callbacks returned nil) or
// Release (a callback failed or panicked, so the platform's retry must be
// processed). Claim must be atomic: of concurrent Claims of one key, one
// gets DedupClaimed. A store that can lose a holder (a crashed replica)
// should let claims expire. Methods must be safe for concurrent use.
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

// whDedupKey returns the key under which the Deduplicator remembers n, or
// "" when there is no Deduplicator or nothing to know n again by. A key is
// scoped by instance and comes from one of three sources, each its own
// namespace, so that nothing unsigned can stand for a signed eventId:
//
//   - "event:<instanceId>:<eventId>" from the (signed) body's eventId; the
//     Elements-Webhook-Id header is then not used;
//   - "event-bytes:<instanceId>:<hex>" for an eventId that is not valid
//     UTF-8 (decoding would turn the invalid bytes into U+FFFD and merge
//     ids that differ only there), or that holds U+FFFD or a control
//     character: the hex of the id's JSON text exactly as sent, which also
//     keeps the key printable for any store;
//   - "delivery:<instanceId>:<hex>" when the body has no eventId: the
//     SHA-256 of the unsigned header and the body, so a body replayed under
//     another notification's header gets a key of its own (the header can
//     tell identical bodies apart, never merge different ones).
func (h *WebhookHandler) whDedupKey(r *http.Request, n *Notification, body []byte) string {
	if h.Deduplicator == nil {
		return ""
	}
	instance := strconv.FormatInt(n.InstanceID, 10)
	switch id := n.EventID; {
	case strings.ContainsFunc(id, func(r rune) bool { return r == utf8.RuneError || unicode.IsControl(r) }):
		var raw struct {
			Message struct {
				EventID json.RawMessage `json:"eventId"`
			} `json:"message"`
		}
		_ = json.Unmarshal(body, &raw) // ParseNotification accepted it
		return "event-bytes:" + instance + ":" + hex.EncodeToString(raw.Message.EventID)
	case id != "":
		return "event:" + instance + ":" + id
	}
	hdr := r.Header.Get(WebhookIDHeader)
	if hdr == "" {
		return ""
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%d:%s", len(hdr), hdr)
	sum.Write(body)
	return "delivery:" + instance + ":" + hex.EncodeToString(sum.Sum(nil))
}

// MemoryDeduplicator is a bounded, in-process [Deduplicator]: it remembers the
// keys of the last capacity processed notifications (oldest forgotten first)
// and the keys in flight. It is lost on restart and not shared between
// processes. [NewMemoryDeduplicator] makes one of a chosen capacity; the zero
// value (&MemoryDeduplicator{}) is ready to use with [DefaultDedupCapacity].
// A MemoryDeduplicator must not be copied after first use.
type MemoryDeduplicator struct {
	mu    sync.Mutex
	keys  map[string]bool // false: in flight; true: done
	done  []string        // ring of done keys, oldest at next when full
	next  int
	limit int // zero or less: DefaultDedupCapacity
}

// DefaultDedupCapacity is the capacity [NewMemoryDeduplicator] uses when given
// zero or less, and the capacity of a zero MemoryDeduplicator.
const DefaultDedupCapacity = 10000

// NewMemoryDeduplicator returns a MemoryDeduplicator that remembers up to
// capacity completed keys ([DefaultDedupCapacity] if capacity <= 0). Choose
// it above the number of notifications the platform may redeliver in its
// retry window (about three days).
func NewMemoryDeduplicator(capacity int) *MemoryDeduplicator {
	if capacity <= 0 {
		capacity = DefaultDedupCapacity
	}
	return &MemoryDeduplicator{keys: make(map[string]bool), limit: capacity}
}

// Claim implements [Deduplicator].
func (d *MemoryDeduplicator) Claim(_ context.Context, key string) (DedupState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	done, seen := d.keys[key]
	switch {
	case !seen:
		if d.keys == nil { // the zero value
			d.keys = make(map[string]bool)
		}
		d.keys[key] = false
		return DedupClaimed, nil
	case done:
		return DedupDone, nil
	}
	return DedupInFlight, nil
}

// Done implements [Deduplicator]. Done of a key that is not in flight does
// nothing.
func (d *MemoryDeduplicator) Done(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if done, seen := d.keys[key]; !seen || done {
		return nil
	}
	d.keys[key] = true
	limit := d.limit
	if limit <= 0 {
		limit = DefaultDedupCapacity
	}
	if len(d.done) < limit {
		d.done = append(d.done, key)
		return nil
	}
	delete(d.keys, d.done[d.next])
	d.done[d.next] = key
	d.next = (d.next + 1) % limit
	return nil
}

// Release implements [Deduplicator]. Release of a key that is not in flight
// does nothing.
func (d *MemoryDeduplicator) Release(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if done, seen := d.keys[key]; seen && !done {
		delete(d.keys, key)
	}
	return nil
}

// Len returns how many keys d holds, done and in flight.
func (d *MemoryDeduplicator) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.keys)
}

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
