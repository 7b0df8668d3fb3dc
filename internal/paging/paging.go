// Package paging is the one reader of the platform's paged lists, used by
// every list the SDK offers (hub resources, instances, instance events).
//
// The platform's rule (its paging guide): a request carries pageSize and,
// after the first page, nextPage, the token the previous answer gave in its
// Elements-Next-Page-Token header. A token comes back whether or not there
// is data on the next page, so a reader stops on a page without a token, on
// an empty page, or on a token it was already given; it never takes "a token
// came back" to mean "there is more".
//
// "Already given" is checked against the last MaxRemembered (1024) tokens
// of the listing, each kept as its SHA-256 digest, never as the token:
// whatever a hub sends (a fresh 64 KiB token with every page, say), the
// guard holds at most 1024 digests of 32 bytes. A listing that never ends by
// itself (a hub that sends a non-empty page and a new token every time, or
// tokens that come back only after more than MaxRemembered pages) is ended
// by its caller: breaking out of the loop, or the end of the context (a
// deadline), which is checked before every page.
package paging

import (
	"context"
	"crypto/sha256"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Query parameter names of the platform's paging.
const (
	PageSizeParam = "pageSize"
	NextPageParam = "nextPage"
)

// Fetch gets one page: the first when nextPage is "", otherwise the page the
// token names. It returns the page's items and the Elements-Next-Page-Token
// of the answer ("" when there was none). A list the platform answers with
// 404 "No … found" is an empty page, not an error: the Fetch maps it to
// (nil, "", nil).
type Fetch[T any] func(ctx context.Context, nextPage string) (items []*T, next string, err error)

// noneFound is the platform's message for a list with nothing to show:
// "No instances found", "No events found", "No appointment types found".
var noneFound = regexp.MustCompile(`(?i)^no(\s+[a-z_-]+){1,3}\s+found[.!]?$`)

// EmptyList reports whether an error answer (its status and message) is
// the platform's "this list is empty": a 404 whose whole message reads "No
// <one to three words> found". This reading is inferred from the messages
// the platform's documentation shows; it lives here alone. Any other 404 (a
// wrong path, an unknown instance such as "no instance with id 5", a
// proxy's HTML page) stays an error: it does not say the list is empty.
func EmptyList(status int, message string) bool {
	return status == http.StatusNotFound && noneFound.MatchString(strings.TrimSpace(message))
}

// Err returns a sequence that yields err once: a list that cannot start.
func Err[T any](err error) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) { yield(nil, err) }
}

// URL returns path with the query q (which it does not change) and the
// paging parameters: pageSize when positive (the platform's default
// otherwise) and nextPage when not empty.
func URL(path string, q url.Values, pageSize int, nextPage string) string {
	pq := url.Values{}
	maps.Copy(pq, q)
	if pageSize > 0 {
		pq.Set(PageSizeParam, strconv.Itoa(pageSize))
	}
	if nextPage != "" {
		pq.Set(NextPageParam, nextPage)
	}
	if len(pq) == 0 {
		return path
	}
	return path + "?" + pq.Encode()
}

// Seq returns the items of every page, fetched one page at a time and only
// when the caller asks for the next item after the last of a page: one page
// is in memory at a time. It stops when the caller breaks or ctx ends, and
// ends by the platform's rule: no token, an empty page, or a token seen
// before (one of the last MaxRemembered).
//
// A fetch error, or ctx's end (checked before each fetch), is yielded once
// as (nil, err) and ends the sequence. Nil items (a JSON null in a page) are
// skipped. Each range over the sequence starts again from the first page.
func Seq[T any](ctx context.Context, fetch Fetch[T]) iter.Seq2[*T, error] {
	return SeqFrom(ctx, "", fetch)
}

// SeqFrom is like Seq from the page the token start names (the first page
// when start is ""): start counts as a token seen before, so a list whose
// tokens lead back to it ends there instead of reading its pages again.
func SeqFrom[T any](ctx context.Context, start string, fetch Fetch[T]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		var seen guard
		seen.repeat(start)
		token := start
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(nil, err)
				return
			}
			for i, it := range items {
				items[i] = nil // the caller, not this page, keeps what it wants
				if it != nil && !yield(it, nil) {
					return
				}
			}
			if next == "" || len(items) == 0 {
				return
			}
			if seen.repeat(next) {
				return
			}
			token = next
		}
	}
}

// MaxRemembered is how many of a listing's tokens, the last ones, its loop
// guard remembers (see the package doc).
const MaxRemembered = 1024

// guard remembers the SHA-256 digests of the last MaxRemembered tokens of a
// listing: at most 1024 × 32 bytes, whatever the tokens' size. SHA-256 rather than a
// shorter (64-bit) hash: two tokens that collide would end a listing early,
// silently; with SHA-256 that does not happen, and hashing a token, like
// looking through the digests, costs microseconds next to the request that
// fetched it.
type guard struct {
	ring [][sha256.Size]byte // oldest at next once full
	next int
}

// repeat reports whether token is one of the last MaxRemembered tokens it
// was given, and remembers it, forgetting the oldest when full.
func (g *guard) repeat(token string) bool {
	d := sha256.Sum256([]byte(token))
	if slices.Contains(g.ring, d) {
		return true
	}
	if len(g.ring) < MaxRemembered {
		g.ring = append(g.ring, d)
	} else {
		g.ring[g.next] = d
		g.next = (g.next + 1) % MaxRemembered
	}
	return false
}

// Collect ranges over seq and returns every item, or the first error with
// the items read before it.
func Collect[T any](seq iter.Seq2[*T, error]) ([]*T, error) {
	var all []*T
	for it, err := range seq {
		if err != nil {
			return all, err
		}
		all = append(all, it)
	}
	return all, nil
}
