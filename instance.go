package elements

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"

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

// ElementRef names the element an instance is created for: by Key (for
// example "acuityscheduling") or by numeric ID.
type ElementRef struct {
	Key string `json:"key,omitempty"`
	ID  int64  `json:"id,omitempty"`
}

// IsZero reports whether neither key nor id is set.
func (e ElementRef) IsZero() bool { return e.Key == "" && e.ID == 0 }

// ProviderData carries what the vendor's OAuth flow returned, chiefly the
// authorization code. Code is a secret: it never appears in printed output.
type ProviderData struct {
	// Code is the OAuth authorization grant code ("code").
	Code string
	// Extra holds any other providerData key. A key also set by Code is an
	// error when marshaling.
	Extra map[string]any
}

// IsZero reports whether nothing is set.
func (p ProviderData) IsZero() bool { return p.Code == "" && len(p.Extra) == 0 }

// MarshalJSON implements json.Marshaler: "code" if set, then Extra.
func (p ProviderData) MarshalJSON() ([]byte, error) {
	return json.Marshal(p.wire())
}

// providerDataWire is ProviderData without Extra: a plain struct encodes
// without the map's reflection and key sorting.
type providerDataWire struct {
	Code string `json:"code,omitempty"`
}

// wire returns what encodes as p: a providerDataWire when Extra is empty,
// else the map form.
func (p *ProviderData) wire() any { return p.wireInto(new(providerDataWire)) }

// wireInto is wire, filling w when the struct form applies.
func (p *ProviderData) wireInto(w *providerDataWire) any {
	if len(p.Extra) == 0 {
		w.Code = p.Code
		return w
	}
	return providerDataMap(*p)
}

// providerDataMap encodes ProviderData with Extra through a map.
type providerDataMap ProviderData

func (p providerDataMap) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(p.Extra)+1)
	if p.Code != "" {
		m["code"] = p.Code
	}
	if err := mergeExtra(m, p.Extra, "providerData"); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// UnmarshalJSON implements json.Unmarshaler; keys other than "code" go to Extra.
func (p *ProviderData) UnmarshalJSON(b []byte) error {
	if isEmptyObject(b) { // the usual answer, without a map
		*p = ProviderData{}
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("elements: providerData is not a JSON object: %w", err)
	}
	*p = ProviderData{}
	if v, ok := m["code"]; ok {
		p.Code = jsonText(v)
		delete(m, "code")
	}
	delete(m, "") // not a key anyone can set; keeps the value re-encodable
	if len(m) > 0 {
		p.Extra = m
	}
	return nil
}

// String prints the provider data with every value redacted.
func (p ProviderData) String() string {
	keys := make([]string, 0, len(p.Extra))
	for k := range p.Extra {
		keys = append(keys, k)
	}
	return fmt.Sprintf("{Code:%s Extra:%v}", redact.Mask(p.Code), keys)
}

// GoString is like String.
func (p ProviderData) GoString() string { return "elements.ProviderData" + p.String() }

// Format prints the redacted form for every verb.
func (p ProviderData) Format(f fmt.State, verb rune) { redact.Format(f, verb, p) }

// LogValue makes slog print the redacted form.
func (p ProviderData) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Configuration is an instance's configuration map with the documented keys
// as fields. Empty fields are not sent; EventsEnabled is sent as the JSON
// boolean true when set (to send an explicit false, put
// ConfigEventsEnabled: false in Extra).
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
	OAuthAPIKey       string // oauth.api.key: the OAuth client id
	OAuthAPISecret    string // oauth.api.secret: the OAuth client secret
	OAuthCallbackURL  string // oauth.callback.url: the OAuth redirect URI
	EventsEnabled     bool   // event.notification.enabled, a JSON boolean
	EventCallbackURL  string // event.notification.callback.url
	EventSignatureKey string // event.notification.signature.key
	EventVendorType   string // event.vendor.type: "webhook" or "polling"

	// Extra holds every other key.
	Extra map[string]any
}

