package elementstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// A test stands the fake up in one line and points the client at it.
func ExampleNewServer() {
	srv := elementstest.NewServer()
	defer srv.Close()

	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))
	req, _ := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "any-code", ClientID: "id", ClientSecret: "secret",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: "https://app.example/events",
		Name: "Front desk",
	})
	in, err := client.Instances.Create(context.Background(), req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(in.ID, in.Name, in.Element.Key, in.Configuration.OAuthAPISecret)
	// Output: 1001 Front desk acuityscheduling ********
}

// Deliver sends a notification to an instance's callback URL as the platform
// would, so the host's WebhookHandler can be tested without Acuity.
func ExampleServer_Deliver() {
	srv := elementstest.NewServer()
	defer srv.Close()

	handler := &webhook.Handler{SigningKeys: []string{"signing-key"}}
	handler.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventCreated,
		func(_ context.Context, n *webhook.Notification, e webhook.Event) error {
			fmt.Println("scheduled:", e.ObjectID, "on instance", n.InstanceID)
			return nil
		})
	host := httptest.NewServer(handler)
	defer host.Close()

	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))
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
	fmt.Println("delivered:", d[0].Delivered, "attempts:", len(d[0].Attempts))
	// Output:
	// scheduled: 8801 on instance 1001
	// delivered: true attempts: 1
}

// FailNext makes the next calls fail, to test how code copes with the
// platform's errors.
func ExampleServer_FailNext() {
	srv := elementstest.NewServer()
	defer srv.Close()
	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0))

	srv.FailNext(1, 503)
	_, err := client.Instances.List(context.Background(), nil)
	var apiErr *elements.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.RequestID != "")
	}
	// Output: 503 true
}

// SetAppointment puts an appointment in the instance's Acuity account, so
// that a route can fetch the details behind a thin Acuity webhook, as it
// would against the real platform.
func ExampleServer_SetAppointment() {
	srv := elementstest.NewServer()
	defer srv.Close()
	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))

	var token string // your app's stored instance token, set once the instance exists
	handler := &webhook.Handler{SigningKeys: []string{"signing-key"}}
	handler.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventCreated,
		func(ctx context.Context, n *webhook.Notification, _ webhook.Event) error {
			wh, err := acuity.WebhookFromNotification(n)
			if err != nil {
				return err
			}
			appt, err := acuity.GetAppointment(ctx, client, token, wh.ID)
			if err != nil {
				return err
			}
			fmt.Println(wh.Action, appt.ID, appt.FirstName, appt.LastName, appt.Type, appt.Datetime.Format("2006-01-02 15:04 -0700"))
			return nil
		})
	host := httptest.NewServer(handler)
	defer host.Close()

	req, _ := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "c", ClientID: "id", ClientSecret: "s", RedirectURI: "https://app.example/oauth",
		EventCallbackURL: host.URL, SignatureKey: "signing-key", Name: "Front desk",
	})
	in, _ := client.Instances.Create(context.Background(), req)
	token = in.Token

	err := srv.SetAppointment(in.ID, json.RawMessage(`{"id": 8801, "firstName": "Ada", "lastName": "Lovelace",
		"type": "Initial Consultation", "datetime": "2020-02-14T10:30:00-0500", "duration": "45",
		"calendarID": 12, "appointmentTypeID": 3}`))
	if err != nil {
		fmt.Println(err)
		return
	}

	// Play Acuity: its webhook names only the appointment. (No Acuity API
	// key is set on the fake, so it takes the webhook unsigned.)
	body, _ := elementstest.AcuityWebhook("", acuity.Webhook{Action: acuity.ActionScheduled, ID: 8801, CalendarID: 12, AppointmentTypeID: 3})
	resp, err := http.Post(acuity.WebhookURL(srv.URL, in.ID), "application/x-www-form-urlencoded", bytes.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	d, _ := srv.WaitForDeliveries(context.Background(), 1)
	fmt.Println("delivered:", d[0].Delivered)
	// Output:
	// scheduled 8801 Ada Lovelace Initial Consultation 2020-02-14 10:30 -0500
	// delivered: true
}

// InjectNext can lose the answer to a call that took effect: the instance is
// created, the client sees a reset connection. The client does not retry the
// POST, so there is exactly one instance.
func ExampleServer_InjectNext() {
	srv := elementstest.NewServer()
	defer srv.Close()
	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))
	req, _ := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "c", ClientID: "id", ClientSecret: "s", RedirectURI: "https://app.example/oauth",
		EventCallbackURL: "https://app.example/events", Name: "Front desk",
	})

	srv.InjectNext(elementstest.Fault{Drop: true, AfterHandling: true})
	_, err := client.Instances.Create(context.Background(), req)
	var reqErr *elements.RequestError
	fmt.Println("create failed in transport:", errors.As(err, &reqErr))

	list, _ := client.Instances.List(context.Background(), nil)
	fmt.Println("instances on the platform:", len(list))
	// Output:
	// create failed in transport: true
	// instances on the platform: 1
}
