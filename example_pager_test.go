package elements_test

import (
	"context"
	"fmt"
	"log"

	"github.com/elementsgo/elements"
)

// A list the SDK does not model (here the scheduling hub's calendars, read
// into the application's own type) through the client's paging: two
// calendars a page, resumable from a saved position.
func ExampleNewPager() {
	platform, client, inst := examplePlatform()
	defer platform.Close()
	for _, cal := range []string{`{"id": 1, "name": "Ada"}`, `{"id": 2, "name": "Grace"}`, `{"id": 3, "name": "Edsger"}`} {
		if err := platform.SetCalendar(inst.ID, []byte(cal)); err != nil {
			log.Fatal(err)
		}
	}
	type calendar struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	checkpoints := map[int64]string{} // in production: the application's database
	pager := elements.NewPager[calendar](client, "/hubs/scheduling/calendars", nil, 2, checkpoints[inst.ID],
		elements.WithElementToken(inst.Token))
	for cal, err := range pager.All(context.Background()) {
		if err != nil {
			log.Fatal(err) // an *elements.APIError, an invalid page, the end of ctx
		}
		fmt.Printf("%d %s (%d in all)\n", cal.ID, cal.Name, pager.Total())
		checkpoints[inst.ID] = pager.Position() // the page of cal: resuming there skips nothing unfinished
	}
	delete(checkpoints, inst.ID) // done: the next run starts from the first page
	// Output:
	// 1 Ada (3 in all)
	// 2 Grace (3 in all)
	// 3 Edsger (3 in all)
}
