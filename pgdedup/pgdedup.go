// Package pgdedup is an [webhook.Deduplicator] on PostgreSQL, through pgx
// v5: replicas of a webhook receiver that share one database hand each
// notification to the host once, across restarts.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	store, err := pgdedup.New(ctx, pool) // creates the table elements_dedup if missing
//	...
//	h := &webhook.Handler{..., Deduplicator: store}
//
// One row per notification key, in one table. A Claim inserts the row, or
// takes over one whose time is up; Done marks it done; Release deletes it.
// Each is one statement, one round trip, atomic in the database:
//
//   - A claim lasts the claim TTL ([WithClaimTTL], default
//     [DefaultClaimTTL]). Keep it above your slowest callback: a claim whose
//     TTL passed is taken over by the next delivery to another replica,
//     which is how the notification of a replica that crashed mid-callback
//     gets processed.
//   - Claims belong to the Store value that made them (each [New] makes a
//     new owner id). A Store never takes over its own claim, expired or
//     not: its holder is alive, so a delivery to the same replica answers
//     409 until that callback ends. A replica whose claim expired and was
//     taken over by another cannot complete or release the new holder's
//     claim; Done and Release then return an error wrapping
//     [webhook.ErrClaimLost].
//   - A done key is kept for the retention ([WithRetention], default
//     [DefaultRetention], longer than the platform's retry window of about
//     73 hours), then may be claimed again.
//
// Times are the database's (now()), so the replicas' clocks do not matter.
// Rows whose time is up stay until a Claim of the same key reuses them or
// [Store.Purge] deletes them (an expired claim only after the retention
// too): call Purge now and then (say hourly) from any replica.
package pgdedup

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of the options.
const (
	DefaultTable     = "elements_dedup"
	DefaultClaimTTL  = 5 * time.Minute
	DefaultRetention = 7 * 24 * time.Hour // the platform retries for about 73 hours
)

// Store is an [webhook.Deduplicator] over one PostgreSQL table. Its
// methods are safe for concurrent use. Make it with [New].
type Store struct {
	pool                 *pgxpool.Pool
	owner                string  // this Store's claims
	ttl, retention       float64 // seconds
	claimSQL, doneSQL    string
	releaseSQL, purgeSQL string
}

// Option configures a [Store] in [New]. Options only record what they
// set; New checks it, and a value it cannot use (a table name it cannot
// quote safely) is New's error. When an option is given twice, the last
// one counts.
type Option func(*options)

// options are what the Options set, with New's defaults.
type options struct {
	table          string
	ttl, retention time.Duration
}

// WithTable sets the table's name (default [DefaultTable]), optionally
// schema-qualified ("dedup.events"). Names are lower-case letters, digits and
// underscores, starting with a letter or underscore; [New] rejects others.
func WithTable(name string) Option { return func(o *options) { o.table = name } }

// WithClaimTTL sets how long a claim holds (default [DefaultClaimTTL]): after
// it, the next delivery of the notification to another replica (another
// Store) takes the claim over. Keep it above your slowest callback. Zero or
// less keeps the default.
func WithClaimTTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// WithRetention sets how long a done key is kept (default
// [DefaultRetention]); keep it above the platform's retry window of about 73
// hours. Zero or less keeps the default.
func WithRetention(d time.Duration) Option { return func(o *options) { o.retention = d } }

// tableName is what WithTable accepts: [schema.]name, each part short enough
// for PostgreSQL's 63-byte identifiers with the index's suffix.
var tableName = regexp.MustCompile(`^([a-z_][a-z0-9_]{0,54}\.)?[a-z_][a-z0-9_]{0,54}$`)

// New returns a Store over pool, creating its table (and an index on the
// expiry time) if missing; the first start needs the CREATE privilege on the
// schema, later ones only SELECT, INSERT, UPDATE and DELETE on the table.
// Several replicas may call New at once.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	o := options{table: DefaultTable, ttl: DefaultClaimTTL, retention: DefaultRetention}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if !tableName.MatchString(o.table) {
		return nil, fmt.Errorf("pgdedup: table name %q: want [schema.]name of lower-case letters, digits and underscores", o.table)
	}
	if o.ttl <= 0 {
		o.ttl = DefaultClaimTTL
	}
	if o.retention <= 0 {
		o.retention = DefaultRetention
	}
	if pool == nil {
		return nil, errors.New("pgdedup: New: nil pool")
	}
	parts := strings.Split(o.table, ".")
	t := pgx.Identifier(parts).Sanitize()
	if err := createTable(ctx, pool, o.table, t, parts[len(parts)-1]); err != nil {
		return nil, fmt.Errorf("pgdedup: create table %s: %w", o.table, err)
	}
	return &Store{
		pool:      pool,
		owner:     rand.Text(),
		ttl:       o.ttl.Seconds(),
		retention: o.retention.Seconds(),
		// Claim always updates the row it conflicts with, but changes it
		// only when it takes the row over; the row lock serialises
		// concurrent Claims, and the token returned says whether this one
		// won.
		claimSQL: `INSERT INTO ` + t + ` AS d (key, owner, token, done, expires_at)
VALUES ($1, $2, $3, false, now() + $4::float8 * interval '1 second')
ON CONFLICT (key) DO UPDATE SET
	owner = CASE WHEN ` + takeOver + ` THEN excluded.owner ELSE d.owner END,
	token = CASE WHEN ` + takeOver + ` THEN excluded.token ELSE d.token END,
	done = CASE WHEN ` + takeOver + ` THEN false ELSE d.done END,
	expires_at = CASE WHEN ` + takeOver + ` THEN excluded.expires_at ELSE d.expires_at END
RETURNING d.token = $3, d.done`,
		doneSQL: `UPDATE ` + t + ` SET done = true, expires_at = now() + $3::float8 * interval '1 second'
WHERE key = $1 AND owner = $2 AND NOT done`,
		releaseSQL: `DELETE FROM ` + t + ` WHERE key = $1 AND owner = $2 AND NOT done`,
		// An expired claim is kept for the retention past its TTL, as a
		// done key is: its owner's Claim must still find it its own.
		purgeSQL: `DELETE FROM ` + t + ` WHERE key IN
(SELECT key FROM ` + t + ` WHERE expires_at <= now()
	AND (done OR expires_at <= now() - $2::float8 * interval '1 second')
	LIMIT $1 FOR UPDATE SKIP LOCKED)`,
	}, nil
}

