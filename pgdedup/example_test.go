package pgdedup_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/elementsgo/elements/pgdedup"
	"github.com/elementsgo/elements/webhook"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A receiver on several replicas sharing one PostgreSQL database; each
// replica purges expired rows hourly (concurrent purges are safe).
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	store, err := pgdedup.New(ctx, pool, pgdedup.WithClaimTTL(2*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for range time.Tick(time.Hour) {
			if _, err := store.Purge(ctx); err != nil {
				log.Print(err)
			}
		}
	}()
	_ = &webhook.Handler{
		SigningKeys:  []string{os.Getenv("ELEMENTS_SIGNING_KEY")},
		Deduplicator: store,
		// OnNotification or routes ...
	}
}
