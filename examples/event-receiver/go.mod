module github.com/elementsgo/elements/examples/event-receiver

go 1.25.0

require (
	github.com/elementsgo/elements v0.0.0-00010101000000-000000000000
	github.com/elementsgo/elements/pgdedup v0.0.0-00010101000000-000000000000
	github.com/jackc/pgx/v5 v5.13.0
)

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/oauth2 v0.36.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

// The checkout's modules; a copy of the example outside the repository
// uses released versions instead.
replace (
	github.com/elementsgo/elements => ../../
	github.com/elementsgo/elements/pgdedup => ../../pgdedup
)
