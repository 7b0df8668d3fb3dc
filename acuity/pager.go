package acuity

import (
	"context"
	"iter"
	"net/url"
	"sync"
)

// AppointmentPager lists appointments as Account.Appointments does and
// says where it is, so that a backfill that stops (a crash, a deploy, an
// error) resumes near where it stopped instead of from the first page:
//
//	q.NextPage = loadCheckpoint() // "" the first time
//	pager := account.AppointmentPager(q)
//	for appt, err := range pager.All(ctx) {
//		if err != nil {
//			return err
//		}
//		saveCheckpoint(pager.Position()) // as often as suits: per appointment, per page, per minute
//		store(appt)                      // idempotent: after a resume, some come again
//	}
//	deleteCheckpoint() // the loop ended without an error: done
//
// Create it with Account.AppointmentPager. Position and Total may be read
// from any goroutine (a progress reporter, say); range over All from one
// goroutine at a time.
type AppointmentPager struct {
	a        *Account
	query    url.Values
	pageSize int
	err      error // the query cannot be sent
	at       cursor
}

// AppointmentPager returns a pager over the appointments that match q,
// starting at the page q.NextPage names (the first page when it is "").
// Nothing is sent until the caller ranges over All; a query that cannot be
// sent is All's only item, as an error.
func (a *Account) AppointmentPager(q *AppointmentQuery) *AppointmentPager {
	p := &AppointmentPager{a: a, at: cursor{total: -1}}
	p.query, p.pageSize, p.err = appointmentsQuery(q)
	if q != nil {
		p.at.token = q.NextPage
	}
	return p
}

// All lists the appointments page by page, like Account.Appointments,
// from the page Position names when the range starts: after an error, or
// a break, ranging again goes on from there (re-reading at most that
// page) instead of from the first page.
func (p *AppointmentPager) All(ctx context.Context) iter.Seq2[*Appointment, error] {
	return func(yield func(*Appointment, error) bool) {
		if p.err != nil {
			yield(nil, p.err)
			return
		}
		for appt, err := range list[Appointment](ctx, p.a, "Appointments", AppointmentsPath, p.query, p.pageSize, &p.at) {
			if !yield(appt, err) {
				return
			}
		}
	}
}

// Position is where the listing is, as a page token to save and later pass
// back as AppointmentQuery.NextPage (with the query otherwise unchanged):
// the token of the page whose appointments All is handing out, "" for the
// first page. It moves to the next page's token only once the loop has
// taken every appointment of the current page and asked for more (when
// that page is fetched, whether or not the fetch succeeds). So a listing
// resumed from a saved position skips no appointment the caller had not
// finished, and hands out again at most one page of appointments it had
// (those of the saved page before the one in hand): handle appointments
// idempotently, by ID.
//
// As it names the page of the appointment in hand, a position may be saved
// before that appointment is handled as well as after. "Finished" means the
// loop body returned: if the body hands appointments to other goroutines,
// save a position only once they have finished every appointment handed
// out before it. After the listing ended without an error, Position names
// its last page (or the empty page past it): resuming from there re-reads
// at most that page.
//
// Whether the platform honours a token after hours or days is not
// documented; if it refuses an old one, the error comes from All, and the
// backfill has to start over from "".
func (p *AppointmentPager) Position() string { return p.at.position() }

// Total is the number of appointments the platform counts for the query,
// from the Elements-Total-Count header of the last page that carried one,
// or -1 when none has (yet): not every answer carries it.
func (p *AppointmentPager) Total() int {
	p.at.mu.Lock()
	defer p.at.mu.Unlock()
	return p.at.total
}

// cursor follows a listing for list: the token of the page being read and
// the total count the platform announced (-1 for none). A nil *cursor
// starts at the first page and follows nothing. Safe for concurrent use.
type cursor struct {
	mu    sync.Mutex
	token string
	total int
}

// position returns the token of the page being read.
func (c *cursor) position() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// reading records that the page token names is being fetched: the
// internal/paging reader fetches a page only after the caller has taken
// every item of the page before it, so from now on that page is where a
// resumed listing must start.
func (c *cursor) reading(token string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.token = token
	c.mu.Unlock()
}

// counted records the Elements-Total-Count of an answer; n < 0 (absent)
// keeps the count known before.
func (c *cursor) counted(n int) {
	if c == nil || n < 0 {
		return
	}
	c.mu.Lock()
	c.total = n
	c.mu.Unlock()
}
