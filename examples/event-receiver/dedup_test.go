package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/elementsgo/elements/internal/testserver"
	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
)

// One PostgreSQL server for the tests that need it, started on first use
// (skipped without the binaries unless ELEMENTS_REQUIRE_SERVERS=1).
var server = testserver.Once{Start: testserver.StartPostgres}

func TestMain(m *testing.M) {
	code := m.Run()
	server.Stop()
	os.Exit(code)
}

// Two replicas of the application over one database: a notification that
// reaches both (a redelivery landing on the other replica) is handled once.
func TestReplicasShareTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := server.Get(t).PostgresURL()
	keys, err := parseKeys("1001=k")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var replicas []string
	for range 2 {
		d, closeDedup, err := openDedup(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(closeDedup)
		if _, ok := d.(*pgdedup.Store); !ok {
			t.Fatalf("openDedup(%q) = %T, want *pgdedup.Store", url, d)
		}
		app := httptest.NewServer(newMux(keys, d, logger))
		t.Cleanup(app.Close)
		replicas = append(replicas, app.URL)
	}
	body := []byte(`{"message":{"eventId":"shared-1","instanceId":1001,"events":[` +
		`{"elementKey":"acuityscheduling","eventType":"CREATED","objectId":"8801","objectType":"appointments"}]}}`)
	for _, app := range replicas {
		if code := post(t, app+"/events", body, "k"); code != http.StatusOK {
			t.Errorf("%s: status %d, want 200", app, code)
		}
	}
	if got := strings.Count(logs.String(), "appointment scheduled"); got != 1 {
		t.Errorf("handled %d times by two replicas, want once:\n%s", got, logs.String())
	}
}

func TestOpenDedup(t *testing.T) {
	t.Parallel()
	d, closeDedup, err := openDedup(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	closeDedup()
	if _, ok := d.(*webhook.MemoryDeduplicator); !ok {
		t.Errorf("openDedup(\"\") = %T, want *webhook.MemoryDeduplicator", d)
	}
	if _, _, err := openDedup(context.Background(), "postgres://u:secret-pw@127.0.0.1:1/db?connect_timeout=2"); err == nil {
		t.Error("openDedup with an unreachable database: no error")
	} else if strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("the error shows the password: %v", err)
	}
}
