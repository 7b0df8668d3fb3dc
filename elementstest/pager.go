package elementstest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// defaultPageSize is the page size of a list request without pageSize. The
// platform does not document its default; this is the fake's choice.
const defaultPageSize = 200

// tokenPrefix starts every page token the fake issues; the rest is the
// offset of the page's first item. Tokens are opaque to clients.
const tokenPrefix = "elementstest-page:"

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(offset)))
}

func parsePageToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), tokenPrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), tokenPrefix))
	return n, err == nil && n >= 0
}

// writePage answers one page of list by the platform's paging rule, for
// every paged list of the fake: pageSize (default 200) items from the
// offset the nextPage token names, with Elements-Next-Page-Token,
// Elements-Total-Count and Elements-Returned-Count. Like the platform, it
// sends a token on every page, the last one included; a request past the
// end gets an empty page ([]) and the same token back, so a reader must stop
// on a page that is empty or a token it has seen. A list that is empty
// altogether answers 404 "No <what> found", as the platform may. A
// pageSize that is not a positive integer, or a token the fake did not
// issue, is a 400.
func writePage[T any](w http.ResponseWriter, r *http.Request, what string, list []T) {
	q := r.URL.Query()
	size := defaultPageSize
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "pageSize must be a positive integer")
			return
		}
		size = n
	}
	start := 0
	if tok := q.Get("nextPage"); tok != "" {
		var ok bool
		if start, ok = parsePageToken(tok); !ok {
			writeError(w, http.StatusBadRequest, "nextPage is not a token from Elements-Next-Page-Token")
			return
		}
	}
	if len(list) == 0 {
		writeError(w, http.StatusNotFound, "No "+what+" found")
		return
	}
	start = min(start, len(list))
	end := start + min(size, len(list)-start)
	w.Header().Set("Elements-Next-Page-Token", pageToken(end))
	w.Header().Set("Elements-Total-Count", strconv.Itoa(len(list)))
	w.Header().Set("Elements-Returned-Count", strconv.Itoa(end-start))
	writeJSON(w, http.StatusOK, list[start:end])
}
