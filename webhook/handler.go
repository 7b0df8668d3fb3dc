package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/elementsgo/elements/internal/redact"
)

// Handler is an [http.Handler] that receives the platform's event
// callbacks: mount it at the path of the instances'
// event.notification.callback.url, with SigningKeys (one instance) or
// KeysFor (many tenants) to verify them.
//
// Queue-first, the shape for anything that calls out or takes more than a
// moment: set Inbox. The handler then verifies, parses and stores each
// notification with Inbox.Put and answers 200 as soon as it is stored;
// your queue's workers run the callbacks later with [Handler.Dispatch] and
// retry them on their own schedule. The platform never waits for your
// work, and nothing is acknowledged before it is stored
// ([github.com/elementsgo/elements/riverinbox] is an Inbox on River and
// PostgreSQL):
//
//	inbox, err := riverinbox.New(riverClient)
//	...
//	h := &webhook.Handler{KeysFor: keysFor, Inbox: inbox}
//	h.Handle("acuityscheduling", "appointments", "*", onAppointment)
//	http.Handle("/elements/events", h)                 // stores
//	river.AddWorker(workers, riverinbox.NewWorker(h)) // runs onAppointment
//
// Inline, for quick local work: without an Inbox the handler runs the
// callbacks (OnNotification, then each event's route; see [Handler.Handle])
// itself and answers 200 only after all of them returned nil, 500 otherwise
// so that the platform redelivers. The platform waits meanwhile.
//
// Either way it fails closed: without a usable signing key every callback
// is refused (500, [ErrMisconfigured]); a bad signature is 401, a malformed
// body 400, a body over MaxBodyBytes 413. A panic in host code it calls is
// recovered as a [*PanicError] and answered 500: the host server never
// crashes. docs/receiving.md in the repository walks through every step.
//
// Set the fields before serving and do not change them afterwards; routes
// may be added at any time. A Handler must not be copied after first use.
// Printing it with fmt or slog shows how many signing keys it has, never
// the keys.
type Handler struct {
	// SigningKeys are the instance's event.notification.signature.key
	// values; any one may have signed a callback, so during rotation list
	// the new and the old key. Ignored when KeysFor is set. Secrets prints
	// redacted.
	SigningKeys Secrets

	// KeysFor, if set, is used instead of SigningKeys, for a handler that
	// receives the callbacks of many instances (tenants), each signed with
	// its own key: it returns the keys of the instance a callback names,
	// read from the still unverified body with a bounded scan; the body is
	// parsed only once verified. Return an error wrapping
	// [ErrUnknownInstance], or no keys, for an instance you do not know
	// (401); any other error answers 500, so the platform retries. It must
	// be safe for concurrent use. docs/receiving.md shows how to rotate one
	// tenant's key.
	KeysFor func(ctx context.Context, instanceID int64) ([]string, error)

	// InsecureSkipVerify accepts callbacks without checking any signature,
	// even when SigningKeys or KeysFor is set (KeysFor is then not called).
	// It is the only way to accept unsigned callbacks; use it only for
	// instances without a signature key, behind another form of
	// authentication.
	InsecureSkipVerify bool

	// MaxBodyBytes caps the request body; zero or less means
	// DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// OnNotification, if set, receives every verified, parsed notification
	// before the events are routed. An error stops the notification (no
	// route is called): ServeHTTP answers 500, Dispatch returns it.
	OnNotification func(ctx context.Context, n *Notification) error

	// OnAsyncResponse, if set, receives every verified, parsed
	// asynchronous-request callback; an error or panic answers 500 (the
	// platform retries). Nil acknowledges them with 200 and a debug record,
	// never an error status: a non-2xx makes the platform retry for days
	// and then deactivate the subscription.
	OnAsyncResponse func(ctx context.Context, a *AsyncResponse) error

	// OnError, if set, is told of every request not answered 2xx, and of a
	// failed Deduplicator.Done after a 200. err is a [*Error]. It
	// runs before the answer is written and must be quick and safe for
	// concurrent use. If it panics, the panic goes to the Logger only.
	OnError func(r *http.Request, err error)

	// Logger, if set, receives one record per request (debug when handled,
	// info for a duplicate still in flight, warn when rejected, error for a
	// 500). Nil is silent. Records never hold a key, a signature or the
	// body, and take at most 40 bytes of any value from the request.
	Logger *slog.Logger

	// Deduplicator, if set, makes the handler hand each notification to the
	// host once, however often the platform retries it or the vendor repeats
	// it (see [Deduplicator]; with an Inbox it is not used: the Inbox
	// de-duplicates). Nil turns de-duplication off.
	Deduplicator Deduplicator

	// Inbox, if set, receives each verified, parsed notification instead of
	// the callbacks: the handler answers 200 once Put returned nil (the
	// notification is durably stored, or was stored before under the same
	// key) and 500 if it failed. Run the callbacks from the queue's workers
	// with [Handler.Dispatch]. A handler that only serves HTTP with an Inbox
	// needs no callbacks; the one that Dispatches needs them, and no keys.
	Inbox Inbox

	router routeTable
}

