package elementstest_test

import (
	"testing"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/webhook"
)

// The fake and the SDK share one mapping of Acuity's actions to the
// platform's events (acuity.PlatformEvent): for every event Deliver can
// send, message.raw is either an Acuity webhook whose action acuity maps
// back to the event's object type and event type, or {} for an event Acuity
// cannot cause. And every action acuity knows is reachable through Deliver.
func TestDeliverRawAgreesWithPlatformEvent(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, nil)
	srv, in := setup(t, rcv)

	type event struct {
		objectType string
		eventType  webhook.EventType
	}
	producible := map[event]bool{}
	objectTypes := []string{acuity.ObjectAppointments, acuity.ObjectOrders, "calendars", ""}
	eventTypes := []webhook.EventType{webhook.EventCreated, webhook.EventUpdated, webhook.EventDeleted, webhook.EventUnknown}
	for _, o := range objectTypes {
		for _, et := range eventTypes {
			if _, err := srv.Deliver(in.ID, webhook.Event{ObjectType: o, EventType: et, ObjectID: "42"}); err != nil {
				t.Fatal(err)
			}
			got := <-rcv.got
			wh, err := acuity.WebhookFromNotification(got.n)
			if err != nil {
				if string(got.n.Raw) != "{}" {
					t.Errorf("%s %s: raw %s is neither an Acuity webhook (%v) nor {}", o, et, got.n.Raw, err)
				}
				continue
			}
			producible[event{o, et}] = true
			if gotO, gotET := wh.PlatformEvent(); gotO != o || gotET != et {
				t.Errorf("%s %s: raw %s is action %q, which acuity.PlatformEvent maps to %s %s",
					o, et, got.n.Raw, wh.Action, gotO, gotET)
			}
			if wh.ID != 42 {
				t.Errorf("%s %s: raw %s: id %d, want the event's 42", o, et, got.n.Raw, wh.ID)
			}
		}
	}
	for _, action := range []string{acuity.ActionScheduled, acuity.ActionRescheduled, acuity.ActionCanceled,
		acuity.ActionChanged, acuity.ActionOrderCompleted} {
		o, et, _ := acuity.PlatformEvent(action)
		if !producible[event{o, et}] {
			t.Errorf("action %q maps to %s %s, for which Deliver sends no Acuity webhook", action, o, et)
		}
	}
}
