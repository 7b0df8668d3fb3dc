package elementstest

import (
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// The account setting that chooses what a failed delivery does, and its
// values. Missing means retry.
const (
	keyFailurePolicy = "notification.webhook.failure.policy"
	policyRetry      = "retry"
	policyQueue      = "queue"
)

// policyState is what the platform keeps to deliver by its policy: the
// account's settings, one webhook subscription per callback URL with its
// queue, and the numbering of notifications and subscriptions. Guarded by
// Server.mu.
type policyState struct {
	settings map[string]json.RawMessage // as set with PATCH /accounts/settings
	subs     map[string]*subscription   // by callback URL
	nextSub  int64
	nextNote int64
	nextSeq  int
}

// subscription is the platform's webhook subscription of one callback URL.
type subscription struct {
	id     int64
	url    string
	active bool        // false once deactivated, until a redelivery
	queue  []*delivery // waiting, in creation order
}

func newPolicyState() policyState {
	return policyState{settings: map[string]json.RawMessage{}, subs: map[string]*subscription{}, nextSub: 1, nextNote: 1}
}

// newNotification numbers a notification made from message.
func (p *policyState) newNotification(from string, message json.RawMessage, now time.Time) *notification {
	n := &notification{id: p.nextNote, from: from, message: message, created: now}
	p.nextNote++
	return n
}

// subscriptionFor returns the subscription of a callback URL, made active
// the first time the URL is delivered to.
func (p *policyState) subscriptionFor(url string) *subscription {
	sub, ok := p.subs[url]
	if !ok {
		sub = &subscription{id: p.nextSub, url: url, active: true}
		p.nextSub++
		p.subs[url] = sub
	}
	return sub
}

// failurePolicy is the account's policy: queue when so set, else retry.
func (p *policyState) failurePolicy() string {
	var v string
	if json.Unmarshal(p.settings[keyFailurePolicy], &v) == nil && v == policyQueue {
		return policyQueue
	}
	return policyRetry
}

// Queued returns how many deliveries wait queued for a callback URL: those
// whose subscription was deactivated (after the last retry failed, or at
// the first failure under the "queue" policy) and every later one, until a
// redelivery (PUT /notifications/subscriptions/deliveries). A notification
// sent twice by [Server.DuplicateNext] waits twice.
func (s *Server) Queued(callbackURL string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.policy.subs[callbackURL]; sub != nil {
		return len(sub.queue)
	}
	return 0
}

// start records a new delivery and begins it: queued at once when its
// subscription is deactivated, else with its first attempt. s.mu must be
// held.
func (s *Server) start(d *delivery) {
	d.seq = s.policy.nextSeq
	s.policy.nextSeq++
	d.setStatus(DeliveryCreated, time.Now())
	s.deliveries = append(s.deliveries, d)
	if !d.sub.active {
		s.enqueue(d)
		return
	}
	d.stop = make(chan struct{})
	s.wg.Add(1)
	go s.run(d, d.stop, nil)
}

func (d *delivery) setStatus(status string, now time.Time) {
	d.Status, d.updated = status, now
}

// setDone marks d finished or not and wakes WaitForDeliveries; s.mu must be
// held.
func (s *Server) setDone(d *delivery, done bool) {
	switch {
	case done && !d.Done:
		s.finished++
	case !done && d.Done:
		s.finished--
	}
	d.Done = done
	s.notifyChange()
}

// run makes d's attempts for one run (stop is the run's): the first at once,
// then the retries on the schedule, until one is answered 2xx or d is
// queued. Close ends it. first, if not nil, is called once the first
// attempt's outcome is recorded, or when the run ends without one.
func (s *Server) run(d *delivery, stop chan struct{}, first func()) {
	defer s.wg.Done()
	if first != nil {
		defer first()
	}
	for retry := 0; ; retry++ {
		waited := retry == 0 || s.sleep(s.retryWait(retry), stop)
		if !waited || !s.acquireWorker(stop) {
			s.mu.Lock()
			s.halt(d, stop)
			s.mu.Unlock()
			return
		}
		if !s.begin(d, stop) {
			s.releaseWorker()
			return
		}
		more := s.finish(d, s.attempt(&d.Delivery), retry)
		s.releaseWorker() // after the outcome is recorded: a worker's attempts never overlap
		if first != nil {
			first()
		}
		if !more {
			return
		}
	}
}

// sleep waits d; it reports false if the run was stopped or the server
// closed first.
func (s *Server) sleep(d time.Duration, stop chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
	case <-s.ctx.Done():
	}
	return false
}

