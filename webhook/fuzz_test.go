package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Seed corpora live in testdata/fuzz/<FuzzName>: the fixture, documented
// shapes and malformed inputs. Plain `go test` runs them; explore with e.g.
// go test -run '^$' -fuzz FuzzParseNotification -fuzztime 10s

// FuzzParseNotification: never panics; an error wraps
// ErrMalformedNotification and comes without a notification; a parsed
// notification, json.Marshal-ed (Notification.MarshalJSON), parses to the
// same value.
func FuzzParseNotification(f *testing.F) {
	f.Add(testBody(2))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err != nil {
			if n != nil || !errors.Is(err, ErrMalformedNotification) {
				t.Fatalf("error %v with notification %v; want ErrMalformedNotification and nil", err, n)
			}
			return
		}
		if n.Events == nil {
			t.Fatal("parsed notification with nil Events")
		}
		for i, e := range n.Events {
			if e.EventType == "" {
				t.Errorf("events[%d] has an empty EventType", i)
			}
		}
		if n.Raw != nil && !json.Valid(n.Raw) {
			t.Errorf("Raw is not valid JSON: %q", n.Raw)
		}
		body, err = json.Marshal(n)
		if err != nil {
			t.Fatalf("json.Marshal of a parsed notification: %v", err)
		}
		again, err := ParseNotification(body)
		if err != nil {
			t.Fatalf("re-encoded notification does not parse: %v", err)
		}
		if diff := cmp.Diff(n, again, cmp.Comparer(time.Time.Equal), cmp.Comparer(sameJSON)); diff != "" {
			t.Errorf("parse → encode → parse not stable (-first +second):\n%s", diff)
		}
	})
}

// sameJSON compares raw JSON by meaning (encoding/json compacts and
// escapes RawMessage on output).
func sameJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

// FuzzVerifySignature: Sign(key, body) verifies and a one-byte change of
// the body does not; an arbitrary header verifies only if it is Sign's value
// (modulo scheme case and spaces); error texts depend on neither the key nor
// the body, and never hold the MAC.
func FuzzVerifySignature(f *testing.F) {
	f.Add([]byte(`{"message":{"events":[]}}`), "k", "sha256=AAAA")
	f.Fuzz(func(t *testing.T, body []byte, key, header string) {
		if key != "" {
			sig := Sign(key, body)
			if err := VerifySignature(body, sig, key); err != nil {
				t.Fatalf("Sign's own signature does not verify: %v", err)
			}
			if err := VerifySignature(body, sig, "other-"+key, key); err != nil {
				t.Fatalf("rotation: key in second place does not verify: %v", err)
			}
			changed := append([]byte(nil), body...)
			if len(changed) == 0 {
				changed = append(changed, 0)
			} else {
				changed[len(key)%len(changed)] ^= 0x20
			}
			if err := VerifySignature(changed, sig, key); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("a one-byte change still verifies: %v", err)
			}
		}
		err := VerifySignature(body, header, key)
		if err == nil {
			_, mac, _ := strings.Cut(strings.TrimSpace(header), "=")
			if want := strings.TrimPrefix(Sign(key, body), "sha256="); mac != want {
				t.Fatalf("header %q verified but is not the signature", header)
			}
			return
		}
		if !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrMissingSignature) && !errors.Is(err, ErrNoSigningKey) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
		other := VerifySignature(append(body[:len(body):len(body)], 'x'), header, key+"-other")
		if key != "" && (other == nil || other.Error() != err.Error()) {
			t.Fatalf("error text depends on the key or body: %q vs %q", err, other)
		}
		if _, mac, ok := strings.Cut(header, "="); ok && len(mac) >= 8 && strings.Contains(err.Error(), mac) {
			t.Fatalf("error %q holds the received MAC", err)
		}
	})
}

