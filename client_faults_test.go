package elements_test

// The client against the fake platform (elementstest) under faults: 429
// storms with Retry-After, 503 bursts, connection resets before and after
// the platform acted, slow answers against context deadlines and per-attempt
// timeouts. Each case checks the error's type, how many attempts reached the
// platform, and how many instances exist afterwards (no duplicate creates).
// The whole run ends with a goroutine count no higher than at its start.
//
// elementstest answers injected failures without a Retry-After header and
// drops connections only before handling a call, so a small fault proxy
// (faultFront) sits between the client and the fake for 429s with
// Retry-After and for resets after the fake has acted.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/elementstest"
)

// frontAction is what faultFront does with one request.
type frontAction int

const (
	pass        frontAction = iota // forward to the fake
	tooMany                        // 429 with Retry-After
	unavailable                    // 503
	resetBefore                    // TCP reset before the fake sees the request
	resetAfter                     // forward, let the fake act, then TCP reset instead of the answer
)

// faultFront is a reverse proxy in front of the fake that applies a script
// of actions to the next requests and counts the requests it saw.
type faultFront struct {
	proxy      *httputil.ReverseProxy
	retryAfter string

	mu     sync.Mutex
	script []frontAction
	seen   int
}

func (f *faultFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen++
	act := pass
	if len(f.script) > 0 {
		act, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	switch act {
	case tooMany:
		w.Header().Set("Retry-After", f.retryAfter)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"message":"rate limit exceeded","requestId":"front-429"}`)
	case unavailable:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"message":"service unavailable","requestId":"front-503"}`)
	case resetBefore:
		_, _ = io.Copy(io.Discard, r.Body)
		reset(w)
	case resetAfter:
		f.proxy.ServeHTTP(httptest.NewRecorder(), r) // the fake acts; its answer is lost
		reset(w)
	default:
		f.proxy.ServeHTTP(w, r)
	}
}

func (f *faultFront) attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// reset closes the connection with a TCP RST (SO_LINGER 0).
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// faultCase is one scenario.
type faultCase struct {
	name       string
	script     []frontAction
	retryAfter string
	latency    time.Duration // on the fake, for every call
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
	{name: "429 storm on create, then success", script: rep(tooMany, 5), retryAfter: "0", retries: 6, call: "create",
		wantAttempts: 6, wantInstances: 1},
	{name: "429 storm outlasting the retries", script: rep(tooMany, 10), retryAfter: "0", retries: 3, call: "create",
		wantErr: wantAPIError(http.StatusTooManyRequests), wantAttempts: 4},
	{name: "Retry-After outlasting the deadline: one attempt, then the deadline", script: rep(tooMany, 10), retryAfter: "3600",
		retries: 3, maxWait: time.Minute, deadline: 100 * time.Millisecond, call: "create",
		wantErr: wantRequestError(context.DeadlineExceeded), wantAttempts: 1},
	{name: "Retry-After capped at maxWait", script: rep(tooMany, 2), retryAfter: "3600", retries: 3, maxWait: 10 * time.Millisecond,
		call: "create", wantAttempts: 3, wantInstances: 1},
	{name: "429 storm on get", script: rep(tooMany, 3), retryAfter: "0", retries: 3, call: "get", wantAttempts: 4},
	{name: "503 on create is not retried", script: rep(unavailable, 3), retries: 3, call: "create",
		wantErr: wantAPIError(http.StatusServiceUnavailable), wantAttempts: 1},
	{name: "503 burst on get is retried", script: rep(unavailable, 3), retries: 3, call: "get", wantAttempts: 4},
	{name: "503 burst outlasting the retries on get", script: rep(unavailable, 9), retries: 3, call: "get",
		wantErr: wantAPIError(http.StatusServiceUnavailable), wantAttempts: 4},
	{name: "reset before the platform saw the create: not retried", script: []frontAction{resetBefore}, retries: 3, call: "create",
		wantErr: wantRequestError(nil), wantAttempts: 1},
	{name: "reset after the platform created: not retried, one instance", script: []frontAction{resetAfter}, retries: 3, call: "create",
		wantErr: wantRequestError(nil), wantAttempts: 1, wantInstances: 1},
	{name: "resets on get are retried", script: []frontAction{resetBefore, resetAfter}, retries: 3, call: "get", wantAttempts: 3},
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

func rep(a frontAction, n int) []frontAction {
	s := make([]frontAction, n)
	for i := range s {
		s[i] = a
	}
	return s
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

// faultRig is a fake, a fault proxy in front of it, a client through the
// proxy and a direct client for counting; Close frees all of them.
type faultRig struct {
	srv    *elementstest.Server
	front  *faultFront
	fs     *httptest.Server
	proxyT *http.Transport
	clkT   *http.Transport
	client *elements.Client
	direct *elements.Client
}

func newFaultRig(t *testing.T, retries int, maxWait, attemptTTL time.Duration) *faultRig {
	t.Helper()
	rig := &faultRig{srv: elementstest.NewServer(elementstest.WithCredentials(e2eUser, e2eOrg))}
	target, err := url.Parse(rig.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	target.Path = ""
	rig.proxyT = &http.Transport{}
	rig.front = &faultFront{proxy: httputil.NewSingleHostReverseProxy(target)}
	rig.front.proxy.Transport = rig.proxyT
	rig.front.proxy.ErrorLog = log.New(io.Discard, "", 0) // canceled calls are expected here
	rig.fs = httptest.NewServer(rig.front)
	rig.clkT = &http.Transport{}
	if maxWait == 0 {
		maxWait = 5 * time.Millisecond
	}
	rig.client, err = elements.NewClient(e2eUser, e2eOrg,
		elements.WithBaseURL(rig.fs.URL+elementstest.APIPath),
		elements.WithHTTPClient(&http.Client{Transport: rig.clkT, Timeout: attemptTTL}),
		elements.WithRetry(retries, time.Millisecond, maxWait))
	if err != nil {
		t.Fatal(err)
	}
	rig.direct, err = elements.NewClient(e2eUser, e2eOrg, elements.WithBaseURL(rig.srv.URL),
		elements.WithHTTPClient(&http.Client{Transport: rig.clkT}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rig.close)
	return rig
}

func (rig *faultRig) close() {
	rig.clkT.CloseIdleConnections()
	rig.fs.Close()
	rig.proxyT.CloseIdleConnections()
	rig.srv.Close()
}

func (rig *faultRig) instances(t *testing.T) int {
	t.Helper()
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
	rig.front.retryAfter = tc.retryAfter
	rig.front.script = tc.script
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
	if got := rig.front.attempts(); got != tc.wantAttempts {
		t.Errorf("%d attempts reached the platform, want %d", got, tc.wantAttempts)
	}
	rig.srv.SetLatency(0)
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
	rig := newFaultRig(t, 25, 0, 0) // more retries than 429s: no create can run out
	rig.front.retryAfter = "0"
	script := make([]frontAction, 30)
	for i := range script {
		if i%3 != 2 {
			script[i] = tooMany
		}
	}
	rig.front.script = script

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
	if got := rig.front.attempts(); got != creates+20 {
		t.Errorf("%d attempts, want %d creates + 20 answered 429", got, creates)
	}
}
