package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// A notification as the platform sends it for an Acuity appointment.
const exampleBody = `{"message":{"elementKey":"acuityscheduling","eventId":"4e2a9c","instanceId":4242,` +
	`"instanceName":"Front desk","raw":{"action":"scheduled","id":"8801"},` +
	`"events":[{"date":"2020-02-14T09:30:00Z","elementKey":"acuityscheduling","eventType":"CREATED",` +
	`"objectId":"8801","objectType":"appointments"}]}}`

// Mount the handler on an existing http.ServeMux, at the path given to the
// instance as event.notification.callback.url.
func ExampleHandler() {
	const signingKey = "shared-demo-key" // in real code: os.Getenv, the instance's event.notification.signature.key

	events := &webhook.Handler{
		SigningKeys: []string{signingKey},
		OnNotification: func(ctx context.Context, n *webhook.Notification) error {
			for _, e := range n.Events {
				fmt.Printf("instance %d: %s %s %s\n", n.InstanceID, e.EventType, e.ObjectType, e.ObjectID)
			}
			return nil // returning an error answers 500: the platform redelivers
		},
		OnError: func(r *http.Request, err error) { log.Printf("event callback: %v", err) },
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("POST /events/acuity", events)

	host := httptest.NewServer(mux) // your server
	defer host.Close()

	// The platform, faked by elementstest: an instance whose events go to
	// the handler, and one event delivered the way the platform does.
	platform := elementstest.NewServer()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL))
	if err != nil {
		log.Fatal(err)
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code-from-the-oauth-redirect",
		ClientID: "client-id", ClientSecret: "client-secret", RedirectURI: "https://mycoolapp.com",
		EventCallbackURL: host.URL + "/events/acuity", SignatureKey: signingKey, Name: "Front desk"})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := client.Instances.Create(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := platform.Deliver(inst.ID, webhook.Event{ObjectType: "appointments", EventType: webhook.EventCreated, ObjectID: "8801"}); err != nil {
		log.Fatal(err)
	}
	d, err := platform.WaitForDeliveries(context.Background(), 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("acknowledged:", d[0].Delivered)
	// Output:
	// instance 1001: CREATED appointments 8801
	// acknowledged: true
}

// Route events by element, object type and event type instead of writing a
// switch; "*" (or "") matches anything and the most specific route wins.
func ExampleHandler_Handle() {
	h := &webhook.Handler{
		SigningKeys:  []string{"shared-demo-key"},
		Deduplicator: webhook.NewMemoryDeduplicator(10000), // hand each notification over once
	}
	h.Handle("acuityscheduling", "appointments", webhook.EventCreated,
		func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
			fmt.Println("booked:", e.ObjectID)
			return nil
		})
	h.Handle("*", "appointments", "*",
		func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
			fmt.Println("appointment changed:", e.ObjectID, e.EventType)
			return nil
		})
	h.HandleDefault(func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		fmt.Println("ignored:", e.ObjectType, e.EventType)
		return nil
	})

	body := []byte(`{"message":{"eventId":"n1","events":[
		{"elementKey":"acuityscheduling","objectType":"appointments","eventType":"CREATED","objectId":"1"},
		{"elementKey":"acuityscheduling","objectType":"appointments","eventType":"UPDATED","objectId":"2"},
		{"elementKey":"acuityscheduling","objectType":"orders","eventType":"CREATED","objectId":"3"}]}}`)
	for range 2 { // the second delivery is a duplicate: acknowledged, not handled again
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, webhook.Sign("shared-demo-key", body))
		h.ServeHTTP(w, r)
		fmt.Println("status", w.Code)
	}
	// Output:
	// booked: 1
	// appointment changed: 2 UPDATED
	// ignored: orders CREATED
	// status 200
	// status 200
}

// Sign makes the signature header the platform would send, for tests and
// fakes of the platform.
func ExampleSign() {
	body := []byte(`{"message":{"events":[]}}`)
	fmt.Println(webhook.SignatureHeader+":", webhook.Sign("shared-demo-key", body))
	// Output:
	// Elements-Webhook-Signature: sha256=hXjpCVOXu43J6pFWYEXaSqHPgeB1YPSjH2iw296cRvM=
}

// Verify a callback yourself, e.g. in a framework that is not net/http.
// List the new and the old key while the key is being rotated.
func ExampleVerifySignature() {
	body := []byte(exampleBody)
	header := webhook.Sign("old-key", body) // as received in Elements-Webhook-Signature

	err := webhook.VerifySignature(body, header, "new-key", "old-key")
	fmt.Println(err)

	err = webhook.VerifySignature(body, header, "new-key")
	fmt.Println(errors.Is(err, webhook.ErrInvalidSignature), err)

	err = webhook.VerifySignature(body, "", "new-key")
	fmt.Println(errors.Is(err, webhook.ErrMissingSignature))
	// Output:
	// <nil>
	// true webhook: invalid signature: no signing key matches
	// true
}

