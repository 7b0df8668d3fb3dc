package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// memInbox is an in-memory Inbox: it keeps the first notification put
// under each key (every one under ""), or fails with err, or panics.
type memInbox struct {
	err    error
	panics bool

	mu    sync.Mutex
	keys  []string // of every Put, in order
	byKey map[string]*Notification
	all   []*Notification // stored, in order
}

func (m *memInbox) Put(_ context.Context, key string, n *Notification) error {
	if m.panics {
		panic(errInboxBug)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, key)
	if m.err != nil {
		return m.err
	}
	if key != "" {
		if m.byKey == nil {
			m.byKey = make(map[string]*Notification)
		}
		if _, ok := m.byKey[key]; ok {
			return nil
		}
		m.byKey[key] = n
	}
	m.all = append(m.all, n)
	return nil
}

func (m *memInbox) stored() []*Notification {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Notification(nil), m.all...)
}

func (m *memInbox) putKeys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.keys...)
}

var errInboxBug = errors.New("inbox bug")

// strictDedup fails the test if the handler uses it.
type strictDedup struct{ t *testing.T }

func (d strictDedup) Claim(context.Context, string) (DedupState, error) {
	d.t.Error("Deduplicator.Claim called with an Inbox set")
	return DedupClaimed, nil
}
func (d strictDedup) Done(context.Context, string) error    { return nil }
func (d strictDedup) Release(context.Context, string) error { return nil }

// With an Inbox, a notification is stored and answered 200 without any
// callback, or answered 500 when Put fails or panics.
func TestHandlerInbox(t *testing.T) {
	t.Parallel()
	body := testBody(3)
	want, err := ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		inbox      *memInbox
		wantStatus int
		wantStored int
		wantErr    error // errors.Is target of the report; nil: none
	}{
		{"stored", &memInbox{}, 200, 1, nil},
		{"Put fails: 500, nothing acknowledged", &memInbox{err: io.ErrUnexpectedEOF}, 500, 0, io.ErrUnexpectedEOF},
		{"Put panics: 500", &memInbox{panics: true}, 500, 0, errInboxBug},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var errs errorLog
			var calls atomic.Int32
			h := &Handler{SigningKeys: []string{"k"}, Inbox: tt.inbox, Deduplicator: strictDedup{t}, OnError: errs.hook,
				OnNotification: func(context.Context, *Notification) error { calls.Add(1); return nil }}
			h.HandleDefault(func(context.Context, *Notification, Event) error { calls.Add(1); return nil })
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signedPost(body, "k"))
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if strings.Contains(w.Body.String(), "bug") || strings.Contains(w.Body.String(), "EOF") {
				t.Errorf("the answer shows the cause: %q", w.Body)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("callbacks called %d times; with an Inbox, ServeHTTP calls none", n)
			}
			stored := tt.inbox.stored()
			if len(stored) != tt.wantStored {
				t.Fatalf("%d notifications stored, want %d", len(stored), tt.wantStored)
			}
			if len(stored) == 1 {
				if diff := cmp.Diff(want, stored[0]); diff != "" {
					t.Errorf("stored notification (-want +got):\n%s", diff)
				}
			}
			reports := errs.all()
			if tt.wantErr == nil {
				if len(reports) != 0 {
					t.Errorf("reported %v", reports)
				}
				return
			}
			if len(reports) != 1 || reports[0].StatusCode != 500 || !errors.Is(reports[0], tt.wantErr) ||
				!strings.Contains(reports[0].Error(), "inbox: put") {
				t.Fatalf("reported %v; want one 500 naming the inbox, wrapping %v", reports, tt.wantErr)
			}
			var pe *PanicError
			if tt.inbox.panics != errors.As(reports[0], &pe) {
				t.Errorf("report %v: *PanicError inside = %t, want %t", reports[0], !tt.inbox.panics, tt.inbox.panics)
			}
		})
	}
}

// headerWriter records whether a status was written, for a handler
// running in another goroutine.
type headerWriter struct {
	http.ResponseWriter
	wrote atomic.Bool
}

func (w *headerWriter) WriteHeader(code int) {
	w.wrote.Store(true)
	w.ResponseWriter.WriteHeader(code)
}

