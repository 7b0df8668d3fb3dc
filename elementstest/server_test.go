package elementstest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testAuth = "User u-secret, Organization o-secret"

// call is one raw API call against the fake.
type call struct {
	method, path, body, auth string
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends c to srv (path relative to srv.URL) and returns the answer.
func do(t *testing.T, srv *Server, c call) answer {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, srv.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.auth != "-" {
		auth := c.auth
		if auth == "" {
			auth = testAuth
		}
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// errorMessage checks that a is a platform error body whose requestId matches
// the header, and returns its message.
func errorMessage(t *testing.T, a answer) string {
	t.Helper()
	var e struct{ Message, RequestID string }
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", a.body, err)
	}
	if e.RequestID == "" || e.RequestID != a.header.Get(RequestIDHeader) {
		t.Errorf("requestId %q, header %s %q: want equal and non-empty", e.RequestID, RequestIDHeader, a.header.Get(RequestIDHeader))
	}
	return e.Message
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	// The module's copies of the shared fixtures, kept in the root testdata.
	b, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seedsRequest is the documentation's create request, as in the seeds.
const seedsRequest = `{
  "element": {"key": "acuityscheduling"},
  "providerData": {"code": "xoz8AFqScK2ngM04kSSM"},
  "configuration": {
    "oauth.api.key": "Rand0MAP1-key",
    "oauth.api.secret": "fak3AP1-s3Cr3t",
    "oauth.callback.url": "https://mycoolapp.com",
    "event.notification.enabled": true,
    "event.notification.callback.url": "https://mycoolapp.com/events"
  },
  "tags": ["Docs"],
  "name": "API Instance"
}`

func createSeed(t *testing.T, srv *Server) map[string]any {
	t.Helper()
	a := do(t, srv, call{method: "POST", path: "/instances", body: seedsRequest})
	if a.status != http.StatusOK {
		t.Fatalf("create: status %d, body %s", a.status, a.body)
	}
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCreateMatchesDocumentedResponse(t *testing.T) {
	t.Parallel()
	srv := newServer(t)

	a := do(t, srv, call{method: "POST", path: "/instances", body: fixture(t, "instance_create_request.json")})
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	var got, want map[string]any
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(fixture(t, "instance_create_response.json")), &want); err != nil {
		t.Fatal(err)
	}

	// Values that are per instance, or that the documentation's example shows
	// for an instance created without events, are checked on their own.
	id, _ := got["id"].(float64)
	if id <= 0 {
		t.Errorf("id = %v, want a positive number", got["id"])
	}
	if tok, _ := got["token"].(string); len(tok) != 44 {
		t.Errorf("token %q: want 44 characters of base64 like the documentation's", tok)
	} else if _, err := base64.StdEncoding.DecodeString(tok); err != nil {
		t.Errorf("token is not base64: %v", err)
	}
	if _, err := time.Parse(time.RFC3339, got["createdDate"].(string)); err != nil {
		t.Errorf("createdDate: %v", err)
	}
	wantConfig := map[string]any{
		"oauth.api.key":                   "********", // masked, as the platform masks it
		"oauth.api.secret":                "********",
		"oauth.callback.url":              "https://mycoolapp.com",
		"event.notification.enabled":      "true",
		"event.notification.callback.url": "https://mycoolapp.com/events",
	}
	if diff := cmp.Diff(wantConfig, got["configuration"]); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
	if got["eventsEnabled"] != true || got["eventsNotificationCallbackUrl"] != "https://mycoolapp.com/events" {
		t.Errorf("eventsEnabled = %v, eventsNotificationCallbackUrl = %v", got["eventsEnabled"], got["eventsNotificationCallbackUrl"])
	}
	// The documentation's example abridges user to its id; the makers'
	// schema requires more (TestInstanceAnswerHasTheMakersUser).
	if gu, wu := got["user"].(map[string]any), want["user"].(map[string]any); gu["id"] != wu["id"] {
		t.Errorf("user id = %v, want the documented %v", gu["id"], wu["id"])
	}
	for _, k := range []string{"id", "token", "createdDate", "configuration", "eventsEnabled", "eventsNotificationCallbackUrl", "user"} {
		delete(got, k)
		delete(want, k)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer differs from the documented one (-want +got):\n%s", diff)
	}
}

func TestCreateGivesUniqueIDsAndTokensConcurrently(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	const n = 20
	var wg sync.WaitGroup
	results := make([]map[string]any, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = createSeed(t, srv)
		}()
	}
	wg.Wait()
	ids, tokens := map[any]bool{}, map[any]bool{}
	for _, m := range results {
		ids[m["id"]], tokens[m["token"]] = true, true
	}
	if len(ids) != n || len(tokens) != n {
		t.Errorf("%d distinct ids and %d distinct tokens for %d instances", len(ids), len(tokens), n)
	}
}

func TestCreateRejectsBadBodies(t *testing.T) {
	t.Parallel()
	// edit returns the seeds' request with one change applied.
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(seedsRequest), &m); err != nil {
			panic(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cfg := func(m map[string]any) map[string]any { return m["configuration"].(map[string]any) }
	tests := []struct {
		name, path, body, wantMsg string
	}{
		{"missing element", "/instances", edit(func(m map[string]any) { delete(m, "element") }), "element.key is required"},
		{"empty element key", "/instances", edit(func(m map[string]any) { m["element"] = map[string]any{"key": ""} }), "element.key is required"},
		{"unknown element", "/instances", edit(func(m map[string]any) { m["element"] = map[string]any{"key": "salesforce"} }), `unknown element "salesforce"`},
		{"unknown element in path", "/elements/nope/instances", seedsRequest, `unknown element "nope"`},
		{"missing providerData", "/instances", edit(func(m map[string]any) { delete(m, "providerData") }), "providerData.code is required"},
		{"empty code", "/instances", edit(func(m map[string]any) { m["providerData"] = map[string]any{"code": ""} }), "providerData.code is required"},
		{"code not a string", "/instances", edit(func(m map[string]any) { m["providerData"] = map[string]any{"code": 5} }), "providerData.code must be a string"},
		{"enabled as string", "/instances", edit(func(m map[string]any) { cfg(m)["event.notification.enabled"] = "true" }), "must be a JSON boolean"},
		{"enabled as number", "/instances", edit(func(m map[string]any) { cfg(m)["event.notification.enabled"] = 1 }), "must be a JSON boolean"},
		{"enabled null", "/instances", edit(func(m map[string]any) { cfg(m)["event.notification.enabled"] = nil }), "must be a JSON boolean"},
		{"events without callback", "/instances", edit(func(m map[string]any) { delete(cfg(m), "event.notification.callback.url") }), "event.notification.callback.url is required"},
		{"missing client id", "/instances", edit(func(m map[string]any) { delete(cfg(m), "oauth.api.key") }), "oauth.api.key is required"},
		{"missing name", "/instances", edit(func(m map[string]any) { delete(m, "name") }), "name is required"},
		{"bad tag", "/instances", edit(func(m map[string]any) { m["tags"] = []any{3} }), "tags[0]"},
		{"not JSON", "/instances", "{", "not the expected JSON"},
		{"empty body", "/instances", "", "body is empty"},
	}
	srv := newServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, srv, call{method: "POST", path: tt.path, body: tt.body})
			if a.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", a.status, a.body)
			}
			if msg := errorMessage(t, a); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestCreateAcceptsVariants(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	body := `{"element":{"id":"6156"},"providerData":{"code":"c"},"name":"n",
		"configuration":{"oauth.api.key":"k","oauth.api.secret":"s","event.notification.enabled":false,
		"event.poller.refresh_interval":15,"event.poller.configuration":{"a":1},"x.custom":"v",
		"event.notification.signature.key":"sig"},
		"tags":[{"id":1,"name":"Docs"},"b"]}`
	a := do(t, srv, call{method: "POST", path: "/instances", body: body})
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var got struct {
		Tags          []string
		Configuration map[string]string
		Element       struct{ Key string }
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"oauth.api.key": "********", "oauth.api.secret": "********", "event.notification.enabled": "false",
		"event.poller.refresh_interval": "15", "event.poller.configuration": `{"a":1}`, "x.custom": "v",
		"event.notification.signature.key": "********",
	}
	if diff := cmp.Diff(want, got.Configuration); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Docs", "b"}, got.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if got.Element.Key != "acuityscheduling" {
		t.Errorf("element key %q", got.Element.Key)
	}

	a = do(t, srv, call{method: "POST", path: "/elements/acuityscheduling/instances", body: `{"providerData":{"code":"c"},"name":"n","configuration":{"oauth.api.key":"k","oauth.api.secret":"s"}}`})
	if a.status != http.StatusOK {
		t.Errorf("create with the element in the path: status %d: %s", a.status, a.body)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	open := newServer(t)
	strict := newServer(t, WithCredentials("u-secret", "o-secret"))
	tests := []struct {
		name   string
		srv    *Server
		auth   string
		status int
	}{
		{"no header", open, "-", 401},
		{"bearer", open, "Bearer abc", 401},
		{"user only", open, "User u", 401},
		{"empty organization", open, "User u, Organization ", 401},
		// Past the check, the empty account answers 404 "No instances found".
		{"any pair accepted by default", open, "User a, Organization b", 404},
		{"with element token", open, "User a, Organization b, Element tok", 404},
		{"wrong user", strict, "User x, Organization o-secret", 401},
		{"wrong organization", strict, "User u-secret, Organization x", 401},
		{"configured pair", strict, testAuth, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, tt.srv, call{method: "GET", path: "/instances", auth: tt.auth})
			if a.status != tt.status {
				t.Fatalf("status %d, want %d", a.status, tt.status)
			}
			if tt.status == 401 {
				msg := errorMessage(t, a)
				if strings.Contains(msg, "u-secret") || strings.Contains(msg, "o-secret") {
					t.Errorf("message %q echoes a secret", msg)
				}
			}
		})
	}
}

