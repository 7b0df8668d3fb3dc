package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/elementsgo/elements/webhook"
)

// tenants holds what the application keeps per tenant's instance: the
// signing keys its events are checked with and the token its hub calls
// carry. In a real application it is a table, filled when each tenant's
// instance is created (the application chooses the instance's
// event.notification.signature.key and keeps it, and the token, beside the
// instance id). Instance 0 stands for every instance (one tenant, such as
// the seeded instance of go run ./cmd/elementstest). It is safe for
// concurrent use and may change while serving.
type tenants struct {
	mu     sync.RWMutex
	keys   map[int64][]string
	tokens map[int64]string
}

// SetKeys replaces the signing keys of instance id. During a rotation pass
// the new key and the old one; once the platform signs with the new key
// and its retry window (about 73 hours) has passed, set the new key alone.
func (t *tenants) SetKeys(id int64, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = map[int64][]string{}
	}
	t.keys[id] = keys
}

// SetToken replaces the token of instance id.
func (t *tenants) SetToken(id int64, token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tokens == nil {
		t.tokens = map[int64]string{}
	}
	t.tokens[id] = token
}

// Remove forgets instance id (the tenant left): its events get 401.
func (t *tenants) Remove(id int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, id)
	delete(t.tokens, id)
}

// KeysFor is the webhook.Handler.KeysFor of the tenants.
func (t *tenants) KeysFor(_ context.Context, id int64) ([]string, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	keys, ok := t.keys[id]
	if !ok {
		keys, ok = t.keys[0]
	}
	if !ok {
		return nil, fmt.Errorf("instance %d: %w", id, webhook.ErrUnknownInstance)
	}
	return keys, nil
}

// errNoToken is returned by Token for an instance without a token.
var errNoToken = errors.New("no instance token; set it in ELEMENTS_INSTANCE_TOKEN")

// Token returns the token of instance id.
func (t *tenants) Token(id int64) (string, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	token, ok := t.tokens[id]
	if !ok {
		token, ok = t.tokens[0]
	}
	if !ok {
		return "", fmt.Errorf("instance %d: %w", id, errNoToken)
	}
	return token, nil
}

// Len returns how many instances have signing keys (an entry for every
// instance counts as one).
func (t *tenants) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.keys)
}

// instanceEntry is "<instance id>=<value>".
var instanceEntry = regexp.MustCompile(`^\s*([0-9]+)\s*=(.*)$`)

// parseTenants reads ELEMENTS_SIGNING_KEY ("1001=key;1002=new,old", the
// new key first during a rotation, or one key list for every instance) and
// ELEMENTS_INSTANCE_TOKEN ("1001=token;1002=token", or one token for every
// instance).
func parseTenants(keys, tokens string) (*tenants, error) {
	t := &tenants{}
	err := parseEntries(keys, func(id int64, v string) error {
		var list []string
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				list = append(list, k)
			}
		}
		if len(list) == 0 {
			return errors.New("no key")
		}
		t.SetKeys(id, list...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ELEMENTS_SIGNING_KEY: %w", err)
	}
	err = parseEntries(tokens, func(id int64, v string) error {
		if v = strings.TrimSpace(v); v == "" {
			return errors.New("no token")
		}
		t.SetToken(id, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ELEMENTS_INSTANCE_TOKEN: %w", err)
	}
	return t, nil
}

// parseEntries calls set for each "<id>=<value>" entry of spec, separated
// by semicolons, or once with id 0 for a spec that is a single value
// without an id. Errors never show a value: they are secrets.
func parseEntries(spec string, set func(id int64, value string) error) error {
	if s := strings.TrimSpace(spec); s != "" && !strings.Contains(s, ";") && !instanceEntry.MatchString(s) {
		return set(0, s) // one value for every instance
	}
	for i, entry := range strings.Split(spec, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		m := instanceEntry.FindStringSubmatch(entry)
		if m == nil {
			return fmt.Errorf("entry %d: want <instance id>=<value>, separated by semicolons", i+1)
		}
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("entry %d: instance id %.20q: want a positive number", i+1, m[1])
		}
		if err := set(id, m[2]); err != nil {
			return fmt.Errorf("instance %d: %w", id, err)
		}
	}
	return nil
}
