package elements_test

// The client against the fake platform (elementstest) under faults: 429
// storms with Retry-After, 503 bursts, connection resets before and after
// the platform acted, a 502 after it acted, slow answers against context
// deadlines and per-attempt timeouts. Each case checks the error's type, how
// many attempts reached the platform, and how many instances exist afterwards
// (no duplicate creates). The whole run ends with a goroutine count no higher
// than at its start.
//
// The faults are the fake's own (elementstest.Fault, Server.SetLatency); a
// counting transport under the client counts the attempts. No proxy is
// needed: the fake drops connections with a TCP reset, before or after
// acting, and sends Retry-After.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/elementstest"
)

// The faults the cases inject, one per API call.
var (
	unavailable  = elementstest.Fault{Status: http.StatusServiceUnavailable}
	resetBefore  = elementstest.Fault{Drop: true}                                         // TCP reset; the fake did nothing
	resetAfter   = elementstest.Fault{Drop: true, AfterHandling: true}                    // the fake acted, then TCP reset instead of the answer
	gatewayAfter = elementstest.Fault{Status: http.StatusBadGateway, AfterHandling: true} // the fake acted, then 502 instead of the answer
)

// tooMany is a 429 with this Retry-After.
func tooMany(retryAfter string) elementstest.Fault {
	return elementstest.Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// faultCase is one scenario.
type faultCase struct {
	name       string
	faults     []elementstest.Fault // for the next API calls, in order
	latency    time.Duration        // on the fake, for every call
	retries    int
	maxWait    time.Duration
	attemptTTL time.Duration // http.Client.Timeout; 0: none
	deadline   time.Duration // of the call's context; 0: none
	call       string        // "create" or "get"

	wantErr       func(error) error // nil: want success
	wantAttempts  int
	wantInstances int // after the call, besides the one "get" uses
}

func wantAPIError(status int) func(error) error {
	return func(err error) error {
		var apiErr *elements.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			return fmt.Errorf("want *APIError %d", status)
		}
		if apiErr.RequestID == "" || apiErr.Message == "" {
			return fmt.Errorf("*APIError without request id or message: %+v", apiErr)
		}
		if status == http.StatusTooManyRequests && apiErr.Header.Get("Retry-After") == "" {
			return errors.New("*APIError for a 429 lost the Retry-After header")
		}
		return nil
	}
}

func wantRequestError(cause error) func(error) error {
	return func(err error) error {
		var reqErr *elements.RequestError
		if !errors.As(err, &reqErr) {
			return errors.New("want *RequestError")
		}
		var apiErr *elements.APIError
		if errors.As(err, &apiErr) {
			return errors.New("a transport failure is also an *APIError")
		}
		if cause != nil && !errors.Is(err, cause) {
			return fmt.Errorf("want errors.Is(err, %v)", cause)
		}
		return nil
	}
}

func wantAttemptTimeout(err error) error {
	if e := wantRequestError(nil)(err); e != nil {
		return e
	}
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		return errors.New("want a net.Error with Timeout() true")
	}
	return nil
}

