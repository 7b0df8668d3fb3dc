package soak_test

// The soak: the fake platform (elementstest) delivers -soak.n notifications,
// signed, asynchronously and with its retries, over loopback to a real
// webhook.Handler, while faults are injected on both sides:
//
//   - the host's callback fails (10%) or panics (1%) on its first call for a
//     notification, is slow (5%, 1-10ms), or (1%) hangs until the platform
//     gives up waiting and hangs up, and then commits anyway;
//   - the platform delivers a notification twice (5%, DuplicateNext);
//   - the connection drops before the handler sees the request (2%), or
//     after the handler answered, so the platform never sees the answer (2%).
//
// Fault choice is deterministic: notification i draws its faults from a PCG
// seeded with (-soak.seed, i), so a failure names a seed and an index that
// reproduce it.
//
// No fault depends on the wall clock, so a loaded machine slows the soak
// down but cannot fail it: a hang is the platform giving up on that attempt
// (the test cancels the request's context and closes the connection as the
// platform's timeout would), not a race against a short delivery timeout;
// the platform's real timeout, its retries and the stall detector are far
// above any scheduling delay.
//
// What it proves, with de-duplication on and off:
//   - every delivery the platform made ends acknowledged (2xx);
//   - every event reached the host: exactly once with a Deduplicator, at
//     least once without;
//   - no 2xx was written before the host's callback had returned nil for
//     that notification (in this request, or, with de-duplication, in an
//     earlier one), checked at the moment the handler writes the status;
//   - each injected fault fired exactly as planned (so the faults happened);
//   - under -race, no data race.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

var (
	soakN    = flag.Int("soak.n", 500, "notifications per soak run (the full soak: 10000)")
	soakSeed = flag.Uint64("soak.seed", 1, "seed of the fault plan")
)

const (
	userSecret = "soak-user-secret"
	orgSecret  = "soak-org-secret"
	signingKey = "soak-signing-key"
	oldKey     = "soak-old-signing-key" // rotation: the handler accepts both

	window          = 64               // notifications in flight at most (plus retries)
	deliveryTimeout = 30 * time.Second // the platform's patience: no fault relies on it
	stallTimeout    = 2 * time.Minute  // no notification reached the host for this long: lost
	// deliveryRetries bounds the platform's retries of one delivery. A
	// duplicate is answered 409 while its first copy is in flight, however
	// long a loaded machine makes that; each 409 costs a retry, so the
	// platform keeps trying (every 25ms at most) for minutes, not one second.
	deliveryRetries = 10000
)

// fault is what happens to one notification.
type fault struct {
	fail, panic, hang     bool          // on the host's first call
	slow                  time.Duration // on every call
	dup                   bool          // the platform delivers it twice
	dropBefore, dropAfter bool          // connection drops on the first request / on the first request the handler sees
}

func planFor(seed uint64, i int) fault {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	var f fault
	f.fail = r.Float64() < 0.10
	f.panic = r.Float64() < 0.01
	f.dup = r.Float64() < 0.05
	if r.Float64() < 0.05 {
		f.slow = time.Duration(1+r.IntN(10)) * time.Millisecond
	}
	f.hang = r.Float64() < 0.01
	f.dropBefore = r.Float64() < 0.02
	f.dropAfter = r.Float64() < 0.02
	return f
}

// counts of injected faults, planned or observed.
type counts struct {
	Panics, Fails, Hangs, Dups, DropsBefore, DropsAfter int
}

func planned(plan []fault) counts {
	var c counts
	for _, f := range plan {
		switch {
		case f.panic:
			c.Panics++
		case f.fail:
			c.Fails++
		case f.hang:
			c.Hangs++
		}
		if f.dup {
			c.Dups++
		}
		if f.dropBefore {
			c.DropsBefore++
		}
		if f.dropAfter {
			c.DropsAfter++
		}
	}
	return c
}

func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped with -short")
	}
	if *soakN < 1 {
		t.Fatalf("-soak.n=%d: want at least 1", *soakN)
	}
	for _, dedup := range []bool{true, false} {
		t.Run(fmt.Sprintf("dedup=%t", dedup), func(t *testing.T) {
			t.Parallel()
			runSoak(t, *soakN, *soakSeed, dedup)
		})
	}
}