// IsZero reports whether nothing would be sent.
func (c Configuration) IsZero() bool {
	return c.OAuthAPIKey == "" && c.OAuthAPISecret == "" && c.OAuthCallbackURL == "" &&
		!c.EventsEnabled && c.EventCallbackURL == "" && c.EventSignatureKey == "" &&
		c.EventVendorType == "" && len(c.Extra) == 0
}

func (c Configuration) stringFields() []struct{ key, val string } {
	return []struct{ key, val string }{
		{ConfigOAuthAPIKey, c.OAuthAPIKey},
		{ConfigOAuthAPISecret, c.OAuthAPISecret},
		{ConfigOAuthCallbackURL, c.OAuthCallbackURL},
		{ConfigEventCallbackURL, c.EventCallbackURL},
		{ConfigEventSignatureKey, c.EventSignatureKey},
		{ConfigEventVendorType, c.EventVendorType},
	}
}

// MarshalJSON implements json.Marshaler.
func (c Configuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.wire())
}

// configurationWire is Configuration without Extra, its fields in the order
// of their keys, so it encodes exactly as the map form (encoding/json sorts
// map keys) without the map's reflection and sorting.
type configurationWire struct {
	EventCallbackURL  string `json:"event.notification.callback.url,omitempty"`
	EventsEnabled     bool   `json:"event.notification.enabled,omitempty"`
	EventSignatureKey string `json:"event.notification.signature.key,omitempty"`
	EventVendorType   string `json:"event.vendor.type,omitempty"`
	OAuthAPIKey       string `json:"oauth.api.key,omitempty"`
	OAuthAPISecret    string `json:"oauth.api.secret,omitempty"`
	OAuthCallbackURL  string `json:"oauth.callback.url,omitempty"`
}

// wire returns what encodes as c: a configurationWire when Extra is empty,
// else the map form.
func (c *Configuration) wire() any { return c.wireInto(new(configurationWire)) }

// wireInto is wire, filling w when the struct form applies.
func (c *Configuration) wireInto(w *configurationWire) any {
	if len(c.Extra) == 0 {
		*w = configurationWire{
			EventCallbackURL: c.EventCallbackURL, EventsEnabled: c.EventsEnabled,
			EventSignatureKey: c.EventSignatureKey, EventVendorType: c.EventVendorType,
			OAuthAPIKey: c.OAuthAPIKey, OAuthAPISecret: c.OAuthAPISecret, OAuthCallbackURL: c.OAuthCallbackURL,
		}
		return w
	}
	return configurationMap(*c)
}

// configurationMap encodes a Configuration with Extra through a map.
type configurationMap Configuration

func (c configurationMap) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 8+len(c.Extra))
	for _, f := range Configuration(c).stringFields() {
		if f.val != "" {
			m[f.key] = f.val
		}
	}
	if c.EventsEnabled {
		m[ConfigEventsEnabled] = true
	}
	if err := mergeExtra(m, c.Extra, "configuration"); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// mergeExtra adds extra to m, refusing empty keys and keys m already has.
