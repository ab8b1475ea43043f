package agora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of a new Client; each can be changed with an Option.
const (
	defaultTimeout         = 10 * time.Second
	defaultRetries         = 3
	defaultRetryBase       = 200 * time.Millisecond
	defaultRatePerSecond   = 100 // facts §4.1: 100 calls/s per API and App Key
	defaultJoinedPerSecond = 50  // facts §4.1: joined groups of a user, 50 calls/s (majority of sources)
	defaultTokenTTL        = time.Hour
	defaultUserAgent       = "groupdesk"
	maxBackoff             = 5 * time.Second
	maxRetryAfter          = 10 * time.Second // a longer Retry-After is returned to the caller instead of waited for
	maxResponseBody        = 64 << 20         // detail of 100 groups × 10,000 members fits comfortably
	maxErrorBody           = 64 << 10
	maxDrain               = 64 << 10
	maxErrorBodyInMessage  = 120
)

// Config is what the client needs to reach one Agora Chat app. Build it from
// the console's "Project information" page. Config's String, GoString and
// Format never print the certificate or the token.
type Config struct {
	Host           string // base URL with scheme, e.g. "https://a41.chat.agora.io" (a trailing slash is fine)
	OrgName        string
	AppName        string
	AppID          string // with AppCertificate: the client builds and renews app tokens (preferred)
	AppCertificate string
	AppToken       string // alternatively a fixed app token
}

// Validate reports every problem with c, naming the setting at fault. The
// messages never contain the certificate or the token.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("agora: config: "+format, args...))
	}

	if err := validateHost(c.Host); err != nil {
		errs = append(errs, err)
	}
	for _, f := range []struct{ name, v string }{{"OrgName", c.OrgName}, {"AppName", c.AppName}} {
		switch {
		case f.v == "":
			add("%s is empty; copy it from the Agora console (project's Chat configuration)", f.name)
		case !isURLSafeName(f.v):
			add("%s %q may contain only letters, digits, '-', '_' and '.'", f.name, f.v)
		}
	}

	hasCert := c.AppID != "" || c.AppCertificate != ""
	switch {
	case hasCert && c.AppToken != "":
		add("set either AppID and AppCertificate, or AppToken, not both")
	case !hasCert && c.AppToken == "":
		add("no credentials: set AppID and AppCertificate (preferred), or AppToken")
	case hasCert:
		if c.AppID == "" {
			add("AppID is empty; it is needed together with AppCertificate")
		} else if err := ValidateAppID(c.AppID); err != nil {
			add("AppID: %s", strings.TrimPrefix(err.Error(), "agora: "))
		}
		if c.AppCertificate == "" {
			add("AppCertificate is empty; it is needed together with AppID")
		} else if err := ValidateAppCertificate(c.AppCertificate); err != nil {
			add("AppCertificate: %s", strings.TrimPrefix(err.Error(), "agora: "))
		}
	default:
		if strings.IndexFunc(c.AppToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			add("AppToken contains spaces or control characters (a stray newline?)")
		}
	}
	return errors.Join(errs...)
}

func validateHost(h string) error {
	const example = `e.g. "https://a41.chat.agora.io"`
	if h == "" {
		return fmt.Errorf("agora: config: Host is empty; set it to the app's REST API base URL, %s", example)
	}
	u, err := url.Parse(h)
	if err != nil {
		// url.Parse's message repeats the input; keep it out in case it holds credentials.
		return fmt.Errorf("agora: config: Host is not a valid URL; want %s", example)
	}
	if u.User != nil {
		return fmt.Errorf("agora: config: Host must not contain a user name or password")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("agora: config: Host %q must be an http:// or https:// URL with a host name, %s", h, example)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("agora: config: Host %q must not have a query or fragment", h)
	}
	return nil
}

// isURLSafeName reports whether s needs no escaping in a URL path and cannot
// be confused with the "{org}#{app}_" owner prefix separators.
func isURLSafeName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// String describes c with the certificate and token redacted.
func (c Config) String() string {
	return fmt.Sprintf("agora.Config{Host:%q, OrgName:%q, AppName:%q, AppID:%q, AppCertificate:%s, AppToken:%s}",
		c.Host, c.OrgName, c.AppName, c.AppID, redacted(c.AppCertificate), redacted(c.AppToken))
}

