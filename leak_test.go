package elements_test

// The leak sweep: drive the client, the webhook handler (every failure
// status), the acuity helpers and the quickstart's flow with capturing slog
// loggers (text and JSON, debug level), collect every error string (Error,
// %v, %+v, %#v) and printed value, and check that no user secret,
// organization secret, instance token, signing key, OAuth client secret,
// authorization code, Acuity API key or signature appears anywhere, raw or
// URL-escaped.
//
// The quickstart (examples/quickstart) is package main, which a test cannot
// import; its flow is replayed here step by step through the same public
// API (OAuth URL, consent, Create, signed Acuity webhook, routed event), with
// loggers attached that the quickstart itself does not set.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elementsgo/elements"
	"github.com/elementsgo/elements/acuity"
	"github.com/elementsgo/elements/elementstest"
	"github.com/elementsgo/elements/internal/paging"
	"github.com/elementsgo/elements/webhook"
)

// Secrets with characters that URL-escape, so escaped forms are checked too.
const (
	leakUser      = "leak-user+Secret/01"
	leakOrg       = "leak-org=Secret&02"
	leakSigning   = "leak-signing key/03"
	leakClientSec = "leak-client+secret/04"
	leakAcuityKey = "leak-acuity-api-key-05"
	leakClientID  = "leak-client-id"
	leakState     = "leak-state"
)

// sweep collects everything the SDK said.
type sweep struct {
	mu      sync.Mutex
	log     bytes.Buffer
	texts   []string
	secrets []string
}

func (s *sweep) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Write(p)
}

// err records an error in every printed form; nil is recorded as nothing.
func (s *sweep) err(what string, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, what+": "+err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	var apiErr *elements.APIError
	if errors.As(err, &apiErr) {
		s.texts = append(s.texts, fmt.Sprintf("%+v", *apiErr))
	}
}

// value records a value's printed forms.
func (s *sweep) value(v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v))
}

func (s *sweep) secret(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, v)
}

func (s *sweep) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	all := append([]string{s.log.String()}, s.texts...)
	for _, secret := range s.secrets {
		for name, form := range elements.SecretForms(secret) {
			for _, text := range all {
				if i := strings.Index(text, form); i >= 0 {
					t.Errorf("secret %q (%s) appears in: ...%s...", secret, name, text[max(0, i-150):min(len(text), i+len(form)+50)])
				}
			}
		}
	}
}

func TestLeakSweep(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := &sweep{secrets: []string{leakUser, leakOrg, leakSigning, leakClientSec, leakAcuityKey}}
			opts := &slog.HandlerOptions{Level: slog.LevelDebug}
			var h slog.Handler = slog.NewTextHandler(s, opts)
			if format == "json" {
				h = slog.NewJSONHandler(s, opts)
			}
			logger := slog.New(h)

			leakQuickstartFlow(t, s, logger)
			leakClientCalls(t, s, logger)
			leakHostilePlatform(t, s, logger)
			leakHandler(t, s, logger)
			leakAcuity(t, s, logger)

			// The sweep saw something: retries and rejections were logged
			// and many errors were collected.
			s.mu.Lock()
			logText, nTexts := s.log.String(), len(s.texts)
			s.mu.Unlock()
			for _, want := range []string{"retrying request", "webhook: callback not accepted", "notification handled", "stack"} {
				if !strings.Contains(logText, want) {
					t.Errorf("the %s log has no %q record: the sweep missed a path", format, want)
				}
			}
			if nTexts < 200 {
				t.Errorf("only %d texts collected", nTexts)
			}
			s.check(t)
		})
	}
}

