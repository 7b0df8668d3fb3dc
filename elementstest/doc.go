// Package elementstest runs an in-memory fake of the Cloud Elements / SAP Open
// Connectors platform on loopback, for tests and offline examples. It is to the
// platform what [net/http/httptest] is to a server:
//
//	srv := elementstest.NewServer()
//	defer srv.Close()
//	client, _ := elements.NewClient("user-secret", "org-secret", elements.WithBaseURL(srv.URL))
//
// # The API
//
// The fake serves the platform's /instances API under [APIPath] with the
// documented JSON: create (POST /instances and /elements/{keyOrId}/instances),
// get, list (tags[], searchText), PATCH, PUT (?reAuthenticate=true), delete,
// enable and disable, the configuration list and its PATCH, the instance's
// events, and the OAuth URL call. It also serves the Acuity element's
// scheduling hub (/hubs/scheduling: appointments listed with CEQL filters,
// fetched, booked, patched, rescheduled and canceled, and their payments;
// appointment types; available dates and times, with dates read leniently
// as the hub does (month=2018-4, date=2018-4-13), and whether a time is
// free; calendars; ping) per instance, to the instance's Element token: 401
// without a valid token or
// after [Server.ExpireInstance], 403 while the instance is disabled. Its
// data comes from the API itself (acuity.Account.Book) and from
// [Server.SetAppointment], [Server.SetAppointmentType], [Server.SetCalendar],
// [Server.SetAvailability] and [Server.SetPayments]. Every list is paged by the platform's rule:
// pageSize (default 200) and nextPage, a next-page token on every page, the
// last one included, and an empty page past the end. [Server.NewClient]
// returns a client pointed at the fake. Every answer
// carries Elements-Request-Id;
// errors are {"message", "requestId"}: 401 without a "User …, Organization …"
// Authorization header, 404 for an unknown id, 400 for a bad body (no element
// key, an unknown element, no providerData.code, a non-boolean
// event.notification.enabled, no name, no oauth.api.key or oauth.api.secret, or
// events enabled without event.notification.callback.url). Instances get ids
// 1001, 1002, ... in creation order and a random token; configuration values
// come back as strings, secrets (oauth.api.key and oauth.api.secret
// included) masked as "********".
//
// The OAuth URL call answers a URL on the fake itself: a GET there redirects
// (302) to the callback URL with code and state, as the provider does once the
// user allows access, or with error=access_denied and state once
// [Server.DenyConsentNext] has it refuse. See [WithIssuedCodesOnly] to
// require the codes it issues.
//
// # Events
//
// An Acuity webhook POSTed to an instance's acuity.WebhookURL(srv.URL, id) is
// checked against the Acuity API key set with [Server.SetAcuityAPIKey] (401 on
// a bad X-Acuity-Signature), parsed with acuity.ParseWebhook (400 if
// malformed), answered 200, standardized into the documented notification
// (message.raw holds the form's fields; one event typed by
// acuity.PlatformEvent) and delivered in the background to the instance's
// event.notification.callback.url: a JSON POST with Elements-Webhook-Id and,
// when the instance has event.notification.signature.key, the signature from
// webhook.Sign. Non-2xx answers (redirects included), connection errors and
// timeouts are retried with growing waits (see [WithDeliveryRetry], or the
// platform's documented schedules with [WithRetrySchedule], run faster with
// [WithTimeScale]). Webhooks for a disabled instance or one with events off
// are answered 200 and dropped. After [Server.SetAcuityWebhooks], writes
// through the hub (book, reschedule, update, cancel) make the instance's
// Acuity account send its webhook through the same path, as a real account
// does once its webhook settings hold the instance's Webhook URL;
// [AcuityWebhook] makes one for a test to send. [Server.Deliver] sends a
// notification without Acuity (message.raw is the Acuity webhook behind its
// first event, by acuity.PlatformEvent's mapping, or {} for an event no
// Acuity webhook causes); [Server.Deliveries] and [Server.WaitForDeliveries]
// show what was sent, attempt by attempt, each attempt timed.
//
// # Delivery policy
//
// The fake plays the platform's failure policy. When a delivery's last
// retry fails, the subscription of its callback URL is deactivated: it and
// every later notification for the URL wait queued ([Server.Queued]) until
// a redelivery; with the account's policy "queue" the first failure does
// the same. The platform's calls for it are served, with the organization
// and user secrets like /instances:
//
//	GET /accounts/settings                          {} until set; then {"notification.webhook.failure.policy": "queue"}
//	PATCH or POST /accounts/settings                {"notification.webhook.failure.policy": "retry" or "queue"}: the settings
//	GET /notifications/subscriptions/deliveries     ?where=channel='webhook' and status='queued' and config.url='<url>'&hydrate=true
//	PUT /notifications/subscriptions/deliveries     ?where=... status='queued' ...: reactivates, sends the queue again in order
//
// A delivery is {"notificationId", "subscriptionId", "status", "createdDate",
// "updatedDate"}, with hydrate=true also "notification" {"id", "from",
// "topic", "severity", "message" (the standardized message, with its
// eventId), "createdDate", "active", "acknowledged"} and "subscription"
// {"id", "channel", "topics", "config": {"url"}}; the list is a plain JSON
// array paged like every list.
//
// # A busy platform
//
// [WithDeliveryConcurrency] bounds the delivery attempts in flight, like a
// platform's pool of delivery workers, and each [Attempt] records its start
// and duration. [WithHubRateLimit] limits each instance's hub calls as
// Acuity limits an account, answering 429 with Retry-After;
// [Server.HubLoad] shows what each instance sent.
//
// # Faults
//
// [Server.InjectNext] gives the next API calls a [Fault] each, in the order
// they arrive:
//
//	Fault{Status: 503}                       503 and an error body; the call has no effect
//	Fault{Status: 429, RetryAfter: "2"}      the same with Retry-After: 2 (a rate-limit storm)
//	Fault{Drop: true}                        the connection is reset; the call has no effect
//	Fault{Drop: true, AfterHandling: true}   the call takes effect, then the connection is reset
//	Fault{Status: 502, AfterHandling: true}  the call takes effect, then 502 is answered
//	Fault{}                                  the call is handled normally
//
// [Server.FailNext] and [Server.DropNext] are short for n calls failed or
// dropped without effect. [Server.SetLatency] slows every API call;
// [Server.DuplicateNext] delivers notifications twice.
//
// Where the platform's behaviour is not documented, the fake makes a choice
// and says so: several tags[] must all match, searchText matches part of the
// name ignoring case, oauth.api.key and keys naming a secret, password,
// token or signature key are masked. GET /instances/{id}/events lists one
// record per notification in the platform's shape ({"id", "eventDate",
// "status", "providerData", "notifiedData"}: id the notification's
// eventId, status RECEIVED, then DISPATCHED once an attempt was sent and
// NOTIFIED once the callback answered 2xx, providerData the message.raw as
// text), paged like every list; an empty /instances or events list answers
// 404 "No instances found" or "No events found".
package elementstest
