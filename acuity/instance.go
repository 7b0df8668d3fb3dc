package acuity

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/redact"
)

// ErrInvalidInstanceParams is wrapped by NewInstanceRequest's errors; the
// message names every missing or malformed field.
var ErrInvalidInstanceParams = errors.New("acuity: invalid instance parameters")

// InstanceParams are the named inputs of an Acuity instance with events
// enabled. Code, ClientSecret and SignatureKey are secrets: they never appear
// in the printed form of InstanceParams (String, GoString, %v, %+v, slog).
type InstanceParams struct {
	// Code is the authorization code Acuity put on the redirect (see
	// CodeFromRedirect). Required.
	Code string
	// ClientID and ClientSecret are the Acuity OAuth app's credentials.
	// Required.
	ClientID     string
	ClientSecret string
	// RedirectURI is the app's OAuth redirect URI, exactly as registered
	// with Acuity and used for the authorize step. Required.
	RedirectURI string
	// EventCallbackURL is where the platform POSTs event notifications (the
	// host's WebhookHandler). Required: events are always enabled.
	EventCallbackURL string
	// SignatureKey, if set, makes the platform sign its notifications; give
	// the same key to WebhookHandler.SigningKeys. Optional but recommended.
	SignatureKey string
	// Tags are optional instance tags.
	Tags []string
	// Name is the instance's name. Required.
	Name string
}

// NewInstanceRequest returns the create body for an Acuity instance with
// events enabled, ready for Client.Instances.Create:
//
//	{"element": {"key": "acuityscheduling"},
//	 "providerData": {"code": p.Code},
//	 "configuration": {
//	   "oauth.api.key": p.ClientID, "oauth.api.secret": p.ClientSecret,
//	   "oauth.callback.url": p.RedirectURI,
//	   "event.notification.enabled": true,
//	   "event.notification.callback.url": p.EventCallbackURL,
//	   "event.notification.signature.key": p.SignatureKey},  // only if set
//	 "tags": p.Tags, "name": p.Name}
//
// It returns an error wrapping ErrInvalidInstanceParams that names every
// required field left empty and each URL that is not an absolute http or
// https URL. For anything else (events off, extra configuration keys), build
// or adjust the elements.InstanceRequest directly.
func NewInstanceRequest(p InstanceParams) (*elements.InstanceRequest, error) {
	var problems, missing []string
	for _, f := range []struct{ name, val string }{
		{"Code", p.Code},
		{"ClientID", p.ClientID},
		{"ClientSecret", p.ClientSecret},
		{"RedirectURI", p.RedirectURI},
		{"EventCallbackURL", p.EventCallbackURL},
		{"Name", p.Name},
	} {
		if strings.TrimSpace(f.val) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "missing "+strings.Join(missing, ", "))
	}
	for _, f := range []struct{ name, val string }{
		{"RedirectURI", p.RedirectURI},
		{"EventCallbackURL", p.EventCallbackURL},
	} {
		if f.val != "" && !isHTTPURL(f.val) {
			problems = append(problems, f.name+" is not an absolute http(s) URL")
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidInstanceParams, strings.Join(problems, "; "))
	}
	return &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: ElementKey},
		ProviderData: elements.ProviderData{Code: p.Code},
		Configuration: elements.Configuration{
			OAuthAPIKey:       p.ClientID,
			OAuthAPISecret:    p.ClientSecret,
			OAuthCallbackURL:  p.RedirectURI,
			EventsEnabled:     true,
			EventCallbackURL:  p.EventCallbackURL,
			EventSignatureKey: p.SignatureKey,
		},
		Tags: append([]string(nil), p.Tags...),
		Name: p.Name,
	}, nil
}

// ReauthRequest returns the body for Instances.Reauthenticate of an
// existing instance: the PUT replaces the whole instance, so the body is
// what NewInstanceRequest builds from p, the parameters the application
// stored when it created the instance, with p.Code the new authorization
// code. Secrets (ClientID, ClientSecret, SignatureKey) come from p alone:
// the platform masks them in what Get returns, and sending the mask back
// would overwrite them (Reauthenticate refuses it with
// elements.ErrMaskedValue). When p leaves Name or Tags empty they are taken
// from current, the instance as Get returned it, so tags set since creation
// are kept, and so are current's other configuration keys (event.vendor.type,
// callback headers, ...) that came back unmasked; a masked one (a secret such
// as event.notification.basic.password) cannot be read back: set it in the
// returned request's Configuration.Extra, or the PUT drops it. When current
// has a signature key (masked) and p has none, it returns an error wrapping
// ErrInvalidInstanceParams: re-authenticating would remove the key, and the
// host's webhook would reject every event.
func ReauthRequest(current *elements.Instance, p InstanceParams) (*elements.InstanceRequest, error) {
	if current == nil {
		return nil, fmt.Errorf("%w: nil current instance (pass what Instances.Get returned)", ErrInvalidInstanceParams)
	}
	if p.Name == "" {
		p.Name = current.Name
	}
	if len(p.Tags) == 0 {
		p.Tags = current.Tags
	}
	if p.SignatureKey == "" && current.Configuration.EventSignatureKey != "" {
		return nil, fmt.Errorf("%w: the instance has an event signing key and SignatureKey is empty: re-authenticating would remove it", ErrInvalidInstanceParams)
	}
	req, err := NewInstanceRequest(p)
	if err != nil {
		return nil, err
	}
	if v := current.Configuration.EventVendorType; v != elements.MaskedValue {
		req.Configuration.EventVendorType = v
	}
	for k, v := range current.Configuration.Extra {
		if v != elements.MaskedValue {
			if req.Configuration.Extra == nil {
				req.Configuration.Extra = map[string]any{}
			}
			req.Configuration.Extra[k] = v
		}
	}
	return req, nil
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// String prints p with Code, ClientSecret and SignatureKey redacted.
func (p InstanceParams) String() string {
	return fmt.Sprintf("{Code:%s ClientID:%s ClientSecret:%s RedirectURI:%s EventCallbackURL:%s SignatureKey:%s Tags:%q Name:%s}",
		redact.Mask(p.Code), strconv.Quote(p.ClientID), redact.Mask(p.ClientSecret), strconv.Quote(p.RedirectURI),
		strconv.Quote(p.EventCallbackURL), redact.Mask(p.SignatureKey), p.Tags, strconv.Quote(p.Name))
}

// GoString is like String.
func (p InstanceParams) GoString() string { return "acuity.InstanceParams" + p.String() }

// Format prints the redacted form for every verb.
func (p InstanceParams) Format(f fmt.State, verb rune) { redact.Format(f, verb, p) }

// LogValue makes slog print p's fields with Code, ClientSecret and
// SignatureKey redacted.
func (p InstanceParams) LogValue() slog.Value {
	return slog.GroupValue(slog.String("code", redact.Mask(p.Code)), slog.String("clientId", p.ClientID),
		slog.String("clientSecret", redact.Mask(p.ClientSecret)), slog.String("redirectUri", p.RedirectURI),
		slog.String("eventCallbackUrl", p.EventCallbackURL), slog.String("signatureKey", redact.Mask(p.SignatureKey)),
		slog.Any("tags", p.Tags), slog.String("name", p.Name))
}
