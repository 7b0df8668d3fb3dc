package elements

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/elementsgo/elements/internal/redact"
	"github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this SDK, sent in the User-Agent header.
const Version = "0.1.0"

// Base URLs of the platform's hosts. All of them serve the same API; pick
// the one your account lives on with [WithBaseURL].
const (
	BaseURLCloudElementsUS      = "https://api.cloud-elements.com/elements/api-v2"
	BaseURLCloudElementsEU      = "https://api.cloud-elements.co.uk/elements/api-v2"
	BaseURLCloudElementsStaging = "https://staging.cloud-elements.com/elements/api-v2"
	BaseURLOpenConnectorsUS2    = "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2"
	BaseURLOpenConnectorsEU10   = "https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2"

	// DefaultBaseURL is the host a Client talks to without WithBaseURL.
	DefaultBaseURL = BaseURLCloudElementsUS
)

// Retry defaults, used unless WithRetry is given.
const (
	DefaultMaxRetries = 3
	DefaultMinWait    = 500 * time.Millisecond
	DefaultMaxWait    = 30 * time.Second
)

const defaultUserAgent = "elements-go/" + Version

// Client talks to the platform's REST API. Create it with [NewClient]; it is
// safe for concurrent use. Its secrets never appear in its printed form.
type Client struct {
	// Instances manages element instances (the /instances API).
	Instances *InstancesService
	// Deliveries shows and releases what the platform holds when event
	// deliveries fail: the failure policy, the queued deliveries of a
	// callback URL, redelivery after an outage.
	Deliveries *DeliveriesService

	baseURL    *url.URL
	base       string // baseURL.String(), computed once
	httpClient *http.Client
	userSecret string
	orgSecret  string
	userAgent  string
	logger     *slog.Logger

	maxRetries int
	minWait    time.Duration
	maxWait    time.Duration

	maxAnswer int64 // MaxResponseBytes; smaller in tests

	limiter       Limiter       // paces requests per account (limiter.go)
	rateLimitWait time.Duration // WithRateLimitWait (pacing.go)
	paceWait      time.Duration // WithPaceWait (pacing.go)

	// The retrying clients, built once in NewClient (retryablehttp.Client is
	// safe for concurrent use): retry for requests that may be repeated,
	// retryOnce for those that must not be once they may have been sent.
	// Both send each attempt through sender, whose Transport (pacer) paces
	// it, sends it with httpClient and waits out 429 answers.
	retry, retryOnce *retryablehttp.Client
	sender           *http.Client
}

