package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestScanHead(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 200) + strings.Repeat("]", 200)
	for _, tc := range []struct {
		name string
		body string
		want callbackHead
	}{
		{"fixture shape", string(testBody(3)), callbackHead{instanceID: 4242}},
		{"string id", `{"message":{"instanceId":"17","events":[]}}`, callbackHead{instanceID: 17}},
		{"instance_id only", `{"message":{"instance_id":18,"events":[]}}`, callbackHead{instanceID: 18}},
		{"instanceId 0 falls back", `{"message":{"instanceId":0,"instance_id":19}}`, callbackHead{instanceID: 19}},
		{"instanceId null falls back", `{"message":{"instance_id":20,"instanceId":null}}`, callbackHead{instanceID: 20}},
		{"after nested raw", `{"id":"w","message":{"raw":{"a":"}\"{","b":[{"instanceId":1}],"c":` + deep + `},"events":[],"instanceId":21}}`,
			callbackHead{instanceID: 21}},
		{"nested instanceId is not the message's", `{"message":{"raw":{"instanceId":5},"events":[]}}`, callbackHead{}},
		{"escaped backslashes before a quote", `{"message":{"raw":"a\\\\","instanceId":22}}`, callbackHead{instanceID: 22}},
		{"white space", " {\n\t\"message\" : {\r\"instanceId\" : 23 } } ", callbackHead{instanceID: 23}},
		{"async", `{"eventId":"e","instanceId":24,"response":{"events":[]},"notificationId":"n"}`, callbackHead{async: true, instanceID: 24}},
		{"async, id after response", `{"response":{"events":[{"instanceId":9}]},"instanceId":"25"}`, callbackHead{async: true, instanceID: 25}},
		{"message wins over response", `{"response":{},"instanceId":26,"message":{"instanceId":27}}`, callbackHead{instanceID: 27}},
		{"top-level id without response", `{"instanceId":28}`, callbackHead{}},
		{"not an object", `[1]`, callbackHead{}},
		{"empty", ``, callbackHead{}},
		{"truncated", `{"message":{"raw":"abc`, callbackHead{}},
		{"id not a number", `{"message":{"instanceId":{"x":1}}}`, callbackHead{}},
		{"too deep", `{"message":{"raw":` + strings.Repeat("[", maxScanDepth+1) + `,"instanceId":29}}`, callbackHead{}},
	} {
		if got := scanHead([]byte(tc.body)); got != tc.want {
			t.Errorf("%s: scanHead = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// On what the platform sends (the wire form of any Notification), the scan
// finds the instance the parse finds.
func FuzzScanHead(f *testing.F) {
	f.Add(int64(4242), "e1", `{"action":"scheduled","id":"1"}`, "appointments")
	f.Add(int64(-1), "", `"a \"}{ \\"`, "")
	f.Add(int64(0), "x\u00e9", `[[[{}]]]`, `"`)
	f.Fuzz(func(t *testing.T, id int64, eventID, raw, objectType string) {
		n := Notification{InstanceID: id, EventID: eventID, ElementKey: "k",
			Events: []Event{{ObjectType: objectType, ObjectID: raw, EventType: EventCreated}}}
		if json.Valid([]byte(raw)) {
			n.Raw = json.RawMessage(raw)
		}
		body, err := json.Marshal(n)
		if err != nil {
			t.Skip()
		}
		if got := scanHead(body); got != (callbackHead{instanceID: id}) {
			t.Fatalf("scanHead(%s) = %+v, want instance %d", body, got, id)
		}
		scanHead(body[:len(body)/2]) // no panic on a cut body
	})
}

// tenants is a host's key store: instance id → keys, with failures on demand.
type tenants struct {
	mu    sync.Mutex
	keys  map[int64][]string
	calls int
}

func (s *tenants) keysFor(_ context.Context, id int64) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch id {
	case 90:
		return nil, errors.New("key store down")
	case 91:
		panic("key store bug")
	case 92:
		return nil, nil
	case 93:
		return []string{"k93", ""}, nil
	}
	keys, ok := s.keys[id]
	if !ok {
		return nil, fmt.Errorf("instance %d: %w", id, ErrUnknownInstance)
	}
	return keys, nil
}

func tenantBody(instance string) []byte {
	return []byte(`{"message":{"eventId":"e-` + instance + `","instanceId":` + instance +
		`,"events":[{"elementKey":"acuityscheduling","eventType":"CREATED","objectId":"1","objectType":"appointments"}]}}`)
}

func TestKeysFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		body       []byte
		key        string // signs the body; "" leaves it unsigned
		wantStatus int
		wantErr    error // errors.Is of the reported error
		wantLookup bool
		wantHost   int64 // instance the host got; 0: not called
	}{
		{"own key", tenantBody("1"), "k1", 200, nil, true, 1},
		{"new key during rotation", tenantBody("2"), "k2-new", 200, nil, true, 2},
		{"old key during rotation", tenantBody("2"), "k2-old", 200, nil, true, 2},
		{"tenant 1's key naming tenant 2", tenantBody("2"), "k1", 401, ErrInvalidSignature, true, 0},
		{"SigningKeys are ignored", tenantBody("1"), "ignored", 401, ErrInvalidSignature, true, 0},
		{"unknown instance", tenantBody("3"), "k1", 401, ErrUnknownInstance, true, 0},
		{"no keys", tenantBody("92"), "k1", 401, ErrUnknownInstance, true, 0},
		{"store down", tenantBody("90"), "k1", 500, nil, true, 0},
		{"KeysFor panics", tenantBody("91"), "k1", 500, nil, true, 0},
		{"empty key returned", tenantBody("93"), "k93", 500, ErrMisconfigured, true, 0},
		{"unsigned", tenantBody("1"), "", 401, ErrMissingSignature, false, 0},
		{"no instance named", []byte(`{"message":{"events":[]}}`), "k1", 401, ErrUnknownInstance, false, 0},
		{"a negative instance", tenantBody("-1"), "k1", 401, ErrUnknownInstance, false, 0},
		{"not JSON", []byte(`garbage`), "k1", 401, ErrUnknownInstance, false, 0},
		{"duplicate instanceId", []byte(`{"message":{"instanceId":1,"events":[],"instanceId":2}}`), "k1", 401, ErrInvalidSignature, true, 0},
		{"instanceId in other letters", []byte(`{"message":{"instanceId":1,"events":[],"INSTANCEID":2}}`), "k1", 401, ErrInvalidSignature, true, 0},
		{"escaped instanceId", []byte(`{"message":{"instanceId":1,"events":[],"instance\u0049d":2}}`), "k1", 401, ErrInvalidSignature, true, 0},
		{"duplicate message", []byte(`{"message":{"instanceId":1,"events":[]},"message":{"instanceId":2,"events":[]}}`), "k1", 401, ErrInvalidSignature, true, 0},
		{"instance_id beside a zero instanceId", []byte(`{"message":{"instanceId":0,"instance_id":2,"events":[]}}`), "k2-new", 200, nil, true, 2},
		{"verified but malformed", []byte(`{"message":{"instanceId":1,"events":{}}}`), "k1", 400, ErrMalformedNotification, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := &tenants{keys: map[int64][]string{1: {"k1"}, 2: {"k2-new", "k2-old"}}}
			var errs errorLog
			var host int64
			h := &Handler{
				SigningKeys: []string{"ignored"},
				KeysFor:     store.keysFor,
				OnError:     errs.hook,
				OnNotification: func(_ context.Context, n *Notification) error {
					host = n.InstanceID
					return nil
				},
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signedPost(tc.body, tc.key))
			if w.Code != tc.wantStatus {
				t.Errorf("status %d, want %d (errors %v)", w.Code, tc.wantStatus, errs.all())
			}
			if host != tc.wantHost {
				t.Errorf("host got instance %d, want %d", host, tc.wantHost)
			}
			if got := store.calls > 0; got != tc.wantLookup {
				t.Errorf("KeysFor called %d times, want a lookup %t", store.calls, tc.wantLookup)
			}
			reported := errs.all()
			if tc.wantStatus != 200 && len(reported) != 1 {
				t.Fatalf("OnError got %v, want one error", reported)
			}
			if tc.wantErr != nil && !errors.Is(reported[0], tc.wantErr) {
				t.Errorf("reported %v, want it to wrap %v", reported[0], tc.wantErr)
			}
			if tc.name == "KeysFor panics" {
				var pe *PanicError
				if !errors.As(reported[0], &pe) {
					t.Errorf("reported %v, want a *PanicError", reported[0])
				}
			}
			if tc.name == "store down" && !strings.Contains(reported[0].Error(), "key store down") {
				t.Errorf("reported %v, want the store's error", reported[0])
			}
		})
	}
}

