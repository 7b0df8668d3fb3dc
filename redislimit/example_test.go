package redislimit_test

import (
	"context"
	"log"
	"os"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/redislimit"
	"github.com/redis/go-redis/v9"
)

// Every replica builds its Client with a Limiter on the same Redis: the
// requests of all replicas to one Acuity account keep together to Acuity's
// limit (a cluster client works the same way).
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	lim, err := redislimit.New(rdb)
	if err != nil {
		log.Fatal(err)
	}
	client, err := elements.NewClient(os.Getenv("ELEMENTS_USER_SECRET"), os.Getenv("ELEMENTS_ORG_SECRET"),
		elements.WithLimiter(lim))
	if err != nil {
		log.Fatal(err)
	}
	// Paced across replicas, like every request with this instance's token.
	appt, err := acuity.GetAppointment(context.Background(), client, os.Getenv("ELEMENTS_INSTANCE_TOKEN"), 1234)
	if err != nil {
		log.Fatal(err)
	}
	log.Println(appt.ID)
}
