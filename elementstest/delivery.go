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

	"github.com/elementsgo/elements"
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
	Done       bool // no further attempt will be made
	Delivered  bool // an attempt was answered 2xx
}

// Attempt is one try at a delivery.
type Attempt struct {
	StatusCode int    // the callback's status; 0 when it did not answer
	Err        string // why there was no answer (connection error, timeout); "" otherwise
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
		c := *d
		c.Body = slices.Clone(d.Body)
		c.Attempts = slices.Clone(d.Attempts)
		list = append(list, c)
	}
	return list
}

// WaitForDeliveries blocks until at least n deliveries are finished
// (delivered, or given up after the last retry, or stopped by Close) and
// returns the finished ones in the order they started. It returns ctx's error,
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
		Status: elements.EventStatusDispatched, ProviderData: string(raw), NotifiedData: []json.RawMessage{}})
	d := &Delivery{
		WebhookID:  randomHex(12),
		EventID:    n.EventID,
		InstanceID: in.id,
		URL:        in.config[keyEventCallback],
		Body:       body,
	}
	if key := in.config[keyEventSigningKey]; key != "" {
		d.Signature = webhook.Sign(key, body)
	}
	copies := []*Delivery{d}
	if s.faults.duplicateN > 0 {
		s.faults.duplicateN--
		dup := *d
		dup.Duplicate = true
		copies = append(copies, &dup)
	}
	for _, c := range copies {
		s.deliveries = append(s.deliveries, c)
		s.wg.Add(1)
		go s.run(c)
	}
	s.notifyChange()
	return n.EventID, nil
}

// run makes d's attempts: the first at once, then after each failure a wait
// that starts at minWait and doubles up to maxWait, at most maxRetries
// retries. Close ends it.
func (s *Server) run(d *Delivery) {
	defer s.wg.Done()
	wait := s.cfg.minWait
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				s.record(d, nil, true)
				return
			}
			wait = min(2*wait, s.cfg.maxWait)
		}
		a := s.attempt(d)
		ok := a.StatusCode >= 200 && a.StatusCode < 300
		done := ok || attempt >= s.cfg.maxRetries || s.ctx.Err() != nil
		s.record(d, &a, done)
		if done {
			return
		}
	}
}

// record adds an attempt (if any) to d and marks it done.
func (s *Server) record(d *Delivery, a *Attempt, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a != nil {
		d.Attempts = append(d.Attempts, *a)
		d.Delivered = a.StatusCode >= 200 && a.StatusCode < 300
	}
	if d.Delivered {
		s.markNotified(d)
	}
	if done && !d.Done {
		s.finished++
	}
	d.Done = done
	s.notifyChange()
}

// markNotified sets the status of d's event record to NOTIFIED; s.mu must
// be held.
func (s *Server) markNotified(d *Delivery) {
	if in, ok := s.instances[d.InstanceID]; ok {
		for i := range in.events {
			if in.events[i].ID == d.EventID {
				in.events[i].Status = elements.EventStatusNotified
			}
		}
	}
}

// attempt POSTs d once, bounded by the delivery timeout.
func (s *Server) attempt(d *Delivery) Attempt {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout)
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
			return Attempt{Err: "timeout after " + s.cfg.timeout.String()}
		}
		return Attempt{Err: err.Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return Attempt{StatusCode: resp.StatusCode}
}
