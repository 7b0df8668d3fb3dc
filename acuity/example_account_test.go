package acuity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
)

// connectedAccount stands in for an application's own setup: a fake
// platform with one connected Acuity account that has appointment type 3
// and three booked appointments.
func connectedAccount() (*elementstest.Server, *acuity.Account) {
	fake := elementstest.NewServer()
	client, _ := fake.NewClient() // in production: elements.NewClient(userSecret, orgSecret)
	req, _ := acuity.NewInstanceRequest(acuity.InstanceParams{Code: "code", ClientID: "client-id",
		ClientSecret: "client-secret", RedirectURI: "https://app.example/oauth", EventCallbackURL: "https://app.example/events", Name: "Front desk"})
	inst, _ := client.Instances.Create(context.Background(), req)
	_ = fake.SetAppointmentType(inst.ID, json.RawMessage(`{"id": 3, "name": "Consultation", "duration": 45, "price": "60.00"}`))
	account, _ := acuity.NewAccount(client, inst.Token)
	for i, name := range []string{"Ada", "Grace", "Edsger"} {
		_, _ = account.Book(context.Background(), &acuity.Booking{AppointmentTypeID: 3, FirstName: name, LastName: "Example",
			Email: fmt.Sprintf("client%d@example.com", i), Datetime: time.Date(2026, 12, 1+2*i, 10, 0, 0, 0, time.UTC)})
	}
	return fake, account
}

// A backfill: every appointment in a date range, page by page. Errors (the
// platform's, or the context's end) arrive through the loop; breaking out
// stops the paging.
func ExampleAccount_Appointments() {
	fake, account := connectedAccount() // account, err := acuity.NewAccount(client, inst.Token)
	defer fake.Close()
	ctx := context.Background()

	// The client paces the requests under Acuity's limit of about 10 a
	// second per account, and waits out 429 answers.
	q := &acuity.AppointmentQuery{
		MinDate:  time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		MaxDate:  time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC),
		PageSize: 100,
	}
	for appt, err := range account.Appointments(ctx, q) {
		if err != nil {
			log.Fatal(err) // for example a 401: the tenant must reconnect
		}
		fmt.Println(appt.ID, appt.FirstName, appt.Datetime.Format(time.DateTime), appt.Duration)
	}
	// Output:
	// 1 Ada 2026-12-01 10:00:00 45m0s
	// 2 Grace 2026-12-03 10:00:00 45m0s
}

// A backfill that survives a crash: it saves the pager's position as it
// goes and, when restarted, resumes from the saved position instead of the
// first page. The position names the page of the appointment in hand, so
// saving it before handling the appointment is as safe as after; what a
// resume hands out again (at most that page) is handled idempotently.
func ExampleAccount_AppointmentPager() {
	fake, account := connectedAccount()
	defer fake.Close()
	ctx := context.Background()

	checkpoint := "" // in production: a row per tenant in the application's database
	handled := map[int64]bool{}
	backfill := func(crashAt int64) error {
		pager := account.AppointmentPager(&acuity.AppointmentQuery{PageSize: 2, NextPage: checkpoint})
		for appt, err := range pager.All(ctx) {
			if err != nil {
				return err
			}
			checkpoint = pager.Position()
			if appt.ID == crashAt {
				return errors.New("crashed") // before handling it
			}
			if handled[appt.ID] {
				fmt.Println("again", appt.ID)
				continue
			}
			handled[appt.ID] = true // an upsert by appointment id
			fmt.Printf("handled %d (%d in all)\n", appt.ID, pager.Total())
		}
		checkpoint = "" // done
		return nil
	}
	fmt.Println(backfill(3))
	fmt.Println(backfill(0)) // from the second page
	// Output:
	// handled 1 (3 in all)
	// handled 2 (3 in all)
	// crashed
	// handled 3 (3 in all)
	// <nil>
}

// Booking an appointment in the tenant's Acuity account.
func ExampleAccount_Book() {
	fake, account := connectedAccount()
	defer fake.Close()
	ctx := context.Background()

	denver := time.FixedZone("MST", -7*3600)
	appt, err := account.Book(ctx, &acuity.Booking{
		AppointmentTypeID: 3,
		Datetime:          time.Date(2026, 12, 8, 14, 30, 0, 0, denver),
		FirstName:         "Barbara",
		LastName:          "Liskov",
		Email:             "barbara@example.com",
		Notes:             "Booked by the SDK example",
	})
	if err != nil {
		log.Fatal(err) // a 400 names what Acuity refused
	}
	fmt.Println(appt.ID, appt.Type, appt.Datetime.Format(acuity.DatetimeLayout), appt.Price)

	// Move it an hour later, then cancel it.
	moved, err := account.Reschedule(ctx, appt.ID, appt.Datetime.Add(time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(moved.Time, "-", moved.EndTime)
	if err := account.Cancel(ctx, appt.ID); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 4 Consultation 2026-12-08T14:30:00-0700 60.00
	// 3:30pm - 4:15pm
}

// Changing an appointment's details: only the fields set are sent, the
// others stay as they are.
func ExampleAccount_UpdateAppointment() {
	fake, account := connectedAccount()
	defer fake.Close()
	ctx := context.Background()

	phone, notes := "+1 555 0142", "Prefers mornings"
	appt, err := account.UpdateAppointment(ctx, 1, &acuity.AppointmentUpdate{Phone: &phone, Notes: &notes})
	if err != nil {
		log.Fatal(err) // errors.Is(err, elements.ErrNotFound): no such appointment
	}
	fmt.Println(appt.ID, appt.FirstName, appt.Phone, appt.Notes)
	// Output:
	// 1 Ada +1 555 0142 Prefers mornings
}

// The payments of an appointment, to reconcile them with the payment
// processor's records. Raw keeps what Acuity sent beyond these fields.
func ExampleAccount_Payments() {
	fake, account := connectedAccount()
	defer fake.Close()
	ctx := context.Background()

	payments, err := account.Payments(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range payments {
		fmt.Println(p.Processor, p.TransactionID, p.Amount, p.Created.Format(time.DateOnly))
	}
}