func TestKeysForConfig(t *testing.T) {
	t.Parallel()
	onN := func(context.Context, *Notification) error { return nil }
	store := &tenants{keys: map[int64][]string{1: {"k1"}}}
	for _, tc := range []struct {
		name string
		h    *Handler
		want int
	}{
		{"KeysFor alone is enough", &Handler{KeysFor: store.keysFor, OnNotification: onN}, 200},
		{"an empty string in ignored SigningKeys", &Handler{KeysFor: store.keysFor, SigningKeys: []string{""}, OnNotification: onN}, 200},
		{"no keys at all", &Handler{OnNotification: onN}, 500},
		{"KeysFor without a callback", &Handler{KeysFor: store.keysFor}, 500},
	} {
		w := httptest.NewRecorder()
		tc.h.ServeHTTP(w, signedPost(tenantBody("1"), "k1"))
		if w.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.want)
		}
	}
	// InsecureSkipVerify: KeysFor is not asked.
	calls := store.calls
	h := &Handler{KeysFor: store.keysFor, InsecureSkipVerify: true, OnNotification: onN}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedPost(tenantBody("7"), ""))
	if w.Code != 200 || store.calls != calls {
		t.Errorf("InsecureSkipVerify: status %d, KeysFor calls %d, want 200 and none", w.Code, store.calls-calls)
	}
}

