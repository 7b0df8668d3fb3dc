package riverinbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// Kind is the River job kind of [NotificationArgs].
const Kind = "elements_notification"

// Bounds of a snooze for a rate limit: a Retry-After of 0 (or none) waits
// the minimum, and no answer can park a job for longer than the maximum.
const (
	minSnooze = time.Second
	maxSnooze = time.Hour
)

// lookupTimeout bounds the Worker's look at a job's state after a callback
// failed, which it makes even when the job's context is done.
const lookupTimeout = 5 * time.Second

// NotificationArgs is the job [Inbox.Put] inserts: one verified
// notification and its de-duplication key.
//
// The notification is kept as a string, its wire form as
// [webhook.Notification.MarshalJSON] writes it, not as nested JSON: River
// stores args as jsonb, which refuses \u0000 and reorders an object's
// members. Parsed again with [webhook.ParseNotification], it is the
// notification the handler verified, field for field: dates as the same
// instants (in UTC), Raw and User the same bytes when they were sent
// compact (as the platform does), else the same JSON compacted.
type NotificationArgs struct {
	// Key is the handler's de-duplication key; "" for a notification with
	// neither an eventId nor an Elements-Webhook-Id header.
	Key string `json:"key,omitempty"`
	// Notification is the notification's wire form, {"message": {...}}.
	Notification string `json:"notification"`
}

// Kind implements river.JobArgs.
func (NotificationArgs) Kind() string { return Kind }

// Worker is the River worker of [NotificationArgs] jobs: it runs the
// handler's callbacks with [webhook.Handler.Dispatch]. Register it with
// river.AddWorker(workers, riverinbox.NewWorker(h)).
//
// An error or a panic in a callback fails the attempt: River retries the
// job with its backoff, up to its max attempts. An error that met a rate
// limit (with a RetryAfter() (time.Duration, bool) method reporting true,
// as an *elements.APIError of a 429 answer and an *elements.RateLimitError
// have) snoozes the job for the Retry-After (at least a second, at most an
// hour) without counting the attempt. Give the Client the workers use
// elements.WithPaceWait (a second, say), so that a job whose tenant's
// turn is far away snoozes and frees its worker for other tenants. A job
// whose notification does not parse is cancelled: retrying cannot help.
// Jobs get River's job timeout (a minute unless the client sets
// JobTimeout).
//
// A callback that fails, whatever the error, after its [CompleteTx]
// committed cannot be retried or snoozed: the job is completed. The Worker
// logs it at level ERROR, with the job's id and the error, to the
// handler's Logger, or slog.Default() when it has none.
type Worker struct {
	river.WorkerDefaults[NotificationArgs]
	h *webhook.Handler
}

// NewWorker returns a Worker that dispatches to h, typically the handler
// that serves HTTP (with the Inbox), or one with only the callbacks: h needs
// OnNotification or routes, and no signing keys.
func NewWorker(h *webhook.Handler) *Worker { return &Worker{h: h} }

// rateLimited is an error that met a rate limit: ok reports whether it
// did, d how long to wait. *elements.APIError implements it.
type rateLimited interface {
	RetryAfter() (d time.Duration, ok bool)
}

// running is the job a Worker runs, in the context its callbacks get.
type running struct {
	job       *river.Job[NotificationArgs]
	events    int         // in its notification
	completed atomic.Bool // CompleteTx succeeded (its transaction may not have committed)
}

type runningKey struct{}

// Work implements river.Worker.
func (w *Worker) Work(ctx context.Context, job *river.Job[NotificationArgs]) error {
	if w.h == nil {
		return fmt.Errorf("riverinbox: NewWorker(nil): %w", webhook.ErrMisconfigured)
	}
	n, err := webhook.ParseNotification([]byte(job.Args.Notification))
	if err != nil {
		return river.JobCancel(fmt.Errorf("riverinbox: job %d holds no notification: %w", job.ID, err))
	}
	r := &running{job: job, events: len(n.Events)}
	err = w.h.Dispatch(context.WithValue(ctx, runningKey{}, r), n)
	if err == nil {
		return nil
	}
	// First: a job whose CompleteTx committed cannot be retried or
	// snoozed, so the failure must be logged, whatever it is.
	if r.completed.Load() && w.completedThenFailed(ctx, job, err) {
		return err
	}
	var rl rateLimited
	if errors.As(err, &rl) {
		if d, ok := rl.RetryAfter(); ok {
			return river.JobSnooze(min(max(d, minSnooze), maxSnooze))
		}
	}
	return err
}

