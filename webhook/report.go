package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/elementsgo/elements/internal/redact"
)

// failRequest answers status with a generic body and reports err.
func (h *Handler) failRequest(w http.ResponseWriter, r *http.Request, status int, err error) {
	h.reportError(r, status, err)
	http.Error(w, http.StatusText(status), status)
}

// reportError hands err to OnError and the Logger. A panic in OnError goes to
// the Logger only.
func (h *Handler) reportError(r *http.Request, status int, err error) {
	werr := &Error{StatusCode: status, Err: err}
	var hookErr error
	if h.OnError != nil {
		hookErr = callSafely(func() error { h.OnError(r, werr); return nil })
	}
	if h.Logger == nil {
		return
	}
	level := slog.LevelWarn
	switch {
	case status >= 500:
		level = slog.LevelError
	case status == http.StatusConflict:
		level = slog.LevelInfo // a duplicate still in flight: normal during a burst of retries
	}
	h.logRequest(r.Context(), level, "webhook: callback not accepted", r, callback{}, errorAttrs(status, werr)...)
	if hookErr != nil {
		h.logRequest(r.Context(), slog.LevelError, "webhook: OnError hook panicked", r, callback{},
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
func (h *Handler) logRequest(ctx context.Context, level slog.Level, msg string, r *http.Request, c callback, attrs ...slog.Attr) {
	if h.Logger == nil || !h.Logger.Enabled(ctx, level) {
		return
	}
	if r != nil {
		attrs = append(attrs, slog.String("remote", r.RemoteAddr), slog.String("webhookId", redact.Short(r.Header.Get(IDHeader))))
	}
	switch {
	case c.n != nil:
		attrs = append(attrs, slog.String("eventId", redact.Short(c.n.EventID)), slog.Int64("instanceId", c.n.InstanceID),
			slog.Int("events", len(c.n.Events)))
	case c.a != nil:
		attrs = append(attrs, slog.String("eventId", redact.Short(c.a.EventID)), slog.Int64("instanceId", c.a.InstanceID),
			slog.String("notificationId", redact.Short(c.a.NotificationID)), slog.Int("events", len(c.a.Events)))
	}
	h.Logger.LogAttrs(ctx, level, msg, attrs...)
}
