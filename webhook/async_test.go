package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const asyncBody = `{"eventId":"ev-9","instanceId":4242,"response":{"events":[{"id":1},{"objectId":"a"}]},"notificationId":77}`

func TestParseAsyncResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       *AsyncResponse
		wantErr    bool
	}{
		{"documented shape", asyncBody, &AsyncResponse{
			EventID: "ev-9", InstanceID: 4242, NotificationID: "77",
			Response: json.RawMessage(`{"events":[{"id":1},{"objectId":"a"}]}`),
			Events:   []json.RawMessage{json.RawMessage(`{"id":1}`), json.RawMessage(`{"objectId":"a"}`)},
		}, false},
		{"ids as strings, no events", `{"eventId":12,"instanceId":"5","response":{}}`, &AsyncResponse{
			EventID: "12", InstanceID: 5, Response: json.RawMessage(`{}`),
		}, false},
		{"no response", `{"eventId":"e","instanceId":5}`, nil, true},
		{"null response", `{"eventId":"e","instanceId":5,"response":null}`, &AsyncResponse{
			EventID: "e", InstanceID: 5, Response: json.RawMessage(`null`),
		}, false},
		// The shape of "response" is not documented: kept as sent, not refused.
		{"response not an object", `{"instanceId":5,"response":[1]}`, &AsyncResponse{
			InstanceID: 5, Response: json.RawMessage(`[1]`),
		}, false},
		{"events not a list", `{"instanceId":5,"response":{"events":{}}}`, &AsyncResponse{
			InstanceID: 5, Response: json.RawMessage(`{"events":{}}`),
		}, false},
		{"instance id not a number", `{"instanceId":"x","response":{}}`, nil, true},
		{"not JSON", `{`, nil, true},
	} {
		got, err := ParseAsyncResponse([]byte(tc.body))
		if tc.wantErr {
			if !errors.Is(err, ErrMalformedNotification) {
				t.Errorf("%s: error %v, want one wrapping ErrMalformedNotification", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.name, diff)
		}
	}
}

