module github.com/elementsgo/elements/redisdedup

go 1.25.0

require (
	github.com/elementsgo/elements v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.22.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/sys v0.30.0 // indirect
)

// The checkout's root module; users of redisdedup get a released version.
replace github.com/elementsgo/elements => ../
