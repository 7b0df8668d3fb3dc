// Package elements is a Go SDK for the Cloud Elements / SAP Open Connectors
// integration platform.
//
// It offers two things a host application embeds:
//
//   - a typed [Client] that creates and manages element instances through the
//     platform's /instances API, and
//   - a [WebhookHandler], an [net/http.Handler] that verifies (HMAC signature)
//     and parses the standardized event callbacks the platform sends.
//
// One Client per process is paced per account by default: every request it
// sends with an instance's token waits its turn under Acuity's limits, and a
// 429 answer is waited out, not returned; for several replicas, give every
// replica's Client one shared limiter from the redislimit module (see
// [Limiter] and [WithRateLimitWait]).
//
// The acuity sub-package holds what is specific to the Acuity Scheduling
// element, and elementstest provides an in-memory fake of the platform for
// offline tests.
package elements
