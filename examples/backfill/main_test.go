package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/google/go-cmp/cmp"
)

func noEnv(string) string { return "" }

func TestRunOffline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, progress bytes.Buffer
	args := []string{"-from", "2026-12-01", "-days", "10", "-seed", "50", "-page-size", "20", "-min-interval", "1ms"}
	if err := run(ctx, args, noEnv, &out, &progress); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, progress.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 45 { // 50 booked, 5 of them the day before
		t.Fatalf("%d appointments listed, want 45:\n%s", len(lines), out.String())
	}
	var starts []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 4 || f[3] != "Consultation" || !strings.HasPrefix(f[2], "Client ") {
			t.Fatalf("line %q", l)
		}
		at, err := time.Parse(acuity.DatetimeLayout, f[1])
		if err != nil {
			t.Fatal(err)
		}
		if d := at.Format(time.DateOnly); d < "2026-12-01" || d > "2026-12-10" {
			t.Errorf("appointment on %s, outside the 10 days", d)
		}
		starts = append(starts, f[1])
	}
	if !sort.StringsAreSorted(starts) {
		t.Errorf("not in time order: %v", starts)
	}
	wantProgress := `backfill: appointments from 2026-12-01 to 2026-12-10, 20 per page
backfill: 20 appointments so far
backfill: 40 appointments so far
`
	got := progress.String()
	_, got, _ = strings.Cut(got, "\n") // the fake's line
	if !strings.HasPrefix(got, wantProgress) || !strings.Contains(got, "backfill: done: 45 appointments in ") {
		t.Errorf("progress:\n%s\nwant it to start with:\n%s", progress.String(), wantProgress)
	}
}

// Against a real platform: the base URL from the flag, the secrets and the
// token from the environment, nothing seeded.
func TestRunAgainstPlatform(t *testing.T) {
	platform := elementstest.NewServer(elementstest.WithCredentials("env-user-secret", "env-org-secret"))
	defer platform.Close()
	c, err := platform.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "c", ClientID: "id", ClientSecret: "secret",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: "https://app.example/events", Name: "Tenant"})
	inst, err := c.Instances.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i, dt := range []string{"2026-12-01T09:00:00-0700", "2026-12-02T09:00:00-0700", "2026-12-05T09:00:00-0700"} {
		appt := fmt.Sprintf(`{"id": %d, "firstName": "Ada", "lastName": "L%d", "type": "Consult", "datetime": %q}`, i+1, i, dt)
		if err := platform.SetAppointment(inst.ID, json.RawMessage(appt)); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"ELEMENTS_USER_SECRET": "env-user-secret", "ELEMENTS_ORG_SECRET": "env-org-secret", "ELEMENTS_INSTANCE_TOKEN": inst.Token}
	var out, progress bytes.Buffer
	args := []string{"-base-url", platform.URL, "-from", "2026-12-01", "-days", "2", "-min-interval", "0"}
	if err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &progress); err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	want := "1\t2026-12-01T09:00:00-0700\tAda L0\tConsult\n2\t2026-12-02T09:00:00-0700\tAda L1\tConsult\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if strings.Contains(progress.String(), inst.Token) {
		t.Error("progress shows the instance token")
	}

	// A wrong token: the platform's 401 ends the run with an error that
	// does not show the secrets.
	env["ELEMENTS_INSTANCE_TOKEN"] = "not-the-token"
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &progress)
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "not-the-token") {
		t.Errorf("wrong token: %v, want a 401 without the token", err)
	}
}

func TestRunFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, progress bytes.Buffer
	if err := run(ctx, nil, noEnv, &out, &progress); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v, want context.Canceled", err)
	}
	for _, args := range [][]string{{"-from", "12/01/2026"}, {"-days", "0"}, {"-page-size", "-1"}, {"-nope"}} {
		if err := run(context.Background(), args, noEnv, &out, &progress); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	// The real platform without secrets: NewClient says which is missing.
	err := run(context.Background(), []string{"-base-url", "https://platform.example/elements/api-v2"}, noEnv, &out, &progress)
	if err == nil || !strings.Contains(err.Error(), "user secret is empty") {
		t.Errorf("no secrets: %v", err)
	}
}
