package main

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/webhook"
)

// saver keeps what the appointment route learns: it fetches the
// appointment with fetch and keeps it in the database, in the transaction
// that completes the event's job (queue-first, queue.go, which orders the
// fetches of one appointment), or in the log (inline, logSaver).
type saver interface {
	saveAppointment(ctx context.Context, n *webhook.Notification, action string, fetch func(context.Context) (*acuity.Appointment, error)) error
}

// newHandler returns the events handler: each tenant's events checked
// with its own keys (KeysFor), and one route per kind of event. The
// appointment route calls out (it fetches the appointment through the
// scheduling hub), which is why the receiver is queue-first when it has a
// database: the platform's delivery never waits for Acuity.
func newHandler(t *tenants, client *elements.Client, s saver, logger *slog.Logger) *webhook.Handler {
	h := &webhook.Handler{
		KeysFor: t.KeysFor, // each tenant's instance signs with its own key
		Logger:  logger,
		// Results of asynchronous API calls arrive at the same URL; they are
		// handled in the request, queue or not.
		OnAsyncResponse: func(ctx context.Context, a *webhook.AsyncResponse) error {
			logger.InfoContext(ctx, "asynchronous request done", "instance", a.InstanceID, "events", len(a.Events))
			return nil
		},
	}
	route := func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		id, err := strconv.ParseInt(e.ObjectID, 10, 64)
		if err != nil || id <= 0 {
			logger.WarnContext(ctx, "appointment event without an appointment id: skipped", "instance", n.InstanceID, "objectId", e.ObjectID)
			return nil // retrying cannot help
		}
		// Scheduled arrives as CREATED; canceled, rescheduled and changed
		// as UPDATED, and Acuity's own action tells them apart.
		action := acuity.ActionChanged
		if wh, err := acuity.WebhookFromNotification(n); err == nil {
			action = wh.Action
		}
		token, err := t.Token(n.InstanceID)
		if err != nil {
			return err
		}
		// The event is thin: fetch the appointment. The client paces the
		// account (about 10 requests a second) and waits out a 429; one it
		// does not wait out snoozes the job for its Retry-After.
		return s.saveAppointment(ctx, n, action, func(ctx context.Context) (*acuity.Appointment, error) {
			return acuity.GetAppointment(ctx, client, token, id)
		})
	}
	h.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventCreated, route)
	h.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventUpdated, route)
	h.HandleDefault(func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		logger.InfoContext(ctx, "other event", "element", e.ElementKey, "object", e.ObjectType, "type", e.EventType, "id", e.ObjectID)
		return nil
	})
	return h
}

// logSaver is the inline receiver's saver: it logs the appointment.
type logSaver struct{ logger *slog.Logger }

func (s logSaver) saveAppointment(ctx context.Context, n *webhook.Notification, action string, fetch func(context.Context) (*acuity.Appointment, error)) error {
	a, err := fetch(ctx)
	if err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "appointment", "instance", n.InstanceID, "appointment", a.ID, "action", action,
		"start", a.Datetime, "canceled", a.Canceled)
	return nil
}
