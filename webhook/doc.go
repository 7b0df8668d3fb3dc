// Package webhook receives the platform's event callbacks: [Handler] is an
// [net/http.Handler] that verifies each callback's HMAC signature over the
// raw body, parses it into a [Notification], and either stores it in an
// [Inbox] (queue-first: answered at once, processed later by the queue's
// workers with [Handler.Dispatch]) or hands it to the host's callbacks
// (OnNotification and routes registered with [Handler.Handle]) before
// answering.
//
// Mount one Handler at the path of the instances'
// event.notification.callback.url. Set SigningKeys (one instance) or
// KeysFor (many tenants, each with its own key), an Inbox for anything that
// calls out or takes time, and the callbacks:
//
//	h := &webhook.Handler{KeysFor: keysFor, Inbox: inbox}
//	h.Handle("acuityscheduling", "appointments", webhook.EventCreated, onBooked)
//	http.Handle("/elements/events", h)
//	// and in the queue's worker: err := h.Dispatch(ctx, n)
//
// [github.com/elementsgo/elements/riverinbox] is an Inbox on River and
// PostgreSQL. [Sign] and [ParseNotification] let tests build signed
// callbacks; [Deduplicator] and [MemoryDeduplicator] keep retries and
// duplicates away from inline callbacks, and package webhooktest checks a
// Deduplicator of your own. This package does not depend on the client
// (package elements).
package webhook