// acquireWorker waits for a free delivery worker (WithDeliveryConcurrency);
// it reports false if the run was stopped or the server closed first.
func (s *Server) acquireWorker(stop chan struct{}) bool {
	if s.workers == nil {
		return true
	}
	select {
	case s.workers <- struct{}{}:
		return true
	case <-stop:
	case <-s.ctx.Done():
	}
	return false
}

func (s *Server) releaseWorker() {
	if s.workers != nil {
		<-s.workers
	}
}

// halt ends d's run stop: if the run is still d's (it was not queued
// meanwhile), the server is closing and d is done where it stands. s.mu
// must be held.
func (s *Server) halt(d *delivery, stop chan struct{}) {
	if d.stop == stop {
		d.stop = nil
		s.setDone(d, true)
	}
}

// begin decides whether run stop makes its next attempt: not if d was queued
// meanwhile, nor once the server is closing; if d's subscription is
// deactivated, d is queued instead.
func (s *Server) begin(d *delivery, stop chan struct{}) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case d.stop != stop:
		return false
	case s.ctx.Err() != nil:
		s.halt(d, stop)
		return false
	case !d.sub.active:
		s.enqueue(d)
		return false
	}
	d.inFlight = true
	s.advanceEvent(d, eventStatus(true, false))
	return true
}

// finish records attempt a (retry 0 is the first) and decides what follows
// by the policy: delivered; retried (it reports true); or, after the last
// retry or at once under "queue", the subscription deactivated and d queued.
func (s *Server) finish(d *delivery, a Attempt, retry int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.inFlight = false
	a.Redelivery = d.redelivered
	d.Attempts = append(d.Attempts, a)
	now := time.Now()
	switch {
	case a.StatusCode >= 200 && a.StatusCode < 300:
		d.Delivered = true
		d.setStatus(DeliveryDelivered, now)
		s.advanceEvent(d, eventStatus(true, true))
		d.stop = nil
		s.setDone(d, true)
	case s.ctx.Err() != nil:
		s.halt(d, d.stop)
	case !d.sub.active: // deactivated by another delivery meanwhile
		s.enqueue(d)
	case retry >= s.cfg.maxRetries() || s.policy.failurePolicy() == policyQueue:
		s.deactivate(d.sub)
	default:
		d.setStatus(DeliveryRetry, now)
		s.notifyChange()
		return true
	}
	return false
}

// deactivate deactivates sub and queues every delivery for it that is not
// done and not being attempted (those are queued when their attempt
// fails). s.mu must be held.
func (s *Server) deactivate(sub *subscription) {
	sub.active = false
	for _, d := range s.deliveries {
		if d.sub == sub && !d.Done && !d.inFlight {
			s.enqueue(d)
		}
	}
}

// enqueue puts d in its subscription's queue, in creation order, and ends
// its run. s.mu must be held.
func (s *Server) enqueue(d *delivery) {
	if d.stop != nil {
		close(d.stop)
		d.stop = nil
	}
	d.setStatus(DeliveryQueued, time.Now())
	q := d.sub.queue
	i, _ := slices.BinarySearchFunc(q, d.seq, func(x *delivery, seq int) int { return x.seq - seq })
	d.sub.queue = slices.Insert(q, i, d)
	s.setDone(d, true)
}

// pendingRun is a queued delivery taken for redelivery, with the stop of
// the run it is to get.
type pendingRun struct {
	d    *delivery
	stop chan struct{}
}

// takeQueue reactivates sub and takes its queue for redelivery: each
// delivery is pending again (Status retry, not Done) with a run reserved
// for it. s.mu must be held.
func (s *Server) takeQueue(sub *subscription) []pendingRun {
	sub.active = true
	now := time.Now()
	runs := make([]pendingRun, 0, len(sub.queue))
	for _, d := range sub.queue {
		d.stop = make(chan struct{})
		d.redelivered = true
		d.setStatus(DeliveryRetry, now)
		s.setDone(d, false)
		runs = append(runs, pendingRun{d, d.stop})
	}
	sub.queue = nil
	return runs
}

// redeliverInOrder starts the runs taken by takeQueue in their order, each
// once the one before made its first attempt, through the normal path
// (signed, retried, queued again if the policy says so). A delivery queued
// again meanwhile is skipped: its reserved run was stopped. The caller has
// done s.wg.Add(1) for it.
func (s *Server) redeliverInOrder(runs []pendingRun) {
	defer s.wg.Done()
	for _, p := range runs {
		s.mu.Lock()
		if p.d.stop != p.stop || s.ctx.Err() != nil {
			s.halt(p.d, p.stop)
			s.mu.Unlock()
			continue
		}
		first := make(chan struct{})
		s.wg.Add(1) // this goroutine holds the group, so it is not at zero
		go s.run(p.d, p.stop, sync.OnceFunc(func() { close(first) }))
		s.mu.Unlock()
		<-first
	}
}
