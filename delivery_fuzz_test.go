package elements

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzCEQLString: a value either is refused or comes back in single quotes
// unchanged, holding no quote, backslash, control or non-printing
// character, so nothing in it can end the string.
func FuzzCEQLString(f *testing.F) {
	for _, s := range []string{"https://x.test/cb", "a' or 'b'='b", `a\'`, "a''", "a\x00b", "\u2028", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit, err := ceqlString(s)
		if err != nil {
			if lit != "" {
				t.Fatalf("error %v with literal %q", err, lit)
			}
			return
		}
		if lit != "'"+s+"'" {
			t.Fatalf("ceqlString(%q) = %q, want the value in single quotes", s, lit)
		}
		if !utf8.ValidString(s) || strings.ContainsAny(s, `'\`) || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Fatalf("ceqlString(%q) accepted a value that could end the string", s)
		}
	})
}

// FuzzDeliveryUnmarshal: never panics; a decoded delivery keeps its record
// whole in Raw, and decoding Raw again gives the same delivery.
func FuzzDeliveryUnmarshal(f *testing.F) {
	f.Add([]byte(`{"notificationId":5012,"subscriptionId":"77","status":"queued","createdDate":"2026-03-04T09:30:00Z","updatedDate":1772616600000,` +
		`"notification":{"id":5012,"message":{"eventId":"ev-1"}},"subscription":{"id":77,"channel":"webhook","topics":["t"],"config":{"url":"https://x.test/cb"}}}`))
	f.Add([]byte(`{"notification":{"message":"{\"message\":{\"eventId\":4}}"}}`))
	f.Add([]byte(`{"notification":null,"subscription":{"topics":null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Delivery
		if err := json.Unmarshal(b, &d); err != nil {
			return
		}
		if !json.Valid(d.Raw) {
			t.Fatalf("Raw is not valid JSON: %q", d.Raw)
		}
		var again Delivery
		if err := json.Unmarshal(d.Raw, &again); err != nil {
			t.Fatalf("Raw does not decode again: %v", err)
		}
		if diff := cmp.Diff(d, again); diff != "" {
			t.Fatalf("decoding Raw again differs (-first +again):\n%s", diff)
		}
		_ = d.String()
	})
}
