package elements

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/elementsgo/elements/internal/paging"
	"github.com/elementsgo/elements/internal/redact"
)

// InstancesService manages element instances: the platform's /instances
// API. Get it from Client.Instances.
type InstancesService struct {
	client *Client
}

func instancePath(id int64) (string, error) {
	if id <= 0 {
		return "", fmt.Errorf("elements: instance id must be positive, got %d", id)
	}
	return "/instances/" + strconv.FormatInt(id, 10), nil
}

// Create creates (authenticates) an instance: POST /instances with the
// request as its JSON body. It answers the new instance with its ID and
// Token. Create is never retried once the request may have reached the
// platform (only on 429 and connection failures before sending), so an
// instance is not created twice.
func (s *InstancesService) Create(ctx context.Context, req *InstanceRequest) (*Instance, error) {
	if req == nil {
		return nil, errors.New("elements: Create: nil *InstanceRequest")
	}
	if req.Element.IsZero() {
		return nil, errors.New("elements: Create: InstanceRequest.Element needs a Key or an ID")
	}
	inst, err := s.send(ctx, http.MethodPost, "/instances", req, false)
	if err != nil {
		if errors.Is(err, ErrInvalidResponse) {
			return nil, fmt.Errorf("%w (the instance may have been created: check List before retrying)", err)
		}
		return nil, err
	}
	return inst, nil
}

// Get returns one instance: GET /instances/{id}. A missing instance is an
// *APIError matching ErrNotFound.
func (s *InstancesService) Get(ctx context.Context, id int64) (*Instance, error) {
	path, err := instancePath(id)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, http.MethodGet, path, nil, false)
}

// ListOptions filters and pages InstancesService.List and All.
type ListOptions struct {
	// Tags keeps instances carrying these tags (tags[] in the query).
	Tags []string
	// SearchText keeps instances whose name matches.
	SearchText string
	// SkipHydrate sends hydrate=false: a lighter answer without the
	// element's full details.
	SkipHydrate bool
	// PageSize is the number of instances per request (pageSize); 0 leaves
	// the platform's default. It changes how many requests a listing takes,
	// not what it returns.
	PageSize int
	// NextPage starts the listing at the page this token names (nextPage):
	// an Elements-Next-Page-Token from an earlier answer ([Response]
	// NextPageToken). Empty starts at the first page.
	NextPage string
}

// List returns the organization's instances, every page of them: GET
// /instances, page after page by the platform's rule (see All). The
// platform's 404 "No instances found" is an empty list, not an error.
func (s *InstancesService) List(ctx context.Context, opts *ListOptions) ([]*Instance, error) {
	out, err := paging.Collect(s.All(ctx, opts))
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*Instance{}
	}
	return out, nil
}

