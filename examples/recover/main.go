// Command recover walks the runbook for a receiver that was down longer
// than the platform's retry window: the platform then deactivated the
// callback URL's subscription and holds every later notification queued.
// It shows the account's failure policy and what waits for the callback
// URL, redelivers it once the receiver is fixed, and lists the events log
// records of the last hours that never reached NOTIFIED.
//
// By default it runs offline: it starts a fake platform (elementstest)
// playing the documented retry schedule, sped up, and a receiver that is
// down while notifications arrive, then recovers:
//
//	go run ./examples/recover
//
// Against the platform, pass the base URL and the callback URL, with the
// secrets in the environment (ELEMENTS_USER_SECRET, ELEMENTS_ORG_SECRET).
// Without -redeliver it only looks; -instance adds an instance's events
// log to check:
//
//	go run ./examples/recover -base-url https://api.cloud-elements.com/elements/api-v2 \
//	  -callback-url https://app.example/elements/events -instance 12345 -redeliver
//
// A redelivered notification that the receiver handled before its answer
// was lost reaches the host once only when the receiver de-duplicates
// (webhook.Handler.Deduplicator, or a queue-first Inbox).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/elementsgo/elements"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "recover failed:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	baseURL     string
	callbackURL string
	instances   []int64
	since       time.Duration
	redeliver   bool
}

func parse(args []string, stderr io.Writer) (*options, error) {
	flags := flag.NewFlagSet("recover", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, `Usage: recover [flags]

Shows what the platform holds queued for a callback URL, redelivers it
(-redeliver), and lists events log records that never reached NOTIFIED.
Without -base-url it plays an outage against an offline fake.

Environment (with -base-url): ELEMENTS_USER_SECRET, ELEMENTS_ORG_SECRET.

Flags:
`)
		flags.PrintDefaults()
	}
	o := &options{}
	flags.StringVar(&o.baseURL, "base-url", "", "platform base URL, e.g. "+elements.DefaultBaseURL+"\n(or a fake: go run ./cmd/elementstest); empty: an offline demonstration")
	flags.StringVar(&o.callbackURL, "callback-url", "", "the receiver's URL, the instances' event.notification.callback.url (required with -base-url)")
	flags.Func("instance", "an instance id whose events log to check (repeatable)", func(s string) error {
		var id int64
		if _, err := fmt.Sscan(s, &id); err != nil || id <= 0 {
			return fmt.Errorf("%q is not an instance id", s)
		}
		o.instances = append(o.instances, id)
		return nil
	})
	flags.DurationVar(&o.since, "since", 96*time.Hour, "how far back to check the events logs (the longest retry window is about 73 hours)")
	flags.BoolVar(&o.redeliver, "redeliver", false, "redeliver what waits (otherwise only look)")
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	if flags.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if o.baseURL != "" && o.callbackURL == "" {
		return nil, errors.New("-callback-url is required with -base-url")
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if o.baseURL == "" {
		return demo(ctx, stdout)
	}
	user, org := getenv("ELEMENTS_USER_SECRET"), getenv("ELEMENTS_ORG_SECRET")
	if user == "" || org == "" {
		return errors.New("set ELEMENTS_USER_SECRET and ELEMENTS_ORG_SECRET to the platform's user and organization secrets")
	}
	client, err := elements.NewClient(user, org, elements.WithBaseURL(o.baseURL))
	if err != nil {
		return err
	}
	return runbook(ctx, client, o, stdout)
}

// runbook is the recovery: see what waits and what the events logs hold
// undelivered, then redeliver (with -redeliver). Run it again afterwards to
// check that nothing waits and every record reached NOTIFIED.
func runbook(ctx context.Context, client *elements.Client, o *options, stdout io.Writer) error {
	policy, err := client.Deliveries.FailurePolicy(ctx)
	if err != nil {
		return fmt.Errorf("reading the failure policy: %w", err)
	}
	fmt.Fprintf(stdout, "failure policy: %s\n", policy)
	n, err := showQueued(ctx, client, o.callbackURL, stdout)
	if err != nil {
		return err
	}
	since := time.Now().Add(-o.since)
	for _, id := range o.instances {
		if err := showUndelivered(ctx, client, id, since, stdout); err != nil {
			return err
		}
	}
	switch {
	case n == 0:
		fmt.Fprintln(stdout, "nothing waits: the subscription is active")
	case !o.redeliver:
		fmt.Fprintln(stdout, "fix the receiver, then run again with -redeliver")
	default:
		if err := client.Deliveries.Redeliver(ctx, o.callbackURL); err != nil {
			return fmt.Errorf("redelivering: %w", err)
		}
		fmt.Fprintf(stdout, "redelivered %d: the subscription is active again\n", n)
	}
	return nil
}

// showQueued prints the deliveries waiting for callbackURL and returns how
// many there are.
func showQueued(ctx context.Context, client *elements.Client, callbackURL string, stdout io.Writer) (int, error) {
	n := 0
	for d, err := range client.Deliveries.Queued(ctx, callbackURL) {
		if err != nil {
			return n, fmt.Errorf("listing queued deliveries: %w", err)
		}
		n++
		fmt.Fprintf(stdout, "queued: notification %d, event %s, since %s\n", d.NotificationID, d.EventID, d.CreatedDate.Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "%d queued for %s\n", n, callbackURL)
	return n, nil
}

// showUndelivered prints the records of instance id's events log since a
// time that did not reach NOTIFIED: notifications the receiver never
// acknowledged. The platform documents no filter on the log, so it is
// filtered here.
func showUndelivered(ctx context.Context, client *elements.Client, id int64, since time.Time, stdout io.Writer) error {
	n := 0
	for e, err := range client.Instances.Events(ctx, id, nil) {
		if err != nil {
			return fmt.Errorf("reading the events log of instance %d: %w", id, err)
		}
		if e.Status != elements.EventStatusNotified && !e.Date.Before(since) {
			n++
			fmt.Fprintf(stdout, "instance %d: event %s of %s is %s\n", id, e.ID, e.Date.Format(time.RFC3339), e.Status)
		}
	}
	fmt.Fprintf(stdout, "instance %d: %d events since %s not NOTIFIED\n", id, n, since.Format(time.RFC3339))
	return nil
}
