package elements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Pacing defaults: Acuity Scheduling's limits (about 10 requests a second
// and 20 at once per account, which the platform passes on as 429 answers),
// with a margin on the rate.
const (
	// DefaultRequestInterval is the least time between the starts of two
	// requests to one account: 9 a second, so that any one-second window
	// holds at most 10 starts (0 s, 1/9 s, ..., 9/9 s), even a window
	// counted the strictest way, both ends included.
	DefaultRequestInterval = time.Second / 9
	// DefaultConcurrentRequests is the most requests one account has in
	// flight at once.
	DefaultConcurrentRequests = 20
)

// A Limiter paces the requests a Client sends to each account.
//
// One Client per process is paced per account by default: every request it
// sends with an element token (WithElementToken; every acuity.Account and
// acuity.GetAppointment call) waits for its account's turn in the Client's
// Limiter, a [MemoryLimiter] with [DefaultRequestInterval] and
// [DefaultConcurrentRequests] unless [WithLimiter] sets another. Every
// attempt counts, retries included, since each one reaches the vendor; a
// 429 answer is passed on to Backoff. For several replicas (processes)
// working on the same accounts, give every replica's Client a limiter that
// shares the pace: the redislimit module
// (github.com/elementsgo/elements/redislimit) keeps it in Redis.
//
// The account a Limiter is given is a digest of the instance token (32 hex
// digits of its SHA-256), never the token, so a Limiter may keep it in
// memory, in Redis or in logs. A Limiter must be safe for concurrent use.
type Limiter interface {
	// Wait blocks until a request to the account may start, or ctx ends.
	// On success the caller sends the request and then calls done exactly
	// once, when the answer has been read or the attempt failed: done frees
	// the request's place among the account's concurrent requests. On
	// failure (ctx ended: ctx.Err(); or the limiter failed) nothing is
	// held, done is nil and nothing must be sent. A caller whose ctx is
	// already done gets its error at once and takes no turn.
	Wait(ctx context.Context, account string) (done func(), err error)
	// Backoff tells the limiter that the platform answered the account
	// with 429 Too Many Requests and asked for d (its Retry-After, or the backoff without one):
	// no request to the account should start before d has passed. The
	// Client calls it for every 429 to a request with a token, before it
	// waits d and sends the request again (or returns the 429, see
	// WithRateLimitWait); an error is logged at warn level, and changes
	// nothing else.
	Backoff(ctx context.Context, account string, d time.Duration) error
}

// accountKey is the account's name for the Limiter: 32 hex digits of the
// token's SHA-256, which says nothing of the token.
func accountKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// elementToken returns the element token of req's Authorization header
// ("User …, Organization …, Element <token>"), or "". Secrets hold no
// comma or space (checkSecret), so the header splits one way only.
func elementToken(req *http.Request) string {
	_, tok, _ := strings.Cut(req.Header.Get("Authorization"), "Element ")
	return strings.TrimSpace(tok)
}

// MemoryLimiter is the in-process [Limiter]: per account, requests start
// at least an interval apart, at most a number of them are in flight at
// once, and waiting requests go first come first served. A request whose
// context is already done takes no turn; one whose context ends while it
// waits leaves the queue (or, let go just then, gives its turn back), so
// requests that gave up never delay the ones behind them. After a 429
// (Backoff) no request to the account starts before the wait is over.
// It keeps a small record per account it saw recently, forgetting idle
// ones. Create it with NewMemoryLimiter; it is safe for concurrent use.
type MemoryLimiter struct {
	interval   time.Duration
	concurrent int

	mu       sync.Mutex
	accounts map[string]*pace
	sweepAt  int // sweep idle accounts when there are this many
}

// pace is one account's state in a MemoryLimiter, guarded by its mu.
type pace struct {
	next    time.Time // the earliest start of the next request
	running int       // requests let go and not yet done
	queue   []*turn   // waiting requests, first come first
	wakeup  *time.Timer
}

// turn is one waiting request.
type turn struct {
	ready chan struct{} // closed when the request may start
	at    time.Time     // when it was let go
}

// minSweep is the number of accounts below which a MemoryLimiter never
// looks for idle ones to forget.
const minSweep = 64