// soak is the host application's side: its callback, the wire-level fault
// injector in front of the handler, and what both observed.
type soak struct {
	t       *testing.T
	plan    []fault
	dedup   bool
	handler http.Handler

	mu          sync.Mutex
	progress    chan struct{}  // closed and replaced when a notification is first committed
	committed   int            // notifications committed at least once
	calls       map[int]int    // host callback calls per notification index
	requests    map[int]int    // requests seen per notification index
	commits     map[string]int // per event object id
	noteCommits map[int]int    // per notification index
	succeeded   map[string]int // successful callbacks per eventId
	observed    counts
	reported    map[int]int // OnError reports by status
	panicErrs   int         // OnError reports carrying a *PanicError
	dedupAcks   int         // 2xx answers without a callback in that request
	violations  []string
}

type stateKey struct{}

// reqState is one request's view: did the host's callback succeed in it,
// and did the platform give up on it (hangUp cancels its context)?
type reqState struct {
	callbackOK bool
	hungUp     bool
	hangUp     context.CancelFunc
}

func runSoak(t *testing.T, n int, seed uint64, dedup bool) {
	timeout := 60*time.Second + time.Duration(n)*20*time.Millisecond
	if d, ok := t.Deadline(); ok && time.Until(d)-5*time.Second < timeout {
		timeout = time.Until(d) - 5*time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	s := &soak{
		t: t, dedup: dedup,
		plan:     make([]fault, n),
		progress: make(chan struct{}),
		calls:    map[int]int{}, requests: map[int]int{}, commits: map[string]int{},
		noteCommits: map[int]int{}, succeeded: map[string]int{}, reported: map[int]int{},
	}
	for i := range s.plan {
		s.plan[i] = planFor(seed, i)
	}
	h := &webhook.Handler{
		SigningKeys:    []string{signingKey, oldKey},
		OnNotification: s.onNotification,
		OnError:        s.onError,
	}
	if dedup {
		h.Deduplicator = webhook.NewMemoryDeduplicator(n)
	}
	s.handler = h
	app := httptest.NewServer(s) // loopback
	defer app.Close()

	platform := elementstest.NewServer(
		elementstest.WithCredentials(userSecret, orgSecret),
		elementstest.WithDeliveryRetry(deliveryRetries, time.Millisecond, 25*time.Millisecond),
		elementstest.WithDeliveryTimeout(deliveryTimeout),
	)
	defer platform.Close()
	client, err := elements.NewClient(userSecret, orgSecret, elements.WithBaseURL(platform.URL))
	if err != nil {
		t.Fatal(err)
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "soak-code", ClientID: "soak-client", ClientSecret: "soak-client-secret",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: app.URL + "/events",
		SignatureKey: signingKey, Name: "soak",
	})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}

	types := []webhook.EventType{webhook.EventCreated, webhook.EventUpdated, webhook.EventDeleted}
	eventIDs := make([]string, n)
	for i := range n {
		if err := s.waitCommitted(ctx, i-window); err != nil {
			s.fail(seed, fmt.Errorf("before notification %d: %w", i, err))
		}
		events := make([]webhook.Event, 1+i%3)
		for j := range events {
			events[j] = webhook.Event{ObjectType: acuity.ObjectAppointments, ObjectID: objectID(i, j), EventType: types[(i+j)%3]}
		}
		if s.plan[i].dup {
			platform.DuplicateNext(1)
		}
		if eventIDs[i], err = platform.Deliver(inst.ID, events...); err != nil {
			t.Fatalf("Deliver %d: %v", i, err)
		}
	}
	want := planned(s.plan)
	if err := s.waitCommitted(ctx, n); err != nil {
		s.fail(seed, err)
	}
	deliveries, err := platform.WaitForDeliveries(ctx, n+want.Dups)
	if err != nil {
		s.fail(seed, err)
	}

	// The platform's side: every copy delivered, acknowledged.
	if len(deliveries) != n+want.Dups {
		t.Errorf("%d deliveries, want %d notifications + %d duplicates", len(deliveries), n, want.Dups)
	}
	dups, attempts := 0, 0
	for _, d := range deliveries {
		attempts += len(d.Attempts)
		if d.Duplicate {
			dups++
		}
		if !d.Delivered {
			t.Errorf("seed %d: delivery of event %s was never acknowledged: %+v", seed, d.EventID, d.Attempts)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.observed.Dups = dups
	for _, v := range s.violations {
		t.Errorf("seed %d: %s", seed, v)
	}
	// The host's side: every event exactly once (dedup) or at least once.
	redelivered := 0
	for i := range n {
		if s.succeeded[eventIDs[i]] == 0 {
			t.Errorf("seed %d: notification %d (event id %s) never reached the host", seed, i, eventIDs[i])
		}
		if s.noteCommits[i] > 1 {
			redelivered++
		}
		for j := range 1 + i%3 {
			c := s.commits[objectID(i, j)]
			switch {
			case c == 0:
				t.Errorf("seed %d: event %s was lost", seed, objectID(i, j))
			case c > 1 && dedup:
				t.Errorf("seed %d: event %s reached the host %d times with de-duplication on (faults %+v)", seed, objectID(i, j), c, s.plan[i])
			}
		}
	}
	if s.observed != want {
		t.Errorf("seed %d: injected faults %+v, planned %+v", seed, s.observed, want)
	}
	if s.panicErrs != want.Panics {
		t.Errorf("OnError saw %d *PanicError, want %d", s.panicErrs, want.Panics)
	}
	if dedup && s.dedupAcks < want.Dups {
		t.Errorf("%d duplicates acknowledged by the Deduplicator, want at least the %d duplicate deliveries", s.dedupAcks, want.Dups)
	}
	if !dedup && want.Dups > 0 && redelivered == 0 {
		t.Errorf("without de-duplication no notification reached the host twice, despite %d duplicate deliveries", want.Dups)
	}
	t.Logf("seed %d, %d notifications (%d events), %d deliveries, %d attempts; faults %+v; answers not 2xx by status %v; "+
		"duplicates acknowledged by the Deduplicator %d; notifications the host committed more than once %d",
		seed, n, s.eventCount(n), len(deliveries), attempts, s.observed, s.reported, s.dedupAcks, redelivered)
}

func objectID(i, j int) string { return strconv.Itoa(i) + "-" + strconv.Itoa(j) }

func (s *soak) eventCount(n int) int {
	c := 0
	for i := range n {
		c += 1 + i%3
	}
	return c
}

// waitCommitted blocks until at least k notifications were committed. It
// gives up when a violation is recorded, when nothing reaches the host for
// stallTimeout (an event was lost: the platform gave up on it), or when ctx
// ends.
func (s *soak) waitCommitted(ctx context.Context, k int) error {
	stall := time.NewTimer(stallTimeout)
	defer stall.Stop()
	last := -1
	for {
		s.mu.Lock()
		done, ch, bad := s.committed, s.progress, len(s.violations)
		s.mu.Unlock()
		switch {
		case bad > 0:
			return fmt.Errorf("%d of %d notifications reached the host, then a violation", done, k)
		case done >= k:
			return nil
		case done != last:
			last = done
			stall.Reset(stallTimeout)
		}
		select {
		case <-ch:
		case <-stall.C:
			return fmt.Errorf("%d of %d notifications reached the host, then nothing for %v", done, k, stallTimeout)
		case <-ctx.Done():
			return fmt.Errorf("%d of %d notifications reached the host: %w", done, k, ctx.Err())
		}
	}
}

// fail ends the test with what went wrong and the violations seen so far.
func (s *soak) fail(seed uint64, err error) {
	s.t.Helper()
	s.mu.Lock()
	total := len(s.violations)
	v := s.violations[:min(total, 20)]
	s.mu.Unlock()
	s.t.Fatalf("seed %d: %v; violations (first 20 of %d):\n%s", seed, err, total, strings.Join(v, "\n"))
}

// onNotification is the host: it fails as planned, else commits every event
// of the notification at once and returns nil.
func (s *soak) onNotification(ctx context.Context, n *webhook.Notification) error {
	i := index(n)
	if i < 0 || i >= len(s.plan) {
		s.violation("the host got a notification it was not sent: %+v", n.Events)
		return nil
	}
	f := s.plan[i]
	s.mu.Lock()
	first := s.calls[i] == 0
	s.calls[i]++
	s.mu.Unlock()
	if first {
		switch {
		case f.panic:
			s.count(&s.observed.Panics)
			panic(fmt.Sprintf("soak: injected panic, notification %d", i))
		case f.fail:
			s.count(&s.observed.Fails)
			return fmt.Errorf("soak: injected failure, notification %d", i)
		case f.hang:
			s.count(&s.observed.Hangs)
			// The platform gives up waiting: the request's context ends and
			// (see ServeHTTP) the connection is closed without an answer.
			if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
				st.hungUp = true
				st.hangUp()
			}
			<-ctx.Done()
		}
	}
	if f.slow > 0 {
		time.Sleep(f.slow) // a slow host; not synchronisation
	}
	s.mu.Lock()
	for _, e := range n.Events {
		s.commits[e.ObjectID]++
	}
	s.succeeded[n.EventID]++
	if s.noteCommits[i] == 0 {
		s.committed++
		close(s.progress)
		s.progress = make(chan struct{})
	}
	s.noteCommits[i]++
	s.mu.Unlock()
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		st.callbackOK = true
	}
	return nil
}

