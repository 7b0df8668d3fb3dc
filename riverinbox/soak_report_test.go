package riverinbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/riverinbox"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// soakReport holds the figures of a run.
type soakReport struct {
	size     soakSize
	killed   string // the replica killed
	killedAt time.Time

	deliveries, duplicates, attempts, failedAttempts, killFailures int
	answers                                                        []time.Duration
	firstBurst                                                     time.Time // the burst's first attempt

	events, lost, twice int

	jobsDone, rescued, snoozes int
	rescuedAfter, rescuedDone  time.Duration   // from the kill to the last rescue, and to the last rescued job's completion
	burstJobs, otherJobs       []time.Duration // insert to completion
	burstDrained               time.Time       // the burst's last job completed

	hubMax, hubLimited, hubCalls int
}

// checkDeliveries checks that every delivery was acknowledged and that every
// failed attempt is a request the killed replica took down with it.
func (r *soakReport) checkDeliveries(t *testing.T, ds []elementstest.Delivery, failures []proxyFailure, killed int, burst int64) {
	t.Helper()
	r.deliveries = len(ds)
	var failedAttempts []string
	for _, d := range ds {
		if !d.Delivered {
			t.Errorf("delivery of %s (instance %d) not acknowledged: %+v", d.EventID, d.InstanceID, d.Attempts)
		}
		if d.Duplicate {
			r.duplicates++
		}
		for _, a := range d.Attempts {
			r.attempts++
			r.answers = append(r.answers, a.Duration)
			if a.StatusCode/100 != 2 {
				r.failedAttempts++
				failedAttempts = append(failedAttempts, fmt.Sprintf("%s (instance %d) at %v: status %d %s",
					d.EventID, d.InstanceID, a.Start, a.StatusCode, a.Err))
			}
		}
		if len(d.Attempts) > 0 && d.InstanceID == burst && (r.firstBurst.IsZero() || d.Attempts[0].Start.Before(r.firstBurst)) {
			r.firstBurst = d.Attempts[0].Start
		}
	}
	for _, f := range failures {
		if f.Replica != killed || f.At.Before(r.killedAt) || f.At.After(r.killedAt.Add(5*time.Second)) {
			t.Errorf("a request failed on replica-%d at %v (the kill: replica-%d at %v): %s", f.Replica+1, f.At, killed+1, r.killedAt, f.Err)
		}
	}
	r.killFailures = len(failures)
	if r.failedAttempts != r.killFailures {
		t.Errorf("%d delivery attempts failed, %d of them taken down by the kill: the others had no injected cause:\n%s",
			r.failedAttempts, r.killFailures, strings.Join(failedAttempts, "\n"))
	}
}

// checkEffects checks that every event sent was applied exactly once, with its
// appointment.
func (r *soakReport) checkEffects(t *testing.T, pool *pgxpool.Pool, sent map[string]sentEvent) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT event_id, instance_id, appointment_id, count(*) FROM soak_effects GROUP BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	applied := map[string]int{}
	for rows.Next() {
		var id string
		var e sentEvent
		var n int
		if err := rows.Scan(&id, &e.instance, &e.appointment, &n); err != nil {
			t.Fatal(err)
		}
		if want, ok := sent[id]; !ok || want != e {
			t.Errorf("event %s applied as %+v, sent as %+v (known: %t)", id, e, want, ok)
		}
		applied[id] += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	r.events = len(sent)
	for id := range sent {
		switch n := applied[id]; {
		case n == 0:
			r.lost++
		case n > 1:
			r.twice++
		}
	}
	if r.lost != 0 || r.twice != 0 {
		t.Errorf("of %d events, %d lost and %d applied more than once", r.events, r.lost, r.twice)
	}
}

