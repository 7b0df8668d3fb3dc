package elementstest

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/elementsgo/elements/acuity"
)

// FuzzStandardize checks the ingress's Acuity form handling: a body is
// standardized exactly when acuity.ParseWebhook accepts it, and then raw
// holds the form's own action and id, and the event agrees with them.
func FuzzStandardize(f *testing.F) {
	for _, s := range []string{
		"action=scheduled&id=8801&calendarID=12&appointmentTypeID=3",
		"action=appointment.canceled&id=1",
		"action=order.completed&id=77",
		"action=scheduled&id=-1",
		"action=%zz&id=1",
		"action=scheduled&action=canceled&id=1",
		"",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2020, 2, 14, 9, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, ev, err := standardize(body, now)
		wh, perr := acuity.ParseWebhook(body)
		if (err == nil) != (perr == nil) {
			t.Fatalf("standardize err %v, ParseWebhook err %v: want both nil or both set", err, perr)
		}
		if err != nil {
			return
		}
		var fields map[string]string
		if err := json.Unmarshal(raw, &fields); err != nil {
			t.Fatalf("raw %s is not an object of strings: %v", raw, err)
		}
		if fields["action"] != wh.Action || fields["id"] == "" {
			t.Errorf("raw %s does not carry action %q and the id", raw, wh.Action)
		}
		if ev.ObjectID != strconv.FormatInt(wh.ID, 10) || !ev.EventType.Valid() || ev.EventType == "UNKNOWN" ||
			ev.ElementKey != acuity.ElementKey || !ev.Date.Equal(now) {
			t.Errorf("event %+v for webhook %+v", ev, wh)
		}
		if ot, et, _ := acuity.PlatformEvent(wh.Action); ev.ObjectType != ot || ev.EventType != et {
			t.Errorf("event %s/%s, mapping says %s/%s", ev.ObjectType, ev.EventType, ot, et)
		}
	})
}

// FuzzAppointmentsWhere checks that the fake's reader of the SDK's CEQL
// never panics and keeps only what it understood.
func FuzzAppointmentsWhere(f *testing.F) {
	f.Add("minDate='2026-12-01' and maxDate='2026-12-31' and calendarID=12 and appointmentTypeID=3 and email='a@b.c' and canceled='true'")
	f.Add("email = 'a@b.c'")
	f.Add("color='red'")
	f.Fuzz(func(t *testing.T, where string) {
		fl, err := parseAppointmentsWhere(where)
		if err != nil {
			return
		}
		for _, d := range []string{fl.minDate, fl.maxDate} {
			if d != "" && len(d) != 10 {
				t.Fatalf("date %q is not YYYY-MM-DD", d)
			}
		}
	})
}
