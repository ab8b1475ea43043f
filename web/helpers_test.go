package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/crypto/bcrypt"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
	"groupdesk/web/store"
)

// 32-hex test credentials, used by the sandbox and by the client.
const (
	testAppID      = "4f3c2b1a09e8d7c6b5a4f3e2d1c0b9a8"
	testAppCert    = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	testOrg        = "demo"
	testApp        = "groupdesk"
	testAdminPass  = "correct horse battery"
	testSessionKey = "test-session-key-0123456789abcdef-0123456789"
)

func TestMain(m *testing.M) {
	store.BcryptCost = bcrypt.MinCost
	code := m.Run()
	closeBigSandbox()
	if shared.srv != nil {
		shared.srv.Close()
		shared.sb.Close()
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// shared is one seeded sandbox for the whole package: seeding is the slow
// part. Tests that change groups create their own.
var shared struct {
	once sync.Once
	dir  string
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	err  error
}

func sharedSandbox(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "groupdesk-web-sandbox-")
		if shared.err != nil {
			return
		}
		shared.sb, shared.err = sandbox.Open(sandbox.Config{
			DataDir: shared.dir, Org: testOrg, App: testApp, AppID: testAppID, AppCertificate: testAppCert,
		})
		if shared.err != nil {
			return
		}
		_, shared.err = shared.sb.SeedDemo(context.Background())
		shared.srv = httptest.NewServer(shared.sb.Handler())
	})
	if shared.err != nil {
		t.Fatalf("sandbox: %v", shared.err)
	}
	return shared.sb, shared.srv.URL
}

// call is one HTTP request the agora client made.
type call struct {
	Method, Path, Query, Body string
}

// recorder is an http.RoundTripper that records the agora client's calls.
type recorder struct {
	mu     sync.Mutex
	calls  []call
	tokens map[string]bool // Authorization values sent
	next   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.calls = append(r.calls, call{req.Method, req.URL.Path, req.URL.RawQuery, string(body)})
	if auth := req.Header.Get("Authorization"); auth != "" {
		if r.tokens == nil {
			r.tokens = map[string]bool{}
		}
		r.tokens[strings.TrimPrefix(auth, "Bearer ")] = true
	}
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.calls = nil
	r.mu.Unlock()
}

func (r *recorder) sentTokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for t := range r.tokens {
		out = append(out, t)
	}
	return out
}

func (r *recorder) all() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// env is a dashboard in front of an Agora-compatible server, and a browser
// (cookie jar, no automatic redirects) signed in to it.
type env struct {
	t      *testing.T
	sb     *sandbox.Sandbox // nil when pointed at a stub server
	client *agora.Client
	rec    *recorder
	srv    *Server
	web    *httptest.Server
	http   *http.Client
	logs   *logBuffer
	dir    string
}

type envOption func(*envConfig)

type envConfig struct {
	apiURL     string
	cert       string
	clientOpts []agora.Option
	cfg        func(*Config)
	db         *testDB // nil: a SQLite database of its own
}

func withAPI(u string) envOption     { return func(c *envConfig) { c.apiURL = u } }
func withCert(cert string) envOption { return func(c *envConfig) { c.cert = cert } }
func withClientOpts(o ...agora.Option) envOption {
	return func(c *envConfig) { c.clientOpts = append(c.clientOpts, o...) }
}
func withConfig(f func(*Config)) envOption { return func(c *envConfig) { c.cfg = f } }

// newEnv starts a dashboard against the shared seeded sandbox, unless
// withAPI points it elsewhere.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ec := envConfig{cert: testAppCert}
	for _, o := range opts {
		o(&ec)
	}
	e := &env{t: t, logs: &logBuffer{}}
	if ec.db != nil {
		e.dir = ec.db.dir
	} else {
		e.dir = t.TempDir()
	}
	if ec.apiURL == "" {
		e.sb, ec.apiURL = sharedSandbox(t)
	}
	e.rec = &recorder{next: http.DefaultTransport}
	clientOpts := append([]agora.Option{agora.WithHTTPClient(&http.Client{Transport: e.rec})}, ec.clientOpts...)
	client, err := agora.NewClient(agora.Config{
		Host: ec.apiURL, OrgName: testOrg, AppName: testApp, AppID: testAppID, AppCertificate: ec.cert,
	}, clientOpts...)
	if err != nil {
		t.Fatalf("agora.NewClient: %v", err)
	}
	e.client = client
	cfg := Config{
		DataDir:       e.dir,
		SessionKey:    testSessionKey,
		AdminPassword: testAdminPass,
		Mode:          ModeSandbox,
		Logger:        slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		// No scheduled index sync: its calls would land among those the
		// tests count. Tests of the sync turn it on.
		IndexSyncEvery: -1,
	}
	if ec.db != nil {
		cfg.DatabaseURL = ec.db.url
	}
	if ec.cfg != nil {
		ec.cfg(&cfg)
	}
	srv, err := New(cfg, client)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	e.srv = srv
	e.web = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		e.web.Close()
		srv.Close()
	})
	e.http = e.newBrowser()
	return e
}

