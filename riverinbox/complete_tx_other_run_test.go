package riverinbox_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// A run that outlives RescueStuckJobsAfter (a paused VM, a stalled
// process) has its job handed to another run by River's rescuer. If the
// other run completed the job, or took it for a new attempt, before this
// run's CompleteTx, CompleteTx refuses with ErrJobNotRunning, so the
// route's transaction rolls back: its write is not applied a second time,
// and the old run does not complete the new run's attempt.
func TestCompleteTxAfterAnotherRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, otherRun string }{
		{"completed", `UPDATE river_job SET state = 'completed', finalized_at = now()`},
		{"retaken", `UPDATE river_job SET attempt = attempt + 1, attempted_at = now()`}, // running, the next attempt
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := newDB(t) // its one job is the test's
			createEffects(t, pool)
			first := make(chan error, 1)
			var runs atomic.Int32
			h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}}
			h.Handle("acuityscheduling", "appointments", "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
				if runs.Add(1) > 1 {
					return nil // River's later runs of a retaken job
				}
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO effects VALUES ($1, $2)`, n.EventID, e.ObjectID); err != nil {
						return err
					}
					// The other run commits first, from its own connection.
					if _, err := pool.Exec(ctx, tc.otherRun); err != nil {
						return err
					}
					return riverinbox.CompleteTx(ctx, tx)
				})
				first <- err
				return err
			})
			client := newClient(t, pool, h, nil)
			h.Inbox = newInbox(t, client)
			if code := deliver(h, notificationBody("ev-other-run")); code != 200 {
				t.Fatalf("status %d", code)
			}
			var err error
			select {
			case err = <-first:
			case <-time.After(30 * time.Second):
				t.Fatal("the route did not run within 30 s")
			}
			if !errors.Is(err, riverinbox.ErrJobNotRunning) {
				t.Errorf("CompleteTx after another run: %v, want ErrJobNotRunning", err)
			}
			if n := count(t, pool, `SELECT count(*) FROM effects`); n != 0 {
				t.Errorf("%d effects committed by the old run, want 0", n)
			}
		})
	}
}

// River's tables may live in a schema of the River client's own
// (Config.Schema), not on the search_path: CompleteTx reads the job there.
func TestCompleteTxWithRiverSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newDB(t) // River's tables on the search_path too: CompleteTx must not read those
	createEffects(t, pool)
	if _, err := pool.Exec(ctx, `CREATE SCHEMA river_elsewhere`); err != nil {
		t.Fatal(err)
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: "river_elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}}
	h.Handle("acuityscheduling", "appointments", "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO effects VALUES ($1, $2)`, n.EventID, e.ObjectID); err != nil {
				return err
			}
			return riverinbox.CompleteTx(ctx, tx)
		})
		select {
		case done <- err: // the first run's
		default:
		}
		return err
	})
	client := newClient(t, pool, h, func(cfg *river.Config) { cfg.Schema = "river_elsewhere" })
	events := subscribe(t, client)
	h.Inbox = newInbox(t, client)
	if code := deliver(h, notificationBody("ev-schema")); code != 200 {
		t.Fatalf("status %d", code)
	}
	ev := waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed)
	if err := <-done; err != nil {
		t.Errorf("CompleteTx: %v", err)
	}
	if ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 1 {
		t.Errorf("job %s at attempt %d, want completed at the first", ev.Kind, ev.Job.Attempt)
	}
	if n := count(t, pool, `SELECT count(*) FROM effects`); n != 1 {
		t.Errorf("%d effects, want 1", n)
	}
	var state string
	if err := pool.QueryRow(ctx, `SELECT state FROM river_elsewhere.river_job WHERE id = $1`, ev.Job.ID).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if rivertype.JobState(state) != rivertype.JobStateCompleted {
		t.Errorf("job %s, want completed", state)
	}
}
