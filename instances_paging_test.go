package elements_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/paging"
)

// ids lists the instances' ids.
func ids(list []*elements.Instance) []int64 {
	out := make([]int64, 0, len(list))
	for _, in := range list {
		out = append(out, in.ID)
	}
	return out
}

// checkPageRequests checks that every request was GET path with the
// client's headers, no body, and the query base plus the paging
// parameters: pageSize (when size > 0) and nextPage tokens[i].
func checkPageRequests(t *testing.T, rec *recorder, path string, base url.Values, size string, tokens ...string) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.requests) != len(tokens) {
		t.Fatalf("%d requests, want %d (nextPage %q)", len(rec.requests), len(tokens), tokens)
	}
	for i, r := range rec.requests {
		want := url.Values{}
		for k, v := range base {
			want[k] = v
		}
		if size != "" {
			want.Set("pageSize", size)
		}
		if tokens[i] != "" {
			want.Set("nextPage", tokens[i])
		}
		got, _ := url.ParseQuery(r.Query)
		if r.Method != http.MethodGet || r.Path != "/elements/api-v2"+path || len(r.Body) != 0 {
			t.Errorf("request %d = %s %s with %d body bytes, want GET %s without a body", i, r.Method, r.Path, len(r.Body), path)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("request %d query (-want +got):\n%s", i, diff)
		}
		if r.Header.Get("Authorization") != wantAuth || r.Header.Get("Accept") != "application/json" {
			t.Errorf("request %d headers %v", i, r.Header)
		}
	}
}

func TestListReadsEveryPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tok := func(s string) string { return "Elements-Next-Page-Token: " + s }
	tests := []struct {
		name    string
		answers []func() (*http.Response, error)
		opts    *elements.ListOptions
		query   url.Values
		size    string
		want    []int64
		tokens  []string // nextPage of each request
	}{
		{
			name: "token on the last page too: stops on the empty page",
			answers: []func() (*http.Response, error){
				answer(200, `[{"id":1},{"id":2}]`, tok("t1")),
				answer(200, `[{"id":3}]`, tok("t2")),
				answer(200, `[]`, tok("t2")),
			},
			opts: &elements.ListOptions{PageSize: 2, Tags: []string{"prod"}}, query: url.Values{"tags[]": {"prod"}}, size: "2",
			want: []int64{1, 2, 3}, tokens: []string{"", "t1", "t2"},
		},
		{
			name: "no token: one page",
			answers: []func() (*http.Response, error){
				answer(200, `[{"id":1}]`),
			},
			want: []int64{1}, tokens: []string{""},
		},
		{
			name: "a token seen before ends the list",
			answers: []func() (*http.Response, error){
				answer(200, `[{"id":1}]`, tok("A")),
				answer(200, `[{"id":2}]`, tok("B")),
				answer(200, `[{"id":3}]`, tok("A")),
			},
			want: []int64{1, 2, 3}, tokens: []string{"", "A", "B"},
		},
		{
			name: "starting from a token, the same token back ends the list",
			answers: []func() (*http.Response, error){
				answer(200, `[{"id":5}]`, tok("S")),
			},
			opts: &elements.ListOptions{NextPage: "S", SearchText: "x"}, query: url.Values{"searchText": {"x"}},
			want: []int64{5}, tokens: []string{"S"},
		},
		{
			name: `404 "No instances found" is empty`,
			answers: []func() (*http.Response, error){
				answer(404, `{"message":"No instances found","requestId":"r1"}`),
			},
			want: []int64{}, tokens: []string{""},
		},
		{
			name: `a later 404 "No instances found." ends the list`,
			answers: []func() (*http.Response, error){
				answer(200, `[{"id":1}]`, tok("t1")),
				answer(404, `{"message":"No instances found."}`),
			},
			want: []int64{1}, tokens: []string{"", "t1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			rec := mock(mt, tt.answers...)
			got, err := c.Instances.List(ctx, tt.opts)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got == nil {
				t.Error("List returned a nil slice, want an empty one")
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			checkPageRequests(t, rec, "/instances", tt.query, tt.size, tt.tokens...)
		})
	}
}

