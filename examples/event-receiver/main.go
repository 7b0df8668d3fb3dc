// Command event-receiver is an existing web application that also receives
// the platform's Acuity events: its http.ServeMux keeps its own routes and
// gets the elements.WebhookHandler at /events, with one function per kind of
// event. It shuts down gracefully on SIGINT or SIGTERM, letting requests in
// flight (an event being handled) finish.
//
//	ELEMENTS_SIGNING_KEY=... go run ./examples/event-receiver -addr 127.0.0.1:8080
//
// ELEMENTS_SIGNING_KEY is the instance's event.notification.signature.key;
// during a key rotation give the new and the old key separated by a comma.
// Point the instance's event.notification.callback.url at
// https://<your host>/events.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	keys := signingKeys(os.Getenv("ELEMENTS_SIGNING_KEY"))
	if len(keys) == 0 {
		fmt.Fprintln(os.Stderr, "event-receiver: set ELEMENTS_SIGNING_KEY to the instance's event.notification.signature.key")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("listen", "err", err)
		os.Exit(1)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "events", "/events")
	if err := serve(ctx, ln, newMux(keys, logger)); err != nil {
		logger.Error("serve", "err", err)
		os.Exit(1)
	}
	logger.Info("stopped")
}

// signingKeys splits a comma-separated list of keys, dropping empty ones.
func signingKeys(s string) []string {
	var keys []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// newMux is the application's router: its own pages plus the events.
func newMux(keys []string, logger *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Front desk app")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})

	events := &elements.WebhookHandler{
		SigningKeys:  keys,
		Deduplicator: elements.NewMemoryDeduplicator(0), // the platform redelivers; handle each notification once
		Logger:       logger,
	}
	events.Handle(acuity.ElementKey, acuity.ObjectAppointments, elements.EventCreated,
		func(ctx context.Context, n *elements.Notification, e elements.Event) error {
			logger.InfoContext(ctx, "appointment scheduled", "instance", n.InstanceID, "appointment", e.ObjectID)
			// The event is thin: fetch the appointment with
			// acuity.GetAppointment(ctx, client, instanceToken, id) when you
			// need its details, or queue the id and return quickly.
			return nil
		})
	events.Handle(acuity.ElementKey, acuity.ObjectAppointments, elements.EventUpdated,
		func(ctx context.Context, n *elements.Notification, e elements.Event) error {
			// Canceled, rescheduled and changed all arrive as UPDATED; Acuity's
			// own action tells them apart.
			action := "changed"
			if wh, err := acuity.WebhookFromNotification(n); err == nil {
				action = wh.Action
			}
			logger.InfoContext(ctx, "appointment updated", "instance", n.InstanceID, "appointment", e.ObjectID, "action", action)
			return nil
		})
	events.HandleDefault(func(ctx context.Context, n *elements.Notification, e elements.Event) error {
		logger.InfoContext(ctx, "other event", "element", e.ElementKey, "object", e.ObjectType, "type", e.EventType, "id", e.ObjectID)
		return nil
	})
	mux.Handle("/events", events)
	return mux
}

// serve runs h on ln until ctx ends, then shuts down, giving requests in
// flight up to 10 seconds to finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
