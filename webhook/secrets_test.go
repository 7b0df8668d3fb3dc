package webhook_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/elementsgo/elements/webhook"
)

// TestHandlerPrintingRedactsKeys prints a handler every way a host
// might: by pointer, by value and by value inside its own config struct.
// Before SigningKeys had a redacting type, only the pointer was safe.
func TestHandlerPrintingRedactsKeys(t *testing.T) {
	t.Parallel()
	type config struct {
		Addr    string
		Handler webhook.Handler
	}
	cfg := &config{Addr: ":8080"}
	cfg.Handler.SigningKeys = webhook.Secrets{testSigningKey, testOrgSecret}
	cfg.Handler.Deduplicator = webhook.NewMemoryDeduplicator(0)
	h := &cfg.Handler
	// A copy of the handler by value, made through reflect because vet
	// (rightly) flags copying a struct with a mutex in plain code; fmt and
	// slog make such copies internally anyway.
	byValue := reflect.ValueOf(h).Elem().Interface()
	holders := map[string]any{
		"*Handler":                 h,
		"Handler":                  byValue,
		"*struct{Handler}":         cfg,
		"struct{*Handler}":         struct{ H *webhook.Handler }{h},
		"[]any{Handler}":           []any{byValue},
		"map{Handler}":             map[string]any{"h": byValue},
		"Secrets":                  h.SigningKeys,
		"struct{Secrets}":          struct{ Keys webhook.Secrets }{h.SigningKeys},
		"*struct{Secrets}":         &struct{ Keys webhook.Secrets }{h.SigningKeys},
		"Secrets with a short key": webhook.Secrets{"abc"},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %10.3v", "%-20s", "%08v"}
	for name, v := range holders {
		for _, verb := range verbs {
			got := fmt.Sprintf(verb, v)
			assertNoSecret(t, name+" printed with "+verb, got)
			if strings.Contains(got, "abc") {
				t.Errorf("%s printed with %s shows the key: %s", name, verb, got)
			}
		}
		assertNoSecret(t, name+" with Sprint", fmt.Sprint(v))
		assertNoSecret(t, name+" with Sprintln", fmt.Sprintln(v))
		for _, format := range []string{"text", "JSON"} {
			var buf bytes.Buffer
			var lh slog.Handler = slog.NewTextHandler(&buf, nil)
			if format == "JSON" {
				lh = slog.NewJSONHandler(&buf, nil)
			}
			slog.New(lh).Info("m", "v", v, slog.Group("g", "v", v))
			assertNoSecret(t, name+" in a slog "+format+" log", buf.String())
		}
	}
	if got, want := fmt.Sprint(h.SigningKeys), "[2 redacted]"; got != want {
		t.Errorf("Sprint(SigningKeys) = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%#v", h.SigningKeys), "webhook.Secrets[2 redacted]"; got != want {
		t.Errorf("%%#v of SigningKeys = %q, want %q", got, want)
	}
	if got, want := fmt.Sprint(webhook.Secrets(nil)), "[]"; got != want {
		t.Errorf("Sprint(nil Secrets) = %q, want %q", got, want)
	}
	if got := fmt.Sprintf("%+v", cfg); !strings.Contains(got, "SigningKeys:[2 redacted]") || !strings.Contains(got, ":8080") {
		t.Errorf("%%+v of the config = %s, want the key count and the other fields", got)
	}
}

// TestSecretsIsAStringSlice keeps DESIGN.md's contract for SigningKeys
// compiling: a []string literal, append, ... and assignment to []string.
func TestSecretsIsAStringSlice(t *testing.T) {
	t.Parallel()
	h := &webhook.Handler{SigningKeys: []string{"key-one"}}
	h.SigningKeys = append(h.SigningKeys, "key-two")
	var s []string = h.SigningKeys
	body := []byte(`{}`)
	if err := webhook.VerifySignature(body, webhook.Sign("key-two", body), h.SigningKeys...); err != nil {
		t.Errorf("VerifySignature with SigningKeys...: %v", err)
	}
	if len(s) != 2 || s[1] != "key-two" {
		t.Errorf("SigningKeys as []string = %d keys", len(s))
	}
}
