package elements

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/elementsgo/elements/internal/redact"
)

// DefaultMaxBodyBytes is the body size limit a [WebhookHandler] applies when
// MaxBodyBytes is zero or less: 1 MiB, far above 20 events plus a vendor
// payload.
const DefaultMaxBodyBytes = 1 << 20

// ErrWebhookMisconfigured is wrapped by the error a [WebhookHandler] reports
// when its configuration makes it refuse every callback: no usable signing
// key without InsecureSkipVerify (then [ErrNoSigningKey] is wrapped too), or
// neither OnNotification nor any route to deliver to.
var ErrWebhookMisconfigured = errors.New("elements: webhook handler misconfigured")

// WebhookError is what a [WebhookHandler] passes to its OnError hook: the
// status it answered and why. Err is one of [ErrMissingSignature],
// [ErrInvalidSignature], [ErrMalformedNotification], [ErrWebhookMisconfigured]
// (all usable with errors.Is), a [*PanicError], the error a callback or the
// Deduplicator returned, or a request-level error (wrong method, body too
// large, body read failed).
type WebhookError struct {
	StatusCode int   // the status answered; 200 for an error after success (a failed Deduplicator.Done)
	Err        error // the cause
}

// Error returns the status and the cause, e.g. "elements: webhook answered
// 401 Unauthorized: elements: invalid webhook signature: no signing key
// matches". It never holds a key or a signature, and the cause's text is
// cut after 1 KiB (a parse error may quote what a request sent).
func (e *WebhookError) Error() string {
	return "elements: webhook answered " + strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode) + ": " + clip(e.Err.Error(), 1<<10)
}

// Unwrap returns the cause.
func (e *WebhookError) Unwrap() error { return e.Err }

// PanicError is the error a [WebhookHandler] reports when host code it calls
// panicked: a callback, the Deduplicator or the OnError hook. The panic
// value and stack go only to OnError and the Logger, never into the HTTP
// response.
type PanicError struct {
	Value any    // what the host code passed to panic
	Stack []byte // the goroutine's stack at the panic (runtime/debug.Stack)
}