func TestUnknownInstanceIs404(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for _, c := range []call{
		{method: "GET", path: "/instances/999"},
		{method: "GET", path: "/instances/abc"},
		{method: "PATCH", path: "/instances/999", body: `{"name":"x"}`},
		{method: "PUT", path: "/instances/999", body: seedsRequest},
		{method: "DELETE", path: "/instances/999"},
		{method: "PUT", path: "/instances/999/enabled"},
		{method: "DELETE", path: "/instances/999/enabled"},
		{method: "GET", path: "/instances/999/configuration"},
		{method: "PATCH", path: "/instances/999/configuration/1", body: `{"propertyValue":"x"}`},
		{method: "GET", path: "/instances/999/events"},
		{method: "GET", path: "/instances/999/events/abc"},
		{method: "GET", path: "/no/such/thing"},
		{method: "GET", path: "/elements/nope/oauth/url?apiKey=a&apiSecret=b&callbackUrl=c"},
	} {
		a := do(t, srv, c)
		if a.status != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", c.method, c.path, a.status)
			continue
		}
		if msg := errorMessage(t, a); msg == "" {
			t.Errorf("%s %s: empty message", c.method, c.path)
		}
	}
}

func TestInstanceLifecycle(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	m := createSeed(t, srv)
	path := "/instances/" + jsonNumber(m["id"])

	decode := func(a answer) map[string]any {
		t.Helper()
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		var v map[string]any
		if err := json.Unmarshal(a.body, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	got := decode(do(t, srv, call{method: "GET", path: path}))
	if got["token"] != m["token"] || got["name"] != "API Instance" {
		t.Errorf("get: %v", got)
	}

	got = decode(do(t, srv, call{method: "PATCH", path: path, body: `{"name":"Front desk","tags":["a","b"],"configuration":{"x.extra":"1","event.notification.enabled":false}}`}))
	if got["name"] != "Front desk" || !cmp.Equal(got["tags"], []any{"a", "b"}) || got["eventsEnabled"] != false {
		t.Errorf("patch: name %v tags %v eventsEnabled %v", got["name"], got["tags"], got["eventsEnabled"])
	}
	if c := got["configuration"].(map[string]any); c["x.extra"] != "1" || c["oauth.api.key"] != "********" { // kept, masked
		t.Errorf("patch merged configuration: %v", c)
	}
	got = decode(do(t, srv, call{method: "PATCH", path: path, body: `{"configuration":{"x.extra":null}}`}))
	if _, ok := got["configuration"].(map[string]any)["x.extra"]; ok || got["name"] != "Front desk" {
		t.Errorf("patch with null: configuration %v, name %v (want the key gone, the name kept)", got["configuration"], got["name"])
	}
	a := do(t, srv, call{method: "PATCH", path: path, body: `{"configuration":{"event.notification.enabled":"yes"}}`})
	if a.status != http.StatusBadRequest {
		t.Errorf("patch with a non-boolean enabled: status %d", a.status)
	}

	// PUT replaces; re-authentication needs a code.
	got = decode(do(t, srv, call{method: "PUT", path: path, body: `{"name":"Replaced","configuration":{"oauth.api.key":"k2"}}`}))
	if got["name"] != "Replaced" || !cmp.Equal(got["configuration"], map[string]any{"oauth.api.key": "********"}) || !cmp.Equal(got["tags"], []any{}) {
		t.Errorf("put: %v", got)
	}
	a = do(t, srv, call{method: "PUT", path: path + "?reAuthenticate=true", body: `{"name":"R","configuration":{}}`})
	if a.status != http.StatusBadRequest || !strings.Contains(errorMessage(t, a), "providerData.code") {
		t.Errorf("re-authenticate without a code: status %d %s", a.status, a.body)
	}
	decode(do(t, srv, call{method: "PUT", path: path + "?reAuthenticate=true", body: `{"name":"R","providerData":{"code":"new"},"configuration":{}}`}))
	a = do(t, srv, call{method: "PUT", path: path, body: `{"element":{"key":"other"},"name":"R"}`})
	if a.status != http.StatusBadRequest {
		t.Errorf("put changing the element: status %d", a.status)
	}

	got = decode(do(t, srv, call{method: "DELETE", path: path + "/enabled"}))
	if got["disabled"] != true {
		t.Errorf("disable: disabled = %v", got["disabled"])
	}
	got = decode(do(t, srv, call{method: "PUT", path: path + "/enabled"}))
	if got["disabled"] != false {
		t.Errorf("enable: disabled = %v", got["disabled"])
	}

	if a := do(t, srv, call{method: "DELETE", path: path}); a.status != http.StatusOK {
		t.Errorf("delete: status %d", a.status)
	}
	if a := do(t, srv, call{method: "GET", path: path}); a.status != http.StatusNotFound {
		t.Errorf("get after delete: status %d", a.status)
	}
}

func TestConfiguration(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	path := "/instances/" + jsonNumber(createSeed(t, srv)["id"]) + "/configuration"

	list := func() []configEntry {
		t.Helper()
		a := do(t, srv, call{method: "GET", path: path})
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %s", a.status, a.body)
		}
		var l []configEntry
		if err := json.Unmarshal(a.body, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	entries := list()
	byKey := map[string]configEntry{}
	for _, e := range entries {
		byKey[e.Key] = e
	}
	if len(entries) != 5 || byKey["oauth.api.secret"].PropertyValue != "********" || byKey["event.notification.enabled"].PropertyValue != "true" {
		t.Fatalf("entries: %+v", entries)
	}
	id := byKey["event.notification.callback.url"].ID

	a := do(t, srv, call{method: "PATCH", path: path + "/" + jsonNumber(float64(id)), body: `{"propertyValue":"https://example.test/hook"}`})
	if a.status != http.StatusOK {
		t.Fatalf("patch: status %d: %s", a.status, a.body)
	}
	var e configEntry
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(configEntry{ID: id, Key: "event.notification.callback.url", Name: "event.notification.callback.url", PropertyValue: "https://example.test/hook"}, e); diff != "" {
		t.Errorf("patched entry (-want +got):\n%s", diff)
	}
	if got := list(); !cmp.Equal(got[0].ID, entries[0].ID) {
		t.Errorf("ids are not stable: %v then %v", entries, got)
	}

	enabledID := jsonNumber(float64(byKey["event.notification.enabled"].ID))
	if a := do(t, srv, call{method: "PATCH", path: path + "/" + enabledID, body: `{"propertyValue":"maybe"}`}); a.status != http.StatusBadRequest {
		t.Errorf("non-boolean enabled: status %d", a.status)
	}
	if a := do(t, srv, call{method: "PATCH", path: path + "/" + enabledID, body: `{}`}); a.status != http.StatusBadRequest {
		t.Errorf("missing propertyValue: status %d", a.status)
	}
	if a := do(t, srv, call{method: "PATCH", path: path + "/424242", body: `{"propertyValue":"x"}`}); a.status != http.StatusNotFound {
		t.Errorf("unknown config id: status %d", a.status)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	srv := newServer(t)

	a := do(t, srv, call{method: "GET", path: "/instances"})
	if a.status != http.StatusNotFound || errorMessage(t, a) != "No instances found" {
		t.Fatalf("empty list: status %d body %s, want 404 No instances found", a.status, a.body)
	}
	for _, b := range []string{
		`{"element":{"key":"acuityscheduling"},"providerData":{"code":"c"},"name":"Front desk","tags":["prod","eu"],"configuration":{"oauth.api.key":"k","oauth.api.secret":"s"}}`,
		`{"element":{"key":"acuityscheduling"},"providerData":{"code":"c"},"name":"Back office","tags":["prod"],"configuration":{"oauth.api.key":"k","oauth.api.secret":"s"}}`,
	} {
		if a := do(t, srv, call{method: "POST", path: "/instances", body: b}); a.status != 200 {
			t.Fatalf("create: %d %s", a.status, a.body)
		}
	}
	tests := []struct {
		query     string
		status    int
		wantNames []string
	}{
		{"", 200, []string{"Front desk", "Back office"}},
		{"?tags[]=prod", 200, []string{"Front desk", "Back office"}},
		{"?tags[]=prod&tags[]=eu", 200, []string{"Front desk"}},
		{"?searchText=OFFICE&hydrate=false", 200, []string{"Back office"}},
		{"?tags[]=eu&searchText=office", 404, nil},
		{"?tags[]=none", 404, nil},
	}
	for _, tt := range tests {
		a := do(t, srv, call{method: "GET", path: "/instances" + tt.query})
		if a.status != tt.status {
			t.Errorf("%q: status %d, want %d", tt.query, a.status, tt.status)
			continue
		}
		if tt.status != 200 {
			if msg := errorMessage(t, a); msg != "No instances found" {
				t.Errorf("%q: message %q, want No instances found", tt.query, msg)
			}
			continue
		}
		var list []struct{ Name string }
		if err := json.Unmarshal(a.body, &list); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, in := range list {
			names = append(names, in.Name)
		}
		if diff := cmp.Diff(tt.wantNames, names); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.query, diff)
		}
		if got := a.header.Get("Elements-Total-Count"); got != jsonNumber(float64(len(tt.wantNames))) {
			t.Errorf("%q: Elements-Total-Count %q", tt.query, got)
		}
	}
}

func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	srv := newServer(t, WithIssuedCodesOnly())

	q := url.Values{"apiKey": {"client-1"}, "apiSecret": {"shh"}, "callbackUrl": {"http://127.0.0.1:1/cb?x=1"}, "state": {"st4te"}}
	a := do(t, srv, call{method: "GET", path: "/elements/acuityscheduling/oauth/url?" + q.Encode()})
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var got struct{ OAuthURL, Element string }
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Element != "acuityscheduling" || strings.Contains(got.OAuthURL, "shh") {
		t.Errorf("answer %s: want element acuityscheduling and no client secret in the URL", a.body)
	}
	u, err := url.Parse(got.OAuthURL)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(url.Values{"client_id": {"client-1"}, "redirect_uri": {"http://127.0.0.1:1/cb?x=1"}, "response_type": {"code"}, "scope": {"api-v1"}, "state": {"st4te"}}, u.Query()); diff != "" {
		t.Errorf("oauthUrl query (-want +got):\n%s", diff)
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(got.OAuthURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Host != "127.0.0.1:1" || loc.Path != "/cb" || loc.Query().Get("state") != "st4te" || loc.Query().Get("x") != "1" {
		t.Errorf("redirect %s: want the callback URL with its query, state and code", loc)
	}
	code := loc.Query().Get("code")

	create := func(code, clientID string) answer {
		body := `{"element":{"key":"acuityscheduling"},"providerData":{"code":"` + code + `"},"name":"n",
			"configuration":{"oauth.api.key":"` + clientID + `","oauth.api.secret":"shh","oauth.callback.url":"http://127.0.0.1:1/cb?x=1"}}`
		return do(t, srv, call{method: "POST", path: "/instances", body: body})
	}
	if a := create(code, "client-2"); a.status != http.StatusBadRequest {
		t.Errorf("code issued to another client: status %d", a.status)
	}
	if a := create("made-up", "client-1"); a.status != http.StatusBadRequest {
		t.Errorf("made-up code: status %d", a.status)
	}
	if a := create(code, "client-1"); a.status != http.StatusOK {
		t.Errorf("issued code: status %d: %s", a.status, a.body)
	}
	if a := create(code, "client-1"); a.status != http.StatusBadRequest {
		t.Errorf("code used twice: status %d", a.status)
	} else if msg := errorMessage(t, a); strings.Contains(msg, code) {
		t.Errorf("message %q echoes the code", msg)
	}

	for _, missing := range []string{"apiKey", "apiSecret", "callbackUrl"} {
		q2 := url.Values{}
		for k, v := range q {
			if k != missing {
				q2[k] = v
			}
		}
		a := do(t, srv, call{method: "GET", path: "/elements/acuityscheduling/oauth/url?" + q2.Encode()})
		if a.status != http.StatusBadRequest || !strings.Contains(errorMessage(t, a), missing) {
			t.Errorf("without %s: status %d %s", missing, a.status, a.body)
		}
	}
}

func TestRequestIDOnEveryAnswer(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	seen := map[string]bool{}
	for _, c := range []call{
		{method: "GET", path: "/instances"},
		{method: "GET", path: "/instances", auth: "-"},
		{method: "GET", path: "/instances/1"},
		{method: "POST", path: "/instances", body: "{"},
		{method: "POST", path: "/events/acuityscheduling/unknown", body: "action=scheduled&id=1"},
	} {
		a := do(t, srv, c)
		id := a.header.Get(RequestIDHeader)
		if id == "" || seen[id] {
			t.Errorf("%s %s: request id %q (want unique, non-empty)", c.method, c.path, id)
		}
		seen[id] = true
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	t.Run("FailNext", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.FailNext(2, http.StatusServiceUnavailable)
		var got []int
		for range 3 {
			got = append(got, do(t, srv, call{method: "GET", path: "/instances"}).status)
		}
		if diff := cmp.Diff([]int{503, 503, http.StatusNotFound}, got); diff != "" { // then "No instances found"
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
	t.Run("DropNext", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.DropNext(1)
		req, _ := http.NewRequest("GET", srv.URL+"/instances", nil)
		req.Header.Set("Authorization", testAuth)
		_, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
		if err == nil {
			t.Fatal("dropped call: no error")
		}
		if a := do(t, srv, call{method: "GET", path: "/instances"}); a.status != http.StatusNotFound { // "No instances found"
			t.Errorf("call after the drop: status %d", a.status)
		}
	})
	t.Run("SetLatency", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.SetLatency(time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/instances", nil)
		req.Header.Set("Authorization", testAuth)
		_, err := http.DefaultClient.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline", err)
		}
		srv.SetLatency(0)
		if a := do(t, srv, call{method: "GET", path: "/instances"}); a.status != http.StatusNotFound { // "No instances found"
			t.Errorf("after latency off: status %d", a.status)
		}
	})
}

// newServer starts a fake that is closed when the test and its subtests end.
func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestServerPrintsNoSecrets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, WithCredentials("u-secret", "o-secret"))
	m := createSeed(t, srv)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(format, srv)
		for _, secret := range []string{"u-secret", "o-secret", m["token"].(string), "fak3AP1-s3Cr3t"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s of the server shows a secret: %s", format, out)
			}
		}
		if !strings.Contains(out, srv.URL) {
			t.Errorf("%s = %q, want the URL", format, out)
		}
	}
}

