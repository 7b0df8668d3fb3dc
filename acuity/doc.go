// Package acuity holds what is specific to the Acuity Scheduling element of
// the Cloud Elements / SAP Open Connectors platform, so that Acuity code can
// be written in Acuity terms. With the core client (package elements) it
// covers the whole path from "I have an Acuity app" to typed appointment
// events:
//
//  1. OAuth: [OAuthConfig] (with [Endpoint] and [ScopeAPIV1]) builds Acuity's
//     authorize URL; [CodeFromRedirect] reads the code off the redirect and
//     checks the state.
//  2. Instance: [NewInstanceRequest] turns the code and the app's settings
//     into the documented create body, events enabled, for
//     Client.Instances.Create.
//  3. Webhook URL: [WebhookURL] is the URL to paste into Acuity's webhook
//     settings for the instance.
//  4. Events: inside an elements.WebhookHandler, [WebhookFromNotification]
//     reads Acuity's webhook out of the platform's notification, and
//     [GetAppointment] fetches the full [Appointment] behind it (Acuity's
//     webhooks carry ids only).
//
// For webhooks Acuity sends straight to the app, [VerifySignature] checks the
// X-Acuity-Signature header over the raw body and [ParseWebhook] parses the
// form; [Sign] and [Webhook.Encode] make real signed webhooks for tests.
//
// Two facts here are inferred, not stated by the platform's documentation:
// the Webhook URL pattern ([WebhookURL]) and the mapping of Acuity's actions
// to the platform's event types ([PlatformEvent]). Each lives in exactly one
// function, documented as inferred, so it is easy to change.
package acuity