// Error returns "panic: " and the panic value; the error wrapping it names
// who panicked. The stack is only in the Stack field.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, else nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// WebhookHandler is an [http.Handler] that receives the platform's event
// callbacks: mount it at the path of an instance's
// event.notification.callback.url. A literal with SigningKeys and
// OnNotification (or routes registered with Handle) is ready to serve;
// every other field has a working zero value.
//
// For each request it works in this order, answering the first failure with
// a short generic body (details go only to OnError and Logger):
//
//  1. method: anything but POST is 405 with "Allow: POST";
//  2. configuration: with no usable signing key and InsecureSkipVerify
//     false, or with neither OnNotification nor a route, every callback is
//     refused with 500 and [ErrWebhookMisconfigured] goes to OnError. 500, not
//     401, because the fault is the receiver's: the platform keeps retrying
//     (for about three days) and the events arrive once the host is fixed;
//  3. body: read up to MaxBodyBytes; larger is 413, a failed read 400;
//  4. signature: [VerifySignature] over the raw bytes with SigningKeys;
//     missing or invalid is 401;
//  5. parsing: [ParseNotification]; malformed is 400;
//  6. de-duplication, if a Deduplicator is set, keyed by the instance and
//     the notification's eventId, or without one by the instance, the
//     Elements-Webhook-Id header and a digest of the body (a notification
//     with neither is not de-duplicated; see [Deduplicator] for the keys,
//     which keep what is unsigned apart from what is signed): a
//     notification processed before is answered 200 without calling the
//     host; one whose first
//     delivery is still being processed is answered 409 (the platform
//     retries any non-2xx), so nothing is acknowledged before the host
//     accepted it;
//  7. callbacks: OnNotification first, then each event in order to its
//     route (see [WebhookHandler.Handle]); the first error or panic stops
//     and answers 500, so the platform redelivers the notification (a
//     callback that ends its goroutine with runtime.Goexit answers 500 too,
//     and its claim is released);
//  8. 200, only after every callback returned nil.
//
// A panic in host code the handler calls (a callback, the Deduplicator,
// OnError) is recovered and reported as a [*PanicError]: the host server
// never crashes. A panicking Claim answers 500; a panicking Done or Release
// leaves the answer as it was; a panicking OnError is only logged.
// Callbacks get the request's context, which ends if the platform hangs up.
// The platform waits for the answer, so callbacks should be quick; hand slow
// work to a queue and return once it is safely stored.
//
// Set the fields before serving and do not change them afterwards; routes
// may be added at any time. A WebhookHandler must not be copied after first
// use. Printing it with fmt or slog shows how many signing keys it has,
// never the keys.
type WebhookHandler struct {
	// SigningKeys are the instance's event.notification.signature.key
	// values; a callback is accepted if any one of them produced its
	// signature, so during rotation list the new and the old key. An empty
	// string among them is a misconfiguration (see step 2 above). Its type
	// is a []string that prints redacted, so the keys stay hidden even when
	// the handler is printed by value or inside another struct.
	SigningKeys Secrets

	// InsecureSkipVerify accepts callbacks without checking any signature,
	// even when SigningKeys is set. It is the only way to accept unsigned
	// callbacks; use it only for instances without a signature key, behind
	// another form of authentication.
	InsecureSkipVerify bool

	// MaxBodyBytes caps the request body; zero or less means
	// DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// OnNotification, if set, receives every verified, parsed notification
	// before the events are routed. An error stops the notification (no
	// route is called) and answers 500.
	OnNotification func(ctx context.Context, n *Notification) error

	// OnError, if set, is told of every request not answered 2xx, and of a
	// failed Deduplicator.Done after a 200. err is a [*WebhookError]. It
	// runs before the answer is written and must be quick and safe for
	// concurrent use. If it panics, the panic goes to the Logger only.
	OnError func(r *http.Request, err error)

	// Logger, if set, receives one record per request: debug for a handled
	// or duplicate notification, warn for a rejected request, error for a
	// 500 (with the stack after a panic); plus a debug record per event that
	// matched no route. Nil is silent. Records never hold a key, a signature
	// or the body, and take at most 64 bytes of the Elements-Webhook-Id
	// header or the eventId and 1 KiB of an error's text.
	Logger *slog.Logger

	// Deduplicator, if set, makes the handler hand each notification to the
	// host once; see [Deduplicator] and step 6 above. Nil turns
	// de-duplication off: the platform's retries and the vendor's duplicate
	// webhooks then reach the host again.
	Deduplicator Deduplicator

	router routeTable
}

// ServeHTTP implements [http.Handler]; see [WebhookHandler] for what it does.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.failRequest(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %.16q not allowed; the platform POSTs callbacks", r.Method))
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
	if !h.InsecureSkipVerify {
		if err := VerifySignature(body, r.Header.Get(SignatureHeader), h.SigningKeys...); err != nil {
			h.failRequest(w, r, http.StatusUnauthorized, err)
			return
		}
	}
	n, err := ParseNotification(body)
	if err != nil {
		h.failRequest(w, r, http.StatusBadRequest, err)
		return
	}
	ctx := r.Context()
	key := h.dedupKey(r, n, body)
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
			h.logRequest(ctx, slog.LevelDebug, "elements: duplicate notification acknowledged", r, n)
			w.WriteHeader(http.StatusOK)
			return
		case state == DedupInFlight:
			h.failRequest(w, r, http.StatusConflict, fmt.Errorf("notification %.64q is still being processed by another delivery", key))
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
	err = h.dispatch(ctx, n)
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
			h.reportError(r, http.StatusOK, fmt.Errorf("deduplicator: done (the notification was handled; a redelivery may reach the host again): %w", err))
		}
	}
	h.logRequest(ctx, slog.LevelDebug, "elements: notification handled", r, n)
	w.WriteHeader(http.StatusOK)
}

