// Command backfill reads one tenant's appointments for the coming days
// through the platform's scheduling hub, page by page, with progress on
// stderr and one line per appointment on stdout: what a sync product does
// when a tenant connects.
//
// By default it runs offline: it starts a fake platform (elementstest),
// creates an Acuity Scheduling instance through the client, books a few
// hundred appointments through the API (acuity.Account.Book), then reads
// the next 30 days back:
//
//	go run ./examples/backfill
//
// Against the real platform, pass the base URL and put the secrets in the
// environment (flags show up in process lists):
//
//	ELEMENTS_USER_SECRET=... ELEMENTS_ORG_SECRET=... ELEMENTS_INSTANCE_TOKEN=... \
//	  go run ./examples/backfill -base-url https://api.cloud-elements.com/elements/api-v2
//
// The client paces the requests to the account at -min-interval (default
// elements.DefaultRequestInterval: 9 a second, under Acuity's per-account
// rate of about 10) and waits out any 429's Retry-After.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "backfill failed:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	baseURL  string
	from     time.Time
	days     int
	pageSize int
	interval time.Duration
	seed     int
}

func parse(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	var from string
	fs.StringVar(&o.baseURL, "base-url", "", "platform base URL, e.g. "+elements.DefaultBaseURL+"; empty: an offline fake\n(secrets from ELEMENTS_USER_SECRET, ELEMENTS_ORG_SECRET and ELEMENTS_INSTANCE_TOKEN)")
	fs.StringVar(&from, "from", "", "first day, YYYY-MM-DD (default today)")
	fs.IntVar(&o.days, "days", 30, "number of days to read")
	fs.IntVar(&o.pageSize, "page-size", 100, "appointments per request")
	fs.DurationVar(&o.interval, "min-interval", elements.DefaultRequestInterval, "least time between two requests to the account (0: no pacing)")
	fs.IntVar(&o.seed, "seed", 250, "appointments to book first in the offline fake")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.from = time.Now()
	if from != "" {
		t, err := time.ParseInLocation(time.DateOnly, from, time.Local)
		if err != nil {
			return nil, fmt.Errorf("-from %q is not YYYY-MM-DD", from)
		}
		o.from = t
	}
	if o.days < 1 || o.pageSize < 1 || o.seed < 0 {
		return nil, errors.New("-days and -page-size must be positive, -seed not negative")
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	pace := elements.WithLimiter(elements.NewMemoryLimiter(o.interval, elements.DefaultConcurrentRequests))
	var client *elements.Client
	var token string
	if o.baseURL == "" {
		fake := elementstest.NewServer()
		defer fake.Close()
		if token, err = seedFake(ctx, fake, o, stderr); err != nil {
			return err
		}
		client, err = fake.NewClient(pace)
	} else {
		client, err = elements.NewClient(getenv("ELEMENTS_USER_SECRET"), getenv("ELEMENTS_ORG_SECRET"), elements.WithBaseURL(o.baseURL), pace)
		token = getenv("ELEMENTS_INSTANCE_TOKEN")
	}
	if err != nil {
		return err
	}
	account, err := acuity.NewAccount(client, token)
	if err != nil {
		return err
	}
	return backfill(ctx, account, o, stdout, stderr)
}

// backfill reads the appointments of o.days days from o.from, one page at
// a time, and reports progress after every page's worth.
func backfill(ctx context.Context, account *acuity.Account, o *options, stdout, stderr io.Writer) error {
	q := &acuity.AppointmentQuery{MinDate: o.from, MaxDate: o.from.AddDate(0, 0, o.days-1), PageSize: o.pageSize}
	fmt.Fprintf(stderr, "backfill: appointments from %s to %s, %d per page\n",
		q.MinDate.Format(time.DateOnly), q.MaxDate.Format(time.DateOnly), o.pageSize)
	start := time.Now()
	n := 0
	for appt, err := range account.Appointments(ctx, q) {
		if err != nil {
			return fmt.Errorf("after %d appointments: %w", n, err)
		}
		n++
		fmt.Fprintf(stdout, "%d\t%s\t%s %s\t%s\n", appt.ID, appt.Datetime.Format(acuity.DatetimeLayout),
			appt.FirstName, appt.LastName, appt.Type)
		if n%o.pageSize == 0 {
			fmt.Fprintf(stderr, "backfill: %d appointments so far\n", n)
		}
	}
	fmt.Fprintf(stderr, "backfill: done: %d appointments in %v\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// seedFake creates an Acuity instance on the fake and books o.seed
// appointments through the API: most in the backfill's days, one in ten the
// day before them (which the backfill must leave out). It returns the
// instance's token. Its client does not pace: the fake has no rate limit.
func seedFake(ctx context.Context, fake *elementstest.Server, o *options, stderr io.Writer) (string, error) {
	client, err := fake.NewClient(elements.WithLimiter(elements.NewMemoryLimiter(0, 0)))
	if err != nil {
		return "", err
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
		Code: "backfill-code", ClientID: "backfill-client-id", ClientSecret: "backfill-client-secret",
		RedirectURI: "https://app.example/oauth/acuity", EventCallbackURL: "https://app.example/events", Name: "Backfill demo",
	})
	if err != nil {
		return "", err
	}
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		return "", err
	}
	if err := fake.SetCalendar(inst.ID, json.RawMessage(`{"id": 12, "name": "Front Desk"}`)); err != nil {
		return "", err
	}
	err = fake.SetAppointmentType(inst.ID, json.RawMessage(`{"id": 3, "name": "Consultation", "duration": 45, "price": "60.00", "calendarIDs": [12]}`))
	if err != nil {
		return "", err
	}
	account, err := acuity.NewAccount(client, inst.Token)
	if err != nil {
		return "", err
	}
	day0 := time.Date(o.from.Year(), o.from.Month(), o.from.Day(), 9, 0, 0, 0, o.from.Location())
	for i := range o.seed {
		at := day0.AddDate(0, 0, i%o.days).Add(time.Duration(i/o.days%8) * time.Hour)
		if i%10 == 9 {
			at = day0.AddDate(0, 0, -1)
		}
		if _, err := account.Book(ctx, &acuity.Booking{AppointmentTypeID: 3, Datetime: at,
			FirstName: "Client", LastName: fmt.Sprintf("%03d", i+1), Email: fmt.Sprintf("client%03d@example.com", i+1)}); err != nil {
			return "", fmt.Errorf("booking appointment %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(stderr, "backfill: offline fake with instance %d and %d booked appointments\n", inst.ID, o.seed)
	return inst.Token, nil
}
