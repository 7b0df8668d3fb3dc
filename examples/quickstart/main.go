// Command quickstart shows the whole SDK working, offline, in one process and
// a second or so:
//
//  1. it starts a fake platform (elementstest) and, as your application, an
//     HTTP server with an webhook.Handler mounted at /events;
//  2. it runs the OAuth step against the fake (the platform's OAuth URL, the
//     provider's consent page, the redirect back with a code);
//  3. it creates an Acuity Scheduling instance through elements.Client, with
//     events enabled and a signature key;
//  4. it plays Acuity: it puts appointment 8801 in the fake's copy of the
//     Acuity account and sends a signed "scheduled" webhook about it to the
//     instance's Webhook URL;
//  5. the fake standardizes it and POSTs a signed notification to /events,
//     where the handler verifies it and routes the typed event;
//  6. the route fetches the appointment the thin webhook names, through the
//     platform with the instance token (acuity.GetAppointment).
//
// Run it with:
//
//	go run ./examples/quickstart
//
// It exits with status 1 if any step fails or takes longer than 10 seconds.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

// Demo credentials: the fake accepts any; a real app keeps them out of code.
const (
	userSecret   = "quickstart-user-secret"
	orgSecret    = "quickstart-organization-secret"
	clientID     = "quickstart-acuity-client-id"
	clientSecret = "quickstart-acuity-client-secret"
	acuityAPIKey = "quickstart-acuity-api-key"  // Acuity signs its webhooks with it
	signingKey   = "quickstart-callback-secret" // the platform signs its callbacks with it
	oauthState   = "quickstart-state"
)

// appointment is appointment 8801 as Acuity's API returns it (abridged).
const appointment = `{"id": 8801, "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com",
  "datetime": "2026-12-01T10:15:00-0700", "duration": "45", "type": "Initial consultation",
  "appointmentTypeID": 3, "calendar": "Front Desk", "calendarID": 12, "price": "60.00", "paid": "no"}`

