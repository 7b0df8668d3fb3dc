package acuity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/elementsgo/elements"
)

// AppointmentsPath is the platform resource of an instance's appointments.
const AppointmentsPath = "/hubs/" + Hub + "/appointments"

// GetAppointment fetches the full appointment with the given id through the
// platform: GET /hubs/scheduling/appointments/{id}, scoped to the instance by
// its token (Authorization "User …, Organization …, Element <token>").
//
// Acuity's webhooks carry only ids; this is how a receiver gets the details
// behind Webhook.ID or a platform event's ObjectID. The call goes through
// c.NewRequest and c.Do, so it has the client's retries, *elements.APIError
// for platform answers (errors.Is(err, elements.ErrNotFound) for an unknown
// id) and redaction of secrets and the token from errors and logs.
func GetAppointment(ctx context.Context, c *elements.Client, instanceToken string, id int64) (*Appointment, error) {
	if c == nil {
		return nil, errors.New("acuity: GetAppointment: nil client")
	}
	if instanceToken == "" {
		return nil, errors.New("acuity: GetAppointment: empty instance token")
	}
	if id <= 0 {
		return nil, fmt.Errorf("acuity: GetAppointment: appointment id %d is not positive", id)
	}
	req, err := c.NewRequest(ctx, http.MethodGet, AppointmentsPath+"/"+strconv.FormatInt(id, 10), nil,
		elements.WithElementToken(instanceToken))
	if err != nil {
		return nil, fmt.Errorf("acuity: GetAppointment: %w", err)
	}
	var a Appointment
	if _, err := c.Do(req, &a); err != nil {
		return nil, fmt.Errorf("acuity: GetAppointment: %w", err)
	}
	return &a, nil
}
