package acuity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/elementsgo/elements"
	"github.com/google/go-cmp/cmp"
)

// Position names the page being handed out, and moves to the next page's
// token only when that page is fetched, after the last appointment of the
// page before it was taken. Total follows Elements-Total-Count.
func TestAppointmentPagerPosition(t *testing.T) {
	t.Parallel()
	q := func(next string) url.Values {
		v := url.Values{"pageSize": {"2"}, "where": {"calendarID=12"}}
		if next != "" {
			v.Set("nextPage", next)
		}
		return v
	}
	const path = "/hubs/scheduling/appointments"
	a, _ := newHubAccount(t,
		wantCall{method: "GET", path: path, query: q(""), answer: `[{"id": 1}, {"id": 2}]`, next: "t1", total: "5"},
		wantCall{method: "GET", path: path, query: q("t1"), answer: `[{"id": 3}, {"id": 4}]`, next: "t2"}, // no count: the last one stays
		wantCall{method: "GET", path: path, query: q("t2"), answer: `[{"id": 5}]`, next: "t3", total: "6"},
		wantCall{method: "GET", path: path, query: q("t3"), answer: `[]`, next: "t3", total: "6"},
	)
	p := a.AppointmentPager(&AppointmentQuery{CalendarID: 12, PageSize: 2})
	if p.Position() != "" || p.Total() != -1 {
		t.Errorf("before the range: Position %q, Total %d; want \"\", -1", p.Position(), p.Total())
	}
	// A progress reporter reads the pager while the loop runs (for -race).
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
				_, _ = p.Position(), p.Total()
			}
		}
	})
	type seen struct {
		ID       int64
		Position string
		Total    int
	}
	var got []seen
	for appt, err := range p.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seen{appt.ID, p.Position(), p.Total()})
	}
	close(done)
	wg.Wait()
	want := []seen{{1, "", 5}, {2, "", 5}, {3, "t1", 5}, {4, "t1", 5}, {5, "t2", 6}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if p.Position() != "t3" || p.Total() != 6 {
		t.Errorf("after the end: Position %q, Total %d; want the empty page's t3, 6", p.Position(), p.Total())
	}
}

// The query's NextPage is where the listing starts; the filters and page
// size go with it.
func TestAppointmentsFromNextPage(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments"
	query := url.Values{"pageSize": {"50"}, "where": {"email='ada@example.com'"}, "nextPage": {"saved/token+=="}}
	a, _ := newHubAccount(t,
		wantCall{method: "GET", path: path, query: query, answer: `[{"id": 7}]`},
		wantCall{method: "GET", path: path, query: query, answer: `[{"id": 7}]`},
	)
	q := &AppointmentQuery{Email: "ada@example.com", PageSize: 50, NextPage: "saved/token+=="}
	for _, seq := range []func(func(*Appointment, error) bool){a.Appointments(context.Background(), q), a.AppointmentPager(q).All(context.Background())} {
		got, err := collectIDs(seq, apptID)
		if err != nil || !cmp.Equal([]int64{7}, got) {
			t.Errorf("got %v, %v; want [7]", got, err)
		}
	}
}

// A pager whose range failed goes on from its position when ranged again:
// the failed page is asked for again, nothing before it.
func TestAppointmentPagerRangeAgain(t *testing.T) {
	t.Parallel()
	const path = "/hubs/scheduling/appointments"
	a, _ := newHubAccount(t,
		wantCall{method: "GET", path: path, answer: `[{"id": 1}, {"id": 2}]`, next: "t1"},
		wantCall{method: "GET", path: path, query: url.Values{"nextPage": {"t1"}}, status: 502, answer: `<html>Bad Gateway</html>`, ctype: "text/html"},
		wantCall{method: "GET", path: path, query: url.Values{"nextPage": {"t1"}}, answer: `[{"id": 3}]`},
	)
	p := a.AppointmentPager(nil)
	got, err := collectIDs(p.All(context.Background()), apptID)
	var ae *elements.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 502 || !cmp.Equal([]int64{1, 2}, got) {
		t.Fatalf("first range: %v, %v; want [1 2] and the 502", got, err)
	}
	if p.Position() != "t1" {
		t.Errorf("after the failed fetch: Position %q, want t1", p.Position())
	}
	got, err = collectIDs(p.All(context.Background()), apptID)
	if err != nil || !cmp.Equal([]int64{3}, got) {
		t.Errorf("second range: %v, %v; want [3]", got, err)
	}
}

