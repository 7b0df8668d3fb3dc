package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// The River settings of the receiver's jobs.
const (
	// jobTimeout bounds one run of a route (River cancels its context).
	jobTimeout = time.Minute
	// rescueAfter is when River takes back a job whose replica died while
	// running it (SIGKILL, a lost machine): River's default is an hour.
	rescueAfter = 2 * jobTimeout
)

// appointmentsTable is what the route writes: each tenant's appointments as
// they are now, and the sequence that numbers the route's fetches.
const appointmentsTable = `CREATE TABLE IF NOT EXISTS appointments (
	instance_id bigint NOT NULL,
	appointment_id bigint NOT NULL,
	last_action text NOT NULL,
	starts_at timestamptz NOT NULL,
	canceled boolean NOT NULL,
	acuity jsonb NOT NULL,        -- the appointment as Acuity sent it
	event_id text NOT NULL,       -- the notification whose fetch it holds
	fetch_seq bigint NOT NULL DEFAULT 0, -- that fetch's number (appointment_fetches)
	PRIMARY KEY (instance_id, appointment_id)
);
ALTER TABLE appointments ADD COLUMN IF NOT EXISTS fetch_seq bigint NOT NULL DEFAULT 0; -- a table from before fetch_seq
CREATE SEQUENCE IF NOT EXISTS appointment_fetches`

// queue is the queue-first receiver's database: River's jobs, the inbox's
// keys and the application's appointments, in one PostgreSQL.
type queue struct {
	pool  *pgxpool.Pool
	river *river.Client[pgx.Tx]
}

// openQueue connects to dbURL and creates what the receiver needs: River's
// tables (River's migrations, which a deployment may run instead with
// `river migrate-up`) and the appointments table.
func openQueue(ctx context.Context, dbURL string) (*queue, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err) // pgx's errors do not show the password
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err == nil {
		_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("running River's migrations: %w", err)
	}
	if _, err := pool.Exec(ctx, appointmentsTable); err != nil {
		pool.Close()
		return nil, fmt.Errorf("creating the appointments table: %w", err)
	}
	return &queue{pool: pool}, nil
}

// start makes h queue-first: its Inbox stores each verified notification
// as a River job, and workers in this process run h's routes for each job
// (h.Dispatch through riverinbox.NewWorker), at most workers at once.
func (q *queue) start(ctx context.Context, h *webhook.Handler, workers int, logger *slog.Logger) error {
	ws := river.NewWorkers()
	river.AddWorker(ws, riverinbox.NewWorker(h))
	client, err := river.NewClient(riverpgxv5.New(q.pool), &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		Workers:              ws,
		JobTimeout:           jobTimeout,
		RescueStuckJobsAfter: rescueAfter,
		Logger:               logger,
	})
	if err != nil {
		return err
	}
	inbox, err := riverinbox.New(client) // creates its table of keys if missing
	if err != nil {
		return err
	}
	h.Inbox = inbox
	// Not ctx itself: its end would cancel running jobs; close stops them
	// gracefully instead.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	q.river = client
	return nil
}

// close stops the workers, letting running jobs finish for up to 10
// seconds (a job cut short runs again later), and closes the pool.
func (q *queue) close() {
	if q.river != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.river.Stop(ctx)
	}
	q.pool.Close()
}

// saveAppointment fetches the appointment with fetch, then writes it and
// completes the event's job in one transaction: both happen or neither, so
// a crash never applies an event twice and never loses one.
//
// One change can make two jobs for one appointment (Acuity sends changed
// alongside rescheduled and canceled), and two workers may fetch it at
// once: the one that fetched first may write last. So each fetch is
// numbered from a database sequence before it starts, and the write keeps
// the appointment of the highest number, whichever commits last. A change's
// own job fetches after the change, so the fetch numbered last holds every
// change notified before it started. (Not a clock: the replicas' clocks
// differ, and a sequence of CACHE 1, the default, numbers in the order the
// numbers are taken, across connections.)
func (q *queue) saveAppointment(ctx context.Context, n *webhook.Notification, action string, fetch func(context.Context) (*acuity.Appointment, error)) error {
	var seq int64
	if err := q.pool.QueryRow(ctx, `SELECT nextval('appointment_fetches')`).Scan(&seq); err != nil {
		return err
	}
	a, err := fetch(ctx)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO appointments AS old (instance_id, appointment_id, last_action, starts_at, canceled, acuity, event_id, fetch_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (instance_id, appointment_id) DO UPDATE SET last_action = excluded.last_action, starts_at = excluded.starts_at,
	canceled = excluded.canceled, acuity = excluded.acuity, event_id = excluded.event_id, fetch_seq = excluded.fetch_seq
WHERE old.fetch_seq < excluded.fetch_seq`, // else a later fetch is saved already: keep it
			n.InstanceID, a.ID, action, a.Datetime, a.Canceled, string(a.Raw), n.EventID, seq)
		if err != nil {
			return err
		}
		if len(n.Events) > 1 {
			return nil // the job completes as a whole: the worker completes it after the last event
		}
		return riverinbox.CompleteTx(ctx, tx)
	})
}
