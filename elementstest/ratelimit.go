package elementstest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HubLoad is what one instance sent the scheduling hub, for a test to check
// a client's pacing: "at most 10 a second" is MaxPerSecond <= 10.
type HubLoad struct {
	Calls         int // hub calls that reached the limiter (past the API's faults and credentials check)
	Limited       int // of them, answered 429 by WithHubRateLimit
	MaxPerSecond  int // the most calls received in any one second (a sliding window), refused ones included
	MaxConcurrent int // the most calls in progress at once
}

// HubLoad returns what the instance sent the scheduling hub so far (calls
// with its Element token); the zero HubLoad for an instance that sent none.
func (s *Server) HubLoad(instanceID int64) HubLoad {
	return s.hubLoad.load(instanceID)
}

// limitHubs applies the hub's rate limit and counts hub calls per instance
// (by the Element token). Calls without a known token pass on, for the hub
// to answer 401.
func (s *Server) limitHubs(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/hubs/") {
			h.ServeHTTP(w, r)
			return
		}
		token := elementToken(r.Header.Get("Authorization"))
		s.mu.Lock()
		var id int64
		if in := s.instanceByToken(token); token != "" && in != nil {
			id = in.id
		}
		s.mu.Unlock()
		if id == 0 {
			h.ServeHTTP(w, r)
			return
		}
		wait, ok := s.hubLoad.enter(id)
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded for this account; retry after the Retry-After delay")
			return
		}
		defer s.hubLoad.leave(id)
		h.ServeHTTP(w, r)
	})
}

// rateLimiter counts calls per key and, with bounds, refuses those beyond
// perSecond in the last second or beyond concurrent in progress. Zero
// bounds are off.
type rateLimiter struct {
	perSecond, concurrent int

	mu   sync.Mutex
	now  func() time.Time // time.Now; a test's clock
	keys map[int64]*keyLoad
}

// keyLoad is one key's calls: the times of those in the last second,
// received and admitted, oldest first.
type keyLoad struct {
	received []time.Time
	admitted []time.Time
	inFlight int
	load     HubLoad
}

func newRateLimiter(perSecond, concurrent int) *rateLimiter {
	return &rateLimiter{perSecond: perSecond, concurrent: concurrent, now: time.Now, keys: make(map[int64]*keyLoad)}
}

// enter counts a call for key. It reports false, with how long to wait
// before a call can be admitted, when a bound refuses it; an admitted call
// must be ended with leave.
func (l *rateLimiter) enter(key int64) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	k := l.keys[key]
	if k == nil {
		k = &keyLoad{}
		l.keys[key] = k
	}
	k.received = append(inWindow(k.received, now), now)
	k.admitted = inWindow(k.admitted, now)
	k.load.Calls++
	k.load.MaxPerSecond = max(k.load.MaxPerSecond, len(k.received))
	switch {
	case l.perSecond > 0 && len(k.admitted) >= l.perSecond:
		k.load.Limited++
		return k.admitted[len(k.admitted)-l.perSecond].Add(time.Second).Sub(now), false
	case l.concurrent > 0 && k.inFlight >= l.concurrent:
		k.load.Limited++
		return time.Second, false // when a call ends is not known: the shortest Retry-After
	}
	k.admitted = append(k.admitted, now)
	k.inFlight++
	k.load.MaxConcurrent = max(k.load.MaxConcurrent, k.inFlight)
	return 0, true
}

// leave ends an admitted call.
func (l *rateLimiter) leave(key int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k := l.keys[key]; k != nil && k.inFlight > 0 {
		k.inFlight--
	}
}

func (l *rateLimiter) load(key int64) HubLoad {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k := l.keys[key]; k != nil {
		return k.load
	}
	return HubLoad{}
}

// inWindow drops the times a second or more before now: what remains is
// the sliding window (now-1s, now].
func inWindow(times []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(now.Add(-time.Second)) {
		i++
	}
	return append(times[:0], times[i:]...)
}
