// Package elements is the client of the Cloud Elements / SAP Open Connectors
// integration platform: a typed [Client] that creates and manages element
// instances through the platform's /instances API ([InstancesService]),
// reads an instance's events log, and shows and redelivers what the
// platform queued after failed deliveries.
//
// Start with [NewClient] and [Client.Instances]. The platform's event
// callbacks are received by package
// [github.com/elementsgo/elements/webhook]; what is specific to the Acuity
// Scheduling element is in package [github.com/elementsgo/elements/acuity];
// package [github.com/elementsgo/elements/elementstest] is an in-memory fake
// of the platform for offline tests.
//
// One Client per process is paced per account by default: every request it
// sends with an instance's token waits its turn under Acuity's limits, and a
// 429 answer is waited out, not returned; for several replicas, give every
// replica's Client one shared limiter from the redislimit module (see
// [Limiter] and [WithRateLimitWait]).
package elements
