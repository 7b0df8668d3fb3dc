// Command elementstest runs the SDK's fake platform (package elementstest)
// on its own, as stripe-mock does for Stripe: point an example, your
// application or curl at it with -base-url and work offline.
//
//	go run ./cmd/elementstest
//
// It listens on -addr, prints the base URL, the secrets it accepts and a
// seeded Acuity Scheduling instance (its id, token and signing key, with
// -seed appointments in the coming days) as shell exports, logs each
// request on one line, and stops cleanly on Ctrl-C. The instance sends its
// events to -callback-url (for example examples/event-receiver's). Flags set
// what a test would: the retry schedule and how much faster it runs, the
// failure policy, the hub's rate limit and a latency on every call.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "elementstest:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	addr, user, org, callbackURL string
	seed                         int
	schedule                     string
	scale                        float64
	policy                       string
	hubRate, hubConcurrent       int
	latency                      time.Duration
	quiet                        bool
}

func parse(args []string, stderr io.Writer) (*options, error) {
	flags := flag.NewFlagSet("elementstest", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, `Usage: elementstest [flags]

Runs the fake platform until Ctrl-C and prints, as shell exports, what the
examples read from the environment: ELEMENTS_BASE_URL, ELEMENTS_USER_SECRET,
ELEMENTS_ORG_SECRET, ELEMENTS_INSTANCE_TOKEN and ELEMENTS_SIGNING_KEY.

Flags:
`)
		flags.PrintDefaults()
	}
	o := &options{}
	flags.StringVar(&o.addr, "addr", "127.0.0.1:8711", "address to listen on")
	flags.StringVar(&o.user, "user-secret", "fake-user-secret", "the user secret the fake accepts")
	flags.StringVar(&o.org, "org-secret", "fake-org-secret", "the organization secret the fake accepts")
	flags.StringVar(&o.callbackURL, "callback-url", "http://127.0.0.1:8080/events", "where the seeded instance sends its events")
	flags.IntVar(&o.seed, "seed", 200, "appointments in the seeded instance's account, over the next 30 days")
	flags.StringVar(&o.schedule, "retry-schedule", "fast", "delivery retries: fast (9 within a second), devportal (9 over 73 h) or sap (5 over 9.5 h)")
	flags.Float64Var(&o.scale, "time-scale", 1e-4, "how much faster than the platform the devportal and sap schedules run (1: real time)")
	flags.StringVar(&o.policy, "failure-policy", "retry", "the account's failure policy: retry, or queue (a failed delivery waits at once)")
	flags.IntVar(&o.hubRate, "hub-rate", 0, "hub calls per second an instance may make, answering 429 beyond (Acuity: 10); 0: no limit")
	flags.IntVar(&o.hubConcurrent, "hub-concurrency", 0, "hub calls an instance may have in flight (Acuity: 20); 0: no limit")
	flags.DurationVar(&o.latency, "latency", 0, "extra time every API call takes")
	flags.BoolVar(&o.quiet, "quiet", false, "do not log each request")
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	if flags.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	switch {
	case o.seed < 0 || o.hubRate < 0 || o.hubConcurrent < 0 || o.latency < 0:
		return nil, errors.New("-seed, -hub-rate, -hub-concurrency and -latency must not be negative")
	case o.scale <= 0 || o.scale > 1:
		return nil, errors.New("-time-scale must be in (0, 1]")
	case o.policy != string(elements.FailurePolicyRetry) && o.policy != string(elements.FailurePolicyQueue):
		return nil, fmt.Errorf("-failure-policy %q: want retry or queue", o.policy)
	case o.user == "" || o.org == "":
		return nil, errors.New("-user-secret and -org-secret must not be empty")
	}
	return o, nil
}