// leakQuickstartFlow replays examples/quickstart through the public API
// with loggers attached: OAuth URL, consent, Create, a signed Acuity webhook,
// the routed event.
func leakQuickstartFlow(t *testing.T, s *sweep, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	platform := elementstest.NewServer(elementstest.WithIssuedCodesOnly(), elementstest.WithCredentials(leakUser, leakOrg))
	defer platform.Close()

	got := make(chan webhook.Event, 1)
	handler := &webhook.Handler{SigningKeys: []string{leakSigning}, Logger: logger,
		OnError: func(_ *http.Request, err error) { s.err("OnError", err) }}
	handler.Handle(acuity.ElementKey, acuity.ObjectAppointments, webhook.EventCreated,
		func(_ context.Context, n *webhook.Notification, e webhook.Event) error {
			s.value(n)
			select {
			case got <- e:
			default:
			}
			return nil
		})
	codes := make(chan string, 1)
	mux := http.NewServeMux()
	mux.Handle("/events", handler)
	mux.HandleFunc("/oauth/callback", func(w http.ResponseWriter, r *http.Request) {
		if _, err := acuity.CodeFromRedirect(r, "wrong-state"); err != nil {
			s.err("CodeFromRedirect with the wrong state", err)
		}
		code, err := acuity.CodeFromRedirect(r, leakState)
		if err != nil {
			http.Error(w, "authorization failed", http.StatusBadRequest)
			return
		}
		s.secret(code)
		codes <- code
	})
	app := httptest.NewServer(mux)
	defer app.Close()

	client, err := elements.NewClient(leakUser, leakOrg, elements.WithBaseURL(platform.URL), elements.WithLogger(logger),
		elements.WithRetry(3, time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s.value(client)
	redirect := app.URL + "/oauth/callback"
	p := &elements.OAuthURLParams{APIKey: leakClientID, APISecret: leakClientSec, CallbackURL: redirect, State: leakState}
	s.value(p)
	platform.FailNext(1, http.StatusTooManyRequests) // a retry gets logged
	consent, err := client.Instances.OAuthURL(ctx, acuity.ElementKey, p)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(consent)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code := <-codes
	params := acuity.InstanceParams{Code: code, ClientID: leakClientID, ClientSecret: leakClientSec, RedirectURI: redirect,
		EventCallbackURL: app.URL + "/events", SignatureKey: leakSigning, Name: "leak"}
	s.value(params)
	req, err := acuity.NewInstanceRequest(params)
	if err != nil {
		t.Fatal(err)
	}
	s.value(req)
	logger.Info("creating", "request", req, "params", params)
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s.secret(inst.Token)
	s.value(inst)
	logger.Info("created", "instance", inst)

	// The code is single-use: a second Create is refused, with the code in
	// the request body.
	_, err = client.Instances.Create(ctx, req)
	s.err("second Create with a used code", err)

	if err := platform.SetAcuityAPIKey(inst.ID, leakAcuityKey); err != nil {
		t.Fatal(err)
	}
	hook, sig := elementstest.AcuityWebhook(leakAcuityKey, acuity.Webhook{Action: acuity.ActionScheduled, ID: 8801, CalendarID: 12, AppointmentTypeID: 3})
	s.secret(sig)
	wr, err := http.NewRequestWithContext(ctx, http.MethodPost, acuity.WebhookURL(platform.URL, inst.ID), bytes.NewReader(hook))
	if err != nil {
		t.Fatal(err)
	}
	wr.Header.Set(acuity.SignatureHeader, sig)
	resp, err = http.DefaultClient.Do(wr)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case e := <-got:
		s.value(e)
	case <-ctx.Done():
		t.Fatal("the event never reached the handler")
	}
	ds, err := platform.WaitForDeliveries(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.secret(ds[0].Signature)
}

// leakClientCalls runs every client call against the fake, with failures
// injected so errors and retries are logged.
func leakClientCalls(t *testing.T, s *sweep, logger *slog.Logger) {
	ctx := context.Background()
	for _, bad := range [][2]string{{"", leakOrg}, {leakUser, ""}, {leakUser + " x", leakOrg}, {leakUser, leakOrg + ",y"}} {
		_, err := elements.NewClient(bad[0], bad[1])
		s.err("NewClient", err)
	}
	for _, base := range []string{"https://x:" + leakUser + "@host.example", "https://x:" + leakUser + " @host.example", "ftp://" + leakOrg} {
		_, err := elements.NewClient(leakUser, leakOrg, elements.WithBaseURL(base))
		if err == nil {
			t.Errorf("WithBaseURL(%q) accepted", base)
		}
		s.err("NewClient WithBaseURL", err)
	}

	platform := elementstest.NewServer(elementstest.WithCredentials(leakUser, leakOrg))
	defer platform.Close()
	client, err := elements.NewClient(leakUser, leakOrg, elements.WithBaseURL(platform.URL), elements.WithLogger(logger),
		elements.WithRetry(2, time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := elements.NewClient(leakUser+"x", leakOrg+"y", elements.WithBaseURL(platform.URL), elements.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	s.secret(leakUser + "x")
	s.secret(leakOrg + "y")
	_, err = wrong.Instances.List(ctx, nil)
	s.err("List with wrong secrets (401)", err)

	req := acuityRequest(t, "leak-calls")
	req.ProviderData.Code = "leak-auth-code-06"
	req.Configuration.OAuthAPISecret = leakClientSec
	req.Configuration.EventSignatureKey = leakSigning
	s.secret(req.ProviderData.Code)
	s.secret("client-secret") // acuityRequest's
	s.secret("sig-key")
	platform.FailNext(1, http.StatusServiceUnavailable)
	_, err = client.Instances.Create(ctx, req)
	s.err("Create 503", err)
	platform.DropNext(1)
	_, err = client.Instances.Create(ctx, req)
	s.err("Create dropped", err)
	inst, err := client.Instances.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s.secret(inst.Token)
	s.value(inst)

	platform.FailNext(5, http.StatusServiceUnavailable)
	_, err = client.Instances.Get(ctx, inst.ID)
	s.err("Get 503 burst", err)
	platform.DropNext(5)
	_, err = client.Instances.List(ctx, &elements.ListOptions{Tags: []string{"x"}})
	s.err("List dropped", err)
	_, err = client.Instances.Update(ctx, inst.ID, &elements.InstanceRequest{Name: "renamed", Configuration: elements.Configuration{EventSignatureKey: leakSigning}})
	s.err("Update", err)
	_, err = client.Instances.Reauthenticate(ctx, inst.ID, req)
	s.err("Reauthenticate", err)
	cfg, err := client.Instances.Configuration(ctx, inst.ID)
	s.err("Configuration", err)
	for _, e := range cfg {
		s.value(e)
		if e.Key == "event.notification.signature.key" && e.ID > 0 {
			platform.FailNext(1, http.StatusTooManyRequests)
			_, err := client.Instances.UpdateConfiguration(ctx, inst.ID, e.ID, leakSigning)
			s.err("UpdateConfiguration", err)
		}
	}
	_, err = paging.Collect(client.Instances.Events(ctx, inst.ID, nil))
	s.err("Events", err)
	_, err = acuity.GetAppointment(ctx, client, inst.Token, 1)
	s.err("GetAppointment", err)
	platform.SetLatency(time.Hour)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = client.Instances.Get(dctx, inst.ID)
	cancel()
	s.err("Get past the deadline", err)
	platform.SetLatency(0)
	s.err("Delete", client.Instances.Delete(ctx, inst.ID))
	_, err = client.Instances.Get(ctx, inst.ID)
	s.err("Get after Delete", err)
}

// leakHostilePlatform points the client at a server that echoes the
// Authorization header, the query and the body back in its answers (body
// and headers), raw and in every encoding of EchoEncodings, so every secret
// the client sent is offered back to the error path.
func leakHostilePlatform(t *testing.T, s *sweep, logger *slog.Logger) {
	ctx := context.Background()
	type echoing struct{ mode, encoding string }
	var echoes []echoing
	for _, mode := range []string{"json", "html", "text", "badjson", "429"} {
		echoes = append(echoes, echoing{mode, "raw"})
	}
	for encoding := range elements.EchoEncodings {
		if encoding != "raw" {
			echoes = append(echoes, echoing{"json", encoding}, echoing{"text", encoding})
		}
	}
	for _, e := range echoes {
		mode, enc := e.mode, elements.EchoEncodings[e.encoding]
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			all := enc(r.Header.Get("Authorization") + " " + r.URL.RawQuery + " " + string(body))
			w.Header().Set("Elements-Request-Id", enc(r.Header.Get("Authorization")))
			w.Header().Set("X-Echo", all)
			switch mode {
			case "json", "429":
				b, _ := json.Marshal(map[string]string{"message": all, "providerMessage": all, "requestId": all})
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "0")
				status := http.StatusInternalServerError
				if mode == "429" {
					status = http.StatusTooManyRequests
				}
				w.WriteHeader(status)
				w.Write(b)
			case "html":
				w.WriteHeader(http.StatusBadGateway)
				fmt.Fprintf(w, "<html><head><title>%s</title></head><body>%s</body></html>", all, all)
			case "text":
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, all)
			case "badjson":
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"id": "%s`, all)
			}
		}))
		client, err := elements.NewClient(leakUser, leakOrg, elements.WithBaseURL(echo.URL), elements.WithLogger(logger),
			elements.WithRetry(1, 0, time.Millisecond), elements.WithRateLimitWait(5*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		req := acuityRequest(t, "hostile")
		req.ProviderData.Code = "leak-auth-code-07"
		req.Configuration.OAuthAPISecret = leakClientSec
		req.Configuration.EventSignatureKey = leakSigning
		s.secret(req.ProviderData.Code)
		_, err = client.Instances.Create(ctx, req)
		s.err(mode+" "+e.encoding+" Create", err)
		_, err = client.Instances.Reauthenticate(ctx, 5, req)
		s.err(mode+" "+e.encoding+" Reauthenticate", err)
		_, err = client.Instances.OAuthURL(ctx, acuity.ElementKey, &elements.OAuthURLParams{APIKey: leakClientID, APISecret: leakClientSec, CallbackURL: "https://app.example/cb"})
		s.err(mode+" "+e.encoding+" OAuthURL", err)
		_, err = client.Instances.UpdateConfiguration(ctx, 5, 6, leakSigning)
		s.err(mode+" "+e.encoding+" UpdateConfiguration", err)
		_, err = acuity.GetAppointment(ctx, client, "leak-instance-token-08", 9)
		s.secret("leak-instance-token-08")
		s.err(mode+" "+e.encoding+" GetAppointment", err)
		echo.Close()
	}
}

// leakHandler makes the handler answer every failure status, with a logger
// and an error hook.
func leakHandler(t *testing.T, s *sweep, logger *slog.Logger) {
	body := []byte(`{"message":{"elementKey":"acuityscheduling","eventId":"ev-1","instanceId":1,"events":[{"elementKey":"acuityscheduling","eventType":"CREATED","objectId":"1","objectType":"appointments","date":"2026-11-24T07:00:00Z"}]}}`)
	sig := webhook.Sign(leakSigning, body)
	s.secret(sig)
	s.secret(strings.TrimPrefix(sig, "sha256="))
	onError := func(_ *http.Request, err error) { s.err("OnError", err) }
	fail := errors.New("host: database unavailable")

	serve := func(h *webhook.Handler, method string, body []byte, header string) int {
		r := httptest.NewRequest(method, "/events", bytes.NewReader(body))
		if header != "" {
			r.Header.Set(webhook.SignatureHeader, header)
		}
		r.Header.Set(webhook.IDHeader, "wh-1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		s.mu.Lock()
		s.texts = append(s.texts, w.Body.String(), fmt.Sprint(w.Header()))
		s.mu.Unlock()
		return w.Code
	}
	ok := func(context.Context, *webhook.Notification) error { return nil }
	base := func() *webhook.Handler {
		return &webhook.Handler{SigningKeys: []string{"leak-old-key-09", leakSigning}, Logger: logger, OnError: onError,
			OnNotification: ok, MaxBodyBytes: 4096}
	}
	s.secret("leak-old-key-09")

	statuses := map[int]bool{}
	h := base()
	s.value(h)
	logger.Info("handler", "h", h)
	statuses[serve(h, http.MethodGet, nil, "")] = true
	statuses[serve(h, http.MethodPost, body, "")] = true
	statuses[serve(h, http.MethodPost, body, webhook.Sign("wrong-key", body))] = true
	statuses[serve(h, http.MethodPost, body, strings.Replace(sig, "sha256=", "sha1=", 1))] = true
	statuses[serve(h, http.MethodPost, bytes.Repeat([]byte("x"), 5000), "")] = true
	statuses[serve(h, http.MethodPost, []byte(`{"message":1}`), webhook.Sign(leakSigning, []byte(`{"message":1}`)))] = true
	statuses[serve(h, http.MethodPost, body, sig)] = true
	statuses[serve(&webhook.Handler{Logger: logger, OnError: onError, OnNotification: ok}, http.MethodPost, body, sig)] = true
	statuses[serve(&webhook.Handler{SigningKeys: []string{leakSigning, ""}, Logger: logger, OnError: onError, OnNotification: ok}, http.MethodPost, body, sig)] = true

	h = base()
	h.OnNotification = func(context.Context, *webhook.Notification) error { return fail }
	statuses[serve(h, http.MethodPost, body, sig)] = true
	h.OnNotification = func(context.Context, *webhook.Notification) error { panic("host bug") }
	statuses[serve(h, http.MethodPost, body, sig)] = true

	h = base()
	h.Deduplicator = leakDedup{}
	statuses[serve(h, http.MethodPost, body, sig)] = true // claim fails: 500
	inflight := []byte(strings.Replace(string(body), "ev-1", "inflight", 1))
	statuses[serve(h, http.MethodPost, inflight, webhook.Sign(leakSigning, inflight))] = true
	done := []byte(strings.Replace(string(body), "ev-1", "done", 1))
	statuses[serve(h, http.MethodPost, done, webhook.Sign(leakSigning, done))] = true

	for _, want := range []int{200, 400, 401, 405, 409, 413, 500} {
		if !statuses[want] {
			t.Errorf("the handler never answered %d in the sweep", want)
		}
	}
}

// leakDedup claims "inflight" as in flight, "done" as done, and fails for
// anything else.
type leakDedup struct{}

func (leakDedup) Claim(_ context.Context, key string) (webhook.DedupState, error) {
	switch key {
	case "event:1:inflight":
		return webhook.DedupInFlight, nil
	case "event:1:done":
		return webhook.DedupDone, nil
	}
	return 0, errors.New("store unavailable")
}
func (leakDedup) Done(context.Context, string) error    { return nil }
func (leakDedup) Release(context.Context, string) error { return nil }

// leakAcuity drives the acuity helpers' error paths.
func leakAcuity(t *testing.T, s *sweep, logger *slog.Logger) {
	body, good := elementstest.AcuityWebhook(leakAcuityKey, acuity.Webhook{Action: acuity.ActionScheduled, ID: 1, CalendarID: 2, AppointmentTypeID: 3})
	s.secret(good)
	for _, sig := range []string{"", "not base64!", elementstest.SignAcuity("other-key", body), good[:10]} {
		s.err("acuity.VerifySignature", acuity.VerifySignature(body, sig, leakAcuityKey))
	}
	s.err("acuity.VerifySignature no key", acuity.VerifySignature(body, good, ""))
	for _, b := range [][]byte{nil, []byte("action=scheduled&id=x"), []byte("action=nope&id=1"), []byte("%zz")} {
		_, err := acuity.ParseWebhook(b)
		s.err("acuity.ParseWebhook", err)
	}
	full := acuity.InstanceParams{Code: "leak-auth-code-10", ClientID: leakClientID, ClientSecret: leakClientSec,
		RedirectURI: "https://app.example/cb", EventCallbackURL: "https://app.example/events", SignatureKey: leakSigning, Name: "n"}
	s.secret(full.Code)
	s.value(full)
	logger.Info("params", "p", full, "ptr", &full)
	for _, mutate := range []func(*acuity.InstanceParams){
		func(p *acuity.InstanceParams) { p.Code = "" },
		func(p *acuity.InstanceParams) { p.ClientID = "" },
		func(p *acuity.InstanceParams) { p.RedirectURI = "not a url " + p.ClientSecret },
		func(p *acuity.InstanceParams) { p.EventCallbackURL = "ftp://" + p.SignatureKey },
		func(p *acuity.InstanceParams) { p.Name = "" },
	} {
		p := full
		mutate(&p)
		_, err := acuity.NewInstanceRequest(p)
		s.err("acuity.NewInstanceRequest", err)
	}
	for _, q := range []string{
		"code=leak-auth-code-10&state=other",
		"code=leak-auth-code-10",
		"error=access_denied&error_description=denied&code=leak-auth-code-10&state=" + leakState,
		"state=" + leakState,
	} {
		r := httptest.NewRequest(http.MethodGet, "/cb?"+q, nil)
		_, err := acuity.CodeFromRedirect(r, leakState)
		s.err("acuity.CodeFromRedirect", err)
	}
	s.value(acuity.OAuthConfig(leakClientID, leakClientSec, "https://app.example/cb").AuthCodeURL(leakState))
}

// Regression tests for the two leaks the sweep found: %#v of a
// *RequestError printed its redaction list, and APIError.Header kept a
// secret the server echoed in a header.
func TestErrorsRedactGoSyntaxAndHeaders(t *testing.T) {
	t.Parallel()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.Header().Set("Retry-After", "7")
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer echo.Close()
	c, err := elements.NewClient(leakUser, leakOrg, elements.WithBaseURL(echo.URL), elements.WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Instances.Get(context.Background(), 1)
	var apiErr *elements.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	if got := apiErr.Header.Get("X-Echo"); strings.Contains(got, leakUser) || !strings.Contains(got, "[REDACTED]") {
		t.Errorf("APIError.Header X-Echo = %q, want the secrets redacted", got)
	}
	if got := apiErr.Header.Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After = %q, want it kept", got)
	}

	echo.Close() // now every call fails in transport
	_, err = c.Instances.Get(context.Background(), 1)
	var reqErr *elements.RequestError
	if !errors.As(err, &reqErr) {
		t.Fatalf("err = %v, want *RequestError", err)
	}
	for _, form := range []string{fmt.Sprintf("%#v", reqErr), fmt.Sprintf("%+v", reqErr), fmt.Sprintf("%v", reqErr)} {
		if strings.Contains(form, leakUser) || strings.Contains(form, leakOrg) {
			t.Errorf("printed *RequestError holds a secret: %s", form)
		}
	}
	if got := fmt.Sprintf("%#v", reqErr); !strings.HasPrefix(got, "&elements.RequestError{Method:\"GET\"") {
		t.Errorf("%%#v = %s, want the Go-syntax form", got)
	}
}
