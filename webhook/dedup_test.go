package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestMemoryDeduplicator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := NewMemoryDeduplicator(2)
	step := func(what string, got, want DedupState) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	claim := func(key string) DedupState {
		s, err := d.Claim(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	step("first claim of a", claim("a"), DedupClaimed)
	step("second claim of a, in flight", claim("a"), DedupInFlight)
	_ = d.Release(ctx, "a")
	step("claim of a after release", claim("a"), DedupClaimed)
	_ = d.Done(ctx, "a")
	step("claim of a after done", claim("a"), DedupDone)
	if err := d.Release(ctx, "a"); !errors.Is(err, ErrClaimLost) { // release of a done key: no effect
		t.Errorf("release of a done key: %v, want ErrClaimLost", err)
	}
	step("claim of a after a stray release", claim("a"), DedupDone)

	step("claim b", claim("b"), DedupClaimed)
	_ = d.Done(ctx, "b")
	step("claim c", claim("c"), DedupClaimed)
	_ = d.Done(ctx, "c") // capacity 2: forgets a
	step("a forgotten after two newer keys", claim("a"), DedupClaimed)
	step("b still known", claim("b"), DedupDone)
	step("c still known", claim("c"), DedupDone)
	_ = d.Done(ctx, "a") // forgets b
	step("b forgotten", claim("b"), DedupClaimed)
	if err := d.Done(ctx, "never-claimed"); !errors.Is(err, ErrClaimLost) {
		t.Errorf("done of an unclaimed key: %v, want ErrClaimLost", err)
	}
	step("done of an unclaimed key does nothing", claim("never-claimed"), DedupClaimed)
	if got := d.Len(); got != 4 { // c, a done; b, never-claimed in flight
		t.Errorf("Len = %d, want 4", got)
	}
	if got := NewMemoryDeduplicator(0).limit; got != DefaultDedupCapacity {
		t.Errorf("capacity 0 gives %d, want %d", got, DefaultDedupCapacity)
	}
	if DedupInFlight.String() != "in flight" || DedupState(9).String() != "DedupState(9)" {
		t.Errorf("String: %q, %q", DedupInFlight, DedupState(9))
	}
}

func TestHandlerDedupSequential(t *testing.T) {
	t.Parallel()
	body := testBody(2)
	var calls atomic.Int32
	fail := true
	h := &Handler{
		SigningKeys:  []string{"k"},
		Deduplicator: NewMemoryDeduplicator(10),
		OnNotification: func(context.Context, *Notification) error {
			calls.Add(1)
			if fail {
				return errors.New("try again")
			}
			return nil
		},
	}
	serve := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, "k"))
		return w.Code
	}
	steps := []struct {
		fail       bool
		wantStatus int
		wantCalls  int32
	}{
		{true, 500, 1},  // the host fails: released, not done
		{false, 200, 2}, // the platform's retry is processed
		{false, 200, 2}, // a duplicate: 200, host not called
		{true, 200, 2},  // still a duplicate, whatever the host would say
	}
	for i, s := range steps {
		fail = s.fail
		if got := serve(); got != s.wantStatus {
			t.Errorf("delivery %d: status %d, want %d", i+1, got, s.wantStatus)
		}
		if got := calls.Load(); got != s.wantCalls {
			t.Errorf("delivery %d: %d calls in all, want %d", i+1, got, s.wantCalls)
		}
	}
}

