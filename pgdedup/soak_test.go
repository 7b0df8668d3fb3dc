package pgdedup_test

// The replicas soak: three WebhookHandler replicas, each with its own
// pgdedup.Store over one table, serve the callbacks of several tenants
// (instances, each with its own signing key looked up through KeysFor)
// behind a round-robin proxy on loopback. The fake platform (elementstest)
// delivers -soak.n notifications with its retries; faults:
//
//   - the host's callback fails (10%) or panics (1%) on its first call for a
//     notification;
//   - the platform delivers a notification twice (5%); the proxy sends every
//     new attempt of a notification to another replica than the last one,
//     so duplicates and retries meet different replicas;
//   - one replica dies mid-callback, halfway through: its callback has
//     committed (the host's side effect happened) and then never returns;
//     the proxy drops its connections and routes around it, and its claim
//     expires after the store's short claim TTL, so a live replica handles
//     the redelivery.
//
// It asserts: every delivery ends acknowledged; every notification was
// handled exactly once, except the one the dead replica held, which was
// handled at least once; no 2xx was written before the host's callback
// returned nil for that notification (in that request, or before, for a
// duplicate acknowledged by the store); every planned fault fired; and no
// live replica lost a claim (which would mean a callback outlived the TTL).
//
//	go test -race ./pgdedup -run ReplicasSoak                  # 2000 notifications
//	go test -race ./pgdedup -run ReplicasSoak -soak.n=20000    # the long run

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
)

var (
	soakN    = flag.Int("soak.n", 2000, "notifications in the replicas soak")
	soakSeed = flag.Uint64("soak.seed", 1, "seed of the replicas soak's fault plan")
)

const (
	soakReplicas = 3
	soakTenants  = 5
	soakWindow   = 64              // notifications in flight at most (plus retries)
	soakClaimTTL = 3 * time.Second // how long the dead replica's claim blocks its notification
)

type soakFault struct{ fail, panic, dup bool }

func soakPlan(seed uint64, i int) soakFault {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	return soakFault{fail: r.Float64() < 0.10, panic: r.Float64() < 0.01, dup: r.Float64() < 0.05}
}

// soakHost is the application behind the replicas: one database of
// effects, shared by all replicas, and what the test observed.
type soakHost struct {
	plan   []soakFault
	killAt int // the dead replica dies on its first success call at or after this index
	dead   chan struct{}

	mu         sync.Mutex
	calls      map[int]int // callback calls per notification
	commits    map[int]int // effects per notification
	fails      int
	panics     int
	killed     int // index of the notification the dead replica held; -1 before
	lostClaims []string
	violations []string
}

type reqKey struct{}

// reqState: did the host's callback return nil in this request?
type reqState struct{ ok bool }

func (h *soakHost) violation(format string, args ...any) {
	h.mu.Lock()
	h.violations = append(h.violations, fmt.Sprintf(format, args...))
	h.mu.Unlock()
}

// callback is the host's OnNotification on replica r.
func (h *soakHost) callback(r int, kill func()) func(ctx context.Context, n *webhook.Notification) error {
	return func(ctx context.Context, n *webhook.Notification) error {
		i := soakIndex(n)
		if i < 0 || i >= len(h.plan) {
			h.violation("replica %d got an unknown notification %+v", r, n.Events)
			return nil
		}
		h.mu.Lock()
		first := h.calls[i] == 0
		h.calls[i]++
		f := h.plan[i]
		switch {
		case first && f.panic:
			h.panics++
			h.mu.Unlock()
			panic(fmt.Sprintf("soak: injected panic, notification %d", i))
		case first && f.fail:
			h.fails++
			h.mu.Unlock()
			return fmt.Errorf("soak: injected failure, notification %d", i)
		}
		h.commits[i]++
		dies := r == soakReplicas-1 && i >= h.killAt && h.killed < 0
		if dies {
			h.killed = i
		}
		h.mu.Unlock()
		if dies {
			kill()   // the replica's process is gone: connections closed
			<-h.dead // and this callback never returns (until the test ends)
			return errors.New("soak: the dead replica's callback, released at the end")
		}
		if st, ok := ctx.Value(reqKey{}).(*reqState); ok {
			st.ok = true
		}
		return nil
	}
}

func soakIndex(n *webhook.Notification) int {
	if len(n.Events) == 0 {
		return -1
	}
	i, err := strconv.Atoi(n.Events[0].ObjectID)
	if err != nil {
		return -1
	}
	return i
}

// soakProxy is the load balancer: round-robin over the live replicas, every
// new attempt of a notification (by its Elements-Webhook-Id) to another
// replica than its last one.
type soakProxy struct {
	backends []string
	ctxs     []context.Context // canceled when the replica dies
	cancels  []context.CancelFunc
	client   *http.Client

	mu     sync.Mutex
	next   int
	dead   []bool
	last   map[string]int          // webhook id → replica of its last attempt
	served map[string]map[int]bool // webhook id → replicas that got it
}

