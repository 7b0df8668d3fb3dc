package elements

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// FuzzInstanceStrict: whatever the fast path for the documented answer
// (instanceStrict) accepts, the general decoder accepts too and decodes to
// the very same Instance (times with the same location). Seeds:
// testdata/fuzz/FuzzInstanceStrict (the FuzzInstanceUnmarshal corpus and
// dates with offsets).
func FuzzInstanceStrict(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var strict instanceStrict
		if json.Unmarshal(data, &strict) != nil {
			return
		}
		var want Instance
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("the fast path accepts %q, the general decoder does not: %v", data, err)
		}
		got := strict.instance()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fast path and general decoder differ on %q:\n%s", data, cmp.Diff(want, got))
		}
		var viaBody Instance
		if err := viaBody.decodeBody(bytes.NewReader(data), int64(len(data))); err != nil || !reflect.DeepEqual(viaBody, want) {
			t.Fatalf("decodeBody(%q) = %v, %v; want %v", data, viaBody, err, want)
		}
	})
}
