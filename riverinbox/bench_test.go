package riverinbox_test

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// BenchmarkAnswer is the handler's time to answer one new notification
// with the River inbox (verify, parse, Put: one transaction that records
// the key and inserts the job), beside the plainest store-first receiver:
// one INSERT … ON CONFLICT DO NOTHING of the key and the body, in the same
// run, on the same database (the test server: loopback, fsync off) and one
// connection; and beside River's own Insert of the same job, without
// de-duplication. roundtrips/op counts the client's writes.
//
//	go test -run '^$' -bench Answer -benchtime 3000x ./riverinbox
func BenchmarkAnswer(b *testing.B) {
	var w writes
	pool := countingPool(b, newDB(b).Config().ConnString(), &w)
	client := newClient(b, pool, nil, nil)
	ctx := context.Background()
	var seq atomic.Int64
	body := func() []byte { return notificationBody("bench-" + strconv.FormatInt(seq.Add(1), 10)) }
	run := func(b *testing.B, op func() error) {
		b.ReportAllocs()
		before := w.n.Load()
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(w.n.Load()-before)/float64(b.N), "roundtrips/op")
	}

	b.Run("impl=riverinbox", func(b *testing.B) {
		h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Inbox: newInbox(b, client)}
		run(b, func() error {
			if code := deliver(h, body()); code != 200 {
				b.Fatalf("status %d", code)
			}
			return nil
		})
	})
	b.Run("impl=insert", func(b *testing.B) {
		if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_inbox (key text PRIMARY KEY, body text NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		run(b, func() error {
			body := body()
			_, err := pool.Exec(ctx, `INSERT INTO bench_inbox (key, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
				"event:4242:bench-"+strconv.FormatInt(seq.Load(), 10), string(body))
			return err
		})
	})
	b.Run("impl=river-insert", func(b *testing.B) {
		run(b, func() error {
			_, err := client.Insert(ctx, riverinbox.NotificationArgs{Notification: string(body())}, &river.InsertOpts{})
			return err
		})
	})
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

// countingPool is a pool of one connection to url whose writes w counts.
func countingPool(tb testing.TB, url string, w *writes) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MaxConns = 1
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{c, w}, err
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}
