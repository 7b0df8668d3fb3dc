package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/elementsgo/elements/internal/redact"
)

// ErrMisconfigured is wrapped by the error a [Handler] reports
// when its configuration makes it refuse every callback: no usable signing
// key (neither SigningKeys nor KeysFor) without InsecureSkipVerify (then
// [ErrNoSigningKey] is wrapped too), or neither OnNotification nor any route
// to deliver to. It is also wrapped when KeysFor returns an empty key.
var ErrMisconfigured = errors.New("webhook: handler misconfigured")

// ErrUnknownInstance is what [Handler.KeysFor] returns, wrapped, for
// an instance the host does not know; the handler answers such a callback
// 401. The handler also reports it when the body names no instance at all.
var ErrUnknownInstance = errors.New("webhook: unknown instance")

// Error is what a [Handler] passes to its OnError hook: the
// status it answered and why. Err is one of [ErrMissingSignature],
// [ErrInvalidSignature], [ErrUnknownInstance], [ErrMalformedNotification],
// [ErrMisconfigured] (all usable with errors.Is), a [*PanicError],
// the error a callback, KeysFor or the Deduplicator returned, or a
// request-level error (wrong method, body too large, body read failed).
type Error struct {
	StatusCode int   // the status answered; 200 for an error after success (a failed Deduplicator.Done)
	Err        error // the cause
}

// Error returns the status and the cause, e.g. "webhook: answered 401
// Unauthorized: webhook: invalid signature: no signing key matches". It
// never holds a key or a signature, and the cause's text is cut after 1 KiB
// (a parse error may quote what a request sent).
func (e *Error) Error() string {
	return "webhook: answered " + strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode) + ": " + redact.Line(e.Err.Error(), 1<<10)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// PanicError is the error a [Handler] reports when host code it calls
// panicked: a callback, KeysFor, the Deduplicator or the OnError hook. The
// panic value and stack go only to OnError and the Logger, never into the
// HTTP response.
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
