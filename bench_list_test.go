package elements_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// listAnswer is a GET /instances answer of about 100 KiB: the documented
// instance, repeated with distinct ids, names and tags, each with the
// configuration values a real answer carries (strings, secrets masked).
func listAnswer(tb testing.TB) []byte {
	tb.Helper()
	one, err := os.ReadFile("testdata/instance_create_response.json")
	if err != nil {
		tb.Fatal(err)
	}
	config := `"configuration":{"oauth.api.key":"Rand0MAP1-key","oauth.api.secret":"********",` +
		`"oauth.callback.url":"https://mycoolapp.com","event.notification.enabled":"true",` +
		`"event.notification.callback.url":"https://mycoolapp.com/events","event.vendor.type":"webhook",` +
		`"event.notification.signature.key":"********","event.poller.refresh_interval":"15"}`
	tmpl := strings.Replace(string(one), `"configuration":{}`, config, 1)
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; b.Len() < 100<<10; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		s := strings.Replace(tmpl, `"id":12345`, fmt.Sprintf(`"id":%d`, 1000+i), 1)
		s = strings.Replace(s, `"name":"API Instance"`, fmt.Sprintf(`"name":"tenant %d"`, i), 1)
		s = strings.Replace(s, `"tags":["Docs"]`, fmt.Sprintf(`"tags":["Docs","tenant-%d"]`, i), 1)
		b.WriteString(s)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// BenchmarkList measures Instances.List on a ~100 KiB answer against a
// loopback httptest server, beside a baseline with plain net/http and
// encoding/json decoding into a plain struct with the same fields:
//
//	go test -run '^$' -bench List -benchmem -count 10 .
func BenchmarkList(b *testing.B) {
	answer := listAnswer(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Elements-Request-Id", "bench")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	var want []*baseInstance
	if err := json.Unmarshal(answer, &want); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	b.Run("impl=sdk", func(b *testing.B) {
		c := benchClient(b, srv.URL)
		b.ReportAllocs()
		b.SetBytes(int64(len(answer)))
		defer reportCPU(b)()
		for b.Loop() {
			list, err := c.Instances.List(ctx, nil)
			if err != nil || len(list) != len(want) {
				b.Fatal(len(list), err)
			}
		}
	})
	b.Run("impl=baseline", func(b *testing.B) {
		hc := benchHTTPClient(b)
		b.ReportAllocs()
		b.SetBytes(int64(len(answer)))
		defer reportCPU(b)()
		for b.Loop() {
			list, err := baseList(ctx, hc, srv.URL)
			if err != nil || len(list) != len(want) {
				b.Fatal(len(list), err)
			}
		}
	})
}

// baseList is the baseline: GET with the same headers, check the status,
// decode.
func baseList(ctx context.Context, hc *http.Client, baseURL string) ([]*baseInstance, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/instances", nil)
	if err != nil {
		return nil, err
	}
	var out []*baseInstance
	if err := baseDo(hc, req, &out); err != nil {
		return nil, err
	}
	return out, nil
}
