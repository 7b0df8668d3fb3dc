package elements_test

import (
	"log"
	"log/slog"
	"os"

	"github.com/elementsgo/elements"
)

// Each Client paces the requests it sends to each account by itself. Two
// Clients in one process that work on the same accounts (here, a second
// one with a logger for a backfill) share one limiter, so that together
// they keep one pace; across processes, give every replica's Client a
// redislimit.Limiter on the same Redis the same way. NewMemoryLimiter(0, 0)
// turns pacing off (elementstest's NewClient does so unless the fake limits
// hub calls).
func ExampleWithLimiter() {
	lim := elements.NewMemoryLimiter(elements.DefaultRequestInterval, elements.DefaultConcurrentRequests)
	user, org := os.Getenv("ELEMENTS_USER_SECRET"), os.Getenv("ELEMENTS_ORG_SECRET")
	receiver, err := elements.NewClient(user, org, elements.WithLimiter(lim))
	if err != nil {
		log.Fatal(err)
	}
	backfill, err := elements.NewClient(user, org, elements.WithLimiter(lim), elements.WithLogger(slog.Default()))
	if err != nil {
		log.Fatal(err)
	}
	_, _ = receiver, backfill
}
