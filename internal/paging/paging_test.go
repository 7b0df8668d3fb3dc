package paging

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// page is one scripted answer of a fake platform list.
type page struct {
	items []int // -1 stands for a JSON null
	next  string
	err   error
}

// script answers the pages in order and records the tokens it was asked for.
type script struct {
	pages  []page
	tokens []string
}

func (s *script) fetch(_ context.Context, token string) ([]*int, string, error) {
	s.tokens = append(s.tokens, token)
	if len(s.tokens) > len(s.pages) {
		return nil, "", errors.New("fetched past the script")
	}
	p := s.pages[len(s.tokens)-1]
	var items []*int
	for _, v := range p.items {
		if v < 0 {
			items = append(items, nil)
			continue
		}
		items = append(items, &v)
	}
	return items, p.next, p.err
}

func values(t *testing.T, s *script) ([]int, error) {
	t.Helper()
	var got []int
	for v, err := range Seq(context.Background(), s.fetch) {
		if err != nil {
			return got, err
		}
		if v == nil {
			t.Fatal("nil item handed out")
		}
		got = append(got, *v)
	}
	return got, nil
}

func TestSeqEndRule(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name       string
		pages      []page
		want       []int
		wantTokens []string
		wantErr    error
	}{
		{"one page, no token", []page{{items: []int{1, 2}}}, []int{1, 2}, []string{""}, nil},
		{"token on the last page, then an empty page",
			[]page{{items: []int{1, 2}, next: "a"}, {items: []int{3}, next: "b"}, {next: "c"}},
			[]int{1, 2, 3}, []string{"", "a", "b"}, nil},
		{"empty first page with a token", []page{{next: "a"}}, nil, []string{""}, nil},
		{"a token seen before ends the loop",
			[]page{{items: []int{1}, next: "a"}, {items: []int{2}, next: "b"}, {items: []int{3}, next: "a"}},
			[]int{1, 2, 3}, []string{"", "a", "b"}, nil},
		{"the same token twice in a row",
			[]page{{items: []int{1}, next: "a"}, {items: []int{2}, next: "a"}},
			[]int{1, 2}, []string{"", "a"}, nil},
		{"nulls are skipped, a page of nulls is not empty",
			[]page{{items: []int{-1, 1, -1}, next: "a"}, {items: []int{-1}, next: "b"}, {items: []int{2}}},
			[]int{1, 2}, []string{"", "a", "b"}, nil},
		{"error on a later page after the items before it",
			[]page{{items: []int{1}, next: "a"}, {err: boom}},
			[]int{1}, []string{"", "a"}, boom},
		{"error on the first page", []page{{err: boom}}, nil, []string{""}, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &script{pages: tt.pages}
			got, err := values(t, s)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTokens, s.tokens); diff != "" {
				t.Errorf("tokens asked for (-want +got):\n%s", diff)
			}
		})
	}
}

// A list read from the caller's own token ends when the tokens lead back
// to it: no page is read twice.
func TestSeqFromCountsTheStartAsSeen(t *testing.T) {
	t.Parallel()
	s := &script{pages: []page{{items: []int{1}, next: "B"}, {items: []int{2}, next: "A"}}}
	var got []int
	for v, err := range SeqFrom(context.Background(), "A", s.fetch) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *v)
	}
	if diff := cmp.Diff([]int{1, 2}, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"A", "B"}, s.tokens); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
}

func TestSeqIsLazyAndStopsOnBreak(t *testing.T) {
	t.Parallel()
	s := &script{pages: []page{{items: []int{1, 2}, next: "a"}, {items: []int{3, 4}, next: "b"}, {items: []int{5}}}}
	seq := Seq(context.Background(), s.fetch)
	if len(s.tokens) != 0 {
		t.Fatalf("Seq fetched %d pages before the range", len(s.tokens))
	}
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if *v == 2 && len(s.tokens) != 1 {
			t.Errorf("at the last item of page 1, %d pages fetched, want 1", len(s.tokens))
		}
		if *v == 3 {
			break
		}
	}
	if diff := cmp.Diff([]string{"", "a"}, s.tokens); diff != "" {
		t.Errorf("tokens after break at 3 (-want +got):\n%s", diff)
	}
	// A second range starts again from the first page.
	s.tokens, s.pages = nil, s.pages[:1]
	s.pages[0].next = ""
	got, err := values(t, s)
	if err != nil || !cmp.Equal([]int{1, 2}, got) {
		t.Errorf("second range = %v, %v; want [1 2]", got, err)
	}
}

