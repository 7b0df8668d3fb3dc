package elements

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
)

// Instance is an element instance: an authenticated connection to one
// vendor account. Token (the instance token, sent as "Element <token>" on
// calls scoped to the instance) is a secret and never appears in printed
// output; it does appear in MarshalJSON's output.
type Instance struct {
	ID                            int64
	Name                          string
	Token                         string
	CreatedDate                   time.Time
	UpdatedDate                   time.Time
	Element                       Element
	ElementID                     int64
	Tags                          []string // names, whether sent as strings or {id, name} objects
	Valid                         bool
	Disabled                      bool
	EventsEnabled                 bool
	EventsNotificationCallbackURL string
	SubscriptionID                string
	TraceLoggingEnabled           bool
	CachingEnabled                bool
	MaxCacheSize                  int64
	CacheTimeToLive               int64
	ExternalAuthentication        string
	ProviderData                  ProviderData
	Configuration                 Configuration
	UserID                        int64 // user.id
}

// Element describes the element (connector) behind an instance.
type Element struct {
	ID                 int64
	Key                string
	Name               string
	Description        string
	Image              string
	Hub                string // e.g. "scheduling"
	ProtocolType       string // e.g. "http"
	AuthenticationType string // authentication.type, e.g. "oauth2"
	Active             bool
	Deleted            bool
	Beta               bool
	Private            bool
}

// instanceWire is an Instance on the wire, decoded in one pass: the flex
// types take the variants real answers send (ids as numbers or strings,
// tags as strings or objects, dates as RFC 3339 or epoch milliseconds).
type instanceWire struct {
	ID                            flex.Int64  `json:"id"`
	Name                          flex.String `json:"name,omitempty"`
	Token                         flex.String `json:"token,omitempty"`
	CreatedDate                   flex.Time   `json:"createdDate,omitzero"`
	UpdatedDate                   flex.Time   `json:"updatedDate,omitzero"`
	Element                       elementWire `json:"element"`
	ElementID                     flex.Int64  `json:"elementId,omitempty"`
	Tags                          flex.Tags   `json:"tags,omitempty"`
	Valid                         bool        `json:"valid"`
	Disabled                      bool        `json:"disabled"`
	EventsEnabled                 bool        `json:"eventsEnabled"`
	EventsNotificationCallbackURL flex.String `json:"eventsNotificationCallbackUrl,omitempty"`
	SubscriptionID                flex.String `json:"subscriptionId,omitempty"`
	TraceLoggingEnabled           bool        `json:"traceLoggingEnabled"`
	CachingEnabled                bool        `json:"cachingEnabled"`
	MaxCacheSize                  flex.Int64  `json:"maxCacheSize"`
	CacheTimeToLive               flex.Int64  `json:"cacheTimeToLive"`
	ExternalAuthentication        flex.String `json:"externalAuthentication,omitempty"`
	// Decoded as the plain JSON value (map[string]any) in the same pass,
	// then read by providerDataFrom and configurationFrom; encoded from
	// ProviderData and Configuration.
	ProviderData  any `json:"providerData,omitempty"`
	Configuration any `json:"configuration,omitempty"`
	User          struct {
		ID flex.Int64 `json:"id"`
	} `json:"user,omitzero"`
}

// elementWire is an Element on the wire.
type elementWire struct {
	ID             flex.Int64  `json:"id,omitempty"`
	Key            flex.String `json:"key,omitempty"`
	Name           flex.String `json:"name,omitempty"`
	Description    flex.String `json:"description,omitempty"`
	Image          flex.String `json:"image,omitempty"`
	Hub            flex.String `json:"hub,omitempty"`
	ProtocolType   flex.String `json:"protocolType,omitempty"`
	Authentication struct {
		Type flex.String `json:"type,omitempty"`
	} `json:"authentication,omitzero"`
	Active  bool `json:"active"`
	Deleted bool `json:"deleted"`
	Beta    bool `json:"beta"`
	Private bool `json:"private"`
}

// instance converts the wire form into i.
func (w *instanceWire) instance(i *Instance) error {
	pd, err := providerDataFrom(w.ProviderData)
	if err != nil {
		return err
	}
	cfg, err := configurationFrom(w.Configuration)
	if err != nil {
		return err
	}
	*i = Instance{
		ID: int64(w.ID), Name: string(w.Name), Token: string(w.Token),
		CreatedDate: w.CreatedDate.Time, UpdatedDate: w.UpdatedDate.Time,
		ElementID: int64(w.ElementID), Tags: []string(w.Tags),
		Valid: w.Valid, Disabled: w.Disabled, EventsEnabled: w.EventsEnabled,
		EventsNotificationCallbackURL: string(w.EventsNotificationCallbackURL),
		SubscriptionID:                string(w.SubscriptionID),
		TraceLoggingEnabled:           w.TraceLoggingEnabled, CachingEnabled: w.CachingEnabled,
		MaxCacheSize: int64(w.MaxCacheSize), CacheTimeToLive: int64(w.CacheTimeToLive),
		ExternalAuthentication: string(w.ExternalAuthentication),
		ProviderData:           pd, Configuration: cfg,
	}
	e := &w.Element
	i.Element = Element{
		ID: int64(e.ID), Key: string(e.Key), Name: string(e.Name),
		Description: string(e.Description), Image: string(e.Image),
		Hub: string(e.Hub), ProtocolType: string(e.ProtocolType), AuthenticationType: string(e.Authentication.Type),
		Active: e.Active, Deleted: e.Deleted, Beta: e.Beta, Private: e.Private,
	}
	i.UserID = int64(w.User.ID)
	return nil
}

