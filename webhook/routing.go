package webhook

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// HandlerFunc handles one standardized event of a notification. n is
// the whole notification (for its instance id, Raw payload, ...), shared by
// all events of it: do not modify it. Returning an error makes the
// [Handler] answer 500, so the platform delivers the notification
// again; see [Handler.Handle] for what that means for the other
// events.
type HandlerFunc func(ctx context.Context, n *Notification, e Event) error

// route is one registered pattern. An empty field is a wildcard.
type route struct {
	elementKey, objectType string
	eventType              EventType
	fn                     HandlerFunc
}

// score ranks a route by what it names: the object type counts most, then
// the event type, then the element key. Each of the 8 shapes has its own
// score, and for a given event at most one route of each shape can match
// (patterns are unique), so the best match is never a tie.
func (r *route) score() int {
	s := 0
	if r.objectType != "" {
		s += 4
	}
	if r.eventType != "" {
		s += 2
	}
	if r.elementKey != "" {
		s++
	}
	return s
}

func (r *route) matches(e *Event) bool {
	return (r.elementKey == "" || r.elementKey == e.ElementKey) &&
		(r.objectType == "" || r.objectType == e.ObjectType) &&
		(r.eventType == "" || r.eventType == e.EventType)
}

// routeTable holds the routes of a Handler. Readers load an immutable
// slice without locking; writers copy it under mu.
type routeTable struct {
	mu     sync.Mutex
	routes atomic.Pointer[[]route] // sorted by descending score
}

func orWildcard(s string) string {
	if s == "*" {
		return ""
	}
	return s
}

func (rt *routeTable) add(elementKey, objectType string, eventType EventType, fn HandlerFunc) {
	if fn == nil {
		panic("webhook: Handler.Handle: nil handler func")
	}
	nr := route{
		elementKey: orWildcard(elementKey),
		objectType: orWildcard(objectType),
		eventType:  EventType(orWildcard(string(eventType))),
		fn:         fn,
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var old []route
	if p := rt.routes.Load(); p != nil {
		old = *p
	}
	routes := make([]route, 0, len(old)+1)
	inserted := false
	for _, r := range old {
		if r.elementKey == nr.elementKey && r.objectType == nr.objectType && r.eventType == nr.eventType {
			panic(fmt.Sprintf("webhook: Handler: a handler is already registered for element %q, object type %q, event type %q",
				showPattern(nr.elementKey), showPattern(nr.objectType), showPattern(string(nr.eventType))))
		}
		if !inserted && nr.score() > r.score() {
			routes = append(routes, nr)
			inserted = true
		}
		routes = append(routes, r)
	}
	if !inserted {
		routes = append(routes, nr)
	}
	rt.routes.Store(&routes)
}

func showPattern(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// load returns the current routes, most specific first; do not modify them.
func (rt *routeTable) load() []route {
	if p := rt.routes.Load(); p != nil {
		return *p
	}
	return nil
}

// matchRoute returns the most specific of routes (as load returns them) for e,
// or nil.
func matchRoute(routes []route, e *Event) *route {
	for i := range routes {
		if routes[i].matches(e) {
			return &routes[i]
		}
	}
	return nil
}

// Handle registers fn for the events whose element key, object type and
// event type equal the given ones; "" or "*" in any position matches
// anything. For example
//
//	h.Handle("acuityscheduling", "appointments", webhook.EventCreated, onBooked)
//	h.Handle("*", "appointments", "*", onAnyAppointmentChange)
//
// Each event of a notification goes to exactly one function: the most
// specific matching route. A route that names the object type beats one that
// does not; among those, one that names the event type wins; then one that
// names the element key. So for an appointments CREATED event, the two
// routes above pick onBooked, and an appointments UPDATED event goes to
// onAnyAppointmentChange. An event that matches no route goes to the
// [Handler.HandleDefault] function, or, without one, is acknowledged
// and dropped (logged at debug level). Event types are matched as sent, so
// a type the platform adds later reaches only wildcard routes.
//
// Events are handled one after another, in the order of the notification
// (up to 20). The first error or panic stops the notification: the events
// after it are not handled, the handler answers 500, and the platform
// redelivers the whole notification later, including the events that had
// already succeeded. With a [Deduplicator], a failed notification is released,
// not marked done, so the redelivery is processed in full. Route functions
// must therefore be idempotent: the same event may reach them more than once.
//
// Register routes before serving. Handle is also safe to call while serving:
// a notification is routed with the routes registered when its routing
// began. Handle
// panics if fn is nil or if the same pattern was registered before (like
// [net/http.ServeMux]).
func (h *Handler) Handle(elementKey, objectType string, eventType EventType, fn HandlerFunc) {
	h.router.add(elementKey, objectType, eventType, fn)
}

// HandleDefault registers fn for the events that no other route matches. It
// is the same as h.Handle("*", "*", "*", fn).
func (h *Handler) HandleDefault(fn HandlerFunc) {
	h.router.add("", "", "", fn)
}
