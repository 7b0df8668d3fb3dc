package elementstest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements/internal/flex"
)

// Configuration keys the fake gives meaning to.
const (
	keyAPIKey          = "oauth.api.key"
	keyAPISecret       = "oauth.api.secret"
	keyCallbackURL     = "oauth.callback.url"
	keyEventsEnabled   = "event.notification.enabled"
	keyEventCallback   = "event.notification.callback.url"
	keyEventSigningKey = "event.notification.signature.key"
)

const maxAPIBody = 1 << 20

// elementJSON is an element as the platform shows it inside an instance.
type elementJSON struct {
	ID                     int64    `json:"id"`
	Name                   string   `json:"name"`
	Key                    string   `json:"key"`
	Description            string   `json:"description"`
	Image                  string   `json:"image"`
	Active                 bool     `json:"active"`
	Deleted                bool     `json:"deleted"`
	TypeOauth              bool     `json:"typeOauth"`
	TrialAccount           bool     `json:"trialAccount"`
	Resources              []string `json:"resources"`
	TransformationsEnabled bool     `json:"transformationsEnabled"`
	BulkDownloadEnabled    bool     `json:"bulkDownloadEnabled"`
	BulkUploadEnabled      bool     `json:"bulkUploadEnabled"`
	Cloneable              bool     `json:"cloneable"`
	Extendable             bool     `json:"extendable"`
	Beta                   bool     `json:"beta"`
	Authentication         struct {
		Type string `json:"type"`
	} `json:"authentication"`
	Extended     bool     `json:"extended"`
	Hub          string   `json:"hub"`
	ProtocolType string   `json:"protocolType"`
	Parameters   []string `json:"parameters"`
	Private      bool     `json:"private"`
}

// elementCatalog holds the elements the fake knows; creating an instance of
// any other element is a 400.
var elementCatalog = []*elementJSON{acuityElement()}

func acuityElement() *elementJSON {
	e := &elementJSON{
		ID:                     6156,
		Name:                   "Acuity Scheduling",
		Key:                    "acuityscheduling",
		Description:            "Add an Acuity Scheduling Instance to connect your existing Acuity Scheduling account to the Scheduling Hub.",
		Image:                  "elements/provider_acuityscheduling.png",
		Active:                 true,
		Resources:              []string{},
		TransformationsEnabled: true,
		Cloneable:              true,
		Extendable:             true,
		Hub:                    "scheduling",
		ProtocolType:           "http",
		Parameters:             []string{},
	}
	e.Authentication.Type = "oauth2"
	return e
}

// findElement looks an element up by key or by numeric id.
func findElement(keyOrID string) *elementJSON {
	for _, e := range elementCatalog {
		if e.Key == keyOrID || strconv.FormatInt(e.ID, 10) == keyOrID {
			return e
		}
	}
	return nil
}

// instance is the fake's record of one element instance; guarded by Server.mu.
type instance struct {
	id        int64
	name      string
	token     string
	created   time.Time
	element   *elementJSON
	tags      []string
	config    map[string]string
	configIDs map[string]int64
	disabled  bool
	acuityKey string        // Acuity API key for X-Acuity-Signature; "" accepts unsigned
	events    []eventRecord // for GET .../events

	// acuity is the Acuity account behind the instance, as the scheduling
	// hub serves it; nil until first used (see hubs.go).
	acuity *acuityAccount
}

// instanceJSON is an instance as the platform answers it.
type instanceJSON struct {
	ID                            int64             `json:"id"`
	Name                          string            `json:"name"`
	CreatedDate                   string            `json:"createdDate"`
	Token                         string            `json:"token"`
	Element                       *elementJSON      `json:"element"`
	ElementID                     int64             `json:"elementId"`
	Tags                          []string          `json:"tags"`
	ProvisionInteractions         []string          `json:"provisionInteractions"`
	Valid                         bool              `json:"valid"`
	Disabled                      bool              `json:"disabled"`
	MaxCacheSize                  int               `json:"maxCacheSize"`
	CacheTimeToLive               int               `json:"cacheTimeToLive"`
	ProviderData                  map[string]string `json:"providerData"`
	Configuration                 map[string]string `json:"configuration"`
	EventsEnabled                 bool              `json:"eventsEnabled"`
	EventsNotificationCallbackURL string            `json:"eventsNotificationCallbackUrl,omitempty"`
	TraceLoggingEnabled           bool              `json:"traceLoggingEnabled"`
	CachingEnabled                bool              `json:"cachingEnabled"`
	ExternalAuthentication        string            `json:"externalAuthentication"`
	User                          struct {
		ID int64 `json:"id"`
	} `json:"user"`
}