func (w *headerWriter) Write(p []byte) (int, error) {
	w.wrote.Store(true)
	return w.ResponseWriter.Write(p)
}

// blockingInbox holds every Put until release is closed.
type blockingInbox struct {
	entered chan struct{}
	release chan struct{}
	ctx     context.Context
}

func (b *blockingInbox) Put(ctx context.Context, _ string, _ *Notification) error {
	b.ctx = ctx
	close(b.entered)
	<-b.release
	return nil
}

// Nothing is answered while Put runs: the 200 comes only after it returned.
func TestHandlerInboxAnswersAfterPut(t *testing.T) {
	t.Parallel()
	inbox := &blockingInbox{entered: make(chan struct{}), release: make(chan struct{})}
	h := &Handler{SigningKeys: []string{"k"}, Inbox: inbox}
	w := &headerWriter{ResponseWriter: httptest.NewRecorder()}
	r := signedPost(testBody(1), "k")
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, r)
	}()
	<-inbox.entered
	if w.wrote.Load() {
		t.Error("answered while Put was still storing the notification")
	}
	if inbox.ctx != r.Context() {
		t.Error("Put did not get the request's context")
	}
	close(inbox.release)
	<-done
	if code := w.ResponseWriter.(*httptest.ResponseRecorder).Code; code != 200 {
		t.Errorf("status %d after Put returned nil, want 200", code)
	}
}

// recordingDedup records the keys it is asked to claim and claims them all.
type recordingDedup struct {
	mu   sync.Mutex
	keys []string
}

func (d *recordingDedup) Claim(_ context.Context, key string) (DedupState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.keys = append(d.keys, key)
	return DedupClaimed, nil
}
func (d *recordingDedup) Done(context.Context, string) error    { return nil }
func (d *recordingDedup) Release(context.Context, string) error { return nil }

// The Inbox gets the key the Deduplicator would get, for every key
// namespace, and "" where the Deduplicator is not asked at all.
func TestHandlerInboxKeyIsTheDedupKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      []byte
		webhookID string
	}{
		{"eventId", hostileNotification(`"e1"`, "7", `{}`), ""},
		{"numeric eventId and a header", hostileNotification(`123`, "7", `{}`), "w1"},
		{"eventId with invalid UTF-8", hostileNotification("\"a\xff\"", "7", `{}`), ""},
		{"eventId with a control character", hostileNotification(`"a\u0000b"`, "7", `{}`), ""},
		{"long eventId", hostileNotification(`"`+strings.Repeat("L", 5000)+`"`, "7", `{}`), ""},
		{"header only", hostileNotification("", "7", `{"a":1}`), "w2"},
		{"neither", hostileNotification("", "7", `{"a":1}`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			post := func(h *Handler) {
				r := signedPost(tt.body, "k")
				if tt.webhookID != "" {
					r.Header.Set(IDHeader, tt.webhookID)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					t.Fatalf("status %d", w.Code)
				}
			}
			dedup := &recordingDedup{}
			post(&Handler{SigningKeys: []string{"k"}, Deduplicator: dedup, OnNotification: func(context.Context, *Notification) error { return nil }})
			inbox := &memInbox{}
			post(&Handler{SigningKeys: []string{"k"}, Inbox: inbox}) // without a Deduplicator: the key is computed anyway
			got := inbox.putKeys()
			if len(got) != 1 {
				t.Fatalf("Put called %d times, want 1", len(got))
			}
			want := ""
			if len(dedup.keys) == 1 {
				want = dedup.keys[0]
			}
			if got[0] != want {
				t.Errorf("Inbox key %q, Deduplicator key %q; want them equal", got[0], want)
			}
			if (tt.name == "neither") != (got[0] == "") {
				t.Errorf("key %q: want \"\" exactly when there is neither an eventId nor the header", got[0])
			}
		})
	}
}