// NewMemoryLimiter returns a limiter that starts requests to one account
// at least interval apart, with at most concurrent of them in flight.
// interval <= 0 does not space them; concurrent <= 0 does not cap them;
// NewMemoryLimiter(0, 0) lets every request go at once.
func NewMemoryLimiter(interval time.Duration, concurrent int) *MemoryLimiter {
	return &MemoryLimiter{interval: max(interval, 0), concurrent: max(concurrent, 0),
		accounts: make(map[string]*pace), sweepAt: minSweep}
}

// noop is the done of a limiter that holds nothing.
func noop() {}

// Wait implements [Limiter].
func (l *MemoryLimiter) Wait(ctx context.Context, account string) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.interval == 0 && l.concurrent == 0 {
		return noop, nil
	}
	l.mu.Lock()
	p := l.pace(account)
	if now := time.Now(); len(p.queue) == 0 && l.mayStart(p, now) {
		l.start(p, now)
		l.mu.Unlock()
		return l.doneFunc(p), nil
	}
	t := &turn{ready: make(chan struct{})}
	p.queue = append(p.queue, t)
	l.dispatch(p)
	l.mu.Unlock()

	select {
	case <-t.ready:
		return l.doneFunc(p), nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-t.ready: // let go just as ctx ended: give the turn back
		p.running--
		if p.next.Equal(t.at.Add(l.interval)) {
			p.next = t.at
		}
	default:
		p.queue = slices.DeleteFunc(p.queue, func(q *turn) bool { return q == t })
	}
	l.dispatch(p)
	return nil, ctx.Err()
}

// Backoff implements [Limiter]: no request to the account starts before d
// has passed. It never fails.
func (l *MemoryLimiter) Backoff(_ context.Context, account string, d time.Duration) error {
	if l.interval == 0 && l.concurrent == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pace(account)
	if until := time.Now().Add(d); until.After(p.next) {
		p.next = until
	}
	l.dispatch(p)
	return nil
}

// pace returns the account's record, making one if needed. l.mu is held.
func (l *MemoryLimiter) pace(account string) *pace {
	if p, ok := l.accounts[account]; ok {
		return p
	}
	if len(l.accounts) >= l.sweepAt {
		now := time.Now()
		for k, p := range l.accounts {
			if p.running == 0 && len(p.queue) == 0 && !now.Before(p.next) {
				if p.wakeup != nil {
					p.wakeup.Stop()
				}
				delete(l.accounts, k)
			}
		}
		l.sweepAt = max(2*len(l.accounts), minSweep)
	}
	p := &pace{}
	l.accounts[account] = p
	return p
}

// mayStart reports whether a request to p may start at now. l.mu is held.
func (l *MemoryLimiter) mayStart(p *pace, now time.Time) bool {
	return !now.Before(p.next) && (l.concurrent == 0 || p.running < l.concurrent)
}

// start counts a request to p as started at now. l.mu is held.
func (l *MemoryLimiter) start(p *pace, now time.Time) {
	p.next = now.Add(l.interval)
	p.running++
}

// dispatch lets waiting requests of p go while they may, and sets the
// timer for the next one if only time holds it back (a done lets the next
// go when the cap holds it back). l.mu is held.
func (l *MemoryLimiter) dispatch(p *pace) {
	for len(p.queue) > 0 {
		now := time.Now()
		if !l.mayStart(p, now) {
			if l.concurrent == 0 || p.running < l.concurrent {
				l.wakeAt(p, p.next.Sub(now))
			}
			return
		}
		t := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		t.at = now
		l.start(p, now)
		close(t.ready)
	}
}

// wakeAt runs dispatch for p after d. l.mu is held.
func (l *MemoryLimiter) wakeAt(p *pace, d time.Duration) {
	if p.wakeup != nil {
		p.wakeup.Reset(d)
		return
	}
	p.wakeup = time.AfterFunc(d, func() {
		l.mu.Lock()
		l.dispatch(p)
		l.mu.Unlock()
	})
}

// doneFunc returns the done of a request to p that started: it frees the
// request's place once, and lets the next waiting request go.
func (l *MemoryLimiter) doneFunc(p *pace) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			p.running--
			l.dispatch(p)
			l.mu.Unlock()
		})
	}
}
