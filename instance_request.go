package elements

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/elementsgo/elements/internal/redact"
)

// InstanceRequest is the body that creates (or fully replaces) an element
// instance. For Acuity Scheduling, acuity.NewInstanceRequest builds it.
// Empty fields are not sent; the rest is encoded in the documented order.
type InstanceRequest struct {
	Element       ElementRef    `json:"element,omitzero"`
	ProviderData  ProviderData  `json:"providerData,omitzero"`
	Configuration Configuration `json:"configuration,omitzero"`
	Tags          []string      `json:"tags,omitempty"`
	Name          string        `json:"name,omitempty"`

	// ExternalAuthentication, e.g. "initial" with oauth.user.refresh_token
	// in the configuration, creates an instance from tokens obtained outside
	// the platform.
	ExternalAuthentication string `json:"externalAuthentication,omitempty"`
	// RetrieveObjectsAfterInstantiation asks the platform to read the
	// vendor's objects once the instance exists.
	RetrieveObjectsAfterInstantiation bool `json:"retrieveObjectsAfterInstantiation,omitempty"`
}

// inspect reads r's configuration and providerData as they are sent and
// returns the values to redact from errors and logs: every string of
// providerData (the code above all) and every string of the configuration
// under a key that names a secret (sensitiveKey), at any depth. It fails
// with an error wrapping ErrMaskedValue, naming the key, if a string
// anywhere in them is MaskedValue: the platform masks secrets by key, and
// no real value of any key is the mask. Each value is read in the form it
// is sent, whatever Go type holds it in Extra (a *string, a named string
// type, a json.RawMessage, a json.Marshaler, a value nested in a map, a
// list or a struct: see sentForm).
func (r *InstanceRequest) inspect() ([]string, error) {
	secrets := make([]string, 0, 4)
	field := func(part, key, v string, secret bool) error {
		if secret && v != "" {
			secrets = append(secrets, v)
		}
		if v == MaskedValue {
			return fmt.Errorf("%w: %s %s", ErrMaskedValue, part, key)
		}
		return nil
	}
	extra := func(part, key string, v any, secret bool) error {
		sent, err := sentForm(v)
		if err != nil {
			return fmt.Errorf("encoding the request body: %s %s: %w", part, key, err)
		}
		if readSent(sent, secret, &secrets) {
			return fmt.Errorf("%w: %s %s", ErrMaskedValue, part, key)
		}
		return nil
	}
	c, p := &r.Configuration, &r.ProviderData
	for _, f := range c.stringFields() {
		if err := field("configuration", f.key, *f.val, sensitiveKey(f.key)); err != nil {
			return nil, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		if err := extra("configuration", k, c.Extra[k], sensitiveKey(k)); err != nil {
			return nil, err
		}
	}
	if err := field("providerData", "code", p.Code, true); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
		if err := extra("providerData", k, p.Extra[k], true); err != nil {
			return nil, err
		}
	}
	return secrets, nil
}

// sentForm returns v, a value of Extra, in the form the platform receives
// it: decoded from its JSON encoding (a json.RawMessage, a *string or a
// named string type becomes a string; a struct, a map or a list becomes
// map[string]any or []any). A string, a boolean, a number or nil, the
// common values, are their own form and are not encoded again.
func sentForm(v any) (any, error) {
	switch v.(type) {
	case nil, string, bool, int, int64, float64:
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var sent any
	if err := json.Unmarshal(b, &sent); err != nil {
		return nil, err
	}
	return sent, nil
}

// readSent reads v, a value in its sent form (sentForm), at any depth: it
// appends to secrets each string that is secret (secret is true, or the
// string is under a key that names a secret) and reports whether any string
// is MaskedValue.
func readSent(v any, secret bool, secrets *[]string) (masked bool) {
	switch x := v.(type) {
	case string:
		if secret && x != "" {
			*secrets = append(*secrets, x)
		}
		return x == MaskedValue
	case map[string]any:
		for k, e := range x {
			masked = readSent(e, secret || sensitiveKey(k), secrets) || masked
		}
	case []any:
		for _, e := range x {
			masked = readSent(e, secret, secrets) || masked
		}
	}
	return masked
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

// LogValue makes slog print the request, secrets redacted.
func (r InstanceRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("element", r.Element.Key), slog.Int64("elementId", r.Element.ID),
		slog.String("name", r.Name), slog.Any("tags", r.Tags),
		slog.Any("providerData", r.ProviderData), slog.Any("configuration", r.Configuration))
}

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
	Code string `json:"code,omitempty"`
	// Extra holds any other providerData key. A key also set by Code is an
	// error when marshaling.
	Extra map[string]any `json:"-"`
}

// IsZero reports whether nothing is set.
func (p ProviderData) IsZero() bool { return p.Code == "" && len(p.Extra) == 0 }

// MarshalJSON implements json.Marshaler: "code" if set, then Extra.
func (p ProviderData) MarshalJSON() ([]byte, error) {
	type fields ProviderData // without this method
	b, err := json.Marshal(fields(p))
	if err != nil {
		return nil, err
	}
	return withExtra(b, p.Extra, "providerData", func(k string) bool { return k == "code" && p.Code != "" })
}

// UnmarshalJSON implements json.Unmarshaler; keys other than "code" go to Extra.
func (p *ProviderData) UnmarshalJSON(b []byte) error {
	return unmarshalObject(b, p, providerDataFrom)
}

// providerDataFrom builds ProviderData from a decoded JSON value: an object
// (map[string]any, which it takes over as Extra) or null.
func providerDataFrom(v any) (ProviderData, error) {
	var p ProviderData
	m, err := object(v, "providerData")
	if err != nil {
		return p, err
	}
	if code, ok := m["code"]; ok {
		p.Code = jsonText(code)
		delete(m, "code")
	}
	delete(m, "") // not a key anyone can set; keeps the value re-encodable
	if len(m) > 0 {
		p.Extra = m
	}
	return p, nil
}

// String prints the provider data with every value redacted.
func (p ProviderData) String() string {
	return fmt.Sprintf("{Code:%s Extra:%v}", redact.Mask(p.Code), slices.Sorted(maps.Keys(p.Extra)))
}

// GoString is like String.
func (p ProviderData) GoString() string { return "elements.ProviderData" + p.String() }

// Format prints the redacted form for every verb.
func (p ProviderData) Format(f fmt.State, verb rune) { redact.Format(f, verb, p) }

// LogValue makes slog print whether a code is set and the other keys, every
// value redacted.
func (p ProviderData) LogValue() slog.Value {
	return slog.GroupValue(slog.String("code", redact.Mask(p.Code)), slog.Any("keys", slices.Sorted(maps.Keys(p.Extra))))
}
