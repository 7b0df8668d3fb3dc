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

// FuzzInstanceEventUnmarshal checks that decoding any input as an events
// log record never panics, that a decoded record keeps the input as Raw,
// and that the fields are read from it alone: decoding Raw again gives the
// same record.
func FuzzInstanceEventUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":"35149","eventDate":"2018-07-31T19:40:36Z","status":"NOTIFIED","providerData":"{\"id\":1}","notifiedData":[]}`))
	f.Add([]byte(`{"id":7,"eventDate":1533066036000,"providerData":{"a":[1,2]},"notifiedData":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev elements.InstanceEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		if !json.Valid(ev.Raw) {
			t.Fatalf("Raw is not the JSON record: %q", ev.Raw)
		}
		var again elements.InstanceEvent
		if err := json.Unmarshal(ev.Raw, &again); err != nil {
			t.Fatalf("Raw does not decode again: %v", err)
		}
		if diff := cmp.Diff(ev, again); diff != "" {
			t.Fatalf("decoding Raw again changed the record (-first +second):\n%s", diff)
		}
	})
}
