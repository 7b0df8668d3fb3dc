package flex

import (
	"encoding/json"
	"testing"
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