// NewClient returns a client that authenticates with the organization's
// user secret and organization secret (Authorization: User …, Organization …).
// Without options it talks to [DefaultBaseURL] through an http.Client with a
// 60-second timeout per attempt and a connection pool of its own (a clone of
// http.DefaultTransport, so that closing its idle connections after a failed
// call touches no other code's connections), retries with
// [DefaultMaxRetries], [DefaultMinWait] and [DefaultMaxWait], waits out
// 429 answers for up to [DefaultRateLimitWait], paces the requests to each
// account (instance token) in-process with a [MemoryLimiter] of its own
// (see [Limiter]; for several replicas use the redislimit module), and
// logs nothing.
//
// Each secret must be at least 4 characters long, printable, without spaces
// or commas, as the platform issues them; NewClient rejects anything else
// with an error that names the secret, never its value. (The minimum lets
// the client redact the secrets from every error and log: a shorter
// "secret" is a truncated or placeholder value anyway.) It checks the
// options too: a value it cannot use is the error, naming the option (every
// such option, joined, when there are several).
func NewClient(userSecret, organizationSecret string, opts ...Option) (*Client, error) {
	if err := checkSecret("user secret", userSecret); err != nil {
		return nil, err
	}
	if err := checkSecret("organization secret", organizationSecret); err != nil {
		return nil, err
	}
	o := options{baseURL: DefaultBaseURL, maxRetries: DefaultMaxRetries, minWait: DefaultMinWait, maxWait: DefaultMaxWait,
		rateLimitWait: DefaultRateLimitWait}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	base, err := o.check()
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:    base,
		base:       base.String(),
		httpClient: o.httpClient,
		userSecret: userSecret,
		orgSecret:  organizationSecret,
		userAgent:  defaultUserAgent,
		logger:     o.logger,
		maxRetries: o.maxRetries,
		minWait:    o.minWait,
		maxWait:    o.maxWait,
		maxAnswer:  MaxResponseBytes,

		limiter:       o.limiter,
		rateLimitWait: o.rateLimitWait,
		paceWait:      o.paceWait,
	}
	if o.given.product {
		c.userAgent = strings.TrimSpace(o.product) + " " + defaultUserAgent
	}
	if c.httpClient == nil {
		var transport http.RoundTripper // http.DefaultTransport, if it is not an *http.Transport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			transport = t.Clone()
		}
		c.httpClient = &http.Client{Timeout: 60 * time.Second, Transport: transport}
	}
	if c.limiter == nil {
		c.limiter = NewMemoryLimiter(DefaultRequestInterval, DefaultConcurrentRequests)
	}
	c.httpClient = withoutRedirects(c.httpClient, func(r *http.Request) redactor { return c.redactorFor(r, callOptions{}) }) // a copy: the caller's stays as it is
	c.sender = &http.Client{Transport: pacer{c}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // c.httpClient refused it already
	}}
	c.retry = c.newRetrier(true)
	c.retryOnce = c.newRetrier(false)
	c.Instances = &InstancesService{client: c}
	c.Deliveries = &DeliveriesService{client: c}
	return c, nil
}

// checkSecret rejects empty secrets, ones too short to be redacted from
// errors and logs, and ones that cannot go in a header. The message names
// the secret, never its value.
func checkSecret(name, s string) error {
	if s == "" {
		return fmt.Errorf("elements: the %s is empty", name)
	}
	if len(s) < minSecretLen {
		return fmt.Errorf("elements: the %s is shorter than %d characters; pass the whole value the platform issued", name, minSecretLen)
	}
	for _, r := range s {
		if r < 0x21 || r == 0x7f || r == ',' {
			return fmt.Errorf("elements: the %s contains whitespace, a comma or a control character", name)
		}
	}
	return nil
}

// BaseURL returns the base URL the client sends requests to, without a
// trailing slash.
func (c *Client) BaseURL() string { return c.base }

// String describes the client without its secrets.
func (c Client) String() string {
	return fmt.Sprintf("elements.Client{BaseURL: %s, UserSecret: %s, OrganizationSecret: %s}",
		c.baseURL, redact.Mask(c.userSecret), redact.Mask(c.orgSecret))
}

// GoString is like String, so %#v does not print the secrets either.
func (c Client) GoString() string { return c.String() }

// Format prints the redacted form for every verb.
func (c Client) Format(f fmt.State, verb rune) { redact.Format(f, verb, c) }

// LogValue makes slog print the base URL and whether the secrets are set,
// never the secrets.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("baseURL", c.base),
		slog.String("userSecret", redact.Mask(c.userSecret)), slog.String("organizationSecret", redact.Mask(c.orgSecret)))
}

// newRetrier returns a retrying client with the client's policy, for
// requests that may (repeatable) or may not be repeated once sent.
func (c *Client) newRetrier(repeatable bool) *retryablehttp.Client {
	rc := &retryablehttp.Client{
		HTTPClient:   c.sender,
		RetryMax:     c.maxRetries,
		RetryWaitMin: c.minWait,
		RetryWaitMax: c.maxWait,
		CheckRetry:   retryPolicy(repeatable),
		Backoff:      backoff,
		ErrorHandler: lastResponse,
	}
	if c.logger != nil {
		rc.RequestLogHook = c.logAttempt
		rc.ResponseLogHook = c.logAnswer
	}
	return rc
}
