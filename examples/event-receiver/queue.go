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
// they are now.
const appointmentsTable = `CREATE TABLE IF NOT EXISTS appointments (
	instance_id bigint NOT NULL,
	appointment_id bigint NOT NULL,
	last_action text NOT NULL,
	starts_at timestamptz NOT NULL,
	canceled boolean NOT NULL,
	acuity jsonb NOT NULL,        -- the appointment as Acuity sent it
	event_id text NOT NULL,       -- the notification that last changed it
	PRIMARY KEY (instance_id, appointment_id)
)`

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

// saveAppointment writes the appointment and completes the event's job in
// one transaction: both happen or neither, so a crash never applies an
// event twice and never loses one.
func (q *queue) saveAppointment(ctx context.Context, n *webhook.Notification, action string, a *acuity.Appointment) error {
	return pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO appointments (instance_id, appointment_id, last_action, starts_at, canceled, acuity, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (instance_id, appointment_id) DO UPDATE SET last_action = excluded.last_action, starts_at = excluded.starts_at,
	canceled = excluded.canceled, acuity = excluded.acuity, event_id = excluded.event_id`,
			n.InstanceID, a.ID, action, a.Datetime, a.Canceled, string(a.Raw), n.EventID)
		if err != nil {
			return err
		}
		if len(n.Events) > 1 {
			return nil // the job completes as a whole: the worker completes it after the last event
		}
		return riverinbox.CompleteTx(ctx, tx)
	})
}
