package riverinbox_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// BenchmarkAnswer is the handler's time to answer one new notification
// with the River inbox (verify, parse, Put: one transaction that records
// the key and inserts the job: BEGIN, the key, River's insert, COMMIT),
// beside the plainest store-first receiver: one INSERT … ON CONFLICT DO
// NOTHING of the key and the body (impl=insert), in the same run, on the
// same database (the test server: loopback, fsync off) and one connection.
// Between them, where the time goes:
//
//   - put: Inbox.Put alone (the notification parsed, not verified);
//   - put-batched-begin: Put's statements with BEGIN sent in one round trip
//     with the key's INSERT (a pgx batch, and a pgx.Tx of our own over the
//     connection for River's InsertTx), one round trip fewer than Put;
//   - river-insert-tx: River's InsertTx alone, in a transaction opened and
//     committed outside the timer: River's insert statement and its Go side;
//   - river-insert: River's own Client.Insert (its transaction: BEGIN, the
//     insert, COMMIT), without de-duplication.
//
// roundtrips/op counts the client's writes. The River client has River's
// default FetchCooldown (100 ms), which spaces the insert notifications
// (pg_notify, a round trip of its own inside the transaction) as a host's
// would.
//
//	go test -run '^$' -bench Answer -benchmem -benchtime 2000x -count 8 ./riverinbox
func BenchmarkAnswer(b *testing.B) {
	var w writes
	pool := countingPool(b, newDB(b).Config().ConnString(), &w)
	client := newClient(b, pool, nil, func(c *river.Config) { c.FetchCooldown, c.FetchPollInterval = 0, 0 }) // River's defaults
	inbox := newInbox(b, client)
	ctx := context.Background()
	var seq atomic.Int64
	next := func() (key string, body []byte) {
		id := "bench-" + strconv.FormatInt(seq.Add(1), 10)
		return "event:4242:" + id, notificationBody(id)
	}
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
		h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Inbox: inbox}
		run(b, func() error {
			if _, body := next(); deliver(h, body) != 200 {
				return errors.New("not stored")
			}
			return nil
		})
	})
	b.Run("impl=put", func(b *testing.B) {
		run(b, func() error {
			key, body := next()
			n, err := webhook.ParseNotification(body)
			if err != nil {
				return err
			}
			return inbox.Put(ctx, key, n)
		})
	})
	b.Run("impl=put-batched-begin", func(b *testing.B) {
		run(b, func() error {
			key, body := next()
			n, err := webhook.ParseNotification(body)
			if err != nil {
				return err
			}
			return putBatchedBegin(ctx, pool, client, key, n)
		})
	})
	b.Run("impl=river-insert-tx", func(b *testing.B) {
		b.ReportAllocs()
		var timed int64 // writes while the timer runs
		for b.Loop() {
			_, body := next()
			b.StopTimer()
			tx, err := pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			before := w.n.Load()
			b.StartTimer()
			_, err = client.InsertTx(ctx, tx, riverinbox.NotificationArgs{Notification: string(body)}, nil)
			b.StopTimer()
			timed += w.n.Load() - before
			if err == nil {
				err = tx.Commit(ctx)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(timed)/float64(b.N), "roundtrips/op")
	})
	b.Run("impl=river-insert", func(b *testing.B) {
		run(b, func() error {
			_, body := next()
			_, err := client.Insert(ctx, riverinbox.NotificationArgs{Notification: string(body)}, nil)
			return err
		})
	})
	b.Run("impl=insert", func(b *testing.B) {
		if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bench_inbox (key text PRIMARY KEY, body text NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		run(b, func() error {
			key, body := next()
			_, err := pool.Exec(ctx, `INSERT INTO bench_inbox (key, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, string(body))
			return err
		})
	})
}

// putBatchedBegin does what Inbox.Put does with one round trip fewer: BEGIN
// goes out in one pgx batch with the key's INSERT. pgx begins a
// transaction with a round trip of its own and has no way to defer it, so
// River's InsertTx gets batchedTx, a pgx.Tx of our own over the
// connection. Measured, not used: see BENCHMARKS.md.
func putBatchedBegin(ctx context.Context, pool *pgxpool.Pool, client *river.Client[pgx.Tx], key string, n *webhook.Notification) error {
	body, err := n.MarshalJSON()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	batch := &pgx.Batch{}
	batch.Queue("BEGIN")
	fresh := false
	batch.Queue(`INSERT INTO `+riverinbox.Table+` AS k (key, put_at) VALUES ($1, now())
ON CONFLICT (key) DO UPDATE SET put_at = excluded.put_at WHERE k.put_at <= now() - $2::float8 * interval '1 second'
RETURNING true`, key, riverinbox.DefaultWindow.Seconds()).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&fresh)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	tx := batchedTx{conn.Conn()}
	if err := conn.SendBatch(ctx, batch).Close(); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if fresh {
		if _, err := client.InsertTx(ctx, tx, riverinbox.NotificationArgs{Key: key, Notification: string(body)}, nil); err != nil {
			_ = tx.Rollback(ctx)
			return err
		}
	}
	return tx.Commit(ctx)
}

// batchedTx is a transaction begun by a BEGIN the caller sent on the
// connection: enough of a pgx.Tx for River's InsertTx.
type batchedTx struct{ *conn }

type conn = pgx.Conn

func (t batchedTx) Begin(context.Context) (pgx.Tx, error) {
	return nil, errors.New("batchedTx: no nested transactions")
}

func (t batchedTx) Commit(ctx context.Context) error {
	_, err := t.conn.Exec(ctx, "COMMIT")
	return err
}

func (t batchedTx) Rollback(ctx context.Context) error {
	_, err := t.conn.Exec(ctx, "ROLLBACK")
	return err
}

func (t batchedTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }
func (t batchedTx) Conn() *pgx.Conn                { return t.conn }

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
