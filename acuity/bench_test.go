package acuity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Decoding a page of appointments as Account.Appointments does (the
// client's json.Decoder into []*Appointment, each element through
// Appointment.UnmarshalJSON, which keeps its Raw) beside plain encoding/json
// into a struct with the same fields, in the same run:
//
//	go test -run '^$' -bench DecodePage -benchmem -count 6 ./acuity > bench.txt
//	benchstat -col '/impl@(baseline sdk)' bench.txt

// plainAppointment is what a hand-written client would decode Acuity's
// appointment into: the same fields, in the types Acuity sends.
type plainAppointment struct {
	ID                  int64   `json:"id"`
	FirstName           string  `json:"firstName"`
	LastName            string  `json:"lastName"`
	Phone               string  `json:"phone"`
	Email               string  `json:"email"`
	Date                string  `json:"date"`
	Time                string  `json:"time"`
	EndTime             string  `json:"endTime"`
	DateCreated         string  `json:"dateCreated"`
	Datetime            string  `json:"datetime"`
	DatetimeCreated     string  `json:"datetimeCreated"`
	Duration            string  `json:"duration"`
	Price               string  `json:"price"`
	PriceSold           string  `json:"priceSold"`
	AmountPaid          string  `json:"amountPaid"`
	Paid                string  `json:"paid"`
	Type                string  `json:"type"`
	AppointmentTypeID   int64   `json:"appointmentTypeID"`
	ClassID             *int64  `json:"classID"`
	AddonIDs            []int64 `json:"addonIDs"`
	Category            string  `json:"category"`
	Calendar            string  `json:"calendar"`
	CalendarID          int64   `json:"calendarID"`
	CanClientCancel     bool    `json:"canClientCancel"`
	CanClientReschedule bool    `json:"canClientReschedule"`
	Canceled            bool    `json:"canceled"`
	NoShow              bool    `json:"noShow"`
	Location            string  `json:"location"`
	Certificate         string  `json:"certificate"`
	ConfirmationPage    string  `json:"confirmationPage"`
	Notes               string  `json:"notes"`
	FormsText           string  `json:"formsText"`
	Timezone            string  `json:"timezone"`
	CalendarTimezone    string  `json:"calendarTimezone"`
	ScheduledBy         *string `json:"scheduledBy"`
	Forms               []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Values []struct {
			ID      int64  `json:"id"`
			FieldID int64  `json:"fieldID"`
			Name    string `json:"name"`
			Value   string `json:"value"`
		} `json:"values"`
	} `json:"forms"`
	Labels []struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Color string `json:"color"`
	} `json:"labels"`
}

// appointmentPage is a page of n copies of the fixture with distinct ids,
// as the hub answers a list.
func appointmentPage(tb testing.TB, n, firstID int) []byte {
	tb.Helper()
	fixture, err := os.ReadFile("testdata/appointment.json")
	if err != nil {
		tb.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, fixture); err != nil {
		tb.Fatal(err)
	}
	one := compact.Bytes()
	var page bytes.Buffer
	page.WriteByte('[')
	for i := range n {
		if i > 0 {
			page.WriteByte(',')
		}
		page.Write(bytes.Replace(one, []byte(`"id":8801`), fmt.Appendf(nil, `"id":%d`, firstID+i), 1))
	}
	page.WriteByte(']')
	return page.Bytes()
}

// decodeSDKPage decodes a page as Account.Appointments does (its pager): the
// client's json.Decoder into []*Appointment, then the check for nulls.
func decodeSDKPage(b []byte) ([]*Appointment, error) {
	var page []*Appointment
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&page); err != nil {
		return nil, err
	}
	if slices.Contains(page, nil) {
		return nil, errors.New("null in the page")
	}
	return page, nil
}

func decodePlainPage(b []byte) ([]*plainAppointment, error) {
	var page []*plainAppointment
	err := json.NewDecoder(bytes.NewReader(b)).Decode(&page)
	return page, err
}

// The benchmark's two sides decode the same page to the same values.
func TestDecodePageBaselineAgrees(t *testing.T) {
	t.Parallel()
	b := appointmentPage(t, 3, 1)
	sdk, err := decodeSDKPage(b)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := decodePlainPage(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(sdk) != 3 || len(plain) != 3 {
		t.Fatalf("decoded %d and %d appointments, want 3", len(sdk), len(plain))
	}
	want := fixtureAppointment()
	want.ID = 3
	want.Raw = nil // the page's compact copy of the fixture: checked below
	if diff := cmp.Diff(want, sdk[2], ignoreRaw); diff != "" {
		t.Errorf("sdk (-want +got):\n%s", diff)
	}
	var raw map[string]any
	if err := json.Unmarshal(sdk[2].Raw, &raw); err != nil || raw["id"] != 3.0 || raw["isVerified"] != false {
		t.Errorf("Raw of the third appointment = %s, %v; want the fixture's JSON with id 3", sdk[2].Raw, err)
	}
	p := plain[2]
	if p.ID != 3 || p.Datetime != "2020-02-14T10:30:00-0500" || p.Duration != "45" || len(p.Forms[0].Values) != 2 || p.Labels[0].Color != "green" {
		t.Errorf("baseline decoded %+v", p)
	}
}

func BenchmarkDecodePage(b *testing.B) {
	page := appointmentPage(b, 100, 1)
	b.Run("impl=baseline", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePlainPage(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=sdk", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeSDKPage(page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
