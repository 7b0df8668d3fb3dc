package riverinbox_test

// The soak: queue-first receiving as a team deploys it. Three receiver
// replicas, each a separate process (soak_replica_test.go) with a
// webhook.Handler, the River inbox and River's workers, on one PostgreSQL,
// behind one URL (a round-robin proxy, soak_proxy_test.go). The fake
// platform (elementstest) delivers to that URL with the platform's
// documented retry schedule in real time (the devportal guide's: a retry 4 s
// after a failure, then 16 s, ...; attempts time out after 30 s, so that no
// check races the wall clock), at most 20 deliveries at once, and limits
// each account's hub calls as Acuity does:
// 10 a second and 20 at once, 429 with Retry-After beyond.
//
// Traffic: a burst of -soak.n events for one tenant (one appointment each,
// one in 20 delivered twice: the platform's duplicates) while every other
// tenant sends an event every 2 s, for as long as the burst should take to
// drain at the hub's rate. Each job fetches its appointment through the
// scheduling hub and writes it in the transaction that completes the job
// (riverinbox.CompleteTx). Mid-burst River's leader (replica-1) is killed
// with SIGKILL while it runs jobs, and restarted a second later.
//
// It checks: every notification was acknowledged and applied exactly once
// (a row per event in the table the route writes), the only failed
// delivery attempts are the requests the killed replica took down with it,
// and every job completed; and it reports the figures BENCHMARKS.md shows.
//
//	go test -race -run Soak -v ./riverinbox                # short: a burst of 40, 10 other tenants
//	go test -race -run Soak -v ./riverinbox -soak.full     # a burst of 500 (+25 duplicates), 50 other tenants

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

var (
	soakFull    = flag.Bool("soak.full", false, "the full soak: a burst of 500 events (+25 duplicates) for one tenant, 50 other tenants")
	soakBurst   = flag.Int("soak.n", 0, "events in the burst (default 40, or 500 with -soak.full)")
	soakTenants = flag.Int("soak.tenants", 0, "other tenants sending steady traffic (default 10, or 50 with -soak.full)")
)

const (
	soakUser       = "soak-user-secret"
	soakOrg        = "soak-org-secret"
	hubRate        = 10 // Acuity's limit per account: calls a second
	hubConcurrent  = 20 // and at once
	soakReplicas   = 3
	soakWorkers    = 10 // River workers per replica
	soakJobTimeout = 10 * time.Second
	steadyEvery    = 2 * time.Second // each other tenant sends an event this often
	stallAfter     = 2 * time.Minute // no effect applied for this long: the soak fails
)

// soakSize is how much traffic a run sends.
type soakSize struct {
	burst   int // events of the burst tenant
	tenants int // other tenants
	rounds  int // events each other tenant sends, one every steadyEvery
}

func soakSizes() soakSize {
	s := soakSize{burst: 40, tenants: 10}
	if *soakFull {
		s = soakSize{burst: 500, tenants: 50}
	}
	if *soakBurst > 0 {
		s.burst = *soakBurst
	}
	if *soakTenants > 0 {
		s.tenants = *soakTenants
	}
	// Steady traffic lasts as long as the burst takes to drain at best.
	s.rounds = max(2, s.burst/hubRate/int(steadyEvery/time.Second))
	return s
}

// sentEvent is what the soak sent in one notification.
type sentEvent struct {
	instance, appointment int64
}

