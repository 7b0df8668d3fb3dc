package elements_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// The examples talk to elementstest, the SDK's in-memory fake of the
// platform, so they run offline. Real code points WithBaseURL at one of the
// BaseURL constants.

// examplePlatform starts the fake platform and a client pointed at it,
// with one Acuity instance named "API Instance", tagged "Docs".
func examplePlatform() (*elementstest.Server, *elements.Client, *elements.Instance) {
	platform := elementstest.NewServer()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL))
	if err != nil {
		log.Fatal(err)
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code", ClientID: "id", ClientSecret: "secret",
		RedirectURI: "https://mycoolapp.com", EventCallbackURL: "https://mycoolapp.com/events", Tags: []string{"Docs"}, Name: "API Instance"})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := client.Instances.Create(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	return platform, client, inst
}

func ExampleNewClient() {
	client, err := elements.NewClient(
		"user-secret", // load both from your secret store
		"org-secret",
		elements.WithBaseURL(elements.BaseURLOpenConnectorsEU10),
		elements.WithRetry(5, time.Second, time.Minute),
		elements.WithUserAgent("myapp/1.0"),
		elements.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.BaseURL())
	fmt.Println(client) // secrets never print
	// Output:
	// https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2
	// elements.Client{BaseURL: https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2, UserSecret: [REDACTED], OrganizationSecret: [REDACTED]}
}

func ExampleInstancesService_Create() {
	platform := elementstest.NewServer()
	defer platform.Close()
	client, err := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(platform.URL))
	if err != nil {
		log.Fatal(err)
	}

	// The seeds' create request: the code comes from the OAuth redirect.
	inst, err := client.Instances.Create(context.Background(), &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: "acuityscheduling"},
		ProviderData: elements.ProviderData{Code: "xoz8AFqScK2ngM04kSSM"},
		Configuration: elements.Configuration{
			OAuthAPIKey:       "Rand0MAP1-key",
			OAuthAPISecret:    "fak3AP1-s3Cr3t",
			OAuthCallbackURL:  "https://mycoolapp.com",
			EventsEnabled:     true,
			EventCallbackURL:  "https://mycoolapp.com/events",
			EventSignatureKey: "a-long-random-signing-key",
		},
		Tags: []string{"Docs"},
		Name: "API Instance",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(inst.ID, inst.Name, inst.Element.Key, inst.EventsEnabled)
	fmt.Println("token received:", inst.Token != "") // store inst.Token like a password
	// Output:
	// 1001 API Instance acuityscheduling true
	// token received: true
}

func ExampleInstancesService_OAuthURL() {
	platform, client, _ := examplePlatform()
	defer platform.Close()

	// Step 1: where to send the user's browser. Acuity redirects back to
	// CallbackURL with ?code=...&state=...
	authURL, err := client.Instances.OAuthURL(context.Background(), "acuityscheduling", &elements.OAuthURLParams{
		APIKey:      "Rand0MAP1-key",
		APISecret:   "fak3AP1-s3Cr3t",
		CallbackURL: "https://mycoolapp.com",
		State:       "d2f1c0",
	})
	if err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(authURL) // the fake's stand-in for https://acuityscheduling.com/oauth2/authorize
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Path + "?" + u.RawQuery)
	// Output:
	// /oauth2/authorize?client_id=Rand0MAP1-key&redirect_uri=https%3A%2F%2Fmycoolapp.com&response_type=code&scope=api-v1&state=d2f1c0
}

func ExampleInstancesService_List() {
	platform, client, _ := examplePlatform()
	defer platform.Close()
	for _, search := range []string{"API Instance", "nothing like it"} {
		list, err := client.Instances.List(context.Background(), &elements.ListOptions{SearchText: search, Tags: []string{"Docs"}})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q: %d found\n", search, len(list))
		for _, inst := range list {
			fmt.Println(inst.ID, inst.Name, inst.Tags)
		}
	}
	// Output:
	// "API Instance": 1 found
	// 1001 API Instance [Docs]
	// "nothing like it": 0 found
}

