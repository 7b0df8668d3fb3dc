package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// One PostgreSQL server for the tests that need it, started on first use
// (skipped without the binaries unless ELEMENTS_REQUIRE_SERVERS=1).
var server = testserver.Once{Start: testserver.StartPostgres}

// runMainEnv makes the test binary run the program itself (TestExitCodes).
const runMainEnv = "EVENT_RECEIVER_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

// newDatabase creates a database for one test, dropped at its end, and
// returns its URL.
func newDatabase(t *testing.T) string {
	t.Helper()
	return server.Get(t).NewDatabase(t, pgExec)
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

// Queue-first: the platform's deliveries (one of them twice) are answered
// once stored; River's workers fetch each appointment and save it in the
// transaction that completes its job: one job per event, every job
// completed, the table as Acuity has the appointments now.
func TestQueueFirst(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := openQueue(ctx, newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	routes := http.NewServeMux() // the app's routes, once the tenants exist
	app := httptest.NewServer(routes)
	t.Cleanup(app.Close)
	f := newFakeTenants(t, app.URL+"/events")
	h := newHandler(f.tenants, f.client, q, logger)
	if err := q.start(ctx, h, 2, logger); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.close)
	routes.Handle("/", newMux(h))
	if _, ok := h.Inbox.(*riverinbox.Inbox); !ok {
		t.Fatalf("the handler's Inbox is %T, want the River inbox", h.Inbox)
	}

	f.platform.DuplicateNext(1)
	f.acuityWebhook(t, f.a, "action=scheduled&id=8801")
	f.acuityWebhook(t, f.b, "action=canceled&id=8802")
	deliveries, err := f.platform.WaitForDeliveries(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deliveries {
		if !d.Delivered || len(d.Attempts) != 1 {
			t.Errorf("delivery of %s: delivered %t after %d attempts, want at the first", d.EventID, d.Delivered, len(d.Attempts))
		}
	}
	type row struct {
		Action   string
		Start    time.Time
		Canceled bool
		Name     string
	}
	want := map[int64]row{
		f.a: {"scheduled", time.Date(2026, 2, 14, 15, 30, 0, 0, time.UTC), false, "Ada"},
		f.b: {"canceled", time.Date(2026, 2, 14, 15, 30, 0, 0, time.UTC), true, "Ada"},
	}
	for {
		n := 0
		if err := q.pool.QueryRow(ctx, `SELECT count(*) FROM appointments`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == len(want) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d appointments saved, want %d; log:\n%s", n, len(want), logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	rows, err := q.pool.Query(ctx, `SELECT instance_id, last_action, starts_at, canceled, acuity->>'firstName' FROM appointments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var r row
		if err := rows.Scan(&id, &r.Action, &r.Start, &r.Canceled, &r.Name); err != nil {
			t.Fatal(err)
		}
		r.Start = r.Start.UTC()
		if r != want[id] {
			t.Errorf("instance %d's appointment: %+v, want %+v", id, r, want[id])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// One job per event (the duplicate inserted none), each completed by
	// the route's transaction.
	var res *river.JobListResult
	for {
		if res, err = q.river.JobList(ctx, river.NewJobListParams().Kinds(riverinbox.Kind)); err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, j := range res.Jobs {
			if j.State == rivertype.JobStateCompleted {
				done++
			}
		}
		if done == len(res.Jobs) || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(res.Jobs) != 2 {
		t.Errorf("%d jobs for 2 events", len(res.Jobs))
	}
	for _, j := range res.Jobs {
		if j.State != rivertype.JobStateCompleted || j.Attempt != 1 {
			t.Errorf("job %d: %s after %d attempts, want completed at the first", j.ID, j.State, j.Attempt)
		}
	}
}

// A failing database URL fails openQueue with an error that does not show
// the password.
func TestOpenQueueFails(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := openQueue(ctx, "postgres://u:secret-pw@127.0.0.1:1/db?connect_timeout=2")
	if err == nil {
		t.Fatal("openQueue with an unreachable database: no error")
	}
	if strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// run says which shape it runs, serves, and stops cleanly when its context
// ends: inline without a database, queue-first with one.
func TestRunSaysWhichShape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, db, want string
	}{
		{"inline", "", "no database: each event is handled inline"},
		{"queue-first", "db", "queue-first: each event is stored as a River job"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := maps.Clone(fullEnv)
			if tc.db != "" {
				e["DATABASE_URL"] = newDatabase(t)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r, w := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, env(e), w)
				w.Close()
			}()
			var log strings.Builder
			lines := bufio.NewScanner(r)
			for lines.Scan() {
				log.WriteString(lines.Text() + "\n")
				if strings.Contains(lines.Text(), "msg=listening") {
					break
				}
			}
			cancel()
			go func() { _, _ = io.Copy(io.Discard, r) }()
			if err := <-done; err != nil {
				t.Errorf("run: %v\n%s", err, log.String())
			}
			if !strings.Contains(log.String(), tc.want) {
				t.Errorf("the log does not say %q:\n%s", tc.want, log.String())
			}
		})
	}
}

// holdFirstFetch lets the first appointment fetch through to the hub, then
// holds its answer until release is closed: a worker that fetched, then
// stalled before its write.
type holdFirstFetch struct {
	once             sync.Once
	fetched, release chan struct{}
}

func (h *holdFirstFetch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/elements/api-v2/hubs/scheduling/appointments/") {
		return resp, err
	}
	first := false
	h.once.Do(func() { first = true })
	if !first {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body) // the appointment as it is now
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	close(h.fetched)
	select {
	case <-h.release:
	case <-r.Context().Done():
	}
	return resp, err
}

// Acuity sends changed alongside rescheduled and canceled: one change, two
// jobs for one appointment, on two workers. The job that fetched first but
// writes last must not overwrite the appointment the other job fetched
// after the change.
func TestQueueFirstKeepsTheLaterFetch(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q, err := openQueue(ctx, newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	routes := http.NewServeMux()
	app := httptest.NewServer(routes)
	t.Cleanup(app.Close)
	f := newFakeTenants(t, app.URL+"/events")
	hold := &holdFirstFetch{fetched: make(chan struct{}), release: make(chan struct{})}
	released := sync.OnceFunc(func() { close(hold.release) })
	t.Cleanup(released)
	client, err := f.platform.NewClient(elements.WithHTTPClient(&http.Client{Transport: hold}))
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(f.tenants, client, q, logger)
	if err := q.start(ctx, h, 2, logger); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.close)
	routes.Handle("/", newMux(h))
	canceled := func() (bool, bool) {
		var c bool
		err := q.pool.QueryRow(ctx, `SELECT canceled FROM appointments WHERE instance_id = $1 AND appointment_id = 8801`, f.a).Scan(&c)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return c, true
	}

	f.acuityWebhook(t, f.a, "action=rescheduled&id=8801") // job 1 fetches the appointment, not canceled, and stalls
	select {
	case <-hold.fetched:
	case <-ctx.Done():
		t.Fatalf("no fetch; log:\n%s", logs.String())
	}
	f.setAppointment(t, f.a, 8801, true)
	f.acuityWebhook(t, f.a, "action=canceled&id=8801") // job 2 fetches it canceled, and saves it
	for c, ok := canceled(); !ok || !c; c, ok = canceled() {
		select {
		case <-ctx.Done():
			t.Fatalf("the canceled appointment was not saved; log:\n%s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	released() // job 1 writes what it fetched before the change
	for {
		res, err := q.river.JobList(ctx, river.NewJobListParams().Kinds(riverinbox.Kind))
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, j := range res.Jobs {
			if j.State == rivertype.JobStateCompleted {
				done++
			}
		}
		if len(res.Jobs) == 2 && done == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d jobs completed; log:\n%s", done, len(res.Jobs), logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if c, _ := canceled(); !c {
		t.Errorf("the appointment is saved not canceled: the older fetch, written last, overwrote the newer one")
	}
}