var faultCases = []faultCase{
	{name: "429 storm on create, then success", faults: rep(tooMany("0"), 5), retries: 6, call: "create",
		wantAttempts: 6, wantInstances: 1},
	{name: "429 storm longer than the retries: 429s are not retries", faults: rep(tooMany("0"), 10), retries: 3, call: "create",
		wantAttempts: 11, wantInstances: 1},
	{name: "Retry-After past the deadline: the 429 at once", faults: rep(tooMany("3600"), 10),
		retries: 3, maxWait: time.Minute, deadline: 10 * time.Second, call: "create",
		wantErr: wantAPIError(http.StatusTooManyRequests), wantAttempts: 1},
	{name: "a Retry-After past WithRateLimitWait: the 429, not a send before it", faults: rep(tooMany("3600"), 2), retries: 3, maxWait: 10 * time.Millisecond,
		call: "create", wantErr: wantAPIError(http.StatusTooManyRequests), wantAttempts: 1},
	{name: "429 storm on get", faults: rep(tooMany("0"), 3), retries: 3, call: "get", wantAttempts: 4},
	{name: "503 on create is not retried", faults: rep(unavailable, 3), retries: 3, call: "create",
		wantErr: wantAPIError(http.StatusServiceUnavailable), wantAttempts: 1},
	{name: "503 burst on get is retried", faults: rep(unavailable, 3), retries: 3, call: "get", wantAttempts: 4},
	{name: "503 burst outlasting the retries on get", faults: rep(unavailable, 9), retries: 3, call: "get",
		wantErr: wantAPIError(http.StatusServiceUnavailable), wantAttempts: 4},
	{name: "reset before the platform acted on the create: not retried", faults: []elementstest.Fault{resetBefore}, retries: 3, call: "create",
		wantErr: wantRequestError(nil), wantAttempts: 1},
	{name: "reset after the platform created: not retried, one instance", faults: []elementstest.Fault{resetAfter}, retries: 3, call: "create",
		wantErr: wantRequestError(nil), wantAttempts: 1, wantInstances: 1},
	{name: "502 after the platform created: not retried, one instance", faults: []elementstest.Fault{gatewayAfter}, retries: 3, call: "create",
		wantErr: wantAPIError(http.StatusBadGateway), wantAttempts: 1, wantInstances: 1},
	{name: "resets on get are retried", faults: []elementstest.Fault{resetBefore, resetAfter}, retries: 3, call: "get", wantAttempts: 3},
	{name: "slow answer within the deadline", latency: 20 * time.Millisecond, retries: 3, deadline: 10 * time.Second, call: "create",
		wantAttempts: 1, wantInstances: 1},
	{name: "slow create past the deadline", latency: time.Hour, retries: 3, deadline: 100 * time.Millisecond, call: "create",
		wantErr: wantRequestError(context.DeadlineExceeded), wantAttempts: 1},
	{name: "slow get past the deadline", latency: time.Hour, retries: 3, deadline: 100 * time.Millisecond, call: "get",
		wantErr: wantRequestError(context.DeadlineExceeded), wantAttempts: 1},
	{name: "slow create past the attempt timeout: not retried", latency: time.Hour, retries: 3, attemptTTL: 50 * time.Millisecond,
		call: "create", wantErr: wantAttemptTimeout, wantAttempts: 1},
	{name: "slow get past the attempt timeout: retried", latency: time.Hour, retries: 2, attemptTTL: 50 * time.Millisecond,
		call: "get", wantErr: wantAttemptTimeout, wantAttempts: 3},
}

func rep(f elementstest.Fault, n int) []elementstest.Fault {
	return slices.Repeat([]elementstest.Fault{f}, n)
}

// TestClientFaults is not parallel: it counts goroutines. Top-level
// parallel tests of the package run only after it.
func TestClientFaults(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) { runFaultCase(t, tc) })
	}
	t.Run("concurrent creates in a 429 storm", testConcurrentCreates)
	if n := settledGoroutines(before); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the fault cases, %d before: leaked\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits (at most 5s) for the goroutine count to fall to
// want and returns the last count.
func settledGoroutines(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond) // settling: connections and servers wind down
	}
}

// faultRig is a fake, a client for it that counts its attempts, and a
// direct client for setting up and counting instances; Close frees all of
// them. The two clients have their own connections, so the faulty client's
// first call opens a fresh one: net/http then never replays an idempotent
// request itself on a reused connection, which would spend one of the
// injected faults behind the count's back.
type faultRig struct {
	srv      *elementstest.Server
	attempts attemptCounter
	clientT  *http.Transport
	directT  *http.Transport
	client   *elements.Client
	direct   *elements.Client
}