// All returns the organization's instances (GET /instances) as a sequence
// read page by page as the caller ranges over it: a page is fetched only
// when the caller asks for the instance after the last one of the page
// before, and breaking out of the loop fetches nothing more. It ends by the
// platform's paging rule: a page without an Elements-Next-Page-Token, an
// empty page, or a token it was given before (the platform sends a token on
// the last page too; the last 1024 tokens are remembered, as digests): a
// listing that never ends by itself ends when the caller breaks out of the
// loop or ctx ends. A 404 "No instances found" is an empty sequence. An
// error (an *APIError, a failed request, the end of ctx, a page with a null
// element, which wraps ErrInvalidResponse) is yielded once as (nil, err)
// and ends the sequence. Each range starts again from the first page (or
// opts.NextPage); a [Pager] over "/instances" resumes instead.
func (s *InstancesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[*Instance, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	for _, t := range o.Tags {
		q.Add("tags[]", t)
	}
	if o.SearchText != "" {
		q.Set("searchText", o.SearchText)
	}
	if o.SkipHydrate {
		q.Set("hydrate", "false")
	}
	return func(yield func(*Instance, error) bool) {
		newPager(s.client, "/instances", q, o.PageSize, o.NextPage, instanceFromWire).All(ctx)(yield)
	}
}

// instanceFromWire converts a listed instance.
func instanceFromWire(w *instanceWire) (*Instance, error) {
	inst := new(Instance)
	return inst, w.instance(inst)
}

// Update changes an instance in part: PATCH /instances/{id}. Only the
// non-empty fields of req are sent, typically Name, Tags (which replace the
// instance's tags) and Configuration entries.
func (s *InstancesService) Update(ctx context.Context, id int64, req *InstanceRequest) (*Instance, error) {
	return s.sendBody(ctx, "Update", http.MethodPatch, id, "", req, false)
}

// Replace updates the whole instance: PUT /instances/{id}.
func (s *InstancesService) Replace(ctx context.Context, id int64, req *InstanceRequest) (*Instance, error) {
	return s.sendBody(ctx, "Replace", http.MethodPut, id, "", req, false)
}

// Reauthenticate replaces the instance and re-runs the OAuth exchange with
// a new authorization code: PUT /instances/{id}?reAuthenticate=true.
// req.ProviderData.Code must hold the new code. As the code is single-use,
// this PUT is retried only like a POST (on 429 and failures before sending).
//
// The PUT replaces the whole instance: req must carry every configuration
// value the instance keeps (the signing key above all) and its tags, or they
// are dropped. Build req from what the application stored when it created
// the instance (for Acuity, acuity.ReauthRequest), never from what Get
// returned: the platform masks secrets there, and a request carrying
// [MaskedValue] fails with an error wrapping [ErrMaskedValue] before
// anything is sent (so do Create, Update and Replace). A 401 from a call
// scoped to the instance (errors.Is(err, ErrUnauthorized)) is the usual
// reason to re-authenticate.
func (s *InstancesService) Reauthenticate(ctx context.Context, id int64, req *InstanceRequest) (*Instance, error) {
	if req != nil && req.ProviderData.Code == "" {
		return nil, errors.New("elements: Reauthenticate: InstanceRequest.ProviderData.Code (the new authorization code) is empty")
	}
	return s.sendBody(ctx, "Reauthenticate", http.MethodPut, id, "?reAuthenticate=true", req, true)
}

func (s *InstancesService) sendBody(ctx context.Context, name, method string, id int64, query string, req *InstanceRequest, once bool) (*Instance, error) {
	if req == nil {
		return nil, fmt.Errorf("elements: %s: nil *InstanceRequest", name)
	}
	path, err := instancePath(id)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, method, path+query, req, once)
}

// send does one call answering an instance and checks the answer has an id.
// A body carrying MaskedValue is refused before anything is sent.
func (s *InstancesService) send(ctx context.Context, method, path string, body *InstanceRequest, once bool) (*Instance, error) {
	c := s.client
	o := callOptions{once: once}
	var b any // stays a nil interface without a body
	if body != nil {
		secrets, err := body.inspect()
		if err != nil {
			return nil, fmt.Errorf("elements: %s %s: %w", method, path, err)
		}
		o.secrets, b = secrets, body
	}
	req, err := c.NewRequest(ctx, method, path, b)
	if err != nil {
		return nil, err
	}
	var w instanceWire
	resp, err := c.do(req, &w, o)
	if err != nil {
		return nil, err
	}
	inst := new(Instance)
	if err := w.instance(inst); err != nil {
		return nil, c.failed(c.invalidAnswer(req, resp, o, err))
	}
	if inst.ID == 0 {
		return nil, c.failed(c.invalidAnswer(req, resp, o, errors.New("the answer has no instance id")))
	}
	return inst, nil
}

// Delete deletes an instance: DELETE /instances/{id}.
//
// DELETE is retried like the other idempotent calls, so when an attempt's
// answer is lost after the platform deleted the instance, the retry answers
// 404: an error matching [ErrNotFound] from Delete means the instance is
// gone, whether or not this call removed it.
func (s *InstancesService) Delete(ctx context.Context, id int64) error {
	return s.noContent(ctx, http.MethodDelete, id, "")
}

