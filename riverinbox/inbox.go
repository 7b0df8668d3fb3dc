// Package riverinbox receives the platform's notifications queue-first, on
// River (github.com/riverqueue/river) and PostgreSQL: a [webhook.Handler]
// with this [Inbox] stores each verified notification as a River job and
// answers the platform at once; River's workers run the handler's
// callbacks with [webhook.Handler.Dispatch] and retry a failure with River's
// backoff, however long the host's work takes.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	h := &webhook.Handler{KeysFor: keysFor}
//	h.Handle("acuityscheduling", "appointments", "*", onAppointment)
//	workers := river.NewWorkers()
//	river.AddWorker(workers, riverinbox.NewWorker(h))
//	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
//		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
//		Workers: workers,
//	})
//	inbox, err := riverinbox.New(client)
//	h.Inbox = inbox
//	err = client.Start(ctx)
//	http.Handle("/elements/events", h)
//
// River's tables come from River's migrations, run once per database (and
// again after upgrading River) before the first New: with River's command,
//
//	go install github.com/riverqueue/river/cmd/river@latest
//	river migrate-up --database-url "$DATABASE_URL"
//
// or in code, with rivermigrate, which applies the migrations of exactly the
// River version the application links (as this package's tests do):
//
//	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
//	...
//	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
//
// New creates the inbox's own table, [Table], if it is missing.
//
// One job per notification: [Inbox.Put] inserts a job only for a key not
// put within the window ([WithWindow], default [DefaultWindow], longer than
// the platform's retry window), even after River's cleaner deleted the
// first job (River forgets completed jobs after 24 hours by default). It
// keeps each key's time in [Table], written in the transaction that
// inserts the job, so a key is recorded exactly when its job is.
//
// What a job keeps: the parsed notification re-encoded by
// [webhook.Notification.MarshalJSON], stored as the string
// [NotificationArgs.Notification], not the bytes the platform sent and the
// handler verified ([webhook.Inbox.Put] gets the parsed notification). So
// the signature cannot be checked again on it, and JSON that no field of
// [webhook.Notification] holds is not kept. Parsed again by the [Worker], it gives back every field of
// webhook.Notification and of each of its Events, equal to the verified
// notification's, with two differences: Raw and User are the bytes sent
// when they were sent compact (as the platform sends them), else the same
// JSON compacted; and the dates (an event's Date and PollDate) are the
// same instants, in UTC (the offset they were sent with is not kept).
//
// One effect per notification: a route that writes to the same database
// calls [CompleteTx] in its own transaction, so that its write and the
// job's completion commit together; a crash before the commit leaves
// neither, and River runs the job again. A run that River's rescuer
// replaced (it outlived RescueStuckJobsAfter) cannot complete the job any
// more: its CompleteTx returns [ErrJobNotRunning], and its write rolls back.
//
// After a crash: a notification whose Put returned nil is in the database
// whatever happens to the process next. The jobs a killed process was
// running stay running until River's rescuer, on the leader, takes them
// back: RescueStuckJobsAfter after they started (an hour unless the River
// client sets it; it must be at least JobTimeout), checked every 30
// seconds, after a new leader is elected if the killed process led (up to
// about 20 seconds). Set both for your routes, for example a JobTimeout of a
// minute and RescueStuckJobsAfter of two.
//
// Rate limits: a callback error with a RetryAfter() (time.Duration, bool)
// method that reports true, as an *elements.APIError of a 429 answer has,
// snoozes the job for that long instead of counting a failed attempt.
package riverinbox

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
)

// Defaults and names.
const (
	// DefaultWindow is how long a key is remembered: a Put of the same key
	// within it inserts nothing. It outlasts the platform's retries (up to
	// about 73 hours after the first failure) and the vendor's late
	// duplicates.
	DefaultWindow = 7 * 24 * time.Hour

	// Table is the inbox's table of keys, created by New in the schema of
	// the connection's search_path.
	Table = "elements_inbox_keys"

	// newTimeout bounds New's work in the database.
	newTimeout = 30 * time.Second

	// maxKeyBytes bounds a key; the handler's keys are under 300 bytes.
	maxKeyBytes = 1 << 10

	// pruneEvery is how many Puts pass between two deletions of expired
	// keys (each deletes at most pruneBatch).
	pruneEvery = 64
	pruneBatch = 1000
)

// Inbox is a [webhook.Inbox] that stores each notification as a River job
// of kind [Kind], with [NotificationArgs]. Make it with [New]; its methods
// are safe for concurrent use.
type Inbox struct {
	client *river.Client[pgx.Tx]
	exec   riverdriver.Executor
	driver riverdriver.Driver[pgx.Tx]
	opts   river.InsertOpts
	window float64 // seconds
	puts   atomic.Uint64
}

// Option configures an [Inbox].
type Option func(*options)

type options struct {
	queue       string
	window      time.Duration
	maxAttempts int
}

// WithQueue sets the River queue the jobs go to (default
// river.QueueDefault, "default"). The workers' client must work that queue.
func WithQueue(name string) Option { return func(o *options) { o.queue = name } }

// WithWindow sets how long a key is remembered (default [DefaultWindow]):
// a Put of a key put less than d ago inserts nothing. Keep it above the
// platform's retry window of about 73 hours. Zero or less keeps the
// default.
func WithWindow(d time.Duration) Option { return func(o *options) { o.window = d } }

// WithMaxAttempts sets how many times River works a job before it gives up
// and discards it (default: the client's MaxAttempts, 25 unless set, which
// River's backoff spreads over about three weeks). Snoozes for a rate
// limit do not count.
func WithMaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// queueName is River's rule for queue names (checked again when a job is
// inserted): checked by New, so a bad name fails at start, not on every
// delivery.
var queueName = regexp.MustCompile(`^(?:[a-z0-9])+(?:[_|\-]?[a-z0-9]+)*$`)

