// Package redisdedup is an [webhook.Deduplicator] on Redis (7.0 or later),
// through go-redis v9: replicas of a webhook receiver that share one Redis
// hand each notification to the host once.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"}) // or a ClusterClient
//	h := &webhook.Handler{..., Deduplicator: redisdedup.New(rdb)}
//
// One Redis key per notification key (the prefix, [WithPrefix], then the
// notification's key), always with an expiry, so Redis forgets old keys by
// itself and nothing needs purging:
//
//   - Claim, Done and Release are Lua scripts on that one key (one round
//     trip; no CROSSSLOT error on a cluster).
//   - Claim sets the key to this Store's owner id (each [New] makes a new
//     one) and the end of the claim TTL ([WithClaimTTL], default
//     [DefaultClaimTTL]; keep it above your slowest callback), by Redis's
//     clock, unless the key holds a done marker or a claim. A claim whose
//     TTL passed is taken over by the next delivery to another replica:
//     that is how the notification of a replica that crashed mid-callback
//     gets processed. A Store never takes over its own claim, expired or
//     not: its holder is alive, so a delivery to the same replica gets 409
//     until that callback ends. A claim's key is kept for the retention
//     past its TTL, so that its owner still finds it.
//   - Done and Release act only if the key still holds this Store's claim:
//     a replica whose claim expired and was taken over cannot complete or
//     delete the new holder's claim, and gets an error wrapping
//     [webhook.ErrClaimLost].
//   - Done replaces the claim with a done marker kept for the retention
//     ([WithRetention], default [DefaultRetention], longer than the
//     platform's retry window of about 73 hours).
//
// Expiries are Redis's, so the replicas' clocks do not matter. Configure
// Redis not to evict these keys early (a maxmemory-policy of noeviction or
// volatile-* with room to spare), or done keys may be forgotten too soon.
package redisdedup

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/elementsgo/elements/webhook"
	"github.com/redis/go-redis/v9"
)

// Defaults of the options.
const (
	DefaultPrefix    = "elements:dedup:"
	DefaultClaimTTL  = 5 * time.Minute
	DefaultRetention = 7 * 24 * time.Hour // the platform retries for about 73 hours
)

// doneValue marks a done key. A claim's value is "<owner id> <deadline>",
// which never equals it.
const doneValue = "done"

// Store is an [webhook.Deduplicator] over Redis. Its methods are safe for
// concurrent use. Make it with [New].
type Store struct {
	rdb            redis.UniversalClient
	prefix, owner  string
	ttl, retention time.Duration
}

// Option configures a [Store] in [New]. Options only record what they
// set; New reads it (every value is usable: see each option for what keeps
// the default). When an option is given twice, the last one counts.
type Option func(*options)

// options are what the Options set, with New's defaults.
type options struct {
	prefix         string
	ttl, retention time.Duration
}

// WithPrefix sets the prefix of the Store's Redis keys (default
// [DefaultPrefix]). A cluster hash tag in it ("{dedup}:") would put every
// key in one slot; leave it out to spread them.
func WithPrefix(p string) Option { return func(o *options) { o.prefix = p } }

// WithClaimTTL sets how long a claim holds (default [DefaultClaimTTL]): after
// it, the next delivery of the notification to another replica (another
// Store) takes the claim over. Keep it above your slowest callback. Less
// than a millisecond keeps the default.
func WithClaimTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithRetention sets how long a done key is kept (default
// [DefaultRetention]); keep it above the platform's retry window of about 73
// hours. Less than a millisecond keeps the default.
func WithRetention(d time.Duration) Option { return func(o *options) { o.retention = d } }

// New returns a Store over rdb (a *redis.Client, *redis.ClusterClient, ...)
// with an owner id of its own.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	o := options{prefix: DefaultPrefix, ttl: DefaultClaimTTL, retention: DefaultRetention}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.ttl < time.Millisecond {
		o.ttl = DefaultClaimTTL
	}
	if o.retention < time.Millisecond {
		o.retention = DefaultRetention
	}
	return &Store{rdb: rdb, prefix: o.prefix, owner: rand.Text(), ttl: o.ttl, retention: o.retention}
}

// Claim implements [webhook.Deduplicator] in one script. It takes over a
// claim whose TTL passed only if another Store holds it: a claim of this
// Store, expired or not, answers [webhook.DedupInFlight].
func (s *Store) Claim(ctx context.Context, key string) (webhook.DedupState, error) {
	st, err := claimScript.Run(ctx, s.rdb, []string{s.prefix + key},
		s.owner, s.ttl.Milliseconds(), s.retention.Milliseconds(), doneValue).Int()
	switch {
	case err != nil:
		return 0, fmt.Errorf("redisdedup: claim: %w", err)
	case st == 0:
		return webhook.DedupClaimed, nil
	case st == 2:
		return webhook.DedupDone, nil
	}
	return webhook.DedupInFlight, nil
}

// The scripts work on KEYS[1]; ARGV[1] is this Store's owner id. A claim's
// value is the owner id, a space and the end of its TTL in milliseconds of
// Redis's clock (TIME).
var (
	// claimScript returns 0 (claimed) when it claims the key for the claim
	// TTL (ARGV[2] ms), keeping the key the retention (ARGV[3] ms) longer;
	// 2 (done) when the key holds the done marker (ARGV[4]); 1 (in flight)
	// when it holds a claim not to be taken over: this Store's own, expired
	// or not, another's within its TTL, or a value of another form.
	claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[4] then return 2 end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
if v then
	local owner, deadline = string.match(v, '^(%S+) (%d+)$')
	if owner == nil or owner == ARGV[1] or now < tonumber(deadline) then return 1 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. string.format('%.0f', now + ARGV[2]),
	'PX', string.format('%.0f', ARGV[2] + ARGV[3]))
return 0`)
	// doneScript and releaseScript return 1 when they act, 0 when the key
	// does not hold this Store's claim.
	doneScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%S+) ') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`)
	releaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v or string.match(v, '^(%S+) ') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`)
)

// Done implements [webhook.Deduplicator]: the key is kept as done for the
// retention. Without this Store's claim on key it changes nothing and
// returns an error wrapping [webhook.ErrClaimLost].
func (s *Store) Done(ctx context.Context, key string) error {
	return s.finish(ctx, "done", doneScript, key, s.owner, doneValue, s.retention.Milliseconds())
}

// Release implements [webhook.Deduplicator]: the key may be claimed again
// at once. Without this Store's claim on key it changes nothing and returns
// an error wrapping [webhook.ErrClaimLost].
func (s *Store) Release(ctx context.Context, key string) error {
	return s.finish(ctx, "release", releaseScript, key, s.owner)
}

// finish runs Done's or Release's script (EVALSHA, or EVAL the first time).
func (s *Store) finish(ctx context.Context, op string, script *redis.Script, key string, args ...any) error {
	n, err := script.Run(ctx, s.rdb, []string{s.prefix + key}, args...).Int()
	switch {
	case err != nil:
		return fmt.Errorf("redisdedup: %s: %w", op, err)
	case n == 0:
		return fmt.Errorf("redisdedup: %s of %q: %w", op, key, webhook.ErrClaimLost)
	}
	return nil
}
