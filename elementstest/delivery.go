package elementstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/elementsgo/elements/webhook"
)

// ErrEventsDisabled is returned by [Server.Deliver] for an instance that is
// disabled or has event.notification.enabled false.
var ErrEventsDisabled = errors.New("elementstest: events are not enabled for the instance")

// Delivery records one notification's delivery to an instance's
// event.notification.callback.url.
type Delivery struct {
	WebhookID  string // the Elements-Webhook-Id header, the same on every attempt
	EventID    string // the notification's message.eventId
	InstanceID int64
	URL        string // the callback URL
	Body       []byte // the exact bytes POSTed
	Signature  string // the Elements-Webhook-Signature sent; "" when the instance has no signing key
	Duplicate  bool   // the second copy of a notification sent because of DuplicateNext
	Attempts   []Attempt
	// Done: no attempt is pending. The delivery was delivered, is queued
	// (until a redelivery starts it again: Done is then false until it ends
	// again), or was stopped by Close.
	Done      bool
	Delivered bool // an attempt was answered 2xx
	// Status is the platform's status of the delivery: DeliveryCreated,
	// DeliveryRetry, DeliveryDelivered or DeliveryQueued.
	Status string
	// NotificationID and SubscriptionID name the delivery in GET
	// /notifications/subscriptions/deliveries: the platform's notification
	// and the subscription of the callback URL.
	NotificationID int64
	SubscriptionID int64
}

// Statuses of a [Delivery], the platform's words for them.
const (
	DeliveryCreated   = "created"   // no attempt has finished yet
	DeliveryRetry     = "retry"     // an attempt failed; another one is pending (or a redelivery runs)
	DeliveryDelivered = "delivered" // an attempt was answered 2xx
	DeliveryQueued    = "queued"    // the subscription is deactivated: waits for a redelivery
)

// Attempt is one try at a delivery.
type Attempt struct {
	StatusCode int    // the callback's status; 0 when it did not answer
	Err        string // why there was no answer (connection error, timeout); "" otherwise
	// Start is when the attempt was sent (once a delivery worker was free)
	// and Duration how long it took to the answer or the error.
	Start    time.Time
	Duration time.Duration
	// Redelivery: the attempt was made after a redelivery (PUT
	// /notifications/subscriptions/deliveries) took the delivery from the
	// queue.
	Redelivery bool
}

// delivery is the fake's own record of a Delivery: what users see and what
// the delivery policy needs. Guarded by Server.mu.
type delivery struct {
	Delivery
	seq         int // creation order, the order of a subscription's queue
	note        *notification
	sub         *subscription
	inFlight    bool          // an attempt is being made
	stop        chan struct{} // closed to end the run waiting to make the next attempt; nil: no run
	redelivered bool          // taken from the queue by a redelivery
	updated     time.Time     // the last change of Status
}

// notification is what the platform's notifications API shows of a
// notification (hydrate=true).
type notification struct {
	id      int64
	from    string          // the element key
	message json.RawMessage // the body's message: the standardized message
	created time.Time
}

// Deliveries returns a copy of every delivery so far, finished or not, in the
// order they started.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot(false)
}

// snapshot copies the deliveries, only finished ones if done; s.mu must be held.
func (s *Server) snapshot(done bool) []Delivery {
	list := make([]Delivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		if done && !d.Done {
			continue
		}
		c := d.Delivery
		c.Body = slices.Clone(d.Body)
		c.Attempts = slices.Clone(d.Attempts)
		list = append(list, c)
	}
	return list
}

// WaitForDeliveries blocks until at least n deliveries are finished
// (delivered, queued, or stopped by Close: Done) and returns the finished
// ones in the order they started. A redelivery makes the queued deliveries
// it takes unfinished again until each ends anew, so after a PUT
// /notifications/subscriptions/deliveries has been answered,
// WaitForDeliveries waits for them too. It returns ctx's error,
// wrapped, if ctx ends first, with the ones finished by then.
func (s *Server) WaitForDeliveries(ctx context.Context, n int) ([]Delivery, error) {
	for {
		// Wake-ups only compare counts; the deliveries are copied once, at
		// the end.
		s.mu.Lock()
		if s.finished >= n {
			done := s.snapshot(true)
			s.mu.Unlock()
			return done, nil
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			s.mu.Lock()
			done := s.snapshot(true)
			s.mu.Unlock()
			return done, fmt.Errorf("elementstest: %d of %d deliveries finished: %w", len(done), n, ctx.Err())
		}
	}
}

// notifyChange wakes WaitForDeliveries; s.mu must be held.
func (s *Server) notifyChange() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// The account, company and user every fake notification comes from.
const (
	fakeAccountID = 31
	fakeCompanyID = 7
)

