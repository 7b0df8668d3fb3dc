package pgdedup_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
	"github.com/elementsgo/elements/webhook/webhooktest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// One PostgreSQL server for the package's tests and benchmarks, started on
// first use.
var server = testserver.Once{Start: testserver.StartPostgres}

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

// writes counts the client's writes on its connections: one per round trip.
type writes struct{ n atomic.Int64 }

type countingConn struct {
	net.Conn
	w *writes
}

func (c countingConn) Write(p []byte) (int, error) {
	c.w.n.Add(1)
	return c.Conn.Write(p)
}

// newPool connects to the test server; w, if not nil, counts the writes.
func newPool(tb testing.TB, w *writes) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(server.Get(tb).PostgresURL())
	if err != nil {
		tb.Fatal(err)
	}
	if w != nil {
		cfg.MaxConns = 1
		cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			return countingConn{c, w}, err
		}
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// table returns a fresh table name.
func table() string { return "t_" + strings.ToLower(rand.Text()[:10]) }

func TestConformance(t *testing.T) {
	t.Parallel()
	pool := newPool(t, nil)
	name := table()
	webhooktest.TestDeduplicator(t, func(t *testing.T) webhook.Deduplicator {
		s, err := pgdedup.New(context.Background(), pool, pgdedup.WithTable(name),
			pgdedup.WithClaimTTL(webhooktest.DeduplicatorClaimTTL), pgdedup.WithRetention(webhooktest.DeduplicatorRetention))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestTableNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bad := []string{"", "Dedup", "1dedup", "de-dup", "dedup;drop table x", `de"dup`, "a.b.c", ".dedup", "dedup.",
		"de dup", "dédup", strings.Repeat("a", 56)}
	for _, name := range bad {
		// Rejected before the pool is looked at.
		if _, err := pgdedup.New(ctx, nil, pgdedup.WithTable(name)); err == nil || !strings.Contains(err.Error(), "table name") {
			t.Errorf("WithTable(%q): %v, want a table name error", name, err)
		}
	}
	pool := newPool(t, nil)
	if _, err := pool.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS dedup_schema`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dedup_schema." + table(), "_" + table(), strings.Repeat("a", 55)} {
		s, err := pgdedup.New(ctx, pool, pgdedup.WithTable(name))
		if err != nil {
			t.Fatalf("WithTable(%q): %v", name, err)
		}
		if st, err := s.Claim(ctx, "k"); err != nil || st != webhook.DedupClaimed {
			t.Errorf("WithTable(%q): Claim = %v, %v", name, st, err)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+name).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: %d rows, %v; want 1", name, n, err)
		}
	}
}

// Replicas starting at once all create-or-find the table.
func TestNewConcurrent(t *testing.T) {
	t.Parallel()
	pool := newPool(t, nil)
	name := table()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { _, errs[i] = pgdedup.New(context.Background(), pool, pgdedup.WithTable(name)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// Each call is one round trip once its statement is prepared on the
// connection.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	var w writes
	s, err := pgdedup.New(context.Background(), newPool(t, &w), pgdedup.WithTable(table()))
	if err != nil {
		t.Fatal(err)
	}
	testserver.RoundTrips(t, s, w.n.Load)
}

func TestPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, nil)
	name := table()
	short, err := pgdedup.New(ctx, pool, pgdedup.WithTable(name), pgdedup.WithClaimTTL(time.Millisecond), pgdedup.WithRetention(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	long, err := pgdedup.New(ctx, pool, pgdedup.WithTable(name))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"expired-claim", "expired-done"} {
		_, err := short.Claim(ctx, k)
		must(err)
	}
	must(short.Done(ctx, "expired-done"))
	for _, k := range []string{"live-claim", "live-done"} {
		_, err := long.Claim(ctx, k)
		must(err)
	}
	must(long.Done(ctx, "live-done"))
	time.Sleep(10 * time.Millisecond)
	n, err := short.Purge(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Purge = %d, %v; want 2 rows", n, err)
	}
	var left []string
	rows, _ := pool.Query(ctx, `SELECT convert_from(key, 'UTF8') FROM `+name+` ORDER BY key`)
	for rows.Next() {
		var k string
		must(rows.Scan(&k))
		left = append(left, k)
	}
	must(rows.Err())
	if strings.Join(left, ",") != "live-claim,live-done" {
		t.Errorf("rows left %v, want the live claim and the live done key", left)
	}
	// The expired holder lost its rows: Done reports it.
	if err := short.Done(ctx, "expired-claim"); !errors.Is(err, webhook.ErrClaimLost) {
		t.Errorf("Done after purge: %v, want ErrClaimLost", err)
	}
}

// Purge keeps an expired claim for the retention: its owner, alive, must
// still find it its own (in flight), not claim the key anew beside its
// running callback.
func TestPurgeKeepsExpiredClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, nil)
	name := table()
	open := func() *pgdedup.Store {
		t.Helper()
		s, err := pgdedup.New(ctx, pool, pgdedup.WithTable(name), pgdedup.WithClaimTTL(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	claim := func(s *pgdedup.Store, who string, want webhook.DedupState) {
		t.Helper()
		if got, err := s.Claim(ctx, "k"); err != nil || got != want {
			t.Errorf("%s: Claim = %v, %v; want %v", who, got, err, want)
		}
	}
	claim(a, "A", webhook.DedupClaimed)
	time.Sleep(10 * time.Millisecond)
	if n, err := b.Purge(ctx); err != nil || n != 0 {
		t.Errorf("Purge = %d, %v; want 0 rows", n, err)
	}
	claim(a, "A after the purge", webhook.DedupInFlight)
	claim(b, "B after the purge", webhook.DedupClaimed) // another owner takes it over
}

func TestErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := newPool(t, nil)
	if _, err := pgdedup.New(ctx, nil); err == nil {
		t.Error("New(nil pool): no error")
	}
	s, err := pgdedup.New(ctx, pool, pgdedup.WithTable(table()))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Claim(cancelled, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Claim with a cancelled context: %v", err)
	}
	if _, err := pgdedup.New(cancelled, pool, pgdedup.WithTable(table())); !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context: %v", err)
	}
	if pgdedup.DefaultRetention <= 73*time.Hour {
		t.Errorf("DefaultRetention %v is within the platform's retry window", pgdedup.DefaultRetention)
	}
}
