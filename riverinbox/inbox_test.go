package riverinbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// A notification delivered again, or put by several replicas at once, is
// one job; the handler answers 200 to every delivery.
func TestPutOneJobPerKey(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	client := newClient(t, pool, nil, nil) // insert-only: the jobs stay for inspection
	inbox := newInbox(t, client)
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Inbox: inbox}

	for i := range 2 {
		if code := deliver(h, notificationBody("ev-1")); code != 200 {
			t.Fatalf("delivery %d: status %d, want 200", i+1, code)
		}
	}
	// Eight concurrent deliveries of another notification (replicas).
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() { codes[i] = deliver(h, notificationBody("ev-2")) })
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("concurrent delivery %d: status %d, want 200", i+1, c)
		}
	}
	var keys []string
	for _, j := range jobs(t, client) {
		var args riverinbox.NotificationArgs
		if err := unmarshalArgs(j, &args); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, args.Key)
	}
	if diff := cmp.Diff([]string{"event:4242:ev-1", "event:4242:ev-2"}, keys); diff != "" {
		t.Errorf("jobs' keys (-want +got):\n%s", diff)
	}
	if n := count(t, pool, `SELECT count(*) FROM `+riverinbox.Table); n != 2 {
		t.Errorf("%d keys recorded, want 2", n)
	}
}

// A notification with neither an eventId nor an Elements-Webhook-Id has
// key "": stored every time, without de-duplication or a key record.
func TestPutEmptyKey(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	client := newClient(t, pool, nil, nil)
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey}, Inbox: newInbox(t, client)}
	for i := range 3 {
		if code := deliver(h, notificationBody("")); code != 200 {
			t.Fatalf("delivery %d: status %d", i+1, code)
		}
	}
	if js := jobs(t, client); len(js) != 3 {
		t.Errorf("%d jobs, want 3", len(js))
	}
	if n := count(t, pool, `SELECT count(*) FROM `+riverinbox.Table); n != 0 {
		t.Errorf("%d keys recorded for key \"\", want 0", n)
	}
}

// The window outlives River's memory of the job: after the job completed
// and River's cleaner deleted it, the same key still inserts nothing; once
// the window has passed, it does again.
func TestWindowOutlivesRiversCleaner(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	var dispatched atomic.Int32
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey},
		OnNotification: func(context.Context, *webhook.Notification) error { dispatched.Add(1); return nil }}
	// Completed jobs are kept 1 ms instead of River's 24 hours; the cleaner
	// runs when the client starts and is elected leader, then every 30 s.
	client := newClient(t, pool, h, func(c *river.Config) { c.CompletedJobRetentionPeriod = time.Millisecond })
	events := subscribe(t, client)
	h.Inbox = newInbox(t, client)

	body := notificationBody("ev-cleaned")
	if code := deliver(h, body); code != 200 {
		t.Fatalf("status %d", code)
	}
	waitFor(t, events, river.EventKindJobCompleted)

	// River's own cleaner deletes the completed job: a second client,
	// started now, cleans at once (the first already ran its first pass).
	if err := client.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	cleaner := newClient(t, pool, h, func(c *river.Config) { c.CompletedJobRetentionPeriod = time.Millisecond })
	deadline := time.Now().Add(60 * time.Second)
	for len(jobs(t, cleaner)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("River's cleaner did not delete the completed job within 60 s")
		}
		time.Sleep(50 * time.Millisecond) // the cleaner is River's, on its own schedule
	}

	inbox := newInbox(t, cleaner)
	h.Inbox = inbox
	if code := deliver(h, body); code != 200 {
		t.Fatalf("redelivery: status %d", code)
	}
	if js := jobs(t, cleaner); len(js) != 0 {
		t.Fatalf("redelivery after the cleaner: %d jobs inserted, want none", len(js))
	}

	// A window later (the key's time moved back eight days), the same key
	// is new again.
	if _, err := pool.Exec(context.Background(), `UPDATE `+riverinbox.Table+` SET put_at = put_at - interval '8 days'`); err != nil {
		t.Fatal(err)
	}
	events = subscribe(t, cleaner)
	if code := deliver(h, body); code != 200 {
		t.Fatalf("delivery after the window: status %d", code)
	}
	waitFor(t, events, river.EventKindJobCompleted)
	if n := dispatched.Load(); n != 2 {
		t.Errorf("dispatched %d times, want 2 (the first delivery, and the one after the window)", n)
	}
}

