package elements_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/elementsgo/elements"
)

// contact is a hub resource the SDK does not model, decoded by
// encoding/json's rules.
type contact struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// collectContacts ranges over seq, returning the ids and the first error.
func collectContacts(seq func(func(*contact, error) bool)) ([]int64, error) {
	var ids []int64
	for c, err := range seq {
		if err != nil {
			return ids, err
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// A Pager sends each page as the client's GET with its request options,
// the query, pageSize and nextPage, follows the position and the total,
// and ends by the platform's rule.
func TestPagerPages(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t, elements.WithLimiter(elements.NewMemoryLimiter(0, 0)))
	rec := mock(mt,
		answer(200, `[{"id":1,"name":"a"},{"id":2}]`, "Elements-Next-Page-Token: p2", "Elements-Total-Count: 3"),
		answer(200, `[{"id":3}]`, "Elements-Next-Page-Token: p3"), // no count: the last one stays
		answer(200, `[]`, "Elements-Next-Page-Token: p3", "Elements-Total-Count: 3"))
	q := url.Values{"where": {"name='a'"}}
	p := elements.NewPager[contact](c, "/hubs/crm/contacts", q, 2, "", elements.WithElementToken(testToken))
	if p.Position() != "" || p.Total() != -1 {
		t.Errorf("before the range: Position %q, Total %d; want \"\", -1", p.Position(), p.Total())
	}
	var got []string // id at position, of total
	for ct, err := range p.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d at %q of %d", ct.ID, p.Position(), p.Total()))
	}
	want := []string{`1 at "" of 3`, `2 at "" of 3`, `3 at "p2" of 3`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if p.Position() != "p3" {
		t.Errorf("after the end: Position %q, want the empty page's p3", p.Position())
	}
	if len(q) != 1 {
		t.Errorf("q changed: %v", q)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, wantQuery := range []string{
		"pageSize=2&where=name%3D%27a%27",
		"nextPage=p2&pageSize=2&where=name%3D%27a%27",
		"nextPage=p3&pageSize=2&where=name%3D%27a%27",
	} {
		r := rec.requests[i]
		if r.Method != http.MethodGet || r.Path != "/elements/api-v2/hubs/crm/contacts" || r.Query != wantQuery {
			t.Errorf("request %d = %s %s?%s, want GET /hubs/crm/contacts?%s", i, r.Method, r.Path, r.Query, wantQuery)
		}
		if r.Header.Get("Authorization") != wantAuth+", Element "+testToken {
			t.Errorf("request %d: Authorization %q, want the element token", i, r.Header.Get("Authorization"))
		}
	}
}

// A failed fetch leaves the position at the page that failed: ranging
// again, or a new pager from the saved position, asks for that page and
// nothing before it.
func TestPagerResumes(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
	rec := mock(mt,
		answer(200, `[{"id":1},{"id":2}]`, "Elements-Next-Page-Token: p2"),
		answer(500, `{"message":"boom"}`),
		answer(200, `[{"id":3}]`, "Elements-Next-Page-Token: p3"),
		answer(200, `[]`, "Elements-Next-Page-Token: p3"))
	p := elements.NewPager[contact](c, "/hubs/crm/contacts", nil, 0, "")
	ids, err := collectContacts(p.All(context.Background()))
	var ae *elements.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || !cmp.Equal([]int64{1, 2}, ids) {
		t.Fatalf("first range: %v, %v; want [1 2] and the 500", ids, err)
	}
	if p.Position() != "p2" {
		t.Errorf("after the failed fetch: Position %q, want p2", p.Position())
	}
	ids, err = collectContacts(p.All(context.Background()))
	if err != nil || !cmp.Equal([]int64{3}, ids) {
		t.Errorf("second range: %v, %v; want [3]", ids, err)
	}
	checkPageRequests(t, rec, "/hubs/crm/contacts", nil, "", "", "p2", "p2", "p3")

	// A new pager from a saved position starts there.
	c2, mt2 := newTestClient(t)
	rec2 := mock(mt2, answer(200, `[{"id":3}]`))
	ids, err = collectContacts(elements.NewPager[contact](c2, "/hubs/crm/contacts", nil, 5, "p2").All(context.Background()))
	if err != nil || !cmp.Equal([]int64{3}, ids) {
		t.Errorf("from p2: %v, %v; want [3]", ids, err)
	}
	checkPageRequests(t, rec2, "/hubs/crm/contacts", nil, "5", "p2")
}

// The platform's 404 "No … found" is an empty list; any other 404 is an
// error.
func TestPagerNotFound(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		wantErr    bool
	}{
		{"none found", `{"message":"No contacts found"}`, false},
		{"unknown instance", `{"message":"no instance with id 5"}`, true},
	} {
		c, mt := newTestClient(t)
		mock(mt, answer(404, tt.body))
		ids, err := collectContacts(elements.NewPager[contact](c, "/hubs/crm/contacts", nil, 0, "").All(context.Background()))
		if tt.wantErr != errors.Is(err, elements.ErrNotFound) || len(ids) != 0 {
			t.Errorf("%s: %v, %v; want no contact and ErrNotFound %v", tt.name, ids, err, tt.wantErr)
		}
	}
}

// A page that holds a null, or is not a list of T, is an invalid answer:
// ErrInvalidResponse, logged at Error level like the client's other
// invalid answers, without the element token, and nothing of the page is
// handed out.
func TestPagerInvalidPage(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"null":         `[{"id":1},null]`,
		"not a list":   `{"id":1}`,
		"wrong type":   `[{"id":"` + testToken + `"}]`,
		"not complete": `[{"id":1},`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			c, mt := newTestClient(t, elements.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			mock(mt, answer(200, body, "Content-Type: application/json"))
			ids, err := collectContacts(elements.NewPager[contact](c, "/hubs/crm/contacts", nil, 0, "", elements.WithElementToken(testToken)).All(context.Background()))
			if len(ids) != 0 || !errors.Is(err, elements.ErrInvalidResponse) {
				t.Fatalf("got %v, %v; want no contact and ErrInvalidResponse", ids, err)
			}
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "/hubs/crm/contacts") {
				t.Errorf("the invalid page was not logged as an error:\n%s", logs.String())
			}
			assertNoSecret(t, "error", err.Error())
			assertNoSecret(t, "log", logs.String())
		})
	}
}