// The handler that serves HTTP with an Inbox needs keys but no callbacks;
// asynchronous-request callbacks do not go to the Inbox.
func TestHandlerInboxConfiguration(t *testing.T) {
	t.Parallel()
	body := testBody(1)
	t.Run("no callbacks: accepted", func(t *testing.T) {
		t.Parallel()
		inbox := &memInbox{}
		h := &Handler{SigningKeys: []string{"k"}, Inbox: inbox}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, "k"))
		if w.Code != 200 || len(inbox.stored()) != 1 {
			t.Errorf("status %d, %d stored; want 200, 1", w.Code, len(inbox.stored()))
		}
	})
	t.Run("no keys: refused", func(t *testing.T) {
		t.Parallel()
		var errs errorLog
		inbox := &memInbox{}
		h := &Handler{Inbox: inbox, OnError: errs.hook}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, "k"))
		if r := errs.all(); w.Code != 500 || len(inbox.stored()) != 0 || len(r) != 1 || !errors.Is(r[0], ErrNoSigningKey) {
			t.Errorf("status %d, %d stored, reports %v; want 500, none, ErrNoSigningKey", w.Code, len(inbox.stored()), r)
		}
	})
	t.Run("asynchronous-request callback: to OnAsyncResponse, not the Inbox", func(t *testing.T) {
		t.Parallel()
		inbox := &memInbox{}
		var got []*AsyncResponse
		h := &Handler{SigningKeys: []string{"k"}, Inbox: inbox, Deduplicator: NewMemoryDeduplicator(10),
			OnAsyncResponse: func(_ context.Context, a *AsyncResponse) error { got = append(got, a); return nil }}
		for range 2 {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signedPost([]byte(asyncBody), "k"))
			if w.Code != 200 {
				t.Errorf("status %d", w.Code)
			}
		}
		if len(got) != 1 || len(inbox.putKeys()) != 0 {
			t.Errorf("OnAsyncResponse called %d times, Put %d; want 1 (de-duplicated as without an Inbox), 0", len(got), len(inbox.putKeys()))
		}
		h.OnAsyncResponse = nil
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost([]byte(asyncBody), "k"))
		if w.Code != 200 || len(inbox.putKeys()) != 0 {
			t.Errorf("without OnAsyncResponse: status %d, Put %d times; want 200, 0", w.Code, len(inbox.putKeys()))
		}
	})
}

// callbackCase is one behaviour of the callbacks, which ServeHTTP (without
// an Inbox) and Dispatch must show alike.
type callbackCase struct {
	name   string
	events int
	setup  func(h *Handler, calls *[]string) // registers the callbacks, which append what they saw to calls
	fails  bool
	panics bool
}

var errCallback = errors.New("callback failed")

func callbackCases() []callbackCase {
	record := func(calls *[]string, what string) { *calls = append(*calls, what) }
	route := func(calls *[]string, fail func(e Event) error) HandlerFunc {
		return func(_ context.Context, _ *Notification, e Event) error {
			record(calls, "route "+e.ObjectID+" "+string(e.EventType))
			return fail(e)
		}
	}
	ok := func(Event) error { return nil }
	return []callbackCase{
		{name: "OnNotification alone", events: 2, setup: func(h *Handler, calls *[]string) {
			h.OnNotification = func(_ context.Context, n *Notification) error { record(calls, "notification "+n.EventID); return nil }
		}},
		{name: "OnNotification then routes", events: 3, setup: func(h *Handler, calls *[]string) {
			h.OnNotification = func(_ context.Context, n *Notification) error { record(calls, "notification "+n.EventID); return nil }
			h.HandleDefault(route(calls, ok))
		}},
		{name: "OnNotification fails: no route runs", events: 2, fails: true, setup: func(h *Handler, calls *[]string) {
			h.OnNotification = func(context.Context, *Notification) error { record(calls, "notification"); return errCallback }
			h.HandleDefault(route(calls, ok))
		}},
		{name: "the most specific route wins; unrouted events are skipped", events: 4, setup: func(h *Handler, calls *[]string) {
			h.Handle("acuityscheduling", "appointments", EventCreated, route(calls, ok))
			h.Handle("*", "appointments", EventDeleted, func(_ context.Context, _ *Notification, e Event) error {
				record(calls, "deleted "+e.ObjectID)
				return nil
			})
		}},
		{name: "a route fails: the events after it do not run", events: 5, fails: true, setup: func(h *Handler, calls *[]string) {
			h.HandleDefault(route(calls, func(e Event) error {
				if e.EventType == EventDeleted {
					return errCallback
				}
				return nil
			}))
		}},
		{name: "a route panics", events: 3, panics: true, setup: func(h *Handler, calls *[]string) {
			h.HandleDefault(route(calls, func(e Event) error {
				if e.EventType == EventUpdated {
					panic(fmt.Errorf("route bug: %w", errCallback))
				}
				return nil
			}))
		}},
		{name: "OnNotification panics", events: 1, panics: true, setup: func(h *Handler, calls *[]string) {
			h.OnNotification = func(context.Context, *Notification) error { record(calls, "notification"); panic(errCallback) }
		}},
		{name: "no callbacks", events: 1, fails: true, setup: func(*Handler, *[]string) {}},
	}
}

