package elements_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/internal/paging"
	"github.com/elementsgo/elements/webhook"
)

// countingClient is a client on srv whose requests are counted.
func countingClient(t *testing.T, srv *elementstest.Server) (*elements.Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	c, err := elements.NewClient(e2eUser, e2eOrg, elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0),
		elements.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})}))
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestE2EListPages(t *testing.T) {
	t.Parallel()
	srv, _ := e2e(t)
	c, n := countingClient(t, srv)
	ctx := context.Background()

	list, err := c.Instances.List(ctx, nil)
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("List of an empty account = %v, %v; want an empty list", list, err)
	}
	var want []int64
	for i := range 5 {
		in, err := c.Instances.Create(ctx, acuityRequest(t, fmt.Sprint("tenant ", i), "prod"))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, in.ID)
	}

	n.Store(0)
	list, err = c.Instances.List(ctx, &elements.ListOptions{PageSize: 2, Tags: []string{"prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ids(list)); diff != "" {
		t.Errorf("List in pages of 2 (-want +got):\n%s", diff)
	}
	// 2 + 2 + 1, then the page past the end: the fake, like the platform,
	// sends a token on the last page too.
	if got := n.Load(); got != 4 {
		t.Errorf("%d requests, want 4", got)
	}

	n.Store(0)
	seen := 0
	for in, err := range c.Instances.All(ctx, &elements.ListOptions{PageSize: 2}) {
		if err != nil || in.ID != want[seen] {
			t.Fatalf("All: %v, %v", in, err)
		}
		if seen++; seen == 3 {
			break
		}
	}
	if got := n.Load(); got != 2 {
		t.Errorf("breaking after the 3rd of pages of 2 sent %d requests, want 2", got)
	}

	list, err = c.Instances.List(ctx, &elements.ListOptions{Tags: []string{"none"}})
	if err != nil || len(list) != 0 {
		t.Errorf("List with no match = %v, %v; want empty", list, err)
	}
	if _, err := c.Instances.List(ctx, &elements.ListOptions{PageSize: 2, NextPage: "not-a-token"}); err == nil {
		t.Error("List from a token the fake never issued: no error")
	}

	events, err := paging.Collect(c.Instances.Events(ctx, want[0], nil))
	if err != nil || len(events) != 0 {
		t.Errorf("Events of an instance without any = %v, %v; want none", events, err)
	}
	if _, err := paging.Collect(c.Instances.Events(ctx, want[4]+1, nil)); !errors.Is(err, elements.ErrNotFound) {
		t.Errorf("Events of an unknown instance: %v, want ErrNotFound", err)
	}
}

func TestE2EUnauthorized(t *testing.T) {
	t.Parallel()
	srv, c := e2e(t)
	ctx := context.Background()
	in, err := c.Instances.Create(ctx, acuityRequest(t, "front desk"))
	if err != nil {
		t.Fatal(err)
	}
	acct, err := acuity.NewAccount(c, in.Token)
	if err != nil {
		t.Fatal(err)
	}
	if err := acct.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	var ae *elements.APIError
	if err := c.Instances.Disable(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := acct.Ping(ctx); !errors.Is(err, elements.ErrUnauthorized) || !errors.As(err, &ae) || ae.StatusCode != 403 {
		t.Errorf("Ping of a disabled instance: %v, want 403 matching ErrUnauthorized", err)
	}
	if err := c.Instances.Enable(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.ExpireInstance(in.ID); err != nil {
		t.Fatal(err)
	}
	if err := acct.Ping(ctx); !errors.Is(err, elements.ErrUnauthorized) || !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("Ping of an expired instance: %v, want 401 matching ErrUnauthorized", err)
	}
	if _, err := c.Instances.Get(ctx, in.ID+100); errors.Is(err, elements.ErrUnauthorized) || !errors.Is(err, elements.ErrNotFound) {
		t.Errorf("Get of an unknown instance: %v, want ErrNotFound only", err)
	}
}

// Re-authenticating from what Get returned is refused before anything is
// sent; acuity.ReauthRequest from the stored parameters keeps the signing
// key and the tags.
func TestE2EReauthenticateKeepsKeyAndTags(t *testing.T) {
	t.Parallel()
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(cb.Close)
	srv, _ := e2e(t)
	c, n := countingClient(t, srv)
	ctx := context.Background()
	stored := acuity.InstanceParams{
		Code: "first-code", ClientID: "client-id", ClientSecret: "client-secret",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: cb.URL,
		SignatureKey: "tenant-signing-key", Tags: []string{"plan:gold"}, Name: "front desk",
	}
	req, err := acuity.NewInstanceRequest(stored)
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instances.Update(ctx, in.ID, &elements.InstanceRequest{Tags: []string{"plan:gold", "region:eu"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Instances.Get(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Configuration.OAuthAPIKey != elements.MaskedValue || got.Configuration.EventSignatureKey != elements.MaskedValue {
		t.Fatalf("the fake does not mask: %v", got.Configuration)
	}

	before := n.Load()
	naive := &elements.InstanceRequest{Element: elements.ElementRef{Key: acuity.ElementKey},
		ProviderData: elements.ProviderData{Code: "new-code"}, Configuration: got.Configuration, Tags: got.Tags, Name: got.Name}
	if _, err := c.Instances.Reauthenticate(ctx, in.ID, naive); !errors.Is(err, elements.ErrMaskedValue) {
		t.Errorf("Reauthenticate from Get's answer: %v, want ErrMaskedValue", err)
	}
	if n.Load() != before {
		t.Errorf("the masked request was sent")
	}

	noKey := stored
	noKey.SignatureKey, noKey.Tags, noKey.Code = "", nil, "new-code"
	if _, err := acuity.ReauthRequest(got, noKey); !errors.Is(err, acuity.ErrInvalidInstanceParams) {
		t.Errorf("ReauthRequest without the signing key: %v, want ErrInvalidInstanceParams", err)
	}
	p := stored
	p.Code, p.Tags = "new-code", nil // tags from the platform
	reauth, err := acuity.ReauthRequest(got, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instances.Reauthenticate(ctx, in.ID, reauth); err != nil {
		t.Fatalf("Reauthenticate: %v", err)
	}
	after, err := c.Instances.Get(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"plan:gold", "region:eu"}, after.Tags); diff != "" {
		t.Errorf("tags after re-authentication (-want +got):\n%s", diff)
	}
	if _, err := srv.Deliver(in.ID, webhook.Event{EventType: webhook.EventCreated, ObjectType: "appointments", ObjectID: "1"}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	done, err := srv.WaitForDeliveries(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d := done[0]; d.Signature != webhook.Sign("tenant-signing-key", d.Body) || !d.Delivered {
		t.Errorf("after re-authentication the notification is signed %q, delivered %v; want the stored key's signature", d.Signature, d.Delivered)
	}
}