// A duplicate that arrives while the first delivery is still being handled
// must not be acknowledged: if the first then fails, nothing would redeliver.
func TestHandlerDedupInFlight(t *testing.T) {
	t.Parallel()
	body := testBody(1)
	entered := make(chan struct{})
	release := make(chan error)
	var calls atomic.Int32
	var logBuf bytes.Buffer
	logs := &syncWriter{w: &logBuf, mu: new(sync.Mutex)}
	h := &Handler{
		SigningKeys:  []string{"k"},
		Deduplicator: NewMemoryDeduplicator(10),
		// A duplicate in flight is normal (a burst of retries): it is
		// logged at info, never warn (once 142 warn lines in one burst).
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnNotification: func(context.Context, *Notification) error {
			if calls.Add(1) == 1 {
				close(entered)
				return <-release
			}
			return nil
		},
	}
	first := make(chan int)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, "k"))
		first <- w.Code
	}()
	<-entered
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedPost(body, "k"))
	if w.Code != http.StatusConflict {
		t.Errorf("duplicate during the first delivery: status %d, want 409", w.Code)
	}
	logs.mu.Lock()
	got := logBuf.String()
	logs.mu.Unlock()
	if !strings.Contains(got, `"level":"INFO"`) || !strings.Contains(got, "still being processed") || strings.Contains(got, `"level":"WARN"`) {
		t.Errorf("the 409 was not logged once at info: %s", got)
	}
	release <- errors.New("the first delivery fails after all")
	if got := <-first; got != 500 {
		t.Errorf("first delivery: status %d, want 500", got)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, signedPost(body, "k"))
	if w.Code != 200 || calls.Load() != 2 {
		t.Errorf("retry after the failure: status %d, %d calls; want 200 and 2", w.Code, calls.Load())
	}
}

// A callback that runs past the claim TTL keeps its claim against the
// platform's retries to the same replica: they get 409, and the slow
// delivery's Release cannot end another delivery's claim. (Test failed
// before: the retry took the expired claim over and ran beside the slow
// one; the slow one's Release then deleted the retry's claim, and a third
// delivery ran beside the retry.)
func TestHandlerDedupSlowCallbackOneReplica(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		body := testBody(1)
		d := NewMemoryDeduplicator(10)
		d.ClaimTTL = time.Minute
		gates := []chan error{make(chan error), make(chan error), make(chan error)}
		var calls, running atomic.Int32
		var overlap atomic.Bool
		h := &Handler{
			SigningKeys:  []string{"k"},
			Deduplicator: d,
			OnNotification: func(context.Context, *Notification) error {
				if running.Add(1) > 1 {
					overlap.Store(true)
				}
				defer running.Add(-1)
				return <-gates[calls.Add(1)-1]
			},
		}
		deliver := func() <-chan int {
			code := make(chan int, 1)
			go func() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, signedPost(body, "k"))
				code <- w.Code
			}()
			synctest.Wait() // answered, or blocked in its callback
			return code
		}
		answer := func(code <-chan int) int {
			select {
			case c := <-code:
				return c
			default:
				return 0 // still in its callback
			}
		}
		first := deliver()
		time.Sleep(2 * d.ClaimTTL)
		if got := answer(deliver()); got != http.StatusConflict {
			t.Errorf("retry while the first delivery runs past the claim TTL: status %d, want 409", got)
		}
		gates[0] <- errors.New("the slow delivery fails")
		synctest.Wait()
		if got := answer(first); got != http.StatusInternalServerError {
			t.Errorf("slow delivery: status %d, want 500", got)
		}
		third := deliver()
		for _, g := range gates[1:] {
			close(g)
		}
		synctest.Wait()
		if got := answer(third); got != http.StatusOK {
			t.Errorf("retry after the slow delivery failed: status %d, want 200", got)
		}
		if calls.Load() != 2 || overlap.Load() {
			t.Errorf("%d callbacks, two at once: %v; want 2, one at a time", calls.Load(), overlap.Load())
		}
	})
}