func (s *soak) onError(_ *http.Request, err error) {
	var we *webhook.Error
	if !errors.As(err, &we) {
		s.violation("OnError got %T, want *webhook.Error", err)
		return
	}
	var pe *webhook.PanicError
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reported[we.StatusCode]++
	if errors.As(err, &pe) {
		s.panicErrs++
	}
	if we.StatusCode != http.StatusInternalServerError && we.StatusCode != http.StatusConflict {
		s.addViolation(fmt.Sprintf("unexpected handler failure: %v", err))
	}
}

func (s *soak) count(c *int) {
	s.mu.Lock()
	*c++
	s.mu.Unlock()
}

func (s *soak) violation(format string, args ...any) {
	s.mu.Lock()
	s.addViolation(fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

// addViolation records v and wakes waitCommitted; s.mu must be held.
func (s *soak) addViolation(v string) {
	s.violations = append(s.violations, v)
	close(s.progress)
	s.progress = make(chan struct{})
}

// index returns the soak index of a notification, from its first event's
// object id "<index>-<event>".
func index(n *webhook.Notification) int {
	if len(n.Events) == 0 {
		return -1
	}
	s, _, _ := strings.Cut(n.Events[0].ObjectID, "-")
	i, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return i
}

// ServeHTTP is the host's server in front of the WebhookHandler: it drops
// connections as planned and checks every status the handler writes.
func (s *soak) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read failed", http.StatusBadRequest)
		return
	}
	var peek struct {
		Message struct {
			EventID string `json:"eventId"`
			Events  []struct {
				ObjectID string `json:"objectId"`
			} `json:"events"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &peek); err != nil || len(peek.Message.Events) == 0 {
		s.violation("the platform sent an unreadable body: %q", body)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	i, err := strconv.Atoi(strings.SplitN(peek.Message.Events[0].ObjectID, "-", 2)[0])
	if err != nil || i < 0 || i >= len(s.plan) {
		s.violation("the platform sent an unknown notification: %q", body)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	f := s.plan[i]
	s.mu.Lock()
	nth := s.requests[i]
	s.requests[i]++
	s.mu.Unlock()

	firstSeen := 0 // the first request the handler sees
	if f.dropBefore {
		if nth == 0 {
			s.count(&s.observed.DropsBefore)
			hangUp(w)
			return
		}
		firstSeen = 1
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	st := &reqState{hangUp: cancel}
	r = r.WithContext(context.WithValue(ctx, stateKey{}, st))
	r.Body = io.NopCloser(bytes.NewReader(body))
	dropAfter := f.dropAfter && nth == firstSeen
	aw := &ackWriter{ResponseWriter: w, s: s, st: st, eventID: peek.Message.EventID, discard: dropAfter}
	s.handler.ServeHTTP(aw, r)
	if dropAfter {
		s.count(&s.observed.DropsAfter)
	}
	if dropAfter || st.hungUp {
		hangUp(w)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	_ = conn.Close()
}

// ackWriter checks, when the handler writes its status, that a 2xx follows
// a successful host callback; with discard it keeps the answer off the wire.
type ackWriter struct {
	http.ResponseWriter
	s       *soak
	st      *reqState
	eventID string
	discard bool
	wrote   bool
}

func (a *ackWriter) WriteHeader(code int) {
	if !a.wrote {
		a.wrote = true
		if code >= 200 && code < 300 {
			a.s.acknowledged(a.st, a.eventID)
		}
	}
	if !a.discarding() {
		a.ResponseWriter.WriteHeader(code)
	}
}

func (a *ackWriter) Write(p []byte) (int, error) {
	if !a.wrote {
		a.WriteHeader(http.StatusOK)
	}
	if a.discarding() {
		return len(p), nil
	}
	return a.ResponseWriter.Write(p)
}

// discarding reports whether the answer stays off the wire: a planned drop,
// or a request the platform gave up on.
func (a *ackWriter) discarding() bool { return a.discard || a.st.hungUp }

// acknowledged checks a 2xx about to be written for eventID.
func (s *soak) acknowledged(st *reqState, eventID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case st.callbackOK:
	case s.dedup && s.succeeded[eventID] > 0:
		s.dedupAcks++
	default:
		s.addViolation(fmt.Sprintf("event id %s acknowledged before the host's callback succeeded", eventID))
	}
}