// takeOver is when a Claim takes over the row of its key (d) in place of
// inserting one (excluded): the row's time is up, and it is a done key or
// another owner's claim. A claim of the Claim's own owner is never taken
// over, expired or not: its holder is this live Store (a restarted process
// has a new one), whose callback may still run and would then end the new
// claim with its Release or Done.
const takeOver = `(d.expires_at <= now() AND (d.done OR d.owner <> excluded.owner))`

// createTable creates the table and its index unless the table exists,
// under an advisory lock, as concurrent CREATE TABLE IF NOT EXISTS of one
// name can fail in PostgreSQL. t is table quoted, name its last part.
func createTable(ctx context.Context, pool *pgxpool.Pool, table, t, name string) error {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil || exists {
		return err
	}
	index := pgx.Identifier{name + "_expires"}.Sanitize()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "elements/pgdedup "+table); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+t+` (
	key bytea PRIMARY KEY,           -- the notification's key (any bytes)
	owner text NOT NULL,             -- the Store holding (or that held) the claim
	token bigint NOT NULL,           -- the claim's own number, to tell Claims apart
	done boolean NOT NULL,           -- processed
	expires_at timestamptz NOT NULL  -- claim TTL or retention end
)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE INDEX IF NOT EXISTS `+index+` ON `+t+` (expires_at)`)
		return err
	})
}

// Claim implements [webhook.Deduplicator] in one statement. It takes over
// a claim whose TTL passed only if another Store holds it: a claim of this
// Store, expired or not, answers [webhook.DedupInFlight].
func (s *Store) Claim(ctx context.Context, key string) (webhook.DedupState, error) {
	var won, done bool
	if err := s.pool.QueryRow(ctx, s.claimSQL, []byte(key), s.owner, mrand.Int64(), s.ttl).Scan(&won, &done); err != nil {
		return 0, fmt.Errorf("pgdedup: claim: %w", err)
	}
	switch {
	case won:
		return webhook.DedupClaimed, nil
	case done:
		return webhook.DedupDone, nil
	}
	return webhook.DedupInFlight, nil
}

// Done implements [webhook.Deduplicator]: the key is kept as done for the
// retention. Without this Store's claim on key it changes nothing and
// returns an error wrapping [webhook.ErrClaimLost].
func (s *Store) Done(ctx context.Context, key string) error {
	return s.finish(ctx, "done", key, s.doneSQL, []byte(key), s.owner, s.retention)
}

// Release implements [webhook.Deduplicator]: the key may be claimed again
// at once. Without this Store's claim on key it changes nothing and returns
// an error wrapping [webhook.ErrClaimLost].
func (s *Store) Release(ctx context.Context, key string) error {
	return s.finish(ctx, "release", key, s.releaseSQL, []byte(key), s.owner)
}

// finish runs Done's or Release's statement, which touches key's row only
// if this Store holds its claim.
func (s *Store) finish(ctx context.Context, op, key, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, args...)
	switch {
	case err != nil:
		return fmt.Errorf("pgdedup: %s: %w", op, err)
	case tag.RowsAffected() == 0:
		return fmt.Errorf("pgdedup: %s of %q: %w", op, key, webhook.ErrClaimLost)
	}
	return nil
}

// purgeBatch bounds the rows one statement of Purge deletes (and locks).
const purgeBatch = 10000

// Purge deletes the rows whose time is up (done keys past their retention,
// claims past their TTL and then the retention: until then an expired
// claim stays its owner's, see [Store.Claim]), in batches, and returns how
// many it deleted. Rows in use by a concurrent Claim are skipped. Safe to
// run from several replicas at once; run it periodically, for example
// hourly from a goroutine with a [time.Ticker], or from cron.
func (s *Store) Purge(ctx context.Context) (int64, error) {
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, s.purgeSQL, purgeBatch, s.retention)
		if err != nil {
			return total, fmt.Errorf("pgdedup: purge: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}
