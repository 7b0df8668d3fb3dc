package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/webhook"
)

func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errs bytes.Buffer
	if err := run(ctx, nil, func(string) string { return "" }, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	got := regexp.MustCompile(`[0-9a-f]{12}|\d{4}-\d\d-\d\dT[\d:]+Z|127\.0\.0\.1:\d+`).ReplaceAllString(out.String(), "X")
	for _, want := range []string{
		"failure policy: retry\n",
		"3 queued for http://X\ninstance 1001: event X of X is DISPATCHED\n",
		"instance 1001: 3 events since X not NOTIFIED\nfix the receiver, then run again with -redeliver\n",
		"redelivered 3: the subscription is active again\nthe receiver handled 3 notifications\n",
		"0 queued for http://X\ninstance 1001: 0 events since X not NOTIFIED\nnothing waits: the subscription is active\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "queued: notification"); n != 6 {
		t.Errorf("%d queued deliveries listed, want 3 twice:\n%s", n, got)
	}
}

// TestAgainstAPlatform runs the command as a user would against a running
// platform (a fake here), with its flags and environment.
func TestAgainstAPlatform(t *testing.T) {
	ctx := context.Background()
	fake := elementstest.NewServer(elementstest.WithCredentials("u-secret", "o-secret"),
		elementstest.WithDeliveryRetry(0, 0, 0), elementstest.WithDeliveryTimeout(5*time.Second))
	t.Cleanup(fake.Close)
	rcv := newReceiver("k")
	t.Cleanup(rcv.srv.Close)
	client, err := fake.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	req, err := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "c", ClientID: "id", ClientSecret: "s",
		RedirectURI: "https://app.example/oauth", EventCallbackURL: rcv.srv.URL, SignatureKey: "k", Name: "n"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := client.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	rcv.down.Store(true)
	if _, err := fake.Deliver(in.ID, webhook.Event{ObjectType: acuity.ObjectAppointments, EventType: webhook.EventCreated, ObjectID: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitForDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ELEMENTS_USER_SECRET": "u-secret", "ELEMENTS_ORG_SECRET": "o-secret"}
	args := []string{"-base-url", fake.URL, "-callback-url", rcv.srv.URL, "-instance", "1001"}
	var out bytes.Buffer
	if err := run(ctx, args, func(k string) string { return env[k] }, &out, &out); err != nil {
		t.Fatalf("looking: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "1 queued for") || fake.Queued(rcv.srv.URL) != 1 {
		t.Errorf("without -redeliver: %s (fake holds %d)", out.String(), fake.Queued(rcv.srv.URL))
	}
	rcv.down.Store(false)
	out.Reset()
	if err := run(ctx, append(args, "-redeliver"), func(k string) string { return env[k] }, &out, &out); err != nil {
		t.Fatalf("redelivering: %v\n%s", err, out.String())
	}
	if _, err := fake.WaitForDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "redelivered 1") || fake.Queued(rcv.srv.URL) != 0 || rcv.handled() != 1 {
		t.Errorf("with -redeliver: %s (fake holds %d, handled %d)", out.String(), fake.Queued(rcv.srv.URL), rcv.handled())
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-base-url", "http://127.0.0.1:1"}, nil, "-callback-url is required"},
		{[]string{"-base-url", "http://127.0.0.1:1", "-callback-url", "https://a.example/e"}, nil, "set ELEMENTS_USER_SECRET and ELEMENTS_ORG_SECRET"},
		{[]string{"-instance", "x"}, nil, `"x" is not an instance id`},
		{[]string{"extra"}, nil, "unexpected arguments"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &out, &out)
		if err == nil || !strings.Contains(err.Error()+out.String(), tc.want) {
			t.Errorf("%q: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
	var usage bytes.Buffer
	err := run(context.Background(), []string{"-h"}, func(string) string { return "" }, &usage, &usage)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(usage.String(), "ELEMENTS_USER_SECRET") {
		t.Errorf("-h: %v\n%s", err, usage.String())
	}
}