func TestAppointmentPagerBadQuery(t *testing.T) {
	t.Parallel()
	a, _ := newHubAccount(t) // nothing may be sent
	p := a.AppointmentPager(&AppointmentQuery{PageSize: -1, NextPage: "t5"})
	n := 0
	for appt, err := range p.All(context.Background()) {
		n++
		if appt != nil || err == nil {
			t.Errorf("got %v, %v; want the query's error", appt, err)
		}
	}
	if n != 1 || p.Position() != "t5" {
		t.Errorf("%d yields, Position %q; want 1 and the unchanged t5", n, p.Position())
	}
}

// backfillServer serves total appointments (ids 1..total) in pages of size
// whose tokens are offsets, a token on every page and an empty page past
// the end, like the platform. A request whose number is in failAt answers
// 500. It counts the requests.
func backfillServer(t *testing.T, total, size int, failAt ...int) (*Account, *atomic.Int32) {
	t.Helper()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(requests.Add(1))
		for _, f := range failAt {
			if n == f {
				http.Error(w, `{"message": "boom"}`, http.StatusInternalServerError)
				return
			}
		}
		start := 0
		if tok := r.URL.Query().Get("nextPage"); tok != "" {
			var err error
			if start, err = strconv.Atoi(tok); err != nil {
				t.Errorf("token %q", tok)
			}
		}
		end := min(start+size, total)
		w.Header().Set("Elements-Next-Page-Token", strconv.Itoa(end))
		w.Header().Set("Elements-Total-Count", strconv.Itoa(total))
		fmt.Fprint(w, "[")
		for id := start + 1; id <= end; id++ {
			if id > start+1 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, `{"id": %d}`, id)
		}
		fmt.Fprint(w, "]")
	}))
	t.Cleanup(srv.Close)
	c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccount(c, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return a, &requests
}

// A backfill that crashes after any number of appointments, and resumes
// from the position it saved after each one, handles every appointment,
// and again at most one page of them.
func TestAppointmentPagerResumeAfterCrash(t *testing.T) {
	t.Parallel()
	const total, size = 10, 3
	for crashAfter := range total + 1 {
		t.Run(fmt.Sprintf("crash after %d", crashAfter), func(t *testing.T) {
			t.Parallel()
			a, _ := backfillServer(t, total, size)
			handled := map[int64]int{}
			saved := ""

			// The first process: handles crashAfter appointments, saving
			// the position after each, then dies (nothing after the
			// break runs, no more requests).
			p := a.AppointmentPager(&AppointmentQuery{PageSize: size})
			n := 0
			for appt, err := range p.All(context.Background()) {
				if n == crashAfter {
					break // the crash: appt was received, never handled
				}
				if err != nil {
					t.Fatal(err)
				}
				handled[appt.ID]++
				saved = p.Position()
				n++
			}

			// The second process: a new pager from the saved position.
			p2 := a.AppointmentPager(&AppointmentQuery{PageSize: size, NextPage: saved})
			for appt, err := range p2.All(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
				handled[appt.ID]++
			}

			again := 0
			for id := int64(1); id <= total; id++ {
				switch c := handled[id]; {
				case c == 0:
					t.Errorf("appointment %d skipped", id)
				case c > 2:
					t.Errorf("appointment %d handled %d times", id, c)
				case c == 2:
					again++
				}
			}
			if again > size || again > crashAfter {
				t.Errorf("%d appointments handled twice, want at most one page (%d) and at most the %d handled before the crash", again, size, crashAfter)
			}
		})
	}
}

// A backfill whose page fetch fails resumes at that page: nothing is handed
// out twice.
func TestAppointmentPagerResumeAfterFailedFetch(t *testing.T) {
	t.Parallel()
	const total, size = 10, 3
	a, requests := backfillServer(t, total, size, 3) // the third page fails
	var ids []int64
	p := a.AppointmentPager(&AppointmentQuery{PageSize: size})
	for appt, err := range p.All(context.Background()) {
		if err != nil {
			var ae *elements.APIError
			if !errors.As(err, &ae) || ae.StatusCode != 500 {
				t.Fatalf("err = %v, want the 500", err)
			}
			break
		}
		ids = append(ids, appt.ID)
	}
	if p.Position() != "6" || p.Total() != total {
		t.Errorf("after the failure: Position %q, Total %d; want 6 (the failed page), %d", p.Position(), p.Total(), total)
	}
	p2 := a.AppointmentPager(&AppointmentQuery{PageSize: size, NextPage: p.Position()})
	for appt, err := range p2.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, appt.ID)
	}
	want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	// 2 pages, the failure, 2 more pages and the empty page past the end.
	if n := requests.Load(); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}
