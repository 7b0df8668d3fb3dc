package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/elementsgo/elements/internal/redact"
)

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
// wrapping [ErrClaimLost]. A key claimed through it stays in flight until
// Done or Release, however long its callback runs (see ClaimTTL).
type MemoryDeduplicator struct {
	// ClaimTTL changes nothing for the claims made through this
	// MemoryDeduplicator, as they are all its own: a Claim never takes over
	// a claim its own owner holds, expired or not, since that holder (this
	// process) is alive and its callback may still run. Only a store shared
	// by replicas, such as pgdedup's, takes over another owner's claim
	// after its claim TTL.
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
	owners uint64 // owners handed out by replica; d itself is owner 0
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

// replica returns a [Deduplicator] that shares d's keys, capacity, ClaimTTL
// and Retention but holds claims under an owner of its own, as the store of
// another replica would: it cannot complete or release d's claims, nor d its,
// and takes over d's claims after ClaimTTL, as d takes over its.
// The tests run the conformance suite over one in-process store with it.
func (d *MemoryDeduplicator) replica() Deduplicator {
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
	case seen && !e.done && e.owner == owner:
		return DedupInFlight // expired, but the claimer's own: its holder lives
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
		return fmt.Errorf("%s of %s: %w", op, redact.Quote(key), ErrClaimLost)
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
