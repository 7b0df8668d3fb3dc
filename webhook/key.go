package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// notificationKey returns the de-duplication key of c, under which the
// Deduplicator remembers it or the Inbox stores it, or "" when there is
// nothing to know c again by. The key formats are documented on
// [Deduplicator]; each source has its own
// namespace, so that nothing unsigned can stand for a signed eventId.
// "event-bytes" exists because decoding turns invalid UTF-8 into U+FFFD and
// would merge ids that differ only there; "delivery" hashes the header with
// the body, so a body replayed under another notification's header gets a
// key of its own (the header can tell identical bodies apart, never merge
// different ones).
func notificationKey(r *http.Request, c callback, body []byte) string {
	prefix, id := "", c.eventID()
	if c.a != nil {
		prefix = "async-"
	}
	instance := strconv.FormatInt(c.instanceID(), 10)
	switch {
	case strings.ContainsFunc(id, func(r rune) bool { return r == utf8.RuneError || unicode.IsControl(r) }):
		var raw struct {
			EventID json.RawMessage `json:"eventId"`
			Message struct {
				EventID json.RawMessage `json:"eventId"`
			} `json:"message"`
		}
		_ = json.Unmarshal(body, &raw) // the parse accepted it
		sent := raw.Message.EventID
		if c.a != nil {
			sent = raw.EventID
		}
		return prefix + keyPart("event-bytes", instance, hex.EncodeToString(sent))
	case id != "":
		return prefix + keyPart("event", instance, id)
	}
	hdr := r.Header.Get(IDHeader)
	if hdr == "" {
		return ""
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%d:%s", len(hdr), hdr)
	sum.Write(body)
	return prefix + "delivery:" + instance + ":" + hex.EncodeToString(sum.Sum(nil))
}

// maxKeyID bounds the id part of a key: a longer one (a signed but huge
// eventId) is replaced by its SHA-256 in a namespace of its own
// ("event-sha256:...", "event-bytes-sha256:..."), so that every key fits a
// store's index (PostgreSQL's btree refuses entries over about 2.7 KB).
const maxKeyID = 200

// keyPart returns "<space>:<instance>:<id>", or the "-sha256" form for a
// long id.
func keyPart(space, instance, id string) string {
	if len(id) <= maxKeyID {
		return space + ":" + instance + ":" + id
	}
	sum := sha256.Sum256([]byte(id))
	return space + "-sha256:" + instance + ":" + hex.EncodeToString(sum[:])
}