// serverOptions turns the flags into the fake's options.
func (o *options) serverOptions() ([]elementstest.Option, error) {
	opts := []elementstest.Option{elementstest.WithCredentials(o.user, o.org)}
	switch o.schedule {
	case "fast":
	case "devportal":
		opts = append(opts, elementstest.WithRetrySchedule(elementstest.DevPortalSchedule), elementstest.WithTimeScale(o.scale))
	case "sap":
		opts = append(opts, elementstest.WithRetrySchedule(elementstest.SAPHelpSchedule), elementstest.WithTimeScale(o.scale))
	default:
		return nil, fmt.Errorf("-retry-schedule %q: want fast, devportal or sap", o.schedule)
	}
	if o.hubRate > 0 || o.hubConcurrent > 0 {
		opts = append(opts, elementstest.WithHubRateLimit(o.hubRate, o.hubConcurrent))
	}
	return opts, nil
}

// run serves until ctx ends. ready, if not nil, receives the server once it
// is seeded (for tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- *elementstest.Server) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	opts, err := o.serverOptions()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	opts = append(opts, elementstest.WithListener(ln))
	if !o.quiet {
		opts = append(opts, elementstest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	srv := elementstest.NewServer(opts...)
	defer srv.Close()
	srv.SetLatency(o.latency)
	in, signingKey, err := seed(ctx, srv, o)
	if err != nil {
		return fmt.Errorf("seeding the fake: %w", err)
	}
	fmt.Fprintf(stdout, `# the fake platform; Ctrl-C stops it
export ELEMENTS_BASE_URL=%s
export ELEMENTS_USER_SECRET=%s ELEMENTS_ORG_SECRET=%s
# instance %d (%s, %q): %d appointments; events to %s
export ELEMENTS_INSTANCE_TOKEN=%s
export ELEMENTS_SIGNING_KEY=%s
`, srv.URL, o.user, o.org, in.ID, in.Element.Name, in.Name, o.seed, o.callbackURL, in.Token, signingKey)
	if ready != nil {
		ready <- srv
	}
	<-ctx.Done()
	return nil
}

// seed creates one Acuity Scheduling instance through the API, with a
// calendar, an appointment type and o.seed appointments over the next 30
// days, and sets the account's failure policy.
func seed(ctx context.Context, srv *elementstest.Server, o *options) (*elements.Instance, string, error) {
	client, err := elements.NewClient(o.user, o.org, elements.WithBaseURL(srv.URL))
	if err != nil {
		return nil, "", err
	}
	if err := client.Deliveries.SetFailurePolicy(ctx, elements.FailurePolicy(o.policy)); err != nil {
		return nil, "", err
	}
	signingKey := rand.Text()
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "elementstest-code", ClientID: "elementstest-client-id", ClientSecret: "elementstest-client-secret",
		RedirectURI: "http://127.0.0.1/oauth/callback", EventCallbackURL: o.callbackURL, SignatureKey: signingKey,
		Name: "Demo tenant",
	})
	if err != nil {
		return nil, "", err
	}
	in, err := client.Instances.Create(ctx, req)
	if err != nil {
		return nil, "", err
	}
	if err := srv.SetCalendar(in.ID, json.RawMessage(`{"id": 1, "name": "Front desk", "timezone": "UTC"}`)); err != nil {
		return nil, "", err
	}
	if err := srv.SetAppointmentType(in.ID, json.RawMessage(`{"id": 1, "name": "Consultation", "duration": 30, "calendarIDs": [1]}`)); err != nil {
		return nil, "", err
	}
	day := time.Now().UTC().Truncate(24 * time.Hour).Add(9 * time.Hour)
	for i := range o.seed {
		at := day.AddDate(0, 0, i%30).Add(time.Duration(i/30%16) * 30 * time.Minute)
		appt, err := json.Marshal(map[string]any{
			"id": 10001 + i, "firstName": "Client", "lastName": fmt.Sprintf("%03d", i+1),
			"email": fmt.Sprintf("client%03d@example.com", i+1), "datetime": at.Format(acuity.DatetimeLayout),
			"duration": "30", "type": "Consultation", "appointmentTypeID": 1, "calendarID": 1, "calendar": "Front desk",
		})
		if err != nil {
			return nil, "", err
		}
		if err := srv.SetAppointment(in.ID, appt); err != nil {
			return nil, "", err
		}
	}
	return in, signingKey, nil
}