// All reads the instances page by page as the loop asks for them: one page
// in memory at a time, and nothing more is fetched after a break.
func ExampleInstancesService_All() {
	platform, client, _ := examplePlatform()
	defer platform.Close()
	ctx := context.Background()
	for _, name := range []string{"Back office", "Front desk"} {
		req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code", ClientID: "id", ClientSecret: "secret",
			RedirectURI: "https://mycoolapp.com", EventCallbackURL: "https://mycoolapp.com/events", Name: name})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := client.Instances.Create(ctx, req); err != nil {
			log.Fatal(err)
		}
	}
	for inst, err := range client.Instances.All(ctx, &elements.ListOptions{PageSize: 2}) {
		if err != nil {
			log.Fatal(err) // errors.Is(err, elements.ErrUnauthorized): wrong secrets
		}
		fmt.Println(inst.ID, inst.Name)
	}
	// Output:
	// 1001 API Instance
	// 1002 Back office
	// 1003 Front desk
}

// Events reads an instance's events log: one record per notification the
// platform handled, NOTIFIED once the callback answered 2xx.
func ExampleInstancesService_Events() {
	platform := elementstest.NewServer()
	defer platform.Close()
	// The host's receiver: the SDK's handler with the instance's signing key.
	const signingKey = "front-desk-signing-key"
	receiver := httptest.NewServer(&webhook.Handler{
		SigningKeys:    []string{signingKey},
		OnNotification: func(context.Context, *webhook.Notification) error { return nil },
	})
	defer receiver.Close()
	client, err := platform.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code", ClientID: "id", ClientSecret: "secret",
		RedirectURI: "https://mycoolapp.com", EventCallbackURL: receiver.URL, SignatureKey: signingKey, Name: "Front desk"})
	if err != nil {
		log.Fatal(err)
	}
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := platform.Deliver(inst.ID, webhook.Event{EventType: webhook.EventCreated, ObjectType: "appointments", ObjectID: "8801"}); err != nil {
		log.Fatal(err)
	}
	if _, err := platform.WaitForDeliveries(ctx, 1); err != nil {
		log.Fatal(err)
	}
	for ev, err := range client.Instances.Events(ctx, inst.ID, &elements.EventListOptions{PageSize: 100}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ev.Status, strings.Contains(ev.ProviderData, "8801"), !ev.Date.IsZero())
	}
	// Output:
	// NOTIFIED true true
}

func ExampleAPIError() {
	platform, client, _ := examplePlatform()
	defer platform.Close()

	_, err := client.Instances.Get(context.Background(), 999)
	var apiErr *elements.APIError
	if errors.As(err, &apiErr) {
		// Quote apiErr.RequestID to the platform's support.
		fmt.Println(apiErr.StatusCode, apiErr.Message, apiErr.RequestID != "")
	}
	fmt.Println(errors.Is(err, elements.ErrNotFound))
	// Output:
	// 404 no instance with id 999 true
	// true
}

// An instance-scoped call outside the Instances API, with the instance
// token: the request goes through the same retries, errors and redaction.
func ExampleClient_NewRequest() {
	platform, client, inst := examplePlatform()
	defer platform.Close()
	if err := platform.SetAppointment(inst.ID, json.RawMessage(`{"id": 42, "firstName": "Ada"}`)); err != nil {
		log.Fatal(err)
	}

	req, err := client.NewRequest(context.Background(), http.MethodGet, "/hubs/scheduling/appointments/42", nil,
		elements.WithElementToken(inst.Token))
	if err != nil {
		log.Fatal(err)
	}
	var appt struct {
		ID        int64  `json:"id"`
		FirstName string `json:"firstName"`
	}
	if _, err := client.Do(req, &appt); err != nil {
		log.Fatal(err)
	}
	fmt.Println(appt.ID, appt.FirstName)
	// Output:
	// 42 Ada
}
