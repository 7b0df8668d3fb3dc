package elements

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/elementsgo/elements/internal/paging"
)

// A Pager reads one of the platform's paged lists, a page at a time, and
// says where it is, so that a listing that stops (a crash, a deploy, an
// error) can resume near where it stopped. It is the one reader of every
// list the SDK offers (InstancesService.All, InstancesService.Events,
// DeliveriesService.Queued, the acuity package's lists); use it directly
// for a list the SDK does not model, a hub resource of another element
// say. Create it with [NewPager].
//
// All yields the list's elements, each decoded from its JSON into a new T
// (through T's UnmarshalJSON, if it has one), fetching the next page only
// when the caller asks for the element after the last one of a page, so
// one page is in memory at a time. It ends by the platform's paging rule:
// a page without an Elements-Next-Page-Token, an empty page, or a token it
// was given before (the platform sends a token on the last page too; the
// last 1024 tokens are remembered, as digests); a list that never ends by
// itself ends when the caller breaks out of the loop or ctx ends. The
// platform's 404 "No … found" is an empty list; any other 404 is an error
// matching [ErrNotFound]. An error (an [*APIError], a failed request, the
// end of ctx, a page that is not a JSON array or holds a null, which wrap
// [ErrInvalidResponse] and are logged like the client's other invalid
// answers) is yielded once, as (nil, err), and ends the range.
//
// Position and Total may be read from any goroutine (a progress reporter,
// say); range over All from one goroutine at a time.
type Pager[T any] struct {
	path  string
	query url.Values
	size  int
	err   error // the arguments cannot make a request: All's only item
	// page GETs one page and decodes it (one element at a time, into T or
	// into a wire type converted to T), refusing nulls.
	page func(ctx context.Context, path string) ([]*T, *Response, error)

	mu    sync.Mutex
	token string // the page being read
	total int    // the last Elements-Total-Count; -1: none yet
}

// NewPager returns a pager over the list at path (relative to the base
// URL, without a query: "/hubs/crm/contacts"), with the query q, which
// NewPager does not change (filters such as "where"; nil for none),
// pageSize elements a page (the pageSize parameter; 0 leaves it to the
// platform), starting at the page the token start names (the nextPage
// parameter: an Elements-Next-Page-Token, or a Position saved before; ""
// for the first page). Each page is a GET built by [Client.NewRequest]
// with opts (WithElementToken for a hub resource of one instance) and sent
// by the client, with its retries, pacing and redaction.
//
// Nothing is sent until the caller ranges over All. Arguments that cannot
// make a request (a nil client, a negative page size, a path with a query,
// paging parameters in q) make an error All's only item.
func NewPager[T any](c *Client, path string, q url.Values, pageSize int, start string, opts ...RequestOption) *Pager[T] {
	return newPager(c, path, q, pageSize, start, func(t *T) (*T, error) { return t, nil }, opts...)
}

// newPager is NewPager for a list whose elements are decoded as the wire
// type W and converted to T by conv (InstancesService.All: the instance's
// wire type, decoded in one pass, is a third cheaper than
// Instance.UnmarshalJSON, which encoding/json hands each element's bytes
// after skipping them, and which scans them again before decoding).
func newPager[W, T any](c *Client, path string, q url.Values, pageSize int, start string, conv func(*W) (*T, error), opts ...RequestOption) *Pager[T] {
	p := &Pager[T]{path: path, query: q, size: pageSize, token: start, total: -1}
	switch {
	case c == nil:
		p.err = errors.New("elements: NewPager: nil *Client")
	case pageSize < 0:
		p.err = fmt.Errorf("elements: GET %s: page size must be >= 0, got %d", path, pageSize)
	case strings.ContainsAny(path, "?#"):
		p.err = errors.New("elements: NewPager: the path holds a query or fragment; pass the query as q")
	case q.Has(paging.PageSizeParam) || q.Has(paging.NextPageParam):
		p.err = fmt.Errorf("elements: NewPager: q holds %s or %s; pass them as pageSize and start", paging.PageSizeParam, paging.NextPageParam)
	}
	p.page = func(ctx context.Context, path string) ([]*T, *Response, error) {
		return getList(ctx, c, path, conv, opts...)
	}
	return p
}

// All lists the elements page by page from the page Position names when
// the range starts: after an error, or a break, ranging again goes on from
// there (re-reading at most that page) instead of from the first page.
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if p.err != nil {
			yield(nil, p.err)
			return
		}
		paging.SeqFrom(ctx, p.Position(), p.fetch)(yield)
	}
}

// fetch reads the page next names: it becomes the position before the
// request is sent, so a failed fetch leaves the position at the page that
// failed, and nothing of the page before is handed out again.
func (p *Pager[T]) fetch(ctx context.Context, next string) ([]*T, string, error) {
	p.mu.Lock()
	p.token = next
	p.mu.Unlock()
	items, resp, err := p.page(ctx, paging.URL(p.path, p.query, p.size, next))
	var ae *APIError
	if errors.As(err, &ae) && paging.EmptyList(ae.StatusCode, ae.Message) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if resp.TotalCount >= 0 {
		p.mu.Lock()
		p.total = resp.TotalCount
		p.mu.Unlock()
	}
	return items, resp.NextPageToken, nil
}

// Position is where the listing is, as a page token to save and later pass
// back as NewPager's start (with the path, query and page size otherwise
// unchanged): the token of the page whose elements All is handing out, ""
// for the first page. It moves to the next page's token only once the loop
// has taken every element of the current page and asked for more (when
// that page is fetched, whether or not the fetch succeeds). So a listing
// resumed from a saved position skips no element the caller had not
// finished, and hands out again at most one page of elements it had: handle
// elements idempotently, by their id.
//
// After the listing ended without an error, Position names its last page
// (or the empty page past it). Whether the platform honours a token after
// hours or days is not documented; if it refuses an old one, the error
// comes from All, and the listing has to start over from "".
func (p *Pager[T]) Position() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.token
}

// Total is the number of elements the platform counts for the list, from
// the Elements-Total-Count header of the last page that carried one, or -1
// when none has (yet): not every answer carries it.
func (p *Pager[T]) Total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total
}

// getList GETs the JSON list at path (built with opts) and converts each
// element of its wire type W with conv, in one pass over the answer. A
// null element makes the whole answer invalid (ErrInvalidResponse, logged
// like any invalid answer): the SDK never hands out a nil pointer, and
// does not silently drop what it cannot account for.
func getList[W, T any](ctx context.Context, c *Client, path string, conv func(*W) (*T, error), opts ...RequestOption) ([]*T, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil, opts...)
	if err != nil {
		return nil, nil, err
	}
	var ws []*W
	resp, err := c.do(req, &ws, callOptions{})
	if err != nil {
		return nil, resp, err
	}
	out := make([]*T, len(ws))
	for i, w := range ws {
		if w == nil {
			err = errors.New("null")
		} else {
			out[i], err = conv(w)
		}
		if err != nil {
			return nil, resp, c.failed(c.invalidAnswer(req, resp, callOptions{}, fmt.Errorf("element %d of the list: %w", i, err)))
		}
	}
	return out, resp, nil
}
