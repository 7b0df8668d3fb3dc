package elements

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"unicode"
	"unicode/utf8"

	"github.com/elementsgo/elements/internal/paging"
)

// DeliveriesService shows and releases what the platform holds when it
// cannot deliver events to a callback URL. Get it from Client.Deliveries.
//
// When a receiver stays down, the platform retries each failed delivery for
// hours or days (two documented schedules: 9 retries over about 73 hours, or
// 5 over about 9.5 hours), then deactivates the callback URL's subscription
// and queues that event and every later one; with [FailurePolicyQueue] it
// queues a failed delivery at once. Nothing queued arrives until someone
// acts. After an outage:
//
//  1. fix the receiver and check that it answers 2xx;
//  2. see what waits: [DeliveriesService.Queued] for each callback URL;
//  3. release it: [DeliveriesService.Redeliver] reactivates the subscription
//     and sends the queued events through the normal signed path;
//  4. a notification that was handled before the outage may come again:
//     de-duplicate by its event id (the receiver's Deduplicator or Inbox does).
//
// These calls use the client's user and organization secrets, like
// /instances.
type DeliveriesService struct {
	client *Client
}

// FailurePolicy is what the platform does with a delivery that failed:
// retry it ([FailurePolicyRetry], the default) or queue it at once
// ([FailurePolicyQueue]).
type FailurePolicy string

// The account's failure policies (notification.webhook.failure.policy).
const (
	// FailurePolicyRetry retries a failed delivery; after the last retry
	// the subscription is deactivated and later events are queued.
	FailurePolicyRetry FailurePolicy = "retry"
	// FailurePolicyQueue queues a failed delivery at once, for
	// [DeliveriesService.Queued] and [DeliveriesService.Redeliver].
	FailurePolicyQueue FailurePolicy = "queue"
)

const (
	settingsPath      = "/accounts/settings"
	failurePolicyKey  = "notification.webhook.failure.policy"
	deliveriesPath    = "/notifications/subscriptions/deliveries"
	maxQuotedSettings = 40 // bytes of an unexpected policy value an error quotes
)

// FailurePolicy returns the account's failure policy: GET
// /accounts/settings, key notification.webhook.failure.policy. An account
// that never set one (the key missing, null or "") has [FailurePolicyRetry],
// the platform's default. A value other than "retry" and "queue" is returned
// as the platform wrote it; a value that is not a string is an error
// wrapping [ErrInvalidResponse].
func (s *DeliveriesService) FailurePolicy(ctx context.Context) (FailurePolicy, error) {
	c := s.client
	req, err := c.NewRequest(ctx, http.MethodGet, settingsPath, nil)
	if err != nil {
		return "", err
	}
	var settings map[string]json.RawMessage
	resp, err := c.do(req, &settings, callOptions{})
	if err != nil {
		return "", err
	}
	p, err := policyFrom(settings)
	if err != nil {
		return "", c.failed(c.invalidAnswer(req, resp, callOptions{}, err))
	}
	return p, nil
}

// SetFailurePolicy sets the account's failure policy: PATCH
// /accounts/settings with {"notification.webhook.failure.policy": p}. p must
// be [FailurePolicyRetry] or [FailurePolicyQueue]; anything else is refused
// before a request is sent. Like every PATCH, it is retried only on 429 and
// on failures before the request was sent.
//
// The platform answers the settings with the new value. An answer that
// names another policy (read as FailurePolicy reads it: no value is
// "retry"), for example because another process changed it at the same
// moment, is an error wrapping [ErrInvalidResponse]: the change may or may
// not have been applied, so read it back with FailurePolicy.
func (s *DeliveriesService) SetFailurePolicy(ctx context.Context, p FailurePolicy) error {
	if p != FailurePolicyRetry && p != FailurePolicyQueue {
		return fmt.Errorf("elements: SetFailurePolicy: policy must be %q or %q, got %.*q",
			FailurePolicyRetry, FailurePolicyQueue, maxQuotedSettings, string(p))
	}
	c := s.client
	req, err := c.NewRequest(ctx, http.MethodPatch, settingsPath, map[string]FailurePolicy{failurePolicyKey: p})
	if err != nil {
		return err
	}
	var settings map[string]json.RawMessage
	resp, err := c.do(req, &settings, callOptions{})
	if err != nil {
		return err
	}
	got, err := policyFrom(settings)
	if err == nil && got != p {
		err = fmt.Errorf("the answer names policy %.*q, not %q (the change may not have been applied: read it with FailurePolicy)",
			maxQuotedSettings, string(got), p)
	}
	if err != nil {
		return c.failed(c.invalidAnswer(req, resp, callOptions{}, err))
	}
	return nil
}

