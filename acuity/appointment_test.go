package acuity

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func fixtureAppointment() *Appointment {
	return &Appointment{
		ID:                  8801,
		FirstName:           "Ada",
		LastName:            "Lovelace",
		Phone:               "+1 555 0100",
		Email:               "ada@example.com",
		Date:                "February 14, 2020",
		Time:                "10:30am",
		EndTime:             "11:15am",
		DateCreated:         "February 3, 2020",
		Datetime:            time.Date(2020, 2, 14, 10, 30, 0, 0, time.FixedZone("", -5*3600)),
		DatetimeCreated:     time.Date(2020, 2, 3, 14, 40, 13, 0, time.FixedZone("", -6*3600)),
		Duration:            45 * time.Minute,
		Price:               "45.00",
		PriceSold:           "40.50",
		AmountPaid:          "40.50",
		Paid:                true,
		Type:                "Initial Consultation",
		AppointmentTypeID:   3,
		AddonIDs:            []int64{11, 12},
		Category:            "Consultations",
		Calendar:            "Front Desk",
		CalendarID:          12,
		CanClientCancel:     true,
		CanClientReschedule: true,
		Location:            "Suite 200, 1 Main St",
		Certificate:         "WELCOME10",
		ConfirmationPage:    "https://acuityscheduling.com/schedule.php?owner=11145481&id[]=1220aa9f41091c50c0cc659385cfa1d0&action=appt",
		Notes:               "First visit; prefers email.",
		FormsText:           "Intake\n========\nIs this your first visit?: yes\nAnything we should know?: Allergic to cats\n",
		Timezone:            "America/New_York",
		CalendarTimezone:    "America/Chicago",
		Forms: []Form{{ID: 1, Name: "Intake", Values: []FormValue{
			{ID: 21502993, FieldID: 1, Name: "Is this your first visit?", Value: "yes"},
			{ID: 21502994, FieldID: 2, Name: "Anything we should know?", Value: "Allergic to cats"},
		}}},
		Labels: []Label{{ID: 3, Name: "Checked In", Color: "green"}},
	}
}

// ignoreRaw leaves every Raw field out of a comparison, for tests that
// check Raw on their own.
var ignoreRaw = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "Raw"
}, cmp.Ignore())

// fixtureWithRaw is fixtureAppointment as decoded from raw, its JSON: Raw
// holds the JSON value, without the whitespace around it.
func fixtureWithRaw(raw []byte) *Appointment {
	a := fixtureAppointment()
	a.Raw = bytes.TrimSpace(raw)
	return a
}

func TestAppointmentFixture(t *testing.T) {
	t.Parallel()
	var got Appointment
	fixture := readFixture(t, "appointment.json")
	if err := json.Unmarshal(fixture, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixtureWithRaw(fixture), &got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if want := time.Date(2020, 2, 14, 15, 30, 0, 0, time.UTC); !got.Datetime.Equal(want) {
		t.Errorf("Datetime = %v, want the instant %v", got.Datetime, want)
	}
}

func TestAppointmentVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want Appointment
	}{
		{"class booking, labels null, unpaid",
			`{"id": 1, "classID": 77, "labels": null, "paid": "no", "duration": "60", "datetime": "2013-06-17T10:15:00-0700"}`,
			Appointment{ID: 1, ClassID: 77, Duration: time.Hour, Datetime: time.Date(2013, 6, 17, 10, 15, 0, 0, time.FixedZone("", -7*3600))}},
		{"ids and amounts as the platform may stringify them",
			`{"id": "2", "calendarID": "12", "appointmentTypeID": "3", "classID": "", "price": 30, "amountPaid": 0, "paid": true, "addonIDs": ["5"]}`,
			Appointment{ID: 2, CalendarID: 12, AppointmentTypeID: 3, Price: "30", AmountPaid: "0", Paid: true, AddonIDs: []int64{5}}},
		{"RFC 3339 datetime", `{"id": 3, "datetime": "2013-06-17T10:15:00-07:00"}`,
			Appointment{ID: 3, Datetime: time.Date(2013, 6, 17, 10, 15, 0, 0, time.FixedZone("", -7*3600))}},
		{"empty labels and forms kept empty", `{"id": 4, "labels": [], "forms": [{"id": 9, "name": "F", "values": null}]}`,
			Appointment{ID: 4, Labels: []Label{}, Forms: []Form{{ID: 9, Name: "F"}}}},
		{"canceled no-show", `{"id": 5, "canceled": true, "noShow": true, "scheduledBy": "staff@example.com"}`,
			Appointment{ID: 5, Canceled: true, NoShow: true, ScheduledBy: "staff@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got Appointment
			if err := json.Unmarshal([]byte(tt.json), &got); err != nil {
				t.Fatal(err)
			}
			tt.want.Raw = json.RawMessage(tt.json)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppointmentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		json    string
		wantMsg string
	}{
		{"not an object", `[1,2]`, "decoding appointment"},
		{"bad datetime", `{"id": 1, "datetime": "June 17, 2013"}`, `datetime "June 17, 2013"`},
		{"bad datetimeCreated", `{"id": 1, "datetimeCreated": "yesterday"}`, "datetimeCreated"},
		{"bad paid", `{"id": 1, "paid": "maybe"}`, `paid "maybe"`},
		{"fractional duration", `{"id": 1, "duration": "1.5"}`, `duration "1.5"`},
		{"overflowing duration", `{"id": 1, "duration": "2147483647"}`, "duration"},
		{"negative duration", `{"id": 1, "duration": "-5"}`, "duration"},
		{"id not a number", `{"id": "abc"}`, "abc"},
		{"canceled not a bool", `{"id": 1, "canceled": "yes"}`, "canceled"},
		{"labels not a list", `{"id": 1, "labels": {"id": 1}}`, "labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got Appointment
			err := json.Unmarshal([]byte(tt.json), &got)
			if err == nil {
				t.Fatalf("decoded %+v, want error", got)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

// FuzzAppointment checks that decoding never panics, that a decoded
// appointment keeps its invariants, and that decoding is deterministic.
// Seeds: testdata/fuzz/FuzzAppointment.
func FuzzAppointment(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var a1, a2 Appointment
		err1 := json.Unmarshal(b, &a1)
		err2 := json.Unmarshal(b, &a2)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("nondeterministic: %v then %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		if a1.Duration < 0 || a1.Duration%time.Minute != 0 {
			t.Fatalf("Duration %v is not whole non-negative minutes", a1.Duration)
		}
		if diff := cmp.Diff(a1, a2); diff != "" {
			t.Fatalf("nondeterministic decode:\n%s", diff)
		}
	})
}
