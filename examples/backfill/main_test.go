package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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
backfill: 20 appointments so far (the platform counts 45 in all)
backfill: 40 appointments so far (the platform counts 45 in all)
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

// cancelAfter is stdout for a run that is interrupted (as by Ctrl-C) once
// it has written lines lines.
type cancelAfter struct {
	bytes.Buffer
	lines  int
	cancel context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Count(w.String(), "\n") >= w.lines {
		w.cancel()
	}
	return n, err
}

// listedIDs returns the ids of the appointments a run listed.
func listedIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for l := range strings.Lines(out) {
		id, _, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("line %q", l)
		}
		ids = append(ids, id)
	}
	return ids
}

// A backfill interrupted in its third page resumes from its checkpoint:
// the second run starts at that page, not the first, every appointment is
// listed, at most one page twice, and the file is gone once it is done.
func TestRunResumesFromCheckpoint(t *testing.T) {
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
	const total, pageSize = 45, 10
	for i := range total {
		at := time.Date(2026, 12, 1+i%10, 9+i/10, 0, 0, 0, time.FixedZone("", -7*3600))
		appt := fmt.Sprintf(`{"id": %d, "firstName": "Client", "lastName": "%03d", "type": "Consult", "datetime": %q}`,
			i+1, i+1, at.Format(acuity.DatetimeLayout))
		if err := platform.SetAppointment(inst.ID, json.RawMessage(appt)); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"ELEMENTS_USER_SECRET": "env-user-secret", "ELEMENTS_ORG_SECRET": "env-org-secret", "ELEMENTS_INSTANCE_TOKEN": inst.Token}
	getenv := func(k string) string { return env[k] }
	file := filepath.Join(t.TempDir(), "backfill.json")
	args := []string{"-base-url", platform.URL, "-from", "2026-12-01", "-days", "10", "-page-size", strconv.Itoa(pageSize),
		"-min-interval", "0", "-checkpoint", file}

	// The first run is interrupted after 25 appointments.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out1 := &cancelAfter{lines: 25, cancel: cancel}
	var progress bytes.Buffer
	if err := run(ctx, args, getenv, out1, &progress); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled\n%s", err, progress.String())
	}
	var cp checkpoint
	if b, err := os.ReadFile(file); err != nil || json.Unmarshal(b, &cp) != nil || cp.Position == "" {
		t.Fatalf("checkpoint after the interrupt: %s, %v; want a position", b, err)
	}
	if want := (checkpoint{From: "2026-12-01", Days: 10, PageSize: pageSize, Position: cp.Position}); cp != want {
		t.Errorf("checkpoint %+v, want %+v", cp, want)
	}

	// The second run resumes there.
	var out2 bytes.Buffer
	progress.Reset()
	if err := run(context.Background(), args, getenv, &out2, &progress); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, progress.String())
	}
	if !strings.Contains(progress.String(), "resuming from the position in "+file) {
		t.Errorf("progress of the resumed run:\n%s", progress.String())
	}
	first, second := listedIDs(t, out1.String()), listedIDs(t, out2.String())
	if len(first) != 25 || len(second) != total-2*pageSize {
		t.Errorf("listed %d then %d, want 25 then %d (from the third page on)", len(first), len(second), total-2*pageSize)
	}
	seen := map[string]int{}
	for _, id := range append(first, second...) {
		seen[id]++
	}
	again := 0
	for i := range total {
		switch seen[strconv.Itoa(i+1)] {
		case 0:
			t.Errorf("appointment %d never listed", i+1)
		case 1:
		default:
			again++
		}
	}
	if again > pageSize {
		t.Errorf("%d appointments listed twice, want at most a page (%d)", again, pageSize)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("checkpoint after the backfill finished: %v, want it removed", err)
	}

	// A checkpoint of other flags is refused, not resumed with the wrong query.
	if err := os.WriteFile(file, []byte(`{"from": "2026-12-01", "days": 9, "pageSize": 10, "position": "x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), args, getenv, &out2, &progress)
	if err == nil || !strings.Contains(err.Error(), "-from 2026-12-01 -days 9 -page-size 10") {
		t.Errorf("checkpoint of other flags: %v", err)
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
	// A checkpoint file that is not one.
	bad := filepath.Join(t.TempDir(), "cp.json")
	if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"-checkpoint", bad, "-seed", "0"}, noEnv, &out, &progress); err == nil || !strings.Contains(err.Error(), "-checkpoint "+bad) {
		t.Errorf("malformed checkpoint: %v", err)
	}
	// The real platform without secrets: the error names the variable.
	err := run(context.Background(), []string{"-base-url", "https://platform.example/elements/api-v2"}, noEnv, &out, &progress)
	if err == nil || !strings.HasPrefix(err.Error(), "set ELEMENTS_USER_SECRET") {
		t.Errorf("no secrets: %v", err)
	}
}

func TestUsageAndMissingSecrets(t *testing.T) {
	var usage bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, noEnv, &usage, &usage); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(usage.String(), "ELEMENTS_INSTANCE_TOKEN") {
		t.Errorf("-h: %v\n%s", err, usage.String())
	}
	env := map[string]string{"ELEMENTS_USER_SECRET": "u", "ELEMENTS_ORG_SECRET": "o"}
	var out bytes.Buffer
	err := run(context.Background(), []string{"-base-url", "http://127.0.0.1:1"}, func(k string) string { return env[k] }, &out, &out)
	if err == nil || !strings.HasPrefix(err.Error(), "set ELEMENTS_INSTANCE_TOKEN") {
		t.Errorf("without the instance token: %v, want an error naming ELEMENTS_INSTANCE_TOKEN", err)
	}
}
