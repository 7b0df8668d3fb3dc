package elements_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/elementsgo/elements"
)

// spaces is an endless reader of JSON whitespace.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// capForTest is the answer cap the tests set in place of MaxResponseBytes.
const capForTest = 64 << 10

// TestAnswerSizeCap: a 2xx answer is read up to the cap (MaxResponseBytes,
// lowered here); one byte more fails with ErrInvalidResponse instead of
// growing without bound, and an answer of exactly the cap still decodes.
func TestAnswerSizeCap(t *testing.T) {
	t.Parallel()
	const doc = `{"id": 7, "name": "big"}`
	tests := []struct {
		name    string
		size    int64 // total body size
		wantErr bool
	}{
		{"exactly the cap", capForTest, false},
		{"one byte over", capForTest + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, unknownLength := range []bool{false, true} {
				c, mt := newTestClient(t)
				elements.SetMaxAnswer(c, capForTest)
				mt.RegisterResponder("GET", testBaseURL+"/instances/7", func(*http.Request) (*http.Response, error) {
					// The document, then whitespace padding to the size.
					body := io.MultiReader(strings.NewReader(doc), io.LimitReader(spaces{}, tt.size-int64(len(doc))))
					resp := httpmock.NewBytesResponse(http.StatusOK, nil)
					resp.Body = io.NopCloser(body)
					resp.ContentLength = tt.size
					if unknownLength {
						resp.ContentLength = -1
					}
					resp.Header.Set("Content-Type", "application/json")
					return resp, nil
				})
				inst, err := c.Instances.Get(context.Background(), 7)
				if tt.wantErr {
					if !errors.Is(err, elements.ErrInvalidResponse) || !strings.Contains(err.Error(), "larger than") {
						t.Fatalf("unknownLength=%v: Get = %v, %v; want ErrInvalidResponse naming the size", unknownLength, inst, err)
					}
					continue
				}
				if err != nil || inst.ID != 7 {
					t.Fatalf("unknownLength=%v: Get = %+v, %v; want instance 7", unknownLength, inst, err)
				}
			}
		})
	}
}

// TestAnswerSizeCapDecoder: the cap also holds for Do with a caller's own
// type, which goes through encoding/json's decoder.
func TestAnswerSizeCapDecoder(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	elements.SetMaxAnswer(c, capForTest)
	mt.RegisterResponder("GET", testBaseURL+"/hubs/x", func(*http.Request) (*http.Response, error) {
		body := io.MultiReader(strings.NewReader(`{"a":"`), bytes.NewReader(bytes.Repeat([]byte("x"), capForTest)), strings.NewReader(`"}`))
		resp := httpmock.NewBytesResponse(http.StatusOK, nil)
		resp.Body = io.NopCloser(body)
		return resp, nil
	})
	req, err := c.NewRequest(context.Background(), "GET", "/hubs/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if _, err := c.Do(req, &v); !errors.Is(err, elements.ErrInvalidResponse) {
		t.Fatalf("Do = %v; want ErrInvalidResponse", err)
	}
}
