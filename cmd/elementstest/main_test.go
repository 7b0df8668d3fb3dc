package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/internal/paging"
)

// syncBuffer is written by the server's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The command serves what it prints: a client built from the exports
// reads the seeded appointments, each request is logged on one line, and
// the command returns when its context ends.
func TestServesWhatItPrints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	ready := make(chan *elementstest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "45", "-failure-policy", "queue", "-hub-rate", "10", "-hub-concurrency", "20"},
			&stdout, &stderr, ready)
	}()
	var srv *elementstest.Server
	select {
	case srv = <-ready:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(ELEMENTS_[A-Z_]+)=(\S+)`).FindAllStringSubmatch(stdout.String(), -1) {
		env[m[1]] = m[2]
	}
	if env["ELEMENTS_BASE_URL"] != srv.URL || env["ELEMENTS_SIGNING_KEY"] == "" {
		t.Fatalf("exports %v, want the base URL %s and a signing key", env, srv.URL)
	}
	client, err := elements.NewClient(env["ELEMENTS_USER_SECRET"], env["ELEMENTS_ORG_SECRET"], elements.WithBaseURL(env["ELEMENTS_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := client.Deliveries.FailurePolicy(ctx); err != nil || p != elements.FailurePolicyQueue {
		t.Errorf("failure policy %q, %v; want queue", p, err)
	}
	account, err := acuity.NewAccount(client, env["ELEMENTS_INSTANCE_TOKEN"])
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	appts, err := paging.Collect(account.Appointments(ctx, &acuity.AppointmentQuery{MinDate: now.AddDate(0, 0, -1), MaxDate: now.AddDate(0, 0, 31), PageSize: 20}))
	if err != nil || len(appts) != 45 {
		t.Errorf("%d appointments, %v; want the 45 seeded", len(appts), err)
	}
	if load := srv.HubLoad(1001); load.Calls != 4 { // the last page has a token too: an empty page ends the list
		t.Errorf("hub load %+v, want 4 calls (pages of 20, then an empty one)", load)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after Ctrl-C: %v", err)
	}
	if n := strings.Count(stderr.String(), "msg=request"); n < 6 {
		t.Errorf("%d request lines logged, want one per request:\n%s", n, stderr.String())
	}
	if strings.Contains(stderr.String(), env["ELEMENTS_INSTANCE_TOKEN"]) {
		t.Error("the request log holds the instance token")
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-retry-schedule", "weekly"}, `-retry-schedule "weekly"`},
		{[]string{"-failure-policy", "drop"}, `-failure-policy "drop"`},
		{[]string{"-time-scale", "2"}, "-time-scale must be in (0, 1]"},
		{[]string{"-seed", "-1"}, "must not be negative"},
		{[]string{"-addr", "256.0.0.1:1"}, "256.0.0.1"},
		{[]string{"extra"}, "unexpected arguments"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), tc.args, &out, &out, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
	var usage bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &usage, &usage, nil); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(usage.String(), "ELEMENTS_INSTANCE_TOKEN") {
		t.Errorf("-h: %v\n%s", err, usage.String())
	}
}