func mergeExtra(m, extra map[string]any, what string) error {
	for k, v := range extra {
		if k == "" {
			return fmt.Errorf("elements: %s: Extra has an empty key", what)
		}
		if _, dup := m[k]; dup {
			return fmt.Errorf("elements: %s: key %q is set both by a field and in Extra", what, k)
		}
		m[k] = v
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler. Values may be strings,
// numbers or booleans; event.notification.enabled may be true/false or
// "true"/"false".
func (c *Configuration) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) || isEmptyObject(b) {
		*c = Configuration{}
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("elements: configuration is not a JSON object: %w", err)
	}
	out := Configuration{}
	fields := map[string]*string{
		ConfigOAuthAPIKey:       &out.OAuthAPIKey,
		ConfigOAuthAPISecret:    &out.OAuthAPISecret,
		ConfigOAuthCallbackURL:  &out.OAuthCallbackURL,
		ConfigEventCallbackURL:  &out.EventCallbackURL,
		ConfigEventSignatureKey: &out.EventSignatureKey,
		ConfigEventVendorType:   &out.EventVendorType,
	}
	for k, raw := range m {
		if k == "" {
			continue // not a key anyone can set; keeps the value re-encodable
		}
		if dst, ok := fields[k]; ok {
			var s flex.String
			if err := s.UnmarshalJSON(raw); err != nil {
				return fmt.Errorf("elements: configuration %q: want a string", k)
			}
			*dst = string(s)
			continue
		}
		if k == ConfigEventsEnabled {
			v, err := parseFlexBool(raw)
			if err != nil {
				return fmt.Errorf("elements: configuration %q: %w", k, err)
			}
			out.EventsEnabled = v
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("elements: configuration %q: %w", k, err)
		}
		if out.Extra == nil {
			out.Extra = make(map[string]any)
		}
		out.Extra[k] = v
	}
	*c = out
	return nil
}

// isEmptyObject reports whether b is a JSON object without members.
func isEmptyObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// parseFlexBool accepts a JSON boolean, a string "true"/"false" (any case),
// an empty string or null (false).
func parseFlexBool(raw json.RawMessage) (bool, error) {
	var s flex.String
	if err := s.UnmarshalJSON(raw); err != nil {
		return false, errors.New("want a boolean")
	}
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(strings.ToLower(string(s)))
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean", s)
	}
	return v, nil
}

// secretValues lists the values to redact from errors and logs.
func (c Configuration) secretValues() []string { return c.appendSecretValues(nil) }

