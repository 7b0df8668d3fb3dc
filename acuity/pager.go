package acuity

import (
	"context"
	"iter"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/paging"
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
// It is the client's elements.Pager over the appointments, with the
// query's checks in front. Create it with Account.AppointmentPager.
// Position and Total may be read from any goroutine (a progress reporter,
// say); range over All from one goroutine at a time.
type AppointmentPager struct {
	pager *elements.Pager[Appointment]
	err   error // the query cannot be sent
}

// AppointmentPager returns a pager over the appointments that match q,
// starting at the page q.NextPage names (the first page when it is "").
// Nothing is sent until the caller ranges over All; a query that cannot be
// sent is All's only item, as an error.
func (a *Account) AppointmentPager(q *AppointmentQuery) *AppointmentPager {
	query, pageSize, err := appointmentsQuery(q)
	start := ""
	if q != nil {
		start = q.NextPage
	}
	return &AppointmentPager{pager: hubPager[Appointment](a, AppointmentsPath, query, pageSize, start), err: err}
}

// All lists the appointments page by page, like Account.Appointments,
// from the page Position names when the range starts: after an error, or
// a break, ranging again goes on from there (re-reading at most that
// page) instead of from the first page.
func (p *AppointmentPager) All(ctx context.Context) iter.Seq2[*Appointment, error] {
	if p.err != nil {
		return paging.Err[Appointment](p.err)
	}
	return named("Appointments", p.pager.All(ctx))
}

// Position is where the listing is, as a page token to save and later pass
// back as AppointmentQuery.NextPage (with the query otherwise unchanged):
// the token of the page whose appointments All is handing out, "" for the
// first page (see elements.Pager.Position). It moves to the next page's
// token only once the loop has taken every appointment of the current page
// and asked for more. So a listing resumed from a saved position skips no
// appointment the caller had not finished, and hands out again at most one
// page of appointments it had (those of the saved page before the one in
// hand): handle appointments idempotently, by ID.
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
func (p *AppointmentPager) Position() string { return p.pager.Position() }

// Total is the number of appointments the platform counts for the query,
// from the Elements-Total-Count header of the last page that carried one,
// or -1 when none has (yet): not every answer carries it.
func (p *AppointmentPager) Total() int { return p.pager.Total() }