// Many identical deliveries at once, with callbacks that fail and panic now
// and then; each delivery retries until 2xx, as the platform does. Each
// notification must reach the host successfully exactly once, and no 2xx may
// be answered before that success.
func TestHandlerDedupConcurrent(t *testing.T) {
	t.Parallel()
	const notifications, copies = 16, 8
	var mu sync.Mutex
	succeeded := map[string]int{}
	attempts := map[string]int{}
	answered := map[string]int{} // answers to deliveries of a key, any status
	h := &Handler{
		SigningKeys:  []string{"k"},
		Deduplicator: NewMemoryDeduplicator(notifications),
		OnNotification: func(_ context.Context, n *Notification) error {
			mu.Lock()
			defer mu.Unlock()
			attempts[n.EventID]++
			if attempts[n.EventID] == 1 {
				// Hold the first delivery until a duplicate has been answered,
				// so the in-flight path is exercised (bounded: never hangs).
				for i := 0; i < 100000 && answered[n.EventID] == 0; i++ {
					mu.Unlock()
					runtime.Gosched()
					mu.Lock()
				}
			}
			switch attempts[n.EventID] {
			case 1:
				return errors.New("transient")
			case 2:
				panic("transient panic")
			}
			succeeded[n.EventID]++
			return nil
		},
	}
	var conflicts atomic.Int32
	var wg sync.WaitGroup
	for i := range notifications {
		body := []byte(fmt.Sprintf(`{"message":{"eventId":"n%d","events":[{"eventType":"CREATED"}]}}`, i))
		for range copies {
			wg.Go(func() {
				for {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, signedPost(body, "k"))
					key := fmt.Sprintf("n%d", i)
					mu.Lock()
					answered[key]++
					ok := succeeded[key] == 1
					mu.Unlock()
					switch w.Code {
					case 200:
						if !ok {
							t.Errorf("n%d acknowledged before the host accepted it", i)
						}
						return
					case 409, 500:
						if w.Code == 409 {
							conflicts.Add(1)
						}
						runtime.Gosched() // the platform would wait; let the holder finish
					default:
						t.Errorf("unexpected status %d", w.Code)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if conflicts.Load() == 0 {
		t.Error("no delivery met one in flight; the test did not exercise that path")
	}
	for i := range notifications {
		if got := succeeded[fmt.Sprintf("n%d", i)]; got != 1 {
			t.Errorf("n%d reached the host successfully %d times, want exactly 1", i, got)
		}
	}
}

type failingDedup struct{ claimErr, doneErr, releaseErr error }

func (d failingDedup) Claim(context.Context, string) (DedupState, error) {
	return DedupClaimed, d.claimErr
}
func (d failingDedup) Done(context.Context, string) error    { return d.doneErr }
func (d failingDedup) Release(context.Context, string) error { return d.releaseErr }

func TestHandlerDedupStoreErrors(t *testing.T) {
	t.Parallel()
	storeDown := errors.New("store down")
	tests := []struct {
		name       string
		dedup      failingDedup
		hostErr    error
		wantStatus int
		wantCalls  int32
		wantReport int // the status in the one OnError report; 0: none
	}{
		{"claim fails: host not called", failingDedup{claimErr: storeDown}, nil, 500, 0, 500},
		{"done fails: still 200, reported", failingDedup{doneErr: storeDown}, nil, 200, 1, 200},
		{"release fails after a host error: 500, both reported", failingDedup{releaseErr: storeDown}, errors.New("host"), 500, 1, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			var reported errorLog
			h := &Handler{
				SigningKeys:    []string{"k"},
				Deduplicator:   tt.dedup,
				OnError:        reported.hook,
				OnNotification: func(context.Context, *Notification) error { calls.Add(1); return tt.hostErr },
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signedPost(testBody(1), "k"))
			if w.Code != tt.wantStatus || calls.Load() != tt.wantCalls {
				t.Errorf("status %d, %d calls; want %d, %d", w.Code, calls.Load(), tt.wantStatus, tt.wantCalls)
			}
			errs := reported.all()
			if len(errs) != 1 || errs[0].StatusCode != tt.wantReport || !errors.Is(errs[0], storeDown) {
				t.Fatalf("reports %v, want one with status %d wrapping the store error", errs, tt.wantReport)
			}
			if tt.hostErr != nil && !errors.Is(errs[0], tt.hostErr) {
				t.Errorf("report %v lacks the host's error", errs[0])
			}
		})
	}
}

// ctxDedup records whether Done and Release got a live context.
type ctxDedup struct {
	*MemoryDeduplicator
	mu   sync.Mutex
	errs []error
}

func (d *ctxDedup) Done(ctx context.Context, key string) error {
	d.mu.Lock()
	d.errs = append(d.errs, ctx.Err())
	d.mu.Unlock()
	return d.MemoryDeduplicator.Done(ctx, key)
}

func (d *ctxDedup) Release(ctx context.Context, key string) error {
	d.mu.Lock()
	d.errs = append(d.errs, ctx.Err())
	d.mu.Unlock()
	return d.MemoryDeduplicator.Release(ctx, key)
}

// The platform may hang up while the host works; the bookkeeping after the
// callback must still happen.
func TestHandlerDedupAfterHangUp(t *testing.T) {
	t.Parallel()
	for _, hostErr := range []error{nil, errors.New("host failed")} {
		d := &ctxDedup{MemoryDeduplicator: NewMemoryDeduplicator(4)}
		ctx, cancel := context.WithCancel(context.Background())
		h := &Handler{
			SigningKeys:  []string{"k"},
			Deduplicator: d,
			OnNotification: func(context.Context, *Notification) error {
				cancel() // the platform hangs up
				return hostErr
			},
		}
		h.ServeHTTP(httptest.NewRecorder(), signedPost(testBody(1), "k").WithContext(ctx))
		if len(d.errs) != 1 || d.errs[0] != nil {
			t.Errorf("host error %v: Done/Release saw context errors %v, want one nil", hostErr, d.errs)
		}
		state, _ := d.Claim(context.Background(), "event:4242:4e2a9c")
		if want := map[bool]DedupState{true: DedupDone, false: DedupClaimed}[hostErr == nil]; state != want {
			t.Errorf("host error %v: key state %v afterwards, want %v", hostErr, state, want)
		}
	}
}

// The zero MemoryDeduplicator is usable: it used to panic on its nil map,
// outside the handler's recover, taking ServeHTTP down with it.
func TestMemoryDeduplicatorZeroValue(t *testing.T) {
	t.Parallel()
	t.Run("in a handler", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		h := &Handler{
			SigningKeys:    []string{"k"},
			Deduplicator:   &MemoryDeduplicator{},
			OnNotification: func(context.Context, *Notification) error { calls.Add(1); return nil },
		}
		body := testBody(1)
		for i, want := range []int32{1, 1} { // the second delivery is a duplicate
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signedPost(body, "k"))
			if w.Code != http.StatusOK || calls.Load() != want {
				t.Errorf("delivery %d: status %d, %d calls; want 200, %d", i+1, w.Code, calls.Load(), want)
			}
		}
	})
	t.Run("Done and Release before any Claim", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		var d MemoryDeduplicator
		if err := d.Done(ctx, "a"); !errors.Is(err, ErrClaimLost) {
			t.Fatalf("Done: %v, want ErrClaimLost", err)
		}
		if err := d.Release(ctx, "a"); !errors.Is(err, ErrClaimLost) {
			t.Fatalf("Release: %v, want ErrClaimLost", err)
		}
		if d.Len() != 0 {
			t.Errorf("Len %d after Done and Release of unknown keys, want 0", d.Len())
		}
	})
	t.Run("remembers DefaultDedupCapacity keys", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		var d MemoryDeduplicator
		for i := range DefaultDedupCapacity + 1 {
			key := strconv.Itoa(i)
			if s, err := d.Claim(ctx, key); err != nil || s != DedupClaimed {
				t.Fatalf("Claim(%q) = %v, %v", key, s, err)
			}
			if err := d.Done(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
		if d.Len() != DefaultDedupCapacity {
			t.Errorf("Len %d, want %d", d.Len(), DefaultDedupCapacity)
		}
		if s, _ := d.Claim(ctx, "0"); s != DedupClaimed {
			t.Errorf("oldest key: %v, want it forgotten (claimed)", s)
		}
		if s, _ := d.Claim(ctx, "1"); s != DedupDone {
			t.Errorf("second oldest key: %v, want done", s)
		}
	})
}

// A key done again after its retention passed sits in the ring twice; pushing
// out the older slot must not forget the newer done state.
func TestMemoryDeduplicatorRedoneAfterRetention(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testRedoneAfterRetention)
}

func testRedoneAfterRetention(t *testing.T) {
	ctx := context.Background()
	d := NewMemoryDeduplicator(2)
	d.Retention = 20 * time.Millisecond
	cycle := func(key string) {
		t.Helper()
		if s, _ := d.Claim(ctx, key); s != DedupClaimed {
			t.Fatalf("Claim(%q) = %v, want claimed", key, s)
		}
		if err := d.Done(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	cycle("a")
	time.Sleep(2 * d.Retention)
	cycle("a") // the ring: a (old), a (new)
	d.Retention = time.Hour
	cycle("b") // pushes out the old slot of a
	if s, _ := d.Claim(ctx, "a"); s != DedupDone {
		t.Errorf("a after its old slot was pushed out: %v, want done", s)
	}
}