func ExampleParseNotification() {
	n, err := webhook.ParseNotification([]byte(exampleBody))
	if err != nil {
		log.Fatal(err)
	}
	e := n.Events[0]
	fmt.Println(n.ElementKey, n.InstanceID, n.EventID)
	fmt.Println(e.EventType, e.ObjectType, e.ObjectID, e.Date)
	fmt.Println(string(n.Raw))

	_, err = webhook.ParseNotification([]byte(`{"message":{"events":{}}}`))
	fmt.Println(err)
	// Output:
	// acuityscheduling 4242 4e2a9c
	// CREATED appointments 8801 2020-02-14 09:30:00 +0000 UTC
	// {"action":"scheduled","id":"8801"}
	// webhook: malformed notification: "message.events" is a JSON object; want a list
}

// Build a notification in Go, for instance to test your own receiver, and
// write it in the platform's wire form.
func ExampleNotification_MarshalJSON() {
	n := webhook.Notification{
		ElementKey: "acuityscheduling", EventID: "4e2a9c", InstanceID: 4242, InstanceName: "Front desk",
		Raw: json.RawMessage(`{"action":"scheduled","id":"8801"}`),
		Events: []webhook.Event{{
			Date: time.Date(2020, 2, 14, 9, 30, 0, 0, time.UTC), ElementKey: "acuityscheduling",
			EventType: webhook.EventCreated, ObjectID: "8801", ObjectType: "appointments",
		}},
	}
	body, err := json.Marshal(n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(body))

	back, _ := webhook.ParseNotification(body)
	fmt.Println(back.Events[0].ObjectID, back.InstanceID)
	// Output:
	// {"message":{"elementKey":"acuityscheduling","eventId":"4e2a9c","accountId":0,"companyId":0,"instanceId":4242,"instance_id":4242,"instanceName":"Front desk","userId":0,"raw":{"action":"scheduled","id":"8801"},"events":[{"date":"2020-02-14T09:30:00Z","elementKey":"acuityscheduling","eventType":"CREATED","objectId":"8801","objectType":"appointments"}]}}
	// 8801 4242
}

func ExampleHandler_KeysFor() {
	// The host's store of its tenants' signing keys (a database in
	// practice), keyed by instance id. During a rotation an instance has
	// two keys: the new one and the one the platform may still sign with.
	keys := map[int64][]string{
		1001: {"tenant-a-key"},
		1002: {"tenant-b-new-key", "tenant-b-old-key"},
	}
	var mu sync.RWMutex // the store may change while serving
	h := &webhook.Handler{
		KeysFor: func(_ context.Context, instanceID int64) ([]string, error) {
			mu.RLock()
			defer mu.RUnlock()
			k, ok := keys[instanceID]
			if !ok {
				return nil, fmt.Errorf("instance %d: %w", instanceID, webhook.ErrUnknownInstance)
			}
			return k, nil
		},
		OnNotification: func(_ context.Context, n *webhook.Notification) error {
			fmt.Println("instance", n.InstanceID, "event", n.EventID)
			return nil
		},
	}
	for _, tc := range []struct{ instance, key string }{
		{"1001", "tenant-a-key"},     // accepted
		{"1002", "tenant-b-old-key"}, // accepted: rotation
		{"1002", "tenant-a-key"},     // refused: tenant A's key cannot speak for B
		{"1003", "tenant-a-key"},     // refused: unknown instance
	} {
		body := []byte(`{"message":{"eventId":"e-` + tc.instance + `","instanceId":` + tc.instance + `,"events":[]}}`)
		r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, webhook.Sign(tc.key, body)) // as the platform signs
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// instance 1001 event e-1001
	// 200
	// instance 1002 event e-1002
	// 200
	// 401
	// 401
}

// chanInbox is a toy Inbox over a channel, to show the shape; a real one
// stores durably (riverinbox on PostgreSQL) and de-duplicates by key.
type chanInbox chan *webhook.Notification

func (q chanInbox) Put(ctx context.Context, key string, n *webhook.Notification) error {
	select {
	case q <- n:
		return nil // stored: the handler answers 200 now
	case <-ctx.Done():
		return ctx.Err() // the handler answers 500: the platform retries
	}
}

// Queue-first: the handler stores each notification in an Inbox and answers
// at once; a worker takes it from the queue and runs the routes with
// Dispatch, retrying on its own schedule when they fail.
func ExampleHandler_Dispatch() {
	queue := make(chanInbox, 100)
	h := &webhook.Handler{SigningKeys: []string{"shared-demo-key"}, Inbox: queue}
	h.Handle("acuityscheduling", "appointments", "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		fmt.Printf("worker: %s appointment %s\n", e.EventType, e.ObjectID) // fetch it, write it: may take a while
		return nil
	})

	// The platform delivers a notification: stored, answered 200.
	body := []byte(exampleBody)
	r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	r.Header.Set(webhook.SignatureHeader, webhook.Sign("shared-demo-key", body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println("answered:", w.Code)

	// The worker, later, in another goroutine or process.
	n := <-queue
	if err := h.Dispatch(context.Background(), n); err != nil {
		log.Printf("retry later: %v", err) // a real queue retries with backoff
	}
	// Output:
	// answered: 200
	// worker: CREATED appointment 8801
}
