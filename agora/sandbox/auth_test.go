package sandbox

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"groupdesk/agora"
)

func TestAuthErrors(t *testing.T) {
	e := newEnv(t)
	build := func(appID, cert string, issued time.Time, priv uint16) string {
		t.Helper()
		tok, err := agora.NewAppToken(appID, time.Hour, issued)
		if err != nil {
			t.Fatal(err)
		}
		tok.Services[0].Privileges = map[uint16]uint32{priv: tok.Expire}
		s, err := tok.Build(cert)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	otherApp := "0123456789abcdef0123456789abcdef"
	const corrupt, bad = "Unable to authenticate due to corrupt access token", "Unable to authenticate"
	tests := []struct {
		name, header, code, desc string
	}{
		{"missing", "", "group_authorization", "token is blank!"},
		{"empty bearer", "Bearer ", "group_authorization", "token is blank!"},
		{"not a token", "Bearer hello", "auth_bad_access_token", corrupt},
		{"007 garbage", "Bearer 007!!!notbase64", "auth_bad_access_token", corrupt},
		{"basic scheme", "Basic dXNlcjpwYXNz", "auth_bad_access_token", corrupt},
		{"wrong signature", "Bearer " + build(testAppID, otherApp, now, agora.PrivilegeChatApp), "auth_bad_access_token", bad},
		{"wrong app", "Bearer " + build(otherApp, testCert, now, agora.PrivilegeChatApp), "auth_bad_access_token", bad},
		{"expired", "Bearer " + build(testAppID, testCert, now.Add(-2*time.Hour), agora.PrivilegeChatApp), "unauthorized", "Unable to authenticate due to expired access token"},
		{"user token", "Bearer " + build(testAppID, testCert, now, agora.PrivilegeChatUser), "unauthorized", "Unable to authenticate (OAuth)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.send("GET", e.url("/chatgroups"), nil, tt.header)
			wantError(t, res, http.StatusUnauthorized, tt.code, tt.desc)
		})
	}
	// Lower-case scheme is accepted.
	if res := e.send("GET", e.url("/chatgroups"), nil, "bearer "+e.token); res.status != 200 {
		t.Errorf("lower-case bearer: %d", res.status)
	}
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.send("GET", e.srv.URL+"/other/desk/chatgroups", nil, ""), 404,
		"organization_application_not_found", "Could not find application for other/desk from URI: other/desk/chatgroups")
	wantError(t, e.send("GET", e.srv.URL+"/acme/desk2/chatgroups", nil, ""), 404, "organization_application_not_found", "")
	wantError(t, e.send("GET", e.srv.URL+"/", nil, ""), 404, "organization_application_not_found", "")

	res := e.do("PATCH", "/chatgroups", `{}`)
	wantError(t, res, http.StatusMethodNotAllowed, "unsupported_service_operation", "Service operation not supported")
	if got := res.header.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow %q", got)
	}
	wantError(t, e.do("POST", "/chatgroups/1/users/a/b", nil), 404, "service_resource_not_found", "Service resource not found")
	wantError(t, e.do("GET", "/nothing", nil), 404, "service_resource_not_found", "")
	wantError(t, e.do("GET", "/chatgroups/../users/x", nil), 404, "service_resource_not_found", "")
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 0.5 })
	e.ok("GET", "/chatgroups", nil)
	res := e.do("GET", "/chatgroups", nil)
	wantError(t, res, http.StatusTooManyRequests, "reach_limit", "This request has reached api limit")
	if s, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After %q, want 1-2 seconds", res.header.Get("Retry-After"))
	}
}
