package elements

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/redact"
)

// Configuration keys the platform documents for instances. Any other key can
// be sent through Configuration.Extra.
const (
	ConfigOAuthAPIKey           = "oauth.api.key"
	ConfigOAuthAPISecret        = "oauth.api.secret"
	ConfigOAuthCallbackURL      = "oauth.callback.url"
	ConfigEventsEnabled         = "event.notification.enabled"
	ConfigEventCallbackURL      = "event.notification.callback.url"
	ConfigEventSignatureKey     = "event.notification.signature.key"
	ConfigEventVendorType       = "event.vendor.type"
	ConfigEventPollerRefresh    = "event.poller.refresh_interval"
	ConfigEventPollerConfig     = "event.poller.configuration"
	ConfigEventBasicUsername    = "event.notification.basic.username"
	ConfigEventBasicPassword    = "event.notification.basic.password"
	ConfigEventCallbackHeaders  = "event.notification.callback.headers"
	ConfigOAuthUserRefreshToken = "oauth.user.refresh_token"
)

// Configuration is an instance's configuration map with the documented keys
// as fields. Empty fields are not sent; EventsEnabled is sent as the JSON
// boolean true when set (to send an explicit false, put
// ConfigEventsEnabled: false in Extra). The fields are encoded in the order
// the platform documents them, then Extra in key order.
//
// Extra passes any other key as it is. A key in Extra that a non-empty field
// also sets is an error when marshaling, so nothing is silently overwritten.
// When decoding (instances the platform returns, where every value is a
// string and secrets come back masked as "********"), documented keys fill
// the fields and all others land in Extra.
//
// OAuthAPISecret, EventSignatureKey and sensitive Extra keys (passwords,
// tokens, secrets, headers) never appear in printed output.
type Configuration struct {
	OAuthAPIKey       string `json:"oauth.api.key,omitempty"`                    // the OAuth client id
	OAuthAPISecret    string `json:"oauth.api.secret,omitempty"`                 // the OAuth client secret
	OAuthCallbackURL  string `json:"oauth.callback.url,omitempty"`               // the OAuth redirect URI
	EventsEnabled     bool   `json:"event.notification.enabled,omitempty"`       // a JSON boolean
	EventCallbackURL  string `json:"event.notification.callback.url,omitempty"`  // where the platform posts events
	EventSignatureKey string `json:"event.notification.signature.key,omitempty"` // signs those posts
	EventVendorType   string `json:"event.vendor.type,omitempty"`                // "webhook" or "polling"

	// Extra holds every other key.
	Extra map[string]any `json:"-"`
}

// IsZero reports whether nothing would be sent.
func (c Configuration) IsZero() bool {
	return c.OAuthAPIKey == "" && c.OAuthAPISecret == "" && c.OAuthCallbackURL == "" &&
		!c.EventsEnabled && c.EventCallbackURL == "" && c.EventSignatureKey == "" &&
		c.EventVendorType == "" && len(c.Extra) == 0
}

// stringFields pairs each documented key that holds a string with its field.
func (c *Configuration) stringFields() [6]struct {
	key string
	val *string
} {
	return [6]struct {
		key string
		val *string
	}{
		{ConfigOAuthAPIKey, &c.OAuthAPIKey}, {ConfigOAuthAPISecret, &c.OAuthAPISecret},
		{ConfigOAuthCallbackURL, &c.OAuthCallbackURL}, {ConfigEventCallbackURL, &c.EventCallbackURL},
		{ConfigEventSignatureKey, &c.EventSignatureKey}, {ConfigEventVendorType, &c.EventVendorType},
	}
}

// field returns the string field that holds the documented key k, or nil.
func (c *Configuration) field(k string) *string {
	for _, f := range c.stringFields() {
		if f.key == k {
			return f.val
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler: the fields, then Extra.
func (c Configuration) MarshalJSON() ([]byte, error) {
	type fields Configuration // without this method
	b, err := json.Marshal(fields(c))
	if err != nil {
		return nil, err
	}
	return withExtra(b, c.Extra, "configuration", func(k string) bool {
		if f := c.field(k); f != nil {
			return *f != ""
		}
		return k == ConfigEventsEnabled && c.EventsEnabled
	})
}

// withExtra adds the members of extra, in key order, to the encoded JSON
// object b. An empty key, or one that isSet reports as already set by a
// field, is an error.
func withExtra(b []byte, extra map[string]any, what string, isSet func(string) bool) ([]byte, error) {
	if len(extra) == 0 {
		return b, nil
	}
	for k := range extra {
		if k == "" {
			return nil, fmt.Errorf("elements: %s: Extra has an empty key", what)
		}
		if isSet(k) {
			return nil, fmt.Errorf("elements: %s: key %s is set both by a field and in Extra", what, redact.Quote(k))
		}
	}
	e, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	if len(b) == len("{}") {
		return e, nil
	}
	return append(append(b[:len(b)-1], ','), e[1:]...), nil
}

// UnmarshalJSON implements json.Unmarshaler. Values may be strings,
// numbers or booleans; event.notification.enabled may be true/false or
// "true"/"false".
func (c *Configuration) UnmarshalJSON(b []byte) error {
	return unmarshalObject(b, c, configurationFrom)
}

// unmarshalObject decodes the JSON value b in one pass and builds *dst from
// it with from: the one decoding path of Configuration and ProviderData,
// alone or inside an instance.
func unmarshalObject[T any](b []byte, dst *T, from func(any) (T, error)) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out, err := from(v)
	if err != nil {
		return err
	}
	*dst = out
	return nil
}

// object returns v as a JSON object; null is an empty one.
func object(v any, what string) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("elements: %s is not a JSON object", what)
	}
	return m, nil
}

