package elementstest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/google/go-cmp/cmp"
)

// clock is a settable time for a rateLimiter.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setClock(l *rateLimiter, c *clock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = c.now
}

func TestRateLimiterWindow(t *testing.T) {
	t.Parallel()
	c := &clock{time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	l := newRateLimiter(10, 0)
	setClock(l, c)
	admit := func(key int64) (time.Duration, bool) {
		wait, ok := l.enter(key)
		if ok {
			l.leave(key)
		}
		return wait, ok
	}
	for i := range 10 {
		if _, ok := admit(1); !ok {
			t.Fatalf("call %d refused", i+1)
		}
		c.t = c.t.Add(50 * time.Millisecond) // 10 calls over 500 ms
	}
	// 500 ms after the first call: the 11th waits until the first leaves the window.
	if wait, ok := admit(1); ok || wait != 500*time.Millisecond {
		t.Errorf("11th call: admitted %v, wait %v; want refused, 500ms", ok, wait)
	}
	if _, ok := admit(2); !ok {
		t.Error("another key's call refused: the window is per key")
	}
	c.t = c.t.Add(499 * time.Millisecond) // 1 ms before the first call is a second old
	if wait, ok := admit(1); ok || wait != time.Millisecond {
		t.Errorf("at 999ms: admitted %v, wait %v; want refused, 1ms", ok, wait)
	}
	c.t = c.t.Add(time.Millisecond) // exactly a second after the first: it is out
	if _, ok := admit(1); !ok {
		t.Error("a second after the first call: refused")
	}
	want := HubLoad{Calls: 13, Limited: 2, MaxPerSecond: 12, MaxConcurrent: 1}
	if diff := cmp.Diff(want, l.load(1)); diff != "" {
		t.Errorf("load (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(HubLoad{}, l.load(3)); diff != "" {
		t.Errorf("load of a key without calls (-want +got):\n%s", diff)
	}
}

func TestRateLimiterConcurrency(t *testing.T) {
	t.Parallel()
	l := newRateLimiter(0, 2)
	setClock(l, &clock{time.Unix(0, 0)})
	for i := range 2 {
		if _, ok := l.enter(1); !ok {
			t.Fatalf("call %d refused", i+1)
		}
	}
	if wait, ok := l.enter(1); ok || wait != time.Second {
		t.Errorf("third call at once: admitted %v, wait %v; want refused, 1s", ok, wait)
	}
	l.leave(1)
	if _, ok := l.enter(1); !ok {
		t.Error("a call after one ended: refused")
	}
	if got := l.load(1); got.MaxConcurrent != 2 || got.Limited != 1 || got.MaxPerSecond != 4 {
		t.Errorf("load %+v", got)
	}
	unlimited := newRateLimiter(0, 0)
	for range 100 {
		if _, ok := unlimited.enter(1); !ok {
			t.Fatal("a limiter without bounds refused a call")
		}
	}
	if got := unlimited.load(1); got.MaxConcurrent != 100 || got.MaxPerSecond != 100 || got.Limited != 0 {
		t.Errorf("unlimited load %+v", got)
	}
}

// With WithHubRateLimit the hub answers 429 with Retry-After and the
// platform's error body, per instance; other calls are not limited or
// counted, and HubLoad shows each instance's calls.
func TestHubRateLimitWire(t *testing.T) {
	t.Parallel()
	srv := newServer(t, WithHubRateLimit(2, 20))
	c := &clock{time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	setClock(srv.hubLoad, c)
	tok1, tok2 := createSeed(t, srv)["token"].(string), createSeed(t, srv)["token"].(string)
	ping := func(token string) answer {
		return do(t, srv, call{method: "GET", path: "/hubs/scheduling/ping", auth: testAuth + ", Element " + token})
	}
	var got []int
	for range 3 {
		got = append(got, ping(tok1).status)
	}
	got = append(got, ping(tok2).status)
	if diff := cmp.Diff([]int{200, 200, 429, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	a := ping(tok1)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "1" || errorMessage(t, a) == "" {
		t.Errorf("refused call: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	c.t = c.t.Add(time.Second)
	if a := ping(tok1); a.status != 200 {
		t.Errorf("a second later: %d %s", a.status, a.body)
	}
	if a := ping("not-a-token"); a.status != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", a.status)
	}
	for range 5 {
		if a := do(t, srv, call{method: "GET", path: "/instances"}); a.status != 200 {
			t.Fatalf("GET /instances: %d", a.status)
		}
	}
	if diff := cmp.Diff(HubLoad{Calls: 5, Limited: 2, MaxPerSecond: 4, MaxConcurrent: 1}, srv.HubLoad(1001)); diff != "" {
		t.Errorf("HubLoad(1001) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(HubLoad{Calls: 1, MaxPerSecond: 1, MaxConcurrent: 1}, srv.HubLoad(1002)); diff != "" {
		t.Errorf("HubLoad(1002) (-want +got):\n%s", diff)
	}
}

// A fake that limits hub calls as Acuity does gets a NewClient that paces
// as in production: a burst of calls meets no 429.
func TestNewClientPacesAgainstARateLimitedFake(t *testing.T) {
	t.Parallel()
	srv := NewServer(WithHubRateLimit(10, 20))
	t.Cleanup(srv.Close)
	c, err := srv.NewClient(elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	in := newAcuityInstance(t, c, "https://app.example/events")
	a, err := acuity.NewAccount(c, in.Token)
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		if err := a.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if load := srv.HubLoad(in.ID); load.Calls != 12 || load.Limited != 0 || load.MaxPerSecond > 10 {
		t.Errorf("hub load %+v, want 12 calls, none limited, at most 10 in a second", load)
	}
}
