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

// encode returns r as the JSON body the platform is sent, and the values
// in it to redact from errors and logs: every string of providerData (the
// code above all) and every string of the configuration under a key that
// names a secret (sensitiveKey), at any depth. It fails with an error
// wrapping ErrMaskedValue, naming the key, if a string anywhere in the
// configuration or providerData is MaskedValue: the platform masks secrets
// by key, and no real value of any key is the mask. Both read what would be
// sent, whatever Go type holds it in Extra (a string, a *string, a named
// string type, a json.RawMessage, a json.Marshaler, a value nested in a
// map, a list or a struct).
func (r *InstanceRequest) encode() (body []byte, secrets []string, err error) {
	body, err = json.Marshal(r)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the request body: %w", err)
	}
	var sent struct {
		Configuration map[string]any `json:"configuration"`
		ProviderData  map[string]any `json:"providerData"`
	}
	if err := json.Unmarshal(body, &sent); err != nil {
		return nil, nil, err
	}
	for _, part := range []struct {
		name   string
		values map[string]any
		all    bool // every string is a secret
	}{{"configuration", sent.Configuration, false}, {"providerData", sent.ProviderData, true}} {
		for _, k := range slices.Sorted(maps.Keys(part.values)) {
			masked := false
			walkStrings(part.values[k], part.all || sensitiveKey(k), func(s string, secret bool) {
				masked = masked || s == MaskedValue
				if secret {
					secrets = append(secrets, s)
				}
			})
			if masked {
				return nil, nil, fmt.Errorf("%w: %s %s", ErrMaskedValue, part.name, k)
			}
		}
	}
	return body, secrets, nil
}

// walkStrings calls f with every string in the decoded JSON value v, at any
// depth, and whether it is a secret: secret, or under a key that names one.
func walkStrings(v any, secret bool, f func(s string, secret bool)) {
	switch x := v.(type) {
	case string:
		f(x, secret)
	case map[string]any:
		for k, e := range x {
			walkStrings(e, secret || sensitiveKey(k), f)
		}
	case []any:
		for _, e := range x {
			walkStrings(e, secret, f)
		}
	}
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
