package acuity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/elementsgo/elements"
)

// pagedAppointments serves total appointments in pages of size, making each
// page when asked (the server holds none), with a token on every page as
// the platform does, and an empty page past the end.
func pagedAppointments(t *testing.T, total, size int) *Account {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("nextPage"))
		n := min(size, total-start)
		if got := r.URL.Query().Get("pageSize"); got != strconv.Itoa(size) {
			t.Errorf("pageSize = %q, want %d", got, size)
		}
		w.Header().Set("Elements-Next-Page-Token", strconv.Itoa(start+n))
		if n == 0 {
			_, _ = w.Write([]byte(`[]`))
			return
		}
		_, _ = w.Write(appointmentPage(t, n, start+1))
	}))
	t.Cleanup(srv.Close)
	// A local server with no rate limit: pacing off.
	c, err := elements.NewClient(testUser, testOrg, elements.WithBaseURL(srv.URL), elements.WithRetry(0, 0, 0),
		elements.WithLimiter(elements.NewMemoryLimiter(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAccount(c, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// readAll iterates every appointment, keeping them if keep, and returns the
// live heap measured at the first item of pages 10 and total/size - 1, and
// the count.
func readAll(t *testing.T, a *Account, size, pages int, keep bool) (at10, atEnd uint64, n int) {
	t.Helper()
	var kept []*Appointment
	for appt, err := range a.Appointments(context.Background(), &AppointmentQuery{PageSize: size}) {
		if err != nil {
			t.Fatal(err)
		}
		if keep {
			kept = append(kept, appt)
		}
		if int(appt.ID) != n+1 {
			t.Fatalf("appointment %d has id %d", n, appt.ID)
		}
		switch n {
		case 10 * size:
			at10 = liveHeap()
		case (pages - 1) * size:
			atEnd = liveHeap()
		}
		n++
	}
	runtime.KeepAlive(kept)
	return at10, atEnd, n
}

// Iterating 10,000 appointments in pages of 100 holds one page at a time:
// the live heap at page 99 is the live heap at page 10, give or take less
// than one page; keeping the appointments instead grows it page by page,
// which shows the measure can tell.
func TestAppointmentsHoldOnePage(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10,000 appointments")
	}
	const total, size = 10000, 100
	const pages = total / size
	at10, atEnd, n := readAll(t, pagedAppointments(t, total, size), size, pages, false)
	if n != total {
		t.Fatalf("read %d appointments, want %d", n, total)
	}
	page := onePageHeap(t, size)
	growth := int64(atEnd) - int64(at10)
	t.Logf("live heap at page 10: %d KiB, at page %d: %d KiB (growth %d KiB; one decoded page is %d KiB)",
		at10>>10, pages-1, atEnd>>10, growth>>10, page>>10)
	if growth > int64(page) {
		t.Errorf("live heap grew by %d KiB over 89 pages, more than one page (%d KiB): pages are retained", growth>>10, page>>10)
	}

	// The control: a caller that keeps the appointments of 30 pages grows
	// the heap by about 19 pages between page 10 and page 29.
	k10, kEnd, _ := readAll(t, pagedAppointments(t, 30*size, size), size, 30, true)
	if kept := int64(kEnd) - int64(k10); kept < 10*int64(page) {
		t.Errorf("keeping the appointments grew the heap by only %d KiB; the measure cannot tell", kept>>10)
	} else {
		t.Logf("control: keeping them grows it by %d KiB over 19 pages", kept>>10)
	}
}

// onePageHeap is the live heap of one decoded page of size appointments.
func onePageHeap(t *testing.T, size int) uint64 {
	b := appointmentPage(t, size, 1)
	before := liveHeap()
	page, err := decodeSDKPage(b)
	if err != nil {
		t.Fatal(err)
	}
	after := liveHeap()
	runtime.KeepAlive(page)
	runtime.KeepAlive(b)
	return after - before
}
