// Package soak holds only tests: a fault-injection soak of the webhook path,
// the fake platform (elementstest) delivering notifications on loopback to a
// real webhook.Handler. See soak_test.go and BENCHMARKS.md:
//
//	go test -race ./internal/soak                  # the default size (500)
//	go test -race ./internal/soak -soak.n=10000    # the full soak
package soak
