package agora

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Test credentials: the public AgoraIO/Tools test vector (token_test.go).
const (
	testOrg = "org"
	testApp = "app"
)

func testConfig(host string) Config {
	return Config{Host: host, OrgName: testOrg, AppName: testApp, AppID: vectorAppID, AppCertificate: vectorCert}
}

// setup starts an httptest server around a mux and returns a client for it,
// go-github style. The client has no rate limits and 1ms retry backoff
// unless opts say otherwise; it refuses redirects, so a path the server
// would "clean" (such as a double slash) fails the test instead of being
// silently followed. Requests nobody registered for fail the test.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	client, mux, _ := setupApp(t, testOrg, testApp, opts...)
	return client, mux
}

func setupApp(t *testing.T, org, app string, opts ...Option) (*Client, *http.ServeMux, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "no handler in test", http.StatusTeapot)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	cfg := testConfig(srv.URL)
	cfg.OrgName, cfg.AppName = org, app
	hc := &http.Client{
		Transport:     newTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(hc.CloseIdleConnections)
	base := []Option{WithHTTPClient(hc), WithRateLimits(0, 0), WithRetries(defaultRetries, time.Millisecond)}
	client, err := NewClient(cfg, append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return client, mux, srv
}

// testRequest asserts what every request must carry: the method, the exact
// query, a Bearer 007 app token that verifies against the test credentials,
// Accept and User-Agent, and either no body (and no Content-Type) or a JSON
// body equal to wantBody.
func testRequest(t *testing.T, r *http.Request, method string, query url.Values, wantBody string) {
	t.Helper()
	if r.Method != method {
		t.Errorf("method = %s, want %s", r.Method, method)
	}
	if diff := cmp.Diff(query, r.URL.Query(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
	testAuth(t, r, time.Now())
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q, want application/json", got)
	}
	if got := r.Header.Get("User-Agent"); got != "groupdesk" {
		t.Errorf("User-Agent = %q, want groupdesk", got)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading request body: %v", err)
	}
	if wantBody == "" {
		if len(body) != 0 {
			t.Errorf("unexpected request body %s", body)
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			t.Errorf("Content-Type = %q on a request without body", ct)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	testJSON(t, string(body), wantBody)
}

// testJSON compares two JSON documents by value: same keys, same values.
func testJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %s is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s is not JSON: %v", want, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("JSON body mismatch (-want +got):\n%s\ngot: %s", diff, got)
	}
}

func testAuth(t *testing.T, r *http.Request, now time.Time) string {
	t.Helper()
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || !strings.HasPrefix(tok, "007") {
		t.Errorf("Authorization = %q, want Bearer 007…", h)
		return ""
	}
	if _, err := VerifyAppToken(tok, vectorAppID, vectorCert, now); err != nil {
		t.Errorf("the app token does not verify: %v", err)
	}
	return tok
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// fakeClock is a settable, goroutine-safe time.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sleepRecorder replaces the backoff sleep: it records the waits and
// returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) option() Option {
	return withSleep(func(ctx context.Context, d time.Duration) error {
		s.mu.Lock()
		s.waits = append(s.waits, d)
		s.mu.Unlock()
		return ctx.Err()
	})
}

func (s *sleepRecorder) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}
