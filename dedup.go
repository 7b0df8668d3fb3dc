package elements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
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
// .../redisdedup) lets a claim expire after a claim TTL, so the notification
// of a replica that crashed mid-callback is processed on redelivery; it keeps
// done keys for a retention longer than the platform's retry window (about
// 73 hours); and it ties each claim to the store value that made it, so Done
// and Release of a claim that expired and was taken over change nothing and
// return an error wrapping [ErrClaimLost].
// [github.com/elementsgo/elements/elementstest.TestDeduplicator]
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
// changed. Seen from [WebhookHandler.OnError], it means a callback ran longer
// than the store's claim TTL, so the notification may have been handled
// twice: raise the TTL above the slowest callback.
var ErrClaimLost = errors.New("elements: deduplicator: this store does not hold the claim")

// dedupKey returns the key under which the Deduplicator remembers c, or
// "" when there is no Deduplicator or nothing to know c again by. The key
// formats are documented on [Deduplicator]; each source has its own
// namespace, so that nothing unsigned can stand for a signed eventId.
// "event-bytes" exists because decoding turns invalid UTF-8 into U+FFFD and
// would merge ids that differ only there; "delivery" hashes the header with
// the body, so a body replayed under another notification's header gets a
// key of its own (the header can tell identical bodies apart, never merge
// different ones).
func (h *WebhookHandler) dedupKey(r *http.Request, c callback, body []byte) string {
	if h.Deduplicator == nil {
		return ""
	}
	prefix, id := "", ""
	if c.a != nil {
		prefix, id = "async-", c.a.EventID
	} else {
		id = c.n.EventID
	}
	instance := strconv.FormatInt(c.instanceID(), 10)
	switch {
	case strings.ContainsFunc(id, func(r rune) bool { return r == utf8.RuneError || unicode.IsControl(r) }):
		var raw struct {
			EventID json.RawMessage `json:"eventId"`
			Message struct {
				EventID json.RawMessage `json:"eventId"`
			} `json:"message"`
		}
		_ = json.Unmarshal(body, &raw) // the parse accepted it
		sent := raw.Message.EventID
		if c.a != nil {
			sent = raw.EventID
		}
		return prefix + keyPart("event-bytes", instance, hex.EncodeToString(sent))
	case id != "":
		return prefix + keyPart("event", instance, id)
	}
	hdr := r.Header.Get(WebhookIDHeader)
	if hdr == "" {
		return ""
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%d:%s", len(hdr), hdr)
	sum.Write(body)
	return prefix + "delivery:" + instance + ":" + hex.EncodeToString(sum.Sum(nil))
}

// maxKeyID bounds the id part of a key: a longer one (a signed but huge
// eventId) is replaced by its SHA-256 in a namespace of its own
// ("event-sha256:...", "event-bytes-sha256:..."), so that every key fits a
// store's index (PostgreSQL's btree refuses entries over about 2.7 KB).
const maxKeyID = 200

// keyPart returns "<space>:<instance>:<id>", or the "-sha256" form for a
// long id.
func keyPart(space, instance, id string) string {
	if len(id) <= maxKeyID {
		return space + ":" + instance + ":" + id
	}
	sum := sha256.Sum256([]byte(id))
	return space + "-sha256:" + instance + ":" + hex.EncodeToString(sum[:])
}

// MemoryDeduplicator is a bounded, in-process [Deduplicator]: it remembers the
// keys of the last capacity processed notifications (oldest forgotten first)
// and the keys in flight. It is lost on restart and not shared between
// processes. [NewMemoryDeduplicator] makes one of a chosen capacity; the zero
// value (&MemoryDeduplicator{}) is ready to use with [DefaultDedupCapacity].
// Set ClaimTTL and Retention before first use. A MemoryDeduplicator must not
// be copied after first use.
//
// Claims belong to the MemoryDeduplicator they were made through: Done and
// Release of a key it does not hold change nothing and return an error
// wrapping [ErrClaimLost]. [MemoryDeduplicator.Replica] gives views of the
// same keys with owners of their own, as replicas sharing one store have.
type MemoryDeduplicator struct {
	// ClaimTTL is how long a claim holds: after it, a Claim of the key takes
	// it over (its holder is presumed dead). Zero: claims never expire, as
	// their holder lives in this process.
	ClaimTTL time.Duration
	// Retention is how long a done key is remembered; zero: until capacity
	// newer done keys push it out.
	Retention time.Duration

	mu     sync.Mutex
	keys   map[string]memEntry
	done   []memSlot // ring of done keys, oldest at next when full
	next   int
	limit  int    // zero or less: DefaultDedupCapacity
	gen    uint64 // counts Done calls; ties a ring slot to one memEntry
	owners uint64 // owners handed out by Replica; d itself is owner 0
}

type memEntry struct {
	done    bool
	owner   uint64    // the claim's holder (in flight only)
	expires time.Time // zero: never
	gen     uint64    // done only: its ring slot's gen
}

type memSlot struct {
	key string
	gen uint64
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
	return &MemoryDeduplicator{keys: make(map[string]memEntry), limit: capacity}
}

// Replica returns a [Deduplicator] that shares d's keys, capacity, ClaimTTL
// and Retention but holds claims under an owner of its own, as the store of
// another replica would: it cannot complete or release d's claims, nor d its.
// Use it to run several handlers over one in-process store in tests (and
// [github.com/elementsgo/elements/elementstest.TestDeduplicator]).
func (d *MemoryDeduplicator) Replica() Deduplicator {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.owners++
	return memReplica{d, d.owners}
}

type memReplica struct {
	d     *MemoryDeduplicator
	owner uint64
}

func (r memReplica) Claim(_ context.Context, key string) (DedupState, error) {
	return r.d.claim(key, r.owner), nil
}
func (r memReplica) Done(_ context.Context, key string) error { return r.d.finish(key, r.owner, true) }
func (r memReplica) Release(_ context.Context, key string) error {
	return r.d.finish(key, r.owner, false)
}

// Claim implements [Deduplicator].
func (d *MemoryDeduplicator) Claim(_ context.Context, key string) (DedupState, error) {
	return d.claim(key, 0), nil
}

// Done implements [Deduplicator]. Done of a key that d does not hold in
// flight changes nothing and returns an error wrapping [ErrClaimLost].
func (d *MemoryDeduplicator) Done(_ context.Context, key string) error {
	return d.finish(key, 0, true)
}

// Release implements [Deduplicator]. Release of a key that d does not hold
// in flight changes nothing and returns an error wrapping [ErrClaimLost].
func (d *MemoryDeduplicator) Release(_ context.Context, key string) error {
	return d.finish(key, 0, false)
}

func (d *MemoryDeduplicator) claim(key string, owner uint64) DedupState {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	e, seen := d.keys[key]
	switch {
	case seen && (e.expires.IsZero() || now.Before(e.expires)):
		if e.done {
			return DedupDone
		}
		return DedupInFlight
	case d.keys == nil: // the zero value
		d.keys = make(map[string]memEntry)
	}
	e = memEntry{owner: owner}
	if d.ClaimTTL > 0 {
		e.expires = now.Add(d.ClaimTTL)
	}
	d.keys[key] = e
	return DedupClaimed
}

// finish ends owner's claim of key: done, or released.
func (d *MemoryDeduplicator) finish(key string, owner uint64, done bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, seen := d.keys[key]; !seen || e.done || e.owner != owner {
		op := "release"
		if done {
			op = "done"
		}
		return fmt.Errorf("%s of %q: %w", op, key, ErrClaimLost)
	}
	if !done {
		delete(d.keys, key)
		return nil
	}
	d.gen++
	e := memEntry{done: true, gen: d.gen}
	if d.Retention > 0 {
		e.expires = time.Now().Add(d.Retention)
	}
	d.keys[key] = e
	limit := d.limit
	if limit <= 0 {
		limit = DefaultDedupCapacity
	}
	slot := memSlot{key, d.gen}
	if len(d.done) < limit {
		d.done = append(d.done, slot)
		return nil
	}
	// Forget the oldest done key, unless it was claimed or done again since
	// (its entry then belongs to a newer slot, or is a claim).
	if old := d.done[d.next]; d.keys[old.key].done && d.keys[old.key].gen == old.gen {
		delete(d.keys, old.key)
	}
	d.done[d.next] = slot
	d.next = (d.next + 1) % limit
	return nil
}

// Len returns how many keys d holds, done and in flight, expired ones
// included until they are reclaimed or pushed out.
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