// Dispatch runs the callbacks exactly as ServeHTTP does: the same calls in
// the same order, success where ServeHTTP answers 200, and the error that
// ServeHTTP reports where it answers 500.
func TestDispatchMatchesServeHTTP(t *testing.T) {
	t.Parallel()
	for _, tc := range callbackCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := testBody(tc.events)
			n, err := ParseNotification(body)
			if err != nil {
				t.Fatal(err)
			}

			var served []string
			var errs errorLog
			hs := &Handler{SigningKeys: []string{"k"}, OnError: errs.hook}
			tc.setup(hs, &served)
			w := httptest.NewRecorder()
			hs.ServeHTTP(w, signedPost(body, "k"))

			var dispatched []string
			inbox := &memInbox{}
			hd := &Handler{Inbox: inbox, Deduplicator: strictDedup{t}} // no keys: Dispatch needs none
			tc.setup(hd, &dispatched)
			derr := hd.Dispatch(context.Background(), n)

			if diff := cmp.Diff(served, dispatched); diff != "" {
				t.Errorf("calls (-ServeHTTP +Dispatch):\n%s", diff)
			}
			if len(inbox.putKeys()) != 0 {
				t.Error("Dispatch called the Inbox")
			}
			wantFail := tc.fails || tc.panics
			if wantFail != (w.Code == 500) || wantFail != (derr != nil) {
				t.Fatalf("ServeHTTP answered %d, Dispatch returned %v; want failure %t for both", w.Code, derr, wantFail)
			}
			if !wantFail {
				return
			}
			reports := errs.all()
			if len(reports) != 1 {
				t.Fatalf("ServeHTTP reported %v, want one error", reports)
			}
			if got, want := derr.Error(), reports[0].Err.Error(); got != want {
				t.Errorf("Dispatch error %q, ServeHTTP reported %q; want the same", got, want)
			}
			var pe *PanicError
			if errors.As(derr, &pe) != tc.panics {
				t.Errorf("Dispatch error %v: *PanicError inside = %t, want %t", derr, !tc.panics, tc.panics)
			}
			if tc.panics && !strings.Contains(string(pe.Stack), "callbackCases") {
				t.Errorf("PanicError.Stack does not show the panicking callback:\n%s", pe.Stack)
			}
			if !tc.panics && tc.setup != nil && len(served) > 0 && !errors.Is(derr, errCallback) {
				t.Errorf("Dispatch error %v does not wrap the callback's error", derr)
			}
			if len(served) == 0 && !errors.Is(derr, ErrMisconfigured) {
				t.Errorf("Dispatch without callbacks: %v, want ErrMisconfigured", derr)
			}
		})
	}
}

func TestDispatchNilNotification(t *testing.T) {
	t.Parallel()
	h := &Handler{OnNotification: func(context.Context, *Notification) error { t.Error("called"); return nil }}
	if err := h.Dispatch(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "nil notification") {
		t.Errorf("Dispatch(nil) = %v, want an error naming the nil notification", err)
	}
}

// The handler prints whether it has an Inbox.
func TestHandlerStringShowsInbox(t *testing.T) {
	t.Parallel()
	h := &Handler{SigningKeys: []string{"sIgNiNgKeY"}, Inbox: &memInbox{}}
	if s := h.String(); !strings.Contains(s, "Inbox:on") || strings.Contains(s, "sIgNiNgKeY") {
		t.Errorf("String() = %q, want Inbox:on and no key", s)
	}
}
