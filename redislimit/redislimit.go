// Package redislimit paces the requests of several replicas to each account
// through Redis: an elements.Limiter for the Clients of every process that
// works on the same accounts.
//
// One elements.Client per process is paced per account by default, in
// memory. Two replicas paced that way send twice an account's limit. Give
// each replica's Client a Limiter on the same Redis instead, and together
// they keep the pace:
//
//	lim, err := redislimit.New(rdb) // Acuity's limits by default
//	client, err := elements.NewClient(user, org, elements.WithLimiter(lim))
//
// The pace is GCRA (the generic cell rate algorithm) from
// github.com/go-redis/redis_rate, on Redis's own clock, so replicas with
// skewed clocks still agree; one small key per account, which expires when
// the account is idle. A 429 that any replica meets (Backoff) holds the
// account for every replica. The cap on requests in flight at once is kept
// per process (a Redis round trip per finished request would cost more
// than it saves): at Acuity's rate a request would have to take more than
// two seconds for the replicas together to pass 20.
package redislimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elementsgo/elements"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// DefaultLimit is the pace per account unless WithLimit sets another: one
// request every elements.DefaultRequestInterval (9 a second, evenly spaced,
// so no one-second window holds more than 10: Acuity's limit).
var DefaultLimit = redis_rate.Limit{Rate: int(time.Second / elements.DefaultRequestInterval), Period: time.Second, Burst: 1}

// DefaultPrefix starts the names of the keys the Limiter uses (after
// redis_rate's own "rate:"), unless WithPrefix sets another.
const DefaultPrefix = "elements:limit:"

// Limiter is an elements.Limiter that keeps each account's pace in Redis,
// shared by every Limiter on the same Redis and prefix. Create it with New;
// it is safe for concurrent use.
type Limiter struct {
	rl         *redis_rate.Limiter
	limit      redis_rate.Limit
	prefix     string
	concurrent int

	// inFlight caps the requests in flight per account in this process;
	// asking lets one goroutine per account at a time ask Redis, in the
	// order they came, so waiting requests do not poll Redis together.
	inFlight, asking *elements.MemoryLimiter
}

// An Option configures a Limiter in [New]. Options only record what they
// set; New checks it, and a value it cannot use is New's error, naming the
// option. When an option is given twice, the last one counts.
type Option func(*options)

// options are what the Options set, with New's defaults.
type options struct {
	limit      redis_rate.Limit
	prefix     string
	concurrent int
}

// WithLimit sets the pace per account; rate, period and burst must be
// positive. Burst 1 spaces requests evenly, Period/Rate apart; a larger
// burst lets that many start at once after a pause, so a one-second window
// may then hold up to Burst more requests than the rate (Acuity counts
// strictly: keep Burst 1).
func WithLimit(l redis_rate.Limit) Option {
	return func(o *options) { o.limit = l }
}

// WithPrefix sets the start of the key names (after redis_rate's "rate:"),
// not empty: Limiters with the same prefix on the same Redis share their
// pace.
func WithPrefix(p string) Option {
	return func(o *options) { o.prefix = p }
}

// WithConcurrency sets the most requests to one account this process has
// in flight at once (default elements.DefaultConcurrentRequests); 0 does
// not cap them, and a negative n is an error.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrent = n }
}

// New returns a Limiter on rdb (a *redis.Client, *redis.ClusterClient or
// any redis.UniversalClient), with DefaultLimit, DefaultPrefix and
// elements.DefaultConcurrentRequests unless options set others. It sends
// nothing to Redis until the first Wait. A nil rdb, or an option it cannot
// use, is its error (every such option, joined).
func New(rdb redis.UniversalClient, opts ...Option) (*Limiter, error) {
	o := options{limit: DefaultLimit, prefix: DefaultPrefix, concurrent: elements.DefaultConcurrentRequests}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	var errs []error
	if rdb == nil {
		errs = append(errs, errors.New("redislimit: New: nil Redis client"))
	}
	if l := o.limit; l.Rate < 1 || l.Period <= 0 || l.Burst < 1 {
		errs = append(errs, fmt.Errorf("redislimit: WithLimit: rate, period and burst must be positive, got %v", l))
	}
	if o.prefix == "" {
		errs = append(errs, errors.New("redislimit: WithPrefix: empty prefix"))
	}
	if o.concurrent < 0 {
		errs = append(errs, fmt.Errorf("redislimit: WithConcurrency: n must be >= 0, got %d", o.concurrent))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Limiter{rl: redis_rate.NewLimiter(rdb), limit: o.limit, prefix: o.prefix, concurrent: o.concurrent,
		inFlight: elements.NewMemoryLimiter(0, o.concurrent), asking: elements.NewMemoryLimiter(0, 1)}, nil
}

// Wait implements elements.Limiter: it returns once Redis lets a request to
// the account start (and this process has a place for it in flight), or
// ctx ends. A Redis failure is returned as an error, so that nothing is
// sent unpaced; the Client then fails the call.
func (l *Limiter) Wait(ctx context.Context, account string) (func(), error) {
	done, err := l.inFlight.Wait(ctx, account)
	if err != nil {
		return nil, err
	}
	asked, err := l.asking.Wait(ctx, account)
	if err != nil {
		done()
		return nil, err
	}
	defer asked()
	for {
		res, err := l.rl.Allow(ctx, l.prefix+account, l.limit)
		if err != nil {
			done()
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, fmt.Errorf("redislimit: asking Redis for the account's turn: %w", err)
		}
		if res.Allowed > 0 {
			return done, nil
		}
		if err := sleep(ctx, res.RetryAfter); err != nil {
			done()
			return nil, err
		}
	}
}

// Backoff implements elements.Limiter: no replica's request to the account
// starts before d has passed. It books the account's schedule (GCRA's
// theoretical arrival time) up to d from now, on Redis's clock: it reads
// how far ahead the schedule is booked (a request of cost 0), then books
// the rest as one request of that cost, with a burst that lets it through.
// A hold already as long as d (to within one interval) is kept as it is,
// so replicas that meet the same 429 hold the account for d, not each for
// d again.
func (l *Limiter) Backoff(ctx context.Context, account string, d time.Duration) error {
	every := l.limit.Period / time.Duration(l.limit.Rate)
	for range 3 { // booked by others between the two calls: read again
		res, err := l.rl.AllowN(ctx, l.prefix+account, l.limit, 0)
		if err != nil {
			return fmt.Errorf("redislimit: reading the account's schedule: %w", err)
		}
		booked := max(res.ResetAfter, 0)
		if booked > d-every { // within one request's interval of d: enough
			return nil
		}
		n := ceilDiv(d-booked, every)
		hold := redis_rate.Limit{Rate: l.limit.Rate, Period: l.limit.Period, Burst: n + ceilDiv(booked, every) + 1}
		if res, err = l.rl.AllowN(ctx, l.prefix+account, hold, n); err != nil {
			return fmt.Errorf("redislimit: holding the account: %w", err)
		}
		if res.Allowed > 0 {
			return nil
		}
	}
	return nil
}

// ceilDiv returns ⌈a/b⌉ for positive b.
func ceilDiv(a, b time.Duration) int {
	return int((a + b - 1) / b)
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
