package elements

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
)

// Statuses of a [Delivery], as the platform's delivery schema lists them.
// Queued deliveries wait for [DeliveriesService.Redeliver]; a redelivered
// one may end as delivered or notified (the platform does not document
// which).
const (
	DeliveryStatusCreated   = "created"
	DeliveryStatusDelivered = "delivered"
	DeliveryStatusNotified  = "notified"
	DeliveryStatusRetry     = "retry"
	DeliveryStatusQueued    = "queued"
)

// Delivery is one notification's delivery to one subscription (a callback
// URL), as [DeliveriesService.Queued] lists them: the platform's delivery
// record, which has no id of its own.
//
// EventID is what a receiver de-duplicates on: after [DeliveriesService.Redeliver]
// the notification arrives again with this event id, and a receiver that
// handled it before the outage must not handle it twice.
//
// Printing a Delivery (any verb, slog) shows its ids, status, dates and
// event id, never Raw nor the notification's Message: they hold the event
// payload (the vendor's data about the tenant's customers) and whatever else
// the platform keeps with a delivery, such as the subscription's settings.
type Delivery struct {
	NotificationID int64
	SubscriptionID int64
	// Status is one of the DeliveryStatus constants (the platform may add
	// others).
	Status      string
	CreatedDate time.Time
	UpdatedDate time.Time
	// EventID is the eventId of the standardized message the notification
	// carries: the message.eventId of the callback, the id of the
	// instance's events log record. Empty when the message has none.
	EventID string
	// Notification and Subscription are the hydrated notification and
	// subscription; nil when the answer did not include them.
	Notification *DeliveryNotification
	Subscription *DeliverySubscription
	// Raw is the whole delivery record as the platform sent it, fields the
	// SDK does not model included.
	Raw json.RawMessage
}

// DeliveryNotification is the notification of a [Delivery]. Printing it
// does not show Message.
type DeliveryNotification struct {
	ID       int64
	From     string
	Topic    string
	Severity string
	// Message is the notification's message as sent, typically the
	// standardized event message (a JSON object, or a JSON string holding
	// one); nil when absent or null.
	Message      json.RawMessage
	CreatedDate  time.Time
	Active       bool
	Acknowledged bool
}

// DeliverySubscription is the subscription of a [Delivery]: where the
// platform delivers.
type DeliverySubscription struct {
	ID          int64
	Channel     string // "webhook" for event callbacks
	Topics      []string
	CallbackURL string // config.url
}

// deliveryWire is a Delivery on the wire.
type deliveryWire struct {
	NotificationID flex.Int64  `json:"notificationId"`
	SubscriptionID flex.Int64  `json:"subscriptionId"`
	Status         flex.String `json:"status"`
	CreatedDate    flex.Time   `json:"createdDate"`
	UpdatedDate    flex.Time   `json:"updatedDate"`
	Notification   *struct {
		ID           flex.Int64      `json:"id"`
		From         flex.String     `json:"from"`
		Topic        flex.String     `json:"topic"`
		Severity     flex.String     `json:"severity"`
		Message      json.RawMessage `json:"message"`
		CreatedDate  flex.Time       `json:"createdDate"`
		Active       bool            `json:"active"`
		Acknowledged bool            `json:"acknowledged"`
	} `json:"notification"`
	Subscription *struct {
		ID      flex.Int64    `json:"id"`
		Channel flex.String   `json:"channel"`
		Topics  []flex.String `json:"topics"`
		Config  struct {
			URL flex.String `json:"url"`
		} `json:"config"`
	} `json:"subscription"`
}

// UnmarshalJSON implements json.Unmarshaler for the platform's delivery
// record: ids as numbers or strings, dates as RFC 3339 or epoch
// milliseconds, notification and subscription when hydrated. Unknown fields
// are ignored and kept in Raw.
func (d *Delivery) UnmarshalJSON(b []byte) error {
	var w deliveryWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding delivery: %w", err)
	}
	*d = Delivery{
		NotificationID: int64(w.NotificationID), SubscriptionID: int64(w.SubscriptionID),
		Status: string(w.Status), CreatedDate: w.CreatedDate.Time, UpdatedDate: w.UpdatedDate.Time,
		Raw: append(json.RawMessage(nil), b...),
	}
	if n := w.Notification; n != nil {
		d.Notification = &DeliveryNotification{
			ID: int64(n.ID), From: string(n.From), Topic: string(n.Topic), Severity: string(n.Severity),
			CreatedDate: n.CreatedDate.Time, Active: n.Active, Acknowledged: n.Acknowledged,
		}
		if string(n.Message) != "null" {
			d.Notification.Message = n.Message // a copy: RawMessage copies what it decodes
		}
		d.EventID = eventIDOf(n.Message)
	}
	if s := w.Subscription; s != nil {
		d.Subscription = &DeliverySubscription{ID: int64(s.ID), Channel: string(s.Channel), CallbackURL: string(s.Config.URL)}
		for _, t := range s.Topics {
			d.Subscription.Topics = append(d.Subscription.Topics, string(t))
		}
	}
	return nil
}

