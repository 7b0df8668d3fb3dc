package webhook

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
)

// maxBody is the body size limit: MaxBodyBytes, or DefaultMaxBodyBytes.
func (h *Handler) maxBody() int64 {
	if h.MaxBodyBytes <= 0 {
		return DefaultMaxBodyBytes
	}
	return h.MaxBodyBytes
}

// DefaultMaxBodyBytes is the body size limit a [Handler] applies when
// MaxBodyBytes is zero or less: 1 MiB, far above 20 events plus a vendor
// payload.
const DefaultMaxBodyBytes = 1 << 20

// firstBodyBuffer is the size of the buffer a body is first read into; it
// doubles as bytes arrive, up to the limit.
const firstBodyBuffer = 1 << 10

// readBody reads the body up to the limit. Memory follows the bytes that
// actually arrive: a small first buffer, doubled as it fills, and never
// sized from the sender's Content-Length, which costs a sender nothing to
// inflate (48 connections each claiming 1 MiB and sending one byte would
// otherwise hold 48 MiB).
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	limit := min(h.maxBody(), math.MaxInt-1) // room for limit+1 below
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body of %d bytes is over the limit of %d", r.ContentLength, limit)
	}
	if r.Body == nil {
		return nil, 0, nil
	}
	rd := http.MaxBytesReader(w, r.Body, limit)
	// Room for limit+1 bytes at most: the read past the limit that tells
	// the MaxBytesReader to fail, or the final one that sees EOF.
	buf := make([]byte, 0, min(firstBodyBuffer, limit+1))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), limit+1-int64(cap(buf)))))
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			if err == io.EOF {
				return buf, 0, nil
			}
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) { // also one from a MaxBytesReader the host's middleware added
				return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body is over the limit of %d bytes", limit)
			}
			return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
		}
	}
}
