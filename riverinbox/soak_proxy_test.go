package riverinbox_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// proxy is the soak's load balancer: one URL in front of the replicas,
// each request to the next replica in turn. A replica that refuses the
// connection (it is down) is skipped, as a load balancer retries a failed
// connect on the next upstream; a request that fails after it was sent
// (the replica died with it) is answered 502 and recorded: the platform
// retries it.
type proxy struct {
	client *http.Client

	mu       sync.Mutex
	backends []string // base URLs, by replica index
	next     int
	failures []proxyFailure

	forwarded atomic.Int64          // requests answered by a replica
	onForward func(forwarded int64) // called after each, if set (before any request is sent)
}

// proxyFailure is a request the proxy answered 502 because its replica
// failed it.
type proxyFailure struct {
	Replica int
	At      time.Time
	Err     string
}

func newProxy(replicas int) *proxy {
	return &proxy{
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		backends: make([]string, replicas),
	}
}

// setBackend points replica i at baseURL ("" while it is not running).
func (p *proxy) setBackend(i int, baseURL string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backends[i] = baseURL
}

// order returns the replicas to try for one request, in turn: each replica
// with a URL once, starting with the next one.
func (p *proxy) order() (indexes []int, urls []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := p.next
	p.next = (p.next + 1) % len(p.backends)
	for k := range p.backends {
		if i := (start + k) % len(p.backends); p.backends[i] != "" {
			indexes, urls = append(indexes, i), append(urls, p.backends[i])
		}
	}
	return indexes, urls
}

func (p *proxy) failed() []proxyFailure {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxyFailure(nil), p.failures...)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "proxy: reading the request", http.StatusBadRequest)
		return
	}
	indexes, urls := p.order()
	for k, base := range urls {
		i := indexes[k]
		req, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, "proxy: "+err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := p.client.Do(req)
		if err != nil {
			if r.Context().Err() == nil && isConnectError(err) {
				continue // never reached the replica: the next one
			}
			p.mu.Lock()
			p.failures = append(p.failures, proxyFailure{Replica: i, At: time.Now(), Err: err.Error()})
			p.mu.Unlock()
			http.Error(w, "proxy: the replica failed", http.StatusBadGateway)
			return
		}
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			p.mu.Lock()
			p.failures = append(p.failures, proxyFailure{Replica: i, At: time.Now(), Err: err.Error()})
			p.mu.Unlock()
			http.Error(w, "proxy: the replica failed", http.StatusBadGateway)
			return
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
		if n := p.forwarded.Add(1); p.onForward != nil {
			p.onForward(n)
		}
		return
	}
	http.Error(w, "proxy: no replica", http.StatusBadGateway)
}

// isConnectError reports a failure to connect: the request was not sent.
func isConnectError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