// GoString is String: %#v must not print the secrets either.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s, %d…) print the redacted form.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return `"[redacted]"`
}

// Option configures a Client in NewClient.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc. A nil hc keeps
// the default, an http.Client with a keep-alive tuned Transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTimeout sets the timeout of each HTTP attempt (default 10s). It is
// applied through the request context unless the caller's context already
// has an earlier deadline. d <= 0 disables it.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = max(d, 0) }
}

// WithRetries sets how often a retryable call is retried (default 3) and the
// base of the exponential backoff with full jitter (default 200ms, each wait
// capped at 5s). retries <= 0 disables retries; base <= 0 keeps the default.
func WithRetries(retries int, base time.Duration) Option {
	return func(c *Client) {
		c.maxRetries = max(retries, 0)
		if base > 0 {
			c.retryBase = base
		}
	}
}

// WithRateLimits sets the client-side request rates: perSecond for every call
// except a user's joined groups, which use joinedPerSecond (defaults 100 and
// 50, facts §4.1). 0 (or less) disables that limiter. Each limiter allows a
// burst of a tenth of a second's worth of calls.
func WithRateLimits(perSecond, joinedPerSecond float64) Option {
	return func(c *Client) {
		c.rate, c.joinedRate = perSecond, joinedPerSecond
	}
}

// WithTokenTTL sets the lifetime of the app tokens the client builds from
// AppID and AppCertificate (default 1h, at least 1s, at most 24h). A token is
// renewed once less than a fifth of its lifetime, or 5 minutes, remains
// (whichever is more, but never more than half the lifetime).
func WithTokenTTL(d time.Duration) Option {
	return func(c *Client) {
		if d < time.Second || d > MaxTokenExpire {
			c.optErr = errors.Join(c.optErr, fmt.Errorf("agora: WithTokenTTL(%s): the token lifetime must be between 1s and %s", d, MaxTokenExpire))
			return
		}
		c.tokenTTL = d
	}
}

// WithUserAgent sets the User-Agent header (default "groupdesk").
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// WithLogger makes the client log retries and token renewals at debug level.
// Tokens are never logged. The default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.logger = l
		}
	}
}

// withClock replaces time.Now for token building and Retry-After dates (tests).
func withClock(now func() time.Time) Option {
	return func(c *Client) { c.now = now }
}

// withSleep replaces the wait between attempts (tests).
func withSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// A Client calls the Agora Chat REST API of one app. It is safe for
// concurrent use; create one and share it.
type Client struct {
	Groups  *GroupsService
	Members *MembersService
	Users   *UsersService

	common service

	hc        *http.Client
	baseURL   string // scheme://host[/prefix], no trailing slash
	host      string // as configured, for display
	org, app  string
	tokens    *tokenSource
	userAgent string
	logger    *slog.Logger
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error

	timeout    time.Duration
	maxRetries int
	retryBase  time.Duration

	rate, joinedRate       float64
	limiter, joinedLimiter *rate.Limiter // nil when disabled

	tokenTTL time.Duration
	observer Observer
	optErr   error
}

type service struct{ client *Client }

// NewClient validates cfg and returns a client for its app.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{
		host:       cfg.Host,
		baseURL:    strings.TrimRight(cfg.Host, "/"),
		org:        cfg.OrgName,
		app:        cfg.AppName,
		userAgent:  defaultUserAgent,
		logger:     slog.New(slog.DiscardHandler),
		now:        time.Now,
		sleep:      sleepContext,
		timeout:    defaultTimeout,
		maxRetries: defaultRetries,
		retryBase:  defaultRetryBase,
		rate:       defaultRatePerSecond,
		joinedRate: defaultJoinedPerSecond,
		tokenTTL:   defaultTokenTTL,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(c)
		}
	}
	if c.optErr != nil {
		return nil, c.optErr
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: newTransport()}
	}
	c.limiter = newLimiter(c.rate)
	c.joinedLimiter = newLimiter(c.joinedRate)
	c.tokens = newTokenSource(cfg, c.tokenTTL, func() time.Time { return c.now() }, c.logger)
	c.tokens.onBuild = c.observer.tokenRenewal

	c.common.client = c
	c.Groups = (*GroupsService)(&c.common)
	c.Members = (*MembersService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	return c, nil
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	return t
}