func TestSeqBreakOnError(t *testing.T) {
	t.Parallel()
	s := &script{pages: []page{{err: errors.New("boom")}}}
	n := 0
	for _, err := range Seq(context.Background(), s.fetch) {
		n++
		if err == nil {
			t.Fatal("want the error")
		}
		break // a caller that breaks on the error must not be called again (no panic)
	}
	if n != 1 {
		t.Errorf("yields = %d, want 1", n)
	}
}

func TestSeqContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &script{pages: []page{{items: []int{1, 2}, next: "a"}, {items: []int{3}}}}
	var got []int
	var errs []error
	for v, err := range Seq(ctx, s.fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, *v)
		cancel() // ends the context in the middle of page 1
	}
	if !cmp.Equal([]int{1, 2}, got) {
		t.Errorf("items = %v, want the rest of the page already read: [1 2]", got)
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("errors = %v, want one context.Canceled", errs)
	}
	if len(s.tokens) != 1 {
		t.Errorf("fetches = %d, want 1 (none after the context ended)", len(s.tokens))
	}

	// An ended context fetches nothing.
	s = &script{pages: []page{{items: []int{1}}}}
	for _, err := range Seq(ctx, s.fetch) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	}
	if len(s.tokens) != 0 {
		t.Errorf("fetches with an ended context = %d, want 0", len(s.tokens))
	}
}

func TestSeqReleasesThePage(t *testing.T) {
	t.Parallel()
	var held []*int
	fetch := func(context.Context, string) ([]*int, string, error) {
		one, two := 1, 2
		held = []*int{&one, &two}
		return held, "", nil
	}
	for range Seq(context.Background(), fetch) {
	}
	for i, p := range held {
		if p != nil {
			t.Errorf("page slot %d still points at its item after the page was read", i)
		}
	}
}

func TestCollect(t *testing.T) {
	t.Parallel()
	s := &script{pages: []page{{items: []int{1}, next: "a"}, {items: []int{2}, next: "a"}}}
	all, err := Collect(Seq(context.Background(), s.fetch))
	if err != nil || len(all) != 2 || *all[0] != 1 || *all[1] != 2 {
		t.Errorf("Collect = %v, %v", all, err)
	}
	boom := errors.New("boom")
	s = &script{pages: []page{{items: []int{1}, next: "a"}, {err: boom}}}
	all, err = Collect(Seq(context.Background(), s.fetch))
	if !errors.Is(err, boom) || len(all) != 1 {
		t.Errorf("Collect = %v, %v; want [1] and boom", all, err)
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	q := url.Values{"where": {"a=1"}}
	for _, tt := range []struct {
		q    url.Values
		size int
		next string
		want string
	}{
		{nil, 0, "", "/list"},
		{nil, -1, "", "/list"},
		{nil, 100, "", "/list?pageSize=100"},
		{nil, 50, "tok/en+=", "/list?nextPage=tok%2Fen%2B%3D&pageSize=50"},
		{q, 0, "", "/list?where=a%3D1"},
		{q, 10, "t", "/list?nextPage=t&pageSize=10&where=a%3D1"},
	} {
		if got := URL("/list", tt.q, tt.size, tt.next); got != tt.want {
			t.Errorf("URL(%v, %d, %q) = %q, want %q", tt.q, tt.size, tt.next, got, tt.want)
		}
	}
	if len(q) != 1 {
		t.Errorf("URL changed the caller's query: %v", q)
	}
}

// Many pages are read in order without the seen-token guard cutting them
// short.
func TestSeqManyPages(t *testing.T) {
	t.Parallel()
	const pages = 300
	fetch := func(_ context.Context, token string) ([]*int, string, error) {
		n := 0
		if token != "" {
			n, _ = strconv.Atoi(token)
		}
		if n == pages {
			return nil, token, nil // the empty page past the end, with a token
		}
		return []*int{&n}, strconv.Itoa(n + 1), nil
	}
	all, err := Collect(Seq(context.Background(), fetch))
	if err != nil || len(all) != pages || *all[pages-1] != pages-1 {
		t.Errorf("read %d items (err %v), want %d", len(all), err, pages)
	}
}

func TestEmptyList(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status int
		msg    string
		want   bool
	}{
		{404, "No instances found", true},
		{404, "No events found.", true},
		{404, "  no appointment types found ", true},
		{404, "No appointments found", true},
		{200, "No instances found", false},
		{400, "No instances found", false},
		{404, "Not Found", false},
		{404, "no instance with id 5", false},
		{404, "No instance found with id 5", false},
		{404, "404 page not found", false},
		{404, "No route found for GET /instancez", false},
		{404, "", false},
	} {
		if got := EmptyList(tt.status, tt.msg); got != tt.want {
			t.Errorf("EmptyList(%d, %q) = %v, want %v", tt.status, tt.msg, got, tt.want)
		}
	}
}