func main() {
	flags := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: quickstart

Runs the SDK's main job offline, end to end, against an in-process fake
platform: creates an Acuity Scheduling instance, receives a signed event
through webhook.Handler and fetches its appointment through the hub. It
takes no flags and reads no environment variables.
`)
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart failed:", err)
		os.Exit(1)
	}
}

// received is what the webhook handler's route was given and fetched.
type received struct {
	n    *webhook.Notification
	e    webhook.Event
	appt *acuity.Appointment
	err  error
}

func run(ctx context.Context, w io.Writer) error {
	platform := elementstest.NewServer(elementstest.WithIssuedCodesOnly())
	defer platform.Close()
	client, err := elements.NewClient(userSecret, orgSecret, elements.WithBaseURL(platform.URL))
	if err != nil {
		return err
	}

	// Your application: its own server, with the webhook handler at /events
	// and the OAuth redirect target at /oauth/callback.
	var instanceToken string // stored once the instance is created, before any event
	events := make(chan received, 1)
	handler := &webhook.Handler{SigningKeys: []string{signingKey}}
	handler.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventCreated,
		func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
			// Acuity's webhook only names the appointment: fetch it.
			wh, err := acuity.WebhookFromNotification(n)
			var appt *acuity.Appointment
			if err == nil {
				appt, err = acuity.GetAppointment(ctx, client, instanceToken, wh.ID)
			}
			select {
			case events <- received{n, e, appt, err}:
			default: // a redelivery; the first one is enough here
			}
			return err
		})
	codes := make(chan string, 1)
	mux := http.NewServeMux()
	mux.Handle("/events", handler)
	mux.HandleFunc("/oauth/callback", func(rw http.ResponseWriter, r *http.Request) {
		code, err := acuity.CodeFromRedirect(r, oauthState)
		if err != nil {
			http.Error(rw, "authorization failed", http.StatusBadRequest)
			return
		}
		select {
		case codes <- code:
		default:
		}
		fmt.Fprintln(rw, "Connected. You can close this window.")
	})
	app := httptest.NewServer(mux)
	defer app.Close()

	// OAuth: ask the platform for the provider's consent URL, "visit" it as
	// the user's browser would, and take the code off the redirect.
	redirectURI := app.URL + "/oauth/callback"
	consentURL, err := client.Instances.OAuthURL(ctx, acuity.ElementKey, &elements.OAuthURLParams{
		APIKey: clientID, APISecret: clientSecret, CallbackURL: redirectURI, State: oauthState,
	})
	if err != nil {
		return fmt.Errorf("getting the OAuth URL: %w", err)
	}
	if err := get(ctx, consentURL); err != nil {
		return fmt.Errorf("visiting the OAuth URL: %w", err)
	}
	var code string
	select {
	case code = <-codes:
	default:
		return errors.New("the OAuth redirect brought no code")
	}

	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: code, ClientID: clientID, ClientSecret: clientSecret, RedirectURI: redirectURI,
		EventCallbackURL: app.URL + "/events", SignatureKey: signingKey,
		Name: "Quickstart", Tags: []string{"quickstart"},
	})
	if err != nil {
		return err
	}
	instance, err := client.Instances.Create(ctx, req)
	if err != nil {
		return fmt.Errorf("creating the instance: %w", err)
	}
	instanceToken = instance.Token
	fmt.Fprintf(w, "Created %s instance %d (%q).\n", instance.Element.Name, instance.ID, instance.Name)

	// Play Acuity: the account holds appointment 8801, and a webhook about
	// it, signed with the account's API key, goes to the Webhook URL you
	// would paste into Acuity's settings.
	if err := platform.SetAcuityAPIKey(instance.ID, acuityAPIKey); err != nil {
		return err
	}
	if err := platform.SetAppointment(instance.ID, []byte(appointment)); err != nil {
		return err
	}
	hook := acuity.Webhook{Action: acuity.ActionScheduled, ID: 8801, CalendarID: 12, AppointmentTypeID: 3}
	body, signature := elementstest.AcuityWebhook(acuityAPIKey, hook)
	if err := sendWebhook(ctx, acuity.WebhookURL(platform.URL, instance.ID), body, signature); err != nil {
		return fmt.Errorf("sending the Acuity webhook: %w", err)
	}
	fmt.Fprintf(w, "Sent a signed Acuity %q webhook for appointment %d.\n", hook.Action, hook.ID)

	var got received
	select {
	case got = <-events:
	case <-ctx.Done():
		return fmt.Errorf("waiting for the event to reach the handler: %w", ctx.Err())
	}
	if got.err != nil {
		return fmt.Errorf("fetching the appointment in the route: %w", got.err)
	}
	deliveries, err := platform.WaitForDeliveries(ctx, 1)
	if err != nil {
		return err
	}
	if !deliveries[0].Delivered {
		return fmt.Errorf("the handler did not acknowledge the notification: %+v", deliveries[0].Attempts)
	}

	// The route runs only for a notification whose signature matched
	// SigningKeys, so reaching it means the signature was verified.
	fmt.Fprintln(w, "Your webhook handler received:")
	fmt.Fprintf(w, "  element key:  %s\n", got.n.ElementKey)
	fmt.Fprintf(w, "  instance id:  %d\n", got.n.InstanceID)
	fmt.Fprintf(w, "  event type:   %s\n", got.e.EventType)
	fmt.Fprintf(w, "  object type:  %s\n", got.e.ObjectType)
	fmt.Fprintf(w, "  object id:    %s\n", got.e.ObjectID)
	fmt.Fprintf(w, "  appointment:  %s %s, %s, %s\n", got.appt.FirstName, got.appt.LastName, got.appt.Type,
		got.appt.Datetime.Format("2006-01-02 15:04 -0700"))
	fmt.Fprintf(w, "  signature:    verified (%s)\n", webhook.SignatureHeader)
	fmt.Fprintln(w, "All offline: Acuity -> platform -> your handler.")
	return nil
}

// get fetches url, following redirects, and fails on a non-2xx answer.
func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	return send(req)
}

// sendWebhook POSTs an Acuity webhook form with its signature, as Acuity
// sends it.
func sendWebhook(ctx context.Context, url string, form []byte, signature string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(form))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(acuity.SignatureHeader, signature)
	return send(req)
}

func send(req *http.Request) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	return nil
}
