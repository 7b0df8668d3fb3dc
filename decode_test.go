package elements_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/paging"
)

// The create body is the documented one byte for byte (compacted): the
// same members in the same order, configuration keys included.
func TestCreateBodyIsTheDocumentedBytes(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t)
	rec := mock(mt, answer(200, string(readFixture(t, "instance_create_response.json"))))
	if _, err := c.Instances.Create(context.Background(), seedRequest()); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, readFixture(t, "instance_create_request.json")); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).Body; !bytes.Equal(got, want.Bytes()) {
		t.Errorf("create body\n got %s\nwant %s", got, want.Bytes())
	}
}

// A list answer with a null element is refused with ErrInvalidResponse:
// no caller ever gets a nil *Instance, *ConfigurationEntry or
// *InstanceEvent.
func TestListsRefuseNullElements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := map[string]struct {
		answer string
		call   func(c *elements.Client) (int, error)
	}{
		"List": {`[{"id":1},null]`, func(c *elements.Client) (int, error) {
			l, err := c.Instances.List(ctx, nil)
			return len(l), err
		}},
		"Configuration": {`[null,{"id":2,"key":"k"}]`, func(c *elements.Client) (int, error) {
			l, err := c.Instances.Configuration(ctx, 1)
			return len(l), err
		}},
		"Events": {`[{"id":"e1"},null]`, func(c *elements.Client) (int, error) {
			l, err := paging.Collect(c.Instances.Events(ctx, 1, nil))
			return len(l), err
		}},
	}
	for name, tt := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, mt := newTestClient(t)
			mock(mt, answer(200, tt.answer))
			n, err := tt.call(c)
			if !errors.Is(err, elements.ErrInvalidResponse) || n != 0 {
				t.Fatalf("%s on %s = %d elements, %v; want none and ErrInvalidResponse", name, tt.answer, n, err)
			}
		})
	}
}

// A 2xx answer with anything but whitespace after its JSON value is not
// the answer the call expects: ErrInvalidResponse, for the SDK's calls and
// for Do.
func TestTrailingDataIsInvalid(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"id":7}{"id":8}`, `{"id":7} x`, `{"id":7}]`, `[{"id":7}][]`} {
		c, mt := newTestClient(t)
		mock(mt, answer(200, body))
		var err error
		if body[0] == '[' {
			_, err = c.Instances.List(context.Background(), nil)
		} else {
			_, err = c.Instances.Get(context.Background(), 7)
		}
		if !errors.Is(err, elements.ErrInvalidResponse) {
			t.Errorf("answer %s: err = %v, want ErrInvalidResponse", body, err)
		}
		req, rerr := c.NewRequest(context.Background(), "GET", "/hubs/x", nil)
		if rerr != nil {
			t.Fatal(rerr)
		}
		var v any
		if _, err := c.Do(req, &v); !errors.Is(err, elements.ErrInvalidResponse) {
			t.Errorf("Do on %s: err = %v, want ErrInvalidResponse", body, err)
		}
	}
	c, mt := newTestClient(t)
	mock(mt, answer(200, "{\"id\":7}\n \t\r\n"))
	if inst, err := c.Instances.Get(context.Background(), 7); err != nil || inst.ID != 7 {
		t.Errorf("trailing whitespace: Get = %v, %v; want instance 7", inst, err)
	}
}