func TestHandlerStringShowsKeysFor(t *testing.T) {
	t.Parallel()
	h := &Handler{KeysFor: (&tenants{}).keysFor}
	if got, want := h.String(), "KeysFor:on"; !strings.Contains(got, want) {
		t.Errorf("String() = %q, want it to contain %q", got, want)
	}
}

// TestMaskedKeyIsAMisconfiguration: a host that copied its signing key from
// a Get answer holds the platform's mask "********", which anyone can sign
// with. Such a key is refused exactly like an empty one (500,
// ErrMisconfigured), in SigningKeys and from KeysFor; a body forged with the
// mask is never answered 2xx.
func TestMaskedKeyIsAMisconfiguration(t *testing.T) {
	t.Parallel()
	const mask = "********"
	called := false
	onN := func(context.Context, *Notification) error { called = true; return nil }
	masked := &tenants{keys: map[int64][]string{1: {mask}, 2: {"k2", mask}}}
	for _, tc := range []struct {
		name string
		h    *Handler
		body []byte
	}{
		{"SigningKeys holds only the mask", &Handler{SigningKeys: Secrets{mask}, OnNotification: onN}, tenantBody("1")},
		{"SigningKeys holds the mask beside a key", &Handler{SigningKeys: Secrets{"k1", mask}, OnNotification: onN}, tenantBody("1")},
		{"KeysFor returns only the mask", &Handler{KeysFor: masked.keysFor, OnNotification: onN}, tenantBody("1")},
		{"KeysFor returns the mask beside a key", &Handler{KeysFor: masked.keysFor, OnNotification: onN}, tenantBody("2")},
	} {
		var got []*Error
		tc.h.OnError = func(_ *http.Request, err error) {
			var we *Error
			if errors.As(err, &we) {
				got = append(got, we)
			}
		}
		w := httptest.NewRecorder()
		tc.h.ServeHTTP(w, signedPost(tc.body, mask)) // forged with the public mask
		if w.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", tc.name, w.Code)
		}
		if len(got) != 1 || !errors.Is(got[0], ErrMisconfigured) || !errors.Is(got[0], ErrNoSigningKey) {
			t.Errorf("%s: OnError got %v, want one error wrapping ErrMisconfigured and ErrNoSigningKey", tc.name, got)
		}
		if called {
			t.Errorf("%s: the callback ran for a body signed with the mask", tc.name)
		}
	}
}
