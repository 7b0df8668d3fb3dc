package elements_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/paging"
)

// seedRequest is the seeds' create request, as a user writes it.
func seedRequest() *elements.InstanceRequest {
	return &elements.InstanceRequest{
		Element:      elements.ElementRef{Key: "acuityscheduling"},
		ProviderData: elements.ProviderData{Code: testCode},
		Configuration: elements.Configuration{
			OAuthAPIKey:      "Rand0MAP1-key",
			OAuthAPISecret:   testOAuthSecret,
			OAuthCallbackURL: "https://mycoolapp.com",
			EventsEnabled:    true,
			EventCallbackURL: "https://mycoolapp.com/events",
		},
		Tags: []string{"Docs"},
		Name: "API Instance",
	}
}

// fixtureInstance is testdata/instance_create_response.json as an Instance.
func fixtureInstance() *elements.Instance {
	return &elements.Instance{
		ID:          12345,
		Name:        "API Instance",
		Token:       testToken,
		CreatedDate: time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC),
		Element: elements.Element{
			ID:                 6156,
			Key:                "acuityscheduling",
			Name:               "Acuity Scheduling",
			Description:        "Add an Acuity Scheduling Instance to connect your existing Acuity Scheduling account to the Scheduling Hub.",
			Image:              "elements/provider_acuityscheduling.png",
			Hub:                "scheduling",
			ProtocolType:       "http",
			AuthenticationType: "oauth2",
			Active:             true,
		},
		ElementID:              6156,
		Tags:                   []string{"Docs"},
		Valid:                  true,
		ExternalAuthentication: "none",
		UserID:                 12345,
	}
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func TestCreateSendsTheDocumentedBody(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	rec := mock(mt, answer(200, string(readFixture(t, "instance_create_response.json"))))

	got, err := c.Instances.Create(context.Background(), seedRequest())
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	req := rec.last(t)
	if req.Method != "POST" || req.Path != "/elements/api-v2/instances" || req.Query != "" {
		t.Errorf("request = %s %s?%s, want POST /elements/api-v2/instances", req.Method, req.Path, req.Query)
	}
	if diff := cmp.Diff(decodeJSON(t, readFixture(t, "instance_create_request.json")), decodeJSON(t, req.Body)); diff != "" {
		t.Errorf("create body differs from the documented one (-want +got):\n%s", diff)
	}
	var body struct {
		Configuration map[string]json.RawMessage `json:"configuration"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	if raw := string(body.Configuration["event.notification.enabled"]); raw != "true" {
		t.Errorf("event.notification.enabled = %s, want the JSON boolean true", raw)
	}
	for k, want := range map[string]string{
		"Authorization": wantAuth,
		"Content-Type":  "application/json",
		"Accept":        "application/json",
	} {
		if v := req.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if ua := req.Header.Get("User-Agent"); !strings.HasPrefix(ua, "elements-go/") {
		t.Errorf("User-Agent = %q, want elements-go/...", ua)
	}
	if diff := cmp.Diff(fixtureInstance(), got); diff != "" {
		t.Errorf("created instance (-want +got):\n%s", diff)
	}
}

func TestCreateRejectsAnAnswerWithoutID(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	mock(mt, answer(200, `{"name":"x"}`))
	_, err := c.Instances.Create(context.Background(), seedRequest())
	if !errors.Is(err, elements.ErrInvalidResponse) {
		t.Fatalf("err = %v, want ErrInvalidResponse", err)
	}
}

func TestInstancesCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name      string
		call      func(*elements.Client) (any, error)
		status    int
		respBody  string
		respHdr   []string
		method    string
		path      string
		query     url.Values
		body      string // JSON, "" for none
		want      any
		wantToken bool
	}{
		{
			name:     "Get",
			call:     func(c *elements.Client) (any, error) { return c.Instances.Get(ctx, 12345) },
			status:   200,
			respBody: `{"id":12345,"name":"x","token":"t0k3n-value"}`,
			method:   "GET", path: "/instances/12345",
			want: &elements.Instance{ID: 12345, Name: "x", Token: "t0k3n-value"},
		},
		{
			name:     "List without filter",
			call:     func(c *elements.Client) (any, error) { return c.Instances.List(ctx, nil) },
			status:   200,
			respBody: `[{"id":1},{"id":"2","tags":[{"id":7,"name":"Docs"}]}]`,
			method:   "GET", path: "/instances",
			want: []*elements.Instance{{ID: 1}, {ID: 2, Tags: []string{"Docs"}}},
		},
		{
			name: "List with filters",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.List(ctx, &elements.ListOptions{Tags: []string{"a", "b c"}, SearchText: "API", SkipHydrate: true})
			},
			status: 200, respBody: `[]`,
			method: "GET", path: "/instances",
			query: url.Values{"tags[]": {"a", "b c"}, "searchText": {"API"}, "hydrate": {"false"}},
			want:  []*elements.Instance{},
		},
		{
			name: "List search with no match (404) is empty",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.List(ctx, &elements.ListOptions{SearchText: "nothing"})
			},
			status: 404, respBody: `{"message":"No instances found"}`,
			method: "GET", path: "/instances", query: url.Values{"searchText": {"nothing"}},
			want: []*elements.Instance{},
		},
		{
			name: "Update",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.Update(ctx, 7, &elements.InstanceRequest{Name: "renamed", Tags: []string{"t"}})
			},
			status: 200, respBody: `{"id":7,"name":"renamed","tags":["t"]}`,
			method: "PATCH", path: "/instances/7", body: `{"name":"renamed","tags":["t"]}`,
			want: &elements.Instance{ID: 7, Name: "renamed", Tags: []string{"t"}},
		},
		{
			name: "Replace",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.Replace(ctx, 7, &elements.InstanceRequest{Element: elements.ElementRef{Key: "acuityscheduling"}, Name: "n"})
			},
			status: 200, respBody: `{"id":7,"name":"n"}`,
			method: "PUT", path: "/instances/7", body: `{"element":{"key":"acuityscheduling"},"name":"n"}`,
			want: &elements.Instance{ID: 7, Name: "n"},
		},
		{
			name: "Reauthenticate",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.Reauthenticate(ctx, 7, &elements.InstanceRequest{
					Element: elements.ElementRef{Key: "acuityscheduling"}, ProviderData: elements.ProviderData{Code: "n3w-c0de"}})
			},
			status: 200, respBody: `{"id":7}`,
			method: "PUT", path: "/instances/7", query: url.Values{"reAuthenticate": {"true"}},
			body: `{"element":{"key":"acuityscheduling"},"providerData":{"code":"n3w-c0de"}}`,
			want: &elements.Instance{ID: 7},
		},
		{
			name:   "Delete",
			call:   func(c *elements.Client) (any, error) { return nil, c.Instances.Delete(ctx, 7) },
			status: 200, method: "DELETE", path: "/instances/7",
		},
		{
			name:   "Enable",
			call:   func(c *elements.Client) (any, error) { return nil, c.Instances.Enable(ctx, 7) },
			status: 200, respBody: `{"id":7}`, method: "PUT", path: "/instances/7/enabled",
		},
		{
			name:   "Disable",
			call:   func(c *elements.Client) (any, error) { return nil, c.Instances.Disable(ctx, 7) },
			status: 200, method: "DELETE", path: "/instances/7/enabled",
		},
		{
			name:     "Configuration",
			call:     func(c *elements.Client) (any, error) { return c.Instances.Configuration(ctx, 7) },
			status:   200,
			respBody: `[{"id":10,"key":"event.notification.enabled","name":"Events Enabled","propertyValue":"true","type":"BOOLEAN","required":false,"hideFromConsole":false,"other":1},{"id":"11","key":"oauth.api.secret","propertyValue":"********","required":true,"hideFromConsole":true}]`,
			method:   "GET", path: "/instances/7/configuration",
			want: []*elements.ConfigurationEntry{
				{ID: 10, Key: "event.notification.enabled", Name: "Events Enabled", PropertyValue: "true", Type: "BOOLEAN"},
				{ID: 11, Key: "oauth.api.secret", PropertyValue: "********", Required: true, Hidden: true},
			},
		},
		{
			name: "UpdateConfiguration",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.UpdateConfiguration(ctx, 7, 10, "false")
			},
			status: 200, respBody: `{"id":10,"key":"event.notification.enabled","propertyValue":"false"}`,
			method: "PATCH", path: "/instances/7/configuration/10", body: `{"propertyValue":"false"}`,
			want: &elements.ConfigurationEntry{ID: 10, Key: "event.notification.enabled", PropertyValue: "false"},
		},
		{
			name: "Events",
			call: func(c *elements.Client) (any, error) {
				return paging.Collect(c.Instances.Events(ctx, 7, &elements.EventListOptions{PageSize: 50, NextPage: "p2"}))
			},
			status:   200,
			respBody: `[{"id":"35149","eventDate":"2018-07-31T19:40:36Z","status":"NOTIFIED","providerData":"{\"action\":\"scheduled\"}","notifiedData":[]}]`,
			method:   "GET", path: "/instances/7/events", query: url.Values{"pageSize": {"50"}, "nextPage": {"p2"}},
			want: []*elements.InstanceEvent{{
				ID: "35149", Date: time.Date(2018, 7, 31, 19, 40, 36, 0, time.UTC), Status: elements.EventStatusNotified,
				ProviderData: `{"action":"scheduled"}`, NotifiedData: json.RawMessage(`[]`),
				Raw: json.RawMessage(`{"id":"35149","eventDate":"2018-07-31T19:40:36Z","status":"NOTIFIED","providerData":"{\"action\":\"scheduled\"}","notifiedData":[]}`),
			}},
		},
		{
			name:     "Event",
			call:     func(c *elements.Client) (any, error) { return c.Instances.Event(ctx, 7, "e/1") },
			status:   200,
			respBody: `{"id":99,"eventDate":1533066036000,"status":"DISPATCHED","providerData":{"a":1}}`,
			method:   "GET", path: "/instances/7/events/e%2F1",
			want: &elements.InstanceEvent{ID: "99", Date: time.UnixMilli(1533066036000).UTC(), Status: elements.EventStatusDispatched,
				ProviderData: `{"a":1}`, Raw: json.RawMessage(`{"id":99,"eventDate":1533066036000,"status":"DISPATCHED","providerData":{"a":1}}`)},
		},
		{
			name: "OAuthURL",
			call: func(c *elements.Client) (any, error) {
				return c.Instances.OAuthURL(ctx, "acuityscheduling", &elements.OAuthURLParams{
					APIKey: "Rand0MAP1-key", APISecret: testOAuthSecret, CallbackURL: "https://mycoolapp.com",
					Scope: "api-v1", State: "st4te", SiteAddress: "acme.example"})
			},
			status:   200,
			respBody: `{"oauthUrl":"https://acuityscheduling.com/oauth2/authorize?response_type=code&client_id=Rand0MAP1-key&state=st4te","element":"acuityscheduling"}`,
			method:   "GET", path: "/elements/acuityscheduling/oauth/url",
			query: url.Values{
				"apiKey": {"Rand0MAP1-key"}, "apiSecret": {testOAuthSecret}, "callbackUrl": {"https://mycoolapp.com"},
				"scope": {"api-v1"}, "state": {"st4te"}, "siteAddress": {"acme.example"},
			},
			want: "https://acuityscheduling.com/oauth2/authorize?response_type=code&client_id=Rand0MAP1-key&state=st4te",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			rec := mock(mt, answer(tt.status, tt.respBody, tt.respHdr...))
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if rec.calls() != 1 {
				t.Errorf("sent %d requests, want 1", rec.calls())
			}
			req := rec.last(t)
			if req.Method != tt.method || req.Path != "/elements/api-v2"+tt.path {
				t.Errorf("request = %s %s, want %s /elements/api-v2%s", req.Method, req.Path, tt.method, tt.path)
			}
			gotQuery, _ := url.ParseQuery(req.Query)
			if tt.query == nil {
				tt.query = url.Values{}
			}
			if diff := cmp.Diff(tt.query, gotQuery); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if tt.body == "" {
				if len(req.Body) != 0 || req.Header.Get("Content-Type") != "" {
					t.Errorf("sent a body (%q, Content-Type %q), want none", req.Body, req.Header.Get("Content-Type"))
				}
			} else {
				if diff := cmp.Diff(decodeJSON(t, []byte(tt.body)), decodeJSON(t, req.Body)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
				if ct := req.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			if a := req.Header.Get("Authorization"); a != wantAuth {
				t.Errorf("Authorization = %q, want %q", a, wantAuth)
			}
			if a := req.Header.Get("Accept"); a != "application/json" {
				t.Errorf("Accept = %q", a)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("result (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestListWithoutFilterKeeps404AsError(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	mock(mt, answer(404, `{"message":"Not found"}`))
	_, err := c.Instances.List(context.Background(), nil)
	var apiErr *elements.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("err = %v, want *APIError 404", err)
	}
}

func TestInstancesBadArguments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		call func(*elements.Client) error
		want string
	}{
		{"Create nil", func(c *elements.Client) error { _, err := c.Instances.Create(ctx, nil); return err }, "nil *InstanceRequest"},
		{"Create no element", func(c *elements.Client) error {
			_, err := c.Instances.Create(ctx, &elements.InstanceRequest{Name: "x"})
			return err
		}, "Element needs a Key or an ID"},
		{"Get zero id", func(c *elements.Client) error { _, err := c.Instances.Get(ctx, 0); return err }, "must be positive"},
		{"Delete negative id", func(c *elements.Client) error { return c.Instances.Delete(ctx, -1) }, "must be positive"},
		{"Update nil", func(c *elements.Client) error { _, err := c.Instances.Update(ctx, 1, nil); return err }, "nil *InstanceRequest"},
		{"Reauthenticate without code", func(c *elements.Client) error {
			_, err := c.Instances.Reauthenticate(ctx, 1, &elements.InstanceRequest{})
			return err
		}, "ProviderData.Code"},
		{"UpdateConfiguration zero config id", func(c *elements.Client) error {
			_, err := c.Instances.UpdateConfiguration(ctx, 1, 0, "v")
			return err
		}, "configuration id must be positive"},
		{"Events negative page size", func(c *elements.Client) error {
			_, err := paging.Collect(c.Instances.Events(ctx, 1, &elements.EventListOptions{PageSize: -1}))
			return err
		}, "page size"},
		{"List negative page size", func(c *elements.Client) error {
			_, err := c.Instances.List(ctx, &elements.ListOptions{PageSize: -1})
			return err
		}, "page size"},
		{"Events zero instance id", func(c *elements.Client) error {
			_, err := paging.Collect(c.Instances.Events(ctx, 0, nil))
			return err
		}, "instance id must be positive"},
		{"Event empty id", func(c *elements.Client) error { _, err := c.Instances.Event(ctx, 1, ""); return err }, "empty event id"},
		{"OAuthURL no key", func(c *elements.Client) error {
			_, err := c.Instances.OAuthURL(ctx, "", &elements.OAuthURLParams{APIKey: "k", APISecret: "s", CallbackURL: "u"})
			return err
		}, "empty element key"},
		{"OAuthURL missing secret", func(c *elements.Client) error {
			_, err := c.Instances.OAuthURL(ctx, "acuityscheduling", &elements.OAuthURLParams{APIKey: "k", CallbackURL: "u"})
			return err
		}, "are required"},
		{"Create with an Extra key colliding with a field", func(c *elements.Client) error {
			r := seedRequest()
			r.Configuration.Extra = map[string]any{elements.ConfigOAuthAPIKey: "other"}
			_, err := c.Instances.Create(ctx, r)
			return err
		}, `"oauth.api.key" is set both by a field and in Extra`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			rec := mock(mt, answer(200, `{"id":1}`))
			err := tt.call(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if rec.calls() != 0 {
				t.Errorf("sent %d requests for a bad argument", rec.calls())
			}
		})
	}
}

func TestOAuthURLRejectsABadAnswer(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `{"oauthUrl":"not a url"}`, `{"oauthUrl":"/relative"}`} {
		c, mt := newTestClient(t)
		mock(mt, answer(200, body))
		_, err := c.Instances.OAuthURL(context.Background(), "acuityscheduling",
			&elements.OAuthURLParams{APIKey: "k", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"})
		if !errors.Is(err, elements.ErrInvalidResponse) {
			t.Errorf("answer %s: err = %v, want ErrInvalidResponse", body, err)
		}
	}
}