// releaseClaim releases key after the callbacks failed with err, and returns
// err joined with the release's own error, if any.
func (h *WebhookHandler) releaseClaim(ctx context.Context, key string, err error) error {
	if rerr := callSafely(func() error { return h.Deduplicator.Release(context.WithoutCancel(ctx), key) }); rerr != nil {
		return errors.Join(err, fmt.Errorf("deduplicator: release: %w", rerr))
	}
	return err
}

// configError returns why h must refuse every callback, or nil.
func (h *WebhookHandler) configError() error {
	if !h.InsecureSkipVerify {
		if len(h.SigningKeys) == 0 {
			return fmt.Errorf("%w: %w; set SigningKeys to the instance's signature key", ErrWebhookMisconfigured, ErrNoSigningKey)
		}
		for _, k := range h.SigningKeys {
			if k == "" {
				return fmt.Errorf("%w: %w; an empty string is in SigningKeys", ErrWebhookMisconfigured, ErrNoSigningKey)
			}
		}
	}
	if h.OnNotification == nil && len(h.router.load()) == 0 {
		return fmt.Errorf("%w: neither OnNotification nor any route is set, so events would be lost", ErrWebhookMisconfigured)
	}
	return nil
}

// firstBodyBuffer is the size of the buffer a body is first read into; it
// doubles as bytes arrive, up to the limit.
const firstBodyBuffer = 1 << 10

// readBody reads the body up to the limit. Memory follows the bytes that
// actually arrive: a small first buffer, doubled as it fills, and never
// sized from the sender's Content-Length, which costs a sender nothing to
// inflate (48 connections each claiming 1 MiB and sending one byte would
// otherwise hold 48 MiB).
func (h *WebhookHandler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body of %d bytes is over the limit of %d", r.ContentLength, limit)
	}
	if r.Body == nil {
		return nil, 0, nil
	}
	rd := http.MaxBytesReader(w, r.Body, limit)
	// Room for limit+1 bytes at most: the read past the limit that tells
	// the MaxBytesReader to fail, or the final one that sees EOF.
	buf := make([]byte, 0, min(firstBodyBuffer, limit+1))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), limit+1-int64(cap(buf)))))
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF {
				return buf, 0, nil
			}
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) { // also one from a MaxBytesReader the host's middleware added
				return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body is over the limit of %d bytes", limit)
			}
			return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
		}
	}
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

// dispatch runs OnNotification and the routes, turning a panic into a
// *PanicError.
func (h *WebhookHandler) dispatch(ctx context.Context, n *Notification) error {
	cur := -1 // the event being handled; -1: OnNotification
	err := callSafely(func() error { return h.runCallbacks(ctx, n, &cur) })
	if pe, ok := err.(*PanicError); ok {
		return fmt.Errorf("%s: %w", eventWhere(n, cur), pe)
	}
	return err
}