// policyFrom reads the failure policy from the account's settings: a
// missing, null or empty value is the platform's default, retry.
func policyFrom(settings map[string]json.RawMessage) (FailurePolicy, error) {
	raw, ok := settings[failurePolicyKey]
	if !ok || string(raw) == "null" {
		return FailurePolicyRetry, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%s is not a string", failurePolicyKey)
	}
	if v == "" {
		return FailurePolicyRetry, nil
	}
	return FailurePolicy(v), nil
}

// Queued returns the deliveries the platform holds queued for one callback
// URL: GET /notifications/subscriptions/deliveries with where=channel='webhook'
// and status='queued' and config.url='<callbackURL>' and hydrate=true (each
// [Delivery] carries its notification, with the event id, and its
// subscription). callbackURL is the instance's
// event.notification.callback.url exactly as configured: the platform
// compares the text.
//
// The sequence is read page by page as the caller ranges, like
// [InstancesService.All]: a 404 "No … found" is an empty sequence, an error
// (an *APIError, a failed request, the end of ctx, an answer that is not a
// list of deliveries or holds a null, which wraps [ErrInvalidResponse]) is
// yielded once as (nil, err) and ends it. A callbackURL that could not be
// put safely in the query (see [DeliveriesService.Redeliver]) is such an
// error, before any request.
func (s *DeliveriesService) Queued(ctx context.Context, callbackURL string) iter.Seq2[*Delivery, error] {
	where, err := queuedWhere(callbackURL)
	if err != nil {
		return paging.Err[Delivery](fmt.Errorf("elements: Queued: %w", err))
	}
	q := url.Values{"where": {where}, "hydrate": {"true"}}
	return func(yield func(*Delivery, error) bool) {
		NewPager[Delivery](s.client, deliveriesPath, q, 0, "").All(ctx)(yield)
	}
}

// Redeliver releases what the platform queued for one callback URL: PUT
// /notifications/subscriptions/deliveries with where=channel='webhook' and
// status='queued' and config.url='<callbackURL>'. The platform reactivates
// the URL's subscription and sends the queued events again, signed, through
// the normal path, so call it once the receiver answers 2xx again; a
// redelivered notification that was already handled must be de-duplicated
// by its event id. Any 2xx answer is success (its body is not read). PUT is
// retried like the other idempotent calls.
//
// callbackURL must be an absolute http or https URL. The platform documents
// no escape for a quote inside a CEQL string, so a URL holding a
// single quote, a backslash, a control or other non-printing character, or
// invalid UTF-8 is refused before any request, as are the other calls that
// take one: it could otherwise end the string early and change what is
// redelivered.
func (s *DeliveriesService) Redeliver(ctx context.Context, callbackURL string) error {
	where, err := queuedWhere(callbackURL)
	if err != nil {
		return fmt.Errorf("elements: Redeliver: %w", err)
	}
	c := s.client
	req, err := c.NewRequest(ctx, http.MethodPut, paging.URL(deliveriesPath, url.Values{"where": {where}}, 0, ""), nil)
	if err != nil {
		return err
	}
	_, err = c.do(req, nil, callOptions{})
	return err
}

// queuedWhere is the CEQL clause that selects the queued webhook deliveries
// of one callback URL, as the platform documents it.
func queuedWhere(callbackURL string) (string, error) {
	if callbackURL == "" {
		return "", errors.New("empty callback URL")
	}
	lit, err := ceqlString(callbackURL)
	if err != nil {
		return "", fmt.Errorf("callback URL: %w", err)
	}
	u, err := url.Parse(callbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("the callback URL is not an absolute http or https URL")
	}
	return "channel='webhook' and status='queued' and config.url=" + lit, nil
}

// ceqlString returns s as a CEQL string literal, in single quotes, or an
// error if s cannot be one safely.
//
// Inferred: the platform documents strings in single quotes but no escape
// for a quote inside one. Doubling it (SQL) and a backslash (MySQL) are
// both plausible, and a wrong guess lets the value end the string early and
// add conditions of its own (x' or status='delivered); so instead of
// escaping, a value holding a single quote or a backslash is refused, as is
// one with a control or other non-printing character (a line break, NUL,
// U+2028) or invalid UTF-8, which no callback URL needs. Refusing is the
// one choice that is safe whatever the platform's rule; if the platform
// documents its escape, this function is the one place to change.
func ceqlString(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("invalid UTF-8")
	}
	for i, r := range s {
		switch {
		case r == '\'':
			return "", fmt.Errorf("a single quote at byte %d cannot be put in a CEQL string (the platform documents no escape for it)", i)
		case r == '\\':
			return "", fmt.Errorf("a backslash at byte %d cannot be put in a CEQL string (the platform documents no escape for it)", i)
		case !unicode.IsPrint(r):
			return "", fmt.Errorf("a control or non-printing character (%U) at byte %d", r, i)
		}
	}
	return "'" + s + "'", nil
}
