// Package webhook receives the platform's event callbacks: [Handler] is an
// [net/http.Handler] that verifies each callback's HMAC signature over the
// raw body, parses it into a [Notification], de-duplicates it, and hands it
// to the host's callbacks (OnNotification and routes registered with
// [Handler.Handle]).
//
// Mount one Handler at the path of the instances'
// event.notification.callback.url. Set SigningKeys (one instance) or
// KeysFor (many tenants, each with its own key), and a callback:
//
//	h := &webhook.Handler{SigningKeys: webhook.Secrets{key}}
//	h.Handle("acuityscheduling", "appointments", webhook.EventCreated, onBooked)
//	http.Handle("/elements/events", h)
//
// [Sign] and [ParseNotification] let tests build signed callbacks;
// [Deduplicator] and [MemoryDeduplicator] keep retries and duplicates away
// from the host, and package webhooktest checks a Deduplicator of your own.
// This package does not depend on the client (package elements).
package webhook