func newLimiter(perSecond float64) *rate.Limiter {
	if perSecond <= 0 || math.IsNaN(perSecond) {
		return nil
	}
	burst := int(math.Ceil(perSecond / 10))
	return rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
}

// Org is the configured organisation name.
func (c *Client) Org() string { return c.org }

// App is the configured app name.
func (c *Client) App() string { return c.app }

// Host is the configured base URL, for display.
func (c *Client) Host() string { return c.host }

// String describes the client without credentials.
func (c *Client) String() string {
	return fmt.Sprintf("agora.Client{host=%s org=%s app=%s auth=%s}", c.host, c.org, c.app, c.tokens.kind())
}

// Response wraps the http.Response and adds the envelope's paging fields.
// The body has already been read and closed.
type Response struct {
	*http.Response
	Cursor    string // list-all: next page cursor; "" on the last page (the key is absent there)
	Count     int    // envelope "count" when present
	Timestamp Millis
	Duration  int64 // server ms
	Attempts  int   // how many HTTP attempts this call took (1 = no retry)
}

// envelope is Agora's success body (facts §1.1); only what the client reads.
type envelope struct {
	Data      json.RawMessage `json:"data"`
	Entities  json.RawMessage `json:"entities"`
	Count     int             `json:"count"`
	Cursor    string          `json:"cursor"`
	Timestamp Millis          `json:"timestamp"`
	Duration  int64           `json:"duration"`
}

// retryPolicy says when a call may be sent again.
type retryPolicy int

const (
	// retryNever: POST and PUT. A create that timed out may have created the
	// group; sending it again could create a second one.
	retryNever retryPolicy = iota
	// retryIdempotent: GET, on 429/502/503/504 and network failures.
	retryIdempotent
	// retryUnprocessed: DELETE, only when the server cannot have acted on
	// it: a connection failure before the request was written, 429 and 503.
	// Retrying after a lost response would turn a success into a 404.
	retryUnprocessed
)

// call is one API operation; do may send it several times.
type call struct {
	method string
	path   string // escaped, relative to /{org}/{app}, starting with "/"
	query  url.Values
	body   any // JSON-encoded once; nil for none
	retry  retryPolicy
	joined bool // counts against the joined-groups limiter
	// data, when set, receives the envelope's data as the body is decoded:
	// no copy of it and no second pass over it, which for a detail of
	// thousands of members was a good part of the cost. env.Data is then nil.
	data any
}

func (c *Client) get(path string, q url.Values) call {
	return call{method: http.MethodGet, path: path, query: q, retry: retryIdempotent}
}

