package sandbox

import (
	"net/http"
	"testing"
)

func TestCORS(t *testing.T) {
	preflight := func(e *env, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("OPTIONS", e.url("/chatgroups/123/users"), nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	tests := []struct {
		name    string
		allowed []string
		origin  string
		want    bool
	}{
		{"none by default", nil, "http://localhost:5173", false},
		{"any origin", []string{AnyOrigin}, "http://localhost:5173", true},
		{"listed origin", []string{"http://localhost:5173"}, "http://LOCALHOST:5173", true},
		{"unlisted origin", []string{"http://localhost:5173"}, "http://evil.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.AllowedOrigins = tt.allowed })
			res := preflight(e, tt.origin)
			if !tt.want {
				if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
					t.Errorf("refused preflight: %d, Allow-Origin %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
				}
				return
			}
			if res.StatusCode != http.StatusNoContent {
				t.Errorf("preflight status %d, want 204 without a token", res.StatusCode)
			}
			for k, v := range map[string]string{
				"Access-Control-Allow-Origin":  tt.origin,
				"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
				"Access-Control-Allow-Headers": "authorization,content-type",
				"Access-Control-Max-Age":       "86400",
			} {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			// The real request, and its errors, carry the origin too.
			e.createUsers("u")
			id := e.createGroup("g", "u")
			for _, path := range []string{"/chatgroups/" + id, "/chatgroups/123"} {
				req, _ := http.NewRequest("GET", e.url(path), nil)
				req.Header.Set("Origin", tt.origin)
				req.Header.Set("Authorization", "Bearer "+e.token)
				r, err := e.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
				if r.Header.Get("Access-Control-Allow-Origin") != tt.origin || r.Header.Get("Vary") != "Origin" {
					t.Errorf("GET %s (%d): Allow-Origin %q, Vary %q", path, r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"), r.Header.Get("Vary"))
				}
			}
		})
	}
	// Without an Origin, OPTIONS is an ordinary request: it needs a token.
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{AnyOrigin} })
	wantError(t, e.send("OPTIONS", e.url("/chatgroups"), nil, ""), 401, "group_authorization", "token is blank!")
	if _, err := Open(Config{DataDir: t.TempDir(), Org: testOrg, App: testApp, AppID: testAppID, AppCertificate: testCert,
		AllowedOrigins: []string{"localhost:5173"}}); err == nil {
		t.Error("Open accepted an origin without a scheme")
	}
}