// attemptCounter is a RoundTripper that counts the requests sent through it:
// every attempt of the client's, each of them reaching the fake.
type attemptCounter struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *attemptCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func newFaultRig(t *testing.T, retries int, maxWait, attemptTTL time.Duration) *faultRig {
	t.Helper()
	rig := &faultRig{
		srv:     elementstest.NewServer(elementstest.WithCredentials(e2eUser, e2eOrg)),
		clientT: &http.Transport{},
		directT: &http.Transport{},
	}
	rig.attempts.next = rig.clientT
	if maxWait == 0 {
		maxWait = 5 * time.Millisecond
	}
	var err error
	rig.client, err = elements.NewClient(e2eUser, e2eOrg,
		elements.WithBaseURL(rig.srv.URL),
		elements.WithHTTPClient(&http.Client{Transport: &rig.attempts, Timeout: attemptTTL}),
		elements.WithRetry(retries, time.Millisecond, maxWait))
	if err != nil {
		t.Fatal(err)
	}
	rig.direct, err = elements.NewClient(e2eUser, e2eOrg, elements.WithBaseURL(rig.srv.URL),
		elements.WithHTTPClient(&http.Client{Transport: rig.directT}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rig.close)
	return rig
}

func (rig *faultRig) close() {
	rig.clientT.CloseIdleConnections()
	rig.directT.CloseIdleConnections()
	rig.srv.Close()
}

// instances counts the instances on the fake, after clearing the faults
// still pending and the latency.
func (rig *faultRig) instances(t *testing.T) int {
	t.Helper()
	rig.srv.InjectNext()
	rig.srv.SetLatency(0)
	list, err := rig.direct.Instances.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func runFaultCase(t *testing.T, tc faultCase) {
	rig := newFaultRig(t, tc.retries, tc.maxWait, tc.attemptTTL)
	var existing int64
	if tc.call == "get" {
		in, err := rig.direct.Instances.Create(context.Background(), acuityRequest(t, "existing"))
		if err != nil {
			t.Fatal(err)
		}
		existing = in.ID
	}
	rig.srv.InjectNext(tc.faults...)
	rig.srv.SetLatency(tc.latency)

	ctx := context.Background()
	if tc.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, tc.deadline)
		defer cancel()
	}
	var err error
	switch tc.call {
	case "create":
		var in *elements.Instance
		in, err = rig.client.Instances.Create(ctx, acuityRequest(t, "faulty"))
		if err == nil && (in.ID == 0 || in.Token == "") {
			t.Errorf("created instance without id or token: %v", in)
		}
	case "get":
		var in *elements.Instance
		in, err = rig.client.Instances.Get(ctx, existing)
		if err == nil && in.ID != existing {
			t.Errorf("Get(%d) answered instance %d", existing, in.ID)
		}
	}
	switch {
	case tc.wantErr == nil && err != nil:
		t.Errorf("err = %v, want success", err)
	case tc.wantErr != nil && err == nil:
		t.Error("succeeded, want an error")
	case tc.wantErr != nil:
		if e := tc.wantErr(err); e != nil {
			t.Errorf("err = %v (%T): %v", err, err, e)
		}
	}
	if got := rig.attempts.n.Load(); got != int64(tc.wantAttempts) {
		t.Errorf("%d attempts reached the platform, want %d", got, tc.wantAttempts)
	}
	want := tc.wantInstances
	if tc.call == "get" {
		want++
	}
	if got := rig.instances(t); got != want {
		t.Errorf("%d instances on the platform, want %d", got, want)
	}
}

func testConcurrentCreates(t *testing.T) {
	const creates = 20
	rig := newFaultRig(t, 0, 0, 0) // no retries: 429s are waited out all the same
	// 30 calls: two 429s, then one let through, ten times.
	rig.srv.InjectNext(slices.Repeat([]elementstest.Fault{tooMany("0"), tooMany("0"), {}}, 10)...)

	var wg sync.WaitGroup
	errs := make([]error, creates)
	for i := range creates {
		req := acuityRequest(t, fmt.Sprint("concurrent-", i))
		wg.Go(func() {
			_, errs[i] = rig.client.Instances.Create(context.Background(), req)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	if got := rig.instances(t); got != creates {
		t.Errorf("%d instances after %d creates in a 429 storm, want exactly %d", got, creates, creates)
	}
	if got := rig.attempts.n.Load(); got != creates+20 {
		t.Errorf("%d attempts, want %d creates + 20 answered 429", got, creates)
	}
}
