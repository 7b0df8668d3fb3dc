package acuity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/webhook"
)

// The OAuth flow, step 1 of creating an instance: send the user to Acuity's
// authorize page, then read the code off the redirect, checking the state.
func ExampleOAuthConfig() {
	cfg := acuity.OAuthConfig("my-client-id", "my-client-secret", "https://app.example/oauth/acuity")

	// In a real app: state := rand.Text(), kept in the user's session.
	state := "4NIGRMUZPRSSFQMWSXPEXLGE3M"

	// Either build the URL locally...
	fmt.Println(cfg.AuthCodeURL(state))
	// ...or ask the platform for it (needs a *elements.Client):
	//	url, err := client.Instances.OAuthURL(ctx, acuity.ElementKey, &elements.OAuthURLParams{
	//		APIKey: cfg.ClientID, APISecret: cfg.ClientSecret,
	//		CallbackURL: cfg.RedirectURL, Scope: acuity.ScopeAPIV1, State: state})

	// Acuity redirects the browser back; in the redirect URI's handler:
	r := httptest.NewRequest("GET", "https://app.example/oauth/acuity?code=auth-code-from-acuity&state="+state, nil)
	code, err := acuity.CodeFromRedirect(r, state)
	var refused *acuity.AuthError
	switch {
	case errors.As(err, &refused):
		fmt.Println("user said no:", refused.ErrorCode)
	case err != nil:
		fmt.Println("bad redirect:", err)
	default:
		fmt.Println("got a code of", len(code), "bytes") // never log the code itself
	}
	// Output:
	// https://acuityscheduling.com/oauth2/authorize?client_id=my-client-id&redirect_uri=https%3A%2F%2Fapp.example%2Foauth%2Facuity&response_type=code&scope=api-v1&state=4NIGRMUZPRSSFQMWSXPEXLGE3M
	// got a code of 21 bytes
}

// Step 2: the create body for an instance with events enabled, from the code
// and the app's settings. Hand it to client.Instances.Create.
func ExampleNewInstanceRequest() {
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code:             "xoz8AFqScK2ngM04kSSM", // from CodeFromRedirect
		ClientID:         "Rand0MAP1-key",
		ClientSecret:     "fak3AP1-s3Cr3t",
		RedirectURI:      "https://mycoolapp.com",
		EventCallbackURL: "https://mycoolapp.com/events",
		SignatureKey:     "a-long-random-signing-key",
		Tags:             []string{"Docs"},
		Name:             "API Instance",
	})
	if err != nil {
		log.Fatal(err) // names every missing field, never a secret
	}
	// With a client:
	//	inst, err := client.Instances.Create(ctx, req)
	//	// store inst.ID and inst.Token; paste this into Acuity's webhook settings:
	//	fmt.Println(acuity.WebhookURL(client.BaseURL(), inst.ID))
	body, _ := json.MarshalIndent(req, "", "  ")
	fmt.Println(string(body))
	// Output:
	// {
	//   "element": {
	//     "key": "acuityscheduling"
	//   },
	//   "providerData": {
	//     "code": "xoz8AFqScK2ngM04kSSM"
	//   },
	//   "configuration": {
	//     "oauth.api.key": "Rand0MAP1-key",
	//     "oauth.api.secret": "fak3AP1-s3Cr3t",
	//     "oauth.callback.url": "https://mycoolapp.com",
	//     "event.notification.enabled": true,
	//     "event.notification.callback.url": "https://mycoolapp.com/events",
	//     "event.notification.signature.key": "a-long-random-signing-key"
	//   },
	//   "tags": [
	//     "Docs"
	//   ],
	//   "name": "API Instance"
	// }
}

// The Webhook URL to paste into Acuity for instance 12345 (inferred
// pattern; the platform's UI shows the real one).
func ExampleWebhookURL() {
	fmt.Println(acuity.WebhookURL(elements.DefaultBaseURL, 12345))
	// Output:
	// https://api.cloud-elements.com/elements/api-v2/events/acuityscheduling/MTIzNDU=
}

