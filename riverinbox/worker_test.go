package riverinbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// A failing or panicking callback fails the attempt; River retries the job
// and the next attempt gets the same notification.
func TestWorkerRetries(t *testing.T) {
	t.Parallel()
	for _, panics := range []bool{false, true} {
		t.Run(fmt.Sprintf("panics=%t", panics), func(t *testing.T) {
			t.Parallel()
			pool := newDB(t)
			var mu sync.Mutex
			var seen []*webhook.Notification
			h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}}
			h.Handle("acuityscheduling", "appointments", "*", func(_ context.Context, n *webhook.Notification, e webhook.Event) error {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, n)
				if len(seen) == 1 {
					if panics {
						panic("route bug")
					}
					return errors.New("database down")
				}
				return nil
			})
			client := newClient(t, pool, h, nil)
			events := subscribe(t, client)
			h.Inbox = newInbox(t, client)
			body := notificationBody("ev-retry")
			if code := deliver(h, body); code != 200 {
				t.Fatalf("status %d", code)
			}
			ev := waitFor(t, events, river.EventKindJobCompleted)
			if ev.Job.Attempt != 2 || len(ev.Job.Errors) != 1 {
				t.Fatalf("completed at attempt %d with %d errors, want attempt 2 after one error", ev.Job.Attempt, len(ev.Job.Errors))
			}
			want := "database down"
			if panics {
				want = "panic: route bug"
			}
			if got := ev.Job.Errors[0].Error; !strings.Contains(got, want) || !strings.Contains(got, "event 1 of 1") {
				t.Errorf("recorded error %q, want it to name the event and say %q", got, want)
			}
			parsed, _ := webhook.ParseNotification(body)
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff([]*webhook.Notification{parsed, parsed}, seen); diff != "" {
				t.Errorf("notifications the route saw (-want +got):\n%s", diff)
			}
		})
	}
}

// A rate limit (a 429 from the hub) snoozes the job for its Retry-After
// without burning an attempt: a job allowed one attempt survives two 429s.
// Any other error, at one attempt, discards it.
func TestWorkerSnoozesOnRateLimit(t *testing.T) {
	t.Parallel()
	tooMany := &elements.APIError{StatusCode: http.StatusTooManyRequests, Message: "Too Many Requests",
		Header: http.Header{"Retry-After": {"1"}}}
	unavailable := &elements.APIError{StatusCode: http.StatusServiceUnavailable, Message: "Service Unavailable",
		Header: http.Header{"Retry-After": {"1"}}}
	pool := newDB(t)
	var calls sync.Map // eventId → *atomic.Int32
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}}
	h.Handle("*", "*", "*", func(_ context.Context, n *webhook.Notification, e webhook.Event) error {
		c, _ := calls.LoadOrStore(n.EventID, new(atomic.Int32))
		call := c.(*atomic.Int32).Add(1)
		switch {
		case n.EventID == "limited" && call <= 2:
			return fmt.Errorf("fetching appointment %s: %w", e.ObjectID, tooMany)
		case n.EventID == "unavailable":
			return fmt.Errorf("fetching appointment %s: %w", e.ObjectID, unavailable)
		}
		return nil
	})
	client := newClient(t, pool, h, nil)
	events := subscribe(t, client)
	h.Inbox = newInbox(t, client, riverinbox.WithMaxAttempts(1))

	if code := deliver(h, notificationBody("limited")); code != 200 {
		t.Fatalf("status %d", code)
	}
	for i := range 2 {
		ev := waitFor(t, events, river.EventKindJobSnoozed)
		if wait := ev.Job.ScheduledAt.Sub(*ev.Job.AttemptedAt); wait < time.Second || wait > 10*time.Second {
			t.Errorf("snooze %d: next attempt %v after this one, want the Retry-After of 1 s", i+1, wait)
		}
	}
	ev := waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed)
	if ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 1 || len(ev.Job.Errors) != 0 {
		t.Fatalf("after two 429s: %s at attempt %d with errors %v; want completed at attempt 1, no errors",
			ev.Kind, ev.Job.Attempt, ev.Job.Errors)
	}
	if !strings.Contains(string(ev.Job.Metadata), `"snoozes": 2`) && !strings.Contains(string(ev.Job.Metadata), `"snoozes":2`) {
		t.Errorf("metadata %s, want 2 snoozes", ev.Job.Metadata)
	}

	if code := deliver(h, notificationBody("unavailable")); code != 200 {
		t.Fatalf("status %d", code)
	}
	ev = waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed)
	if ev.Kind != river.EventKindJobFailed || ev.Job.State != rivertype.JobStateDiscarded {
		t.Errorf("a 503 at one attempt: %s (%s), want discarded: only rate limits snooze", ev.Kind, ev.Job.State)
	}
}

// A job whose args hold no notification is cancelled: retrying cannot help.
func TestWorkerCancelsUnparsableJob(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	h := &webhook.Handler{OnNotification: func(context.Context, *webhook.Notification) error {
		t.Error("dispatched a job without a notification")
		return nil
	}}
	client := newClient(t, pool, h, nil)
	events := subscribe(t, client)
	if _, err := client.Insert(context.Background(), riverinbox.NotificationArgs{Notification: `{"not":"a notification"}`}, nil); err != nil {
		t.Fatal(err)
	}
	ev := waitFor(t, events, river.EventKindJobCancelled, river.EventKindJobCompleted, river.EventKindJobFailed)
	if ev.Kind != river.EventKindJobCancelled || len(ev.Job.Errors) != 1 || !strings.Contains(ev.Job.Errors[0].Error, "holds no notification") {
		t.Errorf("%s with errors %v, want cancelled, saying why", ev.Kind, ev.Job.Errors)
	}
}

