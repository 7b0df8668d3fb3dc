package acuity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
)

// fixtureParams are the inputs behind testdata/instance_create_request.json,
// a copy of the seeds' documented create body.
func fixtureParams() InstanceParams {
	return InstanceParams{
		Code:             "xoz8AFqScK2ngM04kSSM",
		ClientID:         "Rand0MAP1-key",
		ClientSecret:     "fak3AP1-s3Cr3t",
		RedirectURI:      "https://mycoolapp.com",
		EventCallbackURL: "https://mycoolapp.com/events",
		Tags:             []string{"Docs"},
		Name:             "API Instance",
	}
}

func jsonMeaning(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}

func TestNewInstanceRequestFixture(t *testing.T) {
	t.Parallel()
	got, err := NewInstanceRequest(fixtureParams())
	if err != nil {
		t.Fatal(err)
	}
	want := &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: "acuityscheduling"},
		ProviderData: elements.ProviderData{Code: "xoz8AFqScK2ngM04kSSM"},
		Configuration: elements.Configuration{
			OAuthAPIKey:      "Rand0MAP1-key",
			OAuthAPISecret:   "fak3AP1-s3Cr3t",
			OAuthCallbackURL: "https://mycoolapp.com",
			EventsEnabled:    true,
			EventCallbackURL: "https://mycoolapp.com/events",
		},
		Tags: []string{"Docs"},
		Name: "API Instance",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}

	// On the wire: the documented body, event.notification.enabled a JSON
	// boolean, nothing else.
	body, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := jsonMeaning(t, readFixture(t, "instance_create_request.json"))
	if diff := cmp.Diff(wantJSON, jsonMeaning(t, body)); diff != "" {
		t.Errorf("create body mismatch (-documented +got):\n%s", diff)
	}
}

func TestNewInstanceRequestSignatureKey(t *testing.T) {
	t.Parallel()
	p := fixtureParams()
	p.SignatureKey = "sig-key-123456"
	p.Tags = []string{"a", "b"}
	got, err := NewInstanceRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := jsonMeaning(t, []byte(`{
		"element": {"key": "acuityscheduling"},
		"providerData": {"code": "xoz8AFqScK2ngM04kSSM"},
		"configuration": {
			"oauth.api.key": "Rand0MAP1-key", "oauth.api.secret": "fak3AP1-s3Cr3t",
			"oauth.callback.url": "https://mycoolapp.com",
			"event.notification.enabled": true,
			"event.notification.callback.url": "https://mycoolapp.com/events",
			"event.notification.signature.key": "sig-key-123456"},
		"tags": ["a", "b"], "name": "API Instance"}`))
	if diff := cmp.Diff(want, jsonMeaning(t, body)); diff != "" {
		t.Errorf("create body mismatch (-want +got):\n%s", diff)
	}
	// The request does not share the caller's slice.
	p.Tags[0] = "changed"
	if got.Tags[0] != "a" {
		t.Error("request aliases the caller's Tags")
	}
}

func TestNewInstanceRequestInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*InstanceParams)
		wantMsg string
	}{
		{"all missing", func(p *InstanceParams) { *p = InstanceParams{} },
			"missing Code, ClientID, ClientSecret, RedirectURI, EventCallbackURL, Name"},
		{"no code", func(p *InstanceParams) { p.Code = "" }, "missing Code"},
		{"blank secret", func(p *InstanceParams) { p.ClientSecret = "  " }, "missing ClientSecret"},
		{"no callback and no name", func(p *InstanceParams) { p.EventCallbackURL = ""; p.Name = "" }, "missing EventCallbackURL, Name"},
		{"relative redirect", func(p *InstanceParams) { p.RedirectURI = "/oauth" }, "RedirectURI is not an absolute http(s) URL"},
		{"ftp callback", func(p *InstanceParams) { p.EventCallbackURL = "ftp://x/events" }, "EventCallbackURL is not an absolute http(s) URL"},
		{"both at once", func(p *InstanceParams) { p.Code = ""; p.RedirectURI = "mycoolapp.com" },
			"missing Code; RedirectURI is not an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := fixtureParams()
			p.SignatureKey = "sig-key-123456"
			tt.edit(&p)
			got, err := NewInstanceRequest(p)
			if !errors.Is(err, ErrInvalidInstanceParams) {
				t.Fatalf("NewInstanceRequest = %v, %v; want ErrInvalidInstanceParams", got, err)
			}
			if got != nil {
				t.Errorf("returned a request with the error")
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			for _, s := range []string{p.Code, p.ClientSecret, p.SignatureKey} {
				if strings.TrimSpace(s) != "" && strings.Contains(err.Error(), s) {
					t.Errorf("error %q leaks %q", err, s)
				}
			}
		})
	}
}