// Enable enables a disabled instance: PUT /instances/{id}/enabled.
func (s *InstancesService) Enable(ctx context.Context, id int64) error {
	return s.noContent(ctx, http.MethodPut, id, "/enabled")
}

// Disable disables an instance without deleting it: DELETE
// /instances/{id}/enabled.
func (s *InstancesService) Disable(ctx context.Context, id int64) error {
	return s.noContent(ctx, http.MethodDelete, id, "/enabled")
}

func (s *InstancesService) noContent(ctx context.Context, method string, id int64, suffix string) error {
	path, err := instancePath(id)
	if err != nil {
		return err
	}
	req, err := s.client.NewRequest(ctx, method, path+suffix, nil)
	if err != nil {
		return err
	}
	_, err = s.client.do(req, nil, callOptions{})
	return err
}

// Configuration returns the instance's configuration entries: GET
// /instances/{id}/configuration. Secret values come back masked.
func (s *InstancesService) Configuration(ctx context.Context, id int64) ([]*ConfigurationEntry, error) {
	path, err := instancePath(id)
	if err != nil {
		return nil, err
	}
	out, _, err := getList(ctx, s.client, path+"/configuration", func(w *configurationEntryWire) (*ConfigurationEntry, error) {
		return w.entry(), nil
	})
	return out, err
}

// UpdateConfiguration sets one configuration entry's value: PATCH
// /instances/{id}/configuration/{configID} with {"propertyValue": value}.
// The value is treated as a secret: it never appears in errors or logs.
// A value of [MaskedValue] fails with an error wrapping [ErrMaskedValue]
// before anything is sent.
func (s *InstancesService) UpdateConfiguration(ctx context.Context, id, configID int64, value string) (*ConfigurationEntry, error) {
	path, err := instancePath(id)
	if err != nil {
		return nil, err
	}
	if configID <= 0 {
		return nil, fmt.Errorf("elements: UpdateConfiguration: configuration id must be positive, got %d", configID)
	}
	if value == MaskedValue {
		return nil, fmt.Errorf("elements: UpdateConfiguration: %w: the value is the mask the platform answers, not a secret", ErrMaskedValue)
	}
	body := struct {
		PropertyValue string `json:"propertyValue"`
	}{value}
	req, err := s.client.NewRequest(ctx, http.MethodPatch, path+"/configuration/"+strconv.FormatInt(configID, 10), body)
	if err != nil {
		return nil, err
	}
	var w configurationEntryWire
	if _, err := s.client.do(req, &w, callOptions{secrets: []string{value}}); err != nil {
		return nil, err
	}
	return w.entry(), nil
}

// EventListOptions pages InstancesService.Events.
type EventListOptions struct {
	// PageSize is the number of events per request (pageSize); 0 leaves
	// the platform's default.
	PageSize int
	// NextPage starts at the page this token names (nextPage), an
	// Elements-Next-Page-Token from an earlier answer; empty starts at the
	// first page.
	NextPage string
}

// Events returns the log of notifications the platform handled for an
// instance (GET /instances/{id}/events), one [InstanceEvent] per
// notification, read page by page as the caller ranges, like
// [InstancesService.All]: a 404 "No events found" is an empty sequence, an
// error is yielded once as (nil, err) and ends it.
func (s *InstancesService) Events(ctx context.Context, id int64, opts *EventListOptions) iter.Seq2[*InstanceEvent, error] {
	path, err := instancePath(id)
	if err != nil {
		return paging.Err[InstanceEvent](err)
	}
	var o EventListOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(*InstanceEvent, error) bool) {
		NewPager[InstanceEvent](s.client, path+"/events", nil, o.PageSize, o.NextPage).All(ctx)(yield)
	}
}

