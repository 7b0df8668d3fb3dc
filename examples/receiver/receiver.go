// Package receiver is a receiver with its tests, run offline, against the fake
// platform (elementstest) and with signed requests of your own; the
// README's "Testing your code offline" shows these files.
package receiver

import (
	"context"

	"github.com/elementsgo/elements/webhook"
)

// NewReceiver is your application's receiver: it verifies callbacks with
// signingKey and records each new appointment with booked.
func NewReceiver(signingKey string, booked func(ctx context.Context, instanceID int64, appointmentID string) error) *webhook.Handler {
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Deduplicator: webhook.NewMemoryDeduplicator(0)}
	h.Handle("acuityscheduling", "appointments", webhook.EventCreated,
		func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
			return booked(ctx, n.InstanceID, e.ObjectID)
		})
	return h
}
