package elementstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tryCreate POSTs the seeds' create request on a connection of its own and
// describes the outcome: "reset" for a connection reset, else the status and
// any Retry-After header.
func tryCreate(t *testing.T, srv *Server) string {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+"/instances", strings.NewReader(seedsRequest))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", testAuth)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		if runtime.GOOS != "windows" && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("dropped call: %v, want a connection reset", err)
		}
		return "reset"
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(resp.StatusCode)
	if resp.StatusCode >= 400 {
		errorMessage(t, answer{resp.StatusCode, resp.Header, b})
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		got += " Retry-After: " + ra
	}
	return got
}

func countInstances(t *testing.T, srv *Server) int {
	t.Helper()
	a := do(t, srv, call{method: "GET", path: "/instances"})
	if a.status == http.StatusNotFound && errorMessage(t, a) == "No instances found" {
		return 0
	}
	var list []json.RawMessage
	if err := json.Unmarshal(a.body, &list); err != nil {
		t.Fatalf("list: status %d, body %s: %v", a.status, a.body, err)
	}
	return len(list)
}

func TestInjectNext(t *testing.T) {
	t.Parallel()
	const httpDate = "Wed, 21 Oct 2026 07:28:00 GMT"
	tests := []struct {
		name          string
		setup         func(*Server)
		creates       int
		want          []string // per create
		wantInstances int
	}{
		{"429 with Retry-After delay seconds", func(s *Server) { s.InjectNext(Fault{Status: 429, RetryAfter: "7"}) },
			2, []string{"429 Retry-After: 7", "200"}, 1},
		{"Retry-After as an HTTP date, sent as is", func(s *Server) { s.InjectNext(Fault{Status: 503, RetryAfter: httpDate}) },
			1, []string{"503 Retry-After: " + httpDate}, 0},
		{"status without Retry-After", func(s *Server) { s.InjectNext(Fault{Status: 429}) },
			1, []string{"429"}, 0},
		{"drop before handling: no instance", func(s *Server) { s.InjectNext(Fault{Drop: true}) },
			1, []string{"reset"}, 0},
		{"drop after handling: the instance exists", func(s *Server) { s.InjectNext(Fault{Drop: true, AfterHandling: true}) },
			1, []string{"reset"}, 1},
		{"status after handling: the instance exists", func(s *Server) { s.InjectNext(Fault{Status: 502, AfterHandling: true}) },
			1, []string{"502"}, 1},
		{"in order, a zero Fault lets its call through, then normal", func(s *Server) {
			s.InjectNext(Fault{Status: 503}, Fault{}, Fault{Drop: true}, Fault{Status: 429, RetryAfter: "1"}, Fault{Drop: true, AfterHandling: true})
		}, 6, []string{"503", "200", "reset", "429 Retry-After: 1", "reset", "200"}, 3},
		{"replaces FailNext", func(s *Server) { s.FailNext(5, 503); s.InjectNext(Fault{Status: 502}) },
			2, []string{"502", "200"}, 1},
		{"InjectNext() clears", func(s *Server) { s.FailNext(5, 503); s.InjectNext() },
			1, []string{"200"}, 1},
		{"FailNext replaces InjectNext", func(s *Server) { s.InjectNext(Fault{Drop: true}, Fault{Drop: true}); s.FailNext(1, 503) },
			2, []string{"503", "200"}, 1},
		{"DropNext replaces FailNext", func(s *Server) { s.FailNext(3, 503); s.DropNext(2) },
			3, []string{"reset", "reset", "200"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			tt.setup(srv)
			var got []string
			for range tt.creates {
				got = append(got, tryCreate(t, srv))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if n := countInstances(t, srv); n != tt.wantInstances {
				t.Errorf("%d instances, want %d", n, tt.wantInstances)
			}
		})
	}
}

func TestInjectNextPanicsOnAContradiction(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for _, tt := range []struct {
		name string
		set  func()
	}{
		{"Status and Drop", func() { srv.InjectNext(Fault{Status: 503, Drop: true}) }},
		{"RetryAfter without Status", func() { srv.InjectNext(Fault{RetryAfter: "1"}) }},
		{"AfterHandling alone", func() { srv.InjectNext(Fault{AfterHandling: true}) }},
		{"Status 42", func() { srv.InjectNext(Fault{Status: 42}) }},
		{"Status 600", func() { srv.InjectNext(Fault{}, Fault{Status: 600}) }},
		{"FailNext with status 0", func() { srv.FailNext(1, 0) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Error("no panic")
				} else if s, _ := r.(string); !strings.HasPrefix(s, "elementstest: ") {
					t.Errorf("panic %v, want an elementstest message", r)
				}
			}()
			tt.set()
		})
	}
	// Nothing was set by the rejected calls.
	if got := tryCreate(t, srv); got != "200" {
		t.Errorf("after rejected faults: %s, want 200", got)
	}
}
