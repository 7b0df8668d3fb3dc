package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// signedPost returns a POST of body signed with key ("" for unsigned).
func signedPost(body []byte, key string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set(SignatureHeader, Sign(key, body))
	}
	return r
}

// errorLog collects what a handler reports to OnError.
type errorLog struct {
	mu   sync.Mutex
	errs []*Error
}

func (c *errorLog) hook(_ *http.Request, err error) {
	var werr *Error
	if !errors.As(err, &werr) {
		panic(fmt.Sprintf("OnError got %T, want *Error", err))
	}
	c.mu.Lock()
	c.errs = append(c.errs, werr)
	c.mu.Unlock()
}

func (c *errorLog) all() []*Error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Error(nil), c.errs...)
}

func TestHandlerFixtureReachesRoute(t *testing.T) {
	t.Parallel()
	body := readRawFixture(t, "notification_acuity.json")
	var got []Event
	var gotN *Notification
	h := &Handler{SigningKeys: []string{fixtureKey}}
	h.Handle("acuityscheduling", "appointments", EventUpdated, func(ctx context.Context, n *Notification, e Event) error {
		gotN = n
		got = append(got, e)
		return nil
	})
	h.HandleDefault(func(context.Context, *Notification, Event) error {
		t.Error("default route called for a matching event")
		return nil
	})
	r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	r.Header.Set(SignatureHeader, fixtureSignature(t, "notification_acuity.json")) // openssl's value
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %q", w.Code, w.Body)
	}
	want, err := ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Events, got); diff != "" {
		t.Errorf("route got events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, gotN); diff != "" {
		t.Errorf("route got notification (-want +got):\n%s", diff)
	}
}

