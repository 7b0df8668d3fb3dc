package riverinbox_test

// A receiver replica of the soak (soak_test.go): the test binary run again
// as a separate process with replicaEnv set, so that the soak can kill it
// with SIGKILL as an orchestrator kills a container. It is what a host
// application runs: a webhook.Handler with the River inbox, River's workers
// running riverinbox.NewWorker(h), and a route that fetches the
// appointment through the scheduling hub, paced per account across the
// replicas (the client's limiter on Redis, redislimit), and writes it in
// the same transaction as the job's completion.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/redislimit"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// replicaEnv carries a replica's configuration, as JSON, to the test
// binary run again as a replica.
const replicaEnv = "RIVERINBOX_SOAK_REPLICA"

// replicaConfig is what a replica needs: what a host application reads
// from its configuration and its database.
type replicaConfig struct {
	Name        string // replica-1, ...
	DatabaseURL string
	PlatformURL string // the fake platform's base URL
	UserSecret  string
	OrgSecret   string
	RedisAddr   string // the Redis the replicas share each account's pace in
	Tenants     []soakTenant
	Workers     int           // River workers of the replica
	JobTimeout  time.Duration // River's JobTimeout; stuck jobs are rescued after it
}

// soakTenant is one tenant's instance: its id, token and signing key.
type soakTenant struct {
	ID    int64
	Token string
	Key   string
}

// effectsTable is the table the replicas' route writes: one row per
// appointment event applied, with no unique constraint, so that an effect
// applied twice shows as two rows.
const effectsTable = `CREATE TABLE soak_effects (
	instance_id bigint NOT NULL,
	event_id text NOT NULL,
	appointment_id bigint NOT NULL,
	first_name text NOT NULL,
	replica text NOT NULL,
	done_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`

// runReplica runs a replica until its standard input ends (the soak closes
// it, or the test binary died) and returns its exit code. It prints
// "listening <address>" on stdout once it serves.
func runReplica(config string) int {
	var cfg replicaConfig
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "replica: %s: %v\n", replicaEnv, err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("replica", cfg.Name)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	if err := serveReplica(ctx, &cfg, logger); err != nil {
		logger.Error("replica failed", "err", err)
		return 1
	}
	return 0
}

func serveReplica(ctx context.Context, cfg *replicaConfig, logger *slog.Logger) error {
	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	poolCfg.MaxConns = int32(cfg.Workers + 10) // the workers' writes, River's own work, the inbox's puts
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return err
	}
	defer pool.Close()

	rdb := redis.NewClient(&redis.Options{Addr: cfg.RedisAddr})
	defer rdb.Close()
	limiter, err := redislimit.New(rdb)
	if err != nil {
		return err
	}
	// A job whose tenant's turn is over a second away snoozes, so the other
	// tenants' jobs are not stuck behind the burst's.
	client, err := elements.NewClient(cfg.UserSecret, cfg.OrgSecret, elements.WithBaseURL(cfg.PlatformURL),
		elements.WithLimiter(limiter), elements.WithPaceWait(time.Second))
	if err != nil {
		return err
	}
	keys := map[int64][]string{}
	tokens := map[int64]string{}
	for _, t := range cfg.Tenants {
		keys[t.ID] = []string{t.Key}
		tokens[t.ID] = t.Token
	}

	h := &webhook.Handler{
		KeysFor: func(_ context.Context, id int64) ([]string, error) {
			if k, ok := keys[id]; ok {
				return k, nil
			}
			return nil, fmt.Errorf("instance %d: %w", id, webhook.ErrUnknownInstance)
		},
		Logger: logger,
	}
	h.Handle(acuity.ElementKey, acuity.ObjectAppointments, "*", func(ctx context.Context, n *webhook.Notification, e webhook.Event) error {
		id, err := strconv.ParseInt(e.ObjectID, 10, 64)
		if err != nil {
			return fmt.Errorf("appointment id %q: %w", e.ObjectID, err)
		}
		token, ok := tokens[n.InstanceID]
		if !ok {
			return fmt.Errorf("instance %d: no token", n.InstanceID)
		}
		// The slow part first, outside the transaction: the client waits for
		// the account's turn; a 429 it does not wait out snoozes the job.
		appt, err := acuity.GetAppointment(ctx, client, token, id)
		if err != nil {
			return err
		}
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO soak_effects (instance_id, event_id, appointment_id, first_name, replica)
VALUES ($1, $2, $3, $4, $5)`, n.InstanceID, n.EventID, appt.ID, appt.FirstName, cfg.Name); err != nil {
				return err
			}
			return riverinbox.CompleteTx(ctx, tx) // the write and the job's completion commit together
		})
	})

	workers := river.NewWorkers()
	river.AddWorker(workers, riverinbox.NewWorker(h))
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                   fmt.Sprintf("%s-%d", cfg.Name, os.Getpid()),
		Logger:               logger,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout,
	})
	if err != nil {
		return err
	}
	inbox, err := riverinbox.New(rc)
	if err != nil {
		return err
	}
	h.Inbox = inbox
	if err := rc.Start(context.WithoutCancel(ctx)); err != nil { // stopped gracefully below
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rc.Stop(stopCtx)
	}()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening %s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
