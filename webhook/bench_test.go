package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Benchmarks of the SDK beside hand-written baselines doing the same work
// with plain crypto/hmac and encoding/json, in the same run:
//
//	go test -run '^$' -bench 'VerifyParse|Handler' -benchmem
//
// Compare sdk with baseline for the same size: the ratio is the SDK's
// overhead (flexible ids, errors that name the field, routing, the checks).

// baseNotification is what a plain hand-written receiver would decode into.
type baseNotification struct {
	Message struct {
		ElementKey   string          `json:"elementKey"`
		EventID      string          `json:"eventId"`
		AccountID    int64           `json:"accountId"`
		CompanyID    int64           `json:"companyId"`
		InstanceID   int64           `json:"instanceId"`
		InstanceName string          `json:"instanceName"`
		UserID       int64           `json:"userId"`
		Raw          json.RawMessage `json:"raw"`
		Events       []struct {
			Date       time.Time `json:"date"`
			ElementKey string    `json:"elementKey"`
			EventType  string    `json:"eventType"`
			ObjectID   string    `json:"objectId"`
			ObjectType string    `json:"objectType"`
		} `json:"events"`
	} `json:"message"`
}

var errBaseSig = errors.New("bad signature")

// baseVerifyParse is the baseline: plain HMAC check and json.Unmarshal.
func baseVerifyParse(body []byte, header, key string) (*baseNotification, error) {
	got, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(header, "sha256="))
	if err != nil {
		return nil, errBaseSig
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), got) {
		return nil, errBaseSig
	}
	var n baseNotification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// baseHandler is the baseline handler: method, bounded read, HMAC,
// json.Unmarshal, callback, 200.
func baseHandler(key string, fn func(*baseNotification) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		n, err := baseVerifyParse(body, r.Header.Get(SignatureHeader), key)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := fn(n); err != nil {
			http.Error(w, "error", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

var benchSizes = []struct {
	name   string
	events int
}{{"events=1", 1}, {"events=20", 20}}

func BenchmarkVerifyParse(b *testing.B) {
	const key = "shared-demo-key"
	for _, size := range benchSizes {
		body := testBody(size.events)
		sig := Sign(key, body)
		b.Run(size.name+"/impl=sdk", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := VerifySignature(body, sig, key); err != nil {
					b.Fatal(err)
				}
				n, err := ParseNotification(body)
				if err != nil || len(n.Events) != size.events {
					b.Fatal(err)
				}
			}
		})
		b.Run(size.name+"/impl=baseline", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				n, err := baseVerifyParse(body, sig, key)
				if err != nil || len(n.Message.Events) != size.events {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchBody is a request body that can be rewound without allocating.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

// benchWriter is a ResponseWriter that keeps only the status.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

func BenchmarkHandler(b *testing.B) {
	const key = "shared-demo-key"
	for _, size := range benchSizes {
		body := testBody(size.events)
		run := func(b *testing.B, h http.Handler) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			rb := &benchBody{}
			r := httptest.NewRequest(http.MethodPost, "/events", rb)
			r.Header.Set(SignatureHeader, Sign(key, body))
			r.ContentLength = int64(len(body))
			w := &benchWriter{h: http.Header{}}
			for b.Loop() {
				rb.Reset(body)
				r.Body = rb
				h.ServeHTTP(w, r)
				if w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		}
		b.Run(size.name+"/impl=sdk", func(b *testing.B) {
			h := &Handler{SigningKeys: []string{key}}
			seen := 0
			h.Handle("acuityscheduling", "appointments", "*", func(_ context.Context, _ *Notification, e Event) error {
				seen++
				return nil
			})
			run(b, h)
		})
		b.Run(size.name+"/impl=keysfor", func(b *testing.B) {
			h := &Handler{KeysFor: benchKeysFor(key)}
			seen := 0
			h.Handle("acuityscheduling", "appointments", "*", func(_ context.Context, _ *Notification, e Event) error {
				seen++
				return nil
			})
			run(b, h)
		})
		b.Run(size.name+"/impl=inbox", func(b *testing.B) {
			// Queue-first: the answer waits only for Put (here in memory;
			// a real Inbox adds its store's round trips).
			inbox := &memInbox{}
			run(b, &Handler{SigningKeys: []string{key}, Inbox: inbox})
			if len(inbox.stored()) != 1 {
				b.Fatalf("%d notifications stored, want 1 (the same key each time)", len(inbox.stored()))
			}
		})
		b.Run(size.name+"/impl=baseline", func(b *testing.B) {
			seen := 0
			run(b, baseHandler(key, func(n *baseNotification) error {
				for _, e := range n.Message.Events {
					if e.ElementKey == "acuityscheduling" && e.ObjectType == "appointments" {
						seen++
					}
				}
				return nil
			}))
		})
	}
}

// benchKeysFor is a host's key store of 1000 tenants, testBody's instance
// (4242) among them with key.
func benchKeysFor(key string) func(context.Context, int64) ([]string, error) {
	keys := make(map[int64][]string, 1000)
	for i := range int64(1000) {
		keys[3800+i] = []string{"other-tenant-key"}
	}
	keys[4242] = []string{key}
	return func(_ context.Context, id int64) ([]string, error) {
		if k, ok := keys[id]; ok {
			return k, nil
		}
		return nil, ErrUnknownInstance
	}
}

// The SDK may allocate at most a few objects more than the hand-written
// baseline for the same request (counts, not time, so it is deterministic).
func TestHandlerAllocsNearBaseline(t *testing.T) {
	const key = "shared-demo-key"
	for _, size := range benchSizes {
		body := testBody(size.events)
		measure := func(h http.Handler) float64 {
			rb := &benchBody{}
			r := httptest.NewRequest(http.MethodPost, "/events", rb)
			r.Header.Set(SignatureHeader, Sign(key, body))
			r.ContentLength = int64(len(body))
			w := &benchWriter{h: http.Header{}}
			return testing.AllocsPerRun(50, func() {
				rb.Reset(body)
				r.Body = rb
				h.ServeHTTP(w, r)
				if w.code != http.StatusOK {
					t.Fatalf("status %d", w.code)
				}
			})
		}
		h := &Handler{SigningKeys: []string{key}}
		h.HandleDefault(func(context.Context, *Notification, Event) error { return nil })
		sdk := measure(h)
		base := measure(baseHandler(key, func(*baseNotification) error { return nil }))
		if sdk > base+3 {
			t.Errorf("%s: handler allocates %v per request, baseline %v; want at most 3 more", size.name, sdk, base)
		}
		// The key lookup reads the instance id without a second parse: no
		// more allocations than with SigningKeys.
		hk := &Handler{KeysFor: benchKeysFor(key)}
		hk.HandleDefault(func(context.Context, *Notification, Event) error { return nil })
		if keysFor := measure(hk); keysFor > sdk {
			t.Errorf("%s: handler with KeysFor allocates %v per request, with SigningKeys %v; want no more", size.name, keysFor, sdk)
		}
	}
}

// BenchmarkScanHead is the cost of reading the instance id from an
// unverified body (what KeysFor adds before the signature check).
func BenchmarkScanHead(b *testing.B) {
	for _, size := range benchSizes {
		body := testBody(size.events)
		b.Run(size.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if scanHead(body).instanceID != 4242 {
					b.Fatal("instance not found")
				}
			}
		})
	}
}
