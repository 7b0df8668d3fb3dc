package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// wantOutput is the quickstart's exact output, as shown in the README.
const wantOutput = `Created Acuity Scheduling instance 1001 ("Quickstart").
Sent a signed Acuity "scheduled" webhook for appointment 8801.
Your webhook handler received:
  element key:  acuityscheduling
  instance id:  1001
  event type:   CREATED
  object type:  appointments
  object id:    8801
  appointment:  Jane Doe, Initial consultation, 2026-12-01 10:15 -0700
  signature:    verified (Elements-Webhook-Signature)
All offline: Acuity -> platform -> your handler.
`

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, out.String())
	}
	if diff := cmp.Diff(wantOutput, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestRunFailsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := run(ctx, &out)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run with a canceled context: %v, want an error wrapping context.Canceled", err)
	}
}