// callback is one parsed, verified callback: a notification (n) or an
// asynchronous-request callback (a).
type callback struct {
	n *Notification
	a *AsyncResponse
}

func (c callback) instanceID() int64 {
	if c.a != nil {
		return c.a.InstanceID
	}
	return c.n.InstanceID
}

func (c callback) eventID() string {
	if c.a != nil {
		return c.a.EventID
	}
	return c.n.EventID
}

func (c callback) what() string {
	if c.a != nil {
		return "asynchronous-request callback"
	}
	return "notification"
}

// parseCallback parses a verified body: a notification, or else, when the
// body is shaped like one (see scanHead), an asynchronous-request callback.
// The scan runs only on that second path, so a notification costs one parse.
func parseCallback(body []byte) (callback, error) {
	n, err := ParseNotification(body)
	if err != nil && scanHead(body).async {
		a, err := ParseAsyncResponse(body)
		return callback{a: a}, err
	}
	return callback{n: n}, err
}

// ServeHTTP implements [http.Handler]; see [Handler] for what it does.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.failRequest(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed; the platform POSTs callbacks", redact.Quote(r.Method)))
		return
	}
	if err := h.configError(); err != nil {
		h.failRequest(w, r, http.StatusInternalServerError, err)
		return
	}
	body, status, err := h.readBody(w, r)
	if err != nil {
		h.failRequest(w, r, status, err)
		return
	}
	// Only KeysFor needs the instance the body names before it is verified;
	// without it, nothing is scanned.
	var head callbackHead
	if h.KeysFor != nil && !h.InsecureSkipVerify {
		head = scanHead(body)
	}
	if status, err := h.verify(r, body, head); err != nil {
		h.failRequest(w, r, status, err)
		return
	}
	c, err := parseCallback(body)
	if err != nil {
		h.failRequest(w, r, http.StatusBadRequest, err)
		return
	}
	if h.KeysFor != nil && !h.InsecureSkipVerify && c.instanceID() != head.instanceID {
		h.failRequest(w, r, http.StatusUnauthorized, fmt.Errorf(
			"%w: verified with the keys of instance %d, but the parsed body names instance %d (duplicate or ambiguous instanceId)",
			ErrInvalidSignature, head.instanceID, c.instanceID()))
		return
	}
	if c.n != nil && h.Inbox != nil {
		h.putInInbox(w, r, c, body)
		return
	}
	ctx := r.Context()
	if c.a != nil && h.OnAsyncResponse == nil {
		h.logRequest(ctx, slog.LevelDebug, "webhook: asynchronous-request callback acknowledged (no OnAsyncResponse)", r, c)
		w.WriteHeader(http.StatusOK)
		return
	}
	key := ""
	if h.Deduplicator != nil {
		key = notificationKey(r, c, body)
	}
	if key != "" {
		var state DedupState
		err := callSafely(func() (err error) {
			state, err = h.Deduplicator.Claim(ctx, key)
			return err
		})
		switch {
		case err != nil:
			h.failRequest(w, r, http.StatusInternalServerError, fmt.Errorf("deduplicator: claim: %w", err))
			return
		case state == DedupDone:
			h.logRequest(ctx, slog.LevelDebug, "webhook: duplicate "+c.what()+" acknowledged", r, c)
			w.WriteHeader(http.StatusOK)
			return
		case state == DedupInFlight:
			h.failRequest(w, r, http.StatusConflict, fmt.Errorf("%s %s of instance %d is still being processed by another delivery", c.what(), redact.Quote(c.eventID()), c.instanceID()))
			return
		case state != DedupClaimed:
			h.failRequest(w, r, http.StatusInternalServerError, fmt.Errorf("deduplicator: claim: unknown state %v", state))
			return
		}
	}
	// The claim, if any, now ends in exactly one Done or Release, even if
	// the platform has hung up meanwhile (the bookkeeping must match what
	// the host did), and even if a callback ends its goroutine with
	// runtime.Goexit (as t.FailNow does): then only deferred calls run, and
	// a claim left held would answer every redelivery 409 for days.
	returned := false
	if key != "" {
		defer func() {
			if !returned {
				err := errors.New("a callback ended its goroutine (runtime.Goexit) without returning")
				h.failRequest(w, r, http.StatusInternalServerError, h.releaseClaim(ctx, key, err))
			}
		}()
	}
	err = h.dispatch(ctx, c)
	returned = true
	if err != nil {
		if key != "" {
			err = h.releaseClaim(ctx, key, err)
		}
		h.failRequest(w, r, http.StatusInternalServerError, err)
		return
	}
	if key != "" {
		if err := callSafely(func() error { return h.Deduplicator.Done(context.WithoutCancel(ctx), key) }); err != nil {
			h.reportError(r, http.StatusOK, fmt.Errorf("deduplicator: done (the %s was handled; a redelivery may reach the host again): %w", c.what(), err))
		}
	}
	msg := "webhook: notification handled" // constant texts: no allocation per request
	if c.a != nil {
		msg = "webhook: asynchronous-request callback handled"
	}
	h.logRequest(ctx, slog.LevelDebug, msg, r, c)
	w.WriteHeader(http.StatusOK)
}

