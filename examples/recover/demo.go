package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// demo plays an outage offline: a fake platform with the devportal retry
// schedule sped up a million times (73 hours in a quarter second), a
// receiver that is down while three notifications arrive, then the
// runbook, before and after the receiver is fixed.
func demo(ctx context.Context, stdout io.Writer) error {
	const signingKey = "demo-signing-key"
	rcv := newReceiver(signingKey)
	defer rcv.srv.Close()
	fake := elementstest.NewServer(elementstest.WithRetrySchedule(elementstest.DevPortalSchedule),
		elementstest.WithTimeScale(1e-6), elementstest.WithDeliveryTimeout(5*time.Second))
	defer fake.Close()
	client, err := fake.NewClient()
	if err != nil {
		return err
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "demo-code", ClientID: "demo-client", ClientSecret: "demo-secret",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: rcv.srv.URL, SignatureKey: signingKey,
		Name: "Front desk",
	})
	if err != nil {
		return err
	}
	in, err := client.Instances.Create(ctx, req)
	if err != nil {
		return err
	}

	fmt.Fprintln(stdout, "the receiver is down; the platform retries each notification 9 times, then deactivates the subscription")
	rcv.down.Store(true)
	for i := range 3 {
		if _, err := fake.Deliver(in.ID, webhook.Event{ElementKey: acuity.ElementKey, ObjectType: acuity.ObjectAppointments,
			EventType: webhook.EventCreated, ObjectID: fmt.Sprint(8801 + i)}); err != nil {
			return err
		}
	}
	if _, err := fake.WaitForDeliveries(ctx, 3); err != nil {
		return err
	}
	o := &options{callbackURL: rcv.srv.URL, instances: []int64{in.ID}, since: time.Hour}
	if err := runbook(ctx, client, o, stdout); err != nil {
		return err
	}

	fmt.Fprintln(stdout, "the receiver is fixed")
	rcv.down.Store(false)
	o.redeliver = true
	if err := runbook(ctx, client, o, stdout); err != nil {
		return err
	}
	if _, err := fake.WaitForDeliveries(ctx, 3); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "the receiver handled %d notifications\n", rcv.handled())
	o.redeliver = false
	return runbook(ctx, client, o, stdout)
}

// receiver is a webhook.Handler that answers 503 while down.
type receiver struct {
	srv   *httptest.Server
	down  atomic.Bool
	mu    sync.Mutex
	count int
}

func newReceiver(signingKey string) *receiver {
	r := &receiver{}
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Deduplicator: webhook.NewMemoryDeduplicator(0)}
	h.HandleDefault(func(context.Context, *webhook.Notification, webhook.Event) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.count++
		return nil
	})
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, req)
	}))
	return r
}

func (r *receiver) handled() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}