// eventIDOf returns the event id of a delivered notification's message, or
// "" if it has none.
//
// Inferred: the platform's docs say each queued delivery holds "the event
// payload, including the event ID", and its delivery schema types the
// notification's message loosely. Read here: the message is the
// standardized message {"eventId", "instanceId", "events", ...} (the
// callback body's "message"), or the whole callback body {"message": {...}},
// either as a JSON object or as a JSON string holding one; the eventId (a
// string or a number) is the callback's message.eventId. Anything else (a
// plain text message, an eventId that is an object) has no event id: the
// delivery is still listed, with its Raw, rather than failing the list.
func eventIDOf(message json.RawMessage) string {
	b := bytes.TrimSpace(message)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return ""
		}
		b = bytes.TrimSpace([]byte(s))
	}
	if len(b) == 0 || b[0] != '{' {
		return ""
	}
	var m struct {
		EventID json.RawMessage `json:"eventId"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	if m.EventID == nil {
		var inner struct {
			EventID json.RawMessage `json:"eventId"`
		}
		if json.Unmarshal(m.Message, &inner) != nil {
			return ""
		}
		m.EventID = inner.EventID
	}
	var id flex.String
	if m.EventID == nil || id.UnmarshalJSON(m.EventID) != nil {
		return ""
	}
	return string(id)
}

// String prints the delivery without Raw and the notification's message
// (their sizes only).
func (d Delivery) String() string {
	return fmt.Sprintf("{NotificationID:%d SubscriptionID:%d Status:%q EventID:%q CreatedDate:%s UpdatedDate:%s Notification:%v Subscription:%s Raw:%s}",
		d.NotificationID, d.SubscriptionID, d.Status, d.EventID,
		d.CreatedDate.Format(time.RFC3339), d.UpdatedDate.Format(time.RFC3339),
		d.Notification, subscriptionText(d.Subscription), sizeOf(d.Raw))
}

func subscriptionText(s *DeliverySubscription) string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%+v", *s)
}

// GoString is like String.
func (d Delivery) GoString() string { return "elements.Delivery" + d.String() }

// Format prints the String form for every verb.
func (d Delivery) Format(f fmt.State, verb rune) { redact.Format(f, verb, d) }

// LogValue makes slog print what String prints.
func (d Delivery) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.Int64("notificationId", d.NotificationID), slog.Int64("subscriptionId", d.SubscriptionID),
		slog.String("status", d.Status), slog.String("eventId", d.EventID),
		slog.Time("createdDate", d.CreatedDate), slog.Time("updatedDate", d.UpdatedDate),
	}
	if n := d.Notification; n != nil {
		attrs = append(attrs, slog.Any("notification", *n))
	}
	if s := d.Subscription; s != nil {
		attrs = append(attrs, slog.Group("subscription", slog.Int64("id", s.ID), slog.String("channel", s.Channel),
			slog.Any("topics", s.Topics), slog.String("callbackUrl", s.CallbackURL)))
	}
	return slog.GroupValue(append(attrs, slog.Int("rawBytes", len(d.Raw)))...)
}

// String prints the notification without its message (its size only).
func (n DeliveryNotification) String() string {
	return fmt.Sprintf("{ID:%d From:%q Topic:%q Severity:%q Message:%s CreatedDate:%s Active:%t Acknowledged:%t}",
		n.ID, n.From, n.Topic, n.Severity, sizeOf(n.Message), n.CreatedDate.Format(time.RFC3339), n.Active, n.Acknowledged)
}

// GoString is like String.
func (n DeliveryNotification) GoString() string { return "elements.DeliveryNotification" + n.String() }

// Format prints the String form for every verb.
func (n DeliveryNotification) Format(f fmt.State, verb rune) { redact.Format(f, verb, n) }

// LogValue makes slog print what String prints.
func (n DeliveryNotification) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", n.ID), slog.String("from", n.From), slog.String("topic", n.Topic),
		slog.String("severity", n.Severity), slog.Int("messageBytes", len(n.Message)), slog.Time("createdDate", n.CreatedDate),
		slog.Bool("active", n.Active), slog.Bool("acknowledged", n.Acknowledged))
}

// sizeOf names a withheld JSON value by its size.
func sizeOf(b json.RawMessage) string {
	if b == nil {
		return "<nil>"
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}
