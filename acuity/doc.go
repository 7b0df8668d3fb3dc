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
//  4. Events: inside an webhook.Handler, [WebhookFromNotification]
//     reads Acuity's webhook out of the platform's notification, and
//     [GetAppointment] fetches the full [Appointment] behind it (Acuity's
//     webhooks carry ids only).
//
// Beyond events, [Account] reads and changes the connected account through
// the platform's scheduling hub with the instance's token: appointments
// (listed page by page as an iter.Seq2, by date range, calendar, type or
// email), one appointment, Book, Reschedule, Cancel, UpdateAppointment, an
// appointment's Payments, appointment types, calendars and free dates and
// times. Every record keeps its JSON in Raw, so fields the SDK does not
// model are not lost. [Account.AppointmentPager] says where a listing is, so
// that a backfill that crashed resumes from its saved position instead of
// the first page.
//
// Pacing: Acuity allows about 10 requests a second and 20 at once per
// account. One elements.Client per process paces every request it sends
// with an instance's token (every Account, every GetAppointment) to that
// limit by default, and waits out 429 answers; for several replicas, give
// their Clients one shared limiter from the redislimit module (see
// elements.Limiter).
//
// For webhooks Acuity sends straight to the app, [VerifySignature] checks the
// X-Acuity-Signature header over the raw body and [ParseWebhook] parses the
// form; for tests, the fake platform's elementstest.AcuityWebhook makes real
// signed webhooks.
//
// Three facts here are inferred, not stated by the platform's
// documentation: the Webhook URL pattern ([WebhookURL]), the mapping of
// Acuity's actions to the platform's event types ([PlatformEvent]) and the
// CEQL that filters appointments by date, calendar, type and email (see
// [Account.Appointments]). Each lives in exactly one function, documented as
// inferred, so it is easy to change.
package acuity
