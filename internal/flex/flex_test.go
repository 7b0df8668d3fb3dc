package flex

import (
	"encoding/json"
	"fmt"
	"strings"
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
		{`-8801`, "-8801", false},
		{`0`, "0", false},
		{`1.25`, "1.25", false},
		{`1e3`, "1e3", false},
		{`"caf\u00e9 \"x\""`, `café "x"`, false},
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
		{`"2017-08-07T18:46:38\u005a"`, at(time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)), false},
		{`"2017-08-07T18:46:38"`, at(time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)), false},
		{`1502131598000`, at(time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC)), false},
		{`null`, Time{}, false},
		{`""`, Time{}, false},
		{`"yesterday"`, Time{}, true},
		{`"0000-01-01T00:00:00Z"`, at(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)), false},
		{`"0000-01-01T00:30:00+01:00"`, Time{}, true}, // year -1 in UTC
		{`"9999-12-31T23:30:00-0100"`, Time{}, true},  // year 10000 in UTC
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

// Called directly (not through encoding/json, which checks the JSON first),
// the decoders still refuse what is not a JSON value of their kind.
func TestStringDirectRefusesInvalidNumbers(t *testing.T) {
	for _, in := range []string{"012", "-", "--1", "1-", "0x10", "1 2"} {
		var s String
		if err := s.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("String.UnmarshalJSON(%s) = %q, want an error", in, s)
		}
	}
}

// An error quotes a bounded part of the value, in one line.
func TestErrorsAreBounded(t *testing.T) {
	big := strings.Repeat(`7\n\u2028é`, 10000) // JSON escapes of a newline and a line separator
	tests := []struct {
		in   string
		decs []json.Unmarshaler
	}{
		{`"` + big + `"`, []json.Unmarshaler{new(Int64), new(Time)}},
		{`{"a":"` + big + `",` + "\n" + `"b":1}`, []json.Unmarshaler{new(Int64), new(String), new(Time)}},
		{`[1,` + "\n" + strings.Repeat("2,", 10000) + `3]`, []json.Unmarshaler{new(Int64), new(String), new(Time)}},
		{`1` + strings.Repeat("0", 10000) + `.5`, []json.Unmarshaler{new(Int64), new(Time)}},
	}
	for _, tt := range tests {
		for _, v := range tt.decs {
			err := json.Unmarshal([]byte(tt.in), v)
			if err == nil {
				t.Errorf("%T(%.20q…): no error", v, tt.in)
				continue
			}
			if msg := err.Error(); len(msg) > 200 || strings.ContainsAny(msg, "\n\u2028") {
				t.Errorf("%T(%.20q…): error of %d bytes, want one line of at most 200: %.300q", v, tt.in, len(msg), msg)
			}
		}
	}
}

func BenchmarkString(b *testing.B) {
	for _, in := range []string{`"4e2a9c"`, `8801`, `"caf\u00e9"`} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var s String
				if err := s.UnmarshalJSON([]byte(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTime(b *testing.B) {
	for _, in := range []string{`"2020-02-14T09:30:00Z"`, `"2020-02-14T09:30:00+0100"`, `1581672600000`} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var t Time
				if err := t.UnmarshalJSON([]byte(in)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A long value in an error is named by its length, never cut: the start of
// a secret left by a cut is something no redactor can recognise.
func TestErrorsNeverQuotePartOfALongValue(t *testing.T) {
	t.Parallel()
	secret := "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc="
	var n Int64
	var tm Time
	for _, err := range []error{n.UnmarshalJSON([]byte(`"` + secret + `"`)), tm.UnmarshalJSON([]byte(`"` + secret + `"`))} {
		if err == nil {
			t.Fatal("no error")
		}
		if strings.Contains(err.Error(), secret[:8]) {
			t.Errorf("error %q quotes part of the value", err)
		}
	}
}
