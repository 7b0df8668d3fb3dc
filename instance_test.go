package elements_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
)

func TestInstanceDecodesTheDocumentedAnswer(t *testing.T) {
	t.Parallel()
	var got elements.Instance
	if err := json.Unmarshal(readFixture(t, "instance_create_response.json"), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*fixtureInstance(), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestInstanceDecodesVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want elements.Instance
	}{
		{
			name: "ids as strings",
			in:   `{"id":"12345","elementId":"6156","element":{"id":"6156","key":"acuityscheduling"},"user":{"id":"9"},"maxCacheSize":"10"}`,
			want: elements.Instance{ID: 12345, ElementID: 6156, Element: elements.Element{ID: 6156, Key: "acuityscheduling"}, UserID: 9, MaxCacheSize: 10},
		},
		{
			name: "tags as objects and strings",
			in:   `{"id":1,"tags":[{"id":1,"name":"Docs"},"Plain",{"id":"2","name":"Other"}]}`,
			want: elements.Instance{ID: 1, Tags: []string{"Docs", "Plain", "Other"}},
		},
		{
			name: "configuration values as strings, secrets masked",
			in: `{"id":1,"configuration":{"event.notification.enabled":"true","oauth.api.secret":"********",
				"oauth.api.key":"client-id","event.notification.callback.url":"https://x.test/events",
				"event.notification.signature.key":"********","event.vendor.type":"webhook",
				"event.poller.refresh_interval":"15","some.number":5,"some.null":null}}`,
			want: elements.Instance{ID: 1, Configuration: elements.Configuration{
				EventsEnabled: true, OAuthAPISecret: "********", OAuthAPIKey: "client-id",
				EventCallbackURL: "https://x.test/events", EventSignatureKey: "********", EventVendorType: "webhook",
				Extra: map[string]any{"event.poller.refresh_interval": "15", "some.number": float64(5), "some.null": nil},
			}},
		},
		{
			name: "configuration boolean as a JSON boolean",
			in:   `{"id":1,"configuration":{"event.notification.enabled":false}}`,
			want: elements.Instance{ID: 1},
		},
		{
			name: "events callback URL and subscription id kept",
			in:   `{"id":1,"eventsEnabled":true,"eventsNotificationCallbackUrl":"https://x.test/events","subscriptionId":987}`,
			want: elements.Instance{ID: 1, EventsEnabled: true, EventsNotificationCallbackURL: "https://x.test/events", SubscriptionID: "987"},
		},
		{
			name: "unknown fields ignored",
			in:   `{"id":1,"brandNew":{"nested":[1,2,{"x":null}]},"provisionInteractions":[{"a":1}],"element":{"id":2,"whatever":true}}`,
			want: elements.Instance{ID: 1, Element: elements.Element{ID: 2}},
		},
		{
			name: "dates with a colon-less offset and as epoch milliseconds",
			in:   `{"id":1,"createdDate":"2017-08-07T18:46:38.123+0000","updatedDate":1502131598000}`,
			want: elements.Instance{ID: 1,
				CreatedDate: time.Date(2017, 8, 7, 18, 46, 38, 123e6, time.FixedZone("", 0)),
				UpdatedDate: time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)},
		},
		{
			name: "nulls leave zero values",
			in:   `{"id":1,"name":null,"tags":null,"configuration":null,"providerData":null,"element":null,"createdDate":null}`,
			want: elements.Instance{ID: 1},
		},
		{
			name: "provider data",
			in:   `{"id":1,"providerData":{"code":"c0de-value","realmId":"r1"}}`,
			want: elements.Instance{ID: 1, ProviderData: elements.ProviderData{Code: "c0de-value", Extra: map[string]any{"realmId": "r1"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got elements.Instance
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstanceRejectsMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"not an object", `["id",1]`, "decoding instance"},
		{"id not a number", `{"id":"abc"}`, "not an integer"},
		{"id fractional", `{"id":1.5}`, "not an integer"},
		{"tags not a list", `{"id":1,"tags":"Docs"}`, "tags: want a list"},
		{"tag of a wrong kind", `{"id":1,"tags":[["x"]]}`, "tags[0]"},
		{"events flag not a boolean", `{"id":1,"configuration":{"event.notification.enabled":"maybe"}}`, `"maybe" is not a boolean`},
		{"configuration not an object", `{"id":1,"configuration":"x"}`, "configuration is not a JSON object"},
		{"unparsable date", `{"id":1,"createdDate":"yesterday"}`, `"yesterday" is not a date`},
		{"bad element", `{"id":1,"element":{"id":"six"}}`, `"six" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got elements.Instance
			err := json.Unmarshal([]byte(tt.in), &got)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "elements: decoding instance: ") {
				t.Errorf("err = %v, want it to say decoding the instance failed", err)
			}
		})
	}
}

func TestInstanceJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := fixtureInstance()
	in.UpdatedDate = time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
	in.EventsNotificationCallbackURL = "https://x.test/events"
	in.SubscriptionID = "sub-1"
	in.Configuration = elements.Configuration{EventsEnabled: true, EventCallbackURL: "https://x.test/events", Extra: map[string]any{"k": "v"}}
	in.ProviderData = elements.ProviderData{Code: "c"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out elements.Instance
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	var wire map[string]any
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "token", "createdDate", "element", "elementId", "tags", "eventsNotificationCallbackUrl", "subscriptionId", "user"} {
		if _, ok := wire[k]; !ok {
			t.Errorf("marshaled instance lacks %q: %s", k, b)
		}
	}
}

func TestConfigurationMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      elements.Configuration
		want    string
		wantErr string
	}{
		{"empty", elements.Configuration{}, `{}`, ""},
		{"events disabled is not sent", elements.Configuration{EventCallbackURL: "https://x.test/e"}, `{"event.notification.callback.url":"https://x.test/e"}`, ""},
		{
			"all named fields",
			elements.Configuration{OAuthAPIKey: "k", OAuthAPISecret: "s", OAuthCallbackURL: "https://cb", EventsEnabled: true,
				EventCallbackURL: "https://e", EventSignatureKey: "sig", EventVendorType: "webhook"},
			`{"oauth.api.key":"k","oauth.api.secret":"s","oauth.callback.url":"https://cb","event.notification.enabled":true,
			  "event.notification.callback.url":"https://e","event.notification.signature.key":"sig","event.vendor.type":"webhook"}`, "",
		},
		{
			"extra keys pass through",
			elements.Configuration{EventsEnabled: true, Extra: map[string]any{
				elements.ConfigEventPollerRefresh: 15, "event.notification.callback.headers": map[string]string{"X-A": "b"}}},
			`{"event.notification.enabled":true,"event.poller.refresh_interval":15,"event.notification.callback.headers":{"X-A":"b"}}`, "",
		},
		{
			"an explicit false through Extra",
			elements.Configuration{Extra: map[string]any{elements.ConfigEventsEnabled: false}},
			`{"event.notification.enabled":false}`, "",
		},
		{"collision is an error", elements.Configuration{EventsEnabled: true, Extra: map[string]any{elements.ConfigEventsEnabled: "true"}}, "",
			`key "event.notification.enabled" is set both by a field and in Extra`},
		{"empty extra key is an error", elements.Configuration{Extra: map[string]any{"": 1}}, "", "empty key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(decodeJSON(t, []byte(tt.want)), decodeJSON(t, b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstanceRequestMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   elements.InstanceRequest
		want string
	}{
		{"zero sends nothing", elements.InstanceRequest{}, `{}`},
		{"element by id", elements.InstanceRequest{Element: elements.ElementRef{ID: 6156}}, `{"element":{"id":6156}}`},
		{
			"signature key and create options",
			elements.InstanceRequest{
				Element:                           elements.ElementRef{Key: "acuityscheduling"},
				Configuration:                     elements.Configuration{EventSignatureKey: "sig", Extra: map[string]any{elements.ConfigOAuthUserRefreshToken: "rt"}},
				ProviderData:                      elements.ProviderData{Extra: map[string]any{"realmId": "r"}},
				ExternalAuthentication:            "initial",
				RetrieveObjectsAfterInstantiation: true,
			},
			`{"element":{"key":"acuityscheduling"},"providerData":{"realmId":"r"},
			  "configuration":{"event.notification.signature.key":"sig","oauth.user.refresh_token":"rt"},
			  "externalAuthentication":"initial","retrieveObjectsAfterInstantiation":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(decodeJSON(t, []byte(tt.want)), decodeJSON(t, b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstanceRequestUnmarshalsTheDocumentedBody(t *testing.T) {
	t.Parallel()
	var got elements.InstanceRequest
	if err := json.Unmarshal(readFixture(t, "instance_create_request.json"), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*seedRequest(), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
