package flex

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestInt64(t *testing.T) {
	tests := []struct {
		in      string
		want    Int64
		wantErr bool
	}{
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
	}
	for _, tt := range tests {
		var got Int64
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Int64(%s): err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("Int64(%s) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in      string
		want    String
		wantErr bool
	}{
		{`"8801"`, "8801", false},
		{`8801`, "8801", false},
		{`1.25`, "1.25", false},
		{`true`, "true", false},
		{`null`, "", false},
		{`[]`, "", true},
		{`{"a":1}`, "", true},
	}
	for _, tt := range tests {
		var got String
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("String(%s): err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("String(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2017-08-07T18:46:38Z"`, time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC), false},
		{`"2017-08-07T18:46:38.5+0200"`, time.Date(2017, 8, 7, 18, 46, 38, 5e8, time.FixedZone("", 2*3600)), false},
		{`"2017-08-07T18:46:38"`, time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC), false},
		{`1502131598000`, time.Date(2017, 8, 7, 18, 46, 38, 0, time.UTC), false},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`"yesterday"`, time.Time{}, true},
		{`1e3`, time.Time{}, true},
		{`99999999999999999`, time.Time{}, true},
	}
	for _, tt := range tests {
		var got Time
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Time(%s): err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !got.Equal(tt.want) {
			t.Errorf("Time(%s) = %v, want %v", tt.in, got.Time, tt.want)
		}
	}
}

func TestTags(t *testing.T) {
	tests := []struct {
		in      string
		want    Tags
		wantErr bool
	}{
		{`["Docs","a\"b"]`, Tags{"Docs", `a"b`}, false},
		{`[{"id":1,"name":"Docs"},"Plain",{"id":"2"}]`, Tags{"Docs", "Plain", ""}, false},
		{`[1,true,null]`, Tags{"1", "true", ""}, false},
		{`null`, nil, false},
		{`[]`, Tags{}, false},
		{`"Docs"`, nil, true},
		{`[["x"]]`, nil, true},
		{`[{"name":{"x":1}}]`, nil, true},
	}
	for _, tt := range tests {
		var got Tags
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("Tags(%s): err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tags(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}
