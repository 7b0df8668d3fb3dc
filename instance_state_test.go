package elements_test

import (
	"context"
	"errors"
	"testing"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

func TestInstanceStateWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers []wireAnswer
		calls   int
		want    elements.InstanceState
		wantErr error
	}{
		{"active", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":true,"disabled":false}`)}, 1, elements.InstanceActive, nil},
		{"invalid: needs reconnect", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":false,"disabled":false}`)}, 1, elements.InstanceNeedsReconnect, nil},
		{"disabled", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":true,"disabled":true}`)}, 1, elements.InstanceDisabled, nil},
		{"disabled and invalid: disabled first", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":false,"disabled":true}`)}, 1, elements.InstanceDisabled, nil},
		{"flags absent: active", []wireAnswer{jsonAnswer(200, `{"id":"42","name":"API Instance"}`)}, 1, elements.InstanceActive, nil},
		{"flags null: active", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":null,"disabled":null}`)}, 1, elements.InstanceActive, nil},
		{"404 from the platform: deleted", []wireAnswer{jsonAnswer(404, `{"message":"no instance with id 42","requestId":"r-1"}`)}, 1, elements.InstanceDeleted, nil},
		{"404 with a +json type and the request id header: deleted", []wireAnswer{{404, "application/problem+json; charset=utf-8", `{"title":"Not Found"}`, []string{"Elements-Request-Id: r-2"}}}, 1, elements.InstanceDeleted, nil},
		// A gateway's or a framework's JSON 404 (a wrong base path) carries no
		// request id of the platform's: every tenant must not read as deleted.
		{"JSON 404 without the platform's request id: an error", []wireAnswer{jsonAnswer(404, `{"error":"Not Found","status":404}`)}, 1, "", elements.ErrNotFound},
		{"404 HTML page: an error, not deleted", []wireAnswer{htmlAnswer(404, "<html><title>404 Not Found</title></html>")}, 1, "", elements.ErrNotFound},
		{"404 plain text: an error", []wireAnswer{{404, "text/plain", "404 page not found", nil}}, 1, "", elements.ErrNotFound},
		{"404 without a type: an error", []wireAnswer{{404, "", "", nil}}, 1, "", elements.ErrNotFound},
		{"401: the client's secrets, an error", []wireAnswer{jsonAnswer(401, `{"message":"invalid secrets"}`)}, 1, "", elements.ErrUnauthorized},
		{"403: an error", []wireAnswer{jsonAnswer(403, `{"message":"forbidden"}`)}, 1, "", elements.ErrUnauthorized},
		{"500", []wireAnswer{jsonAnswer(500, `{"message":"boom"}`)}, 1, "", &elements.APIError{}},
		{"503 is retried", []wireAnswer{jsonAnswer(503, `{}`), jsonAnswer(200, `{"id":42,"valid":true}`)}, 2, elements.InstanceActive, nil},
		{"HTML 200", []wireAnswer{htmlAnswer(200, "<html>login</html>")}, 1, "", elements.ErrInvalidResponse},
		{"malformed JSON", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":`)}, 1, "", elements.ErrInvalidResponse},
		{"flag of the wrong type", []wireAnswer{jsonAnswer(200, `{"id":42,"valid":"false"}`)}, 1, "", elements.ErrInvalidResponse},
		{"no id", []wireAnswer{jsonAnswer(200, `{"valid":true}`)}, 1, "", elements.ErrInvalidResponse},
		{"null", []wireAnswer{jsonAnswer(200, `null`)}, 1, "", elements.ErrInvalidResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, c := newWirePlatform(t, tt.answers...)
			got, err := c.Instances.State(context.Background(), 42)
			checkErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("state = %q, want %q", got, tt.want)
			}
			want := make([]wireRequest, tt.calls)
			for i := range want {
				want[i] = wireRequest{Method: "GET", Path: apiPrefix + "/instances/42"}
			}
			p.check(t, want...)
		})
	}
}

func TestInstanceStateRefusesBadIDs(t *testing.T) {
	t.Parallel()
	p, c := newWirePlatform(t, jsonAnswer(200, `{"id":1}`))
	for _, id := range []int64{0, -1} {
		if got, err := c.Instances.State(context.Background(), id); err == nil || got != "" {
			t.Errorf("State(%d) = %q, %v; want an error", id, got, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Instances.State(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("State with an ended context: %v", err)
	}
	p.check(t)
}

// Against the fake: an instance goes from active to disabled (the fake also
// reads valid: false then, and disabled wins) and back, then to deleted.
func TestInstanceStateLifecycle(t *testing.T) {
	t.Parallel()
	platform := elementstest.NewServer()
	defer platform.Close()
	c, err := platform.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code", ClientID: "id", ClientSecret: "secret",
		RedirectURI: "https://mycoolapp.com", EventCallbackURL: "https://mycoolapp.com/events", Name: "Front desk"})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := c.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	step := func(want elements.InstanceState) {
		t.Helper()
		got, err := c.Instances.State(ctx, inst.ID)
		if err != nil || got != want {
			t.Fatalf("State = %q, %v; want %q", got, err, want)
		}
	}
	step(elements.InstanceActive)
	if err := c.Instances.Disable(ctx, inst.ID); err != nil {
		t.Fatal(err)
	}
	step(elements.InstanceDisabled)
	if err := c.Instances.Enable(ctx, inst.ID); err != nil {
		t.Fatal(err)
	}
	step(elements.InstanceActive)
	if err := c.Instances.Delete(ctx, inst.ID); err != nil {
		t.Fatal(err)
	}
	step(elements.InstanceDeleted)
}