// New returns an Inbox that inserts jobs with client, which needs a
// database pool (riverpgxv5.New(pool)) and may be insert-only (no Queues,
// no Workers) in a process that only receives. River's tables must exist
// (see the package documentation). New creates [Table] and its index if
// missing, which takes the CREATE privilege on the schema the first time;
// several replicas may call New at once. That work gets at most 30
// seconds.
func New(client *river.Client[pgx.Tx], opts ...Option) (*Inbox, error) {
	o := options{queue: river.QueueDefault, window: DefaultWindow}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case client == nil:
		return nil, errors.New("riverinbox: New: nil River client")
	case !client.Driver().PoolIsSet():
		return nil, errors.New("riverinbox: New: the River client has no database pool; make it with riverpgxv5.New(pool)")
	case len(o.queue) > 64 || !queueName.MatchString(o.queue):
		return nil, fmt.Errorf("riverinbox: queue name %.80q: want at most 64 lower-case letters and digits, separated by single underscores or hyphens (River's rule)", o.queue)
	case o.maxAttempts < 0:
		return nil, fmt.Errorf("riverinbox: max attempts %d: want 1 or more, or 0 for the client's default", o.maxAttempts)
	}
	if o.window <= 0 {
		o.window = DefaultWindow
	}
	b := &Inbox{
		client: client,
		exec:   client.Driver().GetExecutor(),
		driver: client.Driver(),
		opts:   river.InsertOpts{Queue: o.queue, MaxAttempts: o.maxAttempts},
		window: o.window.Seconds(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), newTimeout)
	defer cancel()
	if err := b.createTable(ctx); err != nil {
		return nil, fmt.Errorf("riverinbox: create table %s: %w", Table, err)
	}
	return b, nil
}

// createTable creates Table and its index unless Table exists, under an
// advisory lock, as concurrent CREATE TABLE IF NOT EXISTS of one name can
// fail in PostgreSQL.
func (b *Inbox) createTable(ctx context.Context) error {
	return b.inTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, Table).Scan(&exists); err != nil || exists {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "elements/riverinbox "+Table); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+Table+` (
	key text PRIMARY KEY,        -- the handler's de-duplication key
	put_at timestamptz NOT NULL  -- when its job was inserted
)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+Table+`_put_at ON `+Table+` (put_at)`)
		return err
	})
}

// inTx runs fn in a transaction on the client's pool and commits it if fn
// returned nil.
func (b *Inbox) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	execTx, err := b.exec.Begin(ctx)
	if err != nil {
		return err
	}
	tx := b.driver.UnwrapTx(execTx)
	defer tx.Rollback(context.WithoutCancel(ctx)) // after Commit: a no-op
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// keySQL records a key, or renews one whose window has passed, and returns
// a row only then; a key within its window returns none. The row lock makes
// concurrent Puts of one key wait for the first, which wins.
const keySQL = `INSERT INTO ` + Table + ` AS k (key, put_at) VALUES ($1, now())
ON CONFLICT (key) DO UPDATE SET put_at = excluded.put_at WHERE k.put_at <= now() - $2::float8 * interval '1 second'
RETURNING true`

// pruneSQL deletes up to $2 keys whose window has passed.
const pruneSQL = `DELETE FROM ` + Table + ` WHERE key IN (SELECT key FROM ` + Table + `
WHERE put_at <= now() - $1::float8 * interval '1 second' ORDER BY put_at LIMIT $2 FOR UPDATE SKIP LOCKED)`

// Put implements [webhook.Inbox]: it inserts a job for n unless key was put
// within the window, recording key in the same transaction, and returns
// nil once that transaction committed (or the key was put before). Key ""
// is not de-duplicated: every Put of it inserts a job. An error means
// nothing was stored.
//
// The job holds n in its wire form ([webhook.Notification.MarshalJSON]) as
// a string: parsed again, it is the notification the handler verified (see
// [NotificationArgs]).
func (b *Inbox) Put(ctx context.Context, key string, n *webhook.Notification) error {
	if n == nil {
		return errors.New("riverinbox: Put: nil notification")
	}
	if len(key) > maxKeyBytes || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		return fmt.Errorf("riverinbox: Put: key of %d bytes: want at most %d bytes of UTF-8 text without NUL", len(key), maxKeyBytes)
	}
	body, err := n.MarshalJSON()
	if err != nil {
		return fmt.Errorf("riverinbox: Put: encoding the notification: %w", err)
	}
	args := NotificationArgs{Key: key, Notification: string(body)}
	err = b.inTx(ctx, func(tx pgx.Tx) error {
		if key != "" {
			var fresh bool
			err := tx.QueryRow(ctx, keySQL, key, b.window).Scan(&fresh)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // put before, within the window
			}
			if err != nil {
				return fmt.Errorf("recording the key: %w", err)
			}
		}
		if _, err := b.client.InsertTx(ctx, tx, args, &b.opts); err != nil {
			return fmt.Errorf("inserting the job: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("riverinbox: Put: %w", err)
	}
	if (b.puts.Add(1)-1)%pruneEvery == 0 { // the first Put too: a replica may restart often
		go b.prune(context.WithoutCancel(ctx))
	}
	return nil
}

// prune deletes a batch of keys whose window has passed, so that Table
// holds about one window of keys. It runs beside the answer, not before
// it; best effort: a failure is left for the next time.
func (b *Inbox) prune(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, newTimeout)
	defer cancel()
	_ = b.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, pruneSQL, b.window, pruneBatch)
		return err
	})
}
