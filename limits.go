package elements

import (
	"fmt"
	"io"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 1 << 20

// MaxResponseBytes bounds how much of a 2xx answer the client reads: a
// larger answer (a runaway list, a misbehaving proxy) fails with an error
// wrapping [ErrInvalidResponse] instead of exhausting memory.
const MaxResponseBytes = 32 << 20

// cappedReader reads at most max bytes, then fails.
type cappedReader struct {
	r    io.Reader
	max  int64
	left int64 // bytes still allowed, plus one
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left <= 0 {
		return n, fmt.Errorf("the answer is larger than %d bytes", c.max)
	}
	return n, err
}
