package receiver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// End to end: the fake platform creates an instance whose events go to the
// receiver, delivers a signed notification, and the test waits for it.
func TestReceiverAgainstTheFake(t *testing.T) {
	var mu sync.Mutex
	var got []string
	rcv := httptest.NewServer(NewReceiver("test-signing-key", func(_ context.Context, _ int64, id string) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, id)
		return nil
	}))
	defer rcv.Close()

	srv := elementstest.NewServer()
	defer srv.Close()
	client, err := srv.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	inst, err := client.Instances.Create(ctx, &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: acuity.ElementKey},
		ProviderData: elements.ProviderData{Code: "any-code"},
		Configuration: elements.Configuration{
			OAuthAPIKey: "client-id", OAuthAPISecret: "client-secret", OAuthCallbackURL: "https://app.example/oauth",
			EventsEnabled: true, EventCallbackURL: rcv.URL, EventSignatureKey: "test-signing-key",
		},
		Name: "Test tenant",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Deliver(inst.ID, webhook.Event{ElementKey: acuity.ElementKey, ObjectType: "appointments",
		EventType: webhook.EventCreated, ObjectID: "8801"}); err != nil {
		t.Fatal(err)
	}
	deliveries, err := srv.WaitForDeliveries(ctx, 1) // no sleeps
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !deliveries[0].Delivered || len(got) != 1 || got[0] != "8801" {
		t.Errorf("delivered %v, booked %v; want appointment 8801 once", deliveries[0].Delivered, got)
	}
}

// Direct: a signed request built from a Notification, straight into
// ServeHTTP; and the same body with a wrong signature.
func TestReceiverServeHTTP(t *testing.T) {
	var booked []string
	h := NewReceiver("test-signing-key", func(_ context.Context, _ int64, id string) error {
		booked = append(booked, id)
		return nil
	})
	body, err := json.Marshal(webhook.Notification{
		ElementKey: acuity.ElementKey, EventID: "evt-1", InstanceID: 1001,
		Events: []webhook.Event{{ElementKey: acuity.ElementKey, ObjectType: "appointments",
			EventType: webhook.EventCreated, ObjectID: "8801", Date: time.Now()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key        string
		wantStatus int
	}{{"test-signing-key", http.StatusOK}, {"another-key", http.StatusUnauthorized}} {
		r := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(string(body)))
		r.Header.Set(webhook.SignatureHeader, webhook.Sign(tc.key, body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.wantStatus {
			t.Errorf("signed with %q: status %d, want %d", tc.key, w.Code, tc.wantStatus)
		}
	}
	if len(booked) != 1 || booked[0] != "8801" {
		t.Errorf("booked %v, want [8801]", booked)
	}
}
