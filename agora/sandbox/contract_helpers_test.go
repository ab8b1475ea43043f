package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"groupdesk/agora"
	"groupdesk/agora/sandbox"
)

// Credentials and names of the contract sandbox. The app name contains "_"
// so that the list-all owner prefix "{org}#{app}_" cannot be found by
// splitting on "_".
const (
	ctAppID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	ctCert  = "f9e8d7c6b5a4938271605f4e3d2c1b0a"
	ctOrg   = "41117440"
	ctApp   = "desk_app"

	// otherAppID / otherCert are a valid pair for some other app.
	otherAppID = "11112222333344445555666677778888"
	otherCert  = "88887777666655554444333322221111"
)

// exchange is one HTTP attempt the client made, as the recorder saw it.
type exchange struct {
	Method string
	Path   string // escaped path, with /{org}/{app}
	Query  string
	Body   []byte
	Status int // 0 when there was no response
}

// recorder is an http.RoundTripper that counts and records every attempt
// before passing it to the real transport.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  []exchange
}

func newRecorder() *recorder {
	return &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery}
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			ex.Body, _ = io.ReadAll(b)
			b.Close()
		}
	}
	resp, err := r.base.RoundTrip(req)
	if resp != nil {
		ex.Status = resp.StatusCode
	}
	r.mu.Lock()
	r.log = append(r.log, ex)
	r.mu.Unlock()
	return resp, err
}

// reset forgets what was recorded so far.
func (r *recorder) reset() {
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
}

// calls returns a copy of the recorded attempts.
func (r *recorder) calls() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

// last is the most recent attempt; it fails the test when there is none.
func (r *recorder) last(t *testing.T) exchange {
	t.Helper()
	c := r.calls()
	if len(c) == 0 {
		t.Fatal("no HTTP request was recorded")
	}
	return c[len(c)-1]
}

// harness is one sandbox behind a real HTTP server.
type harness struct {
	t   *testing.T
	dir string
	sb  *sandbox.Sandbox
	srv *httptest.Server
}

func sandboxConfig(dir string) sandbox.Config {
	return sandbox.Config{DataDir: dir, Org: ctOrg, App: ctApp, AppID: ctAppID, AppCertificate: ctCert}
}

// newHarness opens a sandbox on a fresh directory (mutate adjusts its
// Config) and serves it over HTTP until the test ends.
func newHarness(t *testing.T, mutate ...func(*sandbox.Config)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	cfg := sandboxConfig(h.dir)
	for _, m := range mutate {
		m(&cfg)
	}
	sb, err := sandbox.Open(cfg)
	if err != nil {
		t.Fatalf("sandbox.Open: %v", err)
	}
	h.sb = sb
	h.srv = httptest.NewServer(sb.Handler())
	// Cleanups run last-in first-out: the server stops before the store closes.
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("sandbox.Close: %v", err)
		}
	})
	t.Cleanup(h.srv.Close)
	return h
}

// clientConfig is a client config for the harness's app; mutate adjusts it.
func (h *harness) clientConfig(mutate ...func(*agora.Config)) agora.Config {
	cfg := agora.Config{Host: h.srv.URL, OrgName: ctOrg, AppName: ctApp, AppID: ctAppID, AppCertificate: ctCert}
	for _, m := range mutate {
		m(&cfg)
	}
	return cfg
}

// client returns a client for cfg that sends through a new recorder. By
// default it retries twice with a short backoff and has no client-side
// rate limit; opts come after those defaults and override them.
func (h *harness) clientFor(cfg agora.Config, opts ...agora.Option) (*agora.Client, *recorder) {
	h.t.Helper()
	rec := newRecorder()
	h.t.Cleanup(func() { rec.base.(*http.Transport).CloseIdleConnections() })
	all := append([]agora.Option{
		agora.WithHTTPClient(&http.Client{Transport: rec}),
		agora.WithRetries(2, 10*time.Millisecond),
		agora.WithRateLimits(0, 0),
		agora.WithTimeout(10 * time.Second),
	}, opts...)
	c, err := agora.NewClient(cfg, all...)
	if err != nil {
		h.t.Fatalf("agora.NewClient: %v", err)
	}
	return c, rec
}

func (h *harness) client(opts ...agora.Option) (*agora.Client, *recorder) {
	h.t.Helper()
	return h.clientFor(h.clientConfig(), opts...)
}

// users creates users directly in the store (no HTTP call).
func (h *harness) users(names ...string) {
	h.t.Helper()
	if err := h.sb.CreateUsers(context.Background(), names...); err != nil {
		h.t.Fatalf("CreateUsers: %v", err)
	}
}

