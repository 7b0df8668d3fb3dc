package acuity

import (
	"context"
	"encoding/json"
	"time"

	"github.com/elementsgo/elements/internal/flex"
	"github.com/elementsgo/elements/internal/paging"
)

// Payment is one payment transaction of an appointment, as
// GET /hubs/scheduling/appointments/{id}/payments returns it (Acuity's
// appointment payments). Raw keeps the record as it came, fields the SDK
// does not model included.
type Payment struct {
	// TransactionID is the payment processor's id of the transaction.
	TransactionID string
	// Created is when the transaction was made, with the offset Acuity
	// sent; zero if absent.
	Created time.Time
	// Processor names the payment processor: Acuity documents "stripe",
	// "paypal", "paypal_pro", "braintree" and "authorizenet"; any other
	// value is kept as sent.
	Processor string
	// Amount is the amount of the transaction, a decimal string such as
	// "30.00", exactly as sent.
	Amount string
	// Raw is the payment's JSON exactly as the platform sent it.
	Raw json.RawMessage
}

type paymentJSON struct {
	TransactionID flex.String `json:"transactionID"`
	Created       flex.String `json:"created"`
	Processor     flex.String `json:"processor"`
	Amount        flex.String `json:"amount"`
}

// UnmarshalJSON decodes Acuity's JSON for a payment. It fails on a value
// that is not an object and on a created time that is neither in
// DatetimeLayout nor RFC 3339. It keeps a copy of b in Raw.
func (p *Payment) UnmarshalJSON(b []byte) error {
	return decodeRecord(p, b, "payment", (*paymentJSON).payment)
}

// payment converts the wire form, keeping raw as Raw.
func (in *paymentJSON) payment(raw json.RawMessage) (Payment, error) {
	created, err := parseDatetime("created", string(in.Created))
	if err != nil {
		return Payment{}, err
	}
	return Payment{TransactionID: string(in.TransactionID), Created: created,
		Processor: string(in.Processor), Amount: string(in.Amount), Raw: raw}, nil
}

// Payments returns the payment transactions of one appointment
// (GET /hubs/scheduling/appointments/{id}/payments) in the order Acuity
// lists them. An appointment nobody paid for has none: nil, whether the
// platform answers an empty list or its 404 "No payments found". Every page
// is read, by the platform's paging rule, though one appointment's payments
// are few. Any other 404 (an appointment the account does not have) is an
// error: errors.Is(err, elements.ErrNotFound).
func (a *Account) Payments(ctx context.Context, appointmentID int64) ([]*Payment, error) {
	if err := checkID("Payments", "appointment", appointmentID); err != nil {
		return nil, err
	}
	ps, err := paging.Collect(list[Payment](ctx, a, "Payments", appointmentPath(appointmentID)+"/payments"))
	if err != nil {
		return nil, err
	}
	return ps, nil
}
