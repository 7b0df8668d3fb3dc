package acuity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/elementsgo/elements"
	"github.com/jarcoal/httpmock"
)

const otherToken = "XYZ/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="

// sendLog records when each request reached the transport, by its
// instance token.
type sendLog struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (l *sendLog) record(r *http.Request) {
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), "Element ")
	l.mu.Lock()
	defer l.mu.Unlock()
	l.times[tok] = append(l.times[tok], time.Now())
}

func (l *sendLog) of(token string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times[token]...)
}

// pacedClient returns, inside a synctest bubble, a client with the default
// pacing on an in-memory hub that answers ping and appointment 1, and the
// log of the requests that reached it.
func pacedClient(t *testing.T) (*elements.Client, *sendLog) {
	t.Helper()
	log := &sendLog{times: make(map[string][]time.Time)}
	mt := httpmock.NewMockTransport()
	for path, answer := range map[string]string{"/hubs/scheduling/ping": `{}`, "/hubs/scheduling/appointments/1": `{"id": 1}`} {
		mt.RegisterResponder("GET", "https://platform.test/elements/api-v2"+path, func(r *http.Request) (*http.Response, error) {
			log.record(r)
			return httpmock.NewStringResponse(http.StatusOK, answer), nil
		})
	}
	c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL("https://platform.test/elements/api-v2"),
		elements.WithRetry(0, 0, 0), elements.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	return c, log
}

// TestPaceSharedPerAccount: everything one Client sends with one token
// (two Account values, GetAppointment, a request of the caller's own with
// WithElementToken) shares one pace, DefaultRequestInterval apart; another
// token has a pace of its own.
func TestPaceSharedPerAccount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		c, log := pacedClient(t)
		a1, err := NewAccount(c, testToken)
		if err != nil {
			t.Fatal(err)
		}
		a2, err := NewAccount(c, testToken)
		if err != nil {
			t.Fatal(err)
		}
		other, err := NewAccount(c, otherToken)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		calls := []func() error{
			func() error { return a1.Ping(ctx) },
			func() error { return a2.Ping(ctx) },
			func() error { _, err := GetAppointment(ctx, c, testToken, 1); return err },
			func() error {
				req, err := c.NewRequest(ctx, "GET", "/hubs/scheduling/ping", nil, elements.WithElementToken(testToken))
				if err != nil {
					return err
				}
				_, err = c.Do(req, nil)
				return err
			},
			func() error { return other.Ping(ctx) },
		}
		t0 := time.Now()
		var wg sync.WaitGroup
		for range 3 {
			for _, call := range calls {
				wg.Go(func() {
					if err := call(); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		for token, want := range map[string]int{testToken: 12, otherToken: 3} {
			got := log.of(token)
			if len(got) != want {
				t.Fatalf("%d requests with one token, want %d", len(got), want)
			}
			for i, at := range got { // all asked at t0: one every interval
				if d := at.Sub(t0); d != time.Duration(i)*elements.DefaultRequestInterval {
					t.Errorf("request %d of %d with one token started at %v, want %v", i, want, d, time.Duration(i)*elements.DefaultRequestInterval)
				}
			}
		}
	})
}

// TestPaceSlotsReturned (issue 16): callers that gave up (their context
// ended while they waited, as deliveries the platform timed out do) or that
// came with a context already done hold no place in the pace: the next
// caller starts within one interval of the last request that was sent.
func TestPaceSlotsReturned(t *testing.T) {
	t.Parallel()
	const interval = elements.DefaultRequestInterval
	synctest.Test(t, func(t *testing.T) {
		c, log := pacedClient(t)
		a, err := NewAccount(c, testToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Ping(context.Background()); err != nil { // takes the first slot
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 100 { // each would wait; each gives up halfway through the interval
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), interval/2)
				defer cancel()
				if err := a.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Ping with a deadline before its turn = %v, want DeadlineExceeded", err)
				}
			})
		}
		wg.Wait()
		done, cancel := context.WithCancel(context.Background())
		cancel()
		for range 100 { // a context already done takes no slot
			if err := a.Ping(done); !errors.Is(err, context.Canceled) {
				t.Fatalf("Ping with a canceled context = %v, want Canceled", err)
			}
		}
		before := time.Now()
		if err := a.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := log.of(testToken)
		if len(got) != 2 {
			t.Fatalf("%d requests sent, want 2 (the first and the last caller)", len(got))
		}
		if wait := got[1].Sub(before); wait > interval {
			t.Errorf("the next caller waited %v after 200 callers gave up, want at most one interval (%v)", wait, interval)
		}
		if gap := got[1].Sub(got[0]); gap != interval {
			t.Errorf("two requests %v apart, want %v", gap, interval)
		}
	})
}