// do sends cl, retrying as its policy allows, and decodes the envelope of a
// 2xx answer. It returns the Response whenever the server answered.
func (c *Client) do(ctx context.Context, cl call) (*envelope, *Response, error) {
	var body []byte
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, nil, fmt.Errorf("agora: %s %s: encoding request: %w", cl.method, cl.path, err)
		}
		body = b
	}
	target := c.baseURL + "/" + url.PathEscape(c.org) + "/" + url.PathEscape(c.app) + cl.path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	path := target
	if u, err := url.Parse(target); err == nil {
		path = u.EscapedPath()
	}
	lim := c.limiter
	if cl.joined {
		lim = c.joinedLimiter
	}
	endpoint := cl.method + " " + endpointTemplate(cl.path)

	for attempt := 1; ; attempt++ {
		res := c.send(ctx, cl.method, target, path, endpoint, body, lim)
		if res.sent {
			info := RequestInfo{Method: cl.method, Endpoint: endpoint, Status: res.status, Duration: res.duration, Attempt: attempt, Err: res.err}
			if res.http != nil {
				info.Status, info.Err = res.http.StatusCode, nil
			}
			c.observer.request(info)
		}
		var resp *Response
		if res.http != nil {
			resp = &Response{Response: res.http, Attempts: attempt}
		}
		if res.err == nil && res.http.StatusCode/100 == 2 {
			env := &envelope{}
			if len(bytes.TrimSpace(res.body)) > 0 {
				if err := decodeEnvelope(res.body, env, cl.data); err != nil {
					return nil, resp, &ResponseError{Op: cl.method + " " + path, StatusCode: res.http.StatusCode, Err: err}
				}
			}
			resp.Cursor, resp.Count, resp.Timestamp, resp.Duration = env.Cursor, env.Count, env.Timestamp, env.Duration
			return env, resp, nil
		}

		err := res.err
		var apiErr *Error
		if err == nil {
			apiErr = newError(res.http, res.body, c.now())
			apiErr.redact(res.token)
			resp.Timestamp, resp.Duration = apiErr.Timestamp, apiErr.Duration
			err = apiErr
		}
		if !res.retryable || ctx.Err() != nil || attempt > c.maxRetries || !c.mayRetry(cl.retry, res, apiErr) {
			return nil, resp, err
		}

		wait := c.backoff(attempt)
		if apiErr != nil && apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > maxRetryAfter {
				return nil, resp, err // the caller decides whether to wait that long (RetryAfter(err))
			}
			wait = apiErr.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, resp, err // the next attempt could not finish in time anyway
		}
		c.logger.Debug("agora: retrying", "method", cl.method, "path", path, "attempt", attempt, "wait", wait, "reason", retryReason(res, err))
		retry := RetryInfo{Method: cl.method, Endpoint: endpoint, Attempt: attempt, Wait: wait}
		if res.http != nil {
			retry.Status = res.http.StatusCode
		}
		c.observer.retry(retry)
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, resp, &RequestError{Method: cl.method, Path: path,
				Err: fmt.Errorf("%w while waiting to retry after attempt %d (%v)", serr, attempt, errorSummary(err))}
		}
	}
}

func (c *Client) mayRetry(p retryPolicy, res attemptResult, apiErr *Error) bool {
	switch p {
	case retryIdempotent:
		if apiErr == nil {
			return true // network failure or timeout
		}
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	case retryUnprocessed:
		if apiErr == nil {
			return !res.wrote
		}
		return apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode == http.StatusServiceUnavailable
	}
	return false
}