func (p *soakProxy) pick(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.served[id] == nil {
		p.served[id] = map[int]bool{}
	}
	r, seen := p.last[id]
	if !seen {
		r = p.next
		p.next++
	}
	for k := 0; k < len(p.backends); k++ {
		if r = (r + 1) % len(p.backends); !p.dead[r] {
			break
		}
	}
	p.last[id] = r
	p.served[id][r] = true
	return r
}

func (p *soakProxy) kill(r int) {
	p.mu.Lock()
	p.dead[r] = true
	p.mu.Unlock()
	p.cancels[r]()
}

func (p *soakProxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "read failed", http.StatusBadRequest)
		return
	}
	r := p.pick(req.Header.Get(webhook.IDHeader))
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	stop := context.AfterFunc(p.ctxs[r], cancel)
	defer stop()
	out, err := http.NewRequestWithContext(ctx, http.MethodPost, p.backends[r]+req.URL.Path, bytes.NewReader(body))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	out.Header = req.Header.Clone()
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, "replica unreachable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// ackCheck wraps a replica's handler: a 2xx may only follow the host's
// callback returning nil for that notification.
func ackCheck(h *soakHost, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{}
		r = r.WithContext(context.WithValue(r.Context(), reqKey{}, st))
		next.ServeHTTP(&ackWriter{ResponseWriter: w, h: h, st: st, r: r}, r)
	})
}

type ackWriter struct {
	http.ResponseWriter
	h     *soakHost
	st    *reqState
	r     *http.Request
	wrote bool
}

func (a *ackWriter) WriteHeader(code int) {
	if !a.wrote && code >= 200 && code < 300 && !a.st.ok {
		// A duplicate acknowledged by the store: the notification must have
		// been committed, by a callback that returned nil, before.
		body, _ := a.r.Context().Value(bodyKey{}).([]byte)
		if n, err := webhook.ParseNotification(body); err != nil || !a.h.succeeded(soakIndex(n)) {
			a.h.violation("a 2xx before any callback returned nil: %.120s", body)
		}
	}
	a.wrote = true
	a.ResponseWriter.WriteHeader(code)
}

func (a *ackWriter) Write(p []byte) (int, error) {
	if !a.wrote {
		a.WriteHeader(http.StatusOK)
	}
	return a.ResponseWriter.Write(p)
}

type bodyKey struct{}

// keepBody puts the request body in the context for ackWriter.
func keepBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read failed", http.StatusBadRequest)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// succeeded reports whether a callback for notification i returned nil
// (committed and not the dead replica's).
func (h *soakHost) succeeded(i int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.commits[i]
	if i == h.killed {
		c-- // the dead replica's commit never returned
	}
	return c > 0
}

func TestReplicasSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak skipped with -short")
	}
	n, seed := *soakN, *soakSeed
	if n < 10 {
		t.Fatalf("-soak.n=%d: want at least 10", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pool := newPool(t, nil)
	name := table()

	host := &soakHost{plan: make([]soakFault, n), killAt: n / 2, dead: make(chan struct{}),
		calls: map[int]int{}, commits: map[int]int{}, killed: -1}
	for i := range host.plan {
		host.plan[i] = soakPlan(seed, i)
	}
	var keysMu sync.RWMutex
	keys := map[int64][]string{} // the tenants' signing keys, filled as instances are created
	keysFor := func(_ context.Context, id int64) ([]string, error) {
		keysMu.RLock()
		defer keysMu.RUnlock()
		if k, ok := keys[id]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("instance %d: %w", id, webhook.ErrUnknownInstance)
	}

	proxy := &soakProxy{client: &http.Client{}, last: map[string]int{}, served: map[string]map[int]bool{},
		dead: make([]bool, soakReplicas)}
	var reported [soakReplicas]map[int]int
	var reportMu sync.Mutex
	for r := range soakReplicas {
		store, err := pgdedup.New(ctx, pool, pgdedup.WithTable(name), pgdedup.WithClaimTTL(soakClaimTTL))
		if err != nil {
			t.Fatal(err)
		}
		reported[r] = map[int]int{}
		h := &webhook.Handler{
			KeysFor:        keysFor,
			Deduplicator:   store,
			OnNotification: host.callback(r, func() { proxy.kill(r) }),
			OnError: func(_ *http.Request, err error) {
				var we *webhook.Error
				if !errors.As(err, &we) {
					host.violation("OnError got %T", err)
					return
				}
				reportMu.Lock()
				reported[r][we.StatusCode]++
				reportMu.Unlock()
				switch {
				case errors.Is(err, webhook.ErrClaimLost) && r != soakReplicas-1:
					host.mu.Lock()
					host.lostClaims = append(host.lostClaims, fmt.Sprintf("replica %d: %v", r, err))
					host.mu.Unlock()
				case we.StatusCode != http.StatusInternalServerError && we.StatusCode != http.StatusConflict && r != soakReplicas-1:
					host.violation("replica %d: unexpected failure: %v", r, err)
				}
			},
		}
		srv := httptest.NewServer(keepBody(ackCheck(host, h)))
		rctx, rcancel := context.WithCancel(context.Background())
		proxy.backends = append(proxy.backends, srv.URL)
		proxy.ctxs = append(proxy.ctxs, rctx)
		proxy.cancels = append(proxy.cancels, rcancel)
		t.Cleanup(srv.Close) // after the dead callback is released (Cleanup is LIFO)
	}
	t.Cleanup(func() { close(host.dead) })
	front := httptest.NewServer(proxy)
	defer front.Close()

	platform := elementstest.NewServer(
		elementstest.WithDeliveryRetry(100000, time.Millisecond, 25*time.Millisecond),
		elementstest.WithDeliveryTimeout(time.Minute),
	)
	defer platform.Close()
	client, err := platform.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	var instances []int64
	for k := range soakTenants {
		key := fmt.Sprintf("tenant-%d-key", k)
		req, err := acuity.NewInstanceRequest(acuity.InstanceParams{
			Code: "code", ClientID: "client", ClientSecret: "client-secret",
			RedirectURI: "https://app.example/oauth", EventCallbackURL: front.URL + "/events",
			SignatureKey: key, Name: fmt.Sprintf("tenant %d", k),
		})
		if err != nil {
			t.Fatal(err)
		}
		inst, err := client.Instances.Create(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		keysMu.Lock()
		keys[inst.ID] = []string{key}
		keysMu.Unlock()
		instances = append(instances, inst.ID)
	}

	dups := 0
	for i := range n {
		if i%soakWindow == 0 && i >= soakWindow {
			if _, err := platform.WaitForDeliveries(ctx, i+dups-soakWindow); err != nil {
				t.Fatalf("before notification %d: %v", i, err)
			}
		}
		if host.plan[i].dup {
			platform.DuplicateNext(1)
			dups++
		}
		ev := webhook.Event{ObjectType: acuity.ObjectAppointments, ObjectID: strconv.Itoa(i), EventType: webhook.EventCreated}
		if _, err := platform.Deliver(instances[i%soakTenants], ev); err != nil {
			t.Fatalf("Deliver %d: %v", i, err)
		}
	}
	deliveries, err := platform.WaitForDeliveries(ctx, n+dups)
	if err != nil {
		t.Fatal(err)
	}

	attempts := 0
	for _, d := range deliveries {
		attempts += len(d.Attempts)
		if !d.Delivered {
			t.Errorf("delivery of %s (instance %d) never acknowledged: %d attempts", d.EventID, d.InstanceID, len(d.Attempts))
		}
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	for _, v := range host.violations[:min(len(host.violations), 20)] {
		t.Error(v)
	}
	for _, v := range host.lostClaims {
		t.Errorf("a live replica lost its claim (a callback outlived the %v claim TTL): %s", soakClaimTTL, v)
	}
	if host.killed < 0 {
		t.Fatal("the replica never died")
	}
	for i := range n {
		switch c := host.commits[i]; {
		case i == host.killed && c < 1:
			t.Errorf("notification %d, held by the dead replica, was never handled", i)
		case i != host.killed && c != 1:
			t.Errorf("notification %d handled %d times, want exactly once (faults %+v)", i, c, host.plan[i])
		}
	}
	var wantFails, wantPanics int
	for _, f := range host.plan {
		switch {
		case f.panic:
			wantPanics++
		case f.fail:
			wantFails++
		}
	}
	if host.fails != wantFails || host.panics != wantPanics {
		t.Errorf("injected %d failures and %d panics, planned %d and %d", host.fails, host.panics, wantFails, wantPanics)
	}
	proxy.mu.Lock()
	spread := 0
	for _, rs := range proxy.served {
		if len(rs) > 1 {
			spread++
		}
	}
	proxy.mu.Unlock()
	if spread < dups {
		t.Errorf("%d notifications reached more than one replica, want at least the %d duplicated ones", spread, dups)
	}
	reportMu.Lock()
	defer reportMu.Unlock()
	t.Logf("seed %d: %d notifications for %d tenants on %d replicas, %d duplicates, %d deliveries, %d attempts; "+
		"%d failures and %d panics injected; replica %d died holding notification %d (handled %d times); "+
		"%d notifications met more than one replica; answers not 2xx per replica by status: %v",
		seed, n, soakTenants, soakReplicas, dups, len(deliveries), attempts, host.fails, host.panics,
		soakReplicas-1, host.killed, host.commits[host.killed], spread, strings.Trim(fmt.Sprint(reported), "[]"))
}
