package pgdedup_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
)

// Two replicas, each a WebhookHandler with its own Store over one table,
// get every notification twice (once each, at the same time, as the
// platform's redeliveries land on either): each notification reaches a host
// once, and every delivery is answered 200 or 409 (retried later).
func TestReplicasHandleOnce(t *testing.T) {
	t.Parallel()
	const notifications = 20
	pool := newPool(t, nil)
	name := table()
	var mu sync.Mutex
	handled := map[string]int{}
	replicas := make([]*webhook.Handler, 2)
	for i := range replicas {
		store, err := pgdedup.New(context.Background(), pool, pgdedup.WithTable(name))
		if err != nil {
			t.Fatal(err)
		}
		replicas[i] = &webhook.Handler{
			SigningKeys:  []string{"key"},
			Deduplicator: store,
			OnNotification: func(_ context.Context, n *webhook.Notification) error {
				mu.Lock()
				handled[n.EventID]++
				mu.Unlock()
				return nil
			},
		}
	}
	deliver := func(h http.Handler, body []byte) int {
		r := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
		r.Header.Set(webhook.SignatureHeader, webhook.Sign("key", body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	var wg sync.WaitGroup
	for n := range notifications {
		body := fmt.Appendf(nil, `{"message":{"eventId":"n%d","events":[{"eventType":"CREATED"}]}}`, n)
		for _, h := range replicas {
			wg.Go(func() {
				for {
					switch code := deliver(h, body); code {
					case http.StatusOK:
						return
					case http.StatusConflict: // the other replica holds it: the platform retries
					default:
						t.Errorf("n%d: status %d", n, code)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	for n := range notifications {
		if got := handled[fmt.Sprint("n", n)]; got != 1 {
			t.Errorf("n%d handled %d times, want 1", n, got)
		}
	}
}
