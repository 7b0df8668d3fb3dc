package elements_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/elementsgo/elements"
)

// FuzzInstanceUnmarshal checks that decoding any input never panics and
// that whatever decodes re-encodes and decodes to the same Instance (empty
// and nil lists count as equal), with
// the token kept out of its printed form. Seeds: testdata/fuzz/FuzzInstanceUnmarshal.
func FuzzInstanceUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":12345,"token":"t0k3n-secret","tags":["Docs"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var inst elements.Instance
		if err := json.Unmarshal(data, &inst); err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		b, err := json.Marshal(inst)
		if err != nil {
			t.Fatalf("a decoded instance does not re-encode: %v", err)
		}
		var again elements.Instance
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("re-encoded instance does not decode: %v\n%s", err, b)
		}
		if diff := cmp.Diff(inst, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("decode → encode → decode changed the instance (-first +second):\n%s", diff)
		}
		if inst.Token != "" {
			if printed := inst.String(); strings.Contains(printed, "Token:"+inst.Token) || !strings.Contains(printed, "Token:[REDACTED]") {
				t.Fatalf("token not redacted in %q", printed)
			}
		}
	})
}
