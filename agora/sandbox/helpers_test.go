package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"groupdesk/agora"
)

const (
	testAppID = "970ca35de60c44645bbae8a215061b33"
	testCert  = "5cfd2fd1755d40ecb72977518be15d3b"
	testOrg   = "acme"
	testApp   = "desk"
)

func testConfig(dir string) Config {
	return Config{DataDir: dir, Org: testOrg, App: testApp, AppID: testAppID, AppCertificate: testCert}
}

// env is a sandbox behind a real HTTP server, with a valid app token.
type env struct {
	t     *testing.T
	sb    *Sandbox
	srv   *httptest.Server
	token string
}

func newEnv(t *testing.T, mutate ...func(*Config)) *env {
	t.Helper()
	cfg := testConfig(t.TempDir())
	for _, m := range mutate {
		m(&cfg)
	}
	sb, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return serveEnv(t, sb)
}

func serveEnv(t *testing.T, sb *Sandbox) *env {
	t.Helper()
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	token, err := agora.BuildAppToken(testAppID, testCert, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sb: sb, srv: srv, token: token}
}

// url is the full URL of a path under /{org}/{app}.
func (e *env) url(path string) string { return e.srv.URL + "/" + testOrg + "/" + testApp + path }

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with the env's token. body is sent verbatim when it
// is a string, JSON-encoded otherwise (nil: no body).
func (e *env) do(method, path string, body any) response {
	e.t.Helper()
	return e.send(method, e.url(path), body, "Bearer "+e.token)
}

func (e *env) send(method, url string, body any, auth string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.sendRequest(req)
}

// sendRequest sends req and reads its JSON answer.
func (e *env) sendRequest(req *http.Request) response {
	e.t.Helper()
	method, url := req.Method, req.URL.String()
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		e.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, url, err, raw)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("%s %s: Content-Type %q, want application/json", method, url, ct)
	}
	return out
}

// ok sends a request and fails the test unless it answers 200.
func (e *env) ok(method, path string, body any) response {
	e.t.Helper()
	res := e.do(method, path, body)
	if res.status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d, want 200\n%s", method, path, res.status, res.raw)
	}
	return res
}

// wantError checks an Agora error body.
func wantError(t *testing.T, res response, status int, code, desc string) {
	t.Helper()
	if res.status != status {
		t.Errorf("status %d, want %d\n%s", res.status, status, res.raw)
	}
	if got := res.body["error"]; got != code {
		t.Errorf("error %v, want %q\n%s", got, code, res.raw)
	}
	if desc != "" {
		if got := res.body["error_description"]; got != desc {
			t.Errorf("error_description %q, want %q", got, desc)
		}
	}
	if exc, _ := res.body["exception"].(string); exc == "" {
		t.Errorf("exception missing or not a string\n%s", res.raw)
	}
	for _, k := range []string{"timestamp", "duration"} {
		if _, ok := res.body[k].(float64); !ok {
			t.Errorf("%s missing or not a number\n%s", k, res.raw)
		}
	}
	keys := []string{"error", "exception", "timestamp", "duration", "error_description"}
	if _, ok := res.body["error_code"]; ok { // only on some errors
		keys = append(keys, "error_code")
	}
	wantKeys(t, res.body, keys...)
}

// wantKeys checks that m has exactly the keys given.
func wantKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
}

// createUsers makes users through the store helper.
func (e *env) createUsers(names ...string) {
	e.t.Helper()
	if err := e.sb.CreateUsers(context.Background(), names...); err != nil {
		e.t.Fatal(err)
	}
}

// createGroup creates a group over HTTP and returns its id.
func (e *env) createGroup(name, owner string, members ...string) string {
	e.t.Helper()
	body := map[string]any{"groupname": name, "desc": name + " description", "public": true, "owner": owner}
	if len(members) > 0 {
		body["members"] = members
	}
	res := e.ok("POST", "/chatgroups", body)
	id, ok := res.body["data"].(map[string]any)["groupid"].(string)
	if !ok || id == "" {
		e.t.Fatalf("create: no groupid string in %s", res.raw)
	}
	return id
}

// data returns the "data" array of a response.
func dataList(t *testing.T, res response) []any {
	t.Helper()
	d, ok := res.body["data"].([]any)
	if !ok {
		t.Fatalf("data is not an array: %s", res.raw)
	}
	return d
}

func dataObject(t *testing.T, res response) map[string]any {
	t.Helper()
	d, ok := res.body["data"].(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", res.raw)
	}
	return d
}

func count(t *testing.T, res response) int {
	t.Helper()
	c, ok := res.body["count"].(float64)
	if !ok {
		t.Fatalf("count missing or not a number: %s", res.raw)
	}
	return int(c)
}
