package riverinbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// completedMsg is what the Worker logs for a callback that failed after
// its CompleteTx committed.
const completedMsg = "failed after CompleteTx completed the job"

// writeAndComplete is a route's write and CompleteTx, committed.
func writeAndComplete(ctx context.Context, pool *pgxpool.Pool, id string) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO effects VALUES ($1, '')`, id); err != nil {
			return err
		}
		return riverinbox.CompleteTx(ctx, tx)
	})
}

// waitForLog waits until logs holds want, for at most 10 s (the job's event
// may come before Work returned).
func waitForLog(t *testing.T, logs func() string, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no log %q:\n%s", want, logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A callback that fails after its CompleteTx committed cannot be retried,
// so the Worker logs it, whatever the error: a rate limit too (River
// cannot snooze a completed job), and after the job's timeout (whose
// context is done). A rate limit after a CompleteTx that rolled back still
// snoozes the job, and logs nothing.
func TestWorkerLogsFailureAfterCompleteTx(t *testing.T) {
	t.Parallel()
	tooMany := &elements.APIError{StatusCode: http.StatusTooManyRequests, Message: "Too Many Requests",
		Header: http.Header{"Retry-After": {"1"}}}
	for _, tc := range []struct {
		name   string
		route  func(ctx context.Context, pool *pgxpool.Pool) error
		adjust func(*river.Config)
		want   river.EventKind // the job's event after the first run
		logs   bool
	}{
		{name: "429", route: func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := writeAndComplete(ctx, pool, "429"); err != nil {
				return err
			}
			return fmt.Errorf("fetching the next thing: %w", tooMany)
		}, want: river.EventKindJobCompleted, logs: true},
		{name: "pace-wait", route: func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := writeAndComplete(ctx, pool, "pace-wait"); err != nil {
				return err
			}
			return fmt.Errorf("fetching the next thing: %w", &elements.RateLimitError{Wait: time.Second})
		}, want: river.EventKindJobCompleted, logs: true},
		{name: "job-timeout", route: func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := writeAndComplete(ctx, pool, "job-timeout"); err != nil {
				return err
			}
			<-ctx.Done() // slow work after the commit, cut by the JobTimeout
			return ctx.Err()
		}, adjust: func(cfg *river.Config) { cfg.JobTimeout = time.Second },
			want: river.EventKindJobCompleted, logs: true},
		{name: "rolled-back-429", route: func(ctx context.Context, pool *pgxpool.Pool) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if err := riverinbox.CompleteTx(ctx, tx); err != nil {
					return err
				}
				return tooMany // rolls the completion back
			})
		}, want: river.EventKindJobSnoozed, logs: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := newDB(t)
			createEffects(t, pool)
			var logs syncLog
			var once sync.Once
			h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			h.HandleDefault(func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
				err := error(nil)
				once.Do(func() { err = tc.route(ctx, pool) }) // later runs (after a snooze) succeed
				return err
			})
			client := newClient(t, pool, h, tc.adjust)
			events := subscribe(t, client)
			h.Inbox = newInbox(t, client)
			if code := deliver(h, notificationBody("ev-"+tc.name)); code != 200 {
				t.Fatalf("status %d", code)
			}
			ev := waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobSnoozed)
			if ev.Kind != tc.want {
				t.Errorf("job %s, want %s", ev.Kind, tc.want)
			}
			if !tc.logs {
				if strings.Contains(logs.String(), completedMsg) { // Work returned before the snooze's event
					t.Errorf("logged a completed job's failure for a completion that rolled back:\n%s", logs.String())
				}
				return
			}
			if s := jobState(t, pool, ev.Job.ID); s != rivertype.JobStateCompleted {
				t.Errorf("job %s, want completed", s)
			}
			waitForLog(t, logs.String, completedMsg)
			if out := logs.String(); !strings.Contains(out, "jobId="+strconv.FormatInt(ev.Job.ID, 10)) || !strings.Contains(out, "level=ERROR") {
				t.Errorf("the log does not name job %d at level ERROR:\n%s", ev.Job.ID, out)
			}
		})
	}
}

// A handler without a Logger: the Worker logs a failure after a committed
// CompleteTx to slog.Default(). Not parallel: it replaces the default
// logger.
func TestWorkerLogsFailureAfterCompleteTxToDefault(t *testing.T) {
	var logs syncLog
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) }) // after the client stopped: registered first
	pool := newDB(t)
	createEffects(t, pool)
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}} // no Logger
	h.HandleDefault(func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		if err := writeAndComplete(ctx, pool, n.EventID); err != nil {
			return err
		}
		return errors.New("failed after the commit")
	})
	client := newClient(t, pool, h, nil)
	events := subscribe(t, client)
	h.Inbox = newInbox(t, client)
	if code := deliver(h, notificationBody("ev-default-logger")); code != 200 {
		t.Fatalf("status %d", code)
	}
	waitFor(t, events, river.EventKindJobCompleted, river.EventKindJobFailed)
	waitForLog(t, logs.String, completedMsg)
}

// syncLog is a log's text, safe for concurrent writers.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
