package flex

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// decodeCase is one input for a flex type and what it must decode to.
type decodeCase[T any] struct {
	in      string
	want    T
	wantErr bool
}

// testDecode decodes each case's input into a T and compares the result
// (printed with %#v, so a slice's nil-ness and a time's offset count).
func testDecode[T any](t *testing.T, tests []decodeCase[T]) {
	t.Helper()
	for _, tt := range tests {
		var got T
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("%T(%s): err = %v, wantErr %v", got, tt.in, err, tt.wantErr)
			continue
		}
		if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", tt.want); !tt.wantErr && g != w {
			t.Errorf("%T(%s) = %s, want %s", got, tt.in, g, w)
		}
	}
}

func TestInt64(t *testing.T) {
	testDecode(t, []decodeCase[Int64]{
		{`12345`, 12345, false},
		{`"12345"`, 12345, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`-7`, -7, false},
		{`"abc"`, 0, true},
		{`1.5`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
		{`"9223372036854775808"`, 0, true},
	})
}

func TestString(t *testing.T) {
	testDecode(t, []decodeCase[String]{
		{`"8801"`, "8801", false},
		{`8801`, "8801", false},
		{`1.25`, "1.25", false},
		{`true`, "true", false},
		{`null`, "", false},
		{`[]`, "", true},
		{`{"a":1}`, "", true},
	})
}

func TestTime(t *testing.T) {
	at := func(tm time.Time) Time { return Time{tm} }
	testDecode(t, []decodeCase[Time]{
		{`"2017-08-07T18:46:38Z"`, at(time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)), false},
		{`"2017-08-07T18:46:38.5+0200"`, at(time.Date(2017, 8, 7, 18, 46, 38, 5e8, time.FixedZone("", 2*3600))), false},
		{`"2017-08-07T18:46:38"`, at(time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)), false},
		{`1502131598000`, at(time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)), false},
		{`null`, Time{}, false},
		{`""`, Time{}, false},
		{`"yesterday"`, Time{}, true},
		{`1e3`, Time{}, true},
		{`99999999999999999`, Time{}, true},
	})
}

func TestTags(t *testing.T) {
	testDecode(t, []decodeCase[Tags]{
		{`["Docs","a\"b"]`, Tags{"Docs", `a"b`}, false},
		{`[{"id":1,"name":"Docs"},"Plain",{"id":"2"}]`, Tags{"Docs", "Plain", ""}, false},
		{`[1,true,null]`, Tags{"1", "true", ""}, false},
		{`null`, nil, false},
		{`[]`, Tags{}, false},
		{`"Docs"`, nil, true},
		{`[["x"]]`, nil, true},
		{`[{"name":{"x":1}}]`, nil, true},
	})
}