// logBuffer collects the server's log; the server writes from its own
// goroutines while the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (e *env) newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// page is a fetched response with its parsed HTML.
type page struct {
	*http.Response
	body string
	doc  *goquery.Document
}

func (p *page) find(testid string) *goquery.Selection {
	return p.doc.Find(`[data-testid="` + testid + `"]`)
}

func (p *page) text(testid string) string {
	return strings.TrimSpace(p.find(testid).First().Text())
}

func (e *env) do(c *http.Client, req *http.Request) *page {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	html := b
	if bytes.HasPrefix(b, []byte("<tr")) {
		// Table rows parse only in a table, as htmx's own parser does.
		html = append(append([]byte("<table><tbody>"), b...), "</tbody></table>"...)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	if err != nil {
		e.t.Fatalf("parse %s: %v", req.URL, err)
	}
	return &page{Response: resp, body: string(b), doc: doc}
}

// get fetches path with the signed-in browser; headers are name, value pairs.
func (e *env) get(path string, headers ...string) *page {
	e.t.Helper()
	return e.getWith(e.http, path, headers...)
}

func (e *env) getWith(c *http.Client, path string, headers ...string) *page {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.web.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(c, req)
}

// post submits a form with the browser's CSRF token added (unless the
// values already have one).
func (e *env) post(path string, values url.Values, headers ...string) *page {
	e.t.Helper()
	return e.postWith(e.http, path, values, headers...)
}

func (e *env) postWith(c *http.Client, path string, values url.Values, headers ...string) *page {
	e.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	if _, ok := values[csrfField]; !ok {
		values.Set(csrfField, e.csrfOf(c))
	}
	req, _ := http.NewRequest(http.MethodPost, e.web.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(c, req)
}

// csrfOf reads the CSRF token from a page that makes no Agora call: the
// create form when signed in, the audit log for a viewer (who may not
// create), else the login page.
func (e *env) csrfOf(c *http.Client) string {
	e.t.Helper()
	p := e.getWith(c, "/groups/new")
	if p.StatusCode == http.StatusForbidden {
		p = e.getWith(c, "/audit")
	}
	if p.StatusCode != http.StatusOK {
		p = e.getWith(c, "/login")
	}
	tok, _ := p.doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if tok == "" {
		e.t.Fatalf("no CSRF token on %s (status %d)", p.Request.URL.Path, p.StatusCode)
	}
	return tok
}

// login signs the env's browser in as admin.
func (e *env) login() *env {
	e.t.Helper()
	p := e.post("/login", url.Values{"username": {"admin"}, "password": {testAdminPass}})
	if p.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login: status %d, body:\n%s", p.StatusCode, p.body)
	}
	return e
}

// follow fetches the Location of a redirect.
func (e *env) follow(p *page) *page {
	e.t.Helper()
	loc := p.Header.Get("Location")
	if loc == "" {
		e.t.Fatalf("no Location (status %d)", p.StatusCode)
	}
	return e.get(loc)
}

// upstreamCalls returns the calls made since the last reset.
func (e *env) upstreamCalls() []call { return e.rec.all() }

// createGroup creates a group directly through the client, for tests that
// change or delete it.
func (e *env) createGroup(req *agora.CreateGroupRequest) string {
	e.t.Helper()
	id, _, err := e.client.Groups.Create(context.Background(), req)
	if err != nil {
		e.t.Fatalf("create group: %v", err)
	}
	return id
}

func wantStatus(t *testing.T, p *page, want int) {
	t.Helper()
	if p.StatusCode != want {
		body := p.body
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", p.Request.Method, p.Request.URL, p.StatusCode, want, body)
	}
}
