package elementstest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/elementsgo/elements"
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
	User                          userJSON          `json:"user"`
}

// userJSON is the platform user an instance belongs to, with the fields the
// platform makers' instance schema requires (id, emailAddress, firstName,
// lastName).
type userJSON struct {
	ID           int64  `json:"id"`
	EmailAddress string `json:"emailAddress"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
}

// fakeUserID is the platform user every instance belongs to.
const fakeUserID = 12345

// fakeUser is that user as instance answers show it.
var fakeUser = userJSON{ID: fakeUserID, EmailAddress: "elementstest@example.com", FirstName: "Elements", LastName: "Test"}

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
			v = elements.MaskedValue
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
		Valid:                         in.acuity == nil || !in.acuity.expired,
		Disabled:                      in.disabled,
		ProviderData:                  map[string]string{},
		Configuration:                 cfg,
		EventsEnabled:                 in.config[keyEventsEnabled] == "true",
		EventsNotificationCallbackURL: in.config[keyEventCallback],
		ExternalAuthentication:        "none",
		User:                          fakeUser,
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	return j
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
	var se *statusError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, v)
	case errors.As(err, &se):
		writeError(w, se.status, se.msg)
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