func TestHandlerStatuses(t *testing.T) {
	t.Parallel()
	good := readRawFixture(t, "notification_acuity.json")
	malformed := []byte(`{"message":{"events":{"not":"a list"}}}`)
	errCallback := errors.New("database unavailable")

	tests := []struct {
		name       string
		handler    func(h *Handler) // adjusts a handler that has the key and a counting OnNotification
		req        func() *http.Request
		wantStatus int
		wantCalls  int
		wantErr    error // errors.Is target in the reported *Error; nil: no report
	}{
		{name: "signed fixture", req: func() *http.Request { return signedPost(good, fixtureKey) },
			wantStatus: 200, wantCalls: 1},
		{name: "GET", req: func() *http.Request { return httptest.NewRequest(http.MethodGet, "/events", nil) },
			wantStatus: 405},
		{name: "PUT signed", req: func() *http.Request {
			r := signedPost(good, fixtureKey)
			r.Method = http.MethodPut
			return r
		}, wantStatus: 405},
		{name: "body over the limit, Content-Length known", handler: func(h *Handler) { h.MaxBodyBytes = 64 },
			req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 413},
		{name: "body over the limit, length unknown", handler: func(h *Handler) { h.MaxBodyBytes = 64 },
			req: func() *http.Request {
				r := signedPost(good, fixtureKey)
				r.ContentLength = -1
				r.Body = io.NopCloser(bytes.NewReader(good)) // no Len: read to the end
				return r
			}, wantStatus: 413},
		{name: "body at the limit exactly", handler: func(h *Handler) { h.MaxBodyBytes = int64(len(good)) },
			req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 200, wantCalls: 1},
		{name: "body read fails", req: func() *http.Request {
			r := signedPost(good, fixtureKey)
			r.ContentLength = -1
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(good[:10]), failReader{}))
			return r
		}, wantStatus: 400},
		{name: "missing signature", req: func() *http.Request { return signedPost(good, "") },
			wantStatus: 401, wantErr: ErrMissingSignature},
		{name: "wrong key", req: func() *http.Request { return signedPost(good, "someone-else") },
			wantStatus: 401, wantErr: ErrInvalidSignature},
		{name: "tampered body", req: func() *http.Request {
			r := signedPost(good, fixtureKey)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(good, []byte("8801"), []byte("8802"), 1)))
			return r
		}, wantStatus: 401, wantErr: ErrInvalidSignature},
		{name: "sha1 scheme", req: func() *http.Request {
			r := signedPost(good, "")
			r.Header.Set(SignatureHeader, "sha1=DgKPiRFLNce2fjgihQdeIqWKhJc=")
			return r
		}, wantStatus: 401, wantErr: ErrInvalidSignature},
		{name: "bad base64", req: func() *http.Request {
			r := signedPost(good, "")
			r.Header.Set(SignatureHeader, "sha256=%%%%")
			return r
		}, wantStatus: 401, wantErr: ErrInvalidSignature},
		{name: "malformed body, validly signed", req: func() *http.Request { return signedPost(malformed, fixtureKey) },
			wantStatus: 400, wantErr: ErrMalformedNotification},
		{name: "empty body, validly signed", req: func() *http.Request { return signedPost(nil, fixtureKey) },
			wantStatus: 400, wantErr: ErrMalformedNotification},
		{name: "callback error", handler: func(h *Handler) {
			inner := h.OnNotification
			h.OnNotification = func(ctx context.Context, n *Notification) error { _ = inner(ctx, n); return errCallback }
		}, req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 500, wantCalls: 1, wantErr: errCallback},
		{name: "callback panic", handler: func(h *Handler) {
			inner := h.OnNotification
			h.OnNotification = func(ctx context.Context, n *Notification) error { _ = inner(ctx, n); panic("boom") }
		}, req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 500, wantCalls: 1},
		{name: "no keys: misconfigured", handler: func(h *Handler) { h.SigningKeys = nil },
			req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 500, wantErr: ErrNoSigningKey},
		{name: "no keys, unsigned: misconfigured", handler: func(h *Handler) { h.SigningKeys = []string{} },
			req: func() *http.Request { return signedPost(good, "") }, wantStatus: 500, wantErr: ErrMisconfigured},
		{name: "empty key beside a good one: misconfigured", handler: func(h *Handler) { h.SigningKeys = []string{fixtureKey, ""} },
			req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 500, wantErr: ErrNoSigningKey},
		{name: "no callback and no route: misconfigured", handler: func(h *Handler) { h.OnNotification = nil },
			req: func() *http.Request { return signedPost(good, fixtureKey) }, wantStatus: 500, wantErr: ErrMisconfigured},
		{name: "InsecureSkipVerify, unsigned", handler: func(h *Handler) { h.SigningKeys = nil; h.InsecureSkipVerify = true },
			req: func() *http.Request { return signedPost(good, "") }, wantStatus: 200, wantCalls: 1},
		{name: "InsecureSkipVerify skips even a wrong signature", handler: func(h *Handler) { h.InsecureSkipVerify = true },
			req: func() *http.Request { return signedPost(good, "wrong") }, wantStatus: 200, wantCalls: 1},
		{name: "InsecureSkipVerify still parses", handler: func(h *Handler) { h.InsecureSkipVerify = true },
			req: func() *http.Request { return signedPost(malformed, "") }, wantStatus: 400, wantErr: ErrMalformedNotification},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			var reported errorLog
			h := &Handler{
				SigningKeys:    []string{fixtureKey},
				OnNotification: func(context.Context, *Notification) error { calls.Add(1); return nil },
				OnError:        reported.hook,
			}
			if tt.handler != nil {
				tt.handler(h)
			}
			req := tt.req()
			sig := req.Header.Get(SignatureHeader)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)

			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("callback called %d times, want %d", got, tt.wantCalls)
			}
			if tt.wantStatus == 405 && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", w.Header().Get("Allow"))
			}
			errs := reported.all()
			if tt.wantStatus >= 300 {
				if want := http.StatusText(tt.wantStatus) + "\n"; w.Body.String() != want {
					t.Errorf("response body = %q, want the generic %q", w.Body, want)
				}
				if len(errs) != 1 {
					t.Fatalf("OnError called %d times, want 1", len(errs))
				}
				if errs[0].StatusCode != tt.wantStatus {
					t.Errorf("reported status %d, want %d", errs[0].StatusCode, tt.wantStatus)
				}
				if tt.wantErr != nil && !errors.Is(errs[0], tt.wantErr) {
					t.Errorf("reported %v, want errors.Is %v", errs[0], tt.wantErr)
				}
				assertNoneOf(t, errs[0].Error(), fixtureKey, sig, Sign(fixtureKey, good))
			} else if len(errs) != 0 {
				t.Errorf("OnError called on success: %v", errs)
			}
			assertNoneOf(t, w.Body.String(), fixtureKey, sig, Sign(fixtureKey, good))
			for k, v := range w.Header() {
				assertNoneOf(t, k+": "+strings.Join(v, ","), fixtureKey, sig)
			}
		})
	}
}

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// The text of a reported error is the one Error's doc gives as its example.
func TestHandlerErrorText(t *testing.T) {
	t.Parallel()
	var reported errorLog
	h := &Handler{
		SigningKeys:    []string{fixtureKey},
		OnNotification: func(context.Context, *Notification) error { return nil },
		OnError:        reported.hook,
	}
	h.ServeHTTP(httptest.NewRecorder(), signedPost(readRawFixture(t, "notification_acuity.json"), "another key"))
	errs := reported.all()
	if len(errs) != 1 {
		t.Fatalf("OnError called %d times, want 1", len(errs))
	}
	if want := "webhook: answered 401 Unauthorized: webhook: invalid signature: no signing key matches"; errs[0].Error() != want {
		t.Errorf("Error() = %q, want %q", errs[0].Error(), want)
	}
}