// fakeUserID is the platform user every instance belongs to.
const fakeUserID = 12345

// masked is what the platform shows instead of a secret configuration value.
const masked = "********"

// isSecretKey reports whether a configuration key holds a secret, which the
// fake masks in answers. The platform documents that oauth.api.key and
// oauth.api.secret are masked; the rest of its list is not documented: any
// key naming a secret, password, token or signature key is masked too.
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	if k == keyAPIKey {
		return true
	}
	for _, s := range []string{"secret", "password", "token", "signature.key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func (in *instance) json() instanceJSON {
	cfg := make(map[string]string, len(in.config))
	for k, v := range in.config {
		if isSecretKey(k) && v != "" {
			v = masked
		}
		cfg[k] = v
	}
	j := instanceJSON{
		ID:                            in.id,
		Name:                          in.name,
		CreatedDate:                   in.created.Format(time.RFC3339),
		Token:                         in.token,
		Element:                       in.element,
		ElementID:                     in.element.ID,
		Tags:                          slices.Clone(in.tags),
		ProvisionInteractions:         []string{},
		Valid:                         !in.disabled,
		Disabled:                      in.disabled,
		ProviderData:                  map[string]string{},
		Configuration:                 cfg,
		EventsEnabled:                 in.config[keyEventsEnabled] == "true",
		EventsNotificationCallbackURL: in.config[keyEventCallback],
		ExternalAuthentication:        "none",
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	j.User.ID = fakeUserID
	return j
}

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

// badRequest is a validation failure answered as 400 with its message.
type badRequest string

func (e badRequest) Error() string { return string(e) }

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

func (s *Server) createInstance(w http.ResponseWriter, r *http.Request) {
	var body instanceBody
	if err := decodeBody(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	elem, err := resolveElement(r, &body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	in, err := s.newInstance(&body, elem)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, in)
}

// newInstance validates a create body and stores the instance.
func (s *Server) newInstance(body *instanceBody, elem *elementJSON) (instanceJSON, error) {
	name, tags, cfg, err := parseFull(body)
	if err != nil {
		return instanceJSON{}, err
	}
	for _, k := range []string{keyAPIKey, keyAPISecret} {
		if cfg[k] == "" {
			return instanceJSON{}, badRequest("configuration " + k + " is required: the OAuth client credentials of your provider app")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkCode(body, cfg); err != nil {
		return instanceJSON{}, err
	}
	in := &instance{
		id:        s.nextID,
		name:      name,
		token:     newToken(),
		created:   time.Now().UTC().Truncate(time.Second),
		element:   elem,
		tags:      tags,
		config:    cfg,
		configIDs: make(map[string]int64),
	}
	s.nextID++
	s.instances[in.id] = in
	return in.json(), nil
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// lookup finds the instance named by the {id} path value; s.mu must be held.
func (s *Server) lookup(r *http.Request) (*instance, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("instance id %q is not a number", r.PathValue("id"))
	}
	in, ok := s.instances[id]
	if !ok {
		return nil, fmt.Errorf("no instance with id %d", id)
	}
	return in, nil
}

// withInstance runs f on the instance named in the path under s.mu, answering
// 404 for an unknown id, 400 for a badRequest error and 200 with f's value.
func (s *Server) withInstance(w http.ResponseWriter, r *http.Request, f func(in *instance) (any, error)) {
	s.mu.Lock()
	in, err := s.lookup(r)
	if err != nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	v, err := f(in)
	s.mu.Unlock()
	var br badRequest
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, v)
	case errors.As(err, &br):
		writeError(w, http.StatusBadRequest, br.Error())
	default:
		writeError(w, http.StatusNotFound, err.Error())
	}
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) {
	s.withInstance(w, r, func(in *instance) (any, error) { return in.json(), nil })
}

// listInstances answers GET /instances, paged by writePage. tags[] filters
// (repeatable) must all be on an instance; searchText matches a substring of
// the name, ignoring case. Nothing to show answers 404 "No instances found",
// as the platform may.
func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tags := q["tags[]"]
	search := strings.ToLower(q.Get("searchText"))
	s.mu.Lock()
	list := make([]instanceJSON, 0, len(s.instances))
	for _, in := range s.instances {
		if search != "" && !strings.Contains(strings.ToLower(in.name), search) {
			continue
		}
		if !hasAll(in.tags, tags) {
			continue
		}
		list = append(list, in.json())
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	writePage(w, r, "instances", list)
}

func hasAll(have, want []string) bool {
	for _, t := range want {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

// updateInstance answers PATCH /instances/{id}: name, tags (replaced) and
// configuration (merged; null removes a key).
func (s *Server) updateInstance(w http.ResponseWriter, r *http.Request) {
	var body instanceBody
	if err := decodeBody(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.withInstance(w, r, func(in *instance) (any, error) {
		cfg, err := parseConfig(body.Configuration)
		if err != nil {
			return nil, err
		}
		merged := make(map[string]string, len(in.config)+len(cfg))
		for k, v := range in.config {
			merged[k] = v
		}
		for k, v := range body.Configuration {
			if string(bytes.TrimSpace(v)) == "null" {
				delete(merged, k)
			}
		}
		for k, v := range cfg {
			merged[k] = v
		}
		if err := checkEvents(merged); err != nil {
			return nil, err
		}
		var tags []string
		if body.Tags != nil {
			if tags, err = parseTags(body.Tags); err != nil {
				return nil, err
			}
		}
		if body.Name != nil {
			if *body.Name == "" {
				return nil, badRequest("name cannot be empty")
			}
			in.name = *body.Name
		}
		if body.Tags != nil {
			in.tags = tags
		}
		in.config = merged
		return in.json(), nil
	})
}

// replaceInstance answers PUT /instances/{id}: the body replaces name, tags
// and configuration. With ?reAuthenticate=true it must carry a new
// providerData.code, and ends an ExpireInstance. The element cannot change.
func (s *Server) replaceInstance(w http.ResponseWriter, r *http.Request) {
	var body instanceBody
	if err := decodeBody(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	reauth := r.URL.Query().Get("reAuthenticate") == "true"
	s.withInstance(w, r, func(in *instance) (any, error) {
		if body.Element != nil {
			if e, err := resolveElement(r, &body); err != nil || e != in.element {
				return nil, badRequest("the element of an instance cannot change")
			}
		}
		name, tags, cfg, err := parseFull(&body)
		if err != nil {
			return nil, err
		}
		if reauth {
			if err := s.checkCode(&body, cfg); err != nil {
				return nil, err
			}
			if in.acuity != nil {
				in.acuity.expired = false // a new grant: hub calls work again
			}
		}
		in.name, in.tags, in.config = name, tags, cfg
		return in.json(), nil
	})
}

func (s *Server) deleteInstance(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	in, err := s.lookup(r)
	if err == nil {
		delete(s.instances, in.id)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) setEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.withInstance(w, r, func(in *instance) (any, error) {
			in.disabled = !enabled
			return in.json(), nil
		})
	}
}

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
			v = masked
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

// eventRecord is one record of GET /instances/{id}/events, in the
// platform's shape: one per notification, id its message.eventId, status
// DISPATCHED once the delivery started and NOTIFIED once the callback
// answered 2xx, providerData the vendor's payload as text (the fake's
// message.raw).
type eventRecord struct {
	ID           string            `json:"id"`
	EventDate    string            `json:"eventDate"`
	Status       string            `json:"status"`
	ProviderData string            `json:"providerData"`
	NotifiedData []json.RawMessage `json:"notifiedData"`
}

// listEvents answers GET /instances/{id}/events, oldest first, paged by
// writePage; 404 "No events found" when the instance has none.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	in, err := s.lookup(r)
	var list []eventRecord
	if err == nil {
		list = slices.Clone(in.events)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	writePage(w, r, "events", list)
}

// getEvent answers GET /instances/{id}/events/{eventID}.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	s.withInstance(w, r, func(in *instance) (any, error) {
		want := r.PathValue("eventID")
		for _, e := range in.events {
			if e.ID == want {
				return e, nil
			}
		}
		return nil, fmt.Errorf("instance %d has no event %q", in.id, want)
	})
}