// Asynchronous-request callbacks are verified like any callback, go to
// OnAsyncResponse only, and are de-duplicated by eventId in a namespace of
// their own; without the hook they are acknowledged, never refused.
func TestAsyncResponse(t *testing.T) {
	t.Parallel()
	body := []byte(asyncBody)
	post := func(h *Handler, body []byte, key string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, key))
		return w.Code
	}
	t.Run("no hook: 200, logged, no notification callback", func(t *testing.T) {
		t.Parallel()
		var logs bytes.Buffer // the handler logs in the test's goroutine
		notified := false
		h := &Handler{SigningKeys: []string{"k"}, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			OnNotification: func(context.Context, *Notification) error { notified = true; return nil }}
		if code := post(h, body, "k"); code != http.StatusOK {
			t.Errorf("status %d, want 200", code)
		}
		if notified {
			t.Error("OnNotification got an asynchronous-request callback")
		}
		if out := logs.String(); !strings.Contains(out, "asynchronous-request callback acknowledged") || !strings.Contains(out, "instanceId=4242") {
			t.Errorf("log: %s", out)
		}
	})
	t.Run("verified like any callback", func(t *testing.T) {
		t.Parallel()
		called := false
		h := &Handler{SigningKeys: []string{"k"}, OnNotification: func(context.Context, *Notification) error { return nil },
			OnAsyncResponse: func(context.Context, *AsyncResponse) error { called = true; return nil }}
		for _, key := range []string{"", "other"} {
			if code := post(h, body, key); code != http.StatusUnauthorized {
				t.Errorf("signed with %q: status %d, want 401", key, code)
			}
		}
		hk := &Handler{KeysFor: (&tenants{keys: map[int64][]string{4242: {"k4242"}}}).keysFor,
			OnNotification:  func(context.Context, *Notification) error { return nil },
			OnAsyncResponse: func(context.Context, *AsyncResponse) error { called = true; return nil }}
		if code := post(hk, body, "k1"); code != http.StatusUnauthorized || called {
			t.Errorf("another tenant's key: status %d, hook called %t; want 401, not called", code, called)
		}
		if code := post(hk, body, "k4242"); code != http.StatusOK || !called {
			t.Errorf("the instance's key: status %d, hook called %t; want 200, called", code, called)
		}
	})
	t.Run("hook: failure retried, duplicates once", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		var got []*AsyncResponse
		fail := true
		var errs errorLog
		h := &Handler{SigningKeys: []string{"k"}, Deduplicator: NewMemoryDeduplicator(10), OnError: errs.hook,
			OnNotification: func(context.Context, *Notification) error { return nil },
			OnAsyncResponse: func(_ context.Context, a *AsyncResponse) error {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, a)
				if fail {
					fail = false
					return errors.New("queue down")
				}
				return nil
			}}
		for i, want := range []int{500, 200, 200} {
			if code := post(h, body, "k"); code != want {
				t.Errorf("delivery %d: status %d, want %d", i+1, code, want)
			}
		}
		if len(got) != 2 {
			t.Fatalf("hook called %d times, want 2 (the failure, then the retry; the duplicate not)", len(got))
		}
		if got[1].EventID != "ev-9" || got[1].InstanceID != 4242 || len(got[1].Events) != 2 {
			t.Errorf("hook got %+v", got[1])
		}
		if e := errs.all(); len(e) != 1 || !strings.Contains(e[0].Error(), "OnAsyncResponse: queue down") {
			t.Errorf("reported %v", e)
		}
		// A notification with the same eventId is another callback.
		n := []byte(`{"message":{"eventId":"ev-9","instanceId":4242,"events":[]}}`)
		if keys := []string{notificationKey(signedPost(n, ""), callback{n: &Notification{EventID: "ev-9", InstanceID: 4242}}, n),
			notificationKey(signedPost(body, ""), callback{a: got[1]}, body)}; keys[0] == keys[1] {
			t.Errorf("notification and async callback share the key %q", keys[0])
		}
	})
	t.Run("hook panics: 500", func(t *testing.T) {
		t.Parallel()
		var errs errorLog
		h := &Handler{SigningKeys: []string{"k"}, OnError: errs.hook,
			OnNotification:  func(context.Context, *Notification) error { return nil },
			OnAsyncResponse: func(context.Context, *AsyncResponse) error { panic("bug") }}
		if code := post(h, body, "k"); code != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", code)
		}
		var pe *PanicError
		if e := errs.all(); len(e) != 1 || !errors.As(e[0], &pe) {
			t.Errorf("reported %v, want a *PanicError", e)
		}
	})
	t.Run("an undocumented response shape: handed on as sent, 200", func(t *testing.T) {
		t.Parallel()
		var got []json.RawMessage
		var mu sync.Mutex
		h := &Handler{SigningKeys: []string{"k"}, OnNotification: func(context.Context, *Notification) error { return nil },
			OnAsyncResponse: func(_ context.Context, a *AsyncResponse) error {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, a.Response)
				return nil
			}}
		for _, body := range []string{`{"instanceId":1,"response":{"events":"x"}}`, `{"instanceId":1,"response":[1]}`} {
			if code := post(h, []byte(body), "k"); code != http.StatusOK {
				t.Errorf("%s: status %d, want 200", body, code)
			}
		}
		want := []json.RawMessage{json.RawMessage(`{"events":"x"}`), json.RawMessage(`[1]`)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("OnAsyncResponse got (-want +got)\n%s", diff)
		}
	})
	t.Run("malformed: 400", func(t *testing.T) {
		t.Parallel()
		h := &Handler{SigningKeys: []string{"k"}, OnNotification: func(context.Context, *Notification) error { return nil }}
		bad := []byte(`{"instanceId":"x","response":{}}`) // an id that is no number: nothing to hand on
		if code := post(h, bad, "k"); code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", code)
		}
	})
}
