package acuity_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

// Re-authenticating a tenant whose grant expired (its hub calls answer 401)
// without losing its signing key or tags: the body comes from the parameters
// the application stored at creation, never from what Get returned, where
// the platform masks every secret.
func ExampleReauthRequest() {
	srv := elementstest.NewServer()
	defer srv.Close()
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Stored by the application when the tenant connected.
	stored := acuity.InstanceParams{
		Code: "first-code", ClientID: "my-client-id", ClientSecret: "my-client-secret",
		RedirectURI: "https://app.example/oauth/acuity", EventCallbackURL: "https://app.example/events",
		SignatureKey: "tenant-signing-key", Tags: []string{"plan:gold"}, Name: "Front desk",
	}
	req, err := acuity.NewInstanceRequest(stored)
	if err != nil {
		log.Fatal(err)
	}
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	_ = srv.ExpireInstance(inst.ID) // the tenant revoked access
	account, err := acuity.NewAccount(client, inst.Token)
	if err != nil {
		log.Fatal(err)
	}
	err = account.Ping(ctx)
	fmt.Println("must reconnect:", errors.Is(err, elements.ErrUnauthorized))

	// Sending back what Get returned would overwrite the secrets with the mask.
	current, err := client.Instances.Get(ctx, inst.ID)
	if err != nil {
		log.Fatal(err)
	}
	naive := &elements.InstanceRequest{Element: elements.ElementRef{Key: acuity.ElementKey},
		ProviderData: elements.ProviderData{Code: "new-code"}, Configuration: current.Configuration, Name: current.Name}
	_, err = client.Instances.Reauthenticate(ctx, inst.ID, naive)
	fmt.Println("masked value refused:", errors.Is(err, elements.ErrMaskedValue))

	// The stored parameters with the new code from the OAuth redirect.
	p := stored
	p.Code, p.Tags = "new-code", nil // nil tags: keep the instance's
	req, err = acuity.ReauthRequest(current, p)
	if err != nil {
		log.Fatal(err)
	}
	updated, err := client.Instances.Reauthenticate(ctx, inst.ID, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tags:", updated.Tags, "signing key kept:", updated.Configuration.EventSignatureKey == elements.MaskedValue)
	fmt.Println("reconnected:", account.Ping(ctx) == nil)
	// Output:
	// must reconnect: true
	// masked value refused: true
	// tags: [plan:gold] signing key kept: true
	// reconnected: true
}
