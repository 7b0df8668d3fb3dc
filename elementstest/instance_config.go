package elementstest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/internal/flex"
)

// configEntry is one entry of GET /instances/{id}/configuration.
type configEntry struct {
	ID            int64  `json:"id"`
	Key           string `json:"key"`
	Name          string `json:"name"`
	PropertyValue string `json:"propertyValue"`
}

// configEntries lists in's configuration sorted by key, giving each key a
// stable id; s.mu must be held.
func (s *Server) configEntries(in *instance) []configEntry {
	keys := make([]string, 0, len(in.config))
	for k := range in.config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	list := make([]configEntry, 0, len(keys))
	for _, k := range keys {
		id, ok := in.configIDs[k]
		if !ok {
			s.nextConfigID++
			id = s.nextConfigID
			in.configIDs[k] = id
		}
		v := in.config[k]
		if isSecretKey(k) && v != "" {
			v = elements.MaskedValue
		}
		list = append(list, configEntry{ID: id, Key: k, Name: k, PropertyValue: v})
	}
	return list
}

func (s *Server) listConfiguration(w http.ResponseWriter, r *http.Request) {
	s.withInstance(w, r, func(in *instance) (any, error) { return s.configEntries(in), nil })
}

// updateConfiguration answers PATCH /instances/{id}/configuration/{configID}
// with body {"propertyValue": "..."}. Ids come from the configuration list.
func (s *Server) updateConfiguration(w http.ResponseWriter, r *http.Request) {
	var body struct {
		PropertyValue *flex.String `json:"propertyValue"`
	}
	if err := decodeBody(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if body.PropertyValue == nil {
		writeError(w, http.StatusBadRequest, "propertyValue is required")
		return
	}
	s.withInstance(w, r, func(in *instance) (any, error) {
		s.configEntries(in) // assigns ids to keys that have none yet
		want, _ := strconv.ParseInt(r.PathValue("configID"), 10, 64)
		for k, id := range in.configIDs {
			if id != want {
				continue
			}
			v := string(*body.PropertyValue)
			if k == keyEventsEnabled && v != "true" && v != "false" {
				return nil, badRequest(keyEventsEnabled + " must be true or false")
			}
			old := in.config[k]
			in.config[k] = v
			if err := checkEvents(in.config); err != nil {
				in.config[k] = old
				return nil, err
			}
			for _, e := range s.configEntries(in) {
				if e.ID == id {
					return e, nil
				}
			}
		}
		return nil, fmt.Errorf("instance %d has no configuration entry with id %q", in.id, r.PathValue("configID"))
	})
}