// Only the platform's "No … found" makes a 404 an empty list: a 404 for a
// wrong path, an unknown instance or a proxy's page stays an error.
func TestOnlyNoneFoundIsEmpty(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"message":"Not found"}`,
		`{"message":"no instance with id 5"}`,
		`{"message":"No instances found for this organization, contact support"}`,
		`<html><title>404 Not Found</title></html>`,
		``,
	} {
		c, mt := newTestClient(t)
		mock(mt, answer(404, body))
		_, err := c.Instances.List(context.Background(), &elements.ListOptions{SearchText: "x"})
		if !errors.Is(err, elements.ErrNotFound) {
			t.Errorf("404 %q: err = %v, want an error matching ErrNotFound", body, err)
		}
		_, err = paging.Collect(c.Instances.Events(context.Background(), 3, nil))
		if !errors.Is(err, elements.ErrNotFound) {
			t.Errorf("Events, 404 %q: err = %v, want an error matching ErrNotFound", body, err)
		}
	}
	c, mt := newTestClient(t)
	mock(mt, answer(404, `{"message":"No events found"}`))
	if got, err := paging.Collect(c.Instances.Events(context.Background(), 3, nil)); err != nil || len(got) != 0 {
		t.Errorf(`Events on 404 "No events found" = %v, %v; want none and no error`, got, err)
	}
}

func TestAllIsLazy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tok := "Elements-Next-Page-Token: t1"

	t.Run("break fetches no further page", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t)
		rec := mock(mt, answer(200, `[{"id":1},{"id":2}]`, tok), answer(200, `[{"id":3}]`))
		for in, err := range c.Instances.All(ctx, &elements.ListOptions{PageSize: 2}) {
			if err != nil || in.ID != 1 {
				t.Fatalf("first = %v, %v", in, err)
			}
			break
		}
		checkPageRequests(t, rec, "/instances", nil, "2", "")
	})
	t.Run("nothing is fetched before the range", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t)
		rec := mock(mt, answer(200, `[]`))
		_ = c.Instances.All(ctx, nil)
		if rec.calls() != 0 {
			t.Errorf("All sent %d requests before the range", rec.calls())
		}
	})
	t.Run("an error mid-iteration is yielded once and ends it", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
		rec := mock(mt, answer(200, `[{"id":1}]`, tok), answer(500, `{"message":"boom"}`))
		var got []int64
		var errs []error
		for in, err := range c.Instances.All(ctx, nil) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, in.ID)
		}
		var ae *elements.APIError
		if !cmp.Equal(got, []int64{1}) || len(errs) != 1 || !errors.As(errs[0], &ae) || ae.StatusCode != 500 {
			t.Errorf("got %v and errors %v, want [1] then one 500", got, errs)
		}
		checkPageRequests(t, rec, "/instances", nil, "", "", "t1")
		if l, err := c.Instances.List(ctx, nil); l != nil || err == nil {
			t.Errorf("List = %v, %v; want nil and the error", l, err)
		}
	})
	t.Run("context canceled mid-iteration", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t)
		rec := mock(mt, answer(200, `[{"id":1}]`, tok), answer(200, `[{"id":2}]`))
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var errs []error
		n := 0
		for _, err := range c.Instances.All(cctx, nil) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			n++
			cancel()
		}
		if n != 1 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("%d instances, errors %v; want 1 then context.Canceled", n, errs)
		}
		if rec.calls() != 1 {
			t.Errorf("%d requests, want 1 (none after the cancel)", rec.calls())
		}
	})
	t.Run("a null element is ErrInvalidResponse, never a nil instance", func(t *testing.T) {
		t.Parallel()
		c, mt := newTestClient(t)
		mock(mt, answer(200, `[{"id":1},null]`))
		for in, err := range c.Instances.All(ctx, nil) {
			if err == nil || in != nil || !errors.Is(err, elements.ErrInvalidResponse) {
				t.Fatalf("yielded %v, %v; want only ErrInvalidResponse", in, err)
			}
		}
	})
}

func TestEventsPages(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	rec := mock(mt,
		answer(200, `[{"id":"1","status":"NOTIFIED"},{"id":"2","status":"NEW"}]`, "Elements-Next-Page-Token: e2"),
		answer(200, `[]`, "Elements-Next-Page-Token: e2"))
	got, err := paging.Collect(c.Instances.Events(context.Background(), 7, &elements.EventListOptions{PageSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "1" || got[0].Status != elements.EventStatusNotified || got[1].Status != elements.EventStatusNew {
		t.Errorf("events %+v", got)
	}
	checkPageRequests(t, rec, "/instances/7/events", nil, "2", "", "e2")
}

func TestErrUnauthorized(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]bool{401: true, 403: true, 404: false, 400: false, 500: false} {
		c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
		mock(mt, answer(status, `{"message":"m"}`))
		_, err := c.Instances.Get(context.Background(), 1)
		if errors.Is(err, elements.ErrUnauthorized) != want {
			t.Errorf("%d: errors.Is(err, ErrUnauthorized) = %v, want %v (err %v)", status, !want, want, err)
		}
		if errors.Is(err, elements.ErrNotFound) != (status == 404) {
			t.Errorf("%d: errors.Is(err, ErrNotFound) wrong (err %v)", status, err)
		}
	}
}

// A request carrying the mask where a secret belongs fails before anything
// is sent.
func TestMaskedValueIsNeverSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const m = elements.MaskedValue
	base := func(edit func(r *elements.InstanceRequest)) *elements.InstanceRequest {
		r := seedRequest()
		edit(r)
		return r
	}
	reqs := map[string]*elements.InstanceRequest{
		"oauth.api.key":                    base(func(r *elements.InstanceRequest) { r.Configuration.OAuthAPIKey = m }),
		"oauth.api.secret":                 base(func(r *elements.InstanceRequest) { r.Configuration.OAuthAPISecret = m }),
		"event.notification.signature.key": base(func(r *elements.InstanceRequest) { r.Configuration.EventSignatureKey = m }),
		"event.notification.basic.password": base(func(r *elements.InstanceRequest) {
			r.Configuration.Extra = map[string]any{elements.ConfigEventBasicPassword: m}
		}),
		"oauth.user.refresh_token": base(func(r *elements.InstanceRequest) {
			r.Configuration.Extra = map[string]any{elements.ConfigOAuthUserRefreshToken: m}
		}),
		"code": base(func(r *elements.InstanceRequest) { r.ProviderData.Code = m }),
		"providerData extra": base(func(r *elements.InstanceRequest) {
			r.ProviderData.Extra = map[string]any{"refresh_token": m}
		}),
	}
	// The mask is refused wherever it is encoded, whatever Go type carries it.
	type secretText string
	mask := m
	for form, v := range map[string]any{
		"json.RawMessage":    json.RawMessage(`"` + m + `"`),
		"escaped RawMessage": json.RawMessage(`"\u002a\u002a\u002a\u002a\u002a\u002a\u002a\u002a"`),
		"*string":            &mask,
		"named string":       secretText(m),
		"in a map":           map[string]any{"Authorization": m},
		"in a list":          []any{"a", m},
		"in a struct":        struct{ Password string }{m},
		"a json.Marshaler":   maskMarshaler{},
	} {
		reqs["configuration Extra, "+form] = base(func(r *elements.InstanceRequest) {
			r.Configuration.Extra = map[string]any{elements.ConfigEventCallbackHeaders: v}
		})
		reqs["providerData Extra, "+form] = base(func(r *elements.InstanceRequest) {
			r.ProviderData.Extra = map[string]any{"refresh_token": v}
		})
	}
	c, err := elements.NewClient(testUserSecret, testOrgSecret, elements.WithBaseURL(testBaseURL),
		elements.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			t.Errorf("%s %s was sent", r.Method, r.URL.Path)
			return nil, errors.New("must not be sent")
		})}))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range reqs {
		calls := map[string]func() error{
			"Create":         func() error { _, err := c.Instances.Create(ctx, r); return err },
			"Update":         func() error { _, err := c.Instances.Update(ctx, 1, r); return err },
			"Replace":        func() error { _, err := c.Instances.Replace(ctx, 1, r); return err },
			"Reauthenticate": func() error { _, err := c.Instances.Reauthenticate(ctx, 1, r); return err },
		}
		for call, f := range calls {
			if err := f(); !errors.Is(err, elements.ErrMaskedValue) {
				t.Errorf("%s with a masked %s: err = %v, want ErrMaskedValue", call, name, err)
			}
		}
	}
	if _, err := c.Instances.UpdateConfiguration(ctx, 1, 2, m); !errors.Is(err, elements.ErrMaskedValue) {
		t.Errorf("UpdateConfiguration with the mask: %v", err)
	}
	if _, err := c.Instances.OAuthURL(ctx, "acuityscheduling", &elements.OAuthURLParams{APIKey: "k", APISecret: m, CallbackURL: "https://x"}); !errors.Is(err, elements.ErrMaskedValue) {
		t.Errorf("OAuthURL with the mask: %v", err)
	}
}

// maskMarshaler encodes as the mask.
type maskMarshaler struct{}

func (maskMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(`"` + elements.MaskedValue + `"`), nil
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
