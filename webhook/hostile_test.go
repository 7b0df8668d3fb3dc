package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

// What a hostile sender (or a replay of what the platform once sent) can
// do to the handler.

// The buffer a body is read into follows the bytes that arrive, not the
// Content-Length the sender claims: a sender announcing 1 MiB and sending
// one byte makes the handler hold a small buffer, not 1 MiB.
func TestBodyBufferFollowsArrivedBytes(t *testing.T) {
	t.Parallel()
	h := &Handler{}
	r := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader("{"))
	r.ContentLength = DefaultMaxBodyBytes
	body, _, err := h.readBody(httptest.NewRecorder(), r)
	if err != nil || string(body) != "{" {
		t.Fatalf("read %q, %v", body, err)
	}
	if cap(body) > firstBodyBuffer {
		t.Errorf("a 1-byte body claiming %d bytes got a buffer of %d bytes, want at most %d", r.ContentLength, cap(body), firstBodyBuffer)
	}
}

// Bodies of every size around the buffer's steps and the limit, arriving a
// byte or a few at a time, with a true, absent or inflated Content-Length,
// are read whole, or refused with 413 past the limit.
func TestBodyReadSizes(t *testing.T) {
	t.Parallel()
	for _, limit := range []int64{1, 1000, 1024, 5000, DefaultMaxBodyBytes} {
		for _, size := range []int64{0, 1, 511, 1023, 1024, 1025, 2049, 4999, 5000, 5001, DefaultMaxBodyBytes, DefaultMaxBodyBytes + 1} {
			if size > limit+1 && size != DefaultMaxBodyBytes+1 {
				continue
			}
			want := bytes.Repeat([]byte("0123456789"), int(size)/10+1)[:size]
			for name, reader := range map[string]func(io.Reader) io.Reader{
				"one byte at a time": iotest.OneByteReader,
				"half reads":         iotest.HalfReader,
				"whole":              func(r io.Reader) io.Reader { return r },
			} {
				for _, declared := range []int64{size, -1, limit} {
					if name == "one byte at a time" && size > 10000 {
						continue // slow under -race, and the same steps as "half reads"
					}
					h := &Handler{MaxBodyBytes: limit}
					r := httptest.NewRequest(http.MethodPost, "/events", reader(bytes.NewReader(want)))
					r.ContentLength = declared
					got, status, err := h.readBody(httptest.NewRecorder(), r)
					if size > limit {
						if status != http.StatusRequestEntityTooLarge {
							t.Errorf("limit %d, %d bytes, %s, declared %d: status %d, %v; want 413", limit, size, name, declared, status, err)
						}
						continue
					}
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("limit %d, %d bytes, %s, declared %d: read %d bytes, %v", limit, size, name, declared, len(got), err)
					}
				}
			}
		}
	}
}

// hostileNotification is a signed-able body with the given eventId (raw JSON,
// or absent when ""), instance and raw payload.
func hostileNotification(eventID, instance, raw string) []byte {
	id := ""
	if eventID != "" {
		id = `"eventId":` + eventID + `,`
	}
	return []byte(`{"message":{` + id + `"instanceId":` + instance + `,"raw":` + raw +
		`,"events":[{"elementKey":"acuityscheduling","eventType":"UPDATED","objectId":"1","objectType":"appointments"}]}}`)
}

