package webhook

// EventType is the kind of change a standardized platform event reports.
type EventType string

// The event types the platform sends in Event.EventType.
const (
	EventCreated EventType = "CREATED"
	EventUpdated EventType = "UPDATED"
	EventDeleted EventType = "DELETED"
	EventUnknown EventType = "UNKNOWN"
)

// Valid reports whether t is one of the documented event types.
func (t EventType) Valid() bool {
	switch t {
	case EventCreated, EventUpdated, EventDeleted, EventUnknown:
		return true
	}
	return false
}
