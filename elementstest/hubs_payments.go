package elementstest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// SetPayments sets the payments of an appointment in the instance's Acuity
// account, which GET /hubs/scheduling/appointments/{id}/payments serves to
// the instance's token. Each payment is in Acuity's own JSON, as Acuity's
// GET /appointments/{id}/payments answers it, for example
//
//	{"transactionID": "ch_1ExAmPlE", "created": "2026-12-01T09:05:00-0700",
//	 "processor": "stripe", "amount": "60.00", "paymentNote": null}
//
// (transactionID the processor's id for it; created in Acuity's datetime
// layout; processor stripe, paypal, paypal_pro, braintree or authorizenet;
// amount a decimal string). Each must be a JSON object; it is stored
// compacted and not otherwise checked, so a test can serve what its code
// must reject. The payments replace the appointment's earlier ones; none
// clears them. They do not change the appointment's paid or amountPaid
// (set those with SetAppointment). It returns ErrNotFound for an unknown
// instance, and an error for an appointment the account does not have or a
// payment that is not a JSON object.
func (s *Server) SetPayments(instanceID, appointmentID int64, payments ...json.RawMessage) error {
	list := make([]json.RawMessage, len(payments))
	for i, p := range payments {
		raw, err := compactObject(p)
		if err != nil {
			return fmt.Errorf("elementstest: SetPayments: payments[%d] %w", i, err)
		}
		list[i] = raw
	}
	var err error
	if e := s.withAccount(instanceID, func(a *acuityAccount) {
		if a.appointments[appointmentID] == nil {
			err = fmt.Errorf("elementstest: SetPayments: no appointment %d in instance %d's account", appointmentID, instanceID)
			return
		}
		if a.payments == nil {
			a.payments = make(map[int64][]json.RawMessage)
		}
		a.payments[appointmentID] = list
	}); e != nil {
		return e
	}
	return err
}

// listPayments answers GET /hubs/scheduling/appointments/{id}/payments: the
// appointment's payments in Acuity's JSON, in the order SetPayments gave
// them, as one array ([] for none: Acuity does not page them); 404 for an
// appointment the account does not have.
func (s *Server) listPayments(r *http.Request, a *acuityAccount) (any, error) {
	id, _, err := a.appointment(r)
	if err != nil {
		return nil, err
	}
	list := a.payments[id]
	if list == nil {
		list = []json.RawMessage{}
	}
	return list, nil
}
