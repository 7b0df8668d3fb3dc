package elements_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

// exampleDeliveryPlatform stands in for the platform's settings and
// deliveries calls, which elementstest does not serve yet: the account
// never set a failure policy, and one event waits queued for
// https://mycoolapp.com/events after the receiver stayed down past the last
// retry.
func exampleDeliveryPlatform() *httptest.Server {
	const where = "channel='webhook' and status='queued' and config.url='https://mycoolapp.com/events'"
	var mu sync.Mutex
	settings := map[string]string{}
	queued := []string{`{"notificationId":5012,"subscriptionId":77,"status":"queued","createdDate":"2026-03-04T09:30:00Z",` +
		`"notification":{"id":5012,"topic":"acuityscheduling-events","message":{"eventId":"ev-8801","instanceId":1001,` +
		`"events":[{"eventType":"CREATED","objectType":"appointments","objectId":"8801"}]}},` +
		`"subscription":{"id":77,"channel":"webhook","topics":["acuityscheduling-events"],"config":{"url":"https://mycoolapp.com/events"}}}`}
	mux := http.NewServeMux()
	mux.HandleFunc("/elements/api-v2/accounts/settings", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPatch {
			if err := json.NewDecoder(r.Body).Decode(&settings); err != nil {
				http.Error(w, `{"message":"bad body"}`, http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(settings)
	})
	mux.HandleFunc("/elements/api-v2/notifications/subscriptions/deliveries", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Get("where") != where:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"message":"unexpected where"}`)
		case r.Method == http.MethodPut: // reactivate and deliver what waited
			queued = nil
		case len(queued) == 0:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"No deliveries found"}`)
		default:
			_, _ = io.WriteString(w, "["+queued[0]+"]")
		}
	})
	return httptest.NewServer(mux)
}

// After an outage: see what the platform holds for the callback URL, bring
// the receiver back, release the queue, and check that nothing waits.
func ExampleDeliveriesService_Redeliver() {
	platform := exampleDeliveryPlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	const callbackURL = "https://mycoolapp.com/events" // the instances' event.notification.callback.url

	// 1. What waits.
	for d, err := range client.Deliveries.Queued(ctx, callbackURL) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("waiting:", d.EventID, d.Status, d.CreatedDate.Format("2006-01-02 15:04"))
	}

	// 2. Fix the receiver first: it must answer 2xx again, and de-duplicate
	// by event id (a notification handled before the outage may come again).

	// 3. Release the queue: the platform reactivates the subscription and
	// sends each queued event again, signed, through the normal path.
	if err := client.Deliveries.Redeliver(ctx, callbackURL); err != nil {
		log.Fatal(err)
	}

	// 4. Nothing waits any more.
	n := 0
	for _, err := range client.Deliveries.Queued(ctx, callbackURL) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println("still waiting:", n)
	// Output:
	// waiting: ev-8801 queued 2026-03-04 09:30
	// still waiting: 0
}

// Queued lists what waits for one callback URL, with each notification's
// message: a host can also pull and process the events itself.
func ExampleDeliveriesService_Queued() {
	platform := exampleDeliveryPlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}
	for d, err := range client.Deliveries.Queued(context.Background(), "https://mycoolapp.com/events") {
		if err != nil {
			log.Fatal(err) // errors.Is(err, elements.ErrInvalidResponse): an answer the SDK cannot read
		}
		var msg struct {
			InstanceID int64 `json:"instanceId"`
			Events     []struct {
				EventType, ObjectType, ObjectID string
			} `json:"events"`
		}
		if err := json.Unmarshal(d.Notification.Message, &msg); err != nil {
			log.Fatal(err)
		}
		// Printing d (or logging it) shows its ids, status and event id,
		// never the message or Raw.
		fmt.Println(d.EventID, d.Subscription.CallbackURL, msg.InstanceID, msg.Events)
	}
	// Output:
	// ev-8801 https://mycoolapp.com/events 1001 [{CREATED appointments 8801}]
}

// With the queue policy the platform does not retry a failed delivery: it
// queues it at once, for Queued and Redeliver.
func ExampleDeliveriesService_SetFailurePolicy() {
	platform := exampleDeliveryPlatform()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL+"/elements/api-v2"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	p, err := client.Deliveries.FailurePolicy(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("before:", p) // never set: the platform's default
	if err := client.Deliveries.SetFailurePolicy(ctx, elements.FailurePolicyQueue); err != nil {
		log.Fatal(err)
	}
	if p, err = client.Deliveries.FailurePolicy(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after:", p)
	// Output:
	// before: retry
	// after: queue
}

// When a call scoped to an instance answers 401 or 403, State says what to
// do about the tenant.
func ExampleInstancesService_State() {
	platform := elementstest.NewServer()
	defer platform.Close()
	client, err := platform.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code", ClientID: "id", ClientSecret: "secret",
		RedirectURI: "https://mycoolapp.com", EventCallbackURL: "https://mycoolapp.com/events", Name: "Front desk"})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	act := func() {
		state, err := client.Instances.State(ctx, inst.ID)
		if errors.Is(err, elements.ErrUnauthorized) {
			log.Fatal("the client's user or organization secret is wrong")
		}
		if err != nil {
			log.Fatal(err) // retry later: nothing is known about the tenant
		}
		switch state {
		case elements.InstanceActive:
			fmt.Println(state, "- retry the call")
		case elements.InstanceNeedsReconnect:
			fmt.Println(state, "- ask the tenant to connect again, then Reauthenticate")
		case elements.InstanceDisabled:
			fmt.Println(state, "- Enable it, if it was not disabled on purpose")
		case elements.InstanceDeleted:
			fmt.Println(state, "- clean up; the tenant must connect anew")
		}
	}
	act()
	if err := client.Instances.Disable(ctx, inst.ID); err != nil {
		log.Fatal(err)
	}
	act()
	if err := client.Instances.Delete(ctx, inst.ID); err != nil {
		log.Fatal(err)
	}
	act()
	// Output:
	// active - retry the call
	// disabled - Enable it, if it was not disabled on purpose
	// deleted - clean up; the tenant must connect anew
}
