package redact

import (
	"fmt"
	"testing"
)

type secretHolder struct{ key string }

func (s secretHolder) String() string                { return "{key:" + Mask(s.key) + "}" }
func (s secretHolder) GoString() string              { return "pkg.secretHolder" + s.String() }
func (s secretHolder) Format(f fmt.State, verb rune) { Format(f, verb, s) }

func TestFormat(t *testing.T) {
	v := secretHolder{key: "s3cr3t-value"}
	tests := []struct{ format, want string }{
		{"%v", "{key:[REDACTED]}"},
		{"%+v", "{key:[REDACTED]}"},
		{"%s", "{key:[REDACTED]}"},
		{"%#v", "pkg.secretHolder{key:[REDACTED]}"},
		{"%q", `"{key:[REDACTED]}"`},
		{"%x", "{key:[REDACTED]}"},
		{"%d", "{key:[REDACTED]}"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, v); got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if got := fmt.Sprintf("%v", struct{ V secretHolder }{v}); got != "{{key:[REDACTED]}}" {
		t.Errorf("nested: %q", got)
	}
}

func TestMask(t *testing.T) {
	if got := Mask(""); got != `""` {
		t.Errorf(`Mask("") = %q`, got)
	}
	if got := Mask("x-secret"); got != Text {
		t.Errorf("Mask(secret) = %q", got)
	}
}
