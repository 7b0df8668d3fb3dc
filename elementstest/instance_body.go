package elementstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/elementsgo/elements/internal/flex"
)

// instanceBody is a create or full-update body, decoded loosely so that the
// fake can say exactly what is wrong with it.
type instanceBody struct {
	Element *struct {
		Key string     `json:"key"`
		ID  flex.Int64 `json:"id"`
	} `json:"element"`
	ProviderData  map[string]json.RawMessage `json:"providerData"`
	Configuration map[string]json.RawMessage `json:"configuration"`
	Tags          []json.RawMessage          `json:"tags"`
	Name          *string                    `json:"name"`
}

// badRequest returns the validation failure msg, answered as 400.
func badRequest(msg string) error { return &statusError{http.StatusBadRequest, msg} }

func decodeBody(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
	if err != nil {
		return badRequest("cannot read the request body")
	}
	if len(b) > maxAPIBody {
		return badRequest("request body is larger than 1 MiB")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("request body is empty; a JSON object is required")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("request body is not the expected JSON: " + err.Error())
	}
	return nil
}

// parseTags accepts tags as strings or as {"name": ...} objects.
func parseTags(raw []json.RawMessage) ([]string, error) {
	tags := make([]string, 0, len(raw))
	for i, t := range raw {
		var s string
		if err := json.Unmarshal(t, &s); err == nil {
			tags = append(tags, s)
			continue
		}
		var obj struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(t, &obj); err != nil || obj.Name == "" {
			return nil, badRequest(fmt.Sprintf("tags[%d] must be a string or an object with a name", i))
		}
		tags = append(tags, obj.Name)
	}
	return tags, nil
}

// parseConfig turns configuration values into the strings the platform
// stores. event.notification.enabled must be a JSON boolean; other values may
// be strings, numbers, booleans or JSON (kept as their JSON text); null drops
// the key.
func parseConfig(raw map[string]json.RawMessage) (map[string]string, error) {
	cfg := make(map[string]string, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		if k == keyEventsEnabled {
			if s := string(v); s != "true" && s != "false" {
				return nil, badRequest("configuration " + keyEventsEnabled + " must be a JSON boolean (true or false)")
			}
		}
		switch {
		case string(v) == "null":
			continue
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, badRequest("configuration " + k + " is not a valid JSON string")
			}
			cfg[k] = s
		default:
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, badRequest("configuration " + k + " is not valid JSON")
			}
			cfg[k] = buf.String()
		}
	}
	return cfg, nil
}

// checkEvents enforces that enabled events have somewhere to go.
func checkEvents(cfg map[string]string) error {
	if cfg[keyEventsEnabled] == "true" && cfg[keyEventCallback] == "" {
		return badRequest("configuration " + keyEventCallback + " is required when " + keyEventsEnabled + " is true")
	}
	return nil
}

// parseFull validates what a create or a full update (PUT) must carry: a
// name, and well-formed tags and configuration.
func parseFull(body *instanceBody) (name string, tags []string, cfg map[string]string, err error) {
	if body.Name == nil || *body.Name == "" {
		return "", nil, nil, badRequest("name is required")
	}
	if cfg, err = parseConfig(body.Configuration); err != nil {
		return "", nil, nil, err
	}
	if err = checkEvents(cfg); err != nil {
		return "", nil, nil, err
	}
	if tags, err = parseTags(body.Tags); err != nil {
		return "", nil, nil, err
	}
	return *body.Name, tags, cfg, nil
}

// checkCode validates providerData.code; s.mu must be held.
func (s *Server) checkCode(body *instanceBody, cfg map[string]string) error {
	var code string
	if raw, ok := body.ProviderData["code"]; ok {
		if err := json.Unmarshal(raw, &code); err != nil {
			return badRequest("providerData.code must be a string")
		}
	}
	if code == "" {
		return badRequest("providerData.code is required: the authorization grant code from the provider's OAuth redirect")
	}
	if !s.cfg.issuedCodesOnly {
		return nil
	}
	issued, ok := s.codes[code]
	if !ok || issued.clientID != cfg[keyAPIKey] || issued.redirectURI != cfg[keyCallbackURL] {
		return badRequest("providerData.code was not issued for this oauth.api.key and oauth.callback.url, or was already used")
	}
	delete(s.codes, code)
	return nil
}

// resolveElement finds the element named in the path or the body.
func resolveElement(r *http.Request, body *instanceBody) (*elementJSON, error) {
	ref := r.PathValue("element")
	if ref == "" && body.Element != nil {
		ref = body.Element.Key
		if ref == "" && body.Element.ID != 0 {
			ref = strconv.FormatInt(int64(body.Element.ID), 10)
		}
	}
	if ref == "" {
		return nil, badRequest("element.key is required (for Acuity Scheduling: \"acuityscheduling\")")
	}
	e := findElement(ref)
	if e == nil {
		return nil, badRequest(fmt.Sprintf("unknown element %q", ref))
	}
	return e, nil
}