// FuzzHandler: whatever the request, the handler answers one of its
// documented statuses with a generic body, calls the host only for a
// verified, parseable notification, and answers 200 only after it did.
func FuzzHandler(f *testing.F) {
	f.Add(testBody(1), "", true)
	f.Fuzz(func(t *testing.T, body []byte, header string, sign bool) {
		const key = "fuzz-key"
		calls := 0
		h := &Handler{
			SigningKeys:  []string{key},
			MaxBodyBytes: 4096,
			Deduplicator: NewMemoryDeduplicator(4),
		}
		h.HandleDefault(func(_ context.Context, n *Notification, e Event) error {
			calls++
			if e.ObjectID == "fail" {
				return errors.New("host refuses")
			}
			if e.ObjectID == "panic" {
				panic("host panics")
			}
			return nil
		})
		if sign {
			header = Sign(key, body)
		}
		r := signedPost(body, "")
		r.Header.Set(SignatureHeader, header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		verified := VerifySignature(body, header, key) == nil
		n, perr := ParseNotification(body)
		switch {
		case len(body) > 4096:
			if w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("oversized body: %d, want 413", w.Code)
			}
		case !verified:
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("bad signature: %d, want 401", w.Code)
			}
		case perr != nil:
			// Not a notification: 400, or 200 without a call if it is an
			// asynchronous-request callback (no OnAsyncResponse is set).
			_, aerr := ParseAsyncResponse(body)
			if w.Code != http.StatusBadRequest && (aerr != nil || w.Code != http.StatusOK) {
				t.Fatalf("malformed body: %d, want 400 (or 200 for an asynchronous-request callback)", w.Code)
			}
		default:
			want := http.StatusOK
			for _, e := range n.Events {
				if e.ObjectID == "fail" || e.ObjectID == "panic" {
					want = http.StatusInternalServerError
					break
				}
			}
			if w.Code != want {
				t.Fatalf("valid notification: %d, want %d", w.Code, want)
			}
		}
		if calls > 0 && (!verified || perr != nil) {
			t.Fatalf("host called for an unverified or malformed request")
		}
		if w.Code == http.StatusOK && (n == nil || calls != len(n.Events)) {
			t.Fatalf("200 with %d host calls", calls)
		}
		if w.Code != http.StatusOK {
			if want := http.StatusText(w.Code) + "\n"; w.Body.String() != want {
				t.Fatalf("response body %q, want the generic %q", w.Body, want)
			}
		}
		if strings.Contains(w.Body.String(), key) {
			t.Fatal("response holds the key")
		}
	})
}

// With KeysFor, a body signed with tenant 1's key reaches the host only as a
// notification of instance 1, whatever instance ids, duplicates or
// encodings the body holds; KeysFor is asked only about the instance the
// body names, and every answer is a documented status.
func FuzzKeysFor(f *testing.F) {
	f.Add(tenantBody("1"), true)
	f.Add(tenantBody("2"), true)
	f.Add([]byte(`{"message":{"instanceId":1,"events":[],"instanceId":2}}`), true)
	f.Add([]byte(`{"message":{"instance_id":1,"instanceId":"2","events":[]}}`), true)
	f.Add([]byte(`{"instanceId":1,"response":{"events":[]},"message":null}`), true)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		var asked []int64
		var got []int64
		h := &Handler{
			KeysFor: func(_ context.Context, id int64) ([]string, error) {
				asked = append(asked, id)
				switch id {
				case 1:
					return []string{"k1"}, nil
				case 2:
					return []string{"k2"}, nil
				}
				return nil, ErrUnknownInstance
			},
			OnNotification: func(_ context.Context, n *Notification) error {
				got = append(got, n.InstanceID)
				return nil
			},
			OnAsyncResponse: func(_ context.Context, a *AsyncResponse) error {
				got = append(got, a.InstanceID)
				return nil
			},
		}
		key := ""
		if sign {
			key = "k1"
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedPost(body, key))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if len(asked) > 1 {
			t.Fatalf("KeysFor asked %v", asked)
		}
		for _, id := range got {
			if id != 1 || len(asked) != 1 || asked[0] != 1 {
				t.Fatalf("host got instance %d (KeysFor asked %v) from a body signed with instance 1's key: %s", id, asked, body)
			}
		}
		if w.Code == http.StatusOK && len(got) != 1 {
			t.Fatalf("200 with %d host calls", len(got))
		}
	})
}