func TestInstanceParamsRedacted(t *testing.T) {
	t.Parallel()
	p := fixtureParams()
	p.SignatureKey = "sig-key-123456"
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("creating", "params", p, "ptr", &p)
	outputs := []string{
		fmt.Sprint(p), fmt.Sprintf("%v", &p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", p),
		fmt.Sprintf("%s", p), fmt.Sprintf("%q", p), fmt.Sprintf("%x", p), p.String(), p.GoString(),
		logBuf.String(),
	}
	for _, out := range outputs {
		for _, secret := range []string{p.Code, p.ClientSecret, p.SignatureKey} {
			if strings.Contains(out, secret) {
				t.Errorf("output %q leaks %q", out, secret)
			}
		}
		if !strings.Contains(out, "Rand0MAP1-key") {
			t.Errorf("output %q lost the (non-secret) client id", out)
		}
	}
	lv := p.LogValue()
	if lv.Kind() != slog.KindGroup {
		t.Fatalf("LogValue() is a %s, want a group", lv.Kind())
	}
	got := map[string]string{}
	for _, a := range lv.Group() {
		got[a.Key] = a.Value.String()
	}
	wantLog := map[string]string{"code": "[REDACTED]", "clientId": "Rand0MAP1-key", "clientSecret": "[REDACTED]",
		"redirectUri": "https://mycoolapp.com", "eventCallbackUrl": "https://mycoolapp.com/events",
		"signatureKey": "[REDACTED]", "tags": "[Docs]", "name": "API Instance"}
	if diff := cmp.Diff(wantLog, got); diff != "" {
		t.Errorf("LogValue() is not the group of safe fields (-want +got):\n%s", diff)
	}
	want := `{Code:[REDACTED] ClientID:"Rand0MAP1-key" ClientSecret:[REDACTED] RedirectURI:"https://mycoolapp.com" ` +
		`EventCallbackURL:"https://mycoolapp.com/events" SignatureKey:[REDACTED] Tags:["Docs"] Name:"API Instance"}`
	if got := p.String(); got != want {
		t.Errorf("String() = %s\nwant       %s", got, want)
	}
	if got := (InstanceParams{}).String(); !strings.Contains(got, `Code:""`) {
		t.Errorf("empty secret should print as \"\": %s", got)
	}
}

// ReauthRequest keeps what Get returned that the stored parameters do not
// hold (name, tags, unmasked configuration keys) and never a masked value.
func TestReauthRequestKeepsTheInstance(t *testing.T) {
	t.Parallel()
	current := &elements.Instance{Name: "Front desk", Tags: []string{"plan:gold"},
		Configuration: elements.Configuration{
			OAuthAPIKey: elements.MaskedValue, OAuthAPISecret: elements.MaskedValue,
			EventSignatureKey: elements.MaskedValue, EventsEnabled: true, EventVendorType: "webhook",
			Extra: map[string]any{
				elements.ConfigEventBasicPassword:   elements.MaskedValue,
				"event.notification.basic.username": "hooks",
			},
		}}
	p := InstanceParams{Code: "new-code", ClientID: "cid", ClientSecret: "csecret", RedirectURI: "https://app.example/cb",
		EventCallbackURL: "https://app.example/events", SignatureKey: "tenant-key"}
	got, err := ReauthRequest(current, p)
	if err != nil {
		t.Fatal(err)
	}
	want := &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: ElementKey},
		ProviderData: elements.ProviderData{Code: "new-code"},
		Configuration: elements.Configuration{
			OAuthAPIKey: "cid", OAuthAPISecret: "csecret", OAuthCallbackURL: "https://app.example/cb",
			EventsEnabled: true, EventCallbackURL: "https://app.example/events", EventSignatureKey: "tenant-key",
			EventVendorType: "webhook", Extra: map[string]any{"event.notification.basic.username": "hooks"},
		},
		Tags: []string{"plan:gold"},
		Name: "Front desk",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReauthRequest (-want +got):\n%s", diff)
	}
}