// appendSecretValues appends what secretValues lists to s.
func (c *Configuration) appendSecretValues(s []string) []string {
	s = append(s, c.OAuthAPISecret, c.EventSignatureKey)
	for k, v := range c.Extra {
		if str, ok := v.(string); ok && sensitiveKey(k) {
			s = append(s, str)
		}
	}
	return s
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

// String prints the configuration with its secrets redacted.
func (c Configuration) String() string {
	type plain Configuration // no methods: printed field by field
	p := plain(c)
	p.OAuthAPISecret = redact.Mask(p.OAuthAPISecret)
	p.EventSignatureKey = redact.Mask(p.EventSignatureKey)
	if c.Extra != nil {
		p.Extra = maps.Clone(c.Extra)
		for k, v := range p.Extra {
			if sensitiveKey(k) && v != nil {
				p.Extra[k] = redact.Text
			}
		}
	}
	return fmt.Sprintf("%+v", p)
}

// GoString is like String.
func (c Configuration) GoString() string { return "elements.Configuration" + c.String() }

// Format prints the redacted form for every verb.
func (c Configuration) Format(f fmt.State, verb rune) { redact.Format(f, verb, c) }

// LogValue makes slog print the redacted form.
func (c Configuration) LogValue() slog.Value { return slog.StringValue(c.String()) }

// InstanceRequest is the body that creates (or fully replaces) an element
// instance. For Acuity Scheduling, acuity.NewInstanceRequest builds it.
// Empty fields are not sent.
type InstanceRequest struct {
	Element       ElementRef
	ProviderData  ProviderData
	Configuration Configuration
	Tags          []string
	Name          string

	// ExternalAuthentication, e.g. "initial" with oauth.user.refresh_token
	// in the configuration, creates an instance from tokens obtained outside
	// the platform.
	ExternalAuthentication string
	// RetrieveObjectsAfterInstantiation asks the platform to read the
	// vendor's objects once the instance exists.
	RetrieveObjectsAfterInstantiation bool
}

type instanceRequestWire struct {
	Element                           *ElementRef `json:"element,omitempty"`
	ProviderData                      any         `json:"providerData,omitempty"`  // ProviderData.wire()
	Configuration                     any         `json:"configuration,omitempty"` // Configuration.wire()
	Tags                              []string    `json:"tags,omitempty"`
	Name                              string      `json:"name,omitempty"`
	ExternalAuthentication            string      `json:"externalAuthentication,omitempty"`
	RetrieveObjectsAfterInstantiation bool        `json:"retrieveObjectsAfterInstantiation,omitempty"`
}

// MarshalJSON implements json.Marshaler, producing the documented body.
func (r InstanceRequest) MarshalJSON() ([]byte, error) { return r.marshalWire() }

// marshalWire is MarshalJSON; Client.NewRequest calls it directly, sparing
// encoding/json's second pass over a Marshaler's output.
func (r InstanceRequest) marshalWire() ([]byte, error) {
	b := &requestBox{el: r.Element}
	b.w = instanceRequestWire{
		Tags:                              r.Tags,
		Name:                              r.Name,
		ExternalAuthentication:            r.ExternalAuthentication,
		RetrieveObjectsAfterInstantiation: r.RetrieveObjectsAfterInstantiation,
	}
	if !r.Element.IsZero() {
		b.w.Element = &b.el
	}
	if !r.ProviderData.IsZero() {
		b.w.ProviderData = r.ProviderData.wireInto(&b.pd)
	}
	if !r.Configuration.IsZero() {
		b.w.Configuration = r.Configuration.wireInto(&b.cfg)
	}
	return json.Marshal(&b.w)
}

// requestBox holds an instanceRequestWire and what its pointers point to,
// so that encoding a request allocates once for all of them.
type requestBox struct {
	w   instanceRequestWire
	el  ElementRef
	pd  providerDataWire
	cfg configurationWire
}

// UnmarshalJSON implements json.Unmarshaler (for fakes and tests that read a
// create body).
func (r *InstanceRequest) UnmarshalJSON(b []byte) error {
	var w struct {
		Element *struct {
			Key flex.String `json:"key"`
			ID  flex.Int64  `json:"id"`
		} `json:"element"`
		ProviderData                      ProviderData  `json:"providerData"`
		Configuration                     Configuration `json:"configuration"`
		Tags                              tagList       `json:"tags"`
		Name                              flex.String   `json:"name"`
		ExternalAuthentication            flex.String   `json:"externalAuthentication"`
		RetrieveObjectsAfterInstantiation bool          `json:"retrieveObjectsAfterInstantiation"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding instance request: %w", err)
	}
	*r = InstanceRequest{
		ProviderData:                      w.ProviderData,
		Configuration:                     w.Configuration,
		Tags:                              []string(w.Tags),
		Name:                              string(w.Name),
		ExternalAuthentication:            string(w.ExternalAuthentication),
		RetrieveObjectsAfterInstantiation: w.RetrieveObjectsAfterInstantiation,
	}
	if w.Element != nil {
		r.Element = ElementRef{Key: string(w.Element.Key), ID: int64(w.Element.ID)}
	}
	return nil
}

// secretValues lists the values to redact from errors and logs.
func (r InstanceRequest) secretValues() []string {
	s := make([]string, 0, 3+len(r.Configuration.Extra)+len(r.ProviderData.Extra))
	s = append(r.Configuration.appendSecretValues(s), r.ProviderData.Code)
	for _, v := range r.ProviderData.Extra {
		if str, ok := v.(string); ok {
			s = append(s, str)
		}
	}
	return s
}

// String prints the request with its secrets redacted.
func (r InstanceRequest) String() string {
	type plain InstanceRequest
	return fmt.Sprintf("%+v", plain(r)) // ProviderData and Configuration redact themselves
}

// GoString is like String.
func (r InstanceRequest) GoString() string { return "elements.InstanceRequest" + r.String() }

// Format prints the redacted form for every verb.
func (r InstanceRequest) Format(f fmt.State, verb rune) { redact.Format(f, verb, r) }

// LogValue makes slog print the redacted form.
func (r InstanceRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

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

type elementWire struct {
	ID             flex.Int64  `json:"id,omitempty"`
	Key            flex.String `json:"key,omitempty"`
	Name           flex.String `json:"name,omitempty"`
	Description    flex.String `json:"description,omitempty"`
	Image          flex.String `json:"image,omitempty"`
	Hub            flex.String `json:"hub,omitempty"`
	ProtocolType   flex.String `json:"protocolType,omitempty"`
	Authentication *struct {
		Type flex.String `json:"type,omitempty"`
	} `json:"authentication,omitempty"`
	Active  bool `json:"active"`
	Deleted bool `json:"deleted"`
	Beta    bool `json:"beta"`
	Private bool `json:"private"`
}

// MarshalJSON implements json.Marshaler with the platform's field names.
func (e Element) MarshalJSON() ([]byte, error) {
	return json.Marshal(e.wire())
}

func (e *Element) wire() *elementWire {
	w := &elementWire{
		ID: flex.Int64(e.ID), Key: flex.String(e.Key), Name: flex.String(e.Name),
		Description: flex.String(e.Description), Image: flex.String(e.Image),
		Hub: flex.String(e.Hub), ProtocolType: flex.String(e.ProtocolType),
		Active: e.Active, Deleted: e.Deleted, Beta: e.Beta, Private: e.Private,
	}
	if e.AuthenticationType != "" {
		w.Authentication = &struct {
			Type flex.String `json:"type,omitempty"`
		}{flex.String(e.AuthenticationType)}
	}
	return w
}

// UnmarshalJSON implements json.Unmarshaler; unknown fields are ignored.
func (e *Element) UnmarshalJSON(b []byte) error {
	var w elementWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding element: %w", err)
	}
	*e = w.element()
	return nil
}

func (w *elementWire) element() Element {
	e := Element{
		ID: int64(w.ID), Key: string(w.Key), Name: string(w.Name),
		Description: string(w.Description), Image: string(w.Image),
		Hub: string(w.Hub), ProtocolType: string(w.ProtocolType),
		Active: w.Active, Deleted: w.Deleted, Beta: w.Beta, Private: w.Private,
	}
	if w.Authentication != nil {
		e.AuthenticationType = string(w.Authentication.Type)
	}
	return e
}

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

type instanceWire struct {
	ID                            flex.Int64     `json:"id"`
	Name                          flex.String    `json:"name,omitempty"`
	Token                         flex.String    `json:"token,omitempty"`
	CreatedDate                   *jsonTime      `json:"createdDate,omitempty"`
	UpdatedDate                   *jsonTime      `json:"updatedDate,omitempty"`
	Element                       *elementWire   `json:"element,omitempty"` // decoded in the same pass as the instance
	ElementID                     flex.Int64     `json:"elementId,omitempty"`
	Tags                          tagList        `json:"tags,omitempty"`
	Valid                         bool           `json:"valid"`
	Disabled                      bool           `json:"disabled"`
	EventsEnabled                 bool           `json:"eventsEnabled"`
	EventsNotificationCallbackURL flex.String    `json:"eventsNotificationCallbackUrl,omitempty"`
	SubscriptionID                flex.String    `json:"subscriptionId,omitempty"`
	TraceLoggingEnabled           bool           `json:"traceLoggingEnabled"`
	CachingEnabled                bool           `json:"cachingEnabled"`
	MaxCacheSize                  flex.Int64     `json:"maxCacheSize"`
	CacheTimeToLive               flex.Int64     `json:"cacheTimeToLive"`
	ExternalAuthentication        flex.String    `json:"externalAuthentication,omitempty"`
	ProviderData                  *ProviderData  `json:"providerData,omitempty"`
	Configuration                 *Configuration `json:"configuration,omitempty"`
	User                          *struct {
		ID flex.Int64 `json:"id"`
	} `json:"user,omitempty"`
}

// MarshalJSON implements json.Marshaler with the platform's field names
// (for fakes); the output includes the token.
func (i Instance) MarshalJSON() ([]byte, error) {
	w := instanceWire{
		ID: flex.Int64(i.ID), Name: flex.String(i.Name), Token: flex.String(i.Token),
		Element: i.Element.wire(), ElementID: flex.Int64(i.ElementID), Tags: tagList(i.Tags),
		Valid: i.Valid, Disabled: i.Disabled, EventsEnabled: i.EventsEnabled,
		EventsNotificationCallbackURL: flex.String(i.EventsNotificationCallbackURL),
		SubscriptionID:                flex.String(i.SubscriptionID),
		TraceLoggingEnabled:           i.TraceLoggingEnabled, CachingEnabled: i.CachingEnabled,
		MaxCacheSize: flex.Int64(i.MaxCacheSize), CacheTimeToLive: flex.Int64(i.CacheTimeToLive),
		ExternalAuthentication: flex.String(i.ExternalAuthentication),
		ProviderData:           &i.ProviderData, Configuration: &i.Configuration,
	}
	if !i.CreatedDate.IsZero() {
		w.CreatedDate = (*jsonTime)(&i.CreatedDate)
	}
	if !i.UpdatedDate.IsZero() {
		w.UpdatedDate = (*jsonTime)(&i.UpdatedDate)
	}
	if i.UserID != 0 {
		w.User = &struct {
			ID flex.Int64 `json:"id"`
		}{flex.Int64(i.UserID)}
	}
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
	*i = w.instance()
	return nil
}

// decodeBody decodes an API answer (size bytes if known, else -1) into i,
// with the result and errors of json.NewDecoder(body).Decode(i). The
// documented answer (ids as numbers, tags as strings, RFC 3339 dates)
// decodes straight into plain Go types, about as fast as a hand-written
// struct; anything else, or anything that fails, is decoded again by that
// general path from the same bytes.
func (i *Instance) decodeBody(body io.Reader, size int64) error {
	b, err := readBody(body, size)
	if err != nil {
		return err
	}
	var w instanceStrict
	if json.Unmarshal(b, &w) == nil {
		*i = w.instance()
		return nil
	}
	return json.NewDecoder(bytes.NewReader(b)).Decode(i)
}

// readBody reads r to the end into one buffer sized from size when known.
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size < 0 || size > 1<<20 {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, size+1) // +1: the read that sees EOF needs room
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// instanceStrict is the documented answer with plain Go types. It accepts a
// subset of what instanceWire accepts and, for that subset, decodes the same
// Instance (FuzzInstanceStrict checks it).
type instanceStrict struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Token       string    `json:"token"`
	CreatedDate time.Time `json:"createdDate"`
	UpdatedDate time.Time `json:"updatedDate"`
	Element     *struct {
		ID             int64  `json:"id"`
		Key            string `json:"key"`
		Name           string `json:"name"`
		Description    string `json:"description"`
		Image          string `json:"image"`
		Hub            string `json:"hub"`
		ProtocolType   string `json:"protocolType"`
		Authentication *struct {
			Type string `json:"type"`
		} `json:"authentication"`
		Active  bool `json:"active"`
		Deleted bool `json:"deleted"`
		Beta    bool `json:"beta"`
		Private bool `json:"private"`
	} `json:"element"`
	ElementID                     int64          `json:"elementId"`
	Tags                          []string       `json:"tags"`
	Valid                         bool           `json:"valid"`
	Disabled                      bool           `json:"disabled"`
	EventsEnabled                 bool           `json:"eventsEnabled"`
	EventsNotificationCallbackURL string         `json:"eventsNotificationCallbackUrl"`
	SubscriptionID                string         `json:"subscriptionId"`
	TraceLoggingEnabled           bool           `json:"traceLoggingEnabled"`
	CachingEnabled                bool           `json:"cachingEnabled"`
	MaxCacheSize                  int64          `json:"maxCacheSize"`
	CacheTimeToLive               int64          `json:"cacheTimeToLive"`
	ExternalAuthentication        string         `json:"externalAuthentication"`
	ProviderData                  *ProviderData  `json:"providerData"`
	Configuration                 *Configuration `json:"configuration"`
	User                          *struct {
		ID int64 `json:"id"`
	} `json:"user"`
}

func (w *instanceStrict) instance() Instance {
	i := Instance{
		ID: w.ID, Name: w.Name, Token: w.Token, CreatedDate: w.CreatedDate, UpdatedDate: w.UpdatedDate,
		ElementID: w.ElementID, Tags: w.Tags,
		Valid: w.Valid, Disabled: w.Disabled, EventsEnabled: w.EventsEnabled,
		EventsNotificationCallbackURL: w.EventsNotificationCallbackURL, SubscriptionID: w.SubscriptionID,
		TraceLoggingEnabled: w.TraceLoggingEnabled, CachingEnabled: w.CachingEnabled,
		MaxCacheSize: w.MaxCacheSize, CacheTimeToLive: w.CacheTimeToLive,
		ExternalAuthentication: w.ExternalAuthentication,
	}
	if e := w.Element; e != nil {
		i.Element = Element{ID: e.ID, Key: e.Key, Name: e.Name, Description: e.Description, Image: e.Image,
			Hub: e.Hub, ProtocolType: e.ProtocolType, Active: e.Active, Deleted: e.Deleted, Beta: e.Beta, Private: e.Private}
		if e.Authentication != nil {
			i.Element.AuthenticationType = e.Authentication.Type
		}
	}
	if w.ProviderData != nil {
		i.ProviderData = *w.ProviderData
	}
	if w.Configuration != nil {
		i.Configuration = *w.Configuration
	}
	if w.User != nil {
		i.UserID = w.User.ID
	}
	return i
}

func (w *instanceWire) instance() Instance {
	i := Instance{
		ID: int64(w.ID), Name: string(w.Name), Token: string(w.Token),
		ElementID: int64(w.ElementID), Tags: []string(w.Tags),
		Valid: w.Valid, Disabled: w.Disabled, EventsEnabled: w.EventsEnabled,
		EventsNotificationCallbackURL: string(w.EventsNotificationCallbackURL),
		SubscriptionID:                string(w.SubscriptionID),
		TraceLoggingEnabled:           w.TraceLoggingEnabled, CachingEnabled: w.CachingEnabled,
		MaxCacheSize: int64(w.MaxCacheSize), CacheTimeToLive: int64(w.CacheTimeToLive),
		ExternalAuthentication: string(w.ExternalAuthentication),
	}
	if w.CreatedDate != nil {
		i.CreatedDate = time.Time(*w.CreatedDate)
	}
	if w.UpdatedDate != nil {
		i.UpdatedDate = time.Time(*w.UpdatedDate)
	}
	if w.Element != nil {
		i.Element = w.Element.element()
	}
	if w.ProviderData != nil {
		i.ProviderData = *w.ProviderData
	}
	if w.Configuration != nil {
		i.Configuration = *w.Configuration
	}
	if w.User != nil {
		i.UserID = int64(w.User.ID)
	}
	return i
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

// LogValue makes slog print the redacted form.
func (i Instance) LogValue() slog.Value { return slog.StringValue(i.String()) }

// tagList decodes tags sent as strings or as {id, name} objects.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*t = nil
		return nil
	}
	// The common shape, a list of strings, decodes in one pass; a list
	// with tag objects takes the slower path below.
	var plain []flex.String
	if err := json.Unmarshal(b, &plain); err == nil {
		out := make(tagList, len(plain))
		for i, s := range plain {
			out[i] = string(s)
		}
		*t = out
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return errors.New("tags: want a list")
	}
	out := make(tagList, 0, len(raw))
	for n, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) > 0 && r[0] == '{' {
			var obj struct {
				Name flex.String `json:"name"`
			}
			if err := json.Unmarshal(r, &obj); err != nil {
				return fmt.Errorf("tags[%d]: bad tag object: %w", n, err)
			}
			out = append(out, string(obj.Name))
			continue
		}
		var s flex.String
		if err := s.UnmarshalJSON(r); err != nil {
			return fmt.Errorf("tags[%d]: want a string or an {id, name} object", n)
		}
		out = append(out, string(s))
	}
	*t = out
	return nil
}

// jsonTime decodes the platform's dates: RFC 3339 (with or without a colon
// in the offset, any fraction) or epoch milliseconds. It encodes as RFC 3339.
type jsonTime time.Time

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"}

func (t *jsonTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("date: %.40s is neither a date string nor epoch milliseconds", b)
		}
		v := time.UnixMilli(ms).UTC()
		if v.Year() < 1 || v.Year() > 9999 {
			return fmt.Errorf("date: epoch milliseconds %d out of range", ms)
		}
		*t = jsonTime(v)
		return nil
	}
	var fs flex.String // b is a JSON string literal, checked by encoding/json
	if err := fs.UnmarshalJSON(b); err != nil {
		return err
	}
	s := string(fs)
	if s == "" {
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			*t = jsonTime(v)
			return nil
		}
	}
	return fmt.Errorf("date: cannot parse %.40q", s)
}

func (t jsonTime) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).Format(time.RFC3339Nano))
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

// MarshalJSON implements json.Marshaler with the platform's field names.
func (e ConfigurationEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(configurationEntryWire{
		ID: flex.Int64(e.ID), Key: flex.String(e.Key), Name: flex.String(e.Name),
		Description: flex.String(e.Description), PropertyValue: flex.String(e.PropertyValue),
		Type: flex.String(e.Type), Required: e.Required, Hidden: e.Hidden,
	})
}

// UnmarshalJSON implements json.Unmarshaler; unknown fields are ignored.
func (e *ConfigurationEntry) UnmarshalJSON(b []byte) error {
	var w configurationEntryWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding configuration entry: %w", err)
	}
	*e = ConfigurationEntry{
		ID: int64(w.ID), Key: string(w.Key), Name: string(w.Name),
		Description: string(w.Description), PropertyValue: string(w.PropertyValue),
		Type: string(w.Type), Required: w.Required, Hidden: w.Hidden,
	}
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

// LogValue makes slog print the redacted form.
func (e ConfigurationEntry) LogValue() slog.Value { return slog.StringValue(e.String()) }

// InstanceEvent is one event the platform recorded for an instance (GET
// /instances/{id}/events). The platform does not document its shape: the
// typed fields are filled when present and Raw keeps the whole object.
type InstanceEvent struct {
	ID          string
	EventType   EventType
	ObjectType  string
	ObjectID    string
	ElementKey  string
	CreatedDate time.Time
	Raw         json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler; unknown fields are ignored.
func (e *InstanceEvent) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          flex.String `json:"id"`
		EventType   flex.String `json:"eventType"`
		ObjectType  flex.String `json:"objectType"`
		ObjectID    flex.String `json:"objectId"`
		ElementKey  flex.String `json:"elementKey"`
		CreatedDate *jsonTime   `json:"createdDate"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("elements: decoding instance event: %w", err)
	}
	*e = InstanceEvent{
		ID: string(w.ID), EventType: EventType(w.EventType), ObjectType: string(w.ObjectType),
		ObjectID: string(w.ObjectID), ElementKey: string(w.ElementKey),
		Raw: append(json.RawMessage(nil), b...),
	}
	if w.CreatedDate != nil {
		e.CreatedDate = time.Time(*w.CreatedDate)
	}
	return nil
}