// Nothing unsigned can suppress a signed notification, and keys of one
// instance do not touch another's. Each case sends deliveries in order and
// says which reach the host.
func TestDedupKeySpaces(t *testing.T) {
	t.Parallel()
	type delivery struct {
		body      []byte
		webhookID string
		wantHost  bool // reaches the host (else: acknowledged as a duplicate)
	}
	old := hostileNotification("", "7", `{"old":true}`) // an old signed body without eventId
	tests := []struct {
		name       string
		deliveries []delivery
	}{
		{"a replayed body under the header set to a future eventId does not suppress it", []delivery{
			{old, "", true},
			{old, "ev-future", true}, // the replay: a new delivery key, reaches the host again (same content)
			{hostileNotification(`"ev-future"`, "7", `{}`), "", true},
			{hostileNotification(`"ev-future"`, "7", `{}`), "anything", false}, // its own redelivery is a duplicate
		}},
		{"a header equal to an eventId never matches it", []delivery{
			{hostileNotification(`"e1"`, "7", `{}`), "e1", true},
			{old, "e1", true},
		}},
		{"the eventId wins over the header", []delivery{
			{hostileNotification(`"e2"`, "7", `{}`), "w1", true},
			{hostileNotification(`"e2"`, "7", `{}`), "w2", false},
		}},
		{"the same eventId of two instances", []delivery{
			{hostileNotification(`"e3"`, "7", `{}`), "", true},
			{hostileNotification(`"e3"`, "8", `{}`), "", true},
			{hostileNotification(`"e3"`, "8", `{}`), "", false},
		}},
		{"neither eventId nor header: not de-duplicated", []delivery{
			{hostileNotification("", "7", `{"a":1}`), "", true},
			{hostileNotification("", "7", `{"a":1}`), "", true},
		}},
		{"a header alone: the same body again is a duplicate, another body is not", []delivery{
			{hostileNotification("", "7", `{"a":1}`), "w", true},
			{hostileNotification("", "7", `{"a":1}`), "w", false},
			{hostileNotification("", "7", `{"a":2}`), "w", true},
			{hostileNotification("", "8", `{"a":1}`), "w", true},
			{hostileNotification("", "7", `{"a":1}`), "w2", true},
		}},
		{"long ids (hashed) stay apart and are known again", []delivery{
			{hostileNotification(`"`+strings.Repeat("L", 5000)+`"`, "7", `{}`), "", true},
			{hostileNotification(`"`+strings.Repeat("L", 4999)+`M"`, "7", `{}`), "", true},
			{hostileNotification("\""+strings.Repeat("\xff", 3000)+"\"", "7", `{}`), "", true},
			{hostileNotification("\""+strings.Repeat("\xff", 2999)+"\xfe\"", "7", `{}`), "", true},
			{hostileNotification(`"`+strings.Repeat("L", 5000)+`"`, "7", `{}`), "", false},
			{hostileNotification("\""+strings.Repeat("\xff", 3000)+"\"", "7", `{}`), "", false},
		}},
		{"ids that differ only in invalid UTF-8 stay apart", []delivery{
			{hostileNotification("\"a\xff\"", "7", `{}`), "", true},
			{hostileNotification("\"a\xfe\"", "7", `{}`), "", true},
			{hostileNotification("\"a\\ud800\"", "7", `{}`), "", true},
			{hostileNotification("\"a\\udc00\"", "7", `{}`), "", true},
			{hostileNotification("\"a\uFFFD\"", "7", `{}`), "", true},
			{hostileNotification("\"a\xff\"", "7", `{}`), "", false}, // a redelivery is still known
			{hostileNotification("\"a\\ud800\"", "7", `{}`), "", false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			h := &Handler{
				SigningKeys:    []string{"k"},
				Deduplicator:   NewMemoryDeduplicator(100),
				OnNotification: func(context.Context, *Notification) error { calls.Add(1); return nil },
			}
			for i, d := range tt.deliveries {
				before := calls.Load()
				r := signedPost(d.body, "k")
				if d.webhookID != "" {
					r.Header.Set(IDHeader, d.webhookID)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("delivery %d: status %d", i+1, w.Code)
				}
				if reached := calls.Load() > before; reached != d.wantHost {
					t.Errorf("delivery %d (%.60s, header %q): reached the host %t, want %t", i+1, d.body, d.webhookID, reached, d.wantHost)
				}
			}
		})
	}
}

// Keys are printable text, whatever bytes the eventId holds, so any store
// (a PostgreSQL text column, Redis) takes them.
func TestDedupKeysArePrintable(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, body := range [][]byte{
		hostileNotification("\"a\xff\"", "7", `{}`), hostileNotification(`"a\u0000b"`, "7", `{}`), hostileNotification("", "7", `{}`),
		hostileNotification(`"`+strings.Repeat("L", 5000)+`"`, "7", `{}`), hostileNotification("\""+strings.Repeat("\xff", 3000)+"\"", "7", `{}`),
	} {
		n, err := ParseNotification(body)
		if err != nil {
			t.Fatal(err)
		}
		r := signedPost(body, "")
		r.Header.Set(IDHeader, "w\x01")
		keys = append(keys, notificationKey(r, callback{n: n}, body))
	}
	for _, k := range keys {
		if strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) {
			t.Errorf("key %q is not printable", k)
		}
		if len(k) > 300 { // every store's index takes it (PostgreSQL's btree: about 2.7 KB)
			t.Errorf("key of %d bytes: %.80q…", len(k), k)
		}
	}
}

