package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// panickingDedup panics in the methods it is told to, with errEvDedupBug.
type panickingDedup struct{ claim, done, release bool }

var errEvDedupBug = errors.New("dedup store bug")

func (d panickingDedup) Claim(context.Context, string) (DedupState, error) {
	if d.claim {
		panic(errEvDedupBug)
	}
	return DedupClaimed, nil
}

func (d panickingDedup) Done(context.Context, string) error {
	if d.done {
		panic(errEvDedupBug)
	}
	return nil
}

func (d panickingDedup) Release(context.Context, string) error {
	if d.release {
		panic(errEvDedupBug)
	}
	return nil
}

// A panic in host code other than the callbacks (the Deduplicator, the
// OnError hook) is recovered too: ServeHTTP never panics.
func TestHandlerHostPanics(t *testing.T) {
	t.Parallel()
	hostErr := errors.New("host failed")
	tests := []struct {
		name          string
		dedup         Deduplicator
		hostErr       error
		badSignature  bool
		onErrorPanics bool
		noLogger      bool
		wantStatus    int
		wantCalls     int32
		wantReports   []int // the statuses OnError was told of, each with a *PanicError unless onErrorPanics
		wantLogs      []string
	}{
		{name: "Claim panics: 500, host not called", dedup: panickingDedup{claim: true},
			wantStatus: 500, wantReports: []int{500}, wantLogs: []string{"dedup store bug", `"stack":"goroutine`}},
		{name: "Done panics: still 200, reported", dedup: panickingDedup{done: true},
			wantStatus: 200, wantCalls: 1, wantReports: []int{200}, wantLogs: []string{"deduplicator: done", `"stack":"goroutine`}},
		{name: "Release panics after a host error: 500, both reported", dedup: panickingDedup{release: true}, hostErr: hostErr,
			wantStatus: 500, wantCalls: 1, wantReports: []int{500}, wantLogs: []string{"deduplicator: release", "host failed"}},
		{name: "OnError panics on a bad signature: 401, logged", badSignature: true, onErrorPanics: true,
			wantStatus: 401, wantReports: []int{401}, wantLogs: []string{"OnError hook panicked", "OnError: panic: hook bug", `"stack":"goroutine`}},
		{name: "OnError panics on a Claim panic: 500, not called again", dedup: panickingDedup{claim: true}, onErrorPanics: true,
			wantStatus: 500, wantReports: []int{500}, wantLogs: []string{"OnError hook panicked", "dedup store bug"}},
		{name: "OnError panics after a failed Done: still 200", dedup: panickingDedup{done: true}, onErrorPanics: true,
			wantStatus: 200, wantCalls: 1, wantReports: []int{200}, wantLogs: []string{"OnError hook panicked"}},
		{name: "OnError panics, no Logger", badSignature: true, onErrorPanics: true, noLogger: true,
			wantStatus: 401, wantReports: []int{401}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			var reported errorLog
			var logs bytes.Buffer
			var lmu sync.Mutex
			h := &Handler{
				SigningKeys:  []string{"k"},
				Deduplicator: tt.dedup,
				OnError: func(r *http.Request, err error) {
					reported.hook(r, err)
					if tt.onErrorPanics {
						panic("hook bug")
					}
				},
				OnNotification: func(context.Context, *Notification) error { calls.Add(1); return tt.hostErr },
			}
			if !tt.noLogger {
				h.Logger = slog.New(slog.NewJSONHandler(&syncWriter{w: &logs, mu: &lmu}, nil))
			}
			key := "k"
			if tt.badSignature {
				key = "wrong key"
			}
			w := httptest.NewRecorder()
			func() {
				defer func() {
					if v := recover(); v != nil {
						t.Fatalf("ServeHTTP panicked: %v", v)
					}
				}()
				h.ServeHTTP(w, signedPost(testBody(1), key))
			}()
			if w.Code != tt.wantStatus || calls.Load() != tt.wantCalls {
				t.Errorf("status %d, %d calls; want %d, %d", w.Code, calls.Load(), tt.wantStatus, tt.wantCalls)
			}
			if strings.Contains(w.Body.String(), "bug") {
				t.Errorf("the answer shows the panic: %q", w.Body.String())
			}
			errs := reported.all()
			if len(errs) != len(tt.wantReports) {
				t.Fatalf("OnError called %d times (%v), want %d", len(errs), errs, len(tt.wantReports))
			}
			for i, werr := range errs {
				if werr.StatusCode != tt.wantReports[i] {
					t.Errorf("report %d: status %d, want %d", i, werr.StatusCode, tt.wantReports[i])
				}
				var pe *PanicError
				if tt.dedup != nil && (!errors.As(werr, &pe) || !errors.Is(werr, errEvDedupBug)) {
					t.Errorf("report %d: %v, want a *PanicError wrapping the Deduplicator's panic", i, werr)
				}
				if tt.hostErr != nil && !errors.Is(werr, tt.hostErr) {
					t.Errorf("report %d: %v lacks the host's error", i, werr)
				}
			}
			lmu.Lock()
			defer lmu.Unlock()
			for _, want := range tt.wantLogs {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.String())
				}
			}
		})
	}
}
