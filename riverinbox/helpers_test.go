package riverinbox_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// One PostgreSQL server for the package's tests and benchmarks, started on
// first use; each test gets a database of its own (newDB). The soak's
// replicas also share a Redis.
var (
	server      = testserver.Once{Start: testserver.StartPostgres}
	redisServer = testserver.Once{Start: func() (*testserver.Server, error) { return testserver.StartRedis() }}
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(replicaEnv); cfg != "" { // the soak runs the binary again as a replica
		os.Exit(runReplica(cfg))
	}
	code := m.Run()
	server.Stop()
	redisServer.Stop()
	os.Exit(code)
}

const signingKey = "riverinbox-test-key"

// newDB creates a database with River's tables (River's migrations, as a
// host runs them) and returns a pool on it; the database is dropped at the
// end of the test.
func newDB(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	url := server.Get(tb).NewDatabase(tb, pgExec)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		tb.Fatalf("River's migrations: %v", err)
	}
	return pool
}

// pgExec runs one statement on a connection of its own.
func pgExec(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// fastRetry retries a failed job after 10 ms instead of River's backoff
// (seconds, growing), so that tests of retries are quick.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// newClient returns a River client on pool. With a handler it works the
// default queue with riverinbox's Worker for h and is started (and stopped
// at the end of the test); without one it only inserts. adjust, if not nil,
// changes the configuration first.
func newClient(tb testing.TB, pool *pgxpool.Pool, h *webhook.Handler, adjust func(*river.Config)) *river.Client[pgx.Tx] {
	tb.Helper()
	cfg := &river.Config{
		Logger:            slog.New(slog.DiscardHandler),
		RetryPolicy:       fastRetry{},
		TestOnly:          true,
		FetchCooldown:     5 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
	}
	if h != nil {
		workers := river.NewWorkers()
		river.AddWorker(workers, riverinbox.NewWorker(h))
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
	}
	if adjust != nil {
		adjust(cfg)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Workers != nil {
		if err := client.Start(context.Background()); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := client.Stop(ctx); err != nil {
				tb.Errorf("stopping the River client: %v", err)
			}
		})
	}
	return client
}

// newInbox returns an Inbox on client.
func newInbox(tb testing.TB, client *river.Client[pgx.Tx], opts ...riverinbox.Option) *riverinbox.Inbox {
	tb.Helper()
	inbox, err := riverinbox.New(client, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return inbox
}

// notificationBody is a notification of one appointment event, eventId id
// ("" for none), for instance 4242.
func notificationBody(id string) []byte {
	eventID := ""
	if id != "" {
		eventID = `"eventId":"` + id + `",`
	}
	return []byte(`{"message":{"elementKey":"acuityscheduling",` + eventID + `"instanceId":4242,"instanceName":"Front desk",` +
		`"raw":{"action":"scheduled","id":"8801"},"events":[{"date":"2020-02-14T09:30:00Z","elementKey":"acuityscheduling",` +
		`"eventType":"CREATED","objectId":"8801","objectType":"appointments"}]}}`)
}

// deliver POSTs body to h signed, as the platform does, and returns the
// status answered.
func deliver(h http.Handler, body []byte) int {
	r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	r.Header.Set(webhook.SignatureHeader, webhook.Sign(signingKey, body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// jobs returns the inbox's jobs in the database, oldest first.
func jobs(tb testing.TB, client *river.Client[pgx.Tx]) []*rivertype.JobRow {
	tb.Helper()
	res, err := client.JobList(context.Background(), river.NewJobListParams().Kinds(riverinbox.Kind).First(1000).
		OrderBy(river.JobListOrderByID, river.SortOrderAsc))
	if err != nil {
		tb.Fatal(err)
	}
	return res.Jobs
}

// waitFor returns the next event of one of kinds from events, failing tb
// after a generous timeout (the jobs run in milliseconds).
func waitFor(tb testing.TB, events <-chan *river.Event, kinds ...river.EventKind) *river.Event {
	tb.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-events:
			for _, k := range kinds {
				if ev.Kind == k {
					return ev
				}
			}
		case <-timeout:
			tb.Fatalf("no %v event within 30 s", kinds)
			return nil
		}
	}
}

// subscribe subscribes to client's job events until the end of the test.
func subscribe(tb testing.TB, client *river.Client[pgx.Tx]) <-chan *river.Event {
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobSnoozed,
		river.EventKindJobCancelled)
	tb.Cleanup(cancel)
	return events
}

// count runs a SELECT count(*) query on pool.
func count(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}
