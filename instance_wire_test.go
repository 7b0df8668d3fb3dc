package elements

import (
	"encoding/json"
	"testing"
)

// The struct forms that encode ProviderData and Configuration without Extra
// must produce the same bytes as the map forms they replace on the hot path.
func TestWireFormsMatchMapForms(t *testing.T) {
	t.Parallel()
	odd := `a<b>&c "q" \ é ☃ ` + "\u2028\x01"
	configs := []Configuration{
		{},
		{EventsEnabled: true},
		{OAuthAPIKey: "k", OAuthAPISecret: "s", OAuthCallbackURL: "https://x/cb", EventsEnabled: true,
			EventCallbackURL: "https://x/ev", EventSignatureKey: "sig", EventVendorType: "webhook"},
		{OAuthAPIKey: odd, OAuthAPISecret: odd, OAuthCallbackURL: odd, EventCallbackURL: odd, EventSignatureKey: odd, EventVendorType: odd},
		{EventSignatureKey: "only"},
	}
	for _, c := range configs {
		want, err := json.Marshal(configurationMap(c))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("Configuration %+v:\nstruct form %s\nmap form    %s", c, got, want)
		}
	}
	for _, p := range []ProviderData{{}, {Code: "c"}, {Code: odd}} {
		want, err := json.Marshal(providerDataMap(p))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("ProviderData %+v:\nstruct form %s\nmap form    %s", p, got, want)
		}
	}
}
