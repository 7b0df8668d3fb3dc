package redact

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuoted is the longest value, in bytes, that [Quote] shows. It is
// shorter than the platform's instance tokens (44 characters), so Quote
// never shows one, even where no redactor runs afterwards.
const MaxQuoted = 40

// Quote returns v for an error message or a log record: Go-quoted
// (`"2026-13-01"`, in one line) when it is at most [MaxQuoted] bytes long,
// otherwise named by its length only (`a value of 52 bytes`), never cut. A
// secret shorter than MaxQuoted is thus shown whole, where a redactor that
// knows it (the client's, over every error of a call) replaces it; the part
// of a secret a cut would leave, none could. The result is at most
// 4*MaxQuoted+2 bytes long.
func Quote[T ~string | ~[]byte](v T) string {
	if len(v) <= MaxQuoted {
		return strconv.Quote(string(v))
	}
	return "a value of " + strconv.Itoa(len(v)) + " bytes"
}

// Short is [Quote] without the quotes, for an attribute of a structured
// log record, whose handler quotes and escapes it itself: v when it is at
// most [MaxQuoted] bytes long, otherwise named by its length only.
func Short(v string) string {
	if len(v) <= MaxQuoted {
		return v
	}
	return Quote(v)
}

// Line returns s, a text that was redacted whole (every secret it might
// hold already replaced), for an error message or a log record: in one line
// (control characters, other non-printing characters and invalid UTF-8
// written as Go escapes) and cut after max bytes, the cut marked by "…".
// The result is at most max bytes plus one escape (up to 10 bytes) and the
// mark. Text that holds a secret no redactor replaced must go through
// [Quote] instead: a cut would keep part of it.
func Line(s string, max int) string {
	clean := len(s) <= max
	for _, r := range s {
		if !clean || !unicode.IsPrint(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}
