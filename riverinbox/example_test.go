package riverinbox_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// A receiver on River: the handler stores each notification and answers
// the platform at once; River's workers run the route, which writes what it
// learned and completes the job in one transaction, so a crash never
// applies it twice. Every replica runs the same code.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}

	// River's tables, once per database and after upgrading River (or
	// `river migrate-up --database-url "$DATABASE_URL"`).
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		log.Fatal(err)
	}

	h := &webhook.Handler{SigningKeys: webhook.Secrets{os.Getenv("ELEMENTS_SIGNING_KEY")}}
	h.Handle("acuityscheduling", "appointments", "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		// Slow work first, outside the transaction: fetch the appointment
		// (acuity.Account.Appointment); a 429 from the hub snoozes the job.
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO appointment_events (instance_id, appointment_id, event_type) VALUES ($1, $2, $3)`,
				n.InstanceID, e.ObjectID, e.EventType); err != nil {
				return err
			}
			return riverinbox.CompleteTx(ctx, tx) // the write and the job's completion commit together
		})
	})

	workers := river.NewWorkers()
	river.AddWorker(workers, riverinbox.NewWorker(h))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers: workers,
	})
	if err != nil {
		log.Fatal(err)
	}
	inbox, err := riverinbox.New(client) // creates its table of keys if missing
	if err != nil {
		log.Fatal(err)
	}
	h.Inbox = inbox
	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer client.Stop(ctx)

	http.Handle("POST /elements/events", h)
	log.Fatal(http.ListenAndServe(":8080", nil))
}