// Verifying and parsing a webhook Acuity sent directly: check the signature
// over the raw bytes first, then parse.
func ExampleVerifySignature() {
	apiKey := "shared-demo-key" // the Acuity account's API key
	body := []byte("action=canceled&id=8802&calendarID=12&appointmentTypeID=3")
	signature := "2CbHY5QkF75gWPRbdyqbC0hjjzgh9qiaGAqXpkcKsvA=" // X-Acuity-Signature

	if err := acuity.VerifySignature(body, signature, apiKey); err != nil {
		fmt.Println("rejected:", err)
		return
	}
	w, err := acuity.ParseWebhook(body)
	if err != nil {
		fmt.Println("bad webhook:", err)
		return
	}
	objectType, eventType := w.PlatformEvent()
	fmt.Println(w.Action, w.ID, objectType, eventType)

	// A tampered body fails.
	err = acuity.VerifySignature([]byte("action=canceled&id=8803&calendarID=12&appointmentTypeID=3"), signature, apiKey)
	fmt.Println(errors.Is(err, acuity.ErrInvalidSignature))
	// Output:
	// canceled 8802 appointments UPDATED
	// true
}

// An http.Handler for webhooks that Acuity sends straight to the app.
func ExampleParseWebhook() {
	apiKey := os.Getenv("ACUITY_API_KEY")
	handler := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, 64<<10))
		if err != nil {
			http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if err := acuity.VerifySignature(body, r.Header.Get(acuity.SignatureHeader), apiKey); err != nil {
			http.Error(rw, "bad signature", http.StatusUnauthorized)
			return
		}
		w, err := acuity.ParseWebhook(body)
		if err != nil {
			http.Error(rw, "bad webhook", http.StatusBadRequest)
			return
		}
		log.Printf("appointment %d: %s", w.ID, w.ClassicAction())
	})
	http.Handle("/acuity/webhook", handler)
}

// Reading the Acuity webhook out of a platform notification.
func ExampleWebhookFromNotification() {
	body := []byte(`{"message": {"elementKey": "acuityscheduling", "instanceId": 4242,
		"raw": {"action": "rescheduled", "id": "8801", "calendarID": "12", "appointmentTypeID": "3"},
		"events": [{"eventType": "UPDATED", "objectId": "8801", "objectType": "appointments"}]}}`)
	n, err := webhook.ParseNotification(body)
	if err != nil {
		log.Fatal(err)
	}
	w, err := acuity.WebhookFromNotification(n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("instance %d: %s appointment %d on calendar %d\n", n.InstanceID, w.Action, w.ID, w.CalendarID)
	// Output:
	// instance 4242: rescheduled appointment 8801 on calendar 12
}

// The thin-payload problem: a platform event carries ids only, so fetch the
// full appointment with the instance's token inside the WebhookHandler.
func ExampleGetAppointment() {
	client, err := elements.NewClient(os.Getenv("ELEMENTS_USER_SECRET"), os.Getenv("ELEMENTS_ORG_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	tokens := map[int64]string{} // instance id -> token, saved at Create

	h := &webhook.Handler{
		SigningKeys: []string{os.Getenv("ELEMENTS_SIGNING_KEY")},
		OnNotification: func(ctx context.Context, n *webhook.Notification) error {
			w, err := acuity.WebhookFromNotification(n)
			if err != nil {
				return err
			}
			appt, err := acuity.GetAppointment(ctx, client, tokens[n.InstanceID], w.ID)
			if err != nil {
				return err // 500: the platform retries later
			}
			log.Printf("%s %s at %s (%s)", appt.FirstName, appt.LastName, appt.Datetime, w.ClassicAction())
			return nil
		},
	}
	http.Handle("/events", h)
}
