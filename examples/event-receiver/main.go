// Command event-receiver is an existing multi-tenant web application that
// also receives the platform's Acuity events: each of its customers
// connected an Acuity account, so it owns one instance per customer, each
// with its own signing key and token, and all of them call back to one
// URL. Its http.ServeMux keeps its own routes and gets the webhook.Handler
// at /events, which looks each event's keys up by instance (KeysFor) and
// routes one function per kind of event; the appointment route fetches the
// appointment through the scheduling hub, paced per account.
//
// Queue-first, with a database (-database-url or DATABASE_URL): the
// handler verifies each event, stores it as a River job (riverinbox) and
// answers the platform at once; River's workers in the same process run the
// route, which saves the appointment in the transaction that completes the
// job (riverinbox.CompleteTx). A slow or rate-limited Acuity never holds a
// delivery open, a failure is retried by River, a crash neither loses an
// event nor applies it twice, and every replica runs the same code on the
// same database. The client paces each account in this process; replicas
// that should keep Acuity's limit together give their clients a shared
// limiter, elements.WithLimiter(lim) with lim from redislimit.New(rdb).
//
// Inline, without a database: the route runs in the request and the
// platform's delivery waits for it; each process de-duplicates in memory.
// That is for quick, local work with one replica only, and the program
// says so when it starts.
//
//	go run ./cmd/elementstest        # a local fake platform; copy the exports it prints
//	go run ./examples/event-receiver -database-url postgres://localhost/app
//
// ELEMENTS_SIGNING_KEY and ELEMENTS_INSTANCE_TOKEN give each instance's
// signing key (event.notification.signature.key) and token, as
// 1001=key-a;1002=key-b-new,key-b-old and 1001=token-a;1002=token-b (during
// a key rotation, the new key and the old one), or one value for every
// instance; a real application keeps them in its database. Point every
// instance's event.notification.callback.url at https://<your host>/events.
// The program stops gracefully on SIGINT or SIGTERM: requests in flight
// finish, and so do running jobs (for up to 10 seconds; a job cut short
// runs again).
//
// The example is a module of its own (in the repository's go.work) because
// it imports riverinbox, and with it River and pgx: the root module
// elements stays free of database clients, as an application that never
// uses PostgreSQL would.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "event-receiver:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "event-receiver:", err)
		os.Exit(1)
	}
}

// errUsage marks a mistake in the flags or the environment.
var errUsage = errors.New("usage")

// config is what the flags and the environment give.
type config struct {
	addr, dbURL, baseURL  string
	workers               int
	userSecret, orgSecret string
	tenants               *tenants
}

const usage = `Usage: event-receiver [flags]

Receives the platform's events for every tenant's Acuity instance at
/events. With a database (-database-url or DATABASE_URL) it is queue-first:
each verified event is stored as a River job and answered at once, and River
workers in this process fetch the appointment through the scheduling hub
and save it in the transaction that completes the job. Without a database
it handles each event inline, in the request: for quick, local work only.

Environment:
  ELEMENTS_SIGNING_KEY     each instance's signing key: 1001=key-a;1002=new,old
                           (new and old during a rotation), or one key for every instance
  ELEMENTS_INSTANCE_TOKEN  each instance's token: 1001=token-a;1002=token-b,
                           or one token for every instance
  ELEMENTS_USER_SECRET     the user secret
  ELEMENTS_ORG_SECRET      the organization secret
  ELEMENTS_BASE_URL        the platform's base URL (the default of -base-url)
  DATABASE_URL             PostgreSQL (the default of -database-url)
go run ./cmd/elementstest starts a local fake platform and prints the
ELEMENTS_ variables for its seeded instance.

Flags:
`

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	flags := flag.NewFlagSet("event-receiver", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, usage)
		flags.PrintDefaults()
	}
	c := &config{}
	flags.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	flags.StringVar(&c.dbURL, "database-url", "", "PostgreSQL URL: queue-first on River (default: env DATABASE_URL; empty: inline)")
	flags.StringVar(&c.baseURL, "base-url", "", "the platform's base URL (default: env ELEMENTS_BASE_URL, else "+elements.DefaultBaseURL+"; or a fake: go run ./cmd/elementstest)")
	flags.IntVar(&c.workers, "workers", 10, "River workers of this process (queue-first)")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	// Defaults from the environment after parsing, so that -h never
	// prints a database password.
	if c.dbURL == "" {
		c.dbURL = getenv("DATABASE_URL")
	}
	if c.baseURL == "" {
		c.baseURL = getenv("ELEMENTS_BASE_URL")
	}
	if c.baseURL == "" {
		c.baseURL = elements.DefaultBaseURL
	}
	if c.workers < 1 {
		return nil, fmt.Errorf("%w: -workers %d: want at least 1", errUsage, c.workers)
	}
	c.userSecret, c.orgSecret = getenv("ELEMENTS_USER_SECRET"), getenv("ELEMENTS_ORG_SECRET")
	for _, v := range []string{"ELEMENTS_SIGNING_KEY", "ELEMENTS_INSTANCE_TOKEN", "ELEMENTS_USER_SECRET", "ELEMENTS_ORG_SECRET"} {
		if getenv(v) == "" {
			return nil, fmt.Errorf("%w: set %s (event-receiver -h lists the environment)", errUsage, v)
		}
	}
	t, err := parseTenants(getenv("ELEMENTS_SIGNING_KEY"), getenv("ELEMENTS_INSTANCE_TOKEN"))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	c.tenants = t
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	c, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []elements.Option{elements.WithBaseURL(c.baseURL)}
	if c.dbURL != "" {
		// A River worker whose tenant's turn is over a second away snoozes
		// its job (elements.RateLimitError) and serves another tenant,
		// instead of waiting behind one tenant's burst.
		opts = append(opts, elements.WithPaceWait(time.Second))
	}
	client, err := elements.NewClient(c.userSecret, c.orgSecret, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	var h *webhook.Handler
	if c.dbURL == "" {
		h = newHandler(c.tenants, client, logSaver{logger}, logger)
		h.Deduplicator = webhook.NewMemoryDeduplicator(0) // the platform redelivers: handle each event once
		logger.Warn("no database: each event is handled inline, in the request, and de-duplicated in this process's memory; " +
			"for quick, local work with one replica only. Give -database-url (or DATABASE_URL) to store each event first and process it from a River queue")
	} else {
		q, err := openQueue(ctx, c.dbURL)
		if err != nil {
			ln.Close()
			return err
		}
		defer q.close() // after the server: no new jobs, then the running ones finish
		h = newHandler(c.tenants, client, q, logger)
		if err := q.start(ctx, h, c.workers, logger); err != nil {
			ln.Close()
			return err
		}
		logger.Info("queue-first: each event is stored as a River job and answered at once", "workers", c.workers)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "events", "/events", "instances", c.tenants.Len())
	if err := serve(ctx, ln, newMux(h)); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// newMux is the application's router: its own pages plus the events of
// every tenant's instance.
func newMux(events http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Front desk app")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
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