// backoff is the wait before retry number attempt: exponential with full
// jitter, uniformly random in [0, min(maxBackoff, base·2^(attempt-1))].
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := maxBackoff
	if attempt < 32 {
		if d := c.retryBase << (attempt - 1); d > 0 && d < maxBackoff {
			ceiling = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

func retryReason(res attemptResult, err error) string {
	if res.http != nil {
		return res.http.Status
	}
	return errorSummary(err)
}

func errorSummary(err error) string {
	var re *RequestError
	if errors.As(err, &re) && re.Err != nil {
		return re.Err.Error()
	}
	return err.Error()
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// attemptResult is the outcome of one HTTP exchange.
type attemptResult struct {
	http      *http.Response // body already read and closed
	body      []byte
	token     string // to scrub from error bodies
	err       error  // transport failure, or a failure before sending
	wrote     bool   // the request was completely written to the connection
	retryable bool   // false for failures another attempt cannot fix
	sent      bool   // an HTTP exchange was attempted (not stopped by the limiter or the token)
	status    int    // the status of a response that could not be used (http is nil then)
	duration  time.Duration
}

func (c *Client) send(ctx context.Context, method, target, path, endpoint string, body []byte, lim *rate.Limiter) attemptResult {
	if lim != nil {
		waited, err := waitLimiter(ctx, lim)
		if waited > 0 {
			c.observer.rateLimitWait(endpoint, waited)
		}
		if err != nil {
			if ctx.Err() != nil {
				return attemptResult{err: &RequestError{Method: method, Path: path, Err: ctx.Err()}}
			}
			return attemptResult{err: &RequestError{Method: method, Path: path,
				Err: fmt.Errorf("%w: waiting for the client-side rate limiter would pass the context deadline", ErrRateLimited)}}
		}
	}
	token, err := c.tokens.token()
	if err != nil {
		return attemptResult{err: fmt.Errorf("agora: %s %s: %w", method, path, err)}
	}

	actx, cancel := c.attemptContext(ctx)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body) // NewRequest sets GetBody, so redirects can resend it too
	}
	req, err := http.NewRequestWithContext(actx, method, target, rd)
	if err != nil {
		return attemptResult{err: fmt.Errorf("agora: %s %s: %w", method, path, err)}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)

	start := time.Now()
	hresp, err := c.hc.Do(req)
	if err != nil {
		return attemptResult{token: token, wrote: wrote.Load(), retryable: true, sent: true, duration: time.Since(start),
			err: &RequestError{Method: method, Path: path, Err: c.transportError(ctx, actx, err)}}
	}
	data, err := readBody(hresp.Body, maxResponseBody, hresp.ContentLength)
	hresp.Body.Close()
	hresp.Body = http.NoBody
	if errors.Is(err, errBodyTooLarge) {
		return attemptResult{token: token, wrote: true, sent: true, duration: time.Since(start), status: hresp.StatusCode,
			err: &ResponseError{Op: method + " " + path, StatusCode: hresp.StatusCode, Err: err}}
	}
	if err != nil {
		return attemptResult{token: token, wrote: true, retryable: true, sent: true, duration: time.Since(start),
			err: &RequestError{Method: method, Path: path, Err: fmt.Errorf("reading the %d response: %w", hresp.StatusCode, c.transportError(ctx, actx, err))}}
	}
	return attemptResult{http: hresp, body: data, token: token, wrote: true, retryable: true, sent: true, duration: time.Since(start)}
}

// attemptContext applies the per-attempt timeout unless ctx ends sooner.
func (c *Client) attemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, func() {}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= c.timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.timeout)
}

// transportError strips *url.Error (its message repeats the URL the caller
// already sees in RequestError) and says when our own attempt timeout fired.
func (c *Client) transportError(ctx, actx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no response within %s: %w", c.timeout, context.DeadlineExceeded)
	}
	return err
}

var errBodyTooLarge = errors.New("body is larger than the client accepts")

// readBody reads at most limit bytes, then drains a little more so the
// connection can be reused. size is the Content-Length (-1 if unknown):
// reading into a buffer of that size spares the copies of a growing one.
func readBody(r io.Reader, limit, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= limit {
		buf.Grow(int(size) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > limit {
		return nil, errBodyTooLarge
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r, maxDrain))
	return data, nil
}

// mergeResponse folds the response of a later batch into the one of the
// previous batches: the last HTTP response wins, attempts add up.
func mergeResponse(prev, next *Response) *Response {
	if next == nil {
		return prev
	}
	if prev != nil {
		next.Attempts += prev.Attempts
	}
	return next
}

// envelopeWithData is an envelope whose data goes straight into a caller's
// value: its Data hides the embedded envelope's.
type envelopeWithData struct {
	*envelope
	Data any `json:"data"`
}

// decodeEnvelope reads body into env and, when data is set, the envelope's
// data into data.
func decodeEnvelope(body []byte, env *envelope, data any) error {
	if d, ok := data.(fastData); ok && decodeEnvelopeFast(body, env, d) {
		return nil
	}
	var err error
	if data == nil {
		err = json.Unmarshal(body, env)
	} else {
		err = json.Unmarshal(body, &envelopeWithData{envelope: env, Data: data})
	}
	var syntax *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case data == nil || errors.As(err, &syntax):
		return fmt.Errorf("not an Agora JSON envelope: %w", err)
	}
	return fmt.Errorf("unexpected response data: %w", err)
}

// decodeData unmarshals the envelope's data (or entities) into v.
func decodeData(cl string, raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &ResponseError{Op: cl, Err: fmt.Errorf("unexpected response data: %w", err)}
	}
	return nil
}
