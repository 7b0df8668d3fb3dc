// Command create-instance connects an Acuity Scheduling account to the
// platform: it runs the OAuth consent step with a local redirect listener,
// creates the element instance with events enabled, and prints the instance
// id, its token (masked unless -show-token) and the Webhook URL to paste into
// Acuity's settings (Integrations > API > Webhooks).
//
// Against the real platform:
//
//	export ELEMENTS_USER_SECRET=... ELEMENTS_ORG_SECRET=...
//	export ACUITY_CLIENT_ID=... ACUITY_CLIENT_SECRET=...
//	go run ./examples/create-instance -host eu \
//	    -redirect http://127.0.0.1:8085/oauth/callback \
//	    -callback-url https://your-app.example/events -signing-key "$KEY"
//
// The redirect URI must be the one registered for your Acuity app; the program
// listens on its host and port. Against a fake platform (elementstest), pass
// -base-url with the fake's URL; a redirect port of 0 picks a free port.
//
// Every secret can come from a flag or from its environment variable; the
// environment keeps it out of your shell history.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
)

// hosts maps the -host names to the platform's base URLs.
var hosts = map[string]string{
	"us":      elements.BaseURLCloudElementsUS,
	"eu":      elements.BaseURLCloudElementsEU,
	"staging": elements.BaseURLCloudElementsStaging,
	"us2":     elements.BaseURLOpenConnectorsUS2,
	"eu10":    elements.BaseURLOpenConnectorsEU10,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "create-instance:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage error")

// config is what the flags and the environment give.
type config struct {
	baseURL, user, org                     string
	clientID, clientSecret, redirect       string
	callbackURL, signingKey, name, tagList string
	showToken                              bool
	timeout                                time.Duration
}

func parseFlags(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	fs := flag.NewFlagSet("create-instance", flag.ContinueOnError)
	fs.SetOutput(out)
	var c config
	host := fs.String("host", "us", "platform host: "+strings.Join(hostNames(), ", "))
	fs.StringVar(&c.baseURL, "base-url", "", "platform base URL, overriding -host (or a fake: go run ./cmd/elementstest)")
	fs.StringVar(&c.user, "user", "", "user secret (default: env ELEMENTS_USER_SECRET)")
	fs.StringVar(&c.org, "org", "", "organization secret (default: env ELEMENTS_ORG_SECRET)")
	fs.StringVar(&c.clientID, "client-id", "", "Acuity OAuth client id (default: env ACUITY_CLIENT_ID)")
	fs.StringVar(&c.clientSecret, "client-secret", "", "Acuity OAuth client secret (default: env ACUITY_CLIENT_SECRET)")
	fs.StringVar(&c.redirect, "redirect", "http://127.0.0.1:8085/oauth/callback", "OAuth redirect URI registered with Acuity; the program listens there")
	fs.StringVar(&c.callbackURL, "callback-url", "", "where the platform sends events (default: env ELEMENTS_EVENT_CALLBACK_URL)")
	fs.StringVar(&c.signingKey, "signing-key", "", "key the platform signs events with (default: env ELEMENTS_SIGNING_KEY; empty: one is generated and printed)")
	fs.StringVar(&c.name, "name", "Acuity Scheduling", "instance name")
	fs.StringVar(&c.tagList, "tags", "", "comma-separated instance tags")
	fs.BoolVar(&c.showToken, "show-token", false, "print the instance token in full (it is a secret)")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Minute, "how long to wait for you to allow access")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	// Secrets default to the environment after parsing, so that -h never
	// prints them as flag defaults.
	for _, f := range []struct {
		dst *string
		env string
	}{
		{&c.user, "ELEMENTS_USER_SECRET"}, {&c.org, "ELEMENTS_ORG_SECRET"},
		{&c.clientID, "ACUITY_CLIENT_ID"}, {&c.clientSecret, "ACUITY_CLIENT_SECRET"},
		{&c.callbackURL, "ELEMENTS_EVENT_CALLBACK_URL"}, {&c.signingKey, "ELEMENTS_SIGNING_KEY"},
	} {
		if *f.dst == "" {
			*f.dst = getenv(f.env)
		}
	}
	if c.baseURL == "" {
		c.baseURL = hosts[*host]
		if c.baseURL == "" {
			return nil, fmt.Errorf("%w: unknown -host %q; use one of %s, or -base-url", errUsage, *host, strings.Join(hostNames(), ", "))
		}
	}
	var missing []string
	for _, f := range []struct{ name, val string }{
		{"-user", c.user}, {"-org", c.org}, {"-client-id", c.clientID},
		{"-client-secret", c.clientSecret}, {"-callback-url", c.callbackURL},
	} {
		if f.val == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: missing %s (flags or their environment variables; see -h)", errUsage, strings.Join(missing, ", "))
	}
	return &c, nil
}

