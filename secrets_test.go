package elements_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/elementsgo/elements"
)

// secretHolders returns every exported type that holds a secret, filled
// with the test secrets, by value and by pointer and nested.
func secretHolders(t *testing.T) map[string]any {
	t.Helper()
	c, _ := newTestClient(t)
	inst := fixtureInstance()
	inst.ProviderData = elements.ProviderData{Code: testCode, Extra: map[string]any{"refresh": testToken}}
	inst.Configuration = elements.Configuration{
		OAuthAPIKey: "client-id", OAuthAPISecret: testOAuthSecret, EventSignatureKey: testSigningKey,
		Extra: map[string]any{
			elements.ConfigEventBasicPassword:    testOrgSecret,
			elements.ConfigOAuthUserRefreshToken: testToken,
			elements.ConfigEventCallbackHeaders:  map[string]string{"Authorization": testUserSecret},
		},
	}
	req := seedRequest()
	req.Configuration = inst.Configuration
	params := elements.OAuthURLParams{APIKey: "client-id", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"}
	entry := elements.ConfigurationEntry{ID: 1, Key: elements.ConfigOAuthAPISecret, PropertyValue: testOAuthSecret}
	return map[string]any{
		"*Client":            c,
		"Client":             *c,
		"Instance":           *inst,
		"*Instance":          inst,
		"[]Instance":         []elements.Instance{*inst},
		"InstanceRequest":    *req,
		"*InstanceRequest":   req,
		"Configuration":      inst.Configuration,
		"ProviderData":       inst.ProviderData,
		"OAuthURLParams":     params,
		"*OAuthURLParams":    &params,
		"ConfigurationEntry": entry,
		"nested struct": struct {
			C    *elements.Client
			I    elements.Instance
			R    *elements.InstanceRequest
			Conf map[string]elements.Configuration
		}{c, *inst, req, map[string]elements.Configuration{"a": inst.Configuration}},
	}
}

func TestPrintingRedactsSecrets(t *testing.T) {
	t.Parallel()
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v"}
	for name, v := range secretHolders(t) {
		for _, verb := range verbs {
			assertNoSecret(t, name+" printed with "+verb, fmt.Sprintf(verb, v))
		}
		assertNoSecret(t, name+" with Sprint", fmt.Sprint(v))
		if s, ok := v.(fmt.Stringer); ok {
			assertNoSecret(t, name+".String()", s.String())
		}
		if s, ok := v.(fmt.GoStringer); ok {
			assertNoSecret(t, name+".GoString()", s.GoString())
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", v)
		assertNoSecret(t, name+" in a slog text log", text.String())
		// JSON output of composite values goes through MarshalJSON, which
		// is the wire format and includes secrets by design (documented).
		if name != "[]Instance" && name != "nested struct" {
			assertNoSecret(t, name+" in a slog JSON log", js.String())
		}
	}
}

// Every type that holds a secret logs as a group of its safe fields (so a
// JSON log gets fields, not one formatted string), never a secret.
func TestLogValuesAreGroups(t *testing.T) {
	t.Parallel()
	for name, v := range secretHolders(t) {
		lv, ok := v.(slog.LogValuer)
		if !ok {
			continue
		}
		got := lv.LogValue()
		if got.Kind() != slog.KindGroup {
			t.Errorf("%s.LogValue() is a %s, want a group", name, got.Kind())
		}
		assertNoSecret(t, name+".LogValue()", got.String())
	}
	c, _ := newTestClient(t)
	got := map[string]string{}
	for _, a := range c.LogValue().Group() {
		got[a.Key] = a.Value.String()
	}
	want := map[string]string{"baseURL": testBaseURL, "userSecret": "[REDACTED]", "organizationSecret": "[REDACTED]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Client.LogValue() (-want +got):\n%s", diff)
	}
}

func TestPrintingKeepsWhatIsNotSecret(t *testing.T) {
	t.Parallel()
	h := secretHolders(t)
	for name, want := range map[string][]string{
		"Instance":        {"12345", "API Instance", "acuityscheduling", "[REDACTED]", "client-id"},
		"InstanceRequest": {"acuityscheduling", "API Instance", "client-id", "[REDACTED]"},
		"*Client":         {testBaseURL, "[REDACTED]"},
	} {
		got := fmt.Sprintf("%+v", h[name])
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s printed as %q, want it to show %q", name, got, w)
			}
		}
	}
	if got := fmt.Sprintf("%#v", elements.Instance{ID: 1}); !strings.HasPrefix(got, "elements.Instance{") {
		t.Errorf("%%#v = %q", got)
	}
	if got := fmt.Sprintf("%q", elements.ProviderData{}); got != `"{Code:\"\" Extra:[]}"` {
		t.Errorf("%%q = %s", got)
	}
}

