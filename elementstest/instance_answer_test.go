package elementstest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// makersInstance is what the platform makers' own tests require of an
// instance answer (churros, src/test/platform/elements/assets/
// element.instance.schema.json): these fields, with these JSON types.
type makersInstance struct {
	ID    *float64  `json:"id"`
	Name  *string   `json:"name"`
	Token *string   `json:"token"`
	Valid *bool     `json:"valid"`
	Tags  *[]string `json:"tags"`
	User  *struct {
		ID           *float64 `json:"id"`
		EmailAddress *string  `json:"emailAddress"`
		FirstName    *string  `json:"firstName"`
		LastName     *string  `json:"lastName"`
	} `json:"user"`
}

// checkMakersInstance fails unless raw holds every field the makers' schema
// requires, with its type (a missing field or one of another type is nil).
func checkMakersInstance(t *testing.T, what string, raw []byte) makersInstance {
	t.Helper()
	var m makersInstance
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %s does not have the schema's types: %v", what, raw, err)
	}
	if m.ID == nil || m.Name == nil || m.Token == nil || m.Valid == nil || m.Tags == nil || m.User == nil {
		t.Fatalf("%s: %s lacks one of id, name, token, valid, tags, user", what, raw)
	}
	u := m.User
	if u.ID == nil || u.EmailAddress == nil || u.FirstName == nil || u.LastName == nil {
		t.Fatalf("%s: user in %s lacks one of id, emailAddress, firstName, lastName", what, raw)
	}
	if *u.EmailAddress == "" || *u.FirstName == "" || *u.LastName == "" {
		t.Errorf("%s: user %s has empty names", what, raw)
	}
	return m
}

// Every instance answer (create, get, list, update) carries the user the
// makers' schema requires, not only its id.
func TestInstanceAnswerHasTheMakersUser(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	created := do(t, srv, call{method: "POST", path: "/instances", body: seedsRequest})
	if created.status != http.StatusOK {
		t.Fatalf("create: status %d: %s", created.status, created.body)
	}
	m := checkMakersInstance(t, "create", created.body)
	path := "/instances/" + jsonNumber(*m.ID)

	got := checkMakersInstance(t, "get", do(t, srv, call{method: "GET", path: path}).body)
	if diff := cmp.Diff(m.User, got.User); diff != "" {
		t.Errorf("get's user differs from create's (-create +get):\n%s", diff)
	}
	checkMakersInstance(t, "patch", do(t, srv, call{method: "PATCH", path: path, body: `{"name":"Renamed"}`}).body)

	var list []json.RawMessage
	if err := json.Unmarshal(do(t, srv, call{method: "GET", path: "/instances"}).body, &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %d items, %v", len(list), err)
	}
	checkMakersInstance(t, "list", list[0])
}

// valid reads false once the provider's authorization failed
// (ExpireInstance) and true again after re-authentication; disabling an
// instance sets disabled, not valid.
func TestInstanceValidFollowsTheGrant(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	m := createSeed(t, srv)
	id := int64(m["id"].(float64))
	path := "/instances/" + jsonNumber(m["id"])
	state := func(step string) (valid, disabled bool) {
		t.Helper()
		a := do(t, srv, call{method: "GET", path: path})
		var v struct{ Valid, Disabled bool }
		if err := json.Unmarshal(a.body, &v); a.status != http.StatusOK || err != nil {
			t.Fatalf("%s: status %d, %v", step, a.status, err)
		}
		return v.Valid, v.Disabled
	}

	if valid, disabled := state("new"); !valid || disabled {
		t.Errorf("new: valid %v, disabled %v; want true, false", valid, disabled)
	}
	must(t, srv.ExpireInstance(id))
	if valid, disabled := state("expired"); valid || disabled {
		t.Errorf("expired: valid %v, disabled %v; want false, false", valid, disabled)
	}
	do(t, srv, call{method: "DELETE", path: path + "/enabled"})
	if valid, disabled := state("expired and disabled"); valid || !disabled {
		t.Errorf("expired and disabled: valid %v, disabled %v; want false, true", valid, disabled)
	}
	do(t, srv, call{method: "PUT", path: path + "/enabled"})
	a := do(t, srv, call{method: "PUT", path: path + "?reAuthenticate=true",
		body: `{"name":"R","providerData":{"code":"new"},"configuration":{}}`})
	if a.status != http.StatusOK {
		t.Fatalf("re-authenticate: status %d: %s", a.status, a.body)
	}
	if r := checkMakersInstance(t, "re-authenticate", a.body); !*r.Valid {
		t.Error("re-authenticate's answer: valid false, want true")
	}
	if valid, disabled := state("re-authenticated"); !valid || disabled {
		t.Errorf("re-authenticated: valid %v, disabled %v; want true, false", valid, disabled)
	}
	do(t, srv, call{method: "DELETE", path: path + "/enabled"})
	if valid, disabled := state("disabled"); !valid || !disabled {
		t.Errorf("disabled: valid %v, disabled %v; want true, true", valid, disabled)
	}
}
