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
package elements