// releaseClaim releases key after the callbacks failed with err, and returns
// err joined with the release's own error, if any.
func (h *Handler) releaseClaim(ctx context.Context, key string, err error) error {
	if rerr := callSafely(func() error { return h.Deduplicator.Release(context.WithoutCancel(ctx), key) }); rerr != nil {
		return errors.Join(err, fmt.Errorf("deduplicator: release: %w", rerr))
	}
	return err
}

// configError returns why h must refuse every callback, or nil: no usable
// signing key, or nowhere to deliver notifications to (neither an Inbox nor
// a callback).
func (h *Handler) configError() error {
	if !h.InsecureSkipVerify && h.KeysFor == nil {
		if err := checkKeys(h.SigningKeys); err != nil {
			return fmt.Errorf("%w: %w; set SigningKeys to the instance's signature key (or KeysFor)", ErrMisconfigured, err)
		}
	}
	if h.Inbox != nil {
		return nil
	}
	return h.callbacksError()
}

// callbacksError returns an error wrapping ErrMisconfigured if h has no
// callback to hand a notification to, or nil.
func (h *Handler) callbacksError() error {
	if h.OnNotification == nil && len(h.router.load()) == 0 {
		return fmt.Errorf("%w: neither OnNotification nor any route is set, so events would be lost", ErrMisconfigured)
	}
	return nil
}

// callSafely calls fn, turning a panic in it into a *PanicError: every call
// into host code goes through it.
func callSafely(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// dispatch runs OnAsyncResponse, or OnNotification and the routes, turning
// a panic into a *PanicError.
func (h *Handler) dispatch(ctx context.Context, c callback) error {
	if c.a != nil {
		if err := callSafely(func() error { return h.OnAsyncResponse(ctx, c.a) }); err != nil {
			return fmt.Errorf("OnAsyncResponse: %w", err)
		}
		return nil
	}
	n := c.n
	cur := -1 // the event being handled; -1: OnNotification
	err := callSafely(func() error { return h.runCallbacks(ctx, n, &cur) })
	if pe, ok := err.(*PanicError); ok {
		return fmt.Errorf("%s: %w", eventWhere(n, cur), pe)
	}
	return err
}

// runCallbacks runs OnNotification and the routes, keeping in *cur the event
// being handled.
func (h *Handler) runCallbacks(ctx context.Context, n *Notification, cur *int) error {
	if h.OnNotification != nil {
		if err := h.OnNotification(ctx, n); err != nil {
			return fmt.Errorf("%s: %w", eventWhere(n, -1), err)
		}
	}
	routes := h.router.load()
	if len(routes) == 0 {
		return nil // OnNotification alone
	}
	for i := range n.Events {
		*cur = i
		e := n.Events[i]
		rt := matchRoute(routes, &e)
		if rt == nil {
			if h.Logger != nil {
				h.logRequest(ctx, slog.LevelDebug, "webhook: event matched no route", nil, callback{n: n},
					slog.String("event", eventWhere(n, i)))
			}
			continue
		}
		if err := rt.fn(ctx, n, e); err != nil {
			return fmt.Errorf("%s: %w", eventWhere(n, i), err)
		}
	}
	return nil
}

// eventWhere names the callback that handled event i of n (-1: OnNotification)
// for error texts.
func eventWhere(n *Notification, i int) string {
	if i < 0 || i >= len(n.Events) {
		return "OnNotification"
	}
	e := &n.Events[i]
	return fmt.Sprintf("event %d of %d (element %s, object type %s, event type %s, object id %s)",
		i+1, len(n.Events), redact.Quote(e.ElementKey), redact.Quote(e.ObjectType), redact.Quote(e.EventType), redact.Quote(e.ObjectID))
}