func TestHandlerRotation(t *testing.T) {
	t.Parallel()
	body := testBody(1)
	h := &Handler{
		SigningKeys:    []string{"key-new", "key-old"},
		OnNotification: func(context.Context, *Notification) error { return nil },
	}
	for _, tt := range []struct {
		key  string
		want int
	}{{"key-new", 200}, {"key-old", 200}, {"key-older", 401}, {"key-new ", 401}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, tt.key))
		if w.Code != tt.want {
			t.Errorf("signed with %q: status %d, want %d", tt.key, w.Code, tt.want)
		}
	}
}

func TestHandlerPanicRecovery(t *testing.T) {
	t.Parallel()
	body := testBody(3)
	var reported errorLog
	var logs bytes.Buffer
	var lmu sync.Mutex
	h := &Handler{
		SigningKeys: []string{"k"},
		OnError:     reported.hook,
		Logger:      slog.New(slog.NewJSONHandler(&syncWriter{w: &logs, mu: &lmu}, nil)),
	}
	var second atomic.Bool
	h.Handle("", "", EventUpdated, func(context.Context, *Notification, Event) error {
		if second.Swap(true) {
			return nil
		}
		panic(fmt.Errorf("handler bug: %w", io.ErrUnexpectedEOF))
	})
	h.HandleDefault(func(context.Context, *Notification, Event) error { return nil })

	// A real server: a panic must not take it down, and the next request works.
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func() *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(SignatureHeader, Sign("k", body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("request failed (server crashed?): %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "handler bug") || strings.Contains(string(b), "goroutine") {
			t.Errorf("response body leaks the panic: %q", b)
		}
		return resp
	}
	if resp := post(); resp.StatusCode != 500 {
		t.Errorf("panicking route: status %d, want 500", resp.StatusCode)
	}
	if resp := post(); resp.StatusCode != 200 {
		t.Errorf("after the panic: status %d, want 200", resp.StatusCode)
	}
	errs := reported.all()
	if len(errs) != 1 {
		t.Fatalf("OnError called %d times, want 1", len(errs))
	}
	var pe *PanicError
	if !errors.As(errs[0], &pe) {
		t.Fatalf("reported %v, want a *PanicError inside", errs[0])
	}
	if !errors.Is(errs[0], io.ErrUnexpectedEOF) {
		t.Errorf("PanicError does not unwrap to the panic's error value")
	}
	if !bytes.Contains(pe.Stack, []byte("TestHandlerPanicRecovery")) {
		t.Errorf("PanicError.Stack does not show the panicking func:\n%s", pe.Stack)
	}
	if !strings.Contains(errs[0].Error(), "event 2 of 3") {
		t.Errorf("error %q does not say which event panicked", errs[0])
	}
	lmu.Lock()
	defer lmu.Unlock()
	if !strings.Contains(logs.String(), `"stack":"goroutine`) || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("log lacks the stack or status:\n%s", logs.String())
	}
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestHandlerMultiEventFailure(t *testing.T) {
	t.Parallel()
	body := testBody(5) // event types cycle CREATED, UPDATED, DELETED, UNKNOWN, CREATED
	var seen []string
	h := &Handler{SigningKeys: []string{"k"}}
	h.HandleDefault(func(_ context.Context, _ *Notification, e Event) error {
		seen = append(seen, e.ObjectID)
		if e.EventType == EventDeleted {
			return errors.New("cannot delete")
		}
		return nil
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedPost(body, "k"))
	if w.Code != 500 {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if diff := cmp.Diff([]string{"8800", "8801", "8802"}, seen); diff != "" {
		t.Errorf("events handled (-want +got): the ones after the failure must not run\n%s", diff)
	}
}

func TestHandlerOnNotificationAndRoutes(t *testing.T) {
	t.Parallel()
	body := testBody(2)
	for _, fail := range []bool{false, true} {
		var order []string
		h := &Handler{
			SigningKeys: []string{"k"},
			OnNotification: func(_ context.Context, n *Notification) error {
				order = append(order, "notification "+n.EventID)
				if fail {
					return errors.New("no")
				}
				return nil
			},
		}
		h.HandleDefault(func(_ context.Context, _ *Notification, e Event) error {
			order = append(order, "event "+e.ObjectID)
			return nil
		})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, "k"))
		want, wantStatus := []string{"notification 4e2a9c", "event 8800", "event 8801"}, 200
		if fail {
			want, wantStatus = want[:1], 500
		}
		if w.Code != wantStatus {
			t.Errorf("fail=%v: status %d, want %d", fail, w.Code, wantStatus)
		}
		if diff := cmp.Diff(want, order); diff != "" {
			t.Errorf("fail=%v: call order (-want +got):\n%s", fail, diff)
		}
	}
}

func TestHandlerRouting(t *testing.T) {
	t.Parallel()
	type pattern struct {
		el, obj string
		typ     EventType
	}
	routes := []pattern{
		{"acuityscheduling", "appointments", EventCreated},
		{"*", "appointments", "*"},
		{"", "", EventDeleted},
		{"acuityscheduling", "", ""},
		{"acuityscheduling", "orders", ""},
		{"", "calendars", EventUpdated},
		{"other", "", EventUpdated},
	}
	tests := []struct {
		el, obj string
		typ     EventType
		want    string // the pattern (by fmt) or "default"
	}{
		{"acuityscheduling", "appointments", EventCreated, "{acuityscheduling appointments CREATED}"},
		{"acuityscheduling", "appointments", EventUpdated, "{* appointments *}"},
		{"other", "appointments", EventDeleted, "{* appointments *}"},
		{"acuityscheduling", "clients", EventDeleted, "{  DELETED}"},
		{"acuityscheduling", "clients", EventUpdated, "{acuityscheduling  }"},
		{"acuityscheduling", "orders", EventDeleted, "{acuityscheduling orders }"},
		{"acuityscheduling", "calendars", EventUpdated, "{ calendars UPDATED}"},
		{"other", "calendars", EventUpdated, "{ calendars UPDATED}"},
		{"other", "clients", EventUpdated, "{other  UPDATED}"},
		{"other", "clients", EventCreated, "default"},
		{"acuityscheduling", "appointments", "ARCHIVED", "{* appointments *}"},
		{"", "", EventUnknown, "default"},
	}
	var body strings.Builder
	body.WriteString(`{"message":{"eventId":"r","events":[`)
	for i, tt := range tests {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"elementKey":%q,"objectType":%q,"eventType":%q}`, tt.el, tt.obj, tt.typ)
	}
	body.WriteString(`]}}`)

	var got []string
	h := &Handler{SigningKeys: []string{"k"}}
	for _, p := range routes {
		h.Handle(p.el, p.obj, p.typ, func(context.Context, *Notification, Event) error {
			got = append(got, fmt.Sprint(p))
			return nil
		})
	}
	h.HandleDefault(func(context.Context, *Notification, Event) error {
		got = append(got, "default")
		return nil
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedPost([]byte(body.String()), "k"))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	var want []string
	for _, tt := range tests {
		want = append(want, tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes chosen (-want +got):\n%s", diff)
	}
}

func TestHandlerUnroutedEventsAreAcknowledged(t *testing.T) {
	t.Parallel()
	h := &Handler{SigningKeys: []string{"k"}}
	called := 0
	h.Handle("", "orders", "", func(context.Context, *Notification, Event) error { called++; return nil })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedPost(testBody(3), "k")) // appointments only
	if w.Code != 200 || called != 0 {
		t.Errorf("status %d, calls %d; want 200 and 0", w.Code, called)
	}
}

func TestHandlePanics(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, *Notification, Event) error { return nil }
	tests := []struct {
		name string
		do   func(h *Handler)
	}{
		{"nil func", func(h *Handler) { h.Handle("a", "b", EventCreated, nil) }},
		{"same pattern twice", func(h *Handler) { h.Handle("a", "b", EventCreated, fn); h.Handle("a", "b", EventCreated, fn) }},
		{"* and empty are the same", func(h *Handler) { h.Handle("*", "b", "*", fn); h.Handle("", "b", "", fn) }},
		{"default twice", func(h *Handler) { h.HandleDefault(fn); h.Handle("*", "*", "*", fn) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.do(&Handler{})
		})
	}
}

func TestHandlerConcurrentRegisterAndServe(t *testing.T) {
	t.Parallel()
	body := testBody(2)
	h := &Handler{SigningKeys: []string{"k"}}
	h.HandleDefault(func(context.Context, *Notification, Event) error { return nil })
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 25 {
				h.Handle(fmt.Sprint(i), fmt.Sprint(j), "", func(context.Context, *Notification, Event) error { return nil })
				w := httptest.NewRecorder()
				h.ServeHTTP(w, signedPost(body, "k"))
				if w.Code != 200 {
					t.Errorf("status %d", w.Code)
				}
			}
		})
	}
	wg.Wait()
}

func TestHandlerRedaction(t *testing.T) {
	t.Parallel()
	key := "super-secret-signing-key"
	h := &Handler{SigningKeys: []string{key, "old-secret-key"}, Deduplicator: NewMemoryDeduplicator(1)}
	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("config", "handler", h)
	var txt bytes.Buffer
	slog.New(slog.NewTextHandler(&txt, nil)).Info("config", "handler", h)
	// fmt prints String; slog logs LogValue's group of safe fields.
	want := map[string]string{js.String(): `"signingKeys":{"redacted":2}`, txt.String(): "handler.signingKeys.redacted=2"}
	for _, out := range []string{
		fmt.Sprint(h), fmt.Sprintf("%v", h), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h),
		fmt.Sprintf("%s", h), fmt.Sprintf("%q", h), h.String(),
	} {
		want[out] = "SigningKeys:[2 redacted]"
	}
	for out, redacted := range want {
		assertNoneOf(t, out, key, "old-secret-key")
		if !strings.Contains(out, redacted) {
			t.Errorf("output %q does not describe the keys as redacted (%s)", out, redacted)
		}
	}
}

func TestHandlerLogsNoSecrets(t *testing.T) {
	t.Parallel()
	body := readRawFixture(t, "notification_acuity.json")
	var logs bytes.Buffer
	var mu sync.Mutex
	h := &Handler{
		SigningKeys:    []string{fixtureKey},
		Logger:         slog.New(slog.NewTextHandler(&syncWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnNotification: func(context.Context, *Notification) error { return nil },
	}
	reqs := []*http.Request{signedPost(body, fixtureKey), signedPost(body, "wrong-key"), signedPost([]byte(`{}`), fixtureKey)}
	bad := signedPost(body, "")
	bad.Header.Set(SignatureHeader, "sha256=AAAA"+strings.Repeat("B", 40))
	reqs = append(reqs, bad)
	for _, r := range reqs {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	if strings.Count(out, "\n") != len(reqs) {
		t.Errorf("want one record per request, got:\n%s", out)
	}
	assertNoneOf(t, out, fixtureKey, Sign(fixtureKey, body), Sign("wrong-key", body), bad.Header.Get(SignatureHeader))
	if strings.Contains(out, "Front desk") || strings.Contains(out, "rescheduled") {
		t.Errorf("log holds the body:\n%s", out)
	}
}

func TestHandlerSilentByDefault(t *testing.T) {
	t.Parallel()
	// Nil Logger and nil OnError: nothing to observe but that it does not
	// crash on every path, including the misconfigured one.
	for _, h := range []*Handler{{}, {SigningKeys: []string{"k"}}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(testBody(1), "k"))
		if w.Code != 500 {
			t.Errorf("%v: status %d, want 500", h, w.Code)
		}
	}
}