// effects is a host's table written by a route in its own transaction.
func createEffects(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `CREATE TABLE effects (event_id text NOT NULL, object_id text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
}

// jobState reads a job's state from another connection than the route's.
func jobState(t *testing.T, pool *pgxpool.Pool, id int64) rivertype.JobState {
	t.Helper()
	var state string
	if err := pool.QueryRow(context.Background(), `SELECT state FROM river_job WHERE id = $1`, id).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return rivertype.JobState(state)
}

// CompleteTx makes a route's write and the job's completion one
// transaction: invisible together before the commit, visible together
// after it; a rollback or a panic after the write applies neither, and
// River runs the job again, which then applies the effect once.
func TestCompleteTx(t *testing.T) {
	t.Parallel()
	for _, crash := range []string{"none", "error", "panic"} {
		t.Run("crash="+crash, func(t *testing.T) {
			t.Parallel()
			pool := newDB(t)
			createEffects(t, pool)
			var attempts atomic.Int32
			h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}}
			h.Handle("acuityscheduling", "appointments", "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
				attempt := attempts.Add(1)
				return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO effects VALUES ($1, $2)`, n.EventID, e.ObjectID); err != nil {
						return err
					}
					if err := riverinbox.CompleteTx(ctx, tx); err != nil {
						return err
					}
					// Before the commit, nothing shows elsewhere (the test's
					// database holds this one job).
					if n := count(t, pool, `SELECT count(*) FROM effects`); n != 0 {
						t.Errorf("before the commit, %d effects visible", n)
					}
					if n := count(t, pool, `SELECT count(*) FROM river_job WHERE state = 'running'`); n != 1 {
						t.Errorf("before the commit, %d jobs running, want 1", n)
					}
					switch {
					case attempt == 1 && crash == "error":
						return errors.New("crashed after the write")
					case attempt == 1 && crash == "panic":
						panic("crashed after the write")
					}
					return nil
				})
			})
			client := newClient(t, pool, h, nil)
			events := subscribe(t, client)
			h.Inbox = newInbox(t, client)
			if code := deliver(h, notificationBody("ev-tx")); code != 200 {
				t.Fatalf("status %d", code)
			}
			ev := waitFor(t, events, river.EventKindJobCompleted)
			wantAttempts := 1
			if crash != "none" {
				wantAttempts = 2
			}
			if ev.Job.Attempt != wantAttempts || int(attempts.Load()) != wantAttempts {
				t.Errorf("completed at attempt %d after %d runs, want %d", ev.Job.Attempt, attempts.Load(), wantAttempts)
			}
			if n := count(t, pool, `SELECT count(*) FROM effects WHERE event_id = 'ev-tx'`); n != 1 {
				t.Errorf("%d effects applied, want exactly 1", n)
			}
			if s := jobState(t, pool, ev.Job.ID); s != rivertype.JobStateCompleted {
				t.Errorf("job %s, want completed", s)
			}
		})
	}
}

func TestCompleteTxMisuse(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	createEffects(t, pool)
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := riverinbox.CompleteTx(ctx, tx); !errors.Is(err, riverinbox.ErrNotInWorker) {
		t.Errorf("outside a worker: %v, want ErrNotInWorker", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	var lmu sync.Mutex
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey},
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &lmu}, nil))}
	write := func(ctx context.Context, id string) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO effects VALUES ($1, '')`, id); err != nil {
				return err
			}
			return riverinbox.CompleteTx(ctx, tx)
		})
	}
	var mu sync.Mutex
	errs := map[string]error{}
	h.HandleDefault(func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		err := write(ctx, n.EventID)
		switch n.EventID {
		case "twice": // a second CompleteTx after the first committed
			err = write(ctx, n.EventID+"-again")
		case "fails-after": // fails after its CompleteTx committed
			err = errors.New("failed after the commit")
		}
		mu.Lock()
		errs[n.EventID] = err
		mu.Unlock()
		return err
	})
	client := newClient(t, pool, h, nil)
	events := subscribe(t, client)
	h.Inbox = newInbox(t, client, riverinbox.WithMaxAttempts(1))

	// Two events: refused, nothing written.
	if code := deliver(h, []byte(`{"message":{"eventId":"two","instanceId":4242,"events":[`+
		`{"eventType":"CREATED","objectId":"1","objectType":"appointments"},{"eventType":"CREATED","objectId":"2","objectType":"appointments"}]}}`)); code != 200 {
		t.Fatalf("status %d", code)
	}
	if ev := waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed); ev.Kind != river.EventKindJobFailed {
		t.Errorf("two events: job %s, want failed", ev.Kind)
	}
	for _, id := range []string{"twice", "fails-after"} {
		if code := deliver(h, notificationBody(id)); code != 200 {
			t.Fatalf("status %d", code)
		}
		waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed)
	}
	mu.Lock()
	if err := errs["two"]; err == nil || !strings.Contains(err.Error(), "2 events") {
		t.Errorf("two events: %v, want an error naming the 2 events", err)
	}
	if err := errs["twice"]; !errors.Is(err, riverinbox.ErrJobNotRunning) || !strings.Contains(err.Error(), "is completed") {
		t.Errorf("second CompleteTx: %v, want ErrJobNotRunning, saying the job is completed", err)
	}
	mu.Unlock()
	var ids []string
	rows, err := pool.Query(ctx, `SELECT event_id FROM effects ORDER BY event_id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"fails-after", "twice"}, ids); diff != "" {
		t.Errorf("effects (-want +got):\n%s", diff)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		lmu.Lock()
		out := logs.String()
		lmu.Unlock()
		if strings.Count(out, "failed after CompleteTx completed the job") == 2 { // "twice" and "fails-after"
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want two logs of failures River cannot retry:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond) // the completed event may come before Work returned
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