// echoing builds failures that quote the call's secrets back, as a careless
// platform or proxy might.
func echoing(secrets []string) map[string]struct {
	respond    func() (*http.Response, error)
	rawInChain bool // the transport's own error holds the secrets
} {
	echo := strings.Join(secrets, " ")
	type failure = struct {
		respond    func() (*http.Response, error)
		rawInChain bool
	}
	return map[string]failure{
		"JSON error echoing secrets":   {respond: answer(400, fmt.Sprintf(`{"message":%q,"providerMessage":%q,"requestId":%q}`, echo, echo, echo))},
		"HTML page echoing secrets":    {respond: answer(500, "<html><title>"+echo+"</title></html>")},
		"text echoing secrets":         {respond: answer(401, echo)},
		"non-JSON 2xx":                 {respond: answer(200, "<html>"+echo+"</html>")},
		"transport error text":         {respond: failWith(errors.New("proxy refused " + echo)), rawInChain: true},
		"dial error":                   {respond: failWith(dialErr)},
		"connection reset":             {respond: failWith(resetErr)},
		"429 past the rate-limit wait": {respond: answer(429, echo, "Retry-After: 0")},
	}
}

func TestNoSecretInAnyError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := map[string]struct {
		call    func(*elements.Client) error
		secrets []string // what the call sends
	}{
		"Create": {func(c *elements.Client) error {
			r := seedRequest()
			r.Configuration.EventSignatureKey = testSigningKey
			_, err := c.Instances.Create(ctx, r)
			return err
		}, []string{testUserSecret, testOrgSecret, testOAuthSecret, testCode, testSigningKey}},
		// Secrets in Extra are redacted whatever Go type holds them: what is
		// sent is what counts.
		"Create, secrets in Extra of any type": {func(c *elements.Client) error {
			type text string
			key := testSigningKey
			r := seedRequest()
			r.Configuration = elements.Configuration{Extra: map[string]any{
				elements.ConfigEventBasicPassword:    &key,
				elements.ConfigEventCallbackHeaders:  map[string]string{"Authorization": testToken},
				elements.ConfigOAuthUserRefreshToken: json.RawMessage(`"` + testOAuthSecret + `"`),
			}}
			r.ProviderData = elements.ProviderData{Extra: map[string]any{"refresh": text(testCode)}}
			_, err := c.Instances.Create(ctx, r)
			return err
		}, []string{testUserSecret, testOrgSecret, testSigningKey, testToken, testOAuthSecret, testCode}},
		"OAuthURL": {func(c *elements.Client) error {
			_, err := c.Instances.OAuthURL(ctx, "acuityscheduling",
				&elements.OAuthURLParams{APIKey: "k3y", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb", State: "s"})
			return err
		}, []string{testUserSecret, testOrgSecret, testOAuthSecret}},
		"UpdateConfiguration": {func(c *elements.Client) error {
			_, err := c.Instances.UpdateConfiguration(ctx, 1, 2, testSigningKey)
			return err
		}, []string{testUserSecret, testOrgSecret, testSigningKey}},
		"element-scoped request": {func(c *elements.Client) error {
			req, err := c.NewRequest(ctx, "GET", "/hubs/scheduling/appointments/1", nil, elements.WithElementToken(testToken))
			if err != nil {
				return err
			}
			_, err = c.Do(req, &struct{}{})
			return err
		}, []string{testUserSecret, testOrgSecret, testToken}},
	}
	for callName, call := range calls {
		for failName, fail := range echoing(call.secrets) {
			t.Run(callName+"/"+failName, func(t *testing.T) {
				t.Parallel()
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c, mt := newTestClient(t, elements.WithLogger(logger), elements.WithRateLimitWait(20*time.Millisecond))
				mock(mt, fail.respond)
				err := call.call(c)
				if err == nil {
					t.Fatal("no error")
				}
				assertNoSecret(t, "error", err.Error())
				assertNoSecret(t, "%+v of the error", fmt.Sprintf("%+v", err))
				if !fail.rawInChain {
					for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
						assertNoSecret(t, fmt.Sprintf("wrapped error (%T)", e), e.Error())
					}
				}
				var apiErr *elements.APIError
				if errors.As(err, &apiErr) {
					assertNoSecret(t, "APIError fields", apiErr.Message+apiErr.ProviderMessage+apiErr.RequestID)
				}
				assertNoSecret(t, "logs", logs.String())
			})
		}
	}
}

func TestNoSecretWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newTestClient(t, elements.WithLogger(logger), elements.WithRetry(3, time.Hour, time.Hour))
	// The deadline passes once the client has read the answer echoing the
	// secret, before it waits to retry.
	ctx := newHandDeadline()
	rec := mock(mt, ctx.passOnClose(answer(503, testOAuthSecret)))
	_, err := c.Instances.OAuthURL(ctx, "acuityscheduling",
		&elements.OAuthURLParams{APIKey: "k3y", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"})
	if !errors.Is(err, context.DeadlineExceeded) || rec.calls() != 1 {
		t.Fatalf("err = %v after %d calls, want a deadline after 1", err, rec.calls())
	}
	assertNoSecret(t, "error", err.Error())
	assertNoSecret(t, "logs", logs.String())
}

func TestNoSecretWithoutAResponder(t *testing.T) {
	t.Parallel()
	// httpmock's own "no responder" error quotes the full URL, query included.
	mt := httpmock.NewMockTransport()
	c, err := elements.NewClient(testUserSecret, testOrgSecret,
		elements.WithHTTPClient(&http.Client{Transport: mt}), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Instances.OAuthURL(context.Background(), "acuityscheduling",
		&elements.OAuthURLParams{APIKey: "k3y", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"})
	if err == nil {
		t.Fatal("no error")
	}
	assertNoSecret(t, "error", err.Error())
}

func TestLoggerSeesRetriesAndIsRedacted(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mt := newTestClient(t, elements.WithLogger(logger))
	rec := mock(mt, answer(503, ""), answer(200, `{"oauthUrl":"https://acuityscheduling.com/oauth2/authorize"}`))
	_, err := c.Instances.OAuthURL(context.Background(), "acuityscheduling",
		&elements.OAuthURLParams{APIKey: "k3y", APISecret: testOAuthSecret, CallbackURL: "https://x.test/cb"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.calls() != 2 {
		t.Errorf("calls = %d", rec.calls())
	}
	for _, want := range []string{"elements: performing request", "elements: retrying request", "status: 503", "apiSecret=[REDACTED]"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
	assertNoSecret(t, "logs", logs.String())
}

// A *RequestError holds the secrets it redacts; printed by value (or by
// value inside a struct) it must redact them too, and not show them through
// its unexported fields or the raw cause.
func TestRequestErrorByValueRedacts(t *testing.T) {
	t.Parallel()
	c, mt := newTestClient(t, elements.WithRetry(0, 0, 0))
	mock(mt, failWith(errors.New("proxy refused "+testToken)))
	req, err := c.NewRequest(context.Background(), "GET", "/hubs/scheduling/appointments/1", nil, elements.WithElementToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(req, nil)
	var re *elements.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("Do: %v, want a *RequestError", err)
	}
	holders := map[string]any{
		"*RequestError":           re,
		"RequestError":            *re,
		"struct{RequestError}":    struct{ E elements.RequestError }{*re},
		"*struct{RequestError}":   &struct{ E elements.RequestError }{*re},
		"[]elements.RequestError": []elements.RequestError{*re},
	}
	for name, v := range holders {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			assertNoSecret(t, name+" printed with "+verb, fmt.Sprintf(verb, v))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "err", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "err", v)
		assertNoSecret(t, name+" in a slog text log", text.String())
		assertNoSecret(t, name+" in a slog JSON log", js.String())
	}
	if got := fmt.Sprint(*re); !strings.Contains(got, "proxy refused [REDACTED]") {
		t.Errorf("RequestError by value prints %q, want its redacted Error text", got)
	}
}
