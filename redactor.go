package elements

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/elementsgo/elements/internal/redact"
)

// redactor replaces known secret values in text: raw, in any mix of the
// encodings a server, a proxy or an error page plausibly echoes them in
// (see [canonAt]), and in their base64url form and their form without
// base64 '=' padding. It holds the raw values; the text is scanned only when
// it is actually redacted (errors and logs), keeping the success path
// cheap, and in time linear in its length.
type redactor []string

// minSecretLen keeps absurdly short "secrets" from mangling every message.
const minSecretLen = 4

func (r redactor) redact(s string) string {
	var spans, decSpans []span // where secrets are, in s and in its decoded form
	var dec string
	decoded := false
	for _, secret := range r {
		if len(secret) < minSecretLen {
			continue
		}
		b64url := strings.NewReplacer("+", "-", "/", "_").Replace(secret)
		forms := [...]string{secret, strings.TrimRight(secret, "="), b64url, strings.TrimRight(b64url, "=")}
		for i, form := range forms {
			if len(form) < minSecretLen || slices.Contains(forms[:i], form) {
				continue
			}
			spans = appendIndexes(spans, s, form)
			if !decoded {
				dec, _ = decode(s, false)
				decoded = true
			}
			f, _ := decode(form, false)
			decSpans = appendIndexes(decSpans, dec, f)
		}
	}
	if len(decSpans) > 0 {
		_, origin := decode(s, true)
		for _, d := range decSpans {
			end := d.end
			for end < len(origin)-1 && origin[end] == origin[d.end-1] {
				end++ // the rest of a character the span ends inside
			}
			spans = append(spans, span{int(origin[d.start]), int(origin[end])})
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.end <= last {
			continue
		}
		b.WriteString(s[last:max(last, sp.start)])
		if sp.start >= last {
			b.WriteString(redact.Text)
		}
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// A span is the byte range [start, end) of a text.
type span struct{ start, end int }

// appendIndexes appends the spans of the non-overlapping occurrences of sub
// in s.
func appendIndexes(spans []span, s, sub string) []span {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return spans
		}
		spans = append(spans, span{i + j, i + j + len(sub)})
		i += j + len(sub)
	}
}

// decode returns s with every character read by canonAt, so that a secret
// and any encoded form of it decode alike. With origins, it also returns,
// for each byte of the result and one past its end, the offset in s of the
// character it was read from.
func decode(s string, origins bool) (string, []int32) {
	if !origins && !strings.ContainsAny(s, " %\\&") {
		return s, nil // nothing to decode
	}
	var b strings.Builder
	var origin []int32
	if origins {
		origin = make([]int32, 0, len(s)+1)
	}
	for i := 0; i < len(s); {
		c := canonAt(s[i:])
		b.Write(c.dec[:c.nd])
		for range c.nd {
			if origins {
				origin = append(origin, int32(i))
			}
		}
		i += c.n
	}
	if origins {
		origin = append(origin, int32(len(s)))
	}
	return b.String(), origin
}

// A reading is the character at the start of a text: the bytes it stands
// for and how many bytes of the text it takes.
type reading struct {
	dec [utf8.UTFMax]byte
	nd  int // bytes in dec
	n   int // bytes of the text
}

// canonAt reads the character at the start of s (not empty), decoding the
// escapes servers, proxies and their error pages write:
//
//   - percent-encoding, upper or lower case (%2F, %2f), also encoded twice
//     (%252F);
//   - JSON and Go string escapes: \/ \" \' \\ and \u002F (also a UTF-16
//     surrogate pair), as PHP, Gson (which writes '=' as \u003d) or an
//     ASCII-only encoder write them;
//   - HTML character references: &#47; &#x2f; &amp; &quot; and the like.
//
// A space, '+' or an encoded '+' all read as '+' (a query writes a space as
// '+', and a space encoded twice becomes %2B), which at worst redacts a
// little more than the secret.
func canonAt(s string) reading {
	r := reading{dec: [utf8.UTFMax]byte{s[0]}, nd: 1, n: 1}
	switch s[0] {
	case ' ':
		r.dec[0] = '+'
	case '%':
		if strings.HasPrefix(s, "%25") {
			if b, ok := hexByte(s[3:]); ok {
				r.dec[0], r.n = b, 5
				break
			}
		}
		if b, ok := hexByte(s[1:]); ok {
			r.dec[0], r.n = b, 3
		}
	case '\\':
		if len(s) >= 2 && strings.IndexByte(`/"'\\`, s[1]) >= 0 {
			r.dec[0], r.n = s[1], 2
		} else if c, n := jsonEscape(s); n > 0 {
			r.nd, r.n = utf8.EncodeRune(r.dec[:], c), n
		}
	case '&':
		if c, n := htmlReference(s); n > 0 {
			r.nd, r.n = utf8.EncodeRune(r.dec[:], c), n
		}
	}
	if r.nd == 1 && r.dec[0] == ' ' {
		r.dec[0] = '+'
	}
	return r
}

// hexByte decodes two hex digits, either case, at the start of s.
func hexByte(s string) (byte, bool) {
	if len(s) < 2 {
		return 0, false
	}
	v, err := strconv.ParseUint(s[:2], 16, 8)
	return byte(v), err == nil
}

// jsonEscape decodes a \uXXXX escape (or a surrogate pair of two) at the
// start of s: the rune and the bytes it takes, or -1 and 0.
func jsonEscape(s string) (rune, int) {
	u := func(s string) rune {
		if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
			return -1
		}
		v, err := strconv.ParseUint(s[2:6], 16, 16)
		if err != nil {
			return -1
		}
		return rune(v)
	}
	r := u(s)
	if utf16.IsSurrogate(r) {
		if r2 := u(s[6:]); r2 >= 0 {
			if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
				return p, 12
			}
		}
		return -1, 0
	}
	if r < 0 {
		return -1, 0
	}
	return r, 6
}

// htmlEntities are the named references HTML escapers write for the
// characters a secret may hold.
var htmlEntities = map[string]rune{"amp": '&', "quot": '"', "apos": '\'', "lt": '<', "gt": '>',
	"sol": '/', "plus": '+', "equals": '=', "percnt": '%'}

// htmlReference decodes an HTML character reference (&#47; &#x2F; &amp;)
// at the start of s: the rune and the bytes it takes, or -1 and 0.
func htmlReference(s string) (rune, int) {
	end := strings.IndexByte(s[:min(len(s), 12)], ';')
	if end < 2 {
		return -1, 0
	}
	name := s[1:end]
	if name[0] != '#' {
		if r, ok := htmlEntities[name]; ok {
			return r, end + 1
		}
		return -1, 0
	}
	base, digits := 10, name[1:]
	if digits != "" && (digits[0] == 'x' || digits[0] == 'X') {
		base, digits = 16, digits[1:]
	}
	v, err := strconv.ParseUint(digits, base, 21)
	if err != nil || !utf8.ValidRune(rune(v)) {
		return -1, 0
	}
	return rune(v), end + 1
}

// header returns h, or, if any value holds a secret, a copy with the
// secrets redacted.
func (r redactor) header(h http.Header) http.Header {
	var out http.Header
	for k, vs := range h {
		for i, v := range vs {
			if rv := r.redact(v); rv != v {
				if out == nil {
					out = h.Clone()
				}
				out[k][i] = rv
			}
		}
	}
	if out == nil {
		return h
	}
	return out
}
