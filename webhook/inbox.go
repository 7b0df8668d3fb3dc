package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Inbox stores verified notifications for later processing: a durable
// queue. With [Handler].Inbox set, the handler answers the platform 200 as
// soon as Put returned nil, and the host's workers run the callbacks
// later with [Handler.Dispatch]. [github.com/elementsgo/elements/riverinbox]
// implements it on River and PostgreSQL.
//
// Put must return nil only once n is durably stored (or was stored before
// under the same key): the platform does not send it again after the 200.
// key is the handler's de-duplication key for n (the formats are on
// [Deduplicator]); a Put of a key stored before, within the platform's
// retry window, must store nothing and return nil. Key "" (a notification
// with neither an eventId nor an Elements-Webhook-Id header) is not
// de-duplicated: store it every time. An error makes the handler answer
// 500, so the platform delivers the notification again. Put gets the
// request's context and must be safe for concurrent use; n must not be
// modified.
type Inbox interface {
	Put(ctx context.Context, key string, n *Notification) error
}

// putInInbox stores the notification of c under its key and answers 200, or
// 500 if Put failed or panicked.
func (h *Handler) putInInbox(w http.ResponseWriter, r *http.Request, c callback, body []byte) {
	key := notificationKey(r, c, body)
	if err := callSafely(func() error { return h.Inbox.Put(r.Context(), key, c.n) }); err != nil {
		h.failRequest(w, r, http.StatusInternalServerError, fmt.Errorf("inbox: put: %w", err))
		return
	}
	h.logRequest(r.Context(), slog.LevelDebug, "webhook: notification stored in the inbox", r, c)
	w.WriteHeader(http.StatusOK)
}

// Dispatch runs the callbacks for a notification taken from a queue (see
// [Inbox]): OnNotification, then each event's route, exactly as ServeHTTP
// runs them without an Inbox. It returns the first error, naming the
// callback that failed, or nil once all returned nil; a panic in a callback
// is recovered and returned as an error wrapping a [*PanicError]. Call it
// from the queue's worker and retry the notification when it fails.
//
// It does not de-duplicate (the Inbox did), never calls the Inbox and
// needs no signing key. With neither OnNotification nor a route it returns
// an error wrapping [ErrMisconfigured], so the queue keeps the
// notification instead of dropping it.
func (h *Handler) Dispatch(ctx context.Context, n *Notification) error {
	if n == nil {
		return errors.New("webhook: Dispatch: nil notification")
	}
	if err := h.callbacksError(); err != nil {
		return err
	}
	return h.dispatch(ctx, callback{n: n})
}
