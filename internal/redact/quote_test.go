package redact

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	token := "ABC/Dxe2Ci7ozl4ySs3XIjq4mtl8zhIlohvj9NhCUrc=" // an instance token: 44 characters
	tests := []struct{ in, want string }{
		{"", `""`},
		{"2026-13-01", `"2026-13-01"`},
		{"line\nforged=1", `"line\nforged=1"`},
		{"\xff\x00\u2028", `"\xff\x00\u2028"`},
		{strings.Repeat("x", MaxQuoted), `"` + strings.Repeat("x", MaxQuoted) + `"`},
		{strings.Repeat("x", MaxQuoted+1), "a value of 41 bytes"},
		{token, "a value of 44 bytes"},
		{strings.Repeat("é", 30), "a value of 60 bytes"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := Quote([]byte(tt.in)); got != tt.want {
			t.Errorf("Quote([]byte(%q)) = %s, want %s", tt.in, got, tt.want)
		}
	}
	type named string
	if got := Quote(named("a")); got != `"a"` {
		t.Errorf("Quote(named) = %s", got)
	}
	// The longest output: every byte an escape.
	if got := Quote(strings.Repeat("\x00", MaxQuoted)); len(got) != 4*MaxQuoted+2 {
		t.Errorf("Quote of %d NULs is %d bytes, want %d", MaxQuoted, len(got), 4*MaxQuoted+2)
	}
}

func TestLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain text", 300, "plain text"},
		{"two\nlines\r\tand\x00", 300, `two\nlines\r\tand\x00`},
		{"bad \xff utf-8, separator \u2028", 300, `bad \xff utf-8, separator \u2028`},
		{"abcdef", 3, "abc…"},
		{"ab\ncd", 3, `ab\n…`},
		{"aéb", 2, "aé…"}, // a character is never split
	}
	for _, tt := range tests {
		if got := Line(tt.in, tt.max); got != tt.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
	long := strings.Repeat("\x01é\u2028\xff", 1000)
	got := Line(long, 300)
	if len(got) > 300+len(`\U0010ffff`)+len("…") {
		t.Errorf("Line of a long text is %d bytes", len(got))
	}
	for _, r := range got {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			t.Fatalf("unprintable %U in %q", r, got)
		}
	}
}

func TestShort(t *testing.T) {
	for in, want := range map[string]string{
		"4e2a9c":                            "4e2a9c",
		strings.Repeat("x", MaxQuoted):      strings.Repeat("x", MaxQuoted),
		strings.Repeat("x", MaxQuoted+1):    "a value of 41 bytes",
		strings.Repeat("\x00", MaxQuoted+1): "a value of 41 bytes",
	} {
		if got := Short(in); got != want {
			t.Errorf("Short(%q) = %q, want %q", in, got, want)
		}
	}
}
