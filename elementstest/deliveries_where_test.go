package elementstest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDeliveriesWhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		where string
		want  deliveryFilter
	}{
		{"", deliveryFilter{}},
		{"  ", deliveryFilter{}},
		{"channel='webhook' and status='queued' and config.url='https://x/cb'",
			deliveryFilter{channel: "webhook", status: "queued", url: "https://x/cb", hasURL: true}},
		{" status = 'retry'   AND\tchannel='webhook' ", deliveryFilter{channel: "webhook", status: "retry"}},
		{"config.url=''", deliveryFilter{hasURL: true}},
		{"config.url=''''", deliveryFilter{url: "'", hasURL: true}},
		{"config.url='https://x/?q=a'' and status=''delivered' and status='queued'",
			deliveryFilter{status: "queued", url: "https://x/?q=a' and status='delivered", hasURL: true}},
	} {
		got, err := parseDeliveriesWhere(tc.where)
		if err != nil {
			t.Errorf("%q: %v", tc.where, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(deliveryFilter{})); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.where, diff)
		}
	}
}

// FuzzDeliveriesWhereQuoting checks that a callback URL, whatever it holds,
// quoted with its quotes doubled, is read back whole and never breaks out
// of its string; and that no where clause makes the parser panic.
func FuzzDeliveriesWhereQuoting(f *testing.F) {
	for _, s := range []string{"https://x/cb", "", "'", "''", "a' or status='delivered", "x' and channel='email", "\u00e9\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		where := "channel='webhook' and status='queued' and config.url='" + strings.ReplaceAll(u, "'", "''") + "'"
		got, err := parseDeliveriesWhere(where)
		if err != nil {
			t.Fatalf("%q: %v", where, err)
		}
		if want := (deliveryFilter{channel: "webhook", status: "queued", url: u, hasURL: true}); got != want {
			t.Fatalf("%q: got %+v, want %+v", where, got, want)
		}
		_, _ = parseDeliveriesWhere(u) // any text: an error or a filter, never a panic
	})
}