// A callback that ends its goroutine with runtime.Goexit (as t.FailNow
// does) answers 500 and releases its claim: the platform's redelivery is
// processed instead of being answered 409 for days.
func TestDedupReleasedOnGoexit(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var errs errorLog
	h := &Handler{
		SigningKeys:  []string{"k"},
		Deduplicator: NewMemoryDeduplicator(10),
		OnError:      errs.hook,
		OnNotification: func(context.Context, *Notification) error {
			if calls.Add(1) == 1 {
				runtime.Goexit()
			}
			return nil
		},
	}
	body := testBody(1)
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, signedPost(body, "k"))
	}()
	<-done
	if w.Code != http.StatusInternalServerError {
		t.Errorf("the delivery whose callback called Goexit: status %d, want 500", w.Code)
	}
	if got := errs.all(); len(got) != 1 || !strings.Contains(got[0].Error(), "Goexit") {
		t.Errorf("OnError got %v, want one error naming runtime.Goexit", got)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, signedPost(body, "k"))
	if w.Code != http.StatusOK || calls.Load() != 2 {
		t.Errorf("redelivery: status %d, %d calls; want 200 and the host called again", w.Code, calls.Load())
	}
}

// No request can make a log record or an error large: a 512 KiB
// Elements-Webhook-Id, a huge eventId, a huge value in a parse error.
func TestLogsAndErrorsAreBounded(t *testing.T) {
	t.Parallel()
	hugeID := strings.Repeat("w", 512<<10)
	bigEventID := hostileNotification(`"`+strings.Repeat("e", 100<<10)+`"`, "7", `{}`)
	badNumber := []byte(`{"message":{"instanceId":1` + strings.Repeat("1", 100<<10) + `,"events":[]}}`)
	badString := []byte(`{"message":{"instanceId":"` + strings.Repeat("x", 100<<10) + `","events":[]}}`)
	for name, req := range map[string]struct {
		body []byte
		sign bool
		fail bool
	}{
		"unsigned":                {testBody(1), false, false},
		"handled":                 {testBody(1), true, false},
		"callback fails":          {testBody(1), true, true},
		"huge eventId":            {bigEventID, true, true},
		"parse error, number":     {badNumber, true, false},
		"parse error, string":     {badString, true, false},
		"parse error, wrong type": {[]byte(`{"message":{"elementKey":1` + strings.Repeat("2", 100<<10) + `,"events":[]}}`), true, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			var errs errorLog
			h := &Handler{
				SigningKeys:  []string{"k"},
				Logger:       slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				OnError:      errs.hook,
				MaxBodyBytes: 1 << 20,
				OnNotification: func(context.Context, *Notification) error {
					if req.fail {
						return errors.New("host failed")
					}
					return nil
				},
			}
			key := ""
			if req.sign {
				key = "k"
			}
			r := signedPost(req.body, key)
			r.Header.Set(IDHeader, hugeID)
			h.ServeHTTP(httptest.NewRecorder(), r)
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) == 0 || lines[0] == "" {
				t.Fatal("nothing logged")
			}
			for _, line := range lines {
				if len(line) > 2<<10 {
					t.Errorf("a log record of %d bytes: %.300s", len(line), line)
				}
			}
			for _, err := range errs.all() {
				if len(err.Error()) > 1200 {
					t.Errorf("an error text of %d bytes: %.300s", len(err.Error()), err)
				}
			}
		})
	}
}

// The largest limit is a limit like any other: no overflow, no panic.
func TestBodyLimitMaxInt64(t *testing.T) {
	t.Parallel()
	h := &Handler{MaxBodyBytes: math.MaxInt64}
	for _, size := range []int{0, 1, 5000} {
		want := bytes.Repeat([]byte("x"), size)
		r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(want))
		got, status, err := h.readBody(httptest.NewRecorder(), r)
		if err != nil || status != 0 || !bytes.Equal(got, want) {
			t.Errorf("%d bytes: read %d bytes, status %d, %v", size, len(got), status, err)
		}
	}
}