// MarshalJSON implements json.Marshaler with the platform's field names, so
// an Instance a host keeps as JSON (in its own database, say) reads back
// with json.Unmarshal exactly. The output includes the token: store it as
// the secret it is.
func (i Instance) MarshalJSON() ([]byte, error) {
	e := &i.Element
	w := instanceWire{
		ID: flex.Int64(i.ID), Name: flex.String(i.Name), Token: flex.String(i.Token),
		CreatedDate: flex.Time{Time: i.CreatedDate}, UpdatedDate: flex.Time{Time: i.UpdatedDate},
		Element: elementWire{
			ID: flex.Int64(e.ID), Key: flex.String(e.Key), Name: flex.String(e.Name),
			Description: flex.String(e.Description), Image: flex.String(e.Image),
			Hub: flex.String(e.Hub), ProtocolType: flex.String(e.ProtocolType),
			Active: e.Active, Deleted: e.Deleted, Beta: e.Beta, Private: e.Private,
		},
		ElementID: flex.Int64(i.ElementID), Tags: flex.Tags(i.Tags),
		Valid: i.Valid, Disabled: i.Disabled, EventsEnabled: i.EventsEnabled,
		EventsNotificationCallbackURL: flex.String(i.EventsNotificationCallbackURL),
		SubscriptionID:                flex.String(i.SubscriptionID),
		TraceLoggingEnabled:           i.TraceLoggingEnabled, CachingEnabled: i.CachingEnabled,
		MaxCacheSize: flex.Int64(i.MaxCacheSize), CacheTimeToLive: flex.Int64(i.CacheTimeToLive),
		ExternalAuthentication: flex.String(i.ExternalAuthentication),
		ProviderData:           i.ProviderData, Configuration: i.Configuration,
	}
	w.Element.Authentication.Type = flex.String(e.AuthenticationType)
	w.User.ID = flex.Int64(i.UserID)
	return json.Marshal(w)
}

// UnmarshalJSON implements json.Unmarshaler. It accepts the documented
// answer and the variants seen in real ones: ids as numbers or strings, tags
// as strings or {id, name} objects, configuration values as strings. Unknown
// fields are ignored.
func (i *Instance) UnmarshalJSON(b []byte) error {
	var w instanceWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding instance: %w", err)
	}
	if err := w.instance(i); err != nil {
		return fmt.Errorf("elements: decoding instance: %w", err)
	}
	return nil
}

// String prints the instance with its token and secrets redacted.
func (i Instance) String() string {
	type plain Instance
	p := plain(i)
	p.Token = redact.Mask(p.Token)
	return fmt.Sprintf("%+v", p)
}

// GoString is like String.
func (i Instance) GoString() string { return "elements.Instance" + i.String() }

// Format prints the redacted form for every verb.
func (i Instance) Format(f fmt.State, verb rune) { redact.Format(f, verb, i) }

// LogValue makes slog print the instance without its token and secrets.
func (i Instance) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("id", i.ID), slog.String("name", i.Name), slog.String("element", i.Element.Key),
		slog.Any("tags", i.Tags), slog.Bool("valid", i.Valid), slog.Bool("disabled", i.Disabled),
		slog.Any("configuration", i.Configuration))
}

// Statuses of an [InstanceEvent], in the order a notification goes
// through them; after a delivery the record reads EventStatusNotified.
const (
	EventStatusNew        = "NEW"
	EventStatusReceived   = "RECEIVED"
	EventStatusDispatched = "DISPATCHED"
	EventStatusConsumed   = "CONSUMED"
	EventStatusNotified   = "NOTIFIED"
)

// InstanceEvent is one record of an instance's events log (GET
// /instances/{id}/events): one per notification the platform handled, not
// one per standardized event.
type InstanceEvent struct {
	// ID is the record's id, the message.eventId of the notification.
	ID string
	// Date is the record's eventDate.
	Date time.Time
	// Status is one of EventStatusNew, EventStatusReceived, EventStatusDispatched,
	// EventStatusConsumed and EventStatusNotified.
	Status string
	// ProviderData is the vendor's payload as the platform received it
	// (for Acuity its webhook's fields), as text.
	ProviderData string
	// NotifiedData is the notifiedData value as the platform sent it
	// (typically an array); nil when absent.
	NotifiedData json.RawMessage
	// Raw is the whole record, fields the SDK does not know included.
	Raw json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler for the platform's record
// {"id", "eventDate", "status", "providerData", "notifiedData"}: id as a
// string or a number, eventDate as RFC 3339 or epoch milliseconds,
// providerData as a string (a JSON object or array is kept as its text).
// Unknown fields are ignored and kept in Raw.
func (e *InstanceEvent) UnmarshalJSON(b []byte) error {
	var w struct {
		ID           flex.String     `json:"id"`
		EventDate    flex.Time       `json:"eventDate"`
		Status       flex.String     `json:"status"`
		ProviderData json.RawMessage `json:"providerData"`
		NotifiedData json.RawMessage `json:"notifiedData"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding instance event: %w", err)
	}
	pd := string(w.ProviderData)
	if len(w.ProviderData) > 0 && w.ProviderData[0] == '"' {
		if err := json.Unmarshal(w.ProviderData, &pd); err != nil {
			return fmt.Errorf("elements: decoding instance event: providerData: %w", err)
		}
	} else if pd == "null" {
		pd = ""
	}
	*e = InstanceEvent{
		ID: string(w.ID), Date: w.EventDate.Time, Status: string(w.Status), ProviderData: pd,
		Raw: append(json.RawMessage(nil), b...),
	}
	if string(w.NotifiedData) != "null" {
		e.NotifiedData = w.NotifiedData // a copy: RawMessage copies what it decodes
	}
	return nil
}