// completedThenFailed logs a callback that failed after CompleteTx
// completed the job, and reports whether it did: if that completion
// committed, River can neither retry nor snooze the job, so the failure
// would go unnoticed. It reports false when the job is not completed (the
// CompleteTx rolled back: River retries the job). The job's context may be
// done (its JobTimeout): the lookup gets a few seconds of its own. A
// lookup that fails is logged too, as the job may be completed.
func (w *Worker) completedThenFailed(ctx context.Context, job *river.Job[NotificationArgs], err error) bool {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
	defer cancel()
	client := river.ClientFromContext[pgx.Tx](ctx)
	row, gerr := client.JobGet(lctx, job.ID)
	if gerr == nil && row.State != rivertype.JobStateCompleted {
		return false
	}
	logger := w.h.Logger
	if logger == nil {
		logger = slog.Default()
	}
	msg := "riverinbox: a callback failed after CompleteTx completed the job; River will not retry it (call CompleteTx in the job's last write)"
	attrs := []slog.Attr{slog.Int64("jobId", job.ID), slog.String("error", err.Error())}
	if gerr != nil {
		msg = "riverinbox: a callback failed after CompleteTx, and the job's state could not be read: if the CompleteTx committed, River will not retry it"
		attrs = append(attrs, slog.String("lookupError", gerr.Error()))
	}
	logger.LogAttrs(lctx, slog.LevelError, msg, attrs...)
	return true
}

// ErrNotInWorker is returned by [CompleteTx] called outside a callback
// that a [Worker] runs.
var ErrNotInWorker = errors.New("riverinbox: CompleteTx: no job in the context; call it from a callback the Worker runs, with the context it got")

// ErrJobNotRunning is wrapped by the error of a [CompleteTx] whose run no
// longer holds the job: the job is not running this run's attempt any
// more. An earlier CompleteTx of this run committed, or River gave the job
// to another run (its rescuer takes back a job still running
// RescueStuckJobsAfter after it started: a paused VM, a stalled process),
// which completed it or runs it now. Return the error, so that the
// route's transaction rolls back and its write is not applied twice.
var ErrJobNotRunning = errors.New("riverinbox: CompleteTx: the job is no longer this run's")

// CompleteTx completes the job of the notification being dispatched in tx,
// the transaction of the callback's own write, so that the write and the
// completion commit together or not at all: a crash or an error before the
// commit leaves neither and River runs the job again; after it, River never
// runs the job again, so the effect is applied once. Call it from a
// callback the [Worker] runs, with the context the callback got, on a
// transaction of the database River uses, as the last thing before the
// commit:
//
//	h.Handle("acuityscheduling", "appointments", "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
//		appt, err := account.Appointment(ctx, id) // slow work first, outside the transaction
//		...
//		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
//			if _, err := tx.Exec(ctx, `INSERT INTO appointments ...`, ...); err != nil {
//				return err
//			}
//			return riverinbox.CompleteTx(ctx, tx)
//		})
//	})
//
// CompleteTx first locks the job's row in tx and checks that the job is
// still running this run's attempt; if not, it returns an error wrapping
// [ErrJobNotRunning] and completes nothing: return it, so that the write
// rolls back. The lock holds until tx ends, so no other run can complete
// or take the job in between.
//
// The job completes once, as a whole, so CompleteTx serves notifications of
// one event (Acuity's hold one): for a notification of several it returns
// an error, since completing the job in the first event's transaction would
// leave the later events unretried if they failed or the process died. For
// those, make the writes idempotent and let the Worker complete the job.
// It returns [ErrNotInWorker] outside a Worker's callback. A callback that
// fails after its CompleteTx committed cannot be retried; the Worker logs
// that (see [Worker]).
func CompleteTx(ctx context.Context, tx pgx.Tx) error {
	r, ok := ctx.Value(runningKey{}).(*running)
	if !ok {
		return ErrNotInWorker
	}
	id := r.job.ID
	if r.events > 1 {
		return fmt.Errorf("riverinbox: CompleteTx: job %d holds a notification of %d events; the job completes as a whole, so CompleteTx serves notifications of one event (make the writes idempotent instead)", id, r.events)
	}
	client := river.ClientFromContext[pgx.Tx](ctx)
	// River's JobCompleteTx changes only a running job, whatever its
	// attempt, and returns the row without an error in any state: check
	// first, under the row's lock.
	var state rivertype.JobState
	var attempt int
	err := tx.QueryRow(ctx, `SELECT state::text, attempt FROM `+jobTable(client.Schema())+` WHERE id = $1 FOR UPDATE`, id).
		Scan(&state, &attempt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("riverinbox: CompleteTx: job %d is gone (deleted): %w", id, ErrJobNotRunning)
	case err != nil:
		return fmt.Errorf("riverinbox: CompleteTx: job %d: %w", id, err)
	case state != rivertype.JobStateRunning || attempt != r.job.Attempt:
		return fmt.Errorf("riverinbox: CompleteTx: job %d is %s at attempt %d, not running this run's attempt %d: %w",
			id, state, attempt, r.job.Attempt, ErrJobNotRunning)
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, r.job); err != nil {
		return fmt.Errorf("riverinbox: CompleteTx: job %d: %w", id, err)
	}
	r.completed.Store(true)
	return nil
}

// jobTable is River's job table as River's driver names it: in the River
// client's schema if it has one, else found through the search_path.
func jobTable(schema string) string {
	if schema == "" {
		return "river_job"
	}
	return pgx.Identifier{schema, "river_job"}.Sanitize()
}