// Arguments that cannot make a request are All's only item; nothing is
// sent and the position stays where it started.
func TestPagerBadArguments(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	rec := mock(mt, answer(200, `[]`))
	for _, tt := range []struct {
		name     string
		c        *elements.Client
		path     string
		q        url.Values
		pageSize int
		want     string
	}{
		{"nil client", nil, "/x", nil, 0, "nil *Client"},
		{"negative page size", c, "/x", nil, -1, "page size must be >= 0, got -1"},
		{"query in the path", c, "/x?where=a", nil, 0, "pass the query as q"},
		{"fragment in the path", c, "/x#y", nil, 0, "pass the query as q"},
		{"pageSize in q", c, "/x", url.Values{"pageSize": {"5"}}, 0, "pass them as pageSize and start"},
		{"nextPage in q", c, "/x", url.Values{"nextPage": {"t"}}, 0, "pass them as pageSize and start"},
	} {
		p := elements.NewPager[contact](tt.c, tt.path, tt.q, tt.pageSize, "t5")
		n := 0
		for ct, err := range p.All(context.Background()) {
			n++
			if ct != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: got %v, %v; want an error with %q", tt.name, ct, err, tt.want)
			}
		}
		if n != 1 || p.Position() != "t5" || p.Total() != -1 {
			t.Errorf("%s: %d yields, Position %q, Total %d; want 1, t5, -1", tt.name, n, p.Position(), p.Total())
		}
	}
	if rec.calls() != 0 {
		t.Errorf("%d requests sent, want none", rec.calls())
	}
}