// WithWindow sets the window; keys whose window passed are deleted by
// later Puts.
func TestWithWindow(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	client := newClient(t, pool, nil, nil)
	inbox := newInbox(t, client, riverinbox.WithWindow(time.Hour))
	n, err := webhook.ParseNotification(notificationBody("w"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(key string) {
		t.Helper()
		if err := inbox.Put(ctx, key, n); err != nil {
			t.Fatal(err)
		}
	}
	put("k1")
	put("k1")
	age := func(key, by string) {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE `+riverinbox.Table+` SET put_at = now() - $2::interval WHERE key = $1`, key, by); err != nil {
			t.Fatal(err)
		}
	}
	age("k1", "59 minutes")
	put("k1")
	if js := jobs(t, client); len(js) != 1 {
		t.Fatalf("within an hour: %d jobs, want 1", len(js))
	}
	age("k1", "61 minutes")
	put("k1")
	if js := jobs(t, client); len(js) != 2 {
		t.Fatalf("after an hour: %d jobs, want 2", len(js))
	}

	// Expired keys are pruned beside later Puts (the first of every 64).
	for i := range 10 {
		put(fmt.Sprint("old-", i))
		age(fmt.Sprint("old-", i), "2 hours")
	}
	fresh := newInbox(t, client, riverinbox.WithWindow(time.Hour)) // its first Put prunes
	if err := fresh.Put(ctx, "new", n); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for count(t, pool, `SELECT count(*) FROM `+riverinbox.Table+` WHERE key LIKE 'old-%'`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("expired keys not pruned within 30 s")
		}
		time.Sleep(20 * time.Millisecond) // the prune runs beside the answer
	}
	if n := count(t, pool, `SELECT count(*) FROM `+riverinbox.Table+` WHERE key IN ('k1', 'new')`); n != 2 {
		t.Errorf("%d of the live keys left, want 2", n)
	}
}

// The notification the worker dispatches is the one the handler verified,
// though River keeps args as jsonb (which refuses \u0000 and sorts an
// object's members): field for field, and Raw byte for byte.
func TestNotificationSurvivesTheQueue(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	body := []byte(`{"message":{"elementKey":"acuityscheduling","eventId":"e\u0000<1>","instanceId":4242,` +
		`"instanceName":"Caf\u00e9 & <b>","raw":{"zeta":"a\u0000b","alpha":"x=1&y=<2>","n":1.50,"nested":{"b":[3,2,1],"a":null}},` +
		`"events":[{"date":"2020-02-14T10:30:00+01:00","elementKey":"acuityscheduling","eventType":"UPDATED",` +
		`"objectId":"8801","objectType":"appointments","hubKey":"scheduling"}]},"user":{"z":1,"a":2},"id":77}`)
	want, err := webhook.ParseNotification(body)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *webhook.Notification, 1)
	h := &webhook.Handler{SigningKeys: webhook.Secrets{signingKey},
		OnNotification: func(_ context.Context, n *webhook.Notification) error { got <- n; return nil }}
	client := newClient(t, pool, h, nil)
	h.Inbox = newInbox(t, client)
	if code := deliver(h, body); code != 200 {
		t.Fatalf("status %d", code)
	}
	n := <-got
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("dispatched notification (-verified +dispatched):\n%s", diff)
	}
	if string(n.Raw) != string(want.Raw) || string(n.User) != string(want.User) {
		t.Errorf("Raw %s, User %s; want the bytes sent, %s and %s", n.Raw, n.User, want.Raw, want.User)
	}
	// As nested JSON, jsonb would refuse it: why the body is a string.
	var pgErr *pgconn.PgError
	if _, err := pool.Exec(context.Background(), `SELECT $1::jsonb`, string(want.Raw)); !errors.As(err, &pgErr) ||
		pgErr.Code != "22P05" { // untranslatable_character: "unsupported Unicode escape sequence"
		t.Errorf("jsonb took Raw with \\u0000 (%v): then args could nest it", err)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	client := newClient(t, pool, nil, nil)
	noPool, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		client *river.Client[pgx.Tx]
		opts   []riverinbox.Option
		want   string
	}{
		{"nil client", nil, nil, "nil River client"},
		{"client without a pool", noPool, nil, "no database pool"},
		{"queue with capitals", client, []riverinbox.Option{riverinbox.WithQueue("Inbox")}, "queue name"},
		{"empty queue", client, []riverinbox.Option{riverinbox.WithQueue("")}, "queue name"},
		{"long queue", client, []riverinbox.Option{riverinbox.WithQueue(strings.Repeat("q", 65))}, "queue name"},
		{"negative attempts", client, []riverinbox.Option{riverinbox.WithMaxAttempts(-1)}, "max attempts"},
	}
	for _, tt := range tests {
		if _, err := riverinbox.New(tt.client, tt.opts...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error about %q", tt.name, err, tt.want)
		}
	}
	inbox := newInbox(t, client)
	if err := inbox.Put(context.Background(), "k", nil); err == nil {
		t.Error("Put of a nil notification: nil error")
	}
	n, _ := webhook.ParseNotification(notificationBody("x"))
	for _, key := range []string{"a\x00b", "a\xffb", strings.Repeat("k", 2000)} {
		if err := inbox.Put(context.Background(), key, n); err == nil || !strings.Contains(err.Error(), "key of") {
			t.Errorf("Put with key %.20q: %v, want a key error", key, err)
		}
	}
	if js := jobs(t, client); len(js) != 0 {
		t.Errorf("%d jobs inserted by refused Puts", len(js))
	}
}

// Options reach the jobs: the queue and the attempts.
func TestOptionsReachTheJob(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	client := newClient(t, pool, nil, nil)
	inbox := newInbox(t, client, riverinbox.WithQueue("elements_events"), riverinbox.WithMaxAttempts(7))
	n, _ := webhook.ParseNotification(notificationBody("o"))
	if err := inbox.Put(context.Background(), "k", n); err != nil {
		t.Fatal(err)
	}
	js := jobs(t, client)
	if len(js) != 1 || js[0].Queue != "elements_events" || js[0].MaxAttempts != 7 || js[0].Kind != riverinbox.Kind {
		t.Fatalf("jobs %+v; want one in queue elements_events with 7 attempts", js)
	}
}

// Replicas starting at once all create or find the table.
func TestNewConcurrent(t *testing.T) {
	t.Parallel()
	pool := newDB(t)
	client := newClient(t, pool, nil, nil)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { _, errs[i] = riverinbox.New(client) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// unmarshalArgs decodes a job's args.
func unmarshalArgs(j *rivertype.JobRow, args *riverinbox.NotificationArgs) error {
	return json.Unmarshal(j.EncodedArgs, args)
}
