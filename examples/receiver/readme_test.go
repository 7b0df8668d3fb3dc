package receiver

import (
	"os"
	"strings"
	"testing"
)

// The README shows NewReceiver and receiver_test.go; they must be these
// files' text, so that what a reader copies compiles and passes.
func TestREADMEShowsTheseFiles(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("receiver.go")
	if err != nil {
		t.Fatal(err)
	}
	test, err := os.ReadFile("receiver_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fn := string(src[strings.Index(string(src), "// NewReceiver"):])
	for name, want := range map[string]string{"NewReceiver": "```go\n" + fn + "```\n", "receiver_test.go": "```go\n" + string(test) + "```\n"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md does not show %s as it is in examples/receiver", name)
		}
	}
}
