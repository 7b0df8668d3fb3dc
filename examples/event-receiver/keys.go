package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/elementsgo/elements/webhook"
)

// keyStore holds the signing keys of the application's tenants, one entry
// per instance: in a real application a table filled when each tenant's
// instance is created (the application chooses the instance's
// event.notification.signature.key and keeps it beside the instance id).
// It is safe for concurrent use and may change while serving.
type keyStore struct {
	mu   sync.RWMutex
	keys map[int64][]string
}

// Set replaces the keys of instance id. During a rotation pass the new key
// and the old one; once the platform signs with the new key and its retry
// window (about 73 hours) has passed, Set the new key alone.
func (s *keyStore) Set(id int64, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[int64][]string{}
	}
	s.keys[id] = keys
}

// Remove forgets instance id (the tenant left): its callbacks get 401.
func (s *keyStore) Remove(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, id)
}

// KeysFor is the webhook.Handler.KeysFor of the store.
func (s *keyStore) KeysFor(_ context.Context, id int64) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys, ok := s.keys[id]
	if !ok {
		return nil, fmt.Errorf("instance %d: %w", id, webhook.ErrUnknownInstance)
	}
	return keys, nil
}

// Len returns how many instances the store knows.
func (s *keyStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys)
}

// parseKeys reads "1001=key;1002=new,old": instance ids with their keys,
// the new key first during a rotation.
func parseKeys(spec string) (*keyStore, error) {
	s := &keyStore{}
	for _, entry := range strings.Split(spec, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		idText, list, ok := strings.Cut(entry, "=")
		id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
		if !ok || err != nil || id <= 0 {
			return nil, fmt.Errorf("%.20q: want <instance id>=<key>[,<old key>]", idText)
		}
		var keys []string
		for _, k := range strings.Split(list, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("instance %d: no key", id)
		}
		s.Set(id, keys...)
	}
	return s, nil
}