func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped with -short")
	}
	size := soakSizes()
	ctx := context.Background()
	pool := newDB(t)
	if _, err := pool.Exec(ctx, effectsTable); err != nil {
		t.Fatal(err)
	}

	rdb := redisServer.Get(t)
	platform := elementstest.NewServer(
		elementstest.WithCredentials(soakUser, soakOrg),
		elementstest.WithHubRateLimit(hubRate, hubConcurrent),
		elementstest.WithRetrySchedule(elementstest.DevPortalSchedule),
		// The platform's attempt timeout is not documented (the fake's is
		// 2 s); the soak measures the answers and must not fail on a loaded
		// machine's stall, so it waits as long as the pgdedup soak does.
		elementstest.WithDeliveryTimeout(30*time.Second),
		elementstest.WithDeliveryConcurrency(20),
	)
	t.Cleanup(platform.Close)
	px := newProxy(soakReplicas)
	front := httptest.NewServer(px)
	t.Cleanup(front.Close)
	tenants := createTenants(t, platform, front.URL+"/events", 1+size.tenants)

	cfg := replicaConfig{
		DatabaseURL: pool.Config().ConnString(), PlatformURL: platform.URL,
		UserSecret: soakUser, OrgSecret: soakOrg, RedisAddr: rdb.Addr, Tenants: tenants,
		Workers: soakWorkers, JobTimeout: soakJobTimeout,
	}
	replicas := make([]*replica, soakReplicas)
	for i := range replicas { // replica-1 first: it becomes River's leader
		c := cfg
		c.Name = fmt.Sprintf("replica-%d", i+1)
		replicas[i] = startReplica(t, c)
		px.setBackend(i, replicas[i].url)
	}
	failed := true
	defer func() {
		if failed {
			for _, r := range replicas {
				t.Logf("%s's log (its end):\n%s", r.name, r.stderr)
			}
		}
	}()

	// The traffic.
	killAt := make(chan struct{})
	var killOnce sync.Once
	px.onForward = func(n int64) {
		if n >= int64(size.burst/2) {
			killOnce.Do(func() { close(killAt) })
		}
	}
	var mu sync.Mutex
	sent := map[string]sentEvent{}
	send := func(tenant soakTenant, appointment int64) bool {
		if err := platform.SetAppointment(tenant.ID, appointmentJSON(appointment)); err != nil {
			t.Error(err)
			return false
		}
		id, err := platform.Deliver(tenant.ID, webhook.Event{ObjectType: acuity.ObjectAppointments,
			EventType: webhook.EventCreated, ObjectID: strconv.FormatInt(appointment, 10)})
		if err != nil {
			t.Error(err)
			return false
		}
		mu.Lock()
		sent[id] = sentEvent{tenant.ID, appointment}
		mu.Unlock()
		return true
	}
	var traffic sync.WaitGroup
	traffic.Go(func() { // the burst
		for i := range size.burst {
			if i%20 == 10 {
				platform.DuplicateNext(1)
			}
			if !send(tenants[0], int64(i+1)) {
				return
			}
		}
	})
	traffic.Go(func() { // the other tenants, one event every steadyEvery each
		for r := range size.rounds {
			for _, tenant := range tenants[1:] {
				if !send(tenant, int64(r+1)) {
					return
				}
				time.Sleep(steadyEvery / time.Duration(size.tenants))
			}
		}
	})

	// Mid-burst, River's leader dies while running a job (and with
	// deliveries in flight), and comes back a second later.
	monitor := newClient(t, pool, nil, nil)
	killed := leaderIndex(t, pool, replicas)
	select {
	case <-killAt:
	case <-time.After(2 * time.Minute):
		t.Fatal("the burst did not reach its middle within 2 minutes")
	}
	waitUntilRunning(t, monitor, replicas[killed])
	killedAt := time.Now()
	replicas[killed].kill()
	time.Sleep(time.Second)
	c := cfg
	c.Name = replicas[killed].name
	replicas[killed] = startReplica(t, c)
	px.setBackend(killed, replicas[killed].url)
	traffic.Wait()
	if t.Failed() {
		t.FailNow()
	}

	want := size.burst + size.rounds*size.tenants
	waitForEffects(t, pool, want)
	deliveries, err := platform.WaitForDeliveries(ctx, len(platform.Deliveries()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(r.stop)
	}
	wg.Wait()

	r := soakReport{size: size, killed: replicas[killed].name, killedAt: killedAt}
	r.checkDeliveries(t, deliveries, px.failed(), killed, tenants[0].ID)
	r.checkEffects(t, pool, sent)
	r.checkJobs(t, monitor, tenants[0].ID)
	for _, tenant := range tenants {
		load := platform.HubLoad(tenant.ID)
		r.hubMax = max(r.hubMax, load.MaxPerSecond)
		r.hubLimited += load.Limited
		r.hubCalls += load.Calls
	}
	r.log(t)
	failed = t.Failed()
}

// createTenants creates n instances on the platform calling back to
// callbackURL, each with its own signing key.
func createTenants(t *testing.T, platform *elementstest.Server, callbackURL string, n int) []soakTenant {
	t.Helper()
	client, err := platform.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	tenants := make([]soakTenant, n)
	for i := range tenants {
		key := fmt.Sprintf("soak-signing-key-%d", i)
		req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
			Code: "code", ClientID: "client-id", ClientSecret: "client-secret", RedirectURI: "https://app.example/oauth",
			EventCallbackURL: callbackURL, SignatureKey: key, Name: fmt.Sprintf("Tenant %d", i),
		})
		if err != nil {
			t.Fatal(err)
		}
		in, err := client.Instances.Create(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		tenants[i] = soakTenant{ID: in.ID, Token: in.Token, Key: key}
	}
	return tenants
}

func appointmentJSON(id int64) json.RawMessage {
	return fmt.Appendf(nil, `{"id": %d, "firstName": "Ada", "lastName": "Lovelace", "type": "Initial Consultation",
"datetime": "2026-02-14T10:30:00-0500", "duration": "45", "calendarID": 12, "appointmentTypeID": 3}`, id)
}

// leaderIndex returns the replica River elected leader, read from River's
// river_leader table: only to choose which replica the soak kills (the
// leader's death is the harder case: no rescuer, scheduler or cleaner runs
// until another replica is elected). Replicas start in order, so it is
// replica-1 unless River says otherwise.
func leaderIndex(t *testing.T, pool *pgxpool.Pool, replicas []*replica) int {
	t.Helper()
	var id string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		err := pool.QueryRow(context.Background(), `SELECT leader_id FROM river_leader`).Scan(&id)
		if err == nil {
			for i, r := range replicas {
				if id == r.riverID() {
					return i
				}
			}
			t.Fatalf("River's leader %q is none of the replicas", id)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			t.Logf("reading River's leader: %v; killing replica-1", err)
			return 0
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no River leader within 30 s")
	return 0
}

// waitUntilRunning waits (a few seconds at most) until r is running a job,
// so that the kill leaves one for River to rescue.
func waitUntilRunning(t *testing.T, client *river.Client[pgx.Tx], r *replica) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		res, err := client.JobList(context.Background(), river.NewJobListParams().States(rivertype.JobStateRunning).First(1000))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.Jobs {
			if len(j.AttemptedBy) > 0 && j.AttemptedBy[len(j.AttemptedBy)-1] == r.riverID() {
				return
			}
		}
	}
	t.Logf("%s ran no job within 10 s; killing it anyway", r.name)
}

// waitForEffects waits until want events have been applied, failing t if
// none is applied for stallAfter.
func waitForEffects(t *testing.T, pool *pgxpool.Pool, want int) {
	t.Helper()
	last, progress := -1, time.Now()
	for {
		got := count(t, pool, `SELECT count(DISTINCT event_id) FROM soak_effects`)
		switch {
		case got >= want:
			return
		case got != last:
			last, progress = got, time.Now()
		case time.Since(progress) > stallAfter:
			t.Fatalf("%d of %d events applied; none for %v", got, want, stallAfter)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