func hostNames() []string {
	names := make([]string, 0, len(hosts))
	for n := range hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	c, err := parseFlags(args, getenv, out)
	if err != nil {
		return err
	}
	client, err := elements.NewClient(c.user, c.org, elements.WithBaseURL(c.baseURL))
	if err != nil {
		return err
	}

	// Listen where the provider will send the browser back.
	redirect, err := url.Parse(c.redirect)
	if err != nil || redirect.Scheme != "http" || redirect.Host == "" {
		return fmt.Errorf("%w: -redirect must be an http URL on this machine, like http://127.0.0.1:8085/oauth/callback", errUsage)
	}
	ln, err := net.Listen("tcp", redirect.Host)
	if err != nil {
		return fmt.Errorf("listening for the OAuth redirect: %w", err)
	}
	defer ln.Close()
	if redirect.Port() == "0" { // a free port was chosen: use it in the redirect URI
		redirect.Host = ln.Addr().String()
	}

	state, err := randomState()
	if err != nil {
		return err
	}
	type result struct {
		code string
		err  error
	}
	results := make(chan result, 1)
	if redirect.Path == "" {
		redirect.Path = "/"
	}
	onRedirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != redirect.Path {
			http.NotFound(w, r) // a browser's favicon request, say
			return
		}
		code, err := acuity.CodeFromRedirect(r, state)
		select {
		case results <- result{code, err}:
		default: // a second visit; the first one counts
		}
		if err != nil {
			http.Error(w, "Authorization failed; see the terminal.", http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, "Authorized. You can close this window and return to the terminal.")
	})
	srv := &http.Server{Handler: onRedirect, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	consentURL, err := client.Instances.OAuthURL(ctx, acuity.ElementKey, &elements.OAuthURLParams{
		APIKey: c.clientID, APISecret: c.clientSecret, CallbackURL: redirect.String(), State: state,
	})
	if err != nil {
		return fmt.Errorf("getting the OAuth URL: %w", err)
	}
	fmt.Fprintf(out, "Open this URL in your browser and allow access:\n\n  %s\n\nWaiting for the redirect to %s ...\n", consentURL, redirect)

	wait, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var res result
	select {
	case res = <-results:
	case <-wait.Done():
		return fmt.Errorf("waiting for the OAuth redirect: %w", wait.Err())
	}
	if res.err != nil {
		return fmt.Errorf("OAuth redirect: %w", res.err)
	}

	var tags []string
	for _, t := range strings.Split(c.tagList, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	// Without a signature key the platform signs nothing and the receiver
	// (webhook.Handler) refuses every event: one is generated if none was
	// given, and printed below for the receiver.
	signingKey, generated := c.signingKey, false
	if signingKey == "" {
		signingKey, generated = rand.Text(), true
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: res.code, ClientID: c.clientID, ClientSecret: c.clientSecret, RedirectURI: redirect.String(),
		EventCallbackURL: c.callbackURL, SignatureKey: signingKey, Tags: tags, Name: c.name,
	})
	if err != nil {
		return err
	}
	in, err := client.Instances.Create(ctx, req)
	if err != nil {
		return fmt.Errorf("creating the instance: %w", err)
	}
	token := "******** (pass -show-token to print it)"
	if c.showToken {
		token = in.Token
	}
	fmt.Fprintf(out, "Created instance %d (%q).\n", in.ID, in.Name)
	fmt.Fprintf(out, "Instance token: %s\n", token)
	if generated {
		fmt.Fprintf(out, "Signing key (generated, as none was given; the receiver needs it as ELEMENTS_SIGNING_KEY,\n"+
			"and the platform shows it only masked from now on): %s\n", signingKey)
	}
	// The pattern is documented for other elements, not for Acuity: the
	// instance's page in the platform shows the real URL.
	fmt.Fprintf(out, "Webhook URL to paste into Acuity (Integrations > API > Webhooks): copy it from the instance's\n"+
		"page in the platform. The SDK's best guess (acuity.WebhookURL; the pattern is inferred):\n  %s\n", acuity.WebhookURL(client.BaseURL(), in.ID))
	return nil
}

func randomState() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
