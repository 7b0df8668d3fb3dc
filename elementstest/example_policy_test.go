package elementstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// A receiver down longer than the platform's retry window: the fake plays
// the SAP help page's schedule (5 retries over 9 hours) at 1/100000 of the
// time, deactivates the subscription, queues the notification, and sends it
// again when asked with PUT /notifications/subscriptions/deliveries.
func ExampleServer_Queued() {
	srv := elementstest.NewServer(
		elementstest.WithRetrySchedule(elementstest.SAPHelpSchedule),
		elementstest.WithTimeScale(1e-5),                 // 9 hours in about 330 ms
		elementstest.WithDeliveryTimeout(10*time.Second), // an attempt's bound, in real time
	)
	defer srv.Close()

	var down atomic.Bool
	down.Store(true)
	handler := &webhook.Handler{SigningKeys: []string{"signing-key"}, Deduplicator: webhook.NewMemoryDeduplicator(0)}
	handler.HandleDefault(func(_ context.Context, n *webhook.Notification, e webhook.Event) error {
		fmt.Println("handled:", e.ObjectType, e.ObjectID)
		return nil
	})
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		handler.ServeHTTP(w, r)
	}))
	defer host.Close()

	client, _ := srv.NewClient()
	req, _ := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "c", ClientID: "id", ClientSecret: "s", RedirectURI: "https://app.example/oauth",
		EventCallbackURL: host.URL, SignatureKey: "signing-key", Name: "Front desk",
	})
	in, _ := client.Instances.Create(context.Background(), req)
	if _, err := srv.Deliver(in.ID, webhook.Event{ObjectType: "appointments", EventType: webhook.EventCreated, ObjectID: "8801"}); err != nil {
		fmt.Println(err)
		return
	}
	d, _ := srv.WaitForDeliveries(context.Background(), 1)
	fmt.Println(d[0].Status, "after", len(d[0].Attempts), "attempts; queued:", srv.Queued(host.URL))

	down.Store(false)                                                                  // the receiver is back: redeliver what waits for it
	where := "channel='webhook' and status='queued' and config.url='" + host.URL + "'" // double any ' in a URL
	put, _ := http.NewRequest(http.MethodPut, srv.URL+"/notifications/subscriptions/deliveries?"+url.Values{"where": {where}}.Encode(), nil)
	put.Header.Set("Authorization", "User "+elementstest.DefaultUserSecret+", Organization "+elementstest.DefaultOrganizationSecret)
	resp, err := http.DefaultClient.Do(put)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	d, _ = srv.WaitForDeliveries(context.Background(), 1)
	fmt.Println(resp.StatusCode, d[0].Status+"; queued:", srv.Queued(host.URL))
	// Output:
	// queued after 6 attempts; queued: 1
	// handled: appointments 8801
	// 200 delivered; queued: 0
}