// NewServer checks the options and panics on nonsense, naming the option,
// before it listens; an option given twice counts by its last value.
func TestOptionsPanicOnNonsense(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opt  Option
		want string
	}{
		{"negative retries", WithDeliveryRetry(-1, 0, 0), "WithDeliveryRetry needs"},
		{"maxWait < minWait", WithDeliveryRetry(1, time.Second, time.Millisecond), "WithDeliveryRetry needs"},
		{"zero timeout", WithDeliveryTimeout(0), "WithDeliveryTimeout needs a positive duration, got 0s"},
		{"negative schedule", WithRetrySchedule(RetrySchedule{Retries: -1, Base: 4}), "WithRetrySchedule needs"},
		{"base 1", WithRetrySchedule(RetrySchedule{Retries: 3, Base: 1}), "WithRetrySchedule needs"},
		{"schedule too long", WithRetrySchedule(RetrySchedule{Retries: 40, Base: 4}), "runs past what time.Duration counts"},
		{"zero scale", WithTimeScale(0), "WithTimeScale needs 0 < f <= 1, got 0"},
		{"scale above 1", WithTimeScale(2), "WithTimeScale needs"},
		{"NaN scale", WithTimeScale(math.NaN()), "WithTimeScale needs"},
		{"negative workers", WithDeliveryConcurrency(-1), "WithDeliveryConcurrency needs n >= 0, got -1"},
		{"negative limit", WithHubRateLimit(-1, 20), "WithHubRateLimit needs"},
		{"negative at once", WithHubRateLimit(10, -1), "WithHubRateLimit needs"},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				r := recover()
				if err, ok := r.(error); !ok || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: NewServer panicked with %v, want an error with %q", tt.name, r, tt.want)
				}
			}()
			srv := NewServer(WithListener(ln), tt.opt)
			srv.Close()
		}()
		_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(time.Second)) // an open listener: no wait past it
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s: Accept on the refused server's listener: %v, want net.ErrClosed", tt.name, err)
		}
	}
	// Bad values set right later, and a schedule replaced by retries.
	srv := NewServer(WithTimeScale(0), WithTimeScale(0.5), WithHubRateLimit(-1, 0), WithHubRateLimit(0, 0),
		WithRetrySchedule(RetrySchedule{Retries: -1}), WithDeliveryRetry(1, 0, 0), nil)
	srv.Close()
}

