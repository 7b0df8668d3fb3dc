package elements_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/elementsgo/elements"
)

// BenchmarkRequestPath measures one hub GET with an element token through
// Client.NewRequest and Client.Do, beside a plain net/http + encoding/json
// baseline doing the same work, on an in-memory transport (no network), so
// the figures are the request path's own CPU and allocations: with the
// limiter off (NewMemoryLimiter(0, 0)), with the in-memory limiter's
// bookkeeping (a place among 20 in flight, no interval, so nothing waits),
// and a request without a token, which the limiter never sees.
//
//	go test -run '^$' -bench RequestPath -benchmem -count 10 .
func BenchmarkRequestPath(b *testing.B) {
	ctx := context.Background()
	const path = "/hubs/scheduling/appointments/7"
	b.Run("impl=baseline", func(b *testing.B) {
		hc := &http.Client{Transport: cannedAnswer{}}
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequestWithContext(ctx, "GET", testBaseURL+path, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "User "+testUserSecret+", Organization "+testOrgSecret+", Element "+testToken)
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var v struct{ ID int64 }
			err = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			if err != nil || v.ID != 7 {
				b.Fatal(v, err)
			}
		}
	})
	for _, bc := range []struct {
		name    string
		limiter elements.Limiter
		token   bool
	}{
		{"impl=sdk/limiter=off", elements.NewMemoryLimiter(0, 0), true},
		{"impl=sdk/limiter=memory", elements.NewMemoryLimiter(0, elements.DefaultConcurrentRequests), true},
		{"impl=sdk/no-token", nil, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := []elements.Option{elements.WithBaseURL(testBaseURL), elements.WithHTTPClient(&http.Client{Transport: cannedAnswer{}})}
			if bc.limiter != nil {
				opts = append(opts, elements.WithLimiter(bc.limiter))
			}
			c, err := elements.NewClient(testUserSecret, testOrgSecret, opts...)
			if err != nil {
				b.Fatal(err)
			}
			var ro []elements.RequestOption
			if bc.token {
				ro = append(ro, elements.WithElementToken(testToken))
			}
			b.ReportAllocs()
			for b.Loop() {
				req, err := c.NewRequest(ctx, "GET", path, nil, ro...)
				if err != nil {
					b.Fatal(err)
				}
				var v struct{ ID int64 }
				if _, err := c.Do(req, &v); err != nil || v.ID != 7 {
					b.Fatal(v, err)
				}
			}
		})
	}
}

// cannedAnswer answers every request with a small JSON appointment.
type cannedAnswer struct{}

func (cannedAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}, "Elements-Request-Id": {"bench"}},
		Body:    io.NopCloser(strings.NewReader(`{"id": 7, "firstName": "Ada", "lastName": "Example"}`)),
		Request: r,
	}, nil
}
