package acuity_test

import (
	"context"
	"encoding/json"
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
