// Command event-receiver is an existing multi-tenant web application that
// also receives the platform's Acuity events: each of its customers
// connected an Acuity account, so it owns one instance per customer, each
// with its own signing key, and all of them call back to one URL. Its
// http.ServeMux keeps its own routes and gets the webhook.Handler at
// /events, which looks each callback's keys up by instance (KeysFor) and
// routes one function per kind of event. It shuts down gracefully on SIGINT
// or SIGTERM, letting requests in flight (an event being handled) finish.
//
//	ELEMENTS_SIGNING_KEYS='1001=key-a;1002=key-b-new,key-b-old' \
//	    go run ./examples/event-receiver -addr 127.0.0.1:8080 [-database-url postgres://...]
//
// ELEMENTS_SIGNING_KEYS lists each instance's event.notification.signature.key
// (a real application keeps them in its database, beside the instance ids);
// during a key rotation give the new and the old key separated by a comma.
// Point every instance's event.notification.callback.url at
// https://<your host>/events.
//
// De-duplication: with -database-url (or DATABASE_URL) the replicas of the
// application share a pgdedup store in PostgreSQL, so a notification is
// handled once whichever replica receives it; without, each process keeps
// an in-memory store, which is right for a single replica only.
//
// The example is a module of its own (in the repository's go.work) because
// it imports pgdedup, and with it pgx: the root module elements stays free
// of database clients, as an application that never uses PostgreSQL would.
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
	"syscall"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL URL of the de-duplication store shared by the replicas (default: env DATABASE_URL; empty: in memory)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	keys, err := parseKeys(os.Getenv("ELEMENTS_SIGNING_KEYS"))
	if err == nil && keys.Len() == 0 {
		err = errors.New("no instance given")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "event-receiver: ELEMENTS_SIGNING_KEYS: %v; set it to 1001=<key>;1002=<key>,... (each instance's event.notification.signature.key)\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dedup, closeDedup, err := openDedup(ctx, *dbURL)
	if err != nil {
		logger.Error("de-duplication store", "err", err)
		os.Exit(1)
	}
	defer closeDedup()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("listen", "err", err)
		os.Exit(1)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "events", "/events")
	if err := serve(ctx, ln, newMux(keys, dedup, logger)); err != nil {
		logger.Error("serve", "err", err)
		os.Exit(1)
	}
	logger.Info("stopped")
}

// openDedup opens the de-duplication store: pgdedup over dbURL, shared by
// every replica, or an in-memory one when dbURL is empty. close releases it.
func openDedup(ctx context.Context, dbURL string) (d webhook.Deduplicator, close func(), err error) {
	if dbURL == "" {
		return webhook.NewMemoryDeduplicator(0), func() {}, nil
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, nil, fmt.Errorf("database URL: %w", err) // pgx's errors do not show the password
	}
	store, err := pgdedup.New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return store, pool.Close, nil
}

// newMux is the application's router: its own pages plus the events of
// every tenant's instance.
func newMux(keys *keyStore, dedup webhook.Deduplicator, logger *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Front desk app")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})

	events := &webhook.Handler{
		KeysFor:      keys.KeysFor, // each tenant's instance signs with its own key
		Deduplicator: dedup,        // the platform redelivers; handle each notification once
		Logger:       logger,
		// Results of asynchronous API calls arrive at the same URL.
		OnAsyncResponse: func(ctx context.Context, a *webhook.AsyncResponse) error {
			logger.InfoContext(ctx, "asynchronous request done", "instance", a.InstanceID, "events", len(a.Events))
			return nil
		},
	}
	events.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventCreated,
		func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
			logger.InfoContext(ctx, "appointment scheduled", "instance", n.InstanceID, "appointment", e.ObjectID)
			// The event is thin: fetch the appointment with
			// acuity.GetAppointment(ctx, client, instanceToken, id) when you
			// need its details, or queue the id and return quickly.
			return nil
		})
	events.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventUpdated,
		func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
			// Canceled, rescheduled and changed all arrive as UPDATED; Acuity's
			// own action tells them apart.
			action := "changed"
			if wh, err := acuity.WebhookFromNotification(n); err == nil {
				action = wh.Action
			}
			logger.InfoContext(ctx, "appointment updated", "instance", n.InstanceID, "appointment", e.ObjectID, "action", action)
			return nil
		})
	events.HandleDefault(func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
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