// Event returns one recorded event: GET /instances/{id}/events/{eventID}.
func (s *InstancesService) Event(ctx context.Context, id int64, eventID string) (*InstanceEvent, error) {
	path, err := instancePath(id)
	if err != nil {
		return nil, err
	}
	if eventID == "" {
		return nil, errors.New("elements: Event: empty event id")
	}
	req, err := s.client.NewRequest(ctx, http.MethodGet, path+"/events/"+url.PathEscape(eventID), nil)
	if err != nil {
		return nil, err
	}
	ev := new(InstanceEvent)
	if _, err := s.client.do(req, ev, callOptions{}); err != nil {
		return nil, err
	}
	return ev, nil
}

// OAuthURLParams are the inputs of InstancesService.OAuthURL. APISecret is
// a secret: it never appears in printed output, errors or logs (the platform
// takes it in the query string, so it is redacted from URLs too).
type OAuthURLParams struct {
	APIKey      string // the OAuth client id (apiKey); required
	APISecret   string // the OAuth client secret (apiSecret); required
	CallbackURL string // the redirect URI (callbackUrl); required
	Scope       string // optional
	State       string // optional; checked on the redirect
	SiteAddress string // optional, for vendors with per-account hosts
}

// String prints the parameters with the secret redacted.
func (p OAuthURLParams) String() string {
	type plain OAuthURLParams
	c := plain(p)
	c.APISecret = redact.Mask(c.APISecret)
	return fmt.Sprintf("%+v", c)
}

// GoString is like String.
func (p OAuthURLParams) GoString() string { return "elements.OAuthURLParams" + p.String() }

// Format prints the redacted form for every verb.
func (p OAuthURLParams) Format(f fmt.State, verb rune) { redact.Format(f, verb, p) }

// LogValue makes slog print the parameters without the secret.
func (p OAuthURLParams) LogValue() slog.Value {
	return slog.GroupValue(slog.String("apiKey", p.APIKey), slog.String("apiSecret", redact.Mask(p.APISecret)),
		slog.String("callbackUrl", p.CallbackURL), slog.String("scope", p.Scope), slog.String("siteAddress", p.SiteAddress))
}

// OAuthURL asks the platform for the vendor's OAuth authorize URL: GET
// /elements/{elementKey}/oauth/url. Send the user's browser there; the
// vendor redirects back to CallbackURL with code and state (or error).
func (s *InstancesService) OAuthURL(ctx context.Context, elementKey string, p *OAuthURLParams) (string, error) {
	if elementKey == "" {
		return "", errors.New("elements: OAuthURL: empty element key")
	}
	if p == nil || p.APIKey == "" || p.APISecret == "" || p.CallbackURL == "" {
		return "", errors.New("elements: OAuthURL: APIKey, APISecret and CallbackURL are required")
	}
	if p.APIKey == MaskedValue || p.APISecret == MaskedValue {
		return "", fmt.Errorf("elements: OAuthURL: %w: APIKey or APISecret is the mask the platform answers", ErrMaskedValue)
	}
	q := url.Values{}
	q.Set("apiKey", p.APIKey)
	q.Set("apiSecret", p.APISecret)
	q.Set("callbackUrl", p.CallbackURL)
	for k, v := range map[string]string{"scope": p.Scope, "state": p.State, "siteAddress": p.SiteAddress} {
		if v != "" {
			q.Set(k, v)
		}
	}
	req, err := s.client.NewRequest(ctx, http.MethodGet, "/elements/"+url.PathEscape(elementKey)+"/oauth/url?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	var out struct {
		OAuthURL string `json:"oauthUrl"`
	}
	if _, err := s.client.do(req, &out, callOptions{secrets: []string{p.APISecret}}); err != nil {
		return "", err
	}
	u, err := url.Parse(out.OAuthURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("elements: GET %s: %w: oauthUrl is not an absolute http(s) URL", req.URL.EscapedPath(), ErrInvalidResponse)
	}
	return out.OAuthURL, nil
}