// checkJobs checks that every job completed and measures how long they took.
func (r *soakReport) checkJobs(t *testing.T, client *river.Client[pgx.Tx], burst int64) {
	t.Helper()
	res, err := client.JobList(context.Background(), river.NewJobListParams().Kinds(riverinbox.Kind).First(10_000))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != r.events {
		t.Errorf("%d jobs for %d events", len(res.Jobs), r.events)
	}
	for _, j := range res.Jobs {
		if j.State != rivertype.JobStateCompleted || j.FinalizedAt == nil {
			t.Errorf("job %d is %s", j.ID, j.State)
			continue
		}
		r.jobsDone++
		var meta struct{ Snoozes int }
		_ = json.Unmarshal(j.Metadata, &meta) // River's metadata: "snoozes" counts the job's snoozes
		r.snoozes += meta.Snoozes
		for _, e := range j.Errors {
			if e.Error == "Stuck job rescued by JobRescuer" {
				r.rescued++
				r.rescuedAfter = max(r.rescuedAfter, e.At.Sub(r.killedAt))
				r.rescuedDone = max(r.rescuedDone, j.FinalizedAt.Sub(r.killedAt))
			}
		}
		var args riverinbox.NotificationArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		n, err := webhook.ParseNotification([]byte(args.Notification))
		if err != nil {
			t.Fatal(err)
		}
		took := j.FinalizedAt.Sub(j.CreatedAt)
		if n.InstanceID == burst {
			r.burstJobs = append(r.burstJobs, took)
			if j.FinalizedAt.After(r.burstDrained) {
				r.burstDrained = *j.FinalizedAt
			}
		} else {
			r.otherJobs = append(r.otherJobs, took)
		}
	}
}

// percentiles returns p50, p99 and the maximum of ds.
func percentiles(ds []time.Duration) (p50, p99, most time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.99), s[len(s)-1]
}

func (r *soakReport) log(t *testing.T) {
	t.Helper()
	row := func(name string, ds []time.Duration) {
		p50, p99, most := percentiles(ds)
		t.Logf("  %-34s %6d  p50 %-9s p99 %-9s max %s", name, len(ds), fmtDuration(p50), fmtDuration(p99), fmtDuration(most))
	}
	t.Logf("soak: a burst of %d events for one tenant, %d other tenants sending %d each, %d replicas (%d River workers each), %s (River's leader) killed mid-burst",
		r.size.burst, r.size.tenants, r.size.rounds, soakReplicas, soakWorkers, r.killed)
	row("answer (every delivery attempt)", r.answers)
	row("job, the burst tenant", r.burstJobs)
	row("job, the other tenants", r.otherJobs)
	t.Logf("  deliveries %d (%d duplicates), attempts %d, platform retries %d, of them caused by the kill %d",
		r.deliveries, r.duplicates, r.attempts, r.attempts-r.deliveries, r.killFailures)
	t.Logf("  events %d, lost %d, applied twice %d; jobs completed %d, snoozed for the rate limit (a turn over a second away, or a 429) %d",
		r.events, r.lost, r.twice, r.jobsDone, r.snoozes)
	t.Logf("  jobs the killed replica was running %d: rescued by River %s after the kill, completed by %s after it",
		r.rescued, fmtDuration(r.rescuedAfter), fmtDuration(r.rescuedDone))
	t.Logf("  hub: most calls one account saw in one second %d (limit %d); calls %d for %d events (a job killed between its fetch and its commit fetches again), answered 429 %d",
		r.hubMax, hubRate, r.hubCalls, r.events, r.hubLimited)
	ideal := time.Duration(r.size.burst) * time.Second / hubRate
	paced := time.Duration(r.size.burst) * elements.DefaultRequestInterval
	t.Logf("  burst drained in %s (ideal %s: %d events at Acuity's %d a second; %s at the client's pace, %d a second)",
		fmtDuration(r.burstDrained.Sub(r.firstBurst)), fmtDuration(ideal), r.size.burst, hubRate,
		fmtDuration(paced), time.Second/elements.DefaultRequestInterval)
}
