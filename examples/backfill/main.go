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
//
// With -checkpoint FILE the backfill keeps its position in FILE as it goes
// (once per page) and, run again with the same flags after a crash or an
// interrupt, resumes from there instead of from the first page: it lists
// again at most the page it was on. FILE is removed once the backfill is
// done.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
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
	// checkpoint is the file that keeps the position; "" keeps none.
	checkpoint string
}

func parse(args []string, stderr io.Writer) (*options, error) {
	flags := flag.NewFlagSet("backfill", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprint(stderr, `Usage: backfill [flags]

Reads one tenant's appointments for the coming days through the scheduling
hub, page by page. Without -base-url it runs offline against a fake.

Environment (with -base-url): ELEMENTS_USER_SECRET, ELEMENTS_ORG_SECRET,
ELEMENTS_INSTANCE_TOKEN (go run ./cmd/elementstest prints all three).

Flags:
`)
		flags.PrintDefaults()
	}
	o := &options{}
	var from string
	flags.StringVar(&o.baseURL, "base-url", "", "platform base URL, e.g. "+elements.DefaultBaseURL+"\n(or a fake: go run ./cmd/elementstest); empty: an offline fake")
	flags.StringVar(&from, "from", "", "first day, YYYY-MM-DD (default today)")
	flags.IntVar(&o.days, "days", 30, "number of days to read")
	flags.IntVar(&o.pageSize, "page-size", 100, "appointments per request")
	flags.DurationVar(&o.interval, "min-interval", elements.DefaultRequestInterval, "least time between two requests to the account (0: no pacing)")
	flags.IntVar(&o.seed, "seed", 250, "appointments to book first in the offline fake")
	flags.StringVar(&o.checkpoint, "checkpoint", "", "file keeping the backfill's position: resumed from if it exists, removed when done")
	if err := flags.Parse(args); err != nil {
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
		for _, v := range []string{"ELEMENTS_USER_SECRET", "ELEMENTS_ORG_SECRET", "ELEMENTS_INSTANCE_TOKEN"} {
			if getenv(v) == "" {
				return fmt.Errorf("set %s (with -base-url the secrets come from ELEMENTS_USER_SECRET, ELEMENTS_ORG_SECRET and ELEMENTS_INSTANCE_TOKEN)", v)
			}
		}
		client, err = elements.NewClient(getenv("ELEMENTS_USER_SECRET"), getenv("ELEMENTS_ORG_SECRET"), elements.WithBaseURL(o.baseURL), pace)
		if err != nil {
			return err
		}
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
// a time, from the position in o.checkpoint if there is one, keeps the
// position there as it goes, and reports progress after every page's worth.
func backfill(ctx context.Context, account *acuity.Account, o *options, stdout, stderr io.Writer) error {
	q := &acuity.AppointmentQuery{MinDate: o.from, MaxDate: o.from.AddDate(0, 0, o.days-1), PageSize: o.pageSize}
	want := checkpoint{From: q.MinDate.Format(time.DateOnly), Days: o.days, PageSize: o.pageSize}
	saved, err := loadCheckpoint(o.checkpoint, want)
	if err != nil {
		return err
	}
	q.NextPage = saved
	fmt.Fprintf(stderr, "backfill: appointments from %s to %s, %d per page\n",
		q.MinDate.Format(time.DateOnly), q.MaxDate.Format(time.DateOnly), o.pageSize)
	if saved != "" {
		fmt.Fprintf(stderr, "backfill: resuming from the position in %s\n", o.checkpoint)
	}
	start := time.Now()
	n := 0
	pager := account.AppointmentPager(q)
	for appt, err := range pager.All(ctx) {
		if err == nil {
			err = ctx.Err() // interrupted: stop before the next appointment
		}
		if err != nil {
			return fmt.Errorf("after %d appointments: %w", n, err)
		}
		// The position names this appointment's page: saved before the
		// appointment is handled, a resume lists that page again.
		if pos := pager.Position(); o.checkpoint != "" && pos != saved {
			want.Position = pos
			if err := saveCheckpoint(o.checkpoint, want); err != nil {
				return err
			}
			saved = pos
		}
		n++
		fmt.Fprintf(stdout, "%d\t%s\t%s %s\t%s\n", appt.ID, appt.Datetime.Format(acuity.DatetimeLayout),
			appt.FirstName, appt.LastName, appt.Type)
		if n%o.pageSize == 0 {
			fmt.Fprintf(stderr, "backfill: %d appointments so far%s\n", n, ofTotal(pager.Total()))
		}
	}
	if o.checkpoint != "" {
		if err := os.Remove(o.checkpoint); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	fmt.Fprintf(stderr, "backfill: done: %d appointments in %v\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// ofTotal describes the platform's count of the listing, if it sent one.
func ofTotal(total int) string {
	if total < 0 {
		return ""
	}
	return fmt.Sprintf(" (the platform counts %d in all)", total)
}

// checkpoint is what the -checkpoint file holds: the position of an
// unfinished backfill and the flags of its listing, since a position
// belongs to the listing it came from.
type checkpoint struct {
	From     string `json:"from"`
	Days     int    `json:"days"`
	PageSize int    `json:"pageSize"`
	Position string `json:"position"`
}

// loadCheckpoint returns the position kept in file, or "" when file is ""
// or does not exist. A checkpoint of another listing is an error.
func loadCheckpoint(file string, want checkpoint) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var got checkpoint
	if err := json.Unmarshal(b, &got); err != nil {
		return "", fmt.Errorf("-checkpoint %s: %w", file, err)
	}
	if got.From != want.From || got.Days != want.Days || got.PageSize != want.PageSize {
		return "", fmt.Errorf("-checkpoint %s holds the backfill of -from %s -days %d -page-size %d: resume it with those flags, or remove the file",
			file, got.From, got.Days, got.PageSize)
	}
	return got.Position, nil
}

// saveCheckpoint writes cp to file through a temporary file and a rename,
// so that a crash while writing leaves the previous checkpoint whole.
func saveCheckpoint(file string, cp checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("saving the checkpoint: %w", err)
	}
	return nil
}

// seedFake creates an Acuity instance on the fake and books o.seed
// appointments through the API: most in the backfill's days, one in ten the
// day before them (which the backfill must leave out). It returns the
// instance's token. Its client does not pace: the fake has no rate limit.
func seedFake(ctx context.Context, fake *elementstest.Server, o *options, stderr io.Writer) (string, error) {
	client, err := fake.NewClient() // no pacing: the fake has no rate limit
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