func TestErr(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	n := 0
	for it, err := range Err[int](boom) {
		n++
		if it != nil || err != boom {
			t.Errorf("yielded %v, %v", it, err)
		}
	}
	if n != 1 {
		t.Errorf("yielded %d times, want 1", n)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A hub that sends a fresh 64 KiB token with every page cannot make a
// listing's memory grow with it: the loop guard holds a fixed-size digest
// of each token, never the token. (Not parallel: it measures the heap.)
func TestSeqGuardHoldsNoTokenBytes(t *testing.T) {
	const pages, tokenSize = 200, 64 << 10
	fetch := func(_ context.Context, token string) ([]*int, string, error) {
		n := 0
		if token != "" {
			n, _ = strconv.Atoi(token[:8])
		}
		if n == pages {
			return nil, "", nil
		}
		return []*int{&n}, fmt.Sprintf("%08d", n+1) + strings.Repeat("x", tokenSize-8), nil
	}
	var at10, atEnd uint64
	n := 0
	for _, err := range Seq(context.Background(), fetch) {
		if err != nil {
			t.Fatal(err)
		}
		switch n {
		case 10:
			at10 = liveHeap()
		case pages - 1:
			atEnd = liveHeap()
		}
		n++
	}
	if n != pages {
		t.Fatalf("read %d pages, want %d", n, pages)
	}
	// 190 tokens kept would be 12 MiB; 190 digests are a few KiB.
	if grew := int64(atEnd) - int64(at10); grew > 1<<20 {
		t.Errorf("the live heap grew by %d bytes over %d pages of %d-byte tokens: the guard keeps the tokens", grew, pages-11, tokenSize)
	}
}

// The guard remembers the last MaxRemembered tokens, no more.
func TestGuardRemembersTheLastTokens(t *testing.T) {
	t.Parallel()
	var g guard
	for i := range 2 * MaxRemembered {
		if g.repeat(strconv.Itoa(i)) {
			t.Fatalf("token %d is new, guard says seen", i)
		}
	}
	if len(g.ring) != MaxRemembered {
		t.Errorf("the guard holds %d digests, want %d", len(g.ring), MaxRemembered)
	}
	for _, i := range []int{MaxRemembered, 2*MaxRemembered - 1} {
		if !g.repeat(strconv.Itoa(i)) {
			t.Errorf("token %d is among the last %d, guard says new", i, MaxRemembered)
		}
	}
	if g.repeat(strconv.Itoa(MaxRemembered - 1)) {
		t.Errorf("token %d is older than the last %d, guard still has it", MaxRemembered-1, MaxRemembered)
	}
}

// Tokens that lead back after MaxRemembered pages still end the listing,
// and no page is read twice.
func TestSeqEndsOnALongCycle(t *testing.T) {
	t.Parallel()
	fetched := map[string]int{}
	fetch := func(_ context.Context, token string) ([]*int, string, error) {
		fetched[token]++
		// Tokens "", 1, 2, …, MaxRemembered, then 1 again.
		n, _ := strconv.Atoi(token)
		return []*int{&n}, strconv.Itoa(n%MaxRemembered + 1), nil
	}
	all, err := Collect(Seq(context.Background(), fetch))
	if err != nil || len(all) != MaxRemembered+1 {
		t.Errorf("read %d items (err %v), want %d", len(all), err, MaxRemembered+1)
	}
	for token, n := range fetched {
		if n > 1 {
			t.Errorf("token %q fetched %d times", token, n)
		}
	}
}