// runCallbacks runs OnNotification and the routes, keeping in *cur the event
// being handled.
func (h *WebhookHandler) runCallbacks(ctx context.Context, n *Notification, cur *int) error {
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
				h.logRequest(ctx, slog.LevelDebug, "elements: event matched no route", nil, n,
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
	return fmt.Sprintf("event %d of %d (element %.64q, object type %.64q, event type %.32q, object id %.64q)",
		i+1, len(n.Events), e.ElementKey, e.ObjectType, e.EventType, e.ObjectID)
}

// failRequest answers status with a generic body and reports err.
func (h *WebhookHandler) failRequest(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.reportError(r, status, err)
	http.Error(w, http.StatusText(status), status)
}

// reportError hands err to OnError and the Logger. A panic in OnError goes to
// the Logger only.
func (h *WebhookHandler) reportError(r *http.Request, status int, err error) {
	werr := &WebhookError{StatusCode: status, Err: err}
	var hookErr error
	if h.OnError != nil {
		hookErr = callSafely(func() error { h.OnError(r, werr); return nil })
	}
	if h.Logger == nil {
		return
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	h.logRequest(r.Context(), level, "elements: webhook callback not accepted", r, nil, errorAttrs(status, werr)...)
	if hookErr != nil {
		h.logRequest(r.Context(), slog.LevelError, "elements: webhook OnError hook panicked", r, nil,
			errorAttrs(status, fmt.Errorf("OnError: %w", hookErr))...)
	}
}

// errorAttrs are the log attributes of an error answered with status: the
// stack too if it holds a *PanicError.
func errorAttrs(status int, err error) []slog.Attr {
	attrs := []slog.Attr{slog.Int("status", status), slog.String("error", err.Error())}
	var pe *PanicError
	if errors.As(err, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
	}
	return attrs
}

// logRequest writes one record if a Logger is set and enabled for level.
func (h *WebhookHandler) logRequest(ctx context.Context, level slog.Level, msg string, r *http.Request, n *Notification, attrs ...slog.Attr) {
	if h.Logger == nil || !h.Logger.Enabled(ctx, level) {
		return
	}
	if r != nil {
		attrs = append(attrs, slog.String("remote", r.RemoteAddr), slog.String("webhookId", clip(r.Header.Get(WebhookIDHeader), 64)))
	}
	if n != nil {
		attrs = append(attrs, slog.String("eventId", clip(n.EventID, 64)), slog.Int64("instanceId", n.InstanceID),
			slog.Int("events", len(n.Events)))
	}
	h.Logger.LogAttrs(ctx, level, msg, attrs...)
}

// clip cuts s, text that may come from a request, to at most n bytes
// (at a character boundary) and marks the cut with "…": no request can make
// a log record or an error text large.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// String describes h without its signing keys, e.g.
// "elements.WebhookHandler{SigningKeys:[2 redacted] InsecureSkipVerify:false MaxBodyBytes:1048576 Deduplicator:on}".
func (h *WebhookHandler) String() string {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	dedup := "off"
	if h.Deduplicator != nil {
		dedup = "on"
	}
	return fmt.Sprintf("elements.WebhookHandler{SigningKeys:%s InsecureSkipVerify:%t MaxBodyBytes:%d Deduplicator:%s}",
		h.SigningKeys, h.InsecureSkipVerify, limit, dedup)
}

// Format implements [fmt.Formatter] so that every verb, %#v and %+v
// included, prints String and never the signing keys.
func (h *WebhookHandler) Format(f fmt.State, _ rune) {
	io.WriteString(f, h.String())
}

// LogValue implements [slog.LogValuer] so that loggers, the JSON handler
// included, print String and never the signing keys.
func (h *WebhookHandler) LogValue() slog.Value {
	return slog.StringValue(h.String())
}

// Secrets is a list of secret values, such as [WebhookHandler.SigningKeys],
// that never prints its contents: fmt (every verb) and slog show only how
// many there are, e.g. "[2 redacted]". It is a plain []string otherwise:
// assign, append, range and pass it with ... as usual. Its JSON encoding is
// the list itself, so do not hand a struct holding it to a JSON logger.
type Secrets []string

// String returns how many secrets s holds, e.g. "[2 redacted]", never the
// secrets; "[]" when empty.
func (s Secrets) String() string {
	if len(s) == 0 {
		return "[]"
	}
	return "[" + strconv.Itoa(len(s)) + " redacted]"
}

// GoString is like String, so %#v does not print the secrets either.
func (s Secrets) GoString() string { return "elements.Secrets" + s.String() }

// Format implements [fmt.Formatter] so that every verb prints the redacted
// form (GoString for %#v, String otherwise).
func (s Secrets) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements [slog.LogValuer] so that loggers print String.
func (s Secrets) LogValue() slog.Value { return slog.StringValue(s.String()) }