// Deliver sends a notification with events for the instance to its
// event.notification.callback.url, the way the platform delivers a
// standardized vendor event: signed when the instance has a signature key,
// asynchronously and with retries. Zero Date and ElementKey are filled in
// (now, the instance's element); EventType must be one of the documented
// types; HubKey and PollDate are sent when set. message.raw is the Acuity
// webhook behind the first event, in the shape the platform passes Acuity's
// form on (a JSON object of its fields, as the ingress sends it), so
// acuity.WebhookFromNotification reads it. Its action is the one
// acuity.PlatformEvent, the SDK's own mapping, maps to the event's object
// type and event type: on appointments, scheduled for CREATED and changed
// for UPDATED; on orders, order.completed for CREATED. Its id is the event's
// ObjectID, with calendarID and appointmentTypeID of the stored appointment
// with that id, if any. An event no Acuity webhook causes (DELETED,
// UNKNOWN, other object types) or an ObjectID that is not a positive integer
// (which cannot be an Acuity id) gets raw {}: such a notification still
// goes out, for receivers that must handle it. The body is the
// notification's wire form ([webhook.Notification.MarshalJSON]). Deliver
// returns the notification's eventId; wait for the delivery with
// WaitForDeliveries.
func (s *Server) Deliver(instanceID int64, events ...webhook.Event) (eventID string, err error) {
	if len(events) == 0 || len(events) > 20 {
		return "", fmt.Errorf("elementstest: a notification carries 1 to 20 events, got %d", len(events))
	}
	for i, e := range events {
		if !e.EventType.Valid() {
			return "", fmt.Errorf("elementstest: events[%d]: event type %q is not CREATED, UPDATED, DELETED or UNKNOWN", i, e.EventType)
		}
	}
	return s.notify(instanceID, nil, events)
}

// notify builds the notification, records it on the instance and starts its
// delivery. A nil raw is made from the first event (see Deliver).
func (s *Server) notify(instanceID int64, raw json.RawMessage, events []webhook.Event) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	in, ok := s.instances[instanceID]
	if !ok {
		return "", ErrNotFound
	}
	if in.disabled || in.config[keyEventsEnabled] != "true" {
		return "", ErrEventsDisabled
	}
	if raw == nil {
		raw = acuityRawFor(in, events[0])
	}
	n := webhook.Notification{
		ElementKey:   in.element.Key,
		EventID:      randomHex(6),
		AccountID:    fakeAccountID,
		CompanyID:    fakeCompanyID,
		InstanceID:   in.id,
		InstanceName: in.name,
		UserID:       fakeUserID,
		Raw:          raw,
		Events:       make([]webhook.Event, len(events)),
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i, e := range events {
		if e.Date.IsZero() {
			e.Date = now
		}
		if e.ElementKey == "" {
			e.ElementKey = in.element.Key
		}
		n.Events[i] = e
	}
	body, err := json.Marshal(n)
	if err != nil {
		return "", fmt.Errorf("elementstest: encoding the notification: %w", err)
	}
	in.events = append(in.events, eventRecord{ID: n.EventID, EventDate: now.Format(time.RFC3339),
		Status: eventStatus(false, false), ProviderData: string(raw), NotifiedData: []json.RawMessage{}})
	var wire struct{ Message json.RawMessage }
	_ = json.Unmarshal(body, &wire) // the body was just encoded
	note := s.policy.newNotification(in.element.Key, wire.Message, time.Now().UTC())
	sub := s.policy.subscriptionFor(in.config[keyEventCallback])
	d := &delivery{Delivery: Delivery{
		WebhookID:      randomHex(12),
		EventID:        n.EventID,
		InstanceID:     in.id,
		URL:            sub.url,
		Body:           body,
		NotificationID: note.id,
		SubscriptionID: sub.id,
	}, note: note, sub: sub}
	if key := in.config[keyEventSigningKey]; key != "" {
		d.Signature = webhook.Sign(key, body)
	}
	copies := []*delivery{d}
	if s.faults.duplicateN > 0 {
		s.faults.duplicateN--
		dup := *d
		dup.Duplicate = true
		copies = append(copies, &dup)
	}
	for _, c := range copies {
		s.start(c)
	}
	s.notifyChange()
	return n.EventID, nil
}

// attempt POSTs d once, bounded by the attempt timeout, and times it. The
// fields it reads never change once d is made, so it needs no lock.
func (s *Server) attempt(d *Delivery) Attempt {
	timeout := s.attemptTimeout()
	start := time.Now()
	a := s.post(d, timeout)
	a.Start, a.Duration = start, time.Since(start)
	return a
}

func (s *Server) post(d *Delivery, timeout time.Duration) Attempt {
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Attempt{Err: "invalid callback URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "elementstest")
	req.Header.Set(webhook.IDHeader, d.WebhookID)
	if d.Signature != "" {
		req.Header.Set(webhook.SignatureHeader, d.Signature)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return Attempt{Err: "timeout after " + timeout.String()}
		}
		return Attempt{Err: err.Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return Attempt{StatusCode: resp.StatusCode}
}