// GET /instances and the events log are paged by the platform's rule: a
// token on every page, the last one included, and an empty page past the
// end with the same token.
func TestInstancesAndEventsPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for _, name := range []string{"a", "b", "c"} {
		b := `{"element":{"key":"acuityscheduling"},"providerData":{"code":"c"},"name":"` + name + `","configuration":{"oauth.api.key":"k","oauth.api.secret":"s"}}`
		if a := do(t, srv, call{method: "POST", path: "/instances", body: b}); a.status != 200 {
			t.Fatalf("create: %d %s", a.status, a.body)
		}
	}
	var names []string
	var tokens []string
	next := ""
	for range 3 {
		a := do(t, srv, call{method: "GET", path: "/instances?pageSize=2&nextPage=" + next})
		var list []struct{ Name string }
		if err := json.Unmarshal(a.body, &list); err != nil || a.status != 200 {
			t.Fatalf("status %d body %s", a.status, a.body)
		}
		for _, in := range list {
			names = append(names, in.Name)
		}
		next = a.header.Get("Elements-Next-Page-Token")
		tokens = append(tokens, next)
		if a.header.Get("Elements-Total-Count") != "3" || a.header.Get("Elements-Returned-Count") != strconv.Itoa(len(list)) {
			t.Errorf("counts %v", a.header)
		}
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if tokens[0] == "" || tokens[1] == "" || tokens[1] == tokens[0] || tokens[2] != tokens[1] {
		t.Errorf("tokens %q: want one on every page, the page past the end repeating the last", tokens)
	}

	a := do(t, srv, call{method: "GET", path: "/instances/1001/events"})
	if a.status != http.StatusNotFound || errorMessage(t, a) != "No events found" {
		t.Errorf("events of an instance without any: %d %s", a.status, a.body)
	}
	a = do(t, srv, call{method: "GET", path: "/instances/999/events"})
	if a.status != http.StatusNotFound || errorMessage(t, a) == "No events found" {
		t.Errorf("events of an unknown instance: %d %s, want a 404 that does not read as an empty list", a.status, a.body)
	}
}