// configurationFrom builds a Configuration from a decoded JSON value: an
// object (map[string]any, which it takes over as Extra) or null.
func configurationFrom(v any) (Configuration, error) {
	var c Configuration
	m, err := object(v, "configuration")
	if err != nil {
		return c, err
	}
	for k, val := range m {
		f := c.field(k)
		switch {
		case f != nil:
			s, ok := flex.Text(val)
			if !ok {
				return Configuration{}, fmt.Errorf("elements: configuration %s: want a string", redact.Quote(k))
			}
			*f = s
		case k == ConfigEventsEnabled:
			on, err := parseBool(val)
			if err != nil {
				return Configuration{}, fmt.Errorf("elements: configuration %s: %w", redact.Quote(k), err)
			}
			c.EventsEnabled = on
		case k == "": // not a key anyone can set; dropping it keeps the value re-encodable
		default:
			continue // stays in m, which becomes Extra
		}
		delete(m, k)
	}
	if len(m) > 0 {
		c.Extra = m
	}
	return c, nil
}

// parseBool accepts a JSON boolean, a string "true"/"false" (any case), an
// empty string or null (false).
func parseBool(v any) (bool, error) {
	s, ok := flex.Text(v)
	if !ok {
		return false, fmt.Errorf("want a boolean")
	}
	if s == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return false, fmt.Errorf("%s is not a boolean", redact.Quote(s))
	}
	return on, nil
}

// sensitiveKey reports whether a configuration key likely holds a secret.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"secret", "password", "token", "signature", "code", "credential", "private", "header", "apikey"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// redacted returns c with its secrets masked.
func (c Configuration) redacted() Configuration {
	c.OAuthAPISecret = redact.Mask(c.OAuthAPISecret)
	c.EventSignatureKey = redact.Mask(c.EventSignatureKey)
	if c.Extra != nil {
		c.Extra = maps.Clone(c.Extra)
		for k, v := range c.Extra {
			if sensitiveKey(k) && v != nil {
				c.Extra[k] = redact.Text
			}
		}
	}
	return c
}

// String prints the configuration with its secrets redacted.
func (c Configuration) String() string {
	type plain Configuration // no methods: printed field by field
	return fmt.Sprintf("%+v", plain(c.redacted()))
}

// GoString is like String.
func (c Configuration) GoString() string { return "elements.Configuration" + c.String() }

// Format prints the redacted form for every verb.
func (c Configuration) Format(f fmt.State, verb rune) { redact.Format(f, verb, c) }

// LogValue makes slog print the set fields, secrets redacted.
func (c Configuration) LogValue() slog.Value {
	r := c.redacted()
	var attrs []slog.Attr
	for _, f := range r.stringFields() {
		if *f.val != "" && *f.val != `""` {
			attrs = append(attrs, slog.String(f.key, *f.val))
		}
	}
	if c.EventsEnabled {
		attrs = append(attrs, slog.Bool(ConfigEventsEnabled, true))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
		attrs = append(attrs, slog.Any(k, r.Extra[k]))
	}
	return slog.GroupValue(attrs...)
}

// ConfigurationEntry is one entry of GET /instances/{id}/configuration.
// PropertyValue of a secret key comes back masked ("********").
type ConfigurationEntry struct {
	ID            int64
	Key           string
	Name          string
	Description   string
	PropertyValue string
	Type          string
	Required      bool
	Hidden        bool // hideFromConsole
}

// configurationEntryWire is a ConfigurationEntry on the wire.
type configurationEntryWire struct {
	ID            flex.Int64  `json:"id"`
	Key           flex.String `json:"key"`
	Name          flex.String `json:"name,omitempty"`
	Description   flex.String `json:"description,omitempty"`
	PropertyValue flex.String `json:"propertyValue"`
	Type          flex.String `json:"type,omitempty"`
	Required      bool        `json:"required"`
	Hidden        bool        `json:"hideFromConsole"`
}

func (w *configurationEntryWire) entry() *ConfigurationEntry {
	return &ConfigurationEntry{
		ID: int64(w.ID), Key: string(w.Key), Name: string(w.Name),
		Description: string(w.Description), PropertyValue: string(w.PropertyValue),
		Type: string(w.Type), Required: w.Required, Hidden: w.Hidden,
	}
}

// UnmarshalJSON implements json.Unmarshaler; unknown fields are ignored.
func (e *ConfigurationEntry) UnmarshalJSON(b []byte) error {
	var w configurationEntryWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding configuration entry: %w", err)
	}
	*e = *w.entry()
	return nil
}

// String prints the entry, redacting the value of sensitive keys.
func (e ConfigurationEntry) String() string {
	type plain ConfigurationEntry
	p := plain(e)
	if sensitiveKey(p.Key) {
		p.PropertyValue = redact.Mask(p.PropertyValue)
	}
	return fmt.Sprintf("%+v", p)
}

// GoString is like String.
func (e ConfigurationEntry) GoString() string { return "elements.ConfigurationEntry" + e.String() }

// Format prints the redacted form for every verb.
func (e ConfigurationEntry) Format(f fmt.State, verb rune) { redact.Format(f, verb, e) }

// LogValue makes slog print the entry, a sensitive key's value redacted.
func (e ConfigurationEntry) LogValue() slog.Value {
	v := e.PropertyValue
	if sensitiveKey(e.Key) {
		v = redact.Mask(v)
	}
	return slog.GroupValue(slog.Int64("id", e.ID), slog.String("key", e.Key), slog.String("propertyValue", v))
}