// raw sends a request with a valid app token, bypassing the client, and
// returns the status, the body and the error agora.CheckResponse makes of
// the answer. body is sent verbatim ("" sends none).
func (h *harness) raw(method, path, body string) (int, []byte, error) {
	h.t.Helper()
	token, err := agora.BuildAppToken(ctAppID, ctCert, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+"/"+ctOrg+"/"+ctApp+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	cerr := agora.CheckResponse(res)
	data, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return res.StatusCode, data, cerr
}

// wantAPIError checks that err matches sentinel and is an *agora.Error with
// the given status and code whose description contains desc.
func wantAPIError(t *testing.T, err error, sentinel error, status int, code, desc string) *agora.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %d %s (%q)", status, code, desc)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(%v, %v) = false", err, sentinel)
	}
	var ae *agora.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *agora.Error", err, err)
	}
	if ae.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d (%v)", ae.StatusCode, status, err)
	}
	if ae.Code != code {
		t.Errorf("Code = %q, want %q (%v)", ae.Code, code, err)
	}
	if !strings.Contains(ae.Description, desc) {
		t.Errorf("Description = %q, want it to contain %q", ae.Description, desc)
	}
	if ae.Exception == "" {
		t.Errorf("Exception is empty (%v)", err)
	}
	if ae.Timestamp == 0 {
		t.Errorf("Timestamp is 0 (%v)", err)
	}
	return ae
}

// wantValidation checks that err is a *agora.ValidationError for field,
// matching agora.ErrInvalidInput and not an *agora.Error.
func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *agora.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not an *agora.ValidationError", err, err)
	}
	if ve.Field != field {
		t.Errorf("ValidationError.Field = %q, want %q (%v)", ve.Field, field, err)
	}
	if !errors.Is(err, agora.ErrInvalidInput) {
		t.Errorf("errors.Is(%v, ErrInvalidInput) = false", err)
	}
	var ae *agora.Error
	if errors.As(err, &ae) {
		t.Errorf("a client-side validation error is also an *agora.Error: %v", err)
	}
}

// mustOK fails the test now when err is not nil.
func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantResp checks the basics of a successful call's Response.
func wantResp(t *testing.T, what string, resp *agora.Response, attempts int) {
	t.Helper()
	if resp == nil {
		t.Fatalf("%s: nil *Response on success", what)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: StatusCode = %d, want 200", what, resp.StatusCode)
	}
	if attempts > 0 && resp.Attempts != attempts {
		t.Errorf("%s: Attempts = %d, want %d", what, resp.Attempts, attempts)
	}
	if now := time.Now(); !within(resp.Timestamp, now.Add(-time.Minute), now.Add(time.Second)) {
		t.Errorf("%s: Timestamp = %d (%v), want about now", what, resp.Timestamp, resp.Timestamp.Time())
	}
}

// within reports whether m lies in [from, to], to the millisecond.
func within(m agora.Millis, from, to time.Time) bool {
	return int64(m) >= from.UnixMilli() && int64(m) <= to.UnixMilli()
}

// bodyKeys returns the sorted top-level keys of a recorded JSON body.
func bodyKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("request body %q is not a JSON object: %v", body, err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// names returns prefix000 … prefix(n-1), zero-padded to 3 digits.
func names(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, from+i)
	}
	return out
}

// createGroup creates a group through the client and fails the test on error.
func createGroup(t *testing.T, c *agora.Client, req *agora.CreateGroupRequest) string {
	t.Helper()
	id, resp, err := c.Groups.Create(t.Context(), req)
	mustOK(t, "Groups.Create", err)
	wantResp(t, "Groups.Create", resp, 1)
	if id == "" {
		t.Fatal("Groups.Create returned an empty id")
	}
	return id
}

// listAll walks every page of the list of all groups.
func listAll(t *testing.T, c *agora.Client, limit int) []*agora.GroupSummary {
	t.Helper()
	var all []*agora.GroupSummary
	opts := &agora.ListOptions{Limit: limit}
	for range 10_000 {
		page, resp, err := c.Groups.List(t.Context(), opts)
		mustOK(t, "Groups.List", err)
		all = append(all, page...)
		if resp.Cursor == "" {
			return all
		}
		opts.Cursor = resp.Cursor
	}
	t.Fatal("Groups.List: the walk did not end")
	return nil
}

// memberNames lists the usernames of affiliations with the given role.
func memberNames(affs []agora.Affiliation, role agora.Role) []string {
	var out []string
	for _, a := range affs {
		if a.Role == role {
			out = append(out, a.Username)
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// scalars is g without its affiliations, for comparisons.
func scalars(g *agora.Group) agora.Group {
	c := *g
	c.Affiliations = nil
	return c
}

// groupEqual compares two groups, affiliations as sets.
func groupEqual(a, b *agora.Group) bool {
	if !reflect.DeepEqual(scalars(a), scalars(b)) || len(a.Affiliations) != len(b.Affiliations) {
		return false
	}
	for _, af := range a.Affiliations {
		if !slices.Contains(b.Affiliations, af) {
			return false
		}
	}
	return true
}
